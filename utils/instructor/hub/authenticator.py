"""``RosterAuthenticator``: the class list decides who may log in; each student sets their own password once.

nbgrader's gradebook holds the roster (``make roster``). A student on it signs up on the hub's
sign-up page with their student id, the e-mail address the roster has for them (where it has one)
and a password of their choosing, and is let in at once; anyone else is refused with a message
that says they are not on the class list. There is no open sign-up. Instructors
(``CourseHub.instructors``) sign up the same way. Passwords are NativeAuthenticator's (bcrypt,
common passwords refused, logins slowed down after failures); the LMS login (LTI 1.3) replaces
this class by configuration alone.
"""

from __future__ import annotations

from nativeauthenticator import NativeAuthenticator
from nativeauthenticator.handlers import LoginHandler, SignUpHandler

from .settings import CourseHub


def not_on_roster(username: str) -> str:
    return (f"{username!r} is not on this course's class list. Log in with the student id your instructor gave "
            "you; if it is right, ask your instructor to add you to the roster (make roster).")


class RosterSignUpHandler(SignUpHandler):
    """The sign-up page, saying why a sign-up was refused, and that a student on the roster may log in at once."""

    def get_result_message(self, user, *args):
        alert, message = super().get_result_message(user, *args)
        if user is not None and user.is_authorized:
            return "alert-success", "Your password is set: log in with your student id and it."
        if user is None:
            refusal = self.authenticator.sign_up_refusal(self.get_body_argument("username", ""),
                                                         self.get_body_argument("email", ""))
            if refusal:
                return "alert-danger", refusal
        return alert, message


class _NoStatsd:
    """NativeAuthenticator 1.3.0's login handler times logins with ``self.statsd``, which JupyterHub 6 removed."""

    def timer(self, *args, **kwargs):
        return self

    def start(self):
        return self

    def stop(self, *args, **kwargs):
        return None


class RosterLoginHandler(LoginHandler):
    """The login page, saying when a name is not on the class list or has no password yet."""

    statsd = _NoStatsd()

    def _render(self, login_error=None, username=None, **kwargs):
        if login_error and username:
            username = self.authenticator.normalize_username(username)
            if not self.authenticator.on_class_list(username):
                login_error = not_on_roster(username)
            elif self.authenticator.get_user(username) is None:
                login_error = (f"{username!r} has no password yet: choose one on the sign-up page first "
                               "(your student id, your e-mail address as the class list has it, a password).")
        return super()._render(login_error=login_error, username=username)


class RosterAuthenticator(NativeAuthenticator):
    """NativeAuthenticator limited to the roster and the instructors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.enable_signup = True
        self.open_signup = False
        self.ask_email_on_signup = True
        self.check_common_password = True
        self.minimum_password_length = max(self.minimum_password_length, 8)

    @property
    def course_hub(self) -> CourseHub:
        return CourseHub(config=self.config)

    def roster(self) -> dict[str, str]:
        """Student id -> e-mail address ('' where the roster has none), read from the gradebook each time."""
        from ..intake.roster import gradebook_students

        course = self.course_hub.course
        if not course.has_gradebook():
            return {}
        return {s.id: (s.email or "") for s in gradebook_students(course)}

    def on_class_list(self, username: str) -> bool:
        return username in self.course_hub.instructors or username in self.roster()

    def sign_up_refusal(self, username: str, email: str) -> str | None:
        """Why ``username`` may not sign up with ``email`` (None: they may)."""
        username = self.normalize_username(username)
        roster = self.roster()  # one read of the gradebook
        if username not in self.course_hub.instructors and username not in roster:
            return not_on_roster(username)
        expected = roster.get(username, "")
        if expected and email.strip().lower() != expected.strip().lower():
            return (f"The e-mail address does not match the one the class list has for {username!r}. Use the "
                    "address your university gave you, or ask your instructor.")
        return None

    def get_authed_users(self):
        return super().get_authed_users() | set(self.roster()) | set(self.course_hub.instructors)

    def create_user(self, username, password, **kwargs):
        if self.sign_up_refusal(username, kwargs.get("email", "")):
            return None
        return super().create_user(username, password, **kwargs)

    async def check_allowed(self, username, authentication=None):
        return self.on_class_list(username)

    def get_handlers(self, app):
        ours = {"/login": RosterLoginHandler, "/signup": RosterSignUpHandler}
        return [(path, ours.get(path, handler)) for path, handler in super().get_handlers(app)]
