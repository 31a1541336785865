"""The LMS this course is connected to by LTI 1.3: the one file to fill in (the README's "Connecting the LMS").

Empty (as shipped): no LMS; the hub keeps the roster's own login. Filled in with what the LMS's registration
page shows, ``make hub`` serves the LMS's launch instead (students and instructors come from the LMS, no second
login), ``make roster FROM=lms`` reads the class list from it and ``make export FORMAT=lti`` sends it the grades.
``make lti-keys`` prints the tool's public keys, which the hub also serves at /hub/lti13/jwks.
"""

c = get_config()  # noqa: F821  (provided by traitlets' config loader)

# The platform and this tool's registration in it.
c.LtiPlatform.issuer = ""            # Canvas: "https://canvas.instructure.com"; Moodle: the site's URL
c.LtiPlatform.client_id = ""         # Canvas: the developer key's id; Moodle: the tool's "Client ID"
c.LtiPlatform.deployment_ids = []    # Canvas: the app's "Deployment Id"; Moodle: the tool's "Deployment ID"

# The platform's addresses (Canvas: the same for every Canvas Cloud school; Moodle: the tool's "Tool
# configuration details", the list icon next to the tool in Site administration > Plugins > External tool).
c.LtiPlatform.authorize_url = ""     # Canvas: https://sso.canvaslms.com/api/lti/authorize_redirect; Moodle: <site>/mod/lti/auth.php
c.LtiPlatform.token_url = ""         # Canvas: https://sso.canvaslms.com/login/oauth2/token; Moodle: <site>/mod/lti/token.php
c.LtiPlatform.jwks_url = ""          # Canvas: https://sso.canvaslms.com/api/lti/security/jwks; Moodle: <site>/mod/lti/certs.php

# The course's class list and line items: recorded from the first launch when left empty.
c.LtiPlatform.memberships_url = ""
c.LtiPlatform.lineitems_url = ""

# True: only students on the roster (by lms_user_id: make roster FROM=lms) may launch; False: a student's first
# launch adds them to the roster.
c.LtiPlatform.roster_required = True
