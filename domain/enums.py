"""Every enumeration of DOMAIN.md, as string enums whose values are the wire words."""

from __future__ import annotations

from enum import StrEnum


class JumpGroupType(StrEnum):
    SHARED = "shared"
    PERSONAL = "personal"


class StartMode(StrEnum):
    """How the end-user client shows itself when a session starts."""

    NORMAL = "normal"
    MINIMIZED = "minimized"
    HIDDEN = "hidden"


class InstallMode(StrEnum):
    UNKNOWN = "unknown"
    USER = "user"
    SERVICE = "service"


class ConnectionType(StrEnum):
    ACTIVE = "active"
    PASSIVE = "passive"
    UNINSTALLED = "uninstalled"


class InstallerConnectionType(StrEnum):
    ACTIVE = "active"
    PASSIVE = "passive"


class UnavailableReason(StrEnum):
    NONE = "none"
    DISABLED = "disabled"


class Status(StrEnum):
    """The one status word of a Jump Item, first that applies in this order."""

    UNINSTALLED = "uninstalled"
    UPGRADING = "upgrading"
    NEEDS_UPDATE = "needs_update"
    DISABLED = "disabled"
    IN_SESSION = "in_session"
    ONLINE = "online"
    PASSIVE = "passive"
    LOST = "lost"
    OFFLINE = "offline"

    @property
    def word(self) -> str:
        """The status as the console shows it and the filter accepts it (``needs update``)."""
        return self.value.replace("_", " ")


class UpgradeState(StrEnum):
    NONE = "none"
    QUEUED = "queued"
    UPGRADING = "upgrading"
    DONE = "done"
    FAILED = "failed"


class SimultaneousJumps(StrEnum):
    GLOBAL = "global"
    JOIN = "join"
    DISALLOW = "disallow"


class SimultaneousJumpsRdp(StrEnum):
    """BeyondTrust's rule for RDP items (Jump Console has none: kept and answered only)."""

    GLOBAL = "global"
    NEW_SESSION = "new_session"
    DISALLOW = "disallow"


class SiteSimultaneousJumps(StrEnum):
    JOIN = "join"
    DISALLOW = "disallow"


class Permission(StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    NOT_DEFINED = "not_defined"


class ScreenSharing(StrEnum):
    VIEW_AND_CONTROL = "view_and_control"
    VIEW_ONLY = "view_only"
    NOT_ALLOWED = "not_allowed"
    NOT_DEFINED = "not_defined"


class PromptAnswer(StrEnum):
    ACCEPT = "accept"
    REFUSE = "refuse"


class Statistic(StrEnum):
    CPU = "cpu"
    CONSOLE_USER = "console_user"
    DISK_USAGE = "disk_usage"
    THUMBNAIL = "thumbnail"
    UPTIME = "uptime"


class AutomaticUpgrades(StrEnum):
    DISABLED = "disabled"
    THIS_VERSION = "this_version"
    ALWAYS = "always"


class UninstalledBehavior(StrEnum):
    KEEP = "keep"
    REMOVE = "remove"


class TeamRank(StrEnum):
    """A representative's place in a team; each rank sees the personal lists of those below."""

    MEMBER = "member"
    LEAD = "lead"
    MANAGER = "manager"

    @property
    def level(self) -> int:
        return _RANK_LEVEL[self]


_RANK_LEVEL = {TeamRank.MEMBER: 0, TeamRank.LEAD: 1, TeamRank.MANAGER: 2}


class ApiAccess(StrEnum):
    """What an API account may do with the Config API."""

    READ_ONLY = "read_only"
    FULL_ACCESS = "full_access"
