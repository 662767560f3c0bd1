"""A table that holds only the rows on screen: it asks a fetch function for the page it is about to draw.

DataTable keeps every row as a widget-side object and stalls for seconds at 100,000 rows; this one draws lines
(the Line API), so its cost depends on the terminal's height, not on the number of customers. The header line
stays put, the scrollbar is sized by the total, and the cursor moves by keyboard or mouse.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

PREFETCH = 2
"""Pages read around the visible one, in screen heights, so that scrolling a line rarely asks for data."""


@dataclass(frozen=True)
class Column:
    """One column: `width` is its minimum, `flex` its share of spare width; higher `drop` goes first when
    the terminal is too narrow for every column (0: never dropped)."""

    id: str
    title: str
    width: int
    flex: int = 0
    drop: int = 0
    toned: bool = False
    """Drawn in the row's tone (the others stay plain)."""


class TableRow(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def tone(self) -> str: ...


Fetch = Callable[[int, int], Sequence[TableRow]]
"""(offset, limit) -> rows offset..offset+limit of the current listing."""
Cells = Callable[[Any], Sequence[str]]
"""A row's text for each column, in column order."""


class VirtualTable(ScrollView, can_focus=True):
    """Rows drawn from `fetch` a page at a time; `total` sizes the scrollbar."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-table--header", "virtual-table--sorted", "virtual-table--cursor", "virtual-table--urgent",
        "virtual-table--action", "virtual-table--done", "virtual-table--empty",
    }
    DEFAULT_CSS = """
    VirtualTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        scrollbar-gutter: stable;
        overflow-x: hidden;
        & > .virtual-table--header { background: $panel; text-style: bold; color: $foreground; }
        & > .virtual-table--sorted { background: $panel; text-style: bold; color: $accent; }
        & > .virtual-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .virtual-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .virtual-table--urgent { color: $text-error; }
        & > .virtual-table--action { color: $text-warning; }
        & > .virtual-table--done { color: $text-success; }
        & > .virtual-table--empty { color: $text-muted; text-style: italic; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
    ]

    cursor: reactive[int] = reactive(0, init=False)

    class Highlighted(Message):
        """The cursor moved to another row."""

        def __init__(self, table: VirtualTable, index: int, key: str | None) -> None:
            super().__init__()
            self.table, self.index, self.key = table, index, key

    class Selected(Message):
        """A row was chosen (`select()`, or a click on the highlighted row, or a double click)."""

        def __init__(self, table: VirtualTable, index: int, key: str) -> None:
            super().__init__()
            self.table, self.index, self.key = table, index, key

    class HeaderClicked(Message):
        """A column title was clicked."""

        def __init__(self, table: VirtualTable, column: str) -> None:
            super().__init__()
            self.table, self.column = table, column

    def __init__(self, columns: Sequence[Column], cells: Cells, *, empty: str = "Nothing to show.",
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = tuple(columns)
        self._cells = cells
        self.empty = empty
        self.total = 0
        self.sort: tuple[str, bool] | None = None
        """Column id and whether descending, marked in the header."""
        self._fetch: Fetch = lambda offset, limit: ()
        self._start = 0
        self._rows: list[TableRow] = []
        self._layout: tuple[tuple[int, str | None], list[tuple[Column, int]]] = ((-1, None), [])
        """The width and sorted column the columns were fitted for, and each column's width."""

    # -- data ------------------------------------------------------------------------------------------

    def show(self, total: int, fetch: Fetch, first: Sequence[TableRow] = (), *, cursor: int = 0) -> None:
        """Show a new listing of `total` rows (`first` are rows 0.. when already read)."""
        self.total, self._fetch = total, fetch
        self._start, self._rows = 0, list(first)
        self.virtual_size = Size(self.size.width, total + 1)
        self.set_reactive(VirtualTable.cursor, max(0, min(cursor, total - 1)))
        self._scroll_into_view()
        self.refresh()
        self.post_message(self.Highlighted(self, self.cursor, self.row_key(self.cursor)))

    def row_at(self, index: int) -> TableRow | None:
        """Row `index` of the listing, read with its neighbours if not held."""
        if not 0 <= index < self.total:
            return None
        if not self._start <= index < self._start + len(self._rows):
            span = max(self.size.height, 1)
            start = max(0, min(index - span * PREFETCH // 2, self.total - span * (PREFETCH + 1)))
            self._start, self._rows = start, list(self._fetch(start, span * (PREFETCH + 1)))
            if not self._start <= index < self._start + len(self._rows):
                return None
        return self._rows[index - self._start]

    def row_key(self, index: int) -> str | None:
        row = self.row_at(index)
        return row.key if row else None

    @property
    def current_key(self) -> str | None:
        return self.row_key(self.cursor)

    # -- cursor ----------------------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_into_view()
        self.refresh()
        self.post_message(self.Highlighted(self, new, self.row_key(new)))

    def _go(self, index: int) -> None:
        if self.total:
            self.cursor = max(0, min(index, self.total - 1))

    def action_move(self, delta: int) -> None:
        self._go(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._go(self.cursor + direction * max(1, self.size.height - 2))

    def action_first(self) -> None:
        self._go(0)

    def action_last(self) -> None:
        self._go(self.total - 1)

    def select(self) -> None:
        """Choose the highlighted row."""
        if (key := self.current_key) is not None:
            self.post_message(self.Selected(self, self.cursor, key))

    def _scroll_into_view(self) -> None:
        visible = max(1, self.size.height - 1)
        top = round(self.scroll_y)
        if self.cursor < top:
            top = self.cursor
        elif self.cursor >= top + visible:
            top = self.cursor - visible + 1
        if top != round(self.scroll_y):
            self.scroll_to(y=top, animate=False, force=True)

    async def _on_click(self, event: events.Click) -> None:
        event.stop()
        if event.y == 0:
            if column := self._column_at(event.x):
                self.post_message(self.HeaderClicked(self, column))
            return
        index = round(self.scroll_y) + event.y - 1
        if not 0 <= index < self.total:
            return
        if index == self.cursor or event.chain > 1:
            self.cursor = index
            self.select()
        else:
            self.cursor = index

    def _column_at(self, x: int) -> str | None:
        left = 1
        for column, width in self.shown_columns:
            if left <= x < left + width + 1:
                return column.id
            left += width + 1
        return None

    # -- drawing ---------------------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, self.total + 1)
        self._scroll_into_view()

    @property
    def shown_columns(self) -> list[tuple[Column, int]]:
        """The columns the table shows at its width, each with its width in cells."""
        return self._columns(self.scrollable_content_region.width)

    def _columns(self, width: int) -> list[tuple[Column, int]]:
        """The columns shown in `width` cells, fitted when the width or the sorted column is new: in the drawing
        itself, as the first frame is drawn before the table hears of its size (a Resize fitting them left that
        frame's rows blank)."""
        fitted_for = (width, self.sort[0] if self.sort else None)
        if self._layout[0] != fitted_for:
            self._layout = (fitted_for, self._fit(*fitted_for))
        return self._layout[1]

    def _fit(self, width: int, sorted_by: str | None) -> list[tuple[Column, int]]:
        """Column widths for `width` cells: drop columns until the minimums fit (never the one `sorted_by`, whose
        arrow tells the order), then share what is left."""
        columns = list(self.columns)
        while sum(c.width + 1 for c in columns) + 1 > width and (
                droppable := [c for c in columns if c.drop and c.id != sorted_by]):
            columns.remove(max(droppable, key=lambda c: c.drop))
        spare = max(0, width - 1 - sum(c.width + 1 for c in columns))
        flex = sum(c.flex for c in columns) or 1
        widths = [c.width + spare * c.flex // flex for c in columns]
        if columns and (rest := spare - sum(w - c.width for c, w in zip(columns, widths, strict=True))) > 0:
            last = max(range(len(columns)), key=lambda i: columns[i].flex)
            widths[last] += rest
        return list(zip(columns, widths, strict=True))

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            return self._header(width)
        index = round(self.scroll_y) + y - 1
        base = self.rich_style
        if self.total == 0:
            text = f" {self.empty}" if y == 1 else ""
            style = self.get_component_rich_style("virtual-table--empty")
            return Strip([Segment(set_cell_size(text, width), style)], width)
        row = self.row_at(index)
        if row is None:
            return Strip.blank(width, base)
        cursor = index == self.cursor
        line = self.get_component_rich_style("virtual-table--cursor") if cursor else base
        toned = line if cursor or row.tone not in ("urgent", "action", "done") else \
            self.get_component_rich_style(f"virtual-table--{row.tone}")
        segments = [Segment(" ", line)]
        layout = self._columns(width)
        for (column, w), text in zip(layout, self._visible(layout, self._cells(row)), strict=True):
            segments += [Segment(_fit_cell(text, w), toned if column.toned else line), Segment(" ", line)]
        return Strip(segments).adjust_cell_length(width, line)

    def _visible(self, layout: list[tuple[Column, int]], cells: Sequence[str]) -> list[str]:
        by_id = dict(zip((c.id for c in self.columns), cells, strict=True))
        return [by_id[column.id] for column, _ in layout]

    def _header(self, width: int) -> Strip:
        plain = self.get_component_rich_style("virtual-table--header")
        segments = [Segment(" ", plain)]
        for column, w in self._columns(width):
            title, style = column.title, plain
            if self.sort and self.sort[0] == column.id:
                arrow = " ▼" if self.sort[1] else " ▲"  # kept whole: the title is cut before it, if need be
                title = (title if cell_len(title) + 2 <= w else set_cell_size(title, max(0, w - 2))) + arrow
                style = self.get_component_rich_style("virtual-table--sorted")
            segments += [Segment(_fit_cell(title, w), style), Segment(" ", plain)]
        return Strip(segments).adjust_cell_length(width, plain)


def _fit_cell(text: str, width: int) -> str:
    """`text` padded or cut to `width` cells, with an ellipsis when cut."""
    text = " ".join(text.split())
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…" if width > 1 else set_cell_size(text, width)

