"""Label/value lines, the labels aligned: a value too long for the line goes on under itself, never back to the
first column."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Static


def pairs_content(rows: Sequence[tuple[str, str]], width: int, label_style: str = "dim",
                  label_width: int = 0) -> Content:
    """`rows` in `width` cells: each label padded to the longest (or `label_width`), each value wrapped in the
    cells right of it."""
    if not rows:
        return Content("")
    longest = max(len(label) for label, _ in rows) + 2
    indent = max(label_width, min(longest, width // 3))  # a third of the line at most: a longer label stands alone
    room = max(10, width - indent)
    lines: list[Content] = []
    for label, value in rows:
        wrapped = [line for part in value.splitlines() or [""]
                   for line in textwrap.wrap(part, room, break_on_hyphens=False) or [""]]
        if len(label) + 2 > indent:
            lines += [Content.styled(label, label_style), Content(" " * indent + wrapped[0])]
        else:
            lines.append(Content.assemble((label.ljust(indent), label_style), wrapped[0]))
        lines += [Content(" " * indent + line) for line in wrapped[1:]]
    return Content("\n").join(lines)


class Pairs(Static):
    """Label/value lines that wrap each value under itself at the widget's width."""

    def __init__(self, rows: Sequence[tuple[str, str]] = (), *, label_style: str = "dim", label_width: int = 0,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows, self._label_style, self._label_width = list(rows), label_style, label_width
        self._empty = ""

    def show(self, rows: Sequence[tuple[str, str]], *, empty: str = "") -> None:
        """Show `rows`, or the words `empty` when there are none."""
        self._rows, self._empty = list(rows), empty
        self._draw()

    def on_mount(self) -> None:
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        width = self.content_size.width or self.app.size.width
        self.update(pairs_content(self._rows, width, self._label_style, self._label_width) if self._rows
                    else Content(self._empty))
