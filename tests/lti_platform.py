"""A stand-in LTI 1.3 platform (an imitation LMS such as Canvas or Moodle) for tests.

``StandInPlatform`` is a real HTTP server on 127.0.0.1 (a free port, served from a
background thread) that plays the platform's side of:

* LTI 1.3 core: the resource link launch, begun as an IMS Security Framework 1.0
  OIDC third-party-initiated login. ``launch_url(sub, target_link_uri)`` is the
  link a student clicks in the LMS; its page auto-submits ``iss``, ``login_hint``,
  ``target_link_uri``, ``lti_message_hint``, ``client_id`` and ``lti_deployment_id``
  to the tool's login-initiation URL. The tool then sends the browser to
  ``/authorize`` (the OIDC authentication request, ``prompt=none``), which answers a
  page that form-POSTs ``id_token`` and ``state`` to the tool's ``redirect_uri``.
  The id_token is RS256-signed with the platform's key, published at ``/jwks``.
* Security Framework 4.1: ``/token`` grants OAuth 2 access tokens for the client
  credentials grant with a JWT bearer client assertion signed by the tool's key
  (checked against the tool's JWKS, fetched on every request).
* Names and Role Provisioning Services 2.0: ``/nrps/<context>/memberships``.
* Assignment and Grade Services 2.0: line items, scores and results under
  ``/ags/<context>/lineitems``.

What it does not imitate: dynamic registration, deep linking, submission review,
LTI 1.1 anything, more than one context/deployment/tool, sessions or logins of its
own (a launch page names its user), NRPS differences and group services.

Choices a real platform could make otherwise (all allowed by the specs):

* ``redirect_uri`` must be registered exactly: add the tool's OIDC callback (e.g.
  ``http://127.0.0.1:P/hub/lti13/oauth_callback``) to ``platform.redirect_uris``
  (or pass ``redirect_uris=`` to the constructor), as an admin does in Canvas's
  "Redirect URIs" or Moodle's "Redirection URI(s)".
* ``login_hint`` and ``lti_message_hint`` are opaque values made by the launch page;
  the tool must send both back unaltered to ``/authorize``.
* Authorization errors are a 400 page (JSON body), never a redirect.
* A client assertion's ``aud`` must be the token URL; its ``jti`` is single use.
* A score's ``timestamp`` must be ISO 8601 *with* a UTC offset, and later than that
  user's previous score on that line item (else 400). ``scoreGiven`` may be left out
  (the spec's "no score yet"); when present it needs ``scoreMaximum`` > 0.
* Posting a score answers 204 with no body.
* Context ids in service URLs are compared case-insensitively, because pylti1p3
  lowercases the ``Link: rel="next"`` URLs it follows.
* Every service request (``platform.requests``) is logged as (method, path with
  query); a handler crash answers 500 and is kept in ``platform.errors``.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable, Mapping, Optional, Union
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"

LTI_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
AGS_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE)
SUPPORTED_SCOPES = AGS_SCOPES + (SCOPE_NRPS,)

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
NRPS_MEDIA = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
LINEITEM_MEDIA = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_MEDIA = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_MEDIA = "application/vnd.ims.lis.v1.score+json"
RESULTS_MEDIA = "application/vnd.ims.lis.v2.resultcontainer+json"

TAMPER_KINDS = ("expired", "wrong_audience", "unknown_deployment", "foreign_key")
ACTIVITY_PROGRESS = {"Initialized", "Started", "InProgress", "Submitted", "Completed"}
GRADING_PROGRESS = {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}
LINE_ITEM_OPTIONAL_FIELDS = (
    "resourceId", "resourceLinkId", "tag", "startDateTime", "endDateTime",
    "gradesReleased", "submissionReview",
)
OTHER_CLIENT_ID = "some-other-tool"
OTHER_DEPLOYMENT_ID = "deployment-elsewhere"

JwksSource = Union[Callable[[], Mapping[str, Any]], str, None]


# --------------------------------------------------------------------------- replies


@dataclass
class _Reply:
    status: int
    body: bytes = b""
    headers: dict = field(default_factory=dict)


class _Refusal(Exception):
    """Raised anywhere in a handler to answer ``reply`` at once."""

    def __init__(self, reply: _Reply):
        super().__init__(reply.status)
        self.reply = reply


def _json_reply(status: int, payload: Any, media: str = "application/json", headers=None) -> _Reply:
    body = json.dumps(payload).encode()
    return _Reply(status, body, {"Content-Type": media, **(headers or {})})


def _error(status: int, error: str, description: str, headers=None) -> _Reply:
    return _json_reply(status, {"error": error, "error_description": description}, headers=headers)


def _refuse(status: int, error: str, description: str, headers=None) -> _Refusal:
    return _Refusal(_error(status, error, description, headers))


def _autosubmit_page(title: str, action: str, method: str, fields: Mapping[str, str], button_id: str) -> _Reply:
    """An HTML page whose form submits itself (and has a visible button too)."""
    inputs = "\n".join(
        f'    <input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in fields.items()
    )
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>
<body>
  <form id="lti-form" action="{html.escape(action)}" method="{method.lower()}">
{inputs}
    <button type="submit" id="{button_id}">{html.escape(title)}</button>
  </form>
  <script>document.getElementById("lti-form").submit();</script>
</body></html>
"""
    return _Reply(200, page.encode(), {"Content-Type": "text/html; charset=utf-8"})


# --------------------------------------------------------------------------- requests


@dataclass
class _Request:
    method: str
    path: str
    query: dict
    headers: Any
    body: bytes

    def form(self) -> dict:
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))

    def params(self) -> dict:
        """Query and (for a form POST) body parameters together."""
        return {**self.query, **(self.form() if self.method == "POST" else {})}

    def media_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def json(self) -> dict:
        try:
            payload = json.loads(self.body or b"null")
        except ValueError:
            raise _refuse(400, "invalid_request", "the body is not JSON")
        if not isinstance(payload, dict):
            raise _refuse(400, "invalid_request", "the body is not a JSON object")
        return payload


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """Socket errors (a client hanging up) stay quiet; handler errors are caught earlier."""


def _handler_class(platform: "StandInPlatform"):
    class Handler(BaseHTTPRequestHandler):
        server_version = "StandInLMS/1.0"

        def log_message(self, format, *args):  # no stderr line per request
            pass

        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            reply = platform._handle(self.command, self.path, self.headers, body)
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_GET = do_POST = do_PUT = do_DELETE = _serve

    return Handler


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


# --------------------------------------------------------------------------- the platform


class StandInPlatform:
    """One LMS, one course (context), one deployment of one tool (client_id)."""

    _ROUTES = (
        ("GET", r"/jwks", "_serve_jwks"),
        ("GET", r"/launch", "_serve_launch"),
        ("GET", r"/authorize", "_authorize"),
        ("POST", r"/authorize", "_authorize"),
        ("POST", r"/token", "_token"),
        ("GET", r"/nrps/(?P<ctx>[^/]+)/memberships", "_memberships"),
        ("GET", r"/ags/(?P<ctx>[^/]+)/lineitems", "_list_line_items"),
        ("POST", r"/ags/(?P<ctx>[^/]+)/lineitems", "_create_line_item"),
        ("GET", r"/ags/(?P<ctx>[^/]+)/lineitems/(?P<n>\d+)", "_get_line_item"),
        ("PUT", r"/ags/(?P<ctx>[^/]+)/lineitems/(?P<n>\d+)", "_update_line_item"),
        ("DELETE", r"/ags/(?P<ctx>[^/]+)/lineitems/(?P<n>\d+)", "_delete_line_item"),
        ("POST", r"/ags/(?P<ctx>[^/]+)/lineitems/(?P<n>\d+)/scores", "_post_score"),
        ("GET", r"/ags/(?P<ctx>[^/]+)/lineitems/(?P<n>\d+)/results", "_results"),
    )

    def __init__(
        self,
        tool_login_url: Optional[str] = None,
        tool_jwks: JwksSource = None,
        client_id: str = "xai-course-tool",
        deployment_id: str = "deployment-1",
        context_id: str = "course-101",
        context_label: str = "XAI-101",
        context_title: str = "Explaining neural networks",
        resource_link_id: str = "resource-link-1",
        redirect_uris: Iterable[str] = (),
        page_size: int = 50,
        kid: str = "platform-key-1",
        private_key: Optional[rsa.RSAPrivateKey] = None,
    ):
        self.tool_login_url = tool_login_url
        self.tool_jwks = tool_jwks
        self.client_id = client_id
        self.deployment_id = deployment_id
        self.context_id = context_id
        self.context_label = context_label
        self.context_title = context_title
        self.resource_link_id = resource_link_id
        self.redirect_uris = set(redirect_uris)
        self.page_size = page_size
        self.kid = kid
        self._key = private_key or _new_rsa_key()
        self._other_key: Optional[rsa.RSAPrivateKey] = None

        self._lock = threading.RLock()
        self.people: dict = {}
        self.line_items: dict = {}
        self.scores: list = []
        self.requests: list = []
        self.errors: list = []
        self.assertion_kids: list = []
        self.last_id_token_post: Optional[tuple] = None
        self.fail_token_requests = 0
        self.token_down = False
        self.services_down = False
        self.reject_scores_for: set = set()
        self._tokens: dict = {}  # access token -> (granted scopes, expiry)
        self._seen_jtis: set = set()
        self._login_hints: dict = {}  # opaque login_hint -> sub
        self._message_hints: dict = {}  # opaque lti_message_hint -> launch
        self._pending_tamper: Optional[str] = None
        self._next_line_item = 1
        self._latest_scores: dict = {}  # (line item id, user id) -> (timestamp, score)

        self._server = _Server(("127.0.0.1", 0), _handler_class(self))
        self._thread: Optional[threading.Thread] = None
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    # ------------------------------------------------------------------ addresses

    @property
    def issuer(self) -> str:
        return self.url

    @property
    def authorize_url(self) -> str:
        return self.url + "/authorize"

    @property
    def token_url(self) -> str:
        return self.url + "/token"

    @property
    def jwks_url(self) -> str:
        return self.url + "/jwks"

    @property
    def memberships_url(self) -> str:
        return f"{self.url}/nrps/{quote(self.context_id, safe='')}/memberships"

    @property
    def lineitems_url(self) -> str:
        return f"{self.url}/ags/{quote(self.context_id, safe='')}/lineitems"

    # ------------------------------------------------------------------ lifetime

    def start(self) -> "StandInPlatform":
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},  # shutdown() waits up to one poll
                name="stand-in-lti-platform",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> "StandInPlatform":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ people

    def add_person(
        self,
        sub: str,
        given_name: str,
        family_name: str,
        email: str,
        roles: Iterable[str] = (LEARNER,),
        status: str = "Active",
        lis_person_sourcedid: Optional[str] = None,
    ) -> dict:
        if status not in ("Active", "Inactive"):
            raise ValueError(f"status must be Active or Inactive, not {status!r}")
        person = {
            "user_id": sub,
            "status": status,
            "name": f"{given_name} {family_name}",
            "given_name": given_name,
            "family_name": family_name,
            "email": email,
            "roles": list(roles),
        }
        if lis_person_sourcedid is not None:
            person["lis_person_sourcedid"] = lis_person_sourcedid
        with self._lock:
            self.people[sub] = person
        return person

    def remove_person(self, sub: str) -> None:
        with self._lock:
            del self.people[sub]

    def _person(self, sub: str) -> dict:
        with self._lock:
            person = self.people.get(sub)
        if person is None:
            raise ValueError(f"{sub!r} is not a person of this platform (add_person first)")
        return person

    # ------------------------------------------------------------------ keys and tokens

    def public_jwks(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key()))
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return {"keys": [jwk]}

    def tamper_next_launch(self, kind: str) -> None:
        """Make the id_token of the next successful ``/authorize`` one of TAMPER_KINDS."""
        if kind not in TAMPER_KINDS:
            raise ValueError(f"tamper kind must be one of {TAMPER_KINDS}, not {kind!r}")
        with self._lock:
            self._pending_tamper = kind

    def id_token(
        self,
        sub: str,
        nonce: str,
        *,
        tamper: Optional[str] = None,
        target_link_uri: Optional[str] = None,
        resource_link_id: Optional[str] = None,
        **overrides: Any,
    ) -> str:
        """A signed LtiResourceLinkRequest id_token for ``sub``.

        ``overrides`` replace claims (pass URL-named claims as ``**{claim: value}``);
        a value of None removes the claim.
        """
        if tamper is not None and tamper not in TAMPER_KINDS:
            raise ValueError(f"tamper kind must be one of {TAMPER_KINDS}, not {tamper!r}")
        claims = self._launch_claims(
            sub, nonce, target_link_uri or self._default_target(), resource_link_id or self.resource_link_id
        )
        claims.update(self._tampered_claims(tamper))
        for name, value in overrides.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        key = self._foreign_key() if tamper == "foreign_key" else self._key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})

    def _default_target(self) -> str:
        if self.tool_login_url:
            parts = urlsplit(self.tool_login_url)
            return f"{parts.scheme}://{parts.netloc}/"
        return "https://tool.invalid/"

    def _foreign_key(self) -> rsa.RSAPrivateKey:
        with self._lock:
            if self._other_key is None:
                self._other_key = _new_rsa_key()
            return self._other_key

    def _tampered_claims(self, tamper: Optional[str]) -> dict:
        now = int(time.time())
        return {
            None: {},
            "foreign_key": {},
            "expired": {"iat": now - 3600, "exp": now - 1800},
            "wrong_audience": {"aud": OTHER_CLIENT_ID, "azp": OTHER_CLIENT_ID},
            "unknown_deployment": {LTI_CLAIM + "deployment_id": OTHER_DEPLOYMENT_ID},
        }[tamper]

    def _launch_claims(self, sub: str, nonce: str, target_link_uri: str, resource_link_id: str) -> dict:
        person = self._person(sub)
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "azp": self.client_id,
            "sub": sub,
            "exp": now + 300,
            "iat": now,
            "nonce": nonce,
            "name": person["name"],
            "given_name": person["given_name"],
            "family_name": person["family_name"],
            "email": person["email"],
            LTI_CLAIM + "message_type": "LtiResourceLinkRequest",
            LTI_CLAIM + "version": "1.3.0",
            LTI_CLAIM + "deployment_id": self.deployment_id,
            LTI_CLAIM + "target_link_uri": target_link_uri,
            LTI_CLAIM + "resource_link": {"id": resource_link_id},
            LTI_CLAIM + "roles": list(person["roles"]),
            LTI_CLAIM + "context": {
                "id": self.context_id,
                "label": self.context_label,
                "title": self.context_title,
                "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
            },
            LTI_CLAIM + "tool_platform": {
                "guid": self.issuer,
                "name": "Stand-in LMS",
                "product_family_code": "stand-in-lms",
            },
            LTI_CLAIM + "custom": {"lms_user_id": sub},
            NRPS_CLAIM: {"context_memberships_url": self.memberships_url, "service_versions": ["2.0"]},
            AGS_CLAIM: self._ags_claim(resource_link_id),
        }
        if "lis_person_sourcedid" in person:
            claims[LTI_CLAIM + "lis"] = {"person_sourcedid": person["lis_person_sourcedid"]}
        return claims

    def _ags_claim(self, resource_link_id: str) -> dict:
        claim = {"scope": list(AGS_SCOPES), "lineitems": self.lineitems_url}
        with self._lock:
            for item_id, item in self.line_items.items():
                if item.get("resourceLinkId") == resource_link_id:
                    claim["lineitem"] = item_id  # the link's own line item, as Canvas sends
                    break
        return claim

    # ------------------------------------------------------------------ dispatch

    def _handle(self, method: str, raw_path: str, headers: Any, body: bytes) -> _Reply:
        parts = urlsplit(raw_path)
        request = _Request(method, parts.path, dict(parse_qsl(parts.query)), headers, body)
        with self._lock:
            self.requests.append((method, raw_path))
        try:
            return self._dispatch(request)
        except _Refusal as refusal:
            return refusal.reply
        except Exception:
            with self._lock:
                self.errors.append(traceback.format_exc())
            return _error(500, "server_error", "the stand-in platform failed; see platform.errors")

    def _dispatch(self, request: _Request) -> _Reply:
        path_known = False
        for method, pattern, handler in self._ROUTES:
            match = re.fullmatch(pattern, request.path)
            if match is None:
                continue
            path_known = True
            if method == request.method:
                return getattr(self, handler)(request, **match.groupdict())
        if path_known:
            return _error(405, "invalid_request", f"{request.method} is not allowed on {request.path}")
        return _error(404, "not_found", f"no such endpoint: {request.path}")

    # ------------------------------------------------------------------ launch

    def launch_url(
        self, sub: str, target_link_uri: str, method: str = "POST", resource_link_id: Optional[str] = None
    ) -> str:
        """The link a user clicks in the course: its page starts the OIDC login at the tool."""
        query = {"sub": sub, "target_link_uri": target_link_uri, "method": method.upper()}
        if resource_link_id:
            query["resource_link_id"] = resource_link_id
        return f"{self.url}/launch?{urlencode(query)}"

    def _serve_launch(self, request: _Request) -> _Reply:
        sub = request.query.get("sub", "")
        target = request.query.get("target_link_uri", "")
        method = request.query.get("method", "POST").upper()
        with self._lock:
            known = sub in self.people
        if not known:
            return _error(404, "not_found", f"no person {sub!r} in this course")
        if not target or method not in ("GET", "POST"):
            return _error(400, "invalid_request", "a launch needs target_link_uri and method GET or POST")
        if not self.tool_login_url:
            return _error(409, "not_configured", "tool_login_url is not set on the platform")
        login_hint, message_hint = "lh-" + secrets.token_urlsafe(16), "mh-" + secrets.token_urlsafe(16)
        with self._lock:
            self._login_hints[login_hint] = sub
            self._message_hints[message_hint] = {
                "sub": sub,
                "target_link_uri": target,
                "resource_link_id": request.query.get("resource_link_id") or self.resource_link_id,
            }
        fields = {
            "iss": self.issuer,
            "login_hint": login_hint,
            "target_link_uri": target,
            "lti_message_hint": message_hint,
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
        }
        return _autosubmit_page("Open the course tool", self.tool_login_url, method, fields, "launch")

    def _authorize(self, request: _Request) -> _Reply:
        params = request.params()
        redirect_uri = self._check_authorization_request(params)
        with self._lock:
            sub = self._login_hints.get(params.get("login_hint", ""))
            launch = self._message_hints.get(params.get("lti_message_hint", ""))
        if sub is None:
            return _error(400, "login_required", "unknown login_hint")
        if launch is None or launch["sub"] != sub:
            return _error(400, "invalid_request", "lti_message_hint missing, unknown or not this user's")
        with self._lock:
            person = self.people.get(sub)
            if person is None or person["status"] != "Active":
                return _error(400, "access_denied", f"{sub!r} is not an active member of the course")
            tamper, self._pending_tamper = self._pending_tamper, None
        token = self.id_token(
            sub,
            params["nonce"],
            tamper=tamper,
            target_link_uri=launch["target_link_uri"],
            resource_link_id=launch["resource_link_id"],
        )
        fields = {"id_token": token, "state": params["state"]}
        with self._lock:
            self.last_id_token_post = (redirect_uri, dict(fields))
        return _autosubmit_page("Continue to the tool", redirect_uri, "POST", fields, "continue")

    def _check_authorization_request(self, params: dict) -> str:
        """OIDC authentication request checks; returns the (registered) redirect_uri."""
        if params.get("client_id") != self.client_id:
            raise _refuse(400, "unauthorized_client", f"unknown client_id {params.get('client_id')!r}")
        redirect_uri = params.get("redirect_uri", "")
        with self._lock:
            registered = redirect_uri in self.redirect_uris
        if not registered:
            raise _refuse(400, "invalid_request", f"redirect_uri {redirect_uri!r} is not registered")
        if "openid" not in params.get("scope", "").split():
            raise _refuse(400, "invalid_scope", "scope must include openid")
        expected = {"response_type": "id_token", "response_mode": "form_post", "prompt": "none"}
        for name, value in expected.items():
            if params.get(name) != value:
                raise _refuse(400, "invalid_request", f"{name} must be {value!r}")
        for name in ("nonce", "state", "login_hint"):
            if not params.get(name):
                raise _refuse(400, "invalid_request", f"{name} is required")
        return redirect_uri

    def _serve_jwks(self, request: _Request) -> _Reply:
        return _json_reply(200, self.public_jwks(), headers={"Cache-Control": "max-age=300"})

    # ------------------------------------------------------------------ token endpoint

    def _token(self, request: _Request) -> _Reply:
        with self._lock:
            if self.token_down or self.fail_token_requests > 0:
                if not self.token_down:
                    self.fail_token_requests -= 1
                return _error(503, "temporarily_unavailable", "the token endpoint is down")
        form = request.form()
        if form.get("grant_type") != "client_credentials":
            return _error(400, "unsupported_grant_type", "grant_type must be client_credentials")
        if form.get("client_assertion_type") != JWT_BEARER:
            return _error(401, "invalid_client", f"client_assertion_type must be {JWT_BEARER}")
        kid = self._verify_client_assertion(form.get("client_assertion", ""))
        granted = [s for s in form.get("scope", "").split() if s in SUPPORTED_SCOPES]
        if not granted:
            return _error(400, "invalid_scope", "none of the requested scopes is offered")
        access_token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[access_token] = (frozenset(granted), time.time() + 3600)
            self.assertion_kids.append(kid)
        payload = {"access_token": access_token, "token_type": "Bearer", "expires_in": 3600, "scope": " ".join(granted)}
        return _json_reply(200, payload, headers={"Cache-Control": "no-store"})

    def _verify_client_assertion(self, assertion: str) -> str:
        """Check the tool's JWT (Security Framework 4.1.1); returns the kid it was signed with."""
        try:
            kid = jwt.get_unverified_header(assertion).get("kid")
        except jwt.PyJWTError:
            raise _refuse(401, "invalid_client", "client_assertion is not a JWT")
        if not kid:
            raise _refuse(401, "invalid_client", "client_assertion has no kid header")
        jwk = next((k for k in self._tool_keys() if k.get("kid") == kid), None)
        if jwk is None:
            raise _refuse(401, "invalid_client", f"kid {kid!r} is not in the tool's JWKS")
        try:
            claims = jwt.decode(
                assertion,
                jwt.PyJWK(jwk, algorithm="RS256").key,
                algorithms=["RS256"],
                audience=self.token_url,
                options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"]},
            )
        except jwt.PyJWTError as e:
            raise _refuse(401, "invalid_client", f"client_assertion refused: {e}")
        if claims["iss"] != self.client_id or claims["sub"] != self.client_id:
            raise _refuse(401, "invalid_client", "client_assertion iss and sub must be the client_id")
        with self._lock:
            if claims["jti"] in self._seen_jtis:
                raise _refuse(401, "invalid_client", "client_assertion jti already used")
            self._seen_jtis.add(claims["jti"])
        return kid

    def _tool_keys(self) -> list:
        source = self.tool_jwks
        try:
            if callable(source):
                jwks = source()
            elif isinstance(source, str):
                response = requests.get(source, timeout=5)
                response.raise_for_status()
                jwks = response.json()
            else:
                raise _refuse(401, "invalid_client", "the platform has no JWKS for the tool")
        except (requests.RequestException, ValueError) as e:
            raise _refuse(401, "invalid_client", f"cannot fetch the tool's JWKS: {e}")
        return list(jwks.get("keys", []))

    # ------------------------------------------------------------------ service guards

    def _open_service(self, request: _Request, ctx: str, accepted_scopes: Iterable[str]) -> None:
        """503 when down, 404 for another context, 401 without a live token, 403 without the scope."""
        if self.services_down:
            raise _refuse(503, "temporarily_unavailable", "the platform's services are down")
        if unquote(ctx).lower() != self.context_id.lower():
            raise _refuse(404, "not_found", f"no context {unquote(ctx)!r}")
        authorization = request.headers.get("Authorization") or ""
        if not authorization.lower().startswith("bearer "):
            raise _refuse(401, "invalid_token", "a Bearer access token is required", {"WWW-Authenticate": "Bearer"})
        with self._lock:
            entry = self._tokens.get(authorization[7:].strip())
        if entry is None or entry[1] < time.time():
            raise _refuse(401, "invalid_token", "unknown or expired access token", {"WWW-Authenticate": "Bearer"})
        if not entry[0] & set(accepted_scopes):
            raise _refuse(403, "insufficient_scope", f"the token lacks one of {sorted(accepted_scopes)}")

    def _page(self, request: _Request, items: list, base_url: str) -> tuple:
        """One page of ``items`` and its headers (a ``Link: rel="next"`` when more follow)."""
        try:
            limit = min(self.page_size, int(request.query.get("limit", self.page_size)))
            page = int(request.query.get("page", "1"))
        except ValueError:
            raise _refuse(400, "invalid_request", "limit and page must be integers")
        if limit < 1 or page < 1:
            raise _refuse(400, "invalid_request", "limit and page must be positive")
        start = (page - 1) * limit
        headers = {}
        if start + limit < len(items):
            query = {**request.query, "page": str(page + 1)}
            headers["Link"] = f'<{base_url}?{urlencode(query)}>; rel="next"'
        return items[start:start + limit], headers

    # ------------------------------------------------------------------ NRPS

    def _memberships(self, request: _Request, ctx: str) -> _Reply:
        self._open_service(request, ctx, [SCOPE_NRPS])
        role = request.query.get("role")
        with self._lock:
            members = [dict(p, roles=list(p["roles"])) for p in self.people.values()]
        if role:
            members = [m for m in members if any(r == role or r.endswith("#" + role) for r in m["roles"])]
        # rlid (members of one resource link) is accepted: everyone can reach every link here.
        page, headers = self._page(request, members, self.memberships_url)
        container = {
            "id": self.url + request.path + (f"?{urlencode(request.query)}" if request.query else ""),
            "context": {"id": self.context_id, "label": self.context_label, "title": self.context_title},
            "members": page,
        }
        return _json_reply(200, container, NRPS_MEDIA, headers)

    # ------------------------------------------------------------------ AGS line items

    def _line_item_id(self, n: str) -> str:
        item_id = f"{self.lineitems_url}/{n}"
        with self._lock:
            if item_id not in self.line_items:
                raise _refuse(404, "not_found", f"no line item {n}")
        return item_id

    def _list_line_items(self, request: _Request, ctx: str) -> _Reply:
        self._open_service(request, ctx, [SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY])
        filters = {"resource_id": "resourceId", "resource_link_id": "resourceLinkId", "tag": "tag"}
        with self._lock:
            items = [dict(item) for item in self.line_items.values()]
        for param, key in filters.items():
            if param in request.query:
                items = [item for item in items if item.get(key) == request.query[param]]
        page, headers = self._page(request, items, self.lineitems_url)
        return _json_reply(200, page, LINEITEMS_MEDIA, headers)

    def _line_item_fields(self, request: _Request) -> dict:
        if request.media_type() not in (LINEITEM_MEDIA, "application/json"):
            raise _refuse(415, "invalid_request", f"Content-Type must be {LINEITEM_MEDIA}")
        body = request.json()
        label, maximum = body.get("label"), body.get("scoreMaximum")
        if not isinstance(label, str) or not label.strip():
            raise _refuse(400, "invalid_request", "a line item needs a non-empty label")
        if not _is_number(maximum) or maximum <= 0:
            raise _refuse(400, "invalid_request", "a line item needs a scoreMaximum > 0")
        fields = {"label": label, "scoreMaximum": maximum}
        fields.update({k: body[k] for k in LINE_ITEM_OPTIONAL_FIELDS if body.get(k) is not None})
        return fields

    def _create_line_item(self, request: _Request, ctx: str) -> _Reply:
        self._open_service(request, ctx, [SCOPE_LINEITEM])
        fields = self._line_item_fields(request)
        with self._lock:
            item_id = f"{self.lineitems_url}/{self._next_line_item}"
            self._next_line_item += 1
            item = {"id": item_id, **fields}
            self.line_items[item_id] = item
        return _json_reply(201, dict(item), LINEITEM_MEDIA, {"Location": item_id})

    def _get_line_item(self, request: _Request, ctx: str, n: str) -> _Reply:
        self._open_service(request, ctx, [SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY])
        item_id = self._line_item_id(n)
        with self._lock:
            item = dict(self.line_items[item_id])
        return _json_reply(200, item, LINEITEM_MEDIA)

    def _update_line_item(self, request: _Request, ctx: str, n: str) -> _Reply:
        self._open_service(request, ctx, [SCOPE_LINEITEM])
        item_id = self._line_item_id(n)
        fields = self._line_item_fields(request)
        with self._lock:
            item = {"id": item_id, **fields}
            self.line_items[item_id] = item
        return _json_reply(200, dict(item), LINEITEM_MEDIA)

    def _delete_line_item(self, request: _Request, ctx: str, n: str) -> _Reply:
        self._open_service(request, ctx, [SCOPE_LINEITEM])
        item_id = self._line_item_id(n)
        with self._lock:
            del self.line_items[item_id]
            for key in [k for k in self._latest_scores if k[0] == item_id]:
                del self._latest_scores[key]
        return _Reply(204)

    # ------------------------------------------------------------------ AGS scores and results

    def _post_score(self, request: _Request, ctx: str, n: str) -> _Reply:
        self._open_service(request, ctx, [SCOPE_SCORE])
        item_id = self._line_item_id(n)
        if request.media_type() != SCORE_MEDIA:
            raise _refuse(415, "invalid_request", f"Content-Type must be {SCORE_MEDIA}")
        score = request.json()
        when = _check_score(score)
        user = score["userId"]
        with self._lock:
            person = self.people.get(user)
            if person is None or person["status"] != "Active":
                return _error(422, "invalid_request", f"userId {user!r} is not an active member of {self.context_id}")
            if user in self.reject_scores_for:
                return _error(422, "invalid_request", f"the platform refuses scores for userId {user!r}")
            previous = self._latest_scores.get((item_id, user))
            if previous is not None and when <= previous[0]:
                return _error(
                    400, "invalid_request",
                    f"timestamp {score['timestamp']} is not later than the previous score's {previous[1]['timestamp']}",
                )
            self._latest_scores[(item_id, user)] = (when, dict(score))
            self.scores.append((item_id, dict(score)))
        return _Reply(204)

    def _results(self, request: _Request, ctx: str, n: str) -> _Reply:
        self._open_service(request, ctx, [SCOPE_RESULT_READONLY])
        item_id = self._line_item_id(n)
        with self._lock:
            maximum = self.line_items[item_id]["scoreMaximum"]
            latest = [score for (i, _), (_, score) in self._latest_scores.items() if i == item_id]
        if "user_id" in request.query:
            latest = [s for s in latest if s["userId"] == request.query["user_id"]]
        results = [_result(item_id, score, maximum) for score in latest]
        page, headers = self._page(request, results, f"{item_id}/results")
        return _json_reply(200, page, RESULTS_MEDIA, headers)


def _check_score(score: dict) -> datetime:
    """AGS 2.0 score checks; returns the parsed timestamp."""

    def bad(description: str) -> _Refusal:
        return _refuse(400, "invalid_request", description)

    if not isinstance(score.get("userId"), str) or not score["userId"]:
        raise bad("a score needs a userId")
    if score.get("activityProgress") not in ACTIVITY_PROGRESS:
        raise bad(f"activityProgress must be one of {sorted(ACTIVITY_PROGRESS)}")
    if score.get("gradingProgress") not in GRADING_PROGRESS:
        raise bad(f"gradingProgress must be one of {sorted(GRADING_PROGRESS)}")
    if "scoreGiven" in score:
        if not _is_number(score["scoreGiven"]) or score["scoreGiven"] < 0:
            raise bad("scoreGiven must be a number >= 0")
        if "scoreMaximum" not in score:
            raise bad("scoreGiven needs a scoreMaximum")
    if "scoreMaximum" in score and (not _is_number(score["scoreMaximum"]) or score["scoreMaximum"] <= 0):
        raise bad("scoreMaximum must be a number > 0")
    try:
        when = datetime.fromisoformat(str(score.get("timestamp")))
    except ValueError:
        raise bad("timestamp must be ISO 8601")
    if when.tzinfo is None:
        raise bad("timestamp must carry a UTC offset")
    return when


def _result(item_id: str, score: dict, line_item_maximum: float) -> dict:
    """The AGS result a score makes, its score scaled to the line item's maximum."""
    result = {
        "id": f"{item_id}/results/{quote(score['userId'], safe='')}",
        "scoreOf": item_id,
        "userId": score["userId"],
        "resultMaximum": line_item_maximum,
        "timestamp": score["timestamp"],
    }
    if "scoreGiven" in score:
        result["resultScore"] = score["scoreGiven"] * line_item_maximum / score["scoreMaximum"]
    if score.get("comment"):
        result["comment"] = score["comment"]
    return result
