"""The four steps side by side, each with its state; the selected one is the step shown below."""

from __future__ import annotations

from collections.abc import Mapping

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from wizard.desk import STATE_WORDS, STEP_NAMES
from wizard.listing import STAGES

SHORT = {
    "not_started": "○ not started", "in_progress": "◐ in progress", "twilio": "⧗ waiting: Twilio",
    "customer": "⧗ waiting: customer", "fix": "✗ needs a fix", "done": "✓ done",
    "offboarded": "⊘ offboarded",
}
"""Each state in at most 19 characters, so four steps fit 80 columns."""
TINY = {**SHORT, "twilio": "⧗ Twilio", "customer": "⧗ customer", "fix": "✗ fix"}
"""Each state in at most 13 characters, for four steps in 60 columns."""


class StepTab(Static):
    DEFAULT_CSS = """
    StepTab { width: 1fr; height: 2; padding: 0 0 0 1; color: $text-muted; }
    StepTab.-selected { background: $primary 30%; color: $text; }
    StepTab.-done { color: $text-success; }
    StepTab.-fix { color: $text-error; }
    StepTab.-twilio, StepTab.-customer { color: $text-warning; }
    StepTab.-in_progress { color: $text-accent; }
    StepTab.-selected.-not_started { color: $text; }
    """

    def __init__(self, step: int) -> None:
        super().__init__(id=f"step-{step}")
        self.step = step
        self.state = "not_started"

    def show(self, state: str, selected: bool) -> None:
        self.state = state
        self.set_classes([f"-{state}", *(["-selected"] if selected else [])])
        self.tooltip = f"Step {self.step}: {STEP_NAMES[self.step]} — {STATE_WORDS[state]}"
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        """Name and state on a line each, shorter when the full words would not fit (never wrapped: the state
        line would be lost)."""
        room = self.content_region.width or 19
        name = STEP_NAMES[self.step] if len(STEP_NAMES[self.step]) + 2 <= room else STAGES[self.step]
        state = SHORT[self.state] if len(SHORT[self.state]) <= room else TINY[self.state]
        title = Content.from_markup("[b]$n $name[/b]", n=str(self.step), name=name)
        self.update(Content.assemble(title, "\n", state), layout=False)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(Stepper.Selected(self.step))


class Stepper(Horizontal):
    """Focusable: left and right move between steps."""

    DEFAULT_CSS = """
    Stepper { height: 2; }
    Stepper:focus-within StepTab.-selected, Stepper:focus StepTab.-selected { background: $primary 60%; }
    """
    can_focus = True
    BINDINGS = [
        Binding("left", "move(-1)", "Previous step", show=False),
        Binding("right", "move(1)", "Next step", show=False),
    ]

    class Selected(Message):
        """The operator picked a step."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    def __init__(self) -> None:
        super().__init__(id="stepper")
        self.selected = 1

    def compose(self) -> ComposeResult:
        for step in STEP_NAMES:
            yield StepTab(step)

    def show(self, states: Mapping[int, str], selected: int) -> None:
        self.selected = selected
        for tab in self.query(StepTab):
            tab.show(states.get(tab.step, "not_started"), tab.step == selected)

    def action_move(self, delta: int) -> None:
        step = self.selected + delta
        if step in STEP_NAMES:
            self.post_message(self.Selected(step))
