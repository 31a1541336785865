"""``CourseLtiAuthenticator``: the LMS's LTI 1.3 launch logs students and instructors into the class's hub.

``make hub`` uses it instead of the roster's own login when ``lti_config.py`` in the course folder names a
platform (``lms/platform_settings.py``). ``jupyterhub-ltiauthenticator`` does the OIDC third-party login (the
LMS posts to ``/hub/lti13/oauth_login``, the hub sends the browser to the LMS's authorize URL with a state and a
nonce held in cookies, the LMS posts the signed launch to ``/hub/lti13/oauth_callback``). The course adds:

* **who the user is**: the launch's ``sub`` (the LMS's stable user id), never the e-mail. A student's hub user
  is their roster id, found by ``lms_user_id`` = ``sub``; someone whose launch roles include a teaching role
  (``LtiPlatform.teaching_roles``) is an instructor, ``instructor-<sub>``, with formgrader;
* **refusals that say why**, each before any user exists: a launch signed by another key, expired, meant for
  another tool (audience) or another platform (issuer), from a deployment ``lti_config.py`` does not list, used
  already (``used_nonces.py``), or from a student the roster does not list (``LtiPlatform.roster_required``);
* the course's service addresses recorded from each launch (``lms/service_addresses.py``), for the roster and
  grade commands; the tool's public keys served at ``/hub/lti13/jwks`` (``lms/tool_keys.py``), the URL the LMS
  is given; and ``/hub/lti13/config``, the JSON Canvas reads to register the tool.
"""

from __future__ import annotations

import json
import re
from functools import cached_property

import jwt
from jupyterhub.handlers import BaseHandler
from jupyterhub.utils import url_path_join
from ltiauthenticator.lti13.auth import LTI13Authenticator
from ltiauthenticator.lti13.error import LoginError, ValidationError
from ltiauthenticator.lti13.handlers import LTI13CallbackHandler, LTI13ConfigHandler, LTI13LoginInitHandler
from ltiauthenticator.lti13.validator import LTI13LaunchValidator
from ltiauthenticator.utils import convert_request_to_dict
from tornado.web import HTTPError

from ..lms.platform_settings import LTI_CONFIG_FILE, LtiPlatform, lti_settings
from .settings import CourseHub
from .used_nonces import UsedNonces

ROLES_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/roles"
DEPLOYMENT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
REFUSED = "This launch from your LMS was refused: "
LAUNCH_AGAIN = " Open the course from your LMS again."


def refusal(why: str, what_to_do: str = LAUNCH_AGAIN) -> HTTPError:
    return HTTPError(403, REFUSED + why + what_to_do)


def instructor_name(sub: str) -> str:
    """The hub user of an instructor: ``instructor-`` and their LMS user id (hashed where it is not name-like)."""
    if re.fullmatch(r"[A-Za-z0-9._-]{1,40}", sub):
        return f"instructor-{sub.lower()}"
    import hashlib

    return "instructor-" + hashlib.sha256(sub.encode()).hexdigest()[:16]


class CourseLtiLoginHandler(LTI13LoginInitHandler):
    """The OIDC login initiation; over HTTPS its state cookies are ``SameSite=None; Secure``, because the LMS's
    launch comes back to the hub as a cross-site POST, which would not carry the default (Lax) cookies."""

    def _set_oauth_cookie(self, key: str, value):
        cross_site = {"samesite": "None", "secure": True} if self.authenticator.get_uri_scheme(
            self.request) == "https" else {}
        self._set_cookie(key, value, expires_days=1, httponly=True, encrypted=True, **cross_site)


class CourseLtiCallbackHandler(LTI13CallbackHandler):
    """The signed launch, checked by the course (see the module docstring), each refusal with its reason."""

    async def post(self):
        try:
            id_token = self.decode_and_validate_launch_request()
            user = await self.login_user(id_token)
        except ValidationError as error:
            raise refusal(f"{error}.") from None
        except LoginError as error:
            raise refusal(str(error), "") from None
        if user is None:
            raise refusal("the hub did not accept the user.")
        await self.redirect_to_next_url(user)

    def decode_and_validate_launch_request(self):
        authenticator = self.authenticator
        validator = LTI13LaunchValidator(parent=self.app)
        args = convert_request_to_dict(self.request.arguments)
        validator.validate_auth_response(args)
        try:
            self.check_state()
        except HTTPError:
            raise refusal("it did not start from this hub's login (its state does not match this browser's); "
                          "a launch opened in an iframe or a private window can lose the hub's cookies.") from None
        id_token = authenticator.verify_launch(args["id_token"], validator.time_leeway)
        validator.validate_id_token(id_token)
        validator.validate_azp_claim(id_token, authenticator.client_id)
        try:
            self.check_nonce(id_token)
        except HTTPError:
            raise refusal("its nonce does not match the one this browser's login asked for (a launch replayed "
                          "or started elsewhere).") from None
        deployment = id_token.get(DEPLOYMENT_CLAIM)
        if deployment not in authenticator.platform.deployment_ids:
            raise refusal(f"it comes from the deployment {deployment!r}, which {LTI_CONFIG_FILE} does not list "
                          "(c.LtiPlatform.deployment_ids).", " Ask your instructor to add it.")
        if not authenticator.used_nonces.spend(id_token["nonce"], id_token["iat"] + validator.max_age
                                               + validator.time_leeway):
            raise refusal("it was used already (each launch logs in once).")
        return id_token

    async def redirect_to_next_url(self, user):
        """Students to their JupyterLab; instructors to formgrader (their server starts on the way)."""
        if user.admin:
            self.redirect(url_path_join(self.hub.base_url, "user-redirect", "formgrader"))
        else:
            await super().redirect_to_next_url(user)


class CourseLtiConfigHandler(LTI13ConfigHandler):
    """The tool's registration JSON (Canvas: Developer Keys > LTI Key > Paste JSON): its launch and login URLs,
    its public keys' URL and the services it uses (no custom fields: a user is their ``sub``)."""

    async def get(self):
        protocol = self.authenticator.get_uri_scheme(self.request)
        hub = f"{protocol}://{self.request.host}{self.hub.base_url}"
        target = url_path_join(hub, "spawn")
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps({
            "title": self.authenticator.tool_name,
            "description": self.authenticator.tool_description,
            "oidc_initiation_url": url_path_join(hub, "lti13", "oauth_login"),
            "target_link_uri": target,
            "public_jwk_url": url_path_join(hub, "lti13", "jwks"),
            "scopes": [
                "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
                "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
                "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
            ],
            "extensions": [{
                "platform": "canvas.instructure.com",
                "privacy_level": "public",
                "settings": {"platform": "canvas.instructure.com", "placements": [{
                    "placement": "course_navigation", "message_type": "LtiResourceLinkRequest",
                    "windowTarget": "_blank", "target_link_uri": target, "text": self.authenticator.tool_name}]},
            }],
        }, indent=1))


class ToolJwksHandler(BaseHandler):
    """The tool's public keys (JWKS), which the LMS fetches to check the tool's token requests."""

    def check_xsrf_cookie(self):
        return

    async def get(self):
        from ..lms.tool_keys import ToolKeys

        self.set_header("Content-Type", "application/json")
        self.write(json.dumps(ToolKeys.of_course(self.authenticator.course_hub.course_root).jwks()))


class CourseLtiAuthenticator(LTI13Authenticator):
    """LTI 1.3 launch for the course: ``lti_config.py``'s platform, the roster by ``lms_user_id``, launch roles."""

    login_service = "your LMS"
    login_handler = CourseLtiLoginHandler
    callback_handler = CourseLtiCallbackHandler
    config_handler = CourseLtiConfigHandler

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        platform = self.platform.check()
        self.issuer, self.client_id = platform.issuer, {platform.client_id}
        self.authorize_url, self.jwks_endpoint = platform.authorize_url, platform.jwks_url
        self.username_key = "sub"
        self.tool_name = "XAI gradients course"
        self.tool_description = "The course's JupyterLab with its assignments (nbgrader), on the class's hub"

    @property
    def course_hub(self) -> CourseHub:
        return CourseHub(config=self.config)

    @cached_property
    def platform(self) -> LtiPlatform:
        return lti_settings(self.course_hub.course_root)

    @cached_property
    def platform_keys(self) -> jwt.PyJWKClient:
        """The LMS's public keys, fetched again when a launch names a key the cache does not have (a key roll)."""
        return jwt.PyJWKClient(self.platform.jwks_url, cache_keys=True)

    @cached_property
    def used_nonces(self) -> UsedNonces:
        return UsedNonces(self.course_hub.state / "lti_used_nonces.json")

    def get_handlers(self, app):
        return [*super().get_handlers(app), (url_path_join("", "lti13", "jwks"), ToolJwksHandler)]

    def verify_launch(self, encoded: str, leeway: int = 0) -> dict:
        """The launch's claims, once its signature (the LMS's key), issuer, audience and times are checked."""
        try:
            key = self.platform_keys.get_signing_key_from_jwt(encoded).key
            return jwt.decode(encoded, key, algorithms=list(self.jwks_algorithms), audience=self.platform.client_id,
                              issuer=self.platform.issuer, leeway=leeway,
                              options={"require": ["exp", "iat", "sub", "nonce"]})
        except jwt.ExpiredSignatureError:
            raise refusal("its signed launch (id_token) has expired.") from None
        except jwt.InvalidAudienceError:
            raise refusal(f"it was meant for another tool (its audience is not this course's client id "
                          f"{self.platform.client_id!r}).") from None
        except jwt.InvalidIssuerError:
            raise refusal(f"it comes from another platform than {self.platform.issuer!r} "
                          f"({LTI_CONFIG_FILE}'s issuer).") from None
        except (jwt.InvalidSignatureError, jwt.PyJWKClientError):
            raise refusal("its signature does not match your LMS's keys: it was not signed by your LMS.") from None
        except jwt.PyJWTError as error:
            raise refusal(f"its signed launch (id_token) is not valid ({error}).") from None

    async def authenticate(self, handler, data=None):
        from ..intake.roster import gradebook_students
        from ..lms.service_addresses import from_launch, record

        data = data or {}
        sub = str(data["sub"])
        addresses = from_launch(data)
        if addresses is not None:
            record(self.course_hub.course_root, addresses)
        if set(data.get(ROLES_CLAIM) or ()) & set(self.platform.teaching_roles):
            return {"name": instructor_name(sub), "admin": True}
        roster = gradebook_students(self.course_hub.course)
        student = next((s for s in roster if s.lms_user_id == sub), None)
        if student is None and not self.platform.roster_required:
            student = self._enrol(data, roster)
        if student is None:
            raise LoginError(
                "you are not on this course's class list on the hub (no student has your LMS user id). If you "
                "have just joined the course, ask your instructor to update the class list (make roster FROM=lms).")
        return {"name": student.id, "admin": False}

    def _enrol(self, data: dict, roster):
        """Add the launching student to the roster (``roster_required`` off), as ``make roster FROM=lms`` would."""
        from ..gradebook.students import add_or_update_students
        from ..lms.roster_from_lms import changes_from_members

        member = {"user_id": str(data["sub"]), "given_name": data.get("given_name"),
                  "family_name": data.get("family_name"), "email": data.get("email"),
                  "lis_person_sourcedid": (data.get("https://purl.imsglobal.org/spec/lti/claim/lis") or {}).get(
                      "person_sourcedid"), "roles": ["Learner"], "status": "Active"}
        changes = changes_from_members([member], roster, set())
        joined = changes.added + [after for _, after in changes.changed]
        add_or_update_students(self.course_hub.course, joined)
        return joined[0] if joined else None

    async def check_allowed(self, username, authentication=None):
        """True: who may log in is decided by :meth:`authenticate` (the roster, or a teaching role), which refuses
        everyone else before the hub asks this."""
        return True
