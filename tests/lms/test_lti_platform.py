"""The stand-in LTI 1.3 platform (tests/lti_platform.py) behaves as a platform.

Its services are driven with pylti1p3, the library the tool uses, its launch with
plain requests (no hub, no browser): the launch page, the OIDC authorization
request a tool makes, the id_token checked with PyJWT as ltiauthenticator checks it.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.registration import Registration
from pylti1p3.service_connector import ServiceConnector

from tests.lti_platform import (
    AGS_CLAIM,
    INSTRUCTOR,
    LEARNER,
    LTI_CLAIM,
    NRPS_CLAIM,
    SCOPE_LINEITEM,
    SCOPE_NRPS,
    SCOPE_SCORE,
    SCORE_MEDIA,
    TAMPER_KINDS,
    StandInPlatform,
)

TOOL_LOGIN = "http://127.0.0.1:9/hub/lti13/oauth_login"
TOOL_CALLBACK = "http://127.0.0.1:9/hub/lti13/oauth_callback"
TARGET = "http://127.0.0.1:9/hub/"


def _pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture(scope="module")
def keys():
    """RSA keys made once: the platform's, the tool's and one nobody published."""
    make = lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)  # noqa: E731
    return {"platform": make(), "tool": make(), "stranger": make()}


@pytest.fixture
def registration(keys, platform):
    tool_pem = _pem(keys["tool"])
    public_pem = keys["tool"].public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return (
        Registration()
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_auth_token_url(platform.token_url)
        .set_tool_private_key(tool_pem)
        .set_tool_public_key(public_pem)
    )


@pytest.fixture
def tool_jwks():
    """The tool's published keys, as the platform reads them (filled by the tests)."""
    return {"keys": []}


@pytest.fixture
def platform(keys, tool_jwks):
    with StandInPlatform(
        tool_login_url=TOOL_LOGIN,
        tool_jwks=lambda: tool_jwks,
        redirect_uris=[TOOL_CALLBACK],
        private_key=keys["platform"],
    ) as platform:
        platform.add_person("u-ada", "Ada", "Lovelace", "ada@example.edu", lis_person_sourcedid="S-1")
        platform.add_person("u-bob", "Bob", "Byte", "bob@example.edu")
        platform.add_person("u-cy", "Cy", "Cache", "cy@example.edu", status="Inactive")
        platform.add_person("u-dee", "Dee", "Dot", "dee@example.edu")
        platform.add_person("u-tia", "Tia", "Teach", "tia@example.edu", roles=[INSTRUCTOR])
        yield platform
    assert platform.errors == []


@pytest.fixture
def connector(registration, tool_jwks):
    tool_jwks["keys"] = registration.get_jwks()
    return ServiceConnector(registration)


def _ags(connector, platform):
    """AGS as the tool builds it from a launch's endpoint claim."""
    data = jwt.decode(platform.id_token("u-ada", "n"), options={"verify_signature": False})[AGS_CLAIM]
    return AssignmentsGradesService(connector, data)


def _assertion(platform, key, kid, **changes):
    now = int(time.time())
    claims = {
        "iss": platform.client_id,
        "sub": platform.client_id,
        "aud": platform.token_url,
        "iat": now,
        "exp": now + 60,
        "jti": str(uuid.uuid4()),
        **changes,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def _token_request(platform, assertion, scope=SCOPE_SCORE):
    return requests.post(
        platform.token_url,
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
            "scope": scope,
        },
        timeout=10,
    )


def _score(user_id, given=7, timestamp=None):
    return Grade().set_user_id(user_id).set_score_given(given).set_score_maximum(10).set_timestamp(
        timestamp or datetime.now(timezone.utc).isoformat()
    ).set_activity_progress("Completed").set_grading_progress("FullyGraded")


def _verify(platform, token):
    """What a tool (ltiauthenticator) does with an id_token."""
    key = jwt.PyJWKClient(platform.jwks_url).get_signing_key_from_jwt(token).key
    claims = jwt.decode(token, key, algorithms=["RS256"], audience=platform.client_id, issuer=platform.issuer)
    if claims[LTI_CLAIM + "deployment_id"] != platform.deployment_id:
        raise ValueError("unknown deployment")
    return claims


class _Forms(HTMLParser):
    """The first form of a page: action, method and its inputs."""

    def __init__(self, page: str):
        super().__init__()
        self.action = self.method = None
        self.fields, self.buttons = {}, []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.action, self.method = attrs["action"], attrs["method"]
        elif tag == "input":
            self.fields[attrs["name"]] = attrs["value"]
        elif tag == "button":
            self.buttons.append(attrs.get("id"))


def _authorization_request(login_form: _Forms, **changes):
    """The OIDC authentication request a tool makes from the login initiation."""
    params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": login_form.fields["client_id"],
        "redirect_uri": TOOL_CALLBACK,
        "login_hint": login_form.fields["login_hint"],
        "lti_message_hint": login_form.fields["lti_message_hint"],
        "nonce": "nonce-" + uuid.uuid4().hex,
        "state": "state-" + uuid.uuid4().hex,
    }
    params.update(changes)
    return {k: v for k, v in params.items() if v is not None}


def _launch(platform, sub="u-ada", method="POST"):
    page = requests.get(platform.launch_url(sub, TARGET, method=method), timeout=10)
    assert page.status_code == 200
    return _Forms(page.text)


# ---------------------------------------------------------------- keys and id_tokens


def test_jwks_publishes_the_public_key_only(platform):
    jwks = requests.get(platform.jwks_url, timeout=10).json()
    (key,) = jwks["keys"]
    assert (key["kid"], key["alg"], key["use"], key["kty"]) == ("platform-key-1", "RS256", "sig", "RSA")
    assert "d" not in key and "p" not in key


def test_id_token_verifies_and_carries_the_lti_claims(platform):
    claims = _verify(platform, platform.id_token("u-ada", "nonce-1", target_link_uri=TARGET))
    assert (claims["sub"], claims["nonce"], claims["azp"]) == ("u-ada", "nonce-1", platform.client_id)
    assert claims["exp"] - claims["iat"] == 300
    assert (claims["given_name"], claims["family_name"], claims["email"]) == ("Ada", "Lovelace", "ada@example.edu")
    assert claims[LTI_CLAIM + "message_type"] == "LtiResourceLinkRequest"
    assert claims[LTI_CLAIM + "version"] == "1.3.0"
    assert claims[LTI_CLAIM + "target_link_uri"] == TARGET
    assert claims[LTI_CLAIM + "resource_link"] == {"id": "resource-link-1"}
    assert claims[LTI_CLAIM + "roles"] == [LEARNER]
    assert claims[LTI_CLAIM + "context"]["id"] == "course-101"
    assert claims[LTI_CLAIM + "custom"] == {"lms_user_id": "u-ada"}
    assert claims[LTI_CLAIM + "lis"] == {"person_sourcedid": "S-1"}
    assert claims[NRPS_CLAIM] == {"context_memberships_url": platform.memberships_url, "service_versions": ["2.0"]}
    assert claims[AGS_CLAIM]["lineitems"] == platform.lineitems_url
    assert SCOPE_SCORE in claims[AGS_CLAIM]["scope"]
    assert LTI_CLAIM + "lis" not in _verify(platform, platform.id_token("u-bob", "n"))


@pytest.mark.parametrize("kind", TAMPER_KINDS)
def test_each_tampered_id_token_is_refused(platform, kind):
    token = platform.id_token("u-ada", "nonce-1", tamper=kind)
    with pytest.raises((jwt.PyJWTError, ValueError)) as refused:
        _verify(platform, token)
    expected = {
        "expired": jwt.ExpiredSignatureError,
        "wrong_audience": jwt.InvalidAudienceError,
        "foreign_key": jwt.InvalidSignatureError,
        "unknown_deployment": ValueError,
    }[kind]
    assert type(refused.value) is expected


def test_id_token_overrides_replace_and_remove_claims(platform):
    token = platform.id_token("u-ada", "n", **{"email": None, LTI_CLAIM + "roles": [INSTRUCTOR]})
    claims = _verify(platform, token)
    assert "email" not in claims and claims[LTI_CLAIM + "roles"] == [INSTRUCTOR]


# ---------------------------------------------------------------- the launch


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_launch_page_starts_the_oidc_login_at_the_tool(platform, method):
    form = _launch(platform, method=method)
    assert (form.action, form.method) == (TOOL_LOGIN, method.lower())
    assert "launch" in form.buttons
    assert form.fields["iss"] == platform.issuer
    assert form.fields["target_link_uri"] == TARGET
    assert form.fields["client_id"] == platform.client_id
    assert form.fields["lti_deployment_id"] == platform.deployment_id
    assert form.fields["login_hint"] and form.fields["lti_message_hint"]


def test_authorize_answers_a_form_post_of_a_valid_id_token(platform):
    params = _authorization_request(_launch(platform))
    page = requests.get(platform.authorize_url, params=params, timeout=10)
    assert page.status_code == 200
    form = _Forms(page.text)
    assert (form.action, form.method) == (TOOL_CALLBACK, "post")
    assert form.fields["state"] == params["state"]
    claims = _verify(platform, form.fields["id_token"])
    assert (claims["sub"], claims["nonce"]) == ("u-ada", params["nonce"])
    assert platform.last_id_token_post == (TOOL_CALLBACK, form.fields)


def test_ltiauthenticator_accepts_the_launch_and_refuses_a_tampered_one(platform):
    from ltiauthenticator.lti13.error import ValidationError
    from ltiauthenticator.lti13.validator import LTI13LaunchValidator

    validator = LTI13LaunchValidator()

    def tool_checks(token):
        claims = validator.verify_and_decode_jwt(
            token, issuer=platform.issuer, audience={platform.client_id},
            jwks_endpoint=platform.jwks_url, jwks_algorithms=["RS256"],
        )
        validator.validate_id_token(claims)
        validator.validate_azp_claim(claims, {platform.client_id})
        return claims

    requests.get(platform.authorize_url, params=_authorization_request(_launch(platform)), timeout=10)
    validator.validate_auth_response(platform.last_id_token_post[1])
    assert tool_checks(platform.last_id_token_post[1]["id_token"])["sub"] == "u-ada"
    platform.tamper_next_launch("wrong_audience")
    requests.get(platform.authorize_url, params=_authorization_request(_launch(platform)), timeout=10)
    with pytest.raises(ValidationError):
        tool_checks(platform.last_id_token_post[1]["id_token"])


def test_tamper_applies_to_the_next_launch_only(platform):
    platform.tamper_next_launch("expired")
    tokens = []
    for _ in range(2):
        params = _authorization_request(_launch(platform))
        requests.post(platform.authorize_url, data=params, timeout=10).raise_for_status()
        tokens.append(platform.last_id_token_post[1]["id_token"])
    with pytest.raises(jwt.ExpiredSignatureError):
        _verify(platform, tokens[0])
    assert _verify(platform, tokens[1])["sub"] == "u-ada"


@pytest.mark.parametrize(
    "change",
    [
        {"nonce": None},
        {"state": None},
        {"redirect_uri": "http://127.0.0.1:9/elsewhere/callback"},
        {"client_id": "another-client"},
        {"login_hint": "lh-unknown"},
        {"lti_message_hint": None},
        {"response_mode": "query"},
        {"prompt": "login"},
        {"scope": "profile"},
    ],
    ids=lambda change: "-".join(f"{k}={v}" for k, v in change.items()),
)
def test_authorize_refuses_a_bad_request(platform, change):
    params = _authorization_request(_launch(platform), **change)
    answer = requests.get(platform.authorize_url, params=params, timeout=10)
    assert answer.status_code == 400
    assert "id_token" not in answer.text and platform.last_id_token_post is None


def test_authorize_refuses_a_person_removed_after_the_click(platform):
    params = _authorization_request(_launch(platform, sub="u-bob"))
    platform.remove_person("u-bob")
    assert requests.get(platform.authorize_url, params=params, timeout=10).status_code == 400


# ---------------------------------------------------------------- token endpoint


def test_pylti1p3_gets_a_token_for_the_supported_scopes(platform, connector):
    assert connector.get_access_token([SCOPE_NRPS, "https://example.com/unknown-scope"])
    assert platform.assertion_kids == [connector._registration.get_kid()]


@pytest.mark.parametrize("fault", ["stranger_key", "unknown_kid", "wrong_aud", "expired", "wrong_iss"])
def test_token_endpoint_refuses_a_bad_client_assertion(platform, registration, tool_jwks, keys, fault):
    tool_jwks["keys"] = registration.get_jwks()
    kid = registration.get_kid()
    now = int(time.time())
    key, changes = keys["tool"], {}
    if fault == "stranger_key":
        key = keys["stranger"]
    elif fault == "unknown_kid":
        kid = "not-published"
    elif fault == "wrong_aud":
        changes = {"aud": platform.issuer}
    elif fault == "expired":
        changes = {"iat": now - 600, "exp": now - 300}
    else:
        changes = {"iss": "someone", "sub": "someone"}
    answer = _token_request(platform, _assertion(platform, key, kid, **changes))
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    assert platform.assertion_kids == []


def test_token_endpoint_refuses_a_reused_jti(platform, registration, tool_jwks, keys):
    tool_jwks["keys"] = registration.get_jwks()
    assertion = _assertion(platform, keys["tool"], registration.get_kid())
    assert _token_request(platform, assertion).status_code == 200
    second = _token_request(platform, assertion)
    assert second.status_code == 401 and "jti" in second.json()["error_description"]


def test_token_endpoint_fetches_the_tool_jwks_from_a_url(platform, registration, keys):
    body = json.dumps({"keys": registration.get_jwks()}).encode()

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        platform.tool_jwks = f"http://127.0.0.1:{server.server_address[1]}/jwks"
        answer = _token_request(platform, _assertion(platform, keys["tool"], registration.get_kid()))
        assert answer.status_code == 200, answer.text
        assert answer.json()["token_type"] == "Bearer" and answer.json()["scope"] == SCOPE_SCORE
    finally:
        server.shutdown()
        server.server_close()


def test_token_failure_switches_answer_503_then_recover(platform, connector):
    platform.fail_token_requests = 1
    with pytest.raises(LtiServiceException) as failed:
        connector.get_access_token([SCOPE_SCORE])
    assert failed.value.response.status_code == 503
    assert connector.get_access_token([SCOPE_SCORE])

    platform.token_down = True
    for _ in range(2):
        with pytest.raises(LtiServiceException):
            connector.get_access_token([SCOPE_NRPS])
    platform.token_down = False
    assert connector.get_access_token([SCOPE_NRPS])


# ---------------------------------------------------------------- NRPS


def test_members_come_in_pages_with_their_names_and_roles(platform, connector):
    platform.page_size = 2
    platform.remove_person("u-dee")
    nrps = NamesRolesProvisioningService(connector, {"context_memberships_url": platform.memberships_url})
    members = {m["user_id"]: m for m in nrps.get_members()}
    assert sorted(members) == ["u-ada", "u-bob", "u-cy", "u-tia"]
    assert members["u-ada"]["lis_person_sourcedid"] == "S-1" and members["u-ada"]["name"] == "Ada Lovelace"
    assert members["u-cy"]["status"] == "Inactive"
    assert members["u-tia"]["roles"] == [INSTRUCTOR]
    pages = [path for method, path in platform.requests if "/memberships" in path]
    assert len(pages) == 2 and pages[1].endswith("page=2")
    assert nrps.get_context()["id"] == "course-101"


def test_services_refuse_without_token_or_scope_and_when_down(platform, connector):
    assert requests.get(platform.memberships_url, timeout=10).status_code == 401
    token = connector.get_access_token([SCOPE_SCORE])
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(platform.memberships_url, headers=headers, timeout=10).status_code == 403
    assert requests.get(platform.lineitems_url, headers=headers, timeout=10).status_code == 403
    platform.services_down = True
    nrps_token = connector.get_access_token([SCOPE_NRPS])
    answer = requests.get(platform.memberships_url, headers={"Authorization": f"Bearer {nrps_token}"}, timeout=10)
    assert answer.status_code == 503


# ---------------------------------------------------------------- AGS


def test_line_item_found_or_created_by_resource_id_and_graded(platform, connector):
    ags = _ags(connector, platform)
    wanted = LineItem().set_label("Stage 01").set_score_maximum(20).set_resource_id("stage-01").set_tag("xai")
    item = ags.find_or_create_lineitem(wanted, find_by="resource_id")
    assert item.get_id() in platform.line_items
    again = ags.find_or_create_lineitem(wanted, find_by="resource_id")
    assert again.get_id() == item.get_id() and len(platform.line_items) == 1

    ags.put_grade(_score("u-ada", given=7), item)
    ((item_id, score),) = platform.scores
    assert (item_id, score["userId"], score["scoreGiven"], score["scoreMaximum"]) == (item.get_id(), "u-ada", 7, 10)
    (result,) = ags.get_grades(item)
    assert (result["userId"], result["resultScore"], result["resultMaximum"]) == ("u-ada", 14, 20)


def test_line_items_list_filters_and_pages(platform, connector):
    platform.page_size = 2
    ags = _ags(connector, platform)
    for n in range(3):
        ags.find_or_create_lineitem(
            LineItem().set_label(f"Stage {n}").set_score_maximum(10).set_tag(f"stage-{n}"), find_by="tag"
        )
    assert len(ags.get_lineitems()) == 3
    token = connector.get_access_token([SCOPE_LINEITEM])
    answer = requests.get(
        platform.lineitems_url, params={"tag": "stage-2"}, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert [item["label"] for item in answer.json()] == ["Stage 2"]


@pytest.mark.parametrize("body", [{"scoreMaximum": 10}, {"label": "x", "scoreMaximum": 0}, {"label": "x"}])
def test_line_item_needs_a_label_and_a_positive_maximum(platform, connector, body):
    token = connector.get_access_token([SCOPE_LINEITEM])
    answer = requests.post(
        platform.lineitems_url,
        data=json.dumps(body),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/vnd.ims.lis.v2.lineitem+json"},
        timeout=10,
    )
    assert answer.status_code == 400 and platform.line_items == {}


def test_scores_refused_for_non_members_stale_timestamps_and_rejected_users(platform, connector):
    ags = _ags(connector, platform)
    item = ags.find_or_create_lineitem(LineItem().set_label("S").set_score_maximum(10).set_tag("s"))

    def refused(grade):
        with pytest.raises(LtiServiceException) as failed:
            ags.put_grade(grade, item)
        return failed.value.response

    for user in ("u-nobody", "u-cy"):  # unknown, inactive
        answer = refused(_score(user))
        assert answer.status_code == 422 and "not an active member" in answer.json()["error_description"]

    now = datetime.now(timezone.utc)
    ags.put_grade(_score("u-bob", timestamp=now.isoformat()), item)
    assert refused(_score("u-bob", timestamp=now.isoformat())).status_code == 400
    assert refused(_score("u-bob", timestamp=(now - timedelta(seconds=1)).isoformat())).status_code == 400
    ags.put_grade(_score("u-bob", given=9, timestamp=(now + timedelta(seconds=1)).isoformat()), item)

    platform.reject_scores_for = {"u-ada"}
    assert refused(_score("u-ada")).status_code == 422
    assert [(s["userId"], s["scoreGiven"]) for _, s in platform.scores] == [("u-bob", 7), ("u-bob", 9)]


def test_score_needs_its_media_type_and_fields(platform, connector):
    ags = _ags(connector, platform)
    item = ags.find_or_create_lineitem(LineItem().set_label("S").set_score_maximum(10).set_tag("s"))
    token = connector.get_access_token([SCOPE_SCORE])
    good = json.loads(_score("u-ada").get_value())

    def post(body, media=SCORE_MEDIA):
        headers = {"Authorization": f"Bearer {token}", "Content-Type": media}
        return requests.post(item.get_id() + "/scores", data=json.dumps(body), headers=headers, timeout=10)

    assert post(good, media="application/json").status_code == 415
    for broken in ({"timestamp": "yesterday"}, {"timestamp": "2024-01-01T00:00:00"}, {"gradingProgress": "Done"},
                   {"scoreGiven": -1}, {"userId": None}):
        assert post({**good, **broken}).status_code == 400, broken
    assert platform.scores == []
    assert post(good).status_code == 204
