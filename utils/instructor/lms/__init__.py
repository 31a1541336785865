"""The LMS connected by LTI 1.3: students launch the course from Canvas or Moodle, the class list comes from
the LMS, grades go back to its gradebook.

What runs where:

* in the hub's process (``make hub``, when ``lti_config.py`` names a platform): :mod:`..hub.lti_login`, the
  launch (``jupyterhub-ltiauthenticator``'s OIDC login and signed launch, with the course's checks), which
  records the course's service addresses (:mod:`.service_addresses`) and serves the tool's public keys;
* in the instructor's commands: :mod:`.roster_from_lms` (``make roster FROM=lms``: Names and Role
  Provisioning Services) and :mod:`.score_return` (``make export FORMAT=lti``: Assignment and Grade
  Services), both through :mod:`.connection` (``pylti1p3``'s service connector, its token signed with the
  tool's key from :mod:`.tool_keys`).

The settings of the connection (the platform's issuer, the tool's client id, the deployments, the platform's
addresses) live in one file, :data:`.platform_settings.LTI_CONFIG_FILE` in the course folder.
"""
