"""``PercentSparkline``: recent percentages on a fixed 0–100 % scale, one cell per sample.

Textual's ``Sparkline`` scales from the lowest to the highest sample: a disk steady at 86 %
draws flat at the bottom and a CPU between 17 and 19 % swings full height. Here the height of
a bar is the value itself, and samples at or above the warning and critical marks take the
theme's warning and critical styles (bold and reverse where there is no colour).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

#: a bar for 0 % … 100 %: the lowest is never blank, so a quiet machine still shows a line
BARS = "▁▂▃▄▅▆▇█"


def bar(value: float) -> str:
    """The bar of one percentage on the fixed 0–100 % scale."""
    clamped = min(100.0, max(0.0, value))
    return BARS[round(clamped / 100 * (len(BARS) - 1))]


class PercentSparkline(Widget):
    """The last samples of a percentage, oldest first (as many as fit; the parent calls
    :meth:`show`)."""

    COMPONENT_CLASSES = {
        "percent-sparkline--bar",
        "percent-sparkline--warn",
        "percent-sparkline--critical",
    }

    DEFAULT_CSS = """
    PercentSparkline {
        height: 1;
        & > .percent-sparkline--bar { color: $primary; }
        & > .percent-sparkline--warn { color: $level-warn; text-style: $level-warn-style; }
        & > .percent-sparkline--critical {
            color: $level-critical; text-style: $level-critical-style;
        }
    }
    """

    data: reactive[tuple[float, ...]] = reactive(())

    def __init__(
        self,
        *,
        warn: float,
        critical: float,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's keyword
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.warn = warn
        self.critical = critical

    def show(self, samples: Sequence[float]) -> None:
        self.data = tuple(samples)

    def level(self, value: float) -> str:
        """``critical``, ``warn`` or ``bar``: which mark a sample reached."""
        if value >= self.critical:
            return "critical"
        if value >= self.warn:
            return "warn"
        return "bar"

    def render(self) -> Text:
        width = max(1, self.size.width)
        samples = self.data[-width:]
        text = Text(no_wrap=True, overflow="crop")
        for value in samples:
            style = self.get_component_rich_style(f"percent-sparkline--{self.level(value)}")
            text.append(bar(value), style)
        return text
