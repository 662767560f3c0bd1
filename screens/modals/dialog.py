"""The frame of the app's questions: a bordered box in the middle, its title, a scrolling body, buttons on the
right."""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

Answer = TypeVar("Answer")


class Dialog(ModalScreen[Answer]):
    """A question's frame (its subclasses lay out #dialog > #title, #body, #buttons)."""

    CSS_PATH = ["dialog.tcss"]  # a list, as its subclasses' (the dialog's file, then their own)
