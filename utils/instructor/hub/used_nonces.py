"""The launches already used: each signed launch (id_token) logs in once, by its nonce, until it expires.

``jupyterhub-ltiauthenticator`` ties a launch's nonce to a cookie of the browser that started it and clears the
cookie on use, which stops a launch replayed without that cookie. A launch replayed with the cookie (a copied
browser session, a form posted twice) is stopped here: the hub keeps every nonce it accepted until the token it
came in could no longer be accepted anyway (``iat`` + the validator's ``max_age``), in ``<course>/hub/``, so a
restarted hub remembers them too.
"""

from __future__ import annotations

import json
import time
from pathlib import Path


class UsedNonces:
    def __init__(self, path):
        self.path = Path(path)

    def _load(self) -> dict[str, float]:
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}

    def spend(self, nonce: str, usable_until: float) -> bool:
        """Mark ``nonce`` used; False when it was used already (a replay)."""
        now = time.time()
        used = {n: until for n, until in self._load().items() if until > now}
        if nonce in used:
            return False
        used[nonce] = usable_until
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(used))
        temporary.chmod(0o600)
        temporary.replace(self.path)
        return True
