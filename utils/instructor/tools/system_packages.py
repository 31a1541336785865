"""What the course needs from the operating system, installed or asked for before a make target runs anything.

    python3 utils/instructor/tools/system_packages.py --for "make test" bubblewrap chromium passwd

The Makefile lists, per target, the Debian packages it needs (``SYSTEM_PACKAGES_TEST``,
``SYSTEM_PACKAGES_AUTOGRADE``, ``SYSTEM_PACKAGES_HUB``) and runs this file first, with the system's
``python3``: it uses the standard library only, so it runs before ``.venv`` exists, and it is run as a
file, not a module, so that ``utils/instructor/__init__.py`` (which puts the interpreter's folder first
on ``PATH``) cannot change where it looks for programs. A package
counts as present when one of its programs is on ``PATH`` (or, for a program that lives in
``/usr/sbin``, there), however it was installed. For the missing ones:

* as root on Debian or Ubuntu, with ``apt-get`` on ``PATH``: ``apt-get update`` and
  ``apt-get install -y`` them, then check again;
* anywhere else: stop (exit 1) before anything runs, with the one command that installs
  them (``sudo apt-get install ...``; on Fedora ``sudo dnf install ...``).

``make lab`` needs nothing from here: students run it on their own laptops.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: Where programs for administrators live; not on a normal user's PATH on Debian.
SBIN = ("/usr/sbin", "/sbin")
OS_RELEASE = Path("/etc/os-release")


@dataclass(frozen=True)
class SystemPackage:
    """A Debian package the course needs, how to see that it is there, and its Fedora name."""

    debian: str
    programs: tuple[str, ...]  # any one of them found shows the package is there
    fedora: str
    needed_for: str
    in_sbin: bool = False  # its program lives in /usr/sbin, off a normal user's PATH


#: Every system package a make target may name, by its Debian name.
PACKAGES = {package.debian: package for package in (
    SystemPackage("bubblewrap", ("bwrap",), "bubblewrap",
                  "the grading sandbox, which every grading kernel runs in (autograde refuses to grade without it)"),
    SystemPackage("chromium", ("chromium", "chromium-browser"), "chromium",
                  "the browser tests: Playwright drives the system's headless Chromium"),
    SystemPackage("passwd", ("useradd",), "shadow-utils",
                  "the hub: it creates one system user per student with useradd", in_sbin=True),
)}


class UnknownSystemPackage(ValueError):
    """A make target names a package this module does not know how to find."""


def parse_packages(names: list[str]) -> list[SystemPackage]:
    unknown = [name for name in names if name not in PACKAGES]
    if unknown:
        raise UnknownSystemPackage(
            f"unknown system package(s) {', '.join(unknown)}: add each to PACKAGES in {Path(__file__).name} "
            f"(its programs and its Fedora name), or name one of {', '.join(sorted(PACKAGES))}")
    return [PACKAGES[name] for name in dict.fromkeys(names)]


def is_present(package: SystemPackage, path: str | None = None) -> bool:
    """Whether one of ``package``'s programs is on ``path`` (default: ``PATH``), or in /usr/sbin for sbin programs."""
    path = os.environ.get("PATH", "") if path is None else path
    search = os.pathsep.join([path, *SBIN]) if package.in_sbin else path
    return any(shutil.which(program, path=search) for program in package.programs)


def missing(packages: list[SystemPackage]) -> list[SystemPackage]:
    return [package for package in packages if not is_present(package)]


def distribution_family(os_release: Path = OS_RELEASE) -> str:
    """``"debian"`` (Debian, Ubuntu and their derivatives), ``"fedora"`` (Fedora, RHEL and theirs) or ``"other"``."""
    try:
        fields = dict(line.split("=", 1) for line in os_release.read_text().splitlines() if "=" in line)
    except OSError:
        return "other"
    names = " ".join(fields.get(key, "").strip('"') for key in ("ID", "ID_LIKE")).split()
    if {"debian", "ubuntu"} & set(names):
        return "debian"
    if {"fedora", "rhel", "centos"} & set(names):
        return "fedora"
    return "other"


def may_install() -> bool:
    """Installing is this module's to do only as root on Debian or Ubuntu, with apt-get at hand."""
    return os.geteuid() == 0 and distribution_family() == "debian" and shutil.which("apt-get") is not None


def install_commands(packages: list[SystemPackage], family: str, as_root: bool) -> list[str]:
    """The command that installs ``packages`` on this distribution first, then the other one's."""
    sudo = "" if as_root else "sudo "
    debian = f"{sudo}apt-get install {' '.join(p.debian for p in packages)}"
    fedora = f"{sudo}dnf install {' '.join(p.fedora for p in packages)}"
    return [fedora + "   (Fedora)", debian + "   (Debian, Ubuntu)"] if family == "fedora" else \
        [debian + "   (Debian, Ubuntu)", fedora + "   (Fedora)"]


def what_to_install(packages: list[SystemPackage], target: str) -> str:
    """The message that stops ``target``: what is missing, what it is for, and the command that installs it."""
    lines = [f"{target} needs from the system what this machine lacks, so nothing was run:"]
    lines += [f"  {p.debian} ({' or '.join(p.programs)}): {p.needed_for}" for p in packages]
    commands = install_commands(packages, distribution_family(), os.geteuid() == 0)
    lines += [f"Install it with the command for this system, then run {target} again:",
              *(f"  {command}" for command in commands)]
    if sys.platform != "linux":
        lines.append("bubblewrap and the hub need Linux: run the tests, grading and the hub on a Linux machine.")
    return "\n".join(lines)


def apt_install(packages: list[SystemPackage]) -> None:
    names = [p.debian for p in packages]
    print(f"installing from the distribution's archive (apt-get, as root): {' '.join(names)}", flush=True)
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *names]):
        done = subprocess.run(command, env=environment)
        if done.returncode != 0:
            raise SystemExit(f"`{' '.join(command)}` failed (exit {done.returncode}); nothing else was run. "
                             f"Fix what apt-get said above and run the same make command again.")


def ensure(packages: list[SystemPackage], target: str) -> None:
    """Return when every package is there (installing the missing ones where allowed); otherwise exit 1 and say how."""
    lacking = missing(packages)
    if not lacking:
        return
    if not may_install():
        raise SystemExit(what_to_install(lacking, target))
    apt_install(lacking)
    still = missing(lacking)
    if still:
        programs = ", ".join(" or ".join(p.programs) for p in still)
        raise SystemExit(f"apt-get installed {' '.join(p.debian for p in lacking)}, yet {programs} is still not found "
                         f"on PATH ({os.environ.get('PATH', '')}): put its folder on PATH and run {target} again.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 utils/instructor/tools/system_packages.py",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--for", dest="target", required=True, help='the make command that needs them, e.g. "make test"')
    parser.add_argument("packages", nargs="*", help=f"Debian package names, of {', '.join(sorted(PACKAGES))}")
    args = parser.parse_args(argv)
    try:
        packages = parse_packages(args.packages)
    except UnknownSystemPackage as error:
        parser.error(str(error))
    ensure(packages, args.target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
