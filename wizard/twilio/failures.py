"""Twilio's error answers as one typed exception."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import httpx

from wizard.errors import OperatorError
from wizard.visible import cut, redact

MESSAGE_LIMIT = 500
"""A server's message is kept to this many characters (a hostile server may answer megabytes)."""


@dataclass
class TwilioError(OperatorError):
    """An error answer from Twilio (or no answer at all: `status` 0 for a timeout or a dropped connection)."""

    status: int
    code: int | None
    message: str
    more_info: str | None = None
    retry_after: float | None = None
    overdue: bool = False
    """No answer within the request's total deadline (then a read is not sent again within the call)."""

    def __post_init__(self) -> None:
        """Whatever the server said is made safe to store and print: visible, and cut."""
        self.message = cut(self.message, MESSAGE_LIMIT)
        self.more_info = cut(self.more_info, MESSAGE_LIMIT) if self.more_info else None

    def __str__(self) -> str:
        code = f" {self.code}" if self.code else ""
        return f"Twilio error{code} (HTTP {self.status}): {self.message}" if self.status else self.message

    @property
    def retryable(self) -> bool:
        """A 429 was not processed; a timeout or a 5xx may or may not have been."""
        return self.status == 0 or self.status == 429 or self.status >= 500

    @property
    def not_processed(self) -> bool:
        """Twilio says a 429 request was not processed, so it is always safe to send again."""
        return self.status == 429

    @classmethod
    def from_response(cls, response: httpx.Response) -> TwilioError:
        """Read Twilio's `{code, message, more_info, status}` body, or the RFC 9457 problem shape."""
        try:
            body = response.json()
        except (ValueError, RecursionError):
            body = {}
        if not isinstance(body, dict):
            body = {}
        code = body.get("code")
        message = body.get("message") or body.get("detail") or body.get("title") or response.reason_phrase
        more_info = body.get("more_info") or body.get("type")
        secrets = credentials(response.request) if response._request is not None else []
        return cls(
            status=response.status_code,
            code=int(code) if isinstance(code, int | str) and str(code).isdigit() and len(str(code)) < 10 else None,
            message=redact(str(message or f"HTTP {response.status_code}"), secrets),
            more_info=redact(str(more_info), secrets) if more_info else None,
        )

    @classmethod
    def garbage(cls, response: httpx.Response, operation: str, why: str) -> TwilioError:
        """A success status with a body that is not what `operation` answers: the outcome is unknown."""
        words = operation.replace("_", " ")
        return cls(status=response.status_code, code=None,
                   message=f"Twilio's answer to {words} was not understood: {why}.")

    @property
    def unknown_outcome(self) -> bool:
        """Nothing says whether the request was processed: a timeout, a 5xx, or a 2xx that cannot be read."""
        return self.status == 0 or self.status >= 500 or 200 <= self.status < 300

    @classmethod
    def from_transport(cls, exc: httpx.TransportError) -> TwilioError:
        kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
        return cls(status=0, code=None, message=f"The request to Twilio {kind} ({type(exc).__name__}).")


def credentials(request: httpx.Request) -> list[str]:
    """The secrets a request was sent with: its Authorization value, its base64, `user:password` and the password
    (the auth token or the API secret)."""
    header = request.headers.get("Authorization", "")
    if not header:
        return []
    _, _, token = header.partition(" ")
    try:
        pair = base64.b64decode(token).decode("utf-8")
    except ValueError:
        pair = ""
    return [header, token, pair, pair.partition(":")[2]]
