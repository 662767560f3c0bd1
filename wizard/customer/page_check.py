"""The policy page check: open each policy URL as Twilio's reviewers would, and say what the page seems to lack.

An explicit action (`lint --fetch`, a button in step 4), never run on every keystroke. Each page is fetched with
httpx: only a URL that passes the policy URL rules (https, a public domain name), on a public address only
(`public_address.py`), at most MAX_REDIRECTS redirects (followed by hand, each checked like the first, and no
cookie is ever sent back), at most PAGE_LIMIT bytes read, a TIMEOUT per read and a DEADLINE for the whole, and
our own User-Agent. What went wrong on the way is said as "could not be fetched", never as TLS or port details. A
page that can't be read blocks in live mode (Twilio's reviewers could not read it either); what the words seem to
lack is only a warning, since a page can say the right thing in words these patterns miss.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx

from wizard.customer import urls
from wizard.customer.models import policy_url_problem
from wizard.customer.public_address import NotPublic, PinnedTransport, Reach
from wizard.customer.rules import Finding, company_wording, finding

PAGE_LIMIT = 2 * 2**20
"""Bytes of a page read by default (A2P_PAGE_CHECK_MAX_MB); the rest is not read."""
MAX_REDIRECTS = 5
TIMEOUT = 10.0
"""Seconds one read may wait."""
DEADLINE = 30.0
"""Seconds a whole page check may take by default (A2P_PAGE_CHECK_DEADLINE), redirects included (a page trickled a
byte at a time never ends)."""
USER_AGENT = "a2p-wizard policy check (A2P 10DLC campaign readiness)"
TEXT_TYPES = ("text/html", "text/plain", "application/xhtml+xml")

_CLAUSES: tuple[tuple[str, str, re.Pattern[str], bool], ...] = (
    ("policy.no-sms", "the text-message (SMS) program", re.compile(r"\b(sms|text messag\w*|texts?)\b", re.I), False),
    ("policy.no-stop", "how to opt out (reply STOP)", re.compile(r"\bstop\b", re.I), False),
    ("policy.no-help", "how to get help (reply HELP)", re.compile(r"\bhelp\b", re.I), False),
    ("policy.no-frequency", "how often messages are sent", re.compile(r"frequen", re.I), False),
    ("policy.no-rates", "that message and data rates may apply",
     re.compile(r"(message|msg)s?\s*(and|&)\s*data\s*rates", re.I), False),
    ("policy.no-sharing-statement",
     "that mobile information is not shared with third parties or affiliates for marketing",
     re.compile(r"\b(no|not|never|won'?t)\b[^.]{0,120}\b(shar|sell|sold|rent|disclos|transfer)\w*[^.]{0,160}"
                r"(third[- ]part|affiliat)", re.I), True),
)
"""(rule, what the page should say, how we recognise it, privacy policy only)."""
REACH = Reach()
"""Public addresses, found by the system's resolver (the tests reach their own server through another)."""


class Unfetchable(Exception):
    """The page was not fetched, for a reason worth telling the operator (the message)."""


@dataclass(frozen=True)
class Page:
    """What a fetch found: the final URL, the HTTP status, the content type, the text (empty when unread)."""

    url: str
    status: int
    content_type: str
    text: str


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def page_text(body: str, content_type: str) -> str:
    """The words of a page (HTML tags, scripts and styles dropped)."""
    if "html" not in content_type:
        return body
    parser = _Text()
    parser.feed(body)
    return " ".join(" ".join(parser.parts).split())


async def fetch(url: str, *, reach: Reach | None = None, deadline: float = DEADLINE, limit: int = PAGE_LIMIT
                ) -> Page:
    """GET `url` as a reviewer would (see the module doc), reading at most `limit` bytes of the page; raises
    Unfetchable, NotPublic, TimeoutError (past `deadline` seconds), httpx's errors or OSError."""
    async with asyncio.timeout(deadline), httpx.AsyncClient(
            timeout=TIMEOUT, transport=PinnedTransport(reach or REACH), follow_redirects=False,
            headers={"User-Agent": USER_AGENT, "Accept": "text/html, text/plain"}) as client:
        for hop in range(MAX_REDIRECTS + 1):
            if problem := policy_url_problem(url):
                raise Unfetchable(f"it leads to {url}: {problem}" if hop else problem)
            client.cookies.clear()  # nothing a page sets is ever sent back
            url = urls.as_browser_reads(url)
            async with client.stream("GET", url) as response:
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                body = b""
                async for chunk in response.aiter_bytes():
                    body += chunk[: limit - len(body)]
                    if len(body) >= limit:
                        break
                text = body.decode(response.encoding or "utf-8", errors="replace")
                return Page(url, response.status_code, content_type, page_text(text, content_type))
    raise Unfetchable(f"it redirects more than {MAX_REDIRECTS} times")


async def check_page(field: str, url: str, *, live: bool, reach: Reach | None = None, deadline: float = DEADLINE,
                     limit: int = PAGE_LIMIT) -> list[Finding]:
    """Findings about the policy page at `url` (`field`: privacy_policy_url or terms_url), fetched within
    `deadline` seconds, at most `limit` bytes of it read."""
    what = "privacy policy" if field == "privacy_policy_url" else "terms and conditions"
    try:
        page = await fetch(url, reach=reach, deadline=deadline, limit=limit)
    except Unfetchable as error:
        return [_unreachable(field, f"The {what} page {url} could not be fetched: {error}", live)]
    except TimeoutError:
        return [_unreachable(field, f"The {what} page {url} could not be fetched within {deadline:g} s.", live)]
    except NotPublic:
        return [_unreachable(field, f"The {what} page {url} could not be fetched: its host is not on a public "
                                    "address.", live)]
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, httpx.CookieConflict, OSError, ValueError):
        return [_unreachable(field, f"The {what} page {url} could not be fetched.", live)]
    if page.status != 200:
        return [_unreachable(field, f"The {what} page {url} answered HTTP {page.status}, not 200.", live)]
    if not page.content_type.startswith(TEXT_TYPES):
        return [_unreachable(field, f"The {what} page {url} is {page.content_type or 'of no stated type'}, not a "
                                    "web page.", live)]
    found = [finding(rule, field, f"The {what} page does not seem to say {says}: reviewers look for it "
                                  "(check the wording, then resubmit if it is there).")
             for rule, says, pattern, privacy_only in _CLAUSES
             if (field == "privacy_policy_url" or not privacy_only) and not pattern.search(page.text)]
    if company := company_wording(page.text):  # 30915 since 2026-07-17: a website showing a company
        found.append(finding("policy.company-name", field, f"The {what} page names a company ('{company}'): Twilio "
                                                           "refuses a sole-proprietor campaign whose website shows a "
                                                           "registered company (30915). Remove it, or register a "
                                                           "Standard brand."))
    return found


_REVIEWERS = "Twilio's reviewers must be able to open it."


def _unreachable(field: str, message: str, live: bool) -> Finding:
    found = finding("policy.unreachable", field, message if message.endswith(_REVIEWERS) else f"{message} {_REVIEWERS}")
    return found if live else Finding(found.rule, "warn", found.field, found.message, found.twilio_error)

