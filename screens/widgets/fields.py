"""One form field: its label, the input widget, and the lines under it — the validation message, Twilio's
problem with the value, and approval-readiness findings (warn yellow, block red).

A checkbox or a picker takes what a CRM's auto-type or a pasted row gives it, never as commands: a checkbox
toggles on space or `x` and takes a typed or pasted yes/no word (`true`, `no`…) when it is left; a picker picks
the first choice whose words or value begin with what is typed or pasted.

A field does not validate itself: it tells its form when it was edited or left, and the form checks it
with the pydantic model (the only place rules live) and calls `show_error`.
"""

from __future__ import annotations

from typing import Any, Literal

from rich.cells import cell_len, set_cell_size
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Select, Static, TextArea

from screens.classes import set_class
from screens.ordered_keys import RowCell, clean_text
from wizard.customer.models import yes_or_no
from wizard.desk import Finding

Kind = Literal["input", "area", "select", "check"]


class WrappingTextArea(TextArea):
    """A TextArea that surely wraps its text once it is placed on screen.

    TextArea wraps when it gets a Resize event. On a busy machine a text area mounted into a scrolling form
    was seen to get its size without one, leaving the text unwrapped (and a text area sized to its text one
    line high) until the next resize. So wrap again after the screen's next refreshes, until it has a width.
    (Textual 8.2.8; the campaign-form snapshot catches a regression.)
    """

    def on_mount(self) -> None:
        self._wrap_when_placed()

    def on_resize(self) -> None:
        self._wrap_when_placed()

    def _wrap_when_placed(self, tries: int = 20) -> None:
        def wrap() -> None:
            if self.wrap_width or tries <= 0:
                self._rewrap_and_refresh_virtual_size()
            else:
                self._wrap_when_placed(tries - 1)

        self.call_after_refresh(wrap)


class StartInput(Input):
    """A one-line field that shows the start of its value while another has the focus: a long URL shows its
    host, not its tail (`ttps://…`); an example too long for it is cut with an ellipsis (Textual would wrap it at
    a space and show only "e.g.")."""

    def on_mount(self) -> None:
        self._example = self.placeholder

    def on_resize(self) -> None:
        room = self.scrollable_content_region.width - 1  # a cell for the cursor
        example = self._example
        self.placeholder = example if cell_len(example) <= room else set_cell_size(example, max(0, room - 1)) + "…"

    def on_blur(self) -> None:
        self.cursor_position = 0  # `has_focus` is still true here: Widget clears it after this handler

    def show_start(self) -> None:
        if not self.has_focus:
            self.cursor_position = 0


class FindingsLine(Static):
    """Approval-readiness findings: yellow when they only warn, red when one blocks; hidden when none."""

    DEFAULT_CSS = """
    FindingsLine { display: none; color: $text-warning; }
    FindingsLine.-shown { display: block; }
    FindingsLine.-block { color: $text-error; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", markup=False, **kwargs)
        self.text = ""

    def show(self, findings: list[Finding], *, prefix: str = "") -> None:
        text = prefix or "\n".join(("⛔ " if f.severity == "block" else "⚠ ") + f.message for f in findings)
        if text == self.text:  # typing re-checks on every key: redraw only what changed
            return
        self.text = text
        self.update(text)
        set_class(self, bool(text), "-shown")
        set_class(self, bool(prefix) or any(f.severity == "block" for f in findings), "-block")


class FieldMessage(Message):
    """A message about one FormField; `control` lets `@on(..., "#selector")` match the field."""

    def __init__(self, field: FormField) -> None:
        super().__init__()
        self.field = field

    @property
    def control(self) -> FormField:
        return self.field


class FormField(Vertical, RowCell):
    """A labelled input with an error line, a Twilio-problem line and a findings line."""

    DEFAULT_CSS = """
    FormField { height: auto; margin-bottom: 1; }
    FormField > .field--label { text-style: bold; }
    FormField > .field--hint { color: $text-muted; }
    FormField > .field--error, FormField > .field--problem { display: none; color: $text-error; }
    FormField.-has-error > .field--error { display: block; }
    FormField.-has-problem > .field--problem { display: block; }
    FormField.-has-error > FindingsLine { display: none; }  /* the message above says it more precisely */
    FormField.-has-error Input, FormField.-has-error TextArea, FormField.-has-error SelectCurrent {
        border: tall $error;
    }
    FormField TextArea { height: auto; min-height: 5; max-height: 10; }
    FormField TextArea.-short { min-height: 3; }
    FormField Checkbox { border: none; padding: 0; }
    """

    class Edited(FieldMessage):
        """The field's value changed (typing, picking, ticking)."""

    class Left(FieldMessage):
        """Focus left the field."""

    def __init__(
        self,
        name: str,
        label: str,
        *,
        kind: Kind = "input",
        value: Any = "",
        placeholder: str = "",
        hint: str = "",
        options: list[tuple[str, str]] | None = None,
        short: bool = False,
        blank: bool = True,
        locked: str | None = None,
    ) -> None:
        super().__init__(id=f"{name}-field")
        self.field = name
        self.kind: Kind = kind
        self.touched = False
        self.error = ""
        """The validation message shown under the field ("" when none)."""
        self._label, self._hint, self._locked = label, hint, locked
        # an empty text field shows an example that cannot be taken for a value typed
        example = placeholder if kind == "select" or not placeholder else f"e.g. {placeholder}"
        self._placeholder, self._options, self._short, self._blank = example, options or [], short, blank
        self._initial = value
        self._problem_value: Any = None
        self._typed = ""
        """Letters typed on a checkbox or a picker since it got the focus."""

    def compose(self) -> ComposeResult:
        if self.kind != "check":
            yield Static(self._label, classes="field--label", markup=False)
        yield self._make_widget()
        hint = " ".join(part for part in (self._hint, self._locked) if part)
        if hint:
            yield Static(hint, classes="field--hint", markup=False)
        yield Static("", classes="field--error", markup=False)
        yield Static("", classes="field--problem", markup=False)
        yield FindingsLine(classes="field--finding")

    def _make_widget(self) -> Widget:
        disabled, initial = self._locked is not None, str(self._initial or "")
        if self.kind == "area":
            area = WrappingTextArea(clean_text(initial, one_line=False), id=self.field, soft_wrap=True,
                                    tab_behavior="focus", placeholder=self._placeholder, disabled=disabled)
            set_class(area, self._short, "-short")
            area.cursor_blink = False
            return area
        if self.kind == "select":
            return Select(self._options, value=self._initial if self._initial else Select.NULL, id=self.field,
                          prompt=self._placeholder or "Choose…", allow_blank=self._blank, disabled=disabled)
        if self.kind == "check":
            return Checkbox(self._label, bool(self._initial), id=self.field, disabled=disabled)
        return StartInput(clean_text(initial, one_line=True), placeholder=self._placeholder, id=self.field,
                     disabled=disabled)

    # -- value ------------------------------------------------------------------------------------------

    @property
    def widget(self) -> Widget:
        return self.query_one(f"#{self.field}")

    @property
    def value(self) -> Any:
        """What the field holds, as it may be kept: never an escape sequence or a control character, whatever
        put it there (typing, a paste, a draft or a value stored by an older version)."""
        widget = self.widget
        if isinstance(widget, TextArea):
            return clean_text(widget.text, one_line=False)
        if isinstance(widget, Select):
            return None if widget.value is Select.NULL else widget.value
        if isinstance(widget, Checkbox):
            return widget.value
        assert isinstance(widget, Input)
        return clean_text(widget.value, one_line=True)

    @value.setter
    def value(self, value: Any) -> None:
        widget = self.widget
        with widget.prevent(Input.Changed, TextArea.Changed, Select.Changed, Checkbox.Changed):
            if isinstance(widget, TextArea):
                widget.load_text(clean_text(str(value or ""), one_line=False))
            elif isinstance(widget, Select):
                widget.value = value if value else Select.NULL
            elif isinstance(widget, Checkbox):
                widget.value = bool(value)
            elif isinstance(widget, StartInput):
                widget.value = clean_text(str(value or ""), one_line=True)
                widget.show_start()

    @property
    def locked(self) -> bool:
        return self._locked is not None

    def focus_input(self) -> None:
        self.widget.focus()

    # -- messages under the field -----------------------------------------------------------------------

    def show_error(self, message: str | None) -> None:
        if (message or "") == self.error:
            return
        self.error = message or ""
        self.query_one(".field--error", Static).update(f"✗ {message}" if message else "")
        set_class(self, bool(message), "-has-error")

    def show_problem(self, message: str | None) -> None:
        """Twilio's objection to the value as submitted; it goes away once the value is changed."""
        self._problem_value = self.value if message else None
        self.query_one(".field--problem", Static).update(f"Twilio: {message}" if message else "")
        set_class(self, bool(message), "-has-problem")

    def show_findings(self, findings: list[Finding]) -> None:
        self.query_one(FindingsLine).show(findings)

    # -- events -----------------------------------------------------------------------------------------

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _edited(self, event: Message) -> None:
        event.stop()
        if not self.is_mounted:
            return
        self.touched = True
        if self.has_class("-has-problem") and self.value != self._problem_value:
            set_class(self, False, "-has-problem")
        self.post_message(self.Edited(self))

    def on_key(self, event: events.Key) -> None:
        """On a checkbox or a picker, printable keys are the field's value, never commands."""
        if self.kind not in ("check", "select") or not event.is_printable or event.character is None:
            return
        if event.character == " ":  # the widget's own toggle or open
            self._typed = ""
            return
        event.stop()
        event.prevent_default()
        if self.kind == "check" and event.character in ("x", "X"):
            self._typed = ""
            self._set_by_operator(not self.value)
            return
        self._typed += event.character or ""
        if self.kind == "select":
            self._pick(self._typed)

    def on_paste(self, event: events.Paste) -> None:
        if self.kind in ("check", "select"):
            event.stop()
            event.prevent_default()
            self._typed = ""
            self._take(event.text)

    def _take(self, text: str) -> None:
        """A word typed or pasted on a checkbox or a picker."""
        if self.kind == "check" and (answer := yes_or_no(text)) is not None:
            self._set_by_operator(answer)
        elif self.kind == "select" and text.strip():
            self._pick(text)

    def _pick(self, text: str) -> None:
        wanted = " ".join(text.split()).casefold()
        for label, value in self._options:
            words = [label.casefold(), str(value).casefold(), *label.casefold().split()]
            if any(word.startswith(wanted) for word in words):
                self._set_by_operator(value)
                return

    def _set_by_operator(self, value: Any) -> None:
        widget = self.widget
        if value != self.value and not self.locked and isinstance(widget, Checkbox | Select):
            widget.value = value if self.kind == "check" or value else Select.NULL  # posts Changed: Edited

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if self.kind == "check" and self._typed:
            self._take(self._typed)
        self._typed = ""
        self.post_message(self.Left(self))
