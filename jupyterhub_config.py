"""The class's JupyterHub: the one file an instructor edits to serve the course from this machine (make hub).

    sudo make hub                       # the class connects to http://<this machine>:8000
    sudo make hub HUB_ARGS="--port=443" # any JupyterHub option

Students log in with their student id from the roster (make roster) and a password they choose
at first login; each gets a JupyterLab with nbgrader's Assignments tab, running in a sandbox as a
system account of their own (utils/instructor/hub/). Instructors (below) get formgrader at
/user/<name>/formgrader and the course's commands.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # this course folder's utils, as nbgrader_config.py does

from utils.instructor.hub.configuration import configure  # noqa: E402

c = get_config()  # noqa: F821  (provided by JupyterHub)

# Who teaches: hub user names that get formgrader and the course's commands. They sign up like
# students (their password at first login); their server runs as this folder's owner, in it.
c.CourseHub.instructors = []

# Limits of each student's server, and when an idle one is stopped (their files stay).
c.CourseHub.max_handin_mb = 50
c.CourseHub.idle_timeout = 3600
c.CourseHub.memory_gb = 8

# Where the class connects. HTTPS: a reverse proxy in front (Caddy, nginx) holds the certificate and
# forwards to http://127.0.0.1:8000, with c.JupyterHub.ip = "127.0.0.1" here (the README shows how).
# The hub's own c.JupyterHub.ssl_cert needs Node.js's configurable-http-proxy: the pure-Python proxy the
# course installs has no TLS, and make hub refuses the setting with it.
c.JupyterHub.port = 8000

configure(c)
