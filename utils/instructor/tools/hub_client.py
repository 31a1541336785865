"""A student at the hub without a browser: the login form, the hub's REST API, and a kernel over its websocket.

Used by ``make bench-hub`` (many simulated students) and the hub's tests (the hostile student).
The pages are the hub's own (NativeAuthenticator's sign-up and login forms, with JupyterHub's xsrf
cookie); a server is started through the hub's REST API as the browser's "Start My Server" does;
code runs in a kernel of the student's own server through Jupyter's websocket protocol.
"""

from __future__ import annotations

import html
import json
import re
import time
import uuid
from dataclasses import dataclass, field

import requests
import websocket


class HubClientError(RuntimeError):
    """The hub or the student's server answered something else than a student would expect."""


@dataclass
class ExecutionResult:
    status: str                     # "ok" or "error"
    stdout: str = ""
    stderr: str = ""
    error: str = ""                 # "<ename>: <evalue>" when status is "error"
    result: str = ""                # the text/plain of an execute_result


@dataclass
class HubStudent:
    """One person at the hub, with their own cookies."""

    base_url: str                   # http://127.0.0.1:8000
    name: str
    password: str
    email: str = ""
    session: requests.Session = field(default_factory=requests.Session)
    xsrf_token: str = field(default="", repr=False)       # the logged-in session's, from the hub's home page
    api_token: str = field(default="", repr=False)        # made once, on first use of the student's server

    def _xsrf(self, page: str) -> str:
        self.session.get(f"{self.base_url}/hub/{page}", timeout=30)
        return self.session.cookies.get("_xsrf", path="/hub/") or self.session.cookies.get("_xsrf") or ""

    def sign_up(self) -> str:
        """Submit the sign-up form; the page's message (NativeAuthenticator's alert)."""
        data = {"username": self.name, "signup_password": self.password,
                "signup_password_confirmation": self.password, "email": self.email, "_xsrf": self._xsrf("signup")}
        page = self.session.post(f"{self.base_url}/hub/signup", data=data, timeout=30)
        return _alert(page.text)

    def log_in(self) -> None:
        """Log in through the login form; HubClientError with the page's message when refused."""
        data = {"username": self.name, "password": self.password, "_xsrf": self._xsrf("login")}
        page = self.session.post(f"{self.base_url}/hub/login", data=data, timeout=60, allow_redirects=False)
        if page.status_code != 302:
            raise HubClientError(f"login of {self.name} refused: {_alert(page.text, 'login_error') or page.status_code}")
        home = self.session.get(f"{self.base_url}/hub/home", timeout=60).text
        found = re.search(r'xsrf_token: "([^"]+)"', home)
        if not found:
            raise HubClientError(f"the hub's home page of {self.name} carries no xsrf token")
        self.xsrf_token = found.group(1)

    def _api(self, method: str, path: str, **kwargs):
        headers = {"X-XSRFToken": self.xsrf_token}
        if method == "POST":
            kwargs.setdefault("json", {})  # the hub takes a cookie-authenticated POST only with a JSON body
        return self.session.request(method, f"{self.base_url}/hub/api{path}", headers=headers, timeout=60, **kwargs)

    def start_server(self, timeout: float = 240) -> float:
        """Start the student's server and wait until it answers; the seconds it took."""
        started = time.perf_counter()
        answer = self._api("POST", f"/users/{self.name}/server")
        if answer.status_code not in (201, 202, 400):  # 400: already running
            raise HubClientError(f"starting {self.name}'s server: {answer.status_code} {answer.text[:300]}")
        while time.perf_counter() - started < timeout:
            user = self._api("GET", f"/users/{self.name}").json()
            server = (user.get("servers") or {}).get("", {})
            if server.get("ready"):
                return time.perf_counter() - started
            if not server.get("pending") and not server and time.perf_counter() - started > 10:
                raise HubClientError(f"{self.name}'s server stopped while starting: {user}")
            time.sleep(0.5)
        raise HubClientError(f"{self.name}'s server did not start within {timeout:.0f} s")

    def stop_server(self) -> None:
        self._api("DELETE", f"/users/{self.name}/server")

    def token(self) -> str:
        """An API token of the student's own (what their JupyterLab would use)."""
        answer = self._api("POST", f"/users/{self.name}/tokens", json={"note": "hub_client", "expires_in": 3600})
        if answer.status_code != 201:
            raise HubClientError(f"no token for {self.name}: {answer.status_code} {answer.text[:300]}")
        return answer.json()["token"]

    def server_url(self, path: str = "") -> str:
        return f"{self.base_url}/user/{self.name}/{path.lstrip('/')}"

    def server_api(self, method: str, path: str, **kwargs) -> requests.Response:
        """A request to the student's own server (Jupyter Server's REST API, nbgrader's handlers)."""
        headers = {"Authorization": f"token {self._token()}"}
        return requests.request(method, self.server_url(path), headers=headers, timeout=kwargs.pop("timeout", 300),
                                **kwargs)

    def _token(self) -> str:
        if not self.api_token:
            self.api_token = self.token()
        return self.api_token

    def kernel(self) -> "StudentKernel":
        answer = self.server_api("POST", "api/kernels", json={"name": "python3"})
        if answer.status_code != 201:
            raise HubClientError(f"no kernel for {self.name}: {answer.status_code} {answer.text[:300]}")
        return StudentKernel(self, answer.json()["id"])


class StudentKernel:
    """One kernel of a student's server, driven over its websocket (Jupyter's messaging protocol)."""

    def __init__(self, student: HubStudent, kernel_id: str):
        self.student, self.id = student, kernel_id
        url = student.server_url(f"api/kernels/{kernel_id}/channels").replace("http", "ws", 1)
        self.socket = websocket.create_connection(url, header=[f"Authorization: token {student._token()}"],
                                                  timeout=300)

    def run(self, code: str, timeout: float = 300) -> ExecutionResult:
        """Execute ``code`` and collect what it printed, returned or raised."""
        msg_id = uuid.uuid4().hex
        self.socket.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": self.student.name,
                       "session": uuid.uuid4().hex, "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell",
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        result = ExecutionResult(status="")
        deadline = time.time() + timeout
        idle = replied = False
        while not (idle and replied):
            if time.time() > deadline:
                raise HubClientError(f"code did not finish within {timeout:.0f} s in {self.student.name}'s kernel")
            self.socket.settimeout(max(0.1, deadline - time.time()))
            try:
                message = json.loads(self.socket.recv())
            except websocket.WebSocketTimeoutException:
                continue
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "stream":
                setattr(result, content["name"], getattr(result, content["name"]) + content["text"])
            elif kind == "execute_result":
                result.result = content["data"].get("text/plain", "")
            elif kind == "error":
                result.error = f"{content['ename']}: {content['evalue']}"
            elif kind == "execute_reply":
                result.status, replied = content["status"], True
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True
        return result

    def close(self) -> None:
        self.socket.close()
        self.student.server_api("DELETE", f"api/kernels/{self.id}")


def _alert(page: str, css_class: str = "alert") -> str:
    """The text of the first element whose class starts with ``css_class`` in a hub page (its message)."""
    match = re.search(rf'class="[^"]*{css_class}[^"]*"[^>]*>(.*?)</(p|div)>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip()) if match else ""
