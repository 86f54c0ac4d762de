"""Support requests raised at an endpoint through its installed Jump Client.

``jump-client request-support`` asks for help; representatives who may see the item are
told at once and one of them takes it, which starts a session on the item. Whether that
session is *elevated* — through the installed Jump Client, with the item's session
policies — or a *normal* support session (view only: no command shell, no files, no
system information) is the site's "allow ad-hoc sessions from existing Jump Clients".
"""

from __future__ import annotations

from pydantic import Field

from domain._types import Model, Str0_1000, UtcDateTime
from domain.enums import ScreenSharing
from domain.session_policy import ResolvedPermissions

#: how long a request waits for a representative before it lapses
REQUEST_TTL_MINUTES = 60


class SupportRequest(Model):
    id: str = Field(min_length=1, max_length=32)
    item_id: int
    item_name: str
    console_user: str = ""
    message: Str0_1000 = ""
    elevated: bool
    requested_at: UtcDateTime


class SupportEvent(Model):
    """Live feed: a request is ``new``, raised ``again``, or ``taken`` by a representative."""

    type: str = "support"
    event: str
    request: SupportRequest


def normal_session(permissions: ResolvedPermissions) -> ResolvedPermissions:
    """What a normal (not elevated) support session may do: look, with the user, no more."""
    return permissions.model_copy(
        update={
            "command_shell": False,
            "file_transfer_upload": False,
            "file_transfer_download": False,
            "system_info": False,
            "prompt_end_user": False,
            "screen_sharing": (
                ScreenSharing.NOT_ALLOWED
                if permissions.screen_sharing is ScreenSharing.NOT_ALLOWED
                else ScreenSharing.VIEW_ONLY
            ),
        }
    )
