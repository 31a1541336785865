"""environment.yml and pyproject.toml pin the same packages at the same versions."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def pyproject_pins(groups=()):
    """The student dependencies, plus the optional ``groups`` ("instructor", "test")."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + [s for group in groups for s in project["optional-dependencies"][group]]
    return dict(parse(s) for s in specs)


def environment_pins():
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        match = re.match(r"\s+- ([A-Za-z0-9_.\-]+==\S+)\s*$", line)
        if match:
            name, version = parse(match.group(1))
            pins[name] = version
    return pins


def parse(spec):
    name, _, version = spec.partition("==")
    assert version, f"{spec!r} is not pinned with =="
    return re.sub(r"[-_.]+", "-", name).lower(), version


def test_same_packages_same_versions():
    """environment.yml is the students' environment: exactly pyproject's dependencies."""
    ours, theirs = pyproject_pins(), environment_pins()
    assert ours == theirs, (
        f"only in pyproject.toml: {sorted(set(ours) - set(theirs))}; "
        f"only in environment.yml: {sorted(set(theirs) - set(ours))}; "
        f"different versions: {sorted(k for k in set(ours) & set(theirs) if ours[k] != theirs[k])}")


def test_every_dependency_is_pinned():
    """parse() refuses a spec without ==; every group must parse."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + [s for group in project["optional-dependencies"].values() for s in group]
    assert all(parse(s) for s in specs)


def test_students_install_no_grading_or_test_tools():
    student = pyproject_pins()
    for tool in ("nbgrader", "nbval", "pytest", "grad-cam", "playwright", "psutil", "quantus"):
        assert tool not in student, f"{tool} is in the students' dependencies"
    assert {"torch", "captum", "jupyterlab", "ipywidgets"} <= set(student)


def test_environment_yml_offers_the_cpu_only_pytorch_and_says_how():
    """A student without a GPU can switch conda's pip to PyTorch's CPU-only wheels by uncommenting one line."""
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s+# - --extra-index-url https://download\.pytorch\.org/whl/cpu$", text, re.M)
    assert "uncomment the --extra-index-url line" in text
    assert "tests" not in text and "make install" not in text, "the students' environment file mentions instructor tools"
