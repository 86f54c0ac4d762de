"""``DetailsPane``: every field of the highlighted item, live statistics and their history."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from domain import Status
from domain.columns import CRITICAL, WARN
from domain.text import visible
from widgets.jump_table import STATUS_GLYPH
from widgets.percent_sparkline import PercentSparkline
from widgets.thumbnail import thumbnail_text

LEVEL_STYLE = {
    "warn": "details--warn",
    "critical": "details--critical",
    "good": "details--good",
    "bad": "details--bad",
}


@dataclass(frozen=True, slots=True)
class DetailField:
    label: str
    value: str
    level: str = ""  # "", "warn", "critical", "good", "bad"


@dataclass(frozen=True, slots=True)
class DetailsView:
    """What the pane shows; the console builds it from the item and the site's rules."""

    title: str
    status: Status
    sections: Sequence[tuple[str, Sequence[DetailField]]]
    cpu_history: Sequence[float] = field(default_factory=tuple)
    disk_history: Sequence[float] = field(default_factory=tuple)
    thumbnail: str | None = None


def _history_label(what: str, samples: int, spark: PercentSparkline) -> str:
    """Says what the bars mean: the scale is fixed, so a steady value draws a steady line."""
    return (
        f"{what} history, last {samples} samples (0–100 %; "
        f"high from {spark.warn:.0f} %, critical from {spark.critical:.0f} %)"
    )


def hanging(value: str, indent: int, width: int) -> str:
    """``value`` wrapped to ``width`` cells with every line after the first ``indent`` cells
    in, under the value's column (not back at column 0); as it is when the width is unknown
    or too narrow to help."""
    room = width - indent
    if width <= 0 or room < 12 or len(value) <= room:
        return value
    lines = textwrap.wrap(value, room, break_long_words=True, break_on_hyphens=False)
    return ("\n" + " " * indent).join(lines)


class DetailsPane(VerticalScroll):
    """Shows one ``DetailsView``; the parent calls :meth:`show` (None: nothing highlighted).

    Its text is built with the theme's styles, so a theme change builds it again."""

    COMPONENT_CLASSES = {
        "details--title",
        "details--section",
        "details--label",
        "details--warn",
        "details--critical",
        "details--good",
        "details--bad",
    }

    DEFAULT_CSS = """
    DetailsPane {
        height: 1fr;
        background: $surface;
        border-top: solid $panel;
        padding: 0 1;
        & > .details--title { text-style: bold; color: $foreground; }
        & > .details--section { text-style: bold; color: $primary; }
        & > .details--label { color: $foreground 70%; }
        & > .details--warn { color: $level-warn; text-style: $level-warn-style; }
        & > .details--critical { color: $level-critical; text-style: $level-critical-style; }
        & > .details--good { color: $status-online; }
        & > .details--bad { color: $status-lost; text-style: $status-lost-style; }
        & > PercentSparkline { margin: 0 0 1 0; }
        & > .spark-label { height: 1; color: $foreground 70%; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static("Highlight a Jump Item to see its details.", id="details-text", markup=False)
        yield Static("CPU history", classes="spark-label", id="cpu-label", markup=False)
        yield PercentSparkline(warn=WARN["cpu"], critical=CRITICAL["cpu"], id="cpu-spark")
        yield Static("Disk history", classes="spark-label", id="disk-label", markup=False)
        yield PercentSparkline(warn=WARN["disk"], critical=CRITICAL["disk"], id="disk-spark")
        yield Static("", id="thumbnail", markup=False)

    _view: DetailsView | None = None
    #: the lines of the text shown, when each fits the width (-1: unknown). A shorter text
    #: is shown as tall (the history and the screen below stay where they are), so moving the
    #: highlight draws no layout of the whole screen (20-45 ms at 100,000 items, in the way
    #: of the next key typed); only a taller text, or one that wraps, lays the screen out
    _lines = -1
    #: the thumbnail's source shown last (a screen's text is built again only when it changed)
    _thumbnail: tuple[str | None] | None = None

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._repaint())

    _width = 0

    def on_resize(self) -> None:
        # long values wrap under their column, at the new width; a new height (the pane's
        # content grew or shrank) changes nothing shown, and showing again costs a layout
        if self.content_region.width != self._width:
            self._width = self.content_region.width
            self._repaint()

    def _repaint(self) -> None:
        if self._view is not None:
            self.show(self._view)

    def _style(self, name: str) -> str:
        style = self.get_component_rich_style(name, partial=True)
        return str(style) if style else ""

    def show(self, view: DetailsView | None) -> None:
        self._view = view
        text_widget = self.query_one("#details-text", Static)
        sparks = [
            self.query_one(s) for s in ("#cpu-label", "#cpu-spark", "#disk-label", "#disk-spark")
        ]
        if view is None:
            text_widget.update("No Jump Item is highlighted.")
            for widget in sparks:
                widget.display = False
            self.query_one("#thumbnail", Static).update("")
            self._lines, self._thumbnail = -1, None
            return
        # Everything here may come from the item's endpoint: shown, never interpreted.
        text = Text()
        text.append(visible(view.title), style=self._style("details--title"))
        text.append(f"  —  {STATUS_GLYPH[view.status]} {view.status.word}\n")
        label_style = self._style("details--label")
        for heading, fields in view.sections:
            text.append(f"\n{heading}\n", style=self._style("details--section"))
            width = max((len(f.label) for f in fields), default=0)
            indent = 2 + width + 2
            for f in fields:
                text.append(f"  {f.label.ljust(width)}  ", style=label_style)
                level = LEVEL_STYLE.get(f.level)
                value = hanging(visible(f.value), indent, text_widget.content_region.width)
                text.append(f"{value}\n", style=self._style(level) if level else "")
        lines = text.plain.split("\n")
        width = text_widget.content_region.width
        fits = width > 0 and all(cell_len(line) <= width for line in lines)
        if fits and len(lines) < self._lines:  # as tall as the text before: nothing below moves
            text.append("\n" * (self._lines - len(lines)))
        # a new item's values or a statistic's new figure: the same height, no layout
        text_widget.update(text, layout=not fits or len(lines) > self._lines)
        self._lines = max(len(lines), self._lines) if fits else -1
        cpu_label, cpu_spark, disk_label, disk_spark = sparks
        for what, history, label, spark in (
            ("CPU", view.cpu_history, cpu_label, cpu_spark),
            ("Disk", view.disk_history, disk_label, disk_spark),
        ):  # each shown only with a history (none: the site does not select it)
            label.display = spark.display = len(history) > 1
            if len(history) > 1:
                assert isinstance(spark, PercentSparkline) and isinstance(label, Static)
                spark.show(history)
                label.update(_history_label(what, len(history), spark), layout=False)
        if self._thumbnail != (view.thumbnail,):
            self._thumbnail = (view.thumbnail,)
            self.query_one("#thumbnail", Static).update(thumbnail_text(view.thumbnail))
