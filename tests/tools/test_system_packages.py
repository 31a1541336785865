"""What make test, make autograde and make hub need from the system: installed with apt-get as root on Debian, and
otherwise the target stops before running anything with the command that installs it.

The targets run for real, with ``make``, on a machine made of stubs: ``PATH`` holds only a folder of stand-in
programs (a ``chromium``, an ``apt-get`` that records its calls, a ``bwrap`` or none), and ``BIN`` is a folder
whose ``python`` records its calls instead of running pytest or pip. Nothing is installed on this machine.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from utils.instructor.tools.system_packages import (PACKAGES, UnknownSystemPackage, distribution_family,
                                                    install_commands, is_present, main, parse_packages)

ROOT = Path(__file__).resolve().parents[2]
MAKE = shutil.which("make")
SETPRIV = shutil.which("setpriv")
#: The system's interpreter, as `make` finds it on a fresh machine (PYTHON ?= python3); any user may run it.
SYSTEM_PYTHON = next((p for p in ("/usr/bin/python3", "/bin/python3") if os.access(p, os.X_OK)), None)
#: Programs the recipes themselves need once the check has passed.
RECIPE_TOOLS = ("mkdir", "touch")

pytestmark = pytest.mark.skipif(MAKE is None or SYSTEM_PYTHON is None, reason="needs make and /usr/bin/python3")


class StubMachine:
    """A folder ``bin`` of stand-in programs (the only folder on PATH) and a ``.venv`` whose python only records."""

    def __init__(self, root: Path):
        self.root = root
        self.path_dir = root / "path"
        self.venv = root / "venv"
        self.log = root / "log" / "calls"
        for folder in (self.path_dir, self.venv / "bin", self.log.parent):
            folder.mkdir(parents=True)
        for tool in RECIPE_TOOLS:
            (self.path_dir / tool).symlink_to(shutil.which(tool))
        self.program(self.venv / "bin" / "python", f'echo "python $*" >> {self.log}\n')

    def program(self, path: Path, body: str = "") -> None:
        path.write_text("#!/bin/sh\n" + body)
        path.chmod(0o755)

    def provide(self, *programs: str) -> None:
        for name in programs:
            self.program(self.path_dir / name)

    def apt_get_that_installs(self, program: str) -> None:
        """An apt-get that records its calls and, on `install`, puts ``program`` on PATH (as the package would)."""
        self.program(self.path_dir / "apt-get",
                     f'echo "apt-get $* DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >> {self.log}\n'
                     f'if [ "$1" = install ]; then printf "#!/bin/sh\\n" > {self.path_dir / program}; '
                     f'/bin/chmod 755 {self.path_dir / program}; fi\n')

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []

    def stamp(self, target: str) -> Path:
        return self.venv / f".system-{target}"

    def make(self, *arguments: str, as_nobody: bool = False) -> subprocess.CompletedProcess:
        command = [MAKE, "-C", str(ROOT), *arguments, f"VENV={self.venv}", f"BIN={self.venv / 'bin'}",
                   f"PYTHON={SYSTEM_PYTHON}"]
        if as_nobody and os.geteuid() == 0:
            command = [SETPRIV, "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        return subprocess.run(command, env={"PATH": str(self.path_dir), "HOME": str(self.root)},
                              capture_output=True, text=True, timeout=120)


@pytest.fixture
def machine():
    """In a folder any user can enter (the non-root case runs as nobody), removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="system-packages-"))
    root.chmod(0o755)
    stub = StubMachine(root)
    stub.log.parent.chmod(0o777)
    yield stub
    shutil.rmtree(root)


def test_make_test_without_bubblewrap_where_nothing_may_install_stops_before_anything_runs(machine):
    """No apt-get on PATH: nothing can install bubblewrap, so make test names it, gives the commands, and stops
    before the venv is made and before pytest."""
    machine.provide("chromium")
    done = machine.make("test")
    assert done.returncode != 0
    assert "make test needs from the system" in done.stderr
    assert "bubblewrap (bwrap): the grading sandbox," in done.stderr
    assert "apt-get install bubblewrap" in done.stderr and "dnf install bubblewrap" in done.stderr
    assert "chromium (" not in done.stderr, "Chromium is on PATH: it is not missing"
    assert machine.calls() == [], "something ran although the check stopped make"
    assert not machine.stamp("test").exists()


@pytest.mark.skipif(SETPRIV is None and os.geteuid() == 0, reason="needs setpriv to run as nobody")
def test_make_test_as_a_user_never_calls_apt_get_and_says_sudo(machine):
    machine.provide("chromium")
    machine.apt_get_that_installs("bwrap")
    done = machine.make("test", as_nobody=True)
    assert done.returncode != 0
    assert "sudo apt-get install bubblewrap" in done.stderr and "sudo dnf install bubblewrap" in done.stderr
    assert machine.calls() == [], "apt-get or python ran for a user who may not install"


@pytest.mark.skipif(os.geteuid() != 0 or distribution_family() != "debian", reason="installs only as root on Debian")
def test_make_test_as_root_on_debian_installs_the_missing_package_then_runs_the_suite_once(machine):
    machine.provide("chromium")
    machine.apt_get_that_installs("bwrap")
    done = machine.make("test")
    assert done.returncode == 0, done.stdout + done.stderr
    calls = machine.calls()
    assert calls[:2] == ["apt-get update -qq DEBIAN_FRONTEND=noninteractive",
                         "apt-get install -y -qq bubblewrap DEBIAN_FRONTEND=noninteractive"]
    assert calls[-1].startswith("python -m pytest tests solutions"), calls
    assert machine.stamp("test").exists()

    (machine.path_dir / "bwrap").unlink()
    machine.log.unlink()
    again = machine.make("test")
    assert again.returncode == 0, again.stdout + again.stderr
    assert [c.split()[:3] for c in machine.calls()] == [["python", "-m", "pytest"]], \
        "the stamp should spare a second check (and a second apt-get)"


def test_nothing_is_installed_where_everything_is_present(machine):
    machine.provide("chromium", "bwrap")
    machine.apt_get_that_installs("bwrap")
    done = machine.make("test")
    assert done.returncode == 0, done.stdout + done.stderr
    assert not [c for c in machine.calls() if c.startswith("apt-get")]
    assert machine.calls()[-1].startswith("python -m pytest tests solutions")


def test_make_autograde_needs_bubblewrap_unless_it_grades_without_the_sandbox(machine):
    refused = machine.make("autograde")
    assert refused.returncode != 0 and "make autograde needs from the system" in refused.stderr
    assert "bubblewrap" in refused.stderr and "chromium" not in refused.stderr
    assert machine.calls() == []

    unsandboxed = machine.make("autograde", "SANDBOX=0")
    assert unsandboxed.returncode == 0, unsandboxed.stdout + unsandboxed.stderr
    assert "--no-sandbox" in machine.calls()[-1]


def test_the_hub_list_checks_useradd_where_administrators_keep_it():
    """useradd lives in /usr/sbin, off a normal user's PATH on Debian: found there all the same."""
    if not any(os.access(f"{d}/useradd", os.X_OK) for d in ("/usr/sbin", "/sbin")):
        pytest.skip("no useradd in /usr/sbin or /sbin on this machine")
    assert is_present(PACKAGES["passwd"], path="/nonexistent")
    assert not is_present(PACKAGES["bubblewrap"], path="/nonexistent")


def test_the_fedora_command_comes_first_on_fedora_and_names_fedoras_packages(tmp_path):
    fedora, ubuntu, alpine = (tmp_path / name for name in ("fedora", "ubuntu", "alpine"))
    fedora.write_text('NAME="Fedora Linux"\nID=fedora\n')
    ubuntu.write_text('NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n')
    alpine.write_text("ID=alpine\n")
    assert [distribution_family(f) for f in (fedora, ubuntu, alpine, tmp_path / "absent")] == \
        ["fedora", "debian", "other", "other"]
    packages = parse_packages(["bubblewrap", "passwd"])
    first, second = install_commands(packages, "fedora", as_root=False)
    assert first.startswith("sudo dnf install bubblewrap shadow-utils")
    assert second.startswith("sudo apt-get install bubblewrap passwd")
    assert install_commands(packages, "debian", as_root=True)[0].startswith("apt-get install bubblewrap passwd")


def test_an_unknown_package_name_is_refused_with_the_known_ones(capsys):
    with pytest.raises(UnknownSystemPackage, match="bubblewrap, chromium, passwd"):
        parse_packages(["bubblewrap", "nodejs"])
    with pytest.raises(SystemExit) as stopped:
        main(["--for", "make hub", "nodejs"])
    assert stopped.value.code == 2 and "unknown system package(s) nodejs" in capsys.readouterr().err


def test_ci_only_calls_make_test():
    """.ci/run installs nothing itself: make test does, as it does for anyone following the README."""
    script = (ROOT / ".ci" / "run").read_text()
    commands = [line.strip() for line in script.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert commands == ["set -euo pipefail", 'cd "$(dirname "$0")/.."', "make test"]
    assert os.stat(ROOT / ".ci" / "run").st_mode & stat.S_IXUSR
