"""The tool's key pairs: the private key signs the tool's token requests to the LMS, the public keys are its JWKS.

They live in ``<course>/lms/keys/``, one PEM file per key named by its key id (``kid``), readable by the course
folder's owner only (folder 0700, files 0600). The newest key signs; every key still in the folder is published
in the JWKS (``/hub/lti13/jwks``, the URL the LMS is given), so rolling a key breaks nothing: the LMS finds the
new key there at its next fetch, and tokens signed with the old one stay checkable until it is retired::

    python -m utils.instructor lti-keys            # make the first key if none, print the JWKS
    python -m utils.instructor lti-keys --roll     # a new key signs from now on; the old one stays published
    python -m utils.instructor lti-keys --retire KID

Launches do not use these keys (the LMS signs a launch with its own key), so no roll can break one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_BITS = 2048


class ToolKeyError(RuntimeError):
    """A key operation that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class ToolKey:
    kid: str
    private_pem: str

    def public_jwk(self) -> dict:
        from jwt.algorithms import RSAAlgorithm

        private = serialization.load_pem_private_key(self.private_pem.encode(), password=None)
        jwk = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}


def _new_kid() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


class ToolKeys:
    """The key pairs in ``folder`` (the course's ``lms/keys``), oldest first by key id."""

    def __init__(self, folder):
        self.folder = Path(folder)

    @classmethod
    def of_course(cls, course_root) -> "ToolKeys":
        return cls(Path(course_root) / "lms" / "keys")

    def keys(self) -> list[ToolKey]:
        if not self.folder.is_dir():
            return []
        return [ToolKey(path.stem, path.read_text()) for path in sorted(self.folder.glob("*.pem"))]

    def current(self) -> ToolKey:
        """The key that signs: the newest; the first is made when there is none."""
        keys = self.keys()
        return keys[-1] if keys else self.roll()

    def roll(self) -> ToolKey:
        """Make a new key pair, which signs from now on; the older keys stay published until retired."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)
        kid = _new_kid()
        while (self.folder / f"{kid}.pem").exists():
            kid = _new_kid()
        private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
        pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
        path = self.folder / f"{kid}.pem"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(pem)
        return ToolKey(kid, pem)

    def retire(self, kid: str) -> None:
        """Stop publishing (and delete) the key ``kid``; the key that signs cannot be retired."""
        keys = {key.kid: key for key in self.keys()}
        if kid not in keys:
            raise ToolKeyError(f"no key {kid!r} in {self.folder}; the keys are {', '.join(keys) or 'none'}")
        if kid == self.keys()[-1].kid:
            raise ToolKeyError(f"{kid!r} is the key that signs; roll a new one first (lti-keys --roll), then "
                               "retire this one once the LMS has fetched the new JWKS")
        (self.folder / f"{kid}.pem").unlink()

    def jwks(self) -> dict:
        """The public keys, as the JWKS the LMS fetches (no private part)."""
        return {"keys": [key.public_jwk() for key in self.keys()]}
