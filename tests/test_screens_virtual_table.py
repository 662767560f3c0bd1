"""The list's table widget: its first frame already holds the rows it was given when it was mounted, and a narrow
table keeps the column it is sorted by."""

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
    brand: str = "Brand"
    otp: str = "4 h"
    tone: str = ""


ROWS = [Row(f"C{n:07}", f"Customer {n}") for n in range(1, 41)]
COLUMNS = [Column("key", "Key", 8), Column("name", "Name", 10, flex=1), Column("brand", "Brand", 10, drop=2),
           Column("otp", "OTP", 5, drop=1)]
"""38 cells wide at their narrowest: the brand goes first, then the passcode's time left."""


class Listing(App[None]):
    """A table shown its first rows in `on_mount`, as the Customers list does before its first frame."""

    def compose(self) -> ComposeResult:
        yield VirtualTable(COLUMNS, lambda row: (row.key, row.name, row.brand, row.otp))

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


async def test_a_narrow_table_keeps_the_column_it_is_sorted_by_and_its_arrow() -> None:
    app = Listing()
    async with app.run_test(size=(36, 10)) as pilot:  # room for 34 cells: one column must go
        table = app.query_one(VirtualTable)
        assert [c.id for c, _ in table.shown_columns] == ["key", "name", "otp"]
        table.sort = ("brand", False)
        table.refresh()
        await pilot.pause()
        assert [c.id for c, _ in table.shown_columns] == ["key", "name", "brand"]  # the time left goes instead
        assert "Brand ▲" in table.render_line(0).text
        table.sort = None
        assert [c.id for c, _ in table.shown_columns] == ["key", "name", "otp"]
