"""``GroupTree``: Jump Groups and personal lists, with their tags, and counts per node."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from domain import JumpGroupType
from domain.text import visible

GroupKey = tuple[JumpGroupType, int]
#: What a node narrows the list to: (group or None for everything, tag or None).
Scope = tuple[GroupKey | None, str | None]
ALL: Scope = (None, None)


@dataclass(frozen=True, slots=True)
class TreeGroup:
    """One group node as the parent wants it shown."""

    key: GroupKey
    label: str
    total: int
    online: int
    tags: Sequence[tuple[str, int, int]] = field(default_factory=tuple)


def _label(name: str, online: int, total: int) -> str:
    return f"{name}  {online:,}/{total:,}"


class GroupTree(Tree[Scope]):
    """Groups and tags; highlighting a node posts ``ScopeChanged`` (the list narrows)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", show=False, id="tree.select"),
        Binding("space", "toggle_node", "Expand", show=False, id="tree.toggle"),
    ]

    DEFAULT_CSS = """
    GroupTree {
        width: 34;
        background: $surface;
        border-right: solid $panel;
        padding: 0 1 0 0;
    }
    """

    class ScopeChanged(Message):
        def __init__(self, tree: GroupTree, scope: Scope) -> None:
            super().__init__()
            self.tree = tree
            self.scope = scope

        @property
        def control(self) -> GroupTree:
            return self.tree

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's keyword
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            _label("All Jump Items", 0, 0),
            data=ALL,
            name=name,
            id=id,
            classes=classes,
            disabled=disabled,
        )
        self.show_root = True
        self.guide_depth = 2
        self._shape: tuple[object, ...] = ()
        self._scope_nodes: dict[Scope, TreeNode[Scope]] = {}
        self._scope: Scope = ALL

    def process_label(self, label: str | Text) -> Text:
        """Group names and tags are data: shown as they are, never read as markup, and
        control characters as escapes."""
        if isinstance(label, str):
            label = Text(visible(label))
        return super().process_label(label)

    def show_groups(self, groups: Sequence[TreeGroup], online: int, total: int) -> None:
        """Show ``groups`` (in order) with their counts; keeps the cursor on its scope."""
        self.root.set_label(_label("All Jump Items", online, total))
        shape = tuple((g.key, g.label, tuple(t[0] for t in g.tags)) for g in groups)
        if shape == self._shape:
            for group in groups:
                self._scope_nodes[(group.key, None)].set_label(
                    _label(group.label, group.online, group.total)
                )
                for tag, tag_total, tag_online in group.tags:
                    self._scope_nodes[(group.key, tag)].set_label(
                        _label(tag, tag_online, tag_total)
                    )
            return
        self._shape = shape
        self.root.remove_children()
        self._scope_nodes = {ALL: self.root}
        for group in groups:
            node = self.root.add(
                _label(group.label, group.online, group.total), data=(group.key, None), expand=False
            )
            self._scope_nodes[(group.key, None)] = node
            for tag, tag_total, tag_online in group.tags:
                leaf = node.add_leaf(_label(tag, tag_online, tag_total), data=(group.key, tag))
                self._scope_nodes[(group.key, tag)] = leaf
        self.root.expand()
        current = self._scope_nodes.get(self._scope)
        if current is not None:
            self.move_cursor(current)

    def focus_scope(self, scope: Scope) -> bool:
        """Move the cursor to ``scope``'s node (False when there is none)."""
        node = self._scope_nodes.get(scope)
        if node is None:
            return False
        if node.parent is not None:
            node.parent.expand()
        self.move_cursor(node)
        self._set_scope(scope)
        return True

    def scopes(self) -> list[tuple[GroupKey, str | None]]:
        """Every group (tag None) and tag the tree shows, in its order (not the "all" root)."""
        return [(key, tag) for key, tag in self._scope_nodes if key is not None]

    def find(self, words: str) -> Scope | None:
        """The first group (or tag, as ``group/tag`` or a bare tag) whose label matches."""
        wanted = words.strip().lower()
        for scope, node in self._scope_nodes.items():
            label = str(node.label).rsplit("  ", 1)[0].lower()
            if scope[1] is None and scope != ALL and (label == wanted or label.startswith(wanted)):
                return scope
        for scope in self._scope_nodes:
            if scope[1] is not None and scope[1].lower() == wanted:
                return scope
        return None

    def _set_scope(self, scope: Scope) -> None:
        if scope != self._scope:
            self._scope = scope
            self.post_message(self.ScopeChanged(self, scope))

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[Scope]) -> None:
        event.stop()
        if event.node.data is not None:
            self._set_scope(event.node.data)

    def on_tree_node_selected(self, event: Tree.NodeSelected[Scope]) -> None:
        event.stop()
        if event.node.data is not None:
            self._set_scope(event.node.data)
