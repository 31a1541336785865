"""``LtiPlatform``: the LMS the course is registered with, as ``lti_config.py`` in the course folder describes it.

The file is a traitlets config file, like ``jupyterhub_config.py``::

    c.LtiPlatform.issuer = "https://canvas.instructure.com"
    c.LtiPlatform.client_id = "10000000000042"
    c.LtiPlatform.deployment_ids = ["7:8865aa05b4b79b64a91a86042e43af5ea8ae79eb"]
    c.LtiPlatform.authorize_url = "https://sso.canvaslms.com/api/lti/authorize_redirect"
    c.LtiPlatform.token_url = "https://sso.canvaslms.com/login/oauth2/token"
    c.LtiPlatform.jwks_url = "https://sso.canvaslms.com/api/lti/security/jwks"

An empty ``issuer`` (the file as the course ships it) leaves the LMS out: the hub keeps the roster's own login.
Filled in, ``make hub`` serves the LTI 1.3 launch instead, and the LMS commands can reach the platform.
"""

from __future__ import annotations

from pathlib import Path

from traitlets import Bool, List, Unicode
from traitlets.config import Configurable

LTI_CONFIG_FILE = "lti_config.py"

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
#: The launch roles that make someone an instructor of the course (formgrader, the course's commands).
TEACHING_ROLES = (f"{LIS}membership#Instructor", f"{LIS}membership#ContentDeveloper",
                  f"{LIS}membership/Instructor#TeachingAssistant", f"{LIS}institution/person#Administrator",
                  f"{LIS}system/person#Administrator")
LEARNER_ROLE = f"{LIS}membership#Learner"

#: What a launch needs; the service addresses may come from the launches themselves.
NEEDED_FOR_LAUNCH = ("issuer", "client_id", "deployment_ids", "authorize_url", "jwks_url")
NEEDED_FOR_SERVICES = ("issuer", "client_id", "token_url")


class LtiNotConfigured(RuntimeError):
    """``lti_config.py`` lacks what a launch or a service call needs; the message names the settings to fill in."""


class LtiPlatform(Configurable):
    """The platform (LMS) and this tool's registration in it: what the LMS's registration page shows."""

    issuer = Unicode("", help="the platform's issuer (Canvas: https://canvas.instructure.com; Moodle: the site's "
                              "URL, e.g. https://moodle.uni.example). Empty: no LMS, the roster's own login"
                     ).tag(config=True)
    client_id = Unicode("", help="the client id the LMS gave this tool (Canvas: the developer key's id; Moodle: "
                                 "the tool's Client ID)").tag(config=True)
    deployment_ids = List(Unicode(), default_value=[],
                          help="the deployment ids this course accepts launches from (Canvas: the app's "
                               "Deployment Id; Moodle: the tool's Deployment ID); any other is refused"
                          ).tag(config=True)
    authorize_url = Unicode("", help="the platform's OIDC authentication request URL").tag(config=True)
    token_url = Unicode("", help="the platform's OAuth 2 access token URL (for the class list and grades)"
                        ).tag(config=True)
    token_audience = Unicode("", help="the 'aud' of the tool's token request, where the platform asks for one "
                                      "(default: the token URL)").tag(config=True)
    jwks_url = Unicode("", help="the platform's public keyset URL (JWKS), to check its launches' signatures"
                       ).tag(config=True)
    memberships_url = Unicode("", help="the course's Names and Role Provisioning Services URL; default: the one "
                                       "the latest launch from the course carried").tag(config=True)
    lineitems_url = Unicode("", help="the course's line items URL (Assignment and Grade Services); default: the "
                                     "one the latest launch from the course carried").tag(config=True)
    roster_required = Bool(True, help="True: a student the roster does not list (by lms_user_id) is refused at "
                                      "launch; False: they are added to it at their first launch").tag(config=True)
    teaching_roles = List(Unicode(), default_value=list(TEACHING_ROLES),
                          help="launch roles that make someone an instructor (formgrader, the course's commands)"
                          ).tag(config=True)

    @property
    def enabled(self) -> bool:
        return bool(self.issuer)

    def missing(self, needed=NEEDED_FOR_LAUNCH) -> list[str]:
        return [name for name in needed if not getattr(self, name)]

    def check(self, needed=NEEDED_FOR_LAUNCH, what: str = "an LTI 1.3 launch") -> "LtiPlatform":
        """This platform, when it has every setting ``needed``; otherwise LtiNotConfigured naming them."""
        missing = self.missing(needed)
        if missing:
            raise LtiNotConfigured(
                f"{what} needs {', '.join(f'c.LtiPlatform.{name}' for name in missing)} in {LTI_CONFIG_FILE} "
                "(the LMS shows each on the tool's registration page; the README's 'Connecting the LMS' section "
                "says where)")
        return self


def lti_settings(course_root) -> LtiPlatform:
    """The platform ``<course_root>/lti_config.py`` describes (an empty one, LTI off, where there is no file)."""
    from traitlets.config.loader import PyFileConfigLoader

    path = Path(course_root) / LTI_CONFIG_FILE
    if not path.is_file():
        return LtiPlatform()
    return LtiPlatform(config=PyFileConfigLoader(path.name, path=str(path.parent)).load_config())
