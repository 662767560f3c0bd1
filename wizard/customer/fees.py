"""What Twilio bills for a sole-proprietor registration, and fees in words (the one place fees are summed)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, Field

WHAT = {"brand": "brand registration", "campaign_vetting": "campaign vetting",
        "number_monthly": "phone number (first month; then monthly)", "campaign_monthly": "campaign (monthly)"}
"""Billable items, in words."""


Price = Annotated[float, Field(ge=0, allow_inf_nan=False)]
"""A price in US dollars: finite, never negative."""


class Prices(BaseModel):
    """What Twilio bills for the steps, in US dollars (configurable under [prices]; defaults as of 2026)."""

    brand: Price = 4.5
    """TCR's one-time sole-proprietor brand fee, $4.50 since 1 August 2025."""
    campaign_vetting: Price = 15.0
    campaign_monthly: Price = 2.0
    number_monthly: Price = 1.15
    """A US local number's monthly price on Twilio's price list."""

    def monthly(self, campaigns: int, numbers: int) -> float:
        """What Twilio bills every month for `campaigns` campaigns and `numbers` phone numbers, in dollars."""
        return round(campaigns * self.campaign_monthly + numbers * self.number_monthly, 2)

    def of(self, item: str) -> float:
        """The price of a billable item ("brand", "campaign_vetting", "number_monthly", "campaign_monthly")."""
        return {"brand": self.brand, "campaign_vetting": self.campaign_vetting,
                "number_monthly": self.number_monthly, "campaign_monthly": self.campaign_monthly}[item]

    def fee(self, item: str, *, certain: bool = True) -> Fee:
        """The fee of a billable item, in words and dollars."""
        return Fee(WHAT[item], self.of(item), certain, item)


@dataclass(frozen=True)
class Fee:
    """A fee an advance would pay."""

    what: str  # "brand registration", "campaign vetting"
    amount: float
    certain: bool  # False: only if Twilio's checks on the way pass
    item: str  # "brand", "campaign_vetting", "number_monthly" (Prices.of)


def total(fees: Iterable[Fee]) -> float:
    return round(sum(fee.amount for fee in fees), 2)


COUNTED = {"brand": ("brand", "brands"), "campaign_vetting": ("campaign", "campaigns"),
           "number_monthly": ("number", "numbers")}
"""What an advance pays for, counted over many customers (a campaign resubmitted is vetted, and billed, again)."""


def count_fees(fees: Iterable[Fee]) -> str:
    """Many customers' fees counted by item, e.g. "3 brands $13.50, 1 campaign $15.00, 0 numbers $0.00"."""
    counts, amounts = dict.fromkeys(COUNTED, 0), dict.fromkeys(COUNTED, 0.0)
    for fee in fees:
        counts[fee.item] += 1
        amounts[fee.item] += fee.amount
    return ", ".join(f"{counts[item]:,} {words[counts[item] != 1]} ${amounts[item]:,.2f}"
                     for item, words in COUNTED.items())


def describe_fees(fees: list[Fee]) -> str:
    """One line per fee, e.g. "• $4.50 brand registration (once Twilio's checks before it pass)"."""
    return "\n".join(
        f"• ${fee.amount:,.2f} {fee.what}" + ("" if fee.certain else " (once Twilio's checks before it pass)")
        for fee in fees
    )
