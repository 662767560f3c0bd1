"""One ledger of what Twilio bills the account: this month's one-time fees, the monthly run-rate by kind (each
phone number counted once, whoever holds it), the numbers kept after offboarding, and what offboarding would save.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from wizard.customer.fees import WHAT, Prices
from wizard.customer.state import Charge


def kept_words(prices: Prices, kept: int) -> str:
    """"kept, unassigned: $2.30/month" for `kept` numbers kept on the account that no active customer holds."""
    return f"kept, unassigned: ${kept * prices.number_monthly:,.2f}/month"


@dataclass(frozen=True)
class Numbers:
    """The account's phone numbers, each counted once."""

    held: int
    """Held by an active customer."""
    kept: int
    """Kept on the account after offboarding; no active customer holds them."""
    other: int | None = None
    """The account's numbers no customer holds or kept (None: the account was not read)."""

    @property
    def billed(self) -> int:
        return self.held + self.kept + (self.other or 0)


def count_numbers(active: set[str], offboarded: set[str], account: set[str] | None = None) -> Numbers:
    """Every number once, from the SIDs the active and offboarded customers hold, and (when it could be read) the
    account's own list: a kept number the account no longer holds (released elsewhere) is not billed."""
    kept = offboarded - active
    if account is None:
        return Numbers(len(active), len(kept))
    return Numbers(len(active), len(kept & account), len(account - active - offboarded))


@dataclass(frozen=True)
class Ledger:
    """What Twilio bills: the month's one-time fees, the monthly run-rate by kind, and what offboarding saves."""

    month: str
    """"2026-12"."""
    one_time: dict[str, tuple[int, float]]
    """Billable item -> (how many, dollars) charged this month."""
    campaigns: int
    numbers: Numbers
    prices: Prices
    savings: list[tuple[str, float]]
    """(active customer, dollars a month) that offboarding would stop, largest first."""

    @property
    def monthly(self) -> float:
        return self.prices.monthly(self.campaigns, self.numbers.billed)

    def lines(self) -> list[str]:
        """The ledger in plain words, one line each (the `fees` command and the fees screen)."""
        p, n = self.prices, self.numbers
        paid = round(sum(amount for _, amount in self.one_time.values()), 2)
        out = [f"One-time fees in {self.month}: ${paid:,.2f}"]
        out += [f"  {count:,} × {WHAT.get(item, item)}: ${amount:,.2f}"
                for item, (count, amount) in self.one_time.items()]
        out += [f"Monthly run-rate: ${self.monthly:,.2f}",
                f"  {self.campaigns:,} campaign(s) × ${p.campaign_monthly:,.2f}: "
                f"${self.campaigns * p.campaign_monthly:,.2f}",
                f"  {n.held:,} number(s) of active customers × ${p.number_monthly:,.2f}: "
                f"${n.held * p.number_monthly:,.2f}",
                f"  {n.kept:,} number(s) {kept_words(p, n.kept)}"]
        if n.other is None:
            out.append("  (the account's other numbers are not counted: its number list could not be read)")
        elif n.other:
            out.append(f"  {n.other:,} other number(s) of the account, no customer's: "
                       f"${n.other * p.number_monthly:,.2f}/month")
        saved = round(sum(amount for _, amount in self.savings), 2)
        out.append(f"Offboarding every active customer would save ${saved:,.2f}/month"
                   + (":" if self.savings else "."))
        out += [f"  {key}: ${amount:,.2f}/month" for key, amount in self.savings]
        return out


def one_time(ledgers: Iterable[list[Charge]], month: str) -> dict[str, tuple[int, float]]:
    """What the customers' fee ledgers charged in `month` ("2026-12"), by billable item."""
    found: dict[str, tuple[int, float]] = {}
    for charges in ledgers:
        for charge in charges:
            if charge.at.startswith(month):
                item = charge.item or charge.what  # a ledger written before items were recorded: its words
                count, amount = found.get(item, (0, 0.0))
                found[item] = (count + 1, round(amount + charge.amount, 2))
    return found
