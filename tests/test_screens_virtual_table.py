"""The list's table widget: its first frame already holds the rows it was given when it was mounted."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from textual.app import App, ComposeResult
from textual.strip import Strip

from screens.widgets.virtual_table import Column, VirtualTable


@dataclass(frozen=True)
class Row:
    key: str
    name: str
    tone: str = ""


ROWS = [Row(f"C{n:07}", f"Customer {n}") for n in range(1, 41)]


class Listing(App[None]):
    """A table shown its first rows in `on_mount`, as the Customers list does before its first frame."""

    def compose(self) -> ComposeResult:
        yield VirtualTable([Column("key", "Key", 8), Column("name", "Name", 10, flex=1)],
                           lambda row: (row.key, row.name))

    def on_mount(self) -> None:
        self.query_one(VirtualTable).show(len(ROWS), lambda offset, limit: ROWS[offset:offset + limit], ROWS)


async def test_the_first_frame_draws_the_rows_before_the_table_hears_of_its_size(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual draws the first frame before a widget's Resize: the columns are fitted in the drawing itself, or that
    frame (what a person sees first at launch) shows a blank table until the next one, 40 ms later."""
    first: list[str] = []
    draw = VirtualTable.render_line

    def watched(table: VirtualTable, y: int) -> Strip:
        strip = draw(table, y)
        if table.total and not first:
            first.append(draw(table, 1).text)
        return strip

    monkeypatch.setattr(VirtualTable, "render_line", watched)
    async with Listing().run_test(size=(60, 10)):
        pass
    assert first and "C0000001" in first[0] and "Customer 1" in first[0]
