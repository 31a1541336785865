"""The class on one JupyterHub (``make hub``): students log in, fetch, submit and read their feedback in the browser.

What runs where:

* the hub's own process (root) reads ``jupyterhub_config.py`` at the repository's root, the one file an
  instructor edits; its parts are :mod:`.settings` (``CourseHub``: instructors, limits, folders),
  :mod:`.authenticator` (who may log in: the roster), :mod:`.spawner` (each student's JupyterLab in
  :mod:`.student_sandbox`, as the student's own system account from :mod:`.accounts`), :mod:`.jupyter_config`
  (what the students' and instructors' nbgrader and JupyterLab are told);
* :mod:`.exchange` is nbgrader's exchange laid out so that a student reaches only their own hand-ins and
  feedback; the instructor's commands (release, collect, feedback) and formgrader's buttons use it;
* :mod:`.launch` is how ``make hub`` (and the tests) start it all.
"""
