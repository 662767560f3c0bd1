"""A customer's duplicates at Twilio that it does not use (its `strays`, found by flow.holdings), removed by
`reconcile`: a Messaging Service left without the brand's campaign is deleted (free: nothing can send from it), a
number bought for it is released only when the operator agrees (`--yes`, or asked in a terminal), as offboarding
releases one: a released number is gone for good.

Pure, like the planner: the next removal (a journaled action whose answer, when lost, is found done by the 404 of
reading the resource), and `doubt` — why a stray must be kept after all, read from Twilio just before it is removed:
a service named for another customer or holding a campaign (deleting a service deletes its campaign), a number the
app did not buy for this customer, or anything the customer now uses.
"""

from __future__ import annotations

from collections.abc import Callable

from wizard.customer.customer import Customer
from wizard.customer.state import FlowState
from wizard.flow.actions import Action, Body
from wizard.flow.offboarding import gone
from wizard.flow.plan import friendly
from wizard.twilio.client import TwilioClient
from wizard.twilio.failures import TwilioError

ACTIONS = ("reconcile.delete_service", "reconcile.release_number")


def drop(sid: str) -> Callable[[FlowState], None]:
    """The stray is gone (or kept for good): no longer the customer's to remove."""

    def apply(state: FlowState) -> None:
        state.strays = [s for s in state.strays if s != sid]

    return apply


def forget(sid: str) -> Callable[[FlowState, Body], None]:
    """`drop`, as a removal's answer applies it."""
    dropped = drop(sid)
    return lambda state, body: dropped(state)


def numbers(c: Customer) -> list[str]:
    """The numbers among the strays (released only when the operator agrees)."""
    return [sid for sid in c.state.strays if sid.startswith("PN")]


def listed(c: Customer) -> list[dict[str, str]]:
    """The customer's strays as `show` and the customer screen list them: each with what `reconcile` will do."""
    return [{"sid": sid, "what": WHAT.get(sid[:2], "duplicate"), "reconcile": WILL.get(sid[:2], WILL["MG"])}
            for sid in c.state.strays]


WHAT = {"MG": "duplicate Messaging Service", "PN": "phone number bought for a duplicate Messaging Service"}
WILL = {
    "MG": "`reconcile` deletes it, once read back as named for the customer and holding no campaign (free: nothing "
          "can send from it)",
    "PN": "`reconcile --yes` (or a yes typed when `reconcile` asks) releases it, for good; until then it stays on "
          "the account, billed monthly",
}
"""What `reconcile` does about a stray, by its SID's prefix (next_removal, doubt)."""


def next_removal(c: Customer, *, release_numbers: bool) -> Action | None:
    """The next removal, services first (deleting one frees its number); None when none is left to make now."""
    for sid in sorted(c.state.strays, key=lambda s: not s.startswith("MG")):
        if sid.startswith("MG"):
            return Action("reconcile.delete_service", "delete_service", forget(sid), path={"sid": sid},
                          friendly_name=friendly(c.key, "service"), find=gone("fetch_service", sid=sid))
        if sid.startswith("PN") and release_numbers:
            return Action("reconcile.release_number", "release_incoming_phone_number", forget(sid),
                          path={"sid": sid}, friendly_name=friendly(c.key, "number"),
                          find=gone("fetch_incoming_phone_number", sid=sid))
    return None


async def doubt(client: TwilioClient, c: Customer, sid: str) -> str | None:
    """Why the stray `sid` must not be removed (None: remove it). Already gone (404) is no reason."""
    if sid in c.state.sids.values():
        return "the customer uses it now"
    try:
        if sid.startswith("MG"):
            body = await client.call("fetch_service", sid=sid)
            if not str(body.get("friendly_name", "")).endswith(friendly(c.key, "service")):
                return f"it is named {body.get('friendly_name')!r}, not for this customer"
            if [k async for k in client.paginate("list_campaigns", sid=sid)]:
                return "it holds a campaign"
        else:
            body = await client.call("fetch_incoming_phone_number", sid=sid)
            if body.get("friendly_name") != friendly(c.key, "number"):
                return "the app did not buy it for this customer"
    except TwilioError as error:
        if error.status == 404:
            return None
        raise
    return None
