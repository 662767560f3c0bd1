"""A customer's Twilio calls: the journal as a timeline, and the calls of the run under way as a checklist."""

from __future__ import annotations

from typing import ClassVar

from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from screens.classes import set_class
from wizard.desk import Call, Run, TimelineEntry


class Timeline(Vertical):
    """The journal, newest first, grouped by day (UTC): mark and time, then the action and its SID or error."""

    DEFAULT_CSS = """
    Timeline { height: auto; }
    Timeline > .timeline--day { color: $text-muted; text-style: bold; margin-top: 1; }
    Timeline > .timeline--entry { height: auto; }
    Timeline .timeline--when { width: 8; }
    Timeline .timeline--what { width: 1fr; }
    Timeline .-done .timeline--when { color: $text-success; }
    Timeline .-failed .timeline--when { color: $text-error; }
    Timeline .-sent .timeline--when { color: $text-warning; }
    """
    LIMIT = 60
    MARKS: ClassVar = {"done": "✓", "failed": "✗", "sent": "…"}

    async def show(self, entries: list[TimelineEntry]) -> None:
        rows: list[Widget] = []
        day = ""
        for e in entries[: self.LIMIT]:
            if e.day != day:
                day = e.day
                rows.append(Static(day, classes="timeline--day"))
            what = Content.from_markup("$what" + ("\n[dim]$detail[/]" if e.detail else ""), what=e.what,
                                       detail=e.detail)
            rows.append(Horizontal(Static(f"{self.MARKS.get(e.state, '·')} {e.time}", classes="timeline--when"),
                                   Static(what, classes="timeline--what"),
                                   classes=f"timeline--entry -{e.state}"))
        if not entries:
            rows.append(Static("No calls yet."))
        elif len(entries) > self.LIMIT:
            rows.append(Static(f"… and {len(entries) - self.LIMIT} earlier calls (a2p-wizard show KEY lists all).",
                               classes="timeline--day"))
        with self.app.batch_update():
            await self.remove_children()
            await self.mount_all(rows)


class RunLog(VerticalScroll):
    """The calls of one run, ticking off as their answers arrive."""

    DEFAULT_CSS = """
    RunLog { height: auto; max-height: 10; border: round $accent; padding: 0 1; display: none;
             margin-bottom: 1; }
    RunLog.-shown { display: block; }
    RunLog > .run--ok { color: $text-success; }
    RunLog > .run--retry { color: $text-warning; }
    RunLog > .run--failed { color: $text-error; }
    RunLog > .run--end { text-style: bold; }
    """

    def hide(self) -> None:
        set_class(self, False, "-shown")

    def start(self, title: str) -> None:
        self.remove_children()
        self.border_title = title
        set_class(self, True, "-shown")

    def add(self, call: Call) -> None:
        if call.ok:
            line, kind = f"✓ {call.detail}", "ok"
        elif call.retrying:
            line, kind = f"↻ {call.what}: {call.detail}", "retry"
        else:
            line, kind = f"✗ {call.what}: {call.detail}", "failed"
        self.mount(Static(line, classes=f"run--{kind}", markup=False))
        self.scroll_end(animate=False)

    async def finish(self, run: Run) -> None:
        """The run's last line: its error, or how many calls it made and what comes next (awaited: the box has
        its final height before anything below it is scrolled to)."""
        if run.error:
            text, kind = f"✗ {run.error}", "failed"
        else:
            calls = len(run.calls)
            now = run.summary.next_action if run.summary else ""
            text, kind = f"{calls} call{'s' if calls != 1 else ''} made. Now: {now}", "end"
            if not calls:
                text = f"Nothing to send right now. {now}"
        await self.mount(Static(text, classes=f"run--{kind} run--end", markup=False))
        self.border_title = "Last run"
        self.scroll_end(animate=False)
