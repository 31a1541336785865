"""One system account per student, made by the hub the first time the student's server starts.

An account the hub makes carries :data:`MARK` in its comment (GECOS) field; an existing account
without it (``root``, a member of staff, a service) is never taken over by a roster id that
happens to share its name.
"""

from __future__ import annotations

import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .settings import COURSE_ID

MARK = f"{COURSE_ID} student"


class AccountError(RuntimeError):
    """A student's system account cannot be made or used; the message says why and what to do."""


@dataclass(frozen=True)
class Account:
    name: str
    uid: int
    gid: int
    home: Path


def _account(entry: pwd.struct_passwd) -> Account:
    return Account(entry.pw_name, entry.pw_uid, entry.pw_gid, Path(entry.pw_dir))


def student_account(name: str) -> Account:
    """The system account of student ``name``, made (with a private home) if it does not exist yet."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        if shutil.which("useradd") is None:
            raise AccountError("useradd is not installed: the hub makes one system account per student with it "
                               "(Debian: apt-get install passwd)") from None
        done = subprocess.run(["useradd", "--create-home", "--user-group", "--shell", "/usr/sbin/nologin",
                               "--comment", MARK, name], capture_output=True, text=True)
        if done.returncode != 0:
            raise AccountError(f"could not make the system account {name!r}: {done.stderr.strip()}") from None
        entry = pwd.getpwnam(name)
    if entry.pw_gecos != MARK:
        raise AccountError(f"the system account {name!r} exists and is not a student account of this course (its "
                           f"comment is {entry.pw_gecos!r}, not {MARK!r}); give the student another id in the "
                           "roster")
    account = _account(entry)
    account.home.mkdir(parents=True, exist_ok=True)
    shutil.chown(account.home, account.uid, account.gid)
    account.home.chmod(0o700)
    return account


def remove_student_account(name: str) -> None:
    """Remove a student account this hub made, with its home (for tests and the end of a term)."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return
    if entry.pw_gecos != MARK:
        raise AccountError(f"{name!r} is not a student account of this course; not removed")
    subprocess.run(["userdel", "--remove", name], capture_output=True, text=True)
