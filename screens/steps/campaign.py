"""Step 4: the campaign — what the texts are for, how people opt in, 2–5 sample messages, the replies to
opt-in/opt-out/help keywords, policy links, and the phone number (picked from the account or typed)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Select, Static

from screens.steps.base import StepForm, row
from screens.widgets.fields import FindingsLine, FormField
from wizard.customer.models import MAX_SAMPLES, MIN_SAMPLES, Campaign
from wizard.desk import Finding, PhoneNumber
from wizard.errors import OperatorError, StoreError

KEYWORD_FIELDS = ("opt_in_keywords", "opt_out_keywords", "help_keywords")
NumberLoader = Callable[[], Awaitable[list[PhoneNumber]]]

REPLIES = (
    ("opt_in", "Opt-in reply", "Zoë's Dog Walking: you're subscribed to appointment texts. Msg & data rates may "
     "apply. Reply STOP to opt out.", "START, YES"),
    ("opt_out", "Opt-out reply", "You're unsubscribed from Zoë's Dog Walking texts. No more messages will be sent.",
     "STOP, END, QUIT"),
    ("help", "Help reply", "Zoë's Dog Walking: for help call (206) 555-0134. Reply STOP to opt out.", "HELP, INFO"),
)


class CampaignForm(StepForm):
    """The campaign form: its fields in the CSV's column order, then the number picker and the page buttons."""

    STEP, KEY, MODEL = 4, "campaign", Campaign

    DEFAULT_CSS = """
    CampaignForm .form--section { text-style: bold; color: $accent; margin-top: 1; }
    CampaignForm .form--section-hint { color: $text-muted; margin-bottom: 1; }
    CampaignForm #samples { height: auto; }
    CampaignForm #number-pick { margin-bottom: 1; }
    CampaignForm #page-actions { height: auto; margin-bottom: 1; }
    CampaignForm #page-actions Button { margin-right: 2; }
    """
    BINDINGS = [
        Binding("f3", "pick_number", "Number", id="pick-number", tooltip="Pick one of the account's numbers"),
        Binding("f4", "write_pages", "Write pages", id="write-pages",
                tooltip="Write starter privacy and terms pages to review and host"),
        Binding("f5", "check_pages", "Check pages", id="check-pages",
                tooltip="Read the policy pages as Twilio's reviewers would"),
    ]

    class PagesAsked(Message):
        """The operator asked for the policy pages: written as a starting point, or checked as typed."""

        def __init__(self, write: bool, urls: dict[str, str]) -> None:
            super().__init__()
            self.write, self.urls = write, urls

    def show_page_findings(self, found: list[Finding]) -> None:
        """What the page check found, under each URL field (until the next edit re-checks the form)."""
        for name in ("privacy_policy_url", "terms_url"):
            if field := self.field(name):
                field.show_findings([f for f in found if f.field == name])

    @on(Button.Pressed, "#write-pages, #check-pages")
    def _pages(self, event: Button.Pressed) -> None:
        event.stop()
        urls = {name: str(field.value or "").strip() for name in ("privacy_policy_url", "terms_url")
                if (field := self.field(name)) and not field.error and str(field.value or "").strip()}
        self.post_message(self.PagesAsked(event.button.id == "write-pages", urls))

    def __init__(self, values: dict[str, Any], *, numbers: NumberLoader | None = None,
                 buy: tuple[str | None, float] | None = None, **kwargs: Any) -> None:
        super().__init__(values, **kwargs)
        self._numbers = numbers
        self._buy = buy
        """(the customer's US area code or None, a number's monthly price): the picker's "buy" choice."""

    @staticmethod
    def from_model(model: Campaign | None) -> dict[str, Any]:
        if model is None:
            data: dict[str, Any] = dict.fromkeys(Campaign.model_fields, "")
            data |= {"has_embedded_links": False, "has_embedded_phone": False, "samples": [""] * MAX_SAMPLES}
        else:
            data = model.model_dump(mode="json")
            data |= {name: ", ".join(data[name]) for name in KEYWORD_FIELDS}
            data["samples"] = [*data["samples"], *[""] * (MAX_SAMPLES - len(data["samples"]))]
        data.pop("use_case")
        return {name: "" if value is None else value for name, value in data.items()}

    # -- layout -----------------------------------------------------------------------------------------

    def body(self) -> Iterable[Any]:
        """The fields in the CSV's column order (one Tab between a pasted row's cells fills them), then the
        picker and the page buttons, reached by their keys or by Tab past the last field."""
        yield self.make("service_name", "Name for your records (optional)", placeholder="Zoë's appointment texts")
        yield self.make("campaign_description", "What the texts are for", kind="area",
                        placeholder="Appointment reminders and updates for Zoë's dog-walking clients.",
                        hint="40 to 4,096 characters: who gets texts, about what, how often.")
        yield self.make("message_flow", "How people opt in", kind="area",
                        placeholder="Clients opt in by ticking an SMS consent checkbox on the booking form at "
                                    "example.com/book.",
                        hint="Where and how they agree to get texts (web form, keyword, verbal …).")
        yield Static(f"Sample messages ({MIN_SAMPLES} to {MAX_SAMPLES})", classes="form--section")
        yield Static("Real texts the customer will send: say who is sending, and end one with "
                     "\"Reply STOP to opt out\". Leave the ones you don't need empty.", classes="form--section-hint")
        yield Vertical(*self._sample_fields(self.initial.get("samples") or []), id="samples")
        yield FindingsLine(id="samples-note")
        yield row(self.make("has_embedded_links", "Samples contain links", kind="check"),
                  self.make("has_embedded_phone", "Samples contain phone numbers", kind="check"))
        yield Static("Replies to keywords", classes="form--section")
        yield Static("Optional. Keywords are letters and digits, separated by commas; each needs its reply.",
                     classes="form--section-hint")
        for reply, label, example, keywords in REPLIES:
            yield self.make(f"{reply}_message", label, kind="area", short=True, placeholder=example)
            yield self.make(f"{reply}_keywords", f"{label.split()[0]} keywords", placeholder=keywords)
        yield Static("Policies and phone number", classes="form--section")
        yield row(self.make("privacy_policy_url", "Privacy policy URL",
                            placeholder="https://yourbusiness.com/privacy"),
                  self.make("terms_url", "Terms and conditions URL", placeholder="https://yourbusiness.com/terms"))
        yield Static("Both required by Twilio since 30 June 2026. No pages yet? Write a starting point to review "
                     "and host (f4); then check what reviewers will read (f5).", classes="form--section-hint")
        yield self.make("phone_number", "Phone number that will send the texts", placeholder="+12065550100",
                        hint="A number of this Twilio account (or its PN… SID), picked below (f3), or buy (a new "
                             "number in the customer's area code) or buy:NPA (in area code NPA).")
        yield Select([], prompt="Pick one of the account's numbers… (f3)", id="number-pick",
                     disabled=self._locked("phone_number") or self._numbers is None)
        yield Horizontal(Button("Write starter pages (f4)", id="write-pages"),
                         Button("Check pages (f5)", id="check-pages"), id="page-actions")

    def _locked(self, name: str) -> bool:
        return bool(self.locked) or name in self.locked_fields

    def _sample_fields(self, samples: list[str]) -> list[FormField]:
        """Every sample a campaign may hold, the empty ones not sent (a pasted row's five sample cells land in
        five fields); only those sent when they can't be changed."""
        if not self._locked("samples"):
            samples = [*samples, *[""] * (MAX_SAMPLES - len(samples))][:MAX_SAMPLES]
        else:
            samples = [text for text in samples if text]
        return [FormField(f"sample_{n}", f"Sample {n}", kind="area", value=text or "", short=True,
                          placeholder="Zoë here: Rex's walk is booked for 3pm tomorrow. Reply STOP to opt out.",
                          locked="" if self._locked("samples") else None)
                for n, text in enumerate(samples, start=1)]

    def on_mount(self) -> None:
        super().on_mount()
        if self._numbers is not None and not self._locked("phone_number"):
            self.load_numbers()

    # -- values -----------------------------------------------------------------------------------------

    def sample_fields(self) -> list[FormField]:
        return list(self.query_one("#samples").query(FormField))

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {"samples": []}
        for field in self.fields():
            if field.field.startswith("sample_"):
                values["samples"].append(field.value)
            else:
                values[field.field] = field.value
        return values

    def finding_field(self, finding: Finding, shown: set[str]) -> str:
        if finding.field.startswith("sample_") and finding.field not in shown:
            return "samples"
        return finding.field

    def show_other_findings(self, found: list[tuple[str, Finding]]) -> None:
        about_samples = [f for name, f in found if name == "samples"]
        self.findings += about_samples
        self.query_one("#samples-note", FindingsLine).show(about_samples)

    def show_loose_errors(self, errors: dict[str, str]) -> None:
        errors = dict(errors)
        if message := errors.pop("samples", None):  # how many samples: said where the samples are
            self.query_one("#samples-note", FindingsLine).show([], prefix=f"✗ {message}")
        super().show_loose_errors(errors)

    # -- keys ------------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pick_number":
            return not self.query_one("#number-pick", Select).disabled
        if action in ("write_pages", "check_pages"):
            return self.editable
        return True

    def action_pick_number(self) -> None:
        pick = self.query_one("#number-pick", Select)
        pick.focus()
        pick.scroll_visible(animate=False, immediate=True)
        self.call_after_refresh(pick.action_show_overlay)  # under the picker once it is on screen, not over the footer

    def action_write_pages(self) -> None:
        self.query_one("#write-pages", Button).press()

    def action_check_pages(self) -> None:
        self.query_one("#check-pages", Button).press()

    # -- phone number -----------------------------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="campaign-numbers", description="Reading phone numbers")
    async def load_numbers(self) -> None:
        assert self._numbers is not None
        pick = self.query_one("#number-pick", Select)
        try:
            numbers = await self._numbers()
        except (OperatorError, StoreError) as error:
            pick.prompt = "Couldn't read the account's numbers: type one below"
            self.notify(f"Couldn't read the account's phone numbers: {error}", severity="warning",
                        title="Phone numbers")
            return
        options = [(f"{n.label}   {n.number}", n.number) for n in numbers]
        if self._buy is not None:
            area, price = self._buy
            if area:
                options.insert(0, (f"Buy a new number near the customer (area code {area}) · ${price:,.2f} a month",
                                   f"buy:{area}"))
        if not options:
            pick.prompt = "No free numbers on the account: type one below, or buy:NPA to buy one"
            return
        current = self.field("phone_number")
        typed = current.value if current else ""
        with pick.prevent(Select.Changed):
            pick.set_options(options)
            if typed in {value for _, value in options}:
                pick.value = typed

    @on(Select.Changed, "#number-pick")
    def _number_picked(self, event: Select.Changed) -> None:
        event.stop()
        field = self.field("phone_number")
        if field is None or event.value is Select.NULL:
            return
        field.value = event.value
        field.touched = True
        self.check_field(field)
        self.refresh_findings()
