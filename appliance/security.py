"""Secrets: password and client-secret hashes, bearer tokens. Nothing here logs a secret."""

from __future__ import annotations

import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1


def _derive(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    """The one place a secret is hashed (scrypt): the costly step of every check."""
    return hashlib.scrypt(secret.encode(), salt=salt, n=n, r=r, p=p, dklen=32)


def hash_secret(secret: str) -> str:
    """A salted scrypt hash of ``secret``, self-describing for later verification."""
    salt = secrets.token_bytes(16)
    digest = _derive(secret, salt, _N, _R, _P)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def _no_account() -> str:
    """A hash that no secret matches, at the cost of the appliance's own hashes: checked in
    place of an account that does not exist, so that an unknown name is answered after
    the same work, and in the same time, as a wrong secret of a known one."""
    return f"scrypt${_N}${_R}${_P}${secrets.token_hex(16)}${secrets.token_hex(32)}"


def verify_secret(secret: str, stored: str | None) -> bool:
    """True when ``secret`` matches ``stored``; constant time in the digest comparison.

    ``stored`` None (no such account) costs the same hashing and is never a match.
    """
    known = stored is not None
    try:
        kind, n, r, p, salt, digest = (stored or _no_account()).split("$")
        if kind != "scrypt":
            return False
        candidate = _derive(secret, bytes.fromhex(salt), int(n), int(r), int(p))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(candidate.hex(), digest) and known


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Tokens are stored only as this hash, so a copy of the database grants nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_installer_key() -> str:
    return secrets.token_hex(16)
