"""Twilio's error answers as one typed exception."""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx

from wizard.errors import OperatorError


@dataclass
class TwilioError(OperatorError):
    """An error answer from Twilio (or no answer at all: `status` 0 for a timeout or a dropped connection)."""

    status: int
    code: int | None
    message: str
    more_info: str | None = None
    retry_after: float | None = None

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
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = {}
        if not isinstance(body, dict):
            body = {}
        code = body.get("code")
        message = body.get("message") or body.get("detail") or body.get("title") or response.reason_phrase
        return cls(
            status=response.status_code,
            code=int(code) if isinstance(code, int | str) and str(code).isdigit() else None,
            message=str(message or f"HTTP {response.status_code}"),
            more_info=body.get("more_info") or body.get("type"),
        )

    @classmethod
    def from_transport(cls, exc: httpx.TransportError) -> TwilioError:
        kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
        return cls(status=0, code=None, message=f"The request to Twilio {kind} ({type(exc).__name__}).")
