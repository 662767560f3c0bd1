"""What every step form shares: fields and rows, a lock banner, a note, checking, findings, Save & send.

Rules live in the pydantic models only: a field is checked with `validate_field` (the other values as
context, so the country decides what a valid region is), the whole form with `model_validate`. Messages go
under their field — on leaving it, and for every field on submit — and the first bad field gets the focus.
Approval-readiness findings are recomputed on every change and shown under the field they concern.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from pydantic import BaseModel, ValidationError
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Static

from screens.classes import set_class
from screens.widgets.fields import FormField
from wizard.customer.models import field_errors, validate_field
from wizard.desk import Finding

Findings = Callable[[dict[str, Any]], list[Finding]]


def row(*fields: FormField) -> Horizontal:
    """Fields side by side, sharing the width."""
    return Horizontal(*fields, classes="form--row")


class StepForm(Vertical):
    """A step's form: fields, a lock banner when Twilio holds the data, a note, and a Save & send button."""

    STEP: ClassVar[int]
    KEY: ClassVar[str]
    MODEL: ClassVar[type[BaseModel]]

    DEFAULT_CSS = """
    StepForm { height: auto; }
    StepForm .form--row { height: auto; margin-bottom: 1; }
    StepForm .form--row > FormField { width: 1fr; margin-bottom: 0; }
    StepForm .form--row > FormField:first-of-type { margin-right: 2; }
    StepForm #form-lock { background: $warning 15%; color: $text; padding: 0 1; margin-bottom: 1; }
    StepForm #form-note { color: $text-muted; margin-bottom: 1; }
    StepForm #form-error { color: $text-error; display: none; }
    StepForm #form-error.-shown { display: block; }
    StepForm #form-actions { height: auto; margin-top: 1; }
    StepForm #form-actions Button { margin-right: 2; }
    """

    class SubmitRequested(Message):
        """The operator pressed the form's Save & send button."""

    def __init__(
        self,
        values: dict[str, Any],
        *,
        baseline: dict[str, Any],
        problems: dict[str, str] | None = None,
        locked: str | None = None,
        locked_fields: dict[str, str] | None = None,
        note: str = "",
        findings: Findings | None = None,
    ) -> None:
        super().__init__(id=f"form-{self.KEY}")
        self.initial = values
        """What the form opened with (a draft, the saved inputs, or defaults)."""
        self.baseline = baseline
        """What counts as "nothing typed": the saved inputs, or the defaults when nothing is saved."""
        self.problems = problems or {}
        self.locked = locked
        self.locked_fields = locked_fields or {}
        self.note = note
        self._findings_of = findings
        self.findings: list[Finding] = []
        """The current approval-readiness findings about this form's fields."""

    # -- layout -----------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        if self.locked:
            yield Static(f"🔒 {self.locked}", id="form-lock", markup=False)
        if self.note:
            yield Static(self.note, id="form-note", markup=False)
        yield from self.body()
        yield Static("", id="form-error", markup=False)
        if not self.locked:
            with Horizontal(id="form-actions"):
                yield Button("Save & send (ctrl+s)", id="form-submit", variant="primary")

    def body(self) -> Iterable[Any]:
        """The form's fields and rows of fields (subclasses)."""
        raise NotImplementedError

    def make(self, name: str, label: str, **kwargs: Any) -> FormField:
        """A field of this form, holding its initial value and marked when it can't be changed."""
        locked = self.locked_fields.get(name) or (self.locked and "")
        return FormField(name, label, value=self.initial.get(name, ""), locked=locked, **kwargs)

    def on_mount(self) -> None:
        for field in self.fields():
            if field.field in self.problems:
                field.show_problem(self.problems[field.field])
        self.refresh_findings()

    # -- values -----------------------------------------------------------------------------------------

    def fields(self) -> list[FormField]:
        return list(self.query(FormField))

    def field(self, name: str) -> FormField | None:
        found = self.query(f"#{name}-field")
        return found.first(FormField) if found else None

    def values(self) -> dict[str, Any]:
        """The typed values, shaped like the model's input."""
        return {f.field: f.value for f in self.fields()}

    @property
    def restored(self) -> bool:
        """The form opened with a draft (what was typed last time), not the saved values."""
        return self.initial != self.baseline

    @property
    def dirty(self) -> bool:
        """The form holds typing not saved (a locked one never does: its sample fields are only the sent ones)."""
        return self.editable and self.values() != self.baseline

    @property
    def editable(self) -> bool:
        return self.locked is None

    # -- checking ---------------------------------------------------------------------------------------

    def check_field(self, field: FormField) -> bool:
        message = validate_field(self.MODEL, field.field, field.value, context=self.values())
        field.show_error(message)
        return message is None

    def validate_all(self) -> BaseModel | None:
        """The model, or None after showing every message and focusing the first bad field."""
        try:
            model = self.MODEL.model_validate(self.values())
        except ValidationError as exc:
            errors = field_errors(exc)
        else:
            errors = {}
        fields = self.fields()
        for field in fields:
            field.show_error(errors.get(field.field))
        loose = {name: message for name, message in errors.items() if not self.field(name)}
        self.show_loose_errors(loose)
        if bad := [f for f in fields if f.error]:
            self.lead_to(bad[0])
            return None
        if loose:
            self.query_one("#form-error").scroll_visible()
            return None
        return model

    def show_loose_errors(self, errors: dict[str, str]) -> None:
        """Messages about no single field (e.g. how many samples), shown under the form."""
        error = self.query_one("#form-error", Static)
        error.update("\n".join(f"✗ {message}" for message in errors.values()))
        set_class(error, bool(errors), "-shown")

    def refresh_findings(self) -> None:
        if self._findings_of is None:
            return
        fields = self.fields()
        names = {field.field for field in fields}
        where = [(self.finding_field(f, names), f) for f in self._findings_of(self.values())]
        self.findings = [f for name, f in where if name in names]
        for field in fields:
            field.show_findings([f for name, f in where if name == field.field])
        self.show_other_findings([(name, f) for name, f in where if name not in names])

    def show_other_findings(self, found: list[tuple[str, Finding]]) -> None:
        """Findings about no field of this form (most concern another step, and are shown there)."""

    def finding_field(self, finding: Finding, shown: set[str]) -> str:
        """The field a finding is shown under (a subclass may move one, e.g. about a sample not shown)."""
        return finding.field

    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "block"]

    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warn"]

    def focus_finding(self, finding: Finding) -> None:
        if field := self.field(self.finding_field(finding, {f.field for f in self.fields()})):
            self.lead_to(field)

    def lead_to(self, field: FormField) -> None:
        """Focus `field` and bring all of it into view, at the top: its label, its input and the messages under
        it stay in view when a box above it (the last run's) grows as its lines arrive."""
        field.focus_input()
        self.call_after_refresh(field.scroll_visible, animate=False, top=True)

    def lead_to_problem(self) -> bool:
        """Lead to the first field Twilio objected to (False when there is none)."""
        for field in self.fields():
            if field.field in self.problems and not field.locked:
                self.lead_to(field)
                return True
        return False

    def focus_first(self) -> None:
        for field in self.fields():
            if not field.locked:
                field.focus_input()
                return

    # -- events -----------------------------------------------------------------------------------------

    @on(FormField.Edited)
    def _edited(self, event: FormField.Edited) -> None:
        if event.field.error:
            self.check_field(event.field)  # the message goes away as soon as the value is right
        self.refresh_findings()

    @on(FormField.Left)
    def _left(self, event: FormField.Left) -> None:
        if event.field.touched or event.field.error:
            self.check_field(event.field)

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.screen.focus_next()

    @on(Button.Pressed, "#form-submit")
    def _submit(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.SubmitRequested())


def text(value: Any) -> str:
    return "" if value is None else str(value)
