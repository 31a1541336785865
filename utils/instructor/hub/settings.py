"""``CourseHub``: the course's settings for its JupyterHub, set in ``jupyterhub_config.py`` (``c.CourseHub.…``).

Every part of the hub (authenticator, spawner, exchange, launcher) reads them from this one
configurable, so the repository's ``jupyterhub_config.py`` is the one place an instructor edits,
and ``--CourseHub.course_root=…`` on the command line points the same hub at another course folder
(a new term's copy, or a test's scratch course).
"""

from __future__ import annotations

from pathlib import Path

from traitlets import Integer, List, Unicode, default
from traitlets.config import Configurable

from ..paths import ROOT, Course

#: The course id nbgrader's exchange files the course under (nbgrader_config.py's CourseDirectory.course_id).
COURSE_ID = "xai-gradients"
#: Where a student's server sees the exchange (nbgrader's usual root); the host folder is ``exchange_root``.
EXCHANGE_IN_SANDBOX = "/srv/nbgrader/exchange"


class CourseHub(Configurable):
    """The class's hub: who teaches, where the course lives, and the limits a student's server runs under."""

    course_root = Unicode(str(ROOT),
                          help="the course folder: its gradebook holds the roster; submitted/, the exchange and the "
                               "hub's own state (hub/) live in it").tag(config=True)
    instructors = List(Unicode(), default_value=[],
                       help="hub user names that get formgrader and the course's commands (their server runs as "
                            "the course folder's owner, in the course folder)").tag(config=True)
    exchange_root = Unicode("",
                            help="nbgrader's exchange on this machine (default: <course_root>/exchange)").tag(config=True)
    max_handin_mb = Integer(50, help="a hand-in larger than this (MB) is refused at collect").tag(config=True)
    idle_timeout = Integer(3600,
                           help="seconds after which an idle student's server is stopped (jupyterhub-idle-culler); "
                                "their files stay. Set it in jupyterhub_config.py: the culler's command is made "
                                "when that file is read, before command-line options").tag(config=True)
    memory_gb = Integer(8,
                        help="address space (GB) of each process in a student's server (torch maps about 2 GB of "
                             "libraries; a kernel with EfficientNet-Lite0 uses under 1 GB)").tag(config=True)
    threads = Integer(2, help="threads each student's kernel computes with (OMP_NUM_THREADS); torch would otherwise "
                              "take one per core of the machine in every kernel").tag(config=True)
    processes = Integer(512,
                        help="processes and threads a student may run at once (a fork bomb stops there)").tag(config=True)

    @default("exchange_root")
    def _default_exchange_root(self):
        return str(Path(self.course_root) / "exchange")

    @property
    def course(self) -> Course:
        root = Path(self.course_root).resolve()
        return Course() if root == ROOT else Course(root)

    @property
    def state(self) -> Path:
        """The hub's own files (its database, cookie secret, the students' Jupyter settings), root's only."""
        return Path(self.course_root) / "hub"


def hub_config():
    """The repository's ``jupyterhub_config.py`` as JupyterHub loads it (a traitlets ``Config``; copy before changing)."""
    from traitlets.config.loader import PyFileConfigLoader

    from ..paths import REPOSITORY

    return PyFileConfigLoader("jupyterhub_config.py", path=str(REPOSITORY)).load_config()


def hub_settings(course_root=None, config=None) -> CourseHub:
    """``CourseHub`` as the repository's ``jupyterhub_config.py`` (or ``config``, that file loaded already) sets it,
    for the instructor's commands that run outside the hub (release to the class, collect, feedback);
    ``course_root`` overrides the course folder."""
    from traitlets.config import Config

    config = hub_config() if config is None else config
    merged = Config()
    merged.merge(config)
    if course_root is not None:
        merged.merge(Config({"CourseHub": {"course_root": str(course_root)}}))
    return CourseHub(config=merged)
