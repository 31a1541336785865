"""Where the LMS serves the course's class list and gradebook, as its launches say.

Every LTI 1.3 launch from a course carries the course's Names and Role Provisioning Services URL
(``.../claim/namesroleservice``: ``context_memberships_url``) and its Assignment and Grade Services URL
(``.../claim/endpoint``: ``lineitems``, with the scopes the tool may use). The hub records them from each launch
in ``<course>/lms/services.json``, so that ``make roster FROM=lms`` and ``make export FORMAT=lti`` know them
once anyone (an instructor, usually) has launched the course; ``c.LtiPlatform.memberships_url`` and
``lineitems_url`` set them by hand instead.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from .platform_settings import LTI_CONFIG_FILE, LtiNotConfigured, LtiPlatform

NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
CONTEXT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/context"
AGS_SCOPES = ("https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
              "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
              "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
              "https://purl.imsglobal.org/spec/lti-ags/scope/score")
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


@dataclass(frozen=True)
class ServiceAddresses:
    memberships_url: str = ""
    lineitems_url: str = ""
    ags_scopes: tuple = AGS_SCOPES
    context_id: str = ""
    context_title: str = ""
    recorded_at: str = ""

    def need(self, what: str) -> str:
        url = getattr(self, what)
        if not url:
            service = "class list (Names and Roles)" if what == "memberships_url" else "line items (grades)"
            raise LtiNotConfigured(
                f"the course's {service} URL is not known yet: launch the course once from the LMS (as its "
                f"instructor) so that the hub records it, or set c.LtiPlatform.{what} in {LTI_CONFIG_FILE}")
        return url


def services_file(course_root) -> Path:
    return Path(course_root) / "lms" / "services.json"


def from_launch(id_token: dict) -> ServiceAddresses | None:
    """The service addresses a verified launch carries (None when it carries neither service)."""
    nrps, ags = id_token.get(NRPS_CLAIM) or {}, id_token.get(AGS_CLAIM) or {}
    if not nrps.get("context_memberships_url") and not ags.get("lineitems"):
        return None
    context = id_token.get(CONTEXT_CLAIM) or {}
    return ServiceAddresses(memberships_url=nrps.get("context_memberships_url", ""),
                            lineitems_url=ags.get("lineitems", ""), ags_scopes=tuple(ags.get("scope") or ()),
                            context_id=str(context.get("id", "")), context_title=context.get("title", ""))


def record(course_root, addresses: ServiceAddresses) -> None:
    """Write ``addresses`` to the course's ``lms/services.json`` (owned by the course folder's owner, who runs the
    LMS commands), when they differ from what is there."""
    path = services_file(course_root)
    recorded = load(course_root)
    same = recorded is not None and (recorded.memberships_url, recorded.lineitems_url, recorded.ags_scopes,
                                      recorded.context_id) == (addresses.memberships_url, addresses.lineitems_url,
                                                               addresses.ags_scopes, addresses.context_id)
    if same:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    content = {**asdict(addresses), "ags_scopes": list(addresses.ags_scopes),
               "recorded_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(content, indent=1))
    owner = os.stat(course_root)
    if os.geteuid() == 0:
        os.chown(path.parent, owner.st_uid, owner.st_gid)
        os.chown(temporary, owner.st_uid, owner.st_gid)
    temporary.replace(path)


def load(course_root) -> ServiceAddresses | None:
    path = services_file(course_root)
    if not path.is_file():
        return None
    content = json.loads(path.read_text())
    return ServiceAddresses(**{**content, "ags_scopes": tuple(content.get("ags_scopes") or AGS_SCOPES)})


def course_services(platform: LtiPlatform, course_root) -> ServiceAddresses:
    """The addresses to use: each set in ``lti_config.py`` wins over the one the launches recorded."""
    recorded = load(course_root) or ServiceAddresses()
    memberships = platform.memberships_url or recorded.memberships_url
    lineitems = platform.lineitems_url or recorded.lineitems_url
    return ServiceAddresses(memberships_url=memberships, lineitems_url=lineitems,
                            ags_scopes=recorded.ags_scopes if recorded.lineitems_url else AGS_SCOPES,
                            context_id=recorded.context_id, context_title=recorded.context_title,
                            recorded_at=recorded.recorded_at)
