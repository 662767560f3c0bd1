"""CSS classes set only when that changes them.

Textual restyles a node and every node under it on each `set_class`, `add_class` or `remove_class`, even of a class
the node already has or lacks (assigning `classes` it skips when nothing changes): the customer screen set its own
classes on every redraw and so restyled its whole tree each time (a save, a refresh, a second's tick)."""

from __future__ import annotations

from textual.dom import DOMNode


def set_class(node: DOMNode, on: bool, *names: str) -> None:
    """`node.set_class(on, *names)`, if that changes a class of `node`."""
    if any(node.has_class(name) != on for name in names):
        node.set_class(on, *names)

