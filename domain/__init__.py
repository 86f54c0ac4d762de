"""The domain core: models of every resource and the pure rules. No IO, no clock reads."""

from __future__ import annotations

from domain._types import UtcDateTime, format_utc, is_code_name
from domain.access import AccessContext, Action, build_access
from domain.enums import (
    ApiAccess,
    AutomaticUpgrades,
    ConnectionType,
    InstallMode,
    JumpGroupType,
    Permission,
    ScreenSharing,
    SimultaneousJumps,
    SiteSimultaneousJumps,
    StartMode,
    Statistic,
    Status,
    TeamRank,
    UnavailableReason,
    UninstalledBehavior,
    UpgradeState,
)
from domain.filters import Filter, FilterError, Subject
from domain.groups import JumpGroup, JumpGroupCreate, JumpGroupMember, JumpGroupUpdate, JumpItemRole
from domain.installer import Installer, InstallerCreate
from domain.jump_client import (
    Gateway,
    JumpClient,
    JumpClientCopy,
    JumpClientUpdate,
    Stats,
    status_of,
)
from domain.jump_policy import JumpPolicy, JumpPolicyCreate, JumpPolicyUpdate, WindowState
from domain.schedule import Schedule, ScheduleEntry
from domain.session_policy import (
    Permissions,
    ResolvedPermissions,
    SessionPolicy,
    SessionPolicyCreate,
    SessionPolicyUpdate,
    resolve_permissions,
)
from domain.site import JumpClientSettings, JumpClientSettingsUpdate, PublicSite
from domain.users import ApiAccount, Team, TeamMember, User

__all__ = [
    "AccessContext",
    "Action",
    "ApiAccess",
    "ApiAccount",
    "AutomaticUpgrades",
    "ConnectionType",
    "Filter",
    "FilterError",
    "Gateway",
    "InstallMode",
    "Installer",
    "InstallerCreate",
    "JumpClient",
    "JumpClientCopy",
    "JumpClientSettings",
    "JumpClientSettingsUpdate",
    "JumpClientUpdate",
    "JumpGroup",
    "JumpGroupCreate",
    "JumpGroupMember",
    "JumpGroupType",
    "JumpGroupUpdate",
    "JumpItemRole",
    "JumpPolicy",
    "JumpPolicyCreate",
    "JumpPolicyUpdate",
    "Permission",
    "Permissions",
    "PublicSite",
    "ResolvedPermissions",
    "Schedule",
    "ScheduleEntry",
    "ScreenSharing",
    "SessionPolicy",
    "SessionPolicyCreate",
    "SessionPolicyUpdate",
    "SimultaneousJumps",
    "SiteSimultaneousJumps",
    "StartMode",
    "Statistic",
    "Stats",
    "Status",
    "Subject",
    "Team",
    "TeamMember",
    "TeamRank",
    "UnavailableReason",
    "UninstalledBehavior",
    "UpgradeState",
    "User",
    "UtcDateTime",
    "WindowState",
    "build_access",
    "format_utc",
    "is_code_name",
    "resolve_permissions",
    "status_of",
]
