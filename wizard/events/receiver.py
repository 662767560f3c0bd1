"""The receiver: one path where Twilio's status callbacks and Event Streams deliveries arrive.

Each delivery is refused before anything is stored when it is not Twilio's: too large (413), not a POST (405),
unsigned or signed wrongly (403), of another content type (415), unreadable (400), or an event older than the
replay window (403). A repeat of a delivery already taken is answered 200 and stores nothing again. The URL
Twilio signed is the public callback URL's scheme and host with the path and query as they arrived, so a proxy
in front must pass the path on unchanged (docs/events.md).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

from aiohttp import web

from storage.customers import StoreError
from wizard.events import deliveries
from wizard.events.deliveries import BadDelivery, Delivery
from wizard.events.inbox import Inbox
from wizard.session.runtime import Runtime
from wizard.session.startup import SetupError
from wizard.twilio import signature
from wizard.twilio.facts import SANDBOX_PASSWORD

log = logging.getLogger("wizard.events")

REPLAY_WINDOW = timedelta(hours=24)
"""An event Twilio says happened longer ago than this is refused as a replay."""
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@dataclass(frozen=True)
class Answer:
    status: int
    text: str


class Receiver:
    """Checks deliveries for `callback_url` against the account's auth token and takes them into the inbox."""

    def __init__(self, inbox: Inbox, token: str, callback_url: str, *, clock: Callable[[], datetime]) -> None:
        parts = urlsplit(callback_url)
        self.inbox = inbox
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.path = parts.path or "/"
        self._token = token
        self._clock = clock

    async def handle(self, method: str, path_qs: str, headers: Mapping[str, str], body: bytes) -> Answer:
        """Check one delivery and take what it says; the answer Twilio gets."""
        if len(body) > deliveries.MAX_BODY:
            return Answer(413, "Too large.")
        if method != "POST":
            return Answer(405, "Twilio POSTs here.")
        sent = headers.get("X-Twilio-Signature", "")
        if not sent:
            return Answer(403, "Unsigned: not from Twilio.")
        url = self.origin + path_qs
        kind = headers.get("Content-Type", "").split(";")[0].strip().lower()
        try:
            if kind == FORM:
                params = parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=200)
                if not signature.valid(self._token, url, sent, params=params):
                    return Answer(403, "The signature does not match: not from Twilio.")
                ident = "cb-" + hashlib.sha256(sent.encode() + body).hexdigest()[:32]  # a retry is the same
                found = [deliveries.callback(params, ident)]
            elif kind == JSON:
                if not signature.valid(self._token, url, sent, body=body):
                    return Answer(403, "The signature does not match: not from Twilio.")
                found = deliveries.stream(body)
            else:
                return Answer(415, "Form or JSON only.")
        except (BadDelivery, UnicodeDecodeError, ValueError) as error:
            return Answer(400, f"Unreadable: {error}.")
        if stale := [d for d in found if self._stale(d)]:
            return Answer(403, f"Event {stale[0].id} is older than {REPLAY_WINDOW}: refused as a replay.")
        try:
            taken = [await self.inbox.take(d) for d in found]
        except StoreError as error:
            log.warning("a delivery could not be stored: %s", error)
            return Answer(503, "The store is busy: send it again.")
        new = sum(t.new for t in taken)
        log.info("delivery: %d event(s), %d new, %d about no customer of ours", len(taken), new,
                 sum(t.key is None for t in taken))
        return Answer(200, f"{new} new of {len(taken)}.")

    def _stale(self, d: Delivery) -> bool:
        if d.occurred_at is None:
            return False
        return datetime.fromisoformat(d.occurred_at.replace("Z", "+00:00")) < self._clock() - REPLAY_WINDOW

    async def aiohttp(self, request: web.Request) -> web.Response:
        """The aiohttp handler: reads at most one byte past the limit."""
        body = await request.content.read(deliveries.MAX_BODY + 1)
        answer = await self.handle(request.method, request.path_qs, request.headers, body)
        return web.Response(status=answer.status, text=answer.text)

    def add_to(self, app: web.Application) -> None:
        """Route this receiver's path (any method: a wrong one is answered 405 by `handle`)."""
        app.router.add_route("*", self.path, self.aiohttp)


def signing_token(rt: Runtime) -> str:
    """The secret Twilio signs deliveries with: the account's auth token (the sandbox's own password)."""
    if rt.sandbox is not None:
        return SANDBOX_PASSWORD
    if rt.settings.auth_token is None:
        raise SetupError("Twilio signs its callbacks with your auth token: set TWILIO_AUTH_TOKEN to receive them "
                         "(an API key cannot check them).")
    return rt.settings.auth_token.get_secret_value()


def receiver_for(rt: Runtime) -> Receiver:
    """The receiver of this installation's callback URL (a SetupError when none is configured)."""
    if not rt.settings.callback_url:
        raise SetupError("No callback URL: set A2P_CALLBACK_URL (or callback_url in config.toml) to the public URL "
                         "Twilio calls, e.g. https://a2p.example.com/twilio/events.")
    return Receiver(Inbox(rt.engine), signing_token(rt), rt.settings.callback_url, clock=rt.engine.clock)
