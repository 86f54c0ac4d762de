"""The Jump Clients' own credentials: an id and a secret, issued at installation, checked
on every request and connection, revoked at uninstallation. Only the secret's hash is
kept."""

from __future__ import annotations

import base64
import binascii
import secrets

from appliance.db import Repository
from appliance.security import token_hash
from domain.protocol.agent import Credentials


class UnknownClient(Exception):
    """The credentials are not those of a Jump Client the appliance knows (it may have
    been deleted)."""


def issue(repo: Repository, jump_client_id: int, installer_id: str) -> str:
    """A new secret for the client (inside the caller's transaction); only its hash is kept."""
    secret = secrets.token_urlsafe(32)
    repo.add_agent_credential(jump_client_id, token_hash(secret), installer_id)
    return secret


def verify(repo: Repository, creds: Credentials) -> None:
    """Raise :class:`UnknownClient` unless the secret is the client's."""
    known = repo.agent_secret_hash(creds.jump_client_id)
    if known is None or known != token_hash(creds.secret):
        raise UnknownClient(creds.jump_client_id)


def revoke(repo: Repository, jump_client_id: int) -> None:
    """The client's secret no longer opens anything (inside the caller's transaction)."""
    repo.delete_agent_credential(jump_client_id)


def from_basic_auth(header: str) -> Credentials | None:
    """Credentials given as HTTP Basic (``id:secret``); None when absent or unreadable."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        given_id, _, given_secret = base64.b64decode(encoded).decode().partition(":")
        return Credentials(jump_client_id=int(given_id), secret=given_secret)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return None
