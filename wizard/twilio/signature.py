"""Twilio's request signature, `X-Twilio-Signature` (https://www.twilio.com/docs/usage/webhooks/webhooks-security).

Twilio takes the full URL it called (query string included), appends each POST parameter sorted by name as name
and value with no delimiter, signs that with HMAC-SHA1 keyed by the account's auth token, and sends it base64.
A JSON body (Event Streams) is signed through the URL alone, which then carries the body's SHA-256 (hex) in its
`bodySHA256` query parameter. Twilio's own libraries accept the URL with or without the scheme's default port.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlsplit, urlunsplit

DEFAULT_PORTS = {"https": 443, "http": 80}


def sign(token: str, url: str, params: Iterable[tuple[str, str]] = ()) -> str:
    """The signature Twilio sends for a request to `url` with the form `params` (none for a JSON body)."""
    data = url + "".join(name + value for name, value in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def body_hash(body: bytes) -> str:
    """The `bodySHA256` query value Twilio puts in the URL it signs for a JSON body."""
    return hashlib.sha256(body).hexdigest()


def with_body_hash(url: str, body: bytes) -> str:
    """`url` with the `bodySHA256` of `body` appended, as Twilio calls a URL for a JSON delivery."""
    return f"{url}{'&' if urlsplit(url).query else '?'}bodySHA256={body_hash(body)}"


def port_variants(url: str) -> list[str]:
    """`url` as given, and with its scheme's default port added or removed."""
    parts = urlsplit(url)
    default = DEFAULT_PORTS.get(parts.scheme)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    userinfo = parts.netloc.rpartition("@")[0]
    prefix = f"{userinfo}@" if userinfo else ""
    if parts.port is None and default:
        other = urlunsplit(parts._replace(netloc=f"{prefix}{host}:{default}"))
    elif parts.port == default:
        other = urlunsplit(parts._replace(netloc=f"{prefix}{host}"))
    else:
        return [url]
    return [url, other]


def valid(token: str, url: str, signature: str, *, params: Iterable[tuple[str, str]] = (),
          body: bytes | None = None) -> bool:
    """Whether `signature` is Twilio's for this request: form `params`, or a JSON `body` whose SHA-256 the URL's
    `bodySHA256` must carry."""
    if not token or not signature:
        return False
    pairs = list(params)
    if body is not None:
        sent = dict(parse_qsl(urlsplit(url).query)).get("bodySHA256", "")
        if not hmac.compare_digest(sent.lower(), body_hash(body)):
            return False
        pairs = []
    return any(hmac.compare_digest(sign(token, candidate, pairs), signature) for candidate in port_variants(url))
