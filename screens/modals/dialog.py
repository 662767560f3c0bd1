"""The frame of the app's questions: a bordered box in the middle, its title, a scrolling body, buttons on the
right."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.binding import BindingType
from textual.screen import ModalScreen
from textual.widget import Widget

from screens.palette import HELP

Answer = TypeVar("Answer")


class Dialog(ModalScreen[Answer]):
    """A question's frame (its subclasses lay out #dialog > #title, #body, #buttons); f1 first in its footer."""

    BINDINGS: ClassVar[list[BindingType]] = [HELP]

    CSS_PATH = ["dialog.tcss"]  # a list, as its subclasses' (the dialog's file, then their own)

    BODY_LINES: ClassVar[int] = 16
    """The most lines the body shows; fewer in a short terminal, so that the buttons stay on screen."""

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_body)

    def _fit_body(self) -> None:
        """Give the body what the screen has left after the footer, the frame and the other parts of the box."""
        for body in self.query("#dialog > #body"):  # none once the dialog is answered and gone
            dialog = body.parent
            assert isinstance(dialog, Widget)
            others = sum(child.outer_size.height + child.styles.margin.height
                         for child in dialog.children if child is not body and child.display)
            room = self.size.height - 3 - dialog.styles.gutter.height - others  # the footer, a line above and below
            body.styles.max_height = max(3, min(self.BODY_LINES, room))
