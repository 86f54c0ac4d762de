"""Handles on Jump Clients the appliance can ask things of: connected here, held by another
node, passive, or the demo fleet's stand-ins; and the registry that finds the right one."""

from __future__ import annotations

from appliance.agents.handle import (
    AgentError,
    AgentHandle,
    NodesUnavailable,
    PresenceAnswer,
    Transfer,
    unreachable,
)
from appliance.agents.registry import AgentRegistry

__all__ = [
    "AgentError",
    "AgentHandle",
    "AgentRegistry",
    "NodesUnavailable",
    "PresenceAnswer",
    "Transfer",
    "unreachable",
]
