"""One Twilio-style request: auth, form/query parameters validated like Twilio, and Twilio's error shape."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

Handler = Callable[..., tuple[int, dict[str, Any] | None]]
"""A sandbox endpoint: (status, body) for a request."""
Routes = list[tuple[str, dict[str, Handler]]]
"""A module's endpoints: a path pattern and its handler per method."""

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class ApiError(Exception):
    """A synchronous Twilio error: HTTP status plus Twilio code and message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict[str, Any]:
        return error_body(self.status, self.code, self.message)


def error_body(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def missing(name: str) -> ApiError:
    return ApiError(400, 20001, f"Missing required parameter {name} in the post body")


def invalid(name: str, why: str) -> ApiError:
    return ApiError(400, 20001, f"Invalid value for {name}: {why}")


def bad(code: int, message: str) -> ApiError:
    """A 400 with a specific Twilio code."""
    return ApiError(400, code, message)


def not_found(path: str) -> ApiError:
    return ApiError(404, 20404, f"The requested resource {path} was not found")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    origin: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]

    @classmethod
    def parse(cls, method: str, url: str, headers: Mapping[str, str], body: bytes) -> Request:
        """Check Basic auth and form encoding, then split the URL and body into parameters."""
        lower = {k.lower(): v for k, v in headers.items()}
        _check_auth(lower.get("authorization", ""))
        parts = urlsplit(url)
        form: dict[str, list[str]] = {}
        if body:
            ctype = lower.get("content-type", "").split(";")[0].strip().lower()
            if ctype != "application/x-www-form-urlencoded":
                raise ApiError(
                    400,
                    20001,
                    f"Invalid content type {ctype or '(none)'!r}: Twilio accepts "
                    "application/x-www-form-urlencoded request bodies only",
                )
            try:
                form = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
            except (UnicodeDecodeError, ValueError):
                raise ApiError(400, 20001, "The request body is not valid form encoding") from None
        return cls(
            method.upper(),
            parts.path,
            f"{parts.scheme}://{parts.netloc}",
            parse_qs(parts.query, keep_blank_values=True),
            form,
        )

    @property
    def params(self) -> dict[str, list[str]]:
        return self.form if self.method == "POST" else self.query

    def text(self, name: str, *, required: bool = False, max_len: int | None = None) -> str | None:
        values = self.params.get(name)
        if not values or values[0] == "":
            if required:
                raise missing(name)
            return None
        if max_len is not None and len(values[0]) > max_len:
            raise invalid(name, f"must be at most {max_len} characters")
        return values[0]

    def texts(self, name: str, *, required: bool = False) -> list[str] | None:
        """A repeated-key array parameter."""
        values = self.params.get(name)
        if not values:
            if required:
                raise missing(name)
            return None
        return values

    def flag(self, name: str, *, required: bool = False) -> bool | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        if value.lower() not in ("true", "false"):
            raise invalid(name, f"{value!r} is not a boolean (use true or false)")
        return value.lower() == "true"

    def sid(self, name: str, prefix: str, *, required: bool = False) -> str | None:
        value = self.text(name, required=required)
        pattern = f"^{prefix}[0-9a-fA-F]{{32}}$"
        if value is not None and not re.match(pattern, value):
            raise invalid(name, f"{value!r} does not match {pattern}")
        return value

    def choice(self, name: str, options: tuple[str, ...], *, required: bool = False) -> str | None:
        value = self.text(name, required=required)
        if value is not None and value not in options:
            raise invalid(name, f"{value!r} is not one of {', '.join(options)}")
        return value

    def uri(self, name: str) -> str | None:
        value = self.text(name)
        if value is not None and not re.match(r"^https?://[^\s/]+\S*$", value):
            raise invalid(name, f"{value!r} is not an http(s) URL")
        return value

    def integer(self, name: str, low: int, high: int) -> int | None:
        value = self.text(name)
        if value is None:
            return None
        if not value.isdigit() or not low <= int(value) <= high:
            raise invalid(name, f"{value!r} is not an integer from {low} to {high}")
        return int(value)

    def attributes(self) -> dict[str, Any] | None:
        """`Attributes`: one field holding a JSON-encoded object."""
        value = self.text("Attributes")
        if value is None:
            return None
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, dict):
            raise invalid("Attributes", "must be a JSON-encoded object")
        return parsed


def _check_auth(header: str) -> None:
    scheme, _, token = header.partition(" ")
    try:
        user, sep, _password = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        user, sep = "", ""
    if scheme.lower() != "basic" or not sep or not user:
        raise ApiError(401, 20003, "Authentication Error - No valid HTTP Basic credentials provided")
