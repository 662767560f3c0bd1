"""Offboarding: the deletions that stop what Twilio bills for a customer, one journaled action at a time.

Pure, like the planner: from the customer's record, the next deletion (or None when nothing is left). In order:
the campaign, the phone number (released when asked, else taken out of the service so it can serve another
customer), the Messaging Service. Brand, bundles and profile stay. Each action's finder reads the resource
after a lost answer: gone (Twilio's 404) means the deletion was done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from storage.customers import JournalEntry
from wizard.customer.customer import Customer
from wizard.customer.fees import Prices
from wizard.customer.state import FlowState
from wizard.flow.actions import Action, Body, Finder
from wizard.flow.ledger import kept_words
from wizard.flow.plan import friendly
from wizard.flow.status import ACTION_WORDS
from wizard.twilio.client import TwilioClient
from wizard.twilio.failures import TwilioError

ACTIONS = ("offboard.campaign", "offboard.release_number", "offboard.remove_number", "offboard.service")


@dataclass(frozen=True)
class Offboarding:
    """What offboarding a customer would delete, and the monthly fees it stops."""

    key: str
    deletions: list[str]
    """Each deletion in plain words, with the SID it deletes."""
    stops_monthly: float
    """What Twilio stops billing every month, in dollars."""
    keeps: list[str]
    """What stays billed (a number kept on the account), in plain words."""
    releasable: bool = True
    """Offboarding may release the customer's number: the app bought it for them (or none is left to release)."""


def gone(op: str, **path: str) -> Finder:
    """A finder for a deletion: {} (done) when reading the resource answers 404, None while it is still there."""

    async def find(client: TwilioClient, friendly_name: str | None) -> Body | None:
        try:
            await client.call(op, **path)
        except TwilioError as error:
            if error.status == 404:
                return {}
            raise
        return None

    return find


def _forget(*slots: str) -> Callable[[FlowState, Body], None]:
    def apply(state: FlowState, body: Body) -> None:
        for slot in slots:
            state.sids.pop(slot, None)
            state.statuses.pop(slot, None)
            state.problems.pop(slot, None)
            state.submitted.pop(slot, None)
        if "phone_number" in slots:
            state.number = None
            state.applied.pop("phone_lookup", None)

    return apply


def next_deletion(c: Customer, *, release_number: bool) -> Action | None:
    """The next deletion of the customer's offboarding, or None when every one is done."""
    s = c.state.sids
    service, number = s.get("service"), s.get("phone_number")
    if service and s.get("campaign"):
        path = {"sid": service, "campaign": s["campaign"]}
        return Action("offboard.campaign", "delete_campaign", _forget("campaign"), path=path,
                      find=gone("fetch_campaign", **path), stops="campaign_monthly")
    if number and release_number:
        return Action("offboard.release_number", "release_incoming_phone_number",
                      _forget("phone_number", "service_number"), path={"sid": number},
                      friendly_name=friendly(c.key, "number"),
                      find=gone("fetch_incoming_phone_number", sid=number), stops="number_monthly")
    if service and number and s.get("service_number"):
        path = {"sid": service, "number": number}
        return Action("offboard.remove_number", "remove_service_phone_number", _forget("service_number"),
                      path=path, find=gone("fetch_service_phone_number", **path))
    if service:
        return Action("offboard.service", "delete_service", _forget("service", "service_number"),
                      path={"sid": service}, friendly_name=friendly(c.key, "service"),
                      find=gone("fetch_service", sid=service))
    return None


def nothing_to_delete(c: Customer) -> str:
    """Why a customer with nothing at Twilio to delete is not offboarded (the same words in the app and the CLI)."""
    number = c.state.number or c.state.sids.get("phone_number")
    kept = f" Its phone number {number} stays on the account." if number else ""
    return (f"{c.key} has no campaign, Messaging Service or phone number in a service at Twilio: there is nothing to "
            f"delete, so it is not offboarded (nothing was changed).{kept}")


def deleted(journal: Iterable[JournalEntry]) -> list[str]:
    """The offboarding deletions the journal holds as done, in order (action names)."""
    return [e.action for e in journal if e.action in ACTIONS and e.state == "done"]


def deletions(c: Customer, *, release_number: bool) -> list[Action]:
    """Every deletion offboarding `c` still has to make, in order (worked out on a copy of its state)."""
    trial, found = replace(c, state=c.state.model_copy(deep=True)), []
    while (action := next_deletion(trial, release_number=release_number)) is not None:
        found.append(action)
        action.apply(trial.state, {})
    return found


async def foreign(client: TwilioClient, c: Customer, *, release_number: bool) -> list[str]:
    """What of the customer's record Twilio says is not the customer's own (then nothing may be deleted).

    The Messaging Service must carry the customer's friendly name, its campaign the customer's brand; a number
    is released only when the app bought it for this customer (its friendly name) and it is the recorded one.
    A resource already gone (404) is fine: an earlier offboarding deleted it.
    """
    s, problems = c.state.sids, []

    async def read(op: str, **path: str) -> Body | None:
        try:
            return await client.call(op, **path)
        except TwilioError as error:
            if error.status == 404:
                return None
            raise

    if service := s.get("service"):
        body = await read("fetch_service", sid=service)
        if body is not None and not str(body.get("friendly_name", "")).endswith(friendly(c.key, "service")):
            problems.append(f"Messaging Service {service} is named {body.get('friendly_name')!r}, not this "
                            f"customer's ({friendly(c.key, 'service')}).")
        if s.get("campaign") and body is not None:
            campaign = await read("fetch_campaign", sid=service, campaign=s["campaign"])
            if campaign is not None and campaign.get("brand_registration_sid") != s.get("brand"):
                problems.append(f"The campaign of Messaging Service {service} belongs to brand "
                                f"{campaign.get('brand_registration_sid')}, not this customer's ({s.get('brand')}).")
    if release_number and (number := s.get("phone_number")):
        body = await read("fetch_incoming_phone_number", sid=number)
        if body is not None and (body.get("friendly_name") != friendly(c.key, "number")
                                 or body.get("phone_number") != c.state.number):
            problems.append(f"Phone number {body.get('phone_number')} ({number}) was not bought by the app for this "
                            "customer: it is not released (offboard without --release-number to keep it).")
    return problems


def preview(c: Customer, journal: Iterable[JournalEntry], prices: Prices, *, release_number: bool) -> Offboarding:
    """What offboarding `c` would delete and what it stops costing each month, in words (nothing is sent); the
    number is releasable only when `journal` shows the app bought it for the customer."""
    actions = deletions(c, release_number=release_number)
    words = [f"{ACTION_WORDS[a.name]} ({list(a.path.values())[-1]})" for a in actions]  # the SID it deletes
    number = c.state.sids.get("phone_number")
    keeps = [] if release_number or not number else [
        f"the phone number {c.state.number or number} stays on the account to serve another customer "
        f"({kept_words(prices, 1)})"]
    releasable = not number or any(e.action == "campaign.buy_number" and e.state == "done" and e.sid == number
                                   for e in journal)
    return Offboarding(c.key, words, round(sum(prices.of(a.stops) for a in actions if a.stops), 2), keeps,
                       releasable)
