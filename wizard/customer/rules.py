"""Approval-readiness checks: what Twilio or TCR would likely reject, found before any fee is paid.

`check` reads one customer as a flat mapping with the CSV import's column names. Empty values are
allowed (later steps may not be filled in yet): a rule about an empty section does not fire.
"""

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

import phonenumbers

from wizard.customer.models import is_us_area_code
from wizard.customer.urls import is_reserved, is_shortener
from wizard.twilio.facts import (
    ADDRESS_BRAND_LIMIT,
    COMPANY_FORM,
    EMAIL_BRAND_LIMIT,
    KEYWORDS_MAX,
    MAX_SAMPLES,
    MIN_SAMPLES,
    MOBILE_BRAND_LIMIT,
    TEXT_LIMITS,
    company_form,
)
from wizard.visible import cut

Severity = Literal["block", "warn"]


@dataclass(frozen=True)
class Finding:
    rule: str  # stable id, e.g. "campaign.sample-count"
    severity: Severity
    field: str  # the column it concerns; "" if none
    message: str  # plain words: what is wrong and what to do
    twilio_error: int | None  # related Twilio error code, when there is one


@dataclass(frozen=True)
class CheckContext:
    own_numbers: frozenset[str] = frozenset()  # E.164 numbers the Twilio account owns
    cpaas_prefix: str | None = None  # E.164 numbers starting so are a CPaaS provider's (the sandbox marks some)
    mobile_brand_uses: int = 0  # brands already in the store with this mobile (excluding this customer)
    email_brand_uses: int = 0
    address_brand_uses: int = 0
    live: bool = False  # the rules Twilio applies to real submissions (the sandbox accepts example domains)


# rule id -> (severity, one-line description, related Twilio error)
_RULES: dict[str, tuple[Severity, str, int | None]] = {
    "campaign.sample-count": ("block", "A campaign needs 2 to 5 sample messages.", None),
    "campaign.length": ("block", "Campaign texts must fit Twilio's length limits.", None),
    "campaign.keywords": ("block", "Keywords must be letters and digits only, 255 characters in all.", None),
    "campaign.opt-in-keywords-without-message": ("block", "Opt-in keywords need a message.", 30896),
    "campaign.opt-out-keywords-without-message": ("block", "Opt-out keywords need a message.", 30887),
    "campaign.help-keywords-without-message": ("block", "Help keywords need a help message.", None),
    "campaign.link-undeclared": ("block", "A sample has a link; embedded links is no.", None),
    "campaign.phone-undeclared": ("block", "A sample has a phone number; embedded phone is no.", 30889),
    "campaign.url-shortener": ("block", "A sample uses a public URL shortener.", 30892),
    "campaign.privacy-url-missing": ("block", "No privacy policy URL (required since 2026-06-30).", 30933),
    "campaign.terms-url-missing": ("block", "No terms and conditions URL (required since 2026-06-30).", 30934),
    "campaign.policy-url-placeholder": ("block", "A policy URL is an example domain (live mode).", 30933),
    "campaign.markup": ("block", "A text holds web markup that would hide a policy page's disclosures.", None),
    "campaign.buy-needs-us-area-code": ("block", "`buy` for a customer whose phone is not in a US area code.", None),
    # policy page check (lint --fetch, step 4's "Check pages"): found on the pages themselves
    "policy.unreachable": ("block", "A policy page can't be read over https (a warning in the sandbox).", 30908),
    "policy.no-sharing-statement": ("warn", "The privacy policy doesn't say mobile data isn't shared.", 30932),
    "policy.no-sms": ("warn", "A policy page doesn't mention the text-message program.", None),
    "policy.no-stop": ("warn", "A policy page doesn't say how to opt out (STOP).", None),
    "policy.no-help": ("warn", "A policy page doesn't say how to get help (HELP).", None),
    "policy.no-frequency": ("warn", "A policy page doesn't say how often messages come.", None),
    "policy.no-rates": ("warn", "A policy page doesn't say message and data rates may apply.", None),
    "policy.company-name": ("warn", "A policy page names a registered company (LLC, Inc., Corp. ...).", 30915),
    "brand.entity-suffix": ("block", "A name carries a company suffix (LLC, Inc., Corp. ...).", 30915),
    "brand.ein": ("block", "A field holds something shaped like an EIN (NN-NNNNNNN).", 30915),
    "brand.name-not-a-name": ("block", "The brand name is an email address or an account ID.", 30914),
    "brand.mobile-is-twilio-number": ("block", "The OTP mobile is one of our Twilio numbers.", 30751),
    "brand.mobile-limit": ("block", "The mobile number already has 3 brands (TCR limit).", None),
    "brand.email-limit": ("block", "The email already has 10 brands (TCR limit).", None),
    "brand.address-limit": ("block", "The address already has 10 brands (TCR limit).", None),
    "brand.mobile-last-use": ("warn", "This brand would be the mobile number's 3rd and last.", None),
    "brand.name-mismatch": ("warn", "The brand name contains neither the first nor the last name.", 30914),
    "campaign.no-opt-out-sample": ("warn", "No sample tells the recipient how to opt out.", 30893),
    "campaign.no-name-in-samples": ("warn", "No sample names the brand or the person.", 30893),
    "campaign.flow-no-consent": ("warn", "The message flow does not say how consent is collected.", 30896),
    "campaign.disallowed-content": ("warn", "Cannabis/CBD wording: content Twilio does not allow.", 30897),
    "campaign.restricted-content": ("warn", "Restricted-category wording (loans, alcohol, guns ...).", None),
    "campaign.placeholder-sample": ("warn", "A sample is a placeholder (test, lorem ipsum ...).", 30893),
    "campaign.links-unused": ("warn", "Embedded links is yes; no sample has a link.", None),
    "campaign.phone-unused": ("warn", "Embedded phone is yes; no sample has a number.", 30889),
}
RULES: dict[str, tuple[Severity, str]] = {rule: (sev, text) for rule, (sev, text, _) in _RULES.items()}

_SAMPLES = tuple(f"sample_{n}" for n in range(1, 6))
_REPLIES = ("opt_in", "opt_out", "help")
_CAMPAIGN = (
    "campaign_description",
    "message_flow",
    *_SAMPLES,
    *(f"{r}_message" for r in _REPLIES),
    *(f"{r}_keywords" for r in _REPLIES),
)
_LENGTHS = {
    "campaign_description": ("The campaign description", *TEXT_LIMITS["description"]),
    "message_flow": ("The message flow", *TEXT_LIMITS["message_flow"]),
    **{s: (f"Sample {s[-1]}", *TEXT_LIMITS["sample"]) for s in _SAMPLES},
    **{f"{r}_message": (f"The {r.replace('_', '-')} message", *TEXT_LIMITS["reply"]) for r in _REPLIES},
}
_YES = frozenset({"true", "yes", "y", "1"})

_TLDS = "com|net|org|edu|gov|io|co|us|ca|biz|info|app|me|ly|gl|gd|at|cc|gy|in|to|link|site|online|shop|store"
_URL = re.compile(
    rf"(?:https?://|www\.)[^\s<>\"]+"
    rf"|(?<![@.-])\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{{2,24}}/[^\s<>\"]*"
    rf"|(?<![@.-])\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})(?:\.[a-z]{{2}})?\b",
    re.IGNORECASE,
)
_EIN = re.compile(r"(?<![\d-])\d{2}-\d{7}(?![\d-])")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)
_SID = re.compile(r"\b[A-Z]{2}[0-9a-f]{32}\b|\b[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\b", re.IGNORECASE)
_OPT_OUT = re.compile(r"\bSTOP\b|(?i:\b(?:reply|text|send)\s+[\"']?stop\b|\bopt[- ]?out\b|\bunsubscribe\b)")
_CONSENT = re.compile(
    r"\bopt(?:s|ed|ing)?[- ]?in\b|\bconsent|\bagree|\bsign(?:s|ed|ing)?[- ]?up\b|\bsubscrib|\bpermission"
    r"|\bcheck(?:s|ed|ing)?\s*(?:a\s+|the\s+)?box|\bcheckbox|\btext(?:s|ing)?\s+(?:\W?\w+\W?\s+)?to\b"
    r"|\bkeyword|\bform\b|\bverbal",
    re.IGNORECASE,
)
_DISALLOWED = re.compile(r"\b(?:cannabis|cbd|marijuana|thc|kratom)\b", re.IGNORECASE)
_RESTRICTED = re.compile(
    r"\b(?:firearms?|guns?|ammunition|ammo|loans?|payday|debt collection|debt relief|credit repair|gambling"
    r"|casinos?|betting|sweepstakes|lottery|vapes?|vaping|tobacco|cigarettes?|alcohol|liquor|beer|wine)\b",
    re.IGNORECASE,
)


def sample_in_question(samples: list[str]) -> str:
    """The sample a Twilio error about the samples as a whole most likely concerns: the first one with content
    carriers refuse or restrict (else the first)."""
    return next((f"sample_{n}" for n, text in enumerate(samples, start=1)
                 if _DISALLOWED.search(text) or _RESTRICTED.search(text)), "sample_1")


_PLACEHOLDER = re.compile(
    r"lorem ipsum|\basdf|\bqwerty\b|\bx{3,}\b|\bsample (?:message|text|sms)\b|\bmessage\s*#?\d\b"
    r"|\btest(?:ing)? (?:message|sms|text)\b|^\W*(?:(?:this is )?(?:a )?test(?:ing)?\W*)+$",
    re.IGNORECASE,
)


def check(row: Mapping[str, str], ctx: CheckContext = CheckContext()) -> list[Finding]:
    """Every finding for one customer: blocking problems first, then warnings."""
    return list(_check(tuple(sorted((key, (value or "").strip()) for key, value in row.items())), ctx))


@functools.lru_cache(maxsize=1024)
def _check(items: tuple[tuple[str, str], ...], ctx: CheckContext) -> tuple[Finding, ...]:
    """`check` of one customer's values (remembered: the engine judges a customer after every call it makes,
    mostly with the same inputs)."""
    values = dict(items)
    found = [*_brand(values), *_registrations(values, ctx), *_markup(values)]
    if any(values.get(field) for field in _CAMPAIGN):
        found += _campaign(values, ctx)
    return tuple(sorted(found, key=lambda f: f.severity != "block"))


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that must be fixed before submitting."""
    return [f for f in findings if f.severity == "block"]


def finding(rule: str, field: str, message: str) -> Finding:
    """A finding of `rule` (its severity and Twilio error from the rules table)."""
    severity, _, code = _RULES[rule]
    return Finding(rule, severity, field, message, code)


@functools.lru_cache(maxsize=4096)
def _e164(value: str) -> str | None:
    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _has_phone(text: str) -> bool:
    return any(True for _ in phonenumbers.PhoneNumberMatcher(text, "US"))


def _words(pattern: re.Pattern[str], text: str) -> str:
    return ", ".join(sorted({w.lower() for w in pattern.findall(text)}))


def _word_in(word: str, text: str) -> bool:
    return bool(word) and re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE) is not None


# --- brand ---------------------------------------------------------------------------------------


def company_wording(text: str) -> str | None:
    """The first company form a text names ("LLC", "Inc.", "Corp." ...), or None (a page's text, say)."""
    return m.group(0) if (m := COMPANY_FORM.search(text)) else None


def _brand(row: dict[str, str]) -> Iterator[Finding]:
    brand, first, last = row.get("brand_name", ""), row.get("first_name", ""), row.get("last_name", "")
    for field, value in (("brand_name", brand), ("first_name", first), ("last_name", last)):
        suffix = company_form(value)
        if suffix and suffix.rstrip(".").casefold() != last.casefold():  # "Maria Co" when her surname is Co
            yield finding(
                "brand.entity-suffix",
                field,
                f"'{cut(value)}' contains '{suffix}', which marks a registered company. Sole-proprietor brands "
                "are for people without a company: remove the suffix, or register a Standard brand instead.",
            )
    for field, value in row.items():
        if _EIN.search(value):
            yield finding(
                "brand.ein",
                field,
                f"{field} contains something shaped like an EIN (NN-NNNNNNN). Customers with a tax ID "
                "can't use a sole-proprietor brand: remove it if it isn't one, or register a Standard brand.",
            )
    if brand and (_EMAIL.search(brand) or _SID.search(brand) or _looks_like_id(brand)):
        yield finding(
            "brand.name-not-a-name",
            "brand_name",
            f"The brand name '{cut(brand)}' looks like an email address or an account ID. Use the customer's "
            "business (DBA) name, or their first and last name if they have no business.",
        )
    elif brand and (first or last) and not (_word_in(first, brand) or _word_in(last, brand)):
        yield finding(
            "brand.name-mismatch",
            "brand_name",
            f"The brand name '{cut(brand)}' contains neither '{cut(first)}' nor '{cut(last)}'. Keep it only if it is "
            "the customer's real trade name; for people without a business, Twilio expects first + last name.",
        )


def _looks_like_id(value: str) -> bool:
    """One word with four or more digits, like 'acct_102938' or 'user12345'."""
    return " " not in value and sum(c.isdigit() for c in value) >= 4


def _registrations(row: dict[str, str], ctx: CheckContext) -> Iterator[Finding]:
    mobile = row.get("mobile_phone", "")
    own = {_e164(n) for n in ctx.own_numbers}
    if mobile and _e164(mobile) in own:
        yield finding(
            "brand.mobile-is-twilio-number",
            "mobile_phone",
            "The mobile number is one of this account's Twilio numbers. The OTP must go to the customer's "
            "own US/Canadian mobile phone: enter that number instead.",
        )
    elif mobile and ctx.cpaas_prefix and (_e164(mobile) or "").startswith(ctx.cpaas_prefix):
        yield finding(
            "brand.mobile-is-twilio-number",
            "mobile_phone",
            "The mobile number is a CPaaS provider's number (the sandbox marks +1 206-555-09xx so). The OTP must "
            "go to the customer's own US/Canadian mobile phone, not one bought from a CPaaS: enter that instead.",
        )
    if mobile and ctx.mobile_brand_uses >= MOBILE_BRAND_LIMIT:
        yield finding(
            "brand.mobile-limit",
            "mobile_phone",
            f"This mobile number already has {ctx.mobile_brand_uses} brands; TCR allows "
            f"{MOBILE_BRAND_LIMIT}. Use another mobile number the customer owns.",
        )
    elif mobile and ctx.mobile_brand_uses == MOBILE_BRAND_LIMIT - 1:
        yield finding(
            "brand.mobile-last-use",
            "mobile_phone",
            f"This would be the mobile number's {MOBILE_BRAND_LIMIT}rd and last brand (TCR limit, counted "
            "across all vendors, so it may already be used elsewhere). Check the number before submitting.",
        )
    for field, uses, limit, what in (
        ("email", ctx.email_brand_uses, EMAIL_BRAND_LIMIT, "email address"),
        ("street", ctx.address_brand_uses, ADDRESS_BRAND_LIMIT, "address"),
    ):
        if row.get(field) and uses >= limit:
            rule = "brand.email-limit" if field == "email" else "brand.address-limit"
            yield finding(
                rule, field, f"This {what} already has {uses} brands; TCR allows {limit}. Use another {what}."
            )


# --- campaign ------------------------------------------------------------------------------------


def _campaign(row: dict[str, str], ctx: CheckContext) -> Iterator[Finding]:
    samples = {s: row[s] for s in _SAMPLES if row.get(s)}
    yield from _policies(row, ctx)
    yield from _number(row)
    yield from _shape(row, samples)
    yield from _embedded(row, samples)
    yield from _content(row, samples)


_POLICIES = (("privacy_policy_url", "privacy-url-missing", "privacy policy", 30933),
             ("terms_url", "terms-url-missing", "terms and conditions", 30934))


def _number(row: dict[str, str]) -> Iterator[Finding]:
    phone = _e164(row.get("phone", "")) or ""
    if row.get("phone_number", "").lower() == "buy" and phone.startswith("+1") and not is_us_area_code(phone[2:5]):
        yield finding("campaign.buy-needs-us-area-code", "phone_number",
                       f"`buy` gets a number in the area code of the customer's phone ({phone[2:5]}), where Twilio "
                       "sells no US numbers: name a US area code near them, like buy:206.")


def policy_url_missing(field: str) -> str:
    """What to do about an empty policy URL field (privacy_policy_url or terms_url)."""
    what, code = next((what, code) for name, _, what, code in _POLICIES if name == field)
    return (f"The campaign has no {what} URL. Since 30 June 2026 Twilio refuses campaigns without one (error "
            f"{code}): enter the https:// address of the customer's {what} page (`a2p-wizard policy KEY` writes a "
            "starting point to host).")


def _policies(row: dict[str, str], ctx: CheckContext) -> Iterator[Finding]:
    for field, rule, what, _ in _POLICIES:
        url = row.get(field, "")
        if not url:
            yield finding(f"campaign.{rule}", field, policy_url_missing(field))
        elif ctx.live and is_reserved(url):
            yield finding("campaign.policy-url-placeholder", field,
                           f"{url} is an example domain nobody can open: Twilio's reviewers must read the "
                           f"customer's real {what} page. Enter its public https:// address.")


def _shape(row: dict[str, str], samples: dict[str, str]) -> Iterator[Finding]:
    if not MIN_SAMPLES <= len(samples) <= MAX_SAMPLES:
        missing = next(s for s in _SAMPLES if s not in samples)
        yield finding(
            "campaign.sample-count",
            missing,
            f"The campaign has {len(samples)} sample message(s); Twilio needs {MIN_SAMPLES} to {MAX_SAMPLES}. "
            "Add more samples.",
        )
    for field, (what, low, high) in _LENGTHS.items():
        value = row.get(field, "")
        required = field in ("campaign_description", "message_flow")
        if (value or required) and not low <= len(value) <= high:
            yield finding(
                "campaign.length",
                field,
                f"{what} has {len(value)} characters; Twilio needs {low} to {high}. "
                + ("Add more detail." if len(value) < low else "Shorten it."),
            )
    for reply in _REPLIES:
        keywords = [k.strip() for k in row.get(f"{reply}_keywords", "").split(",") if k.strip()]
        field, kind = f"{reply}_keywords", reply.replace("_", "-")
        if bad := [k for k in keywords if not re.fullmatch(r"[A-Za-z0-9]+", k)]:
            yield finding(
                "campaign.keywords",
                field,
                f"Keywords may only hold letters and digits: fix {', '.join(repr(cut(k, 30)) for k in bad[:5])}.",
            )
        if len(",".join(keywords)) > KEYWORDS_MAX:
            yield finding(
                "campaign.keywords", field, f"The keywords exceed {KEYWORDS_MAX} characters in all: drop some."
            )
        if keywords and not row.get(f"{reply}_message"):
            yield finding(
                f"campaign.{kind}-keywords-without-message",
                f"{reply}_message",
                f"There are {kind} keywords but no {kind} message: write the reply those keywords send.",
            )


def _embedded(row: dict[str, str], samples: dict[str, str]) -> Iterator[Finding]:
    links = row.get("has_embedded_links", "").lower() in _YES
    phone = row.get("has_embedded_phone", "").lower() in _YES
    with_url = {s: _URL.findall(text) for s, text in samples.items()}
    with_phone = {s for s, text in samples.items() if _has_phone(text)}
    for field, urls in with_url.items():
        if urls and not links:
            yield finding(
                "campaign.link-undeclared",
                field,
                f"Sample {field[-1]} contains a link ({urls[0]}) but embedded links are set to no. "
                "Set has_embedded_links to yes, or remove the link.",
            )
        if shorteners := [u for u in urls if is_shortener(u)]:
            yield finding(
                "campaign.url-shortener",
                field,
                f"Sample {field[-1]} uses a public URL shortener ({shorteners[0]}). Carriers reject these: "
                "use the full https link on the customer's own domain.",
            )
    for field in sorted(with_phone):
        if not phone:
            yield finding(
                "campaign.phone-undeclared",
                field,
                f"Sample {field[-1]} contains a phone number but embedded phone is set to no. "
                "Set has_embedded_phone to yes, or remove the number.",
            )
    if samples and links and not any(with_url.values()):
        yield finding(
            "campaign.links-unused",
            "has_embedded_links",
            "Embedded links are set to yes but no sample has a link. Add one, or set it to no.",
        )
    if samples and phone and not with_phone:
        yield finding(
            "campaign.phone-unused",
            "has_embedded_phone",
            "Embedded phone is set to yes but no sample has a phone number. Add one, or set it to no.",
        )


_MARKUP = re.compile(r"<\s*[a-z!/?]|javascript\s*:|\]\s*\(", re.I)
"""An HTML tag or comment (`<!--` hides all that follows), a script link, a Markdown link: markup, not words."""
_PAGE_TEXTS = {"brand_name": "The brand name", "campaign_description": "The campaign description",
               "message_flow": "The message flow"}
"""The texts the starter policy pages are written from."""


def _markup(row: dict[str, str]) -> Iterator[Finding]:
    for field, what in _PAGE_TEXTS.items():
        if found := _MARKUP.search(row.get(field, "")):
            yield finding("campaign.markup", field,
                          f"{what} holds web markup ({cut(found.group(), 20)!r}): on a policy page written from it, "
                          "it could hide what follows — the STOP/HELP, frequency, rates and no-sharing disclosures "
                          "reviewers look for. Write it in plain words.")


def _content(row: dict[str, str], samples: dict[str, str]) -> Iterator[Finding]:
    if samples and not any(_OPT_OUT.search(t) for t in samples.values()):
        yield finding(
            "campaign.no-opt-out-sample",
            next(iter(samples)),
            "No sample tells the recipient how to stop messages. End one with 'Reply STOP to opt out'.",
        )
    names = [row.get(k, "") for k in ("brand_name", "first_name", "last_name")]
    if samples and any(names) and not any(_word_in(n, t) for n in names for t in samples.values()):
        yield finding(
            "campaign.no-name-in-samples",
            next(iter(samples)),
            "No sample says who is sending. Start at least one with the brand name or the person's name.",
        )
    flow = row.get("message_flow", "")
    if flow and not _CONSENT.search(flow):
        yield finding(
            "campaign.flow-no-consent",
            "message_flow",
            "The message flow doesn't say how people agree to get texts. Describe where and how they opt in "
            "(web form with a checkbox, texting a keyword, verbal consent ...).",
        )
    texts = {k: row.get(k, "") for k in ("campaign_description", "message_flow")} | samples
    for field, text in texts.items():
        if words := _words(_DISALLOWED, text):
            yield finding(
                "campaign.disallowed-content",
                field,
                f"Mentions {words}: cannabis and CBD messaging is not allowed on Twilio in US/Canada. "
                "Remove it if the business is not in that category; otherwise it can't be registered.",
            )
        if words := _words(_RESTRICTED, text):
            yield finding(
                "campaign.restricted-content",
                field,
                f"Mentions {words}: a restricted category that carriers review closely or refuse. "
                "Remove the wording if it isn't what the customer will send.",
            )
    for field, text in samples.items():
        if _PLACEHOLDER.search(text):
            yield finding(
                "campaign.placeholder-sample",
                field,
                f"Sample {field[-1]} looks like a placeholder. Write a real message the customer will send.",
            )
