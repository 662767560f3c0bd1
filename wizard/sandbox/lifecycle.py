"""Statuses derived lazily from stored timestamps and the sandbox clock (so right after advance_clock).

Timings, in sandbox time from (re)submission:
- customer profile / trust product: pending-review → in-review at +1 min → twilio-approved once a brand
  built on it is VERIFIED; with the reject trigger, twilio-rejected at +2 h instead (never approved).
- brand: PENDING → at +5 min APPROVED + UNVERIFIED (first OTP sent then) or FAILED; APPROVED + VERIFIED
  after the customer's YES within 24 h of the latest OTP. STANDARD brands go straight to APPROVED +
  VERIFIED (no OTP); mock sole-proprietor brands stay APPROVED + UNVERIFIED, get no OTP and no campaign.
- campaign: PENDING → IN_PROGRESS at +10 min → VERIFIED or FAILED at +2 h.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from wizard.sandbox.context import Ctx, at
from wizard.twilio.facts import OTP_WINDOW_HOURS

PROFILE_IN_REVIEW = timedelta(minutes=1)
PROFILE_REJECTED = timedelta(hours=2)
BRAND_DECIDED = timedelta(minutes=5)
BRAND_EXPIRES = timedelta(days=30)
"""An APPROVED brand still UNVERIFIED this long after it was approved is EXPIRED (TCR's rule, per Twilio's guide)."""
CAMPAIGN_IN_PROGRESS = timedelta(minutes=10)
CAMPAIGN_DECIDED = timedelta(hours=2)
OTP_WINDOW = timedelta(hours=OTP_WINDOW_HOURS)
SUBMITTED = ("pending-review", "in-review", "twilio-approved")


@dataclass(frozen=True)
class Phase:
    status: str
    since: datetime | None  # when this status began; None for a stored (never submitted) status


@dataclass(frozen=True)
class BrandPhase:
    status: str
    identity_status: str | None
    since: datetime
    otp_sent_at: datetime | None


def bundle_phase(ctx: Ctx, rec: dict) -> Phase:
    if not rec.get("_submitted_at"):
        return Phase(rec["status"], None)
    start = at(rec["_submitted_at"])
    if ctx.now < start + PROFILE_IN_REVIEW:
        return Phase("pending-review", start)
    if rec.get("_reject"):
        if ctx.now >= start + PROFILE_REJECTED:
            return Phase("twilio-rejected", start + PROFILE_REJECTED)
        return Phase("in-review", start + PROFILE_IN_REVIEW)
    verified = verified_since(ctx, rec["sid"])
    if verified is not None:
        return Phase("twilio-approved", max(verified, start + PROFILE_IN_REVIEW))
    return Phase("in-review", start + PROFILE_IN_REVIEW)


def brand_phase(rec: dict, now: datetime) -> BrandPhase:
    start = at(rec["_submitted_at"])
    decided = start + BRAND_DECIDED
    if now < decided:
        return BrandPhase("PENDING", None, start, None)
    if rec["_errors"]:
        return BrandPhase("FAILED", None, decided, None)
    if rec["brand_type"] != "SOLE_PROPRIETOR":
        return BrandPhase("APPROVED", "VERIFIED", decided, None)
    if rec.get("_verified_at"):
        return BrandPhase("APPROVED", "VERIFIED", at(rec["_verified_at"]), None)
    if not rec["mock"] and now >= decided + BRAND_EXPIRES:
        return BrandPhase("EXPIRED", "UNVERIFIED", decided + BRAND_EXPIRES, None)
    otp = None if rec["mock"] else at(rec["_otp_sent_at"]) if rec.get("_otp_sent_at") else decided
    return BrandPhase("APPROVED", "UNVERIFIED", decided, otp)


def campaign_phase(rec: dict, now: datetime) -> Phase:
    start = at(rec["_submitted_at"])
    if now < start + CAMPAIGN_IN_PROGRESS:
        return Phase("PENDING", start)
    if now < start + CAMPAIGN_DECIDED:
        return Phase("IN_PROGRESS", start + CAMPAIGN_IN_PROGRESS)
    return Phase("FAILED" if rec["_errors"] else "VERIFIED", start + CAMPAIGN_DECIDED)


def verified_since(ctx: Ctx, bundle_sid: str) -> datetime | None:
    """When the first brand built on the bundle became VERIFIED (None: none has)."""
    phases = (brand_phase(b, ctx.now) for b in ctx.state.tagged("brand_registrations", brand_tag(bundle_sid)))
    return min((p.since for p in phases if p.identity_status == "VERIFIED"), default=None)


def brand_tag(bundle_sid: str) -> str:
    """The tag a brand is found by from either of its bundles."""
    return f"bundle:{bundle_sid}"


def mobile_tag(mobile: str) -> str:
    """The tag a brand is found by from its mobile number."""
    return f"mobile:{mobile}"
