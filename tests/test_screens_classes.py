"""screens.classes: a class is set or removed only when that changes it (Textual restyles a node's whole subtree on
every set, changed or not)."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from screens.classes import set_class


def test_a_class_already_set_or_absent_restyles_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    node = Static()
    restyled: list[frozenset[str]] = []
    monkeypatch.setattr(node, "update_node_styles", lambda animate=True: restyled.append(node.classes))
    set_class(node, True, "-shown")
    set_class(node, True, "-shown")
    set_class(node, True, "-shown", "-block")
    set_class(node, False, "-gone")
    set_class(node, False, "-shown", "-block")
    set_class(node, False, "-shown")
    assert restyled == [frozenset({"-shown"}), frozenset({"-shown", "-block"}), frozenset()]
