"""What the commands print: text made visible (no raw control characters), and JSON."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

from wizard.visible import json_text, visible


def out(text: str = "") -> None:
    print(visible(text, lines=True))


def err(text: str) -> None:
    print(visible(text, lines=True), file=sys.stderr)


def json_out(value: Any) -> None:
    print(json_text(value, indent=2))


def json_lines(values: Iterator[Any]) -> None:
    """A JSON array, printed an item at a time (a listing may hold a million customers)."""
    n = -1
    for n, value in enumerate(values):
        print(("," if n else "[") + "\n  " + json_text(value, indent=2).replace("\n", "\n  "), end="")
    print("[]" if n < 0 else "\n]")
