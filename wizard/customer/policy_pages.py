"""Starter privacy policy and terms pages for a sole proprietor's text-message program, from their stored details.

Most sole proprietors have no website, yet Twilio refuses a campaign without a privacy policy and terms page
(errors 30933 / 30934) and its reviewers read them (30908, 30882, 30932). These pages hold every disclosure the
reviewers look for; they are a starting point for the ISV to review and host, not legal advice.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from wizard.customer.models import Campaign, SoleProprietor, StarterProfile
from wizard.customer.phones import readable_phone

NOTICE = ("A starting point written by a2p-wizard from the details you entered, not legal advice: review it (with "
          "counsel if you can), make it true for this business, and host it at a public https:// address.")
UNSAVED = ("Written from text typed in step 4 and not saved yet: save step 4 so that the campaign Twilio reviews "
           "says the same.")


@dataclass(frozen=True)
class Page:
    """One policy page: its file stem, title, and sections of (heading, paragraphs)."""

    stem: str
    title: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]
    notice: str = NOTICE

    def markdown(self) -> str:
        lines = [f"# {_md(self.title)}", "", f"> {_md(self.notice)}", ""]
        for heading, paragraphs in self.sections:
            lines += [f"## {_md(heading)}", "", *(_md(p) + "\n" for p in paragraphs)]
        return "\n".join(lines).rstrip() + "\n"

    def html(self) -> str:
        body = "".join(f"<h2>{html.escape(h)}</h2>" + "".join(f"<p>{html.escape(p)}</p>" for p in ps)
                       for h, ps in self.sections)
        return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{html.escape(self.title)}</title></head>\n<body><h1>{html.escape(self.title)}</h1>"
                f"<p><em>{html.escape(self.notice)}</em></p>{body}</body></html>\n")


def pages(profile: StarterProfile, bundle: SoleProprietor | None, campaign: Campaign | None,
          number: str | None = None, *, typed: dict[str, str] | None = None) -> list[Page]:
    """The privacy policy and the terms and conditions of the customer's SMS program (`number`: the E.164 number
    the texts come from, once the customer has one; `typed`: step 4's description and message flow as the form
    holds them, unsaved — the pages then say so)."""
    brand = bundle.brand_name if bundle else profile.full_name
    contact = f"{profile.email} or {readable_phone(profile.phone)}"
    saved = {"campaign_description": campaign.campaign_description if campaign else "",
             "message_flow": campaign.message_flow if campaign else ""}
    text = saved | {k: v.strip() for k, v in (typed or {}).items() if k in saved and v.strip()}
    notice = NOTICE + " " + UNSAVED if text != saved else NOTICE
    program = (text["campaign_description"].rstrip(".") or
               f"Text messages from {brand} to its customers about their appointments and orders")
    optin = text["message_flow"].rstrip(".") or "Customers opt in by agreeing to receive texts"
    frequency = "Message frequency varies (typically a few messages a month)."
    sender = (f"Our texts come from {readable_phone(number)}.",) if number else ()
    privacy = Page("privacy", f"{brand} — Privacy Policy", notice=notice, sections=(
        ("Who we are", (f"{brand} is run by {profile.full_name}, {profile.city}, {profile.region}, "
                        f"{profile.country}. Questions about this policy: {contact}.",)),
        ("What we collect", ("Your name and mobile phone number when you opt in to our text messages, and the "
                             "messages you send us. We use them only to run the text-message program described "
                             "below and to answer you.",)),
        ("Our text-message program", (f"{program}. {optin}. {frequency} Message and data rates may apply.",
                                      *sender, "Reply STOP to any message to opt out; reply HELP for help.")),
        ("Sharing", ("No mobile information will be shared with third parties or affiliates for marketing or "
                     "promotional purposes. Text messaging originator opt-in data and consent will not be shared "
                     "with any third parties.",
                     "We share information only with the service providers that deliver our messages, and only "
                     "for that purpose, or when the law requires it.")),
        ("Your choices", (f"You can opt out at any time by replying STOP, and ask what we hold about you or ask us "
                          f"to delete it by writing to {contact}.",)),
    ))
    terms = Page("terms", f"{brand} — SMS Terms and Conditions", notice=notice, sections=(
        ("The program", (f"{program}. {optin}.", *sender)),
        ("Frequency and cost", (f"{frequency} Message and data rates may apply.",)),
        ("Opting out", ("Reply STOP to cancel at any time; we will confirm, then send no more messages.",)),
        ("Help", (f"Reply HELP for help, or contact {contact}.",)),
        ("Carriers", ("Carriers are not liable for delayed or undelivered messages.",)),
        ("Privacy", ("Our Privacy Policy explains how we handle your information; no mobile information is shared "
                     "with third parties or affiliates for marketing or promotional purposes.",)),
    ))
    return [privacy, terms]


def write(target: Path, found: list[Page]) -> list[Path]:
    """Write each page as Markdown and HTML into `target` (created if missing); the paths written."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for page in found:
        for suffix, text in ((".md", page.markdown()), (".html", page.html())):
            path = target / f"{page.stem}{suffix}"
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#!|~&{}])")
_MD_LINE_START = re.compile(r"^(?:([-+=])|(\d+)([.)]))")


def _md(text: str) -> str:
    """`text` as literal Markdown: one line, every character Markdown or HTML reads as markup escaped (so a
    customer's `<!--`, `<script>`, `[x](javascript:…)` or `# heading` shows as written and hides nothing)."""
    escaped = _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return _MD_LINE_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", escaped)

