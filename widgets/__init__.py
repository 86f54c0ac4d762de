"""Reusable Textual widgets of the console. They take models, post messages, and know
nothing of the network."""

from __future__ import annotations

from widgets.details import DetailField, DetailsPane, DetailsView
from widgets.filter_bar import FilterBar
from widgets.group_tree import ALL, GroupTree, Scope, TreeGroup
from widgets.jump_table import STATUS_GLYPH, JumpTable, TableSource
from widgets.shown import DropControls
from widgets.status_bar import StatusBar
from widgets.terminal import Terminal
from widgets.terminal_session import TerminalSession

__all__ = [
    "ALL",
    "STATUS_GLYPH",
    "DetailField",
    "DetailsPane",
    "DetailsView",
    "DropControls",
    "FilterBar",
    "GroupTree",
    "JumpTable",
    "Scope",
    "StatusBar",
    "TableSource",
    "Terminal",
    "TerminalSession",
    "TreeGroup",
]
