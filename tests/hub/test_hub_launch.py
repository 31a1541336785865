"""How ``make hub`` starts the hub (``hub/launch.py``): its command line, and what it refuses before starting."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from utils.instructor.hub.launch import CONFIG_FILE, HubLaunch, HubPorts, HubRefused


def test_the_hub_keeps_its_state_in_the_course_folder_and_listens_where_told(tmp_path):
    command = HubLaunch(tmp_path, HubPorts("127.0.0.1", 18123, 18124, 18125)).command()
    assert command[1:3] == ["-f", str(CONFIG_FILE)]
    options = set(command[3:])
    assert {f"--CourseHub.course_root={tmp_path}",
            f"--JupyterHub.db_url=sqlite:///{tmp_path / 'hub' / 'jupyterhub.sqlite'}",
            f"--JupyterHub.cookie_secret_file={tmp_path / 'hub' / 'jupyterhub_cookie_secret'}",
            f"--ConfigurableHTTPProxy.pid_file={tmp_path / 'hub' / 'jupyterhub-proxy.pid'}",
            "--ip=127.0.0.1", "--port=18123", "--JupyterHub.hub_port=18124",
            "--ConfigurableHTTPProxy.api_url=http://127.0.0.1:18125"} <= options


@pytest.mark.parametrize("option", ["--JupyterHub.ssl_cert=/etc/hub/cert.pem", "--ssl-key=/etc/hub/key.pem"])
def test_a_certificate_for_the_pure_python_proxy_is_refused_with_the_way_to_https(tmp_path, option):
    with pytest.raises(HubRefused, match="pure-Python configurable-http-proxy .* has none: put a reverse proxy"):
        HubLaunch(tmp_path, extra=[option]).prepare()


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("bwrap") is None or shutil.which("useradd") is None,
                    reason="the checks after the root check need root, bubblewrap and useradd")
def test_a_course_without_a_roster_is_refused_with_the_command_that_makes_one(tmp_path):
    with pytest.raises(HubRefused, match=r"no gradebook in .*make roster ROSTER=students.csv"):
        HubLaunch(Path(tmp_path)).prepare()
    assert not (tmp_path / "hub").exists()


def test_the_configuration_points_jupyterhub_at_the_course():
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    from utils.instructor.hub.configuration import configure

    shipped = PyFileConfigLoader(CONFIG_FILE.name, path=str(CONFIG_FILE.parent)).load_config()
    assert shipped.JupyterHub.authenticator_class == "utils.instructor.hub.authenticator.RosterAuthenticator"
    assert shipped.JupyterHub.spawner_class == "utils.instructor.hub.spawner.CourseSpawner"
    assert Path(shipped.ConfigurableHTTPProxy.command[0]).is_file()

    c = Config({"CourseHub": {"idle_timeout": 120, "instructors": ["ta1", "ta2"]}})
    configure(c)
    [culler] = c.JupyterHub.services
    assert culler["name"] == "idle-culler" and culler["command"][-2:] == ["jupyterhub_idle_culler", "--timeout=120"]
    [role] = c.JupyterHub.load_roles
    assert role["services"] == ["idle-culler"] and "delete:servers" in role["scopes"]
    assert c.Authenticator.admin_users == {"ta1", "ta2"}


def test_a_course_with_an_lms_in_lti_config_serves_the_lms_launch_and_without_one_the_roster_login(tmp_path):
    assert not any("authenticator_class" in option for option in HubLaunch(tmp_path).command())
    (tmp_path / "lti_config.py").write_text("c = get_config()\nc.LtiPlatform.issuer = 'https://lms.example'\n")
    assert "--JupyterHub.authenticator_class=utils.instructor.hub.lti_login.CourseLtiAuthenticator" in \
        HubLaunch(tmp_path).command()


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("bwrap") is None or shutil.which("useradd") is None,
                    reason="the checks after the root check need root, bubblewrap and useradd")
def test_a_half_filled_lti_config_is_refused_with_the_settings_it_lacks(tmp_path):
    from utils.instructor.paths import Course

    Course.scratch(tmp_path)
    from utils.instructor.gradebook.stage_sources import ensure_gradebook

    ensure_gradebook(Course(tmp_path), log=lambda *a: None)
    (tmp_path / "lti_config.py").write_text("c = get_config()\nc.LtiPlatform.issuer = 'https://lms.example'\n"
                                            "c.LtiPlatform.client_id = '42'\n")
    with pytest.raises(HubRefused, match=r"the LMS's launch cannot be served: an LTI 1.3 launch needs "
                                         r"c.LtiPlatform.deployment_ids, c.LtiPlatform.authorize_url, "
                                         r"c.LtiPlatform.jwks_url in lti_config.py"):
        HubLaunch(Path(tmp_path)).prepare()


def test_the_shipped_lti_config_leaves_the_lms_out():
    from utils.instructor.lms.platform_settings import lti_settings
    from utils.instructor.paths import REPOSITORY

    shipped = lti_settings(REPOSITORY)
    assert (REPOSITORY / "lti_config.py").is_file() and not shipped.enabled and shipped.roster_required
