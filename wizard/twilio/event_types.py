"""The A2P 10DLC event types an ISV subscribes to, as Twilio names them on its Event Types pages
(https://www.twilio.com/docs/events/event-types, the A2P section: brand registration, brand registration 2FA
email, campaign registration, number registration and deregistration, resource cleanup; listed for ISVs in
https://www.twilio.com/docs/messaging/compliance/a2p-10dlc/event-streams-setup). Copied 2026-12-07."""

from __future__ import annotations

from typing import Final

PREFIX: Final = "com.twilio.messaging.compliance."

A2P_EVENT_TYPES: Final = tuple(PREFIX + name for name in (
    "brand-registration.brand-failure",
    "brand-registration.brand-registered",
    "brand-registration.brand-unverified",
    "brand-registration.brand-verified",
    "brand-registration.brand-vetted-verified",
    "brand-registration.brand-secondary-vetting-failure",
    "brand-registration.invalid-contact-email",
    "brand-registration.email-2fa-sent",
    "brand-registration.email-2fa-opened",
    "brand-registration.email-2fa-clicked",
    "brand-registration.email-2fa-completed",
    "brand-registration.email-2fa-timeout",
    "campaign-registration.campaign-submitted",
    "campaign-registration.campaign-approved",
    "campaign-registration.campaign-failure",
    "campaign-registration.campaign-deleted",
    "campaign-registration.suspended-campaign-delete-submitted",
    "number-registration.pending",
    "number-registration.successful",
    "number-registration.failed",
    "number-deregistration.pending",
    "number-deregistration.successful",
    "number-deregistration.failed",
    "a2p-resource-cleanup-started",
    "a2p-resource-cleanup-finished",
))
"""Every A2P event a sole-proprietor ISV's subscription asks for, each in its latest schema version (a subscription
names no `schema_version`: "the last available schema version will be used",
https://www.twilio.com/docs/events/event-streams/subscription/subscribed-event-api)."""
