"""The tool's connection to the LMS's services: ``pylti1p3``'s service connector, signed with the tool's key.

``pylti1p3`` (the maintained LTI 1.3 library; its Django and Flask adapters are not used, its services are
framework-free) does the OAuth 2 client-credentials grant with a JWT client assertion (IMS Security Framework
4.1: the assertion signed RS256 with the tool's current key, its ``kid`` in the header), and the Names and Roles
and Assignment and Grade Services requests, following ``Link: rel="next"`` pages. This module only builds its
``Registration`` from ``lti_config.py`` and the course's keys, and turns its failures into :class:`LmsFailure`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .platform_settings import NEEDED_FOR_SERVICES, LtiPlatform, lti_settings
from .service_addresses import ServiceAddresses, course_services
from .tool_keys import ToolKeys

#: Seconds before a request to the LMS counts as failed.
TIMEOUT = 30


@dataclass(frozen=True)
class LmsFailure:
    """Why a request to the LMS failed: its HTTP status (None: no answer) and what the LMS or the network said."""

    status: int | None
    detail: str

    def __str__(self) -> str:
        if self.status is None:
            return f"the LMS did not answer ({self.detail})"
        return f"the LMS answered {self.status}: {self.detail}"


class LmsUnavailable(RuntimeError):
    """A request to the LMS failed before anything could be done (the token refused, the LMS down)."""

    def __init__(self, failure: LmsFailure, doing: str):
        super().__init__(f"{doing}: {failure}")
        self.failure = failure


def failure_of(error: Exception) -> LmsFailure:
    """The typed failure of an exception ``pylti1p3`` or ``requests`` raised."""
    import requests
    from pylti1p3.exception import LtiServiceException

    if isinstance(error, LtiServiceException):
        response = error.response
        try:
            body = response.json()
            detail = body.get("error_description") or body.get("error") or response.text
        except ValueError:
            detail = response.text
        return LmsFailure(response.status_code, str(detail).strip()[:300] or response.reason)
    if isinstance(error, requests.RequestException):
        return LmsFailure(None, type(error).__name__)
    return LmsFailure(None, f"{type(error).__name__}: {error}")


@dataclass
class LmsConnection:
    platform: LtiPlatform
    addresses: ServiceAddresses
    connector: object  # pylti1p3.service_connector.ServiceConnector

    def names_and_roles(self):
        from pylti1p3.names_roles import NamesRolesProvisioningService

        return NamesRolesProvisioningService(
            self.connector, {"context_memberships_url": self.addresses.need("memberships_url")})

    def grades(self):
        from pylti1p3.assignments_grades import AssignmentsGradesService

        return AssignmentsGradesService(self.connector, {"lineitems": self.addresses.need("lineitems_url"),
                                                         "scope": list(self.addresses.ags_scopes)})


def _session():
    import requests

    session = requests.Session()
    session.headers["User-Agent"] = "xai-gradient-course (pylti1p3)"
    session.request = _with_timeout(session.request)
    return session


def _with_timeout(request):
    def timed(method, url, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT)
        return request(method, url, **kwargs)

    return timed


def connect(course_root, platform: LtiPlatform | None = None) -> LmsConnection:
    """The connection to the LMS of the course in ``course_root`` (its ``lti_config.py``, its keys)."""
    from pylti1p3.registration import Registration
    from pylti1p3.service_connector import ServiceConnector

    platform = (platform or lti_settings(course_root)).check(NEEDED_FOR_SERVICES, "reaching the LMS's services")
    key = ToolKeys.of_course(course_root).current()

    class KeyedRegistration(Registration):
        def get_kid(self):  # pylti1p3 derives a kid from a public key; the course's kid is its key file's name
            return key.kid

    registration = (KeyedRegistration().set_issuer(platform.issuer).set_client_id(platform.client_id)
                    .set_auth_token_url(platform.token_url).set_tool_private_key(key.private_pem))
    if platform.token_audience:
        registration.set_auth_audience(platform.token_audience)
    return LmsConnection(platform, course_services(platform, course_root), ServiceConnector(registration, _session()))

