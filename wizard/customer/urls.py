"""Web addresses as Twilio's reviewers see them: public URL shorteners, reserved example domains, IP hosts."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

SHORTENERS = frozenset({
    "bit.ly", "bitly.com", "tinyurl.com", "goo.gl", "t.co", "ow.ly", "is.gd", "v.gd", "buff.ly", "rebrand.ly",
    "cutt.ly", "shorturl.at", "tiny.cc", "rb.gy", "t.ly", "lnkd.in", "s.id", "bl.ink", "short.io", "shorte.st",
    "adf.ly", "tiny.one", "qrco.de",
})
"""Public URL shorteners carriers reject (Twilio error 30892)."""
RESERVED_DOMAINS = frozenset({"example.com", "example.net", "example.org"})
RESERVED_SUFFIXES = (".example", ".test", ".invalid", ".localhost", ".local")
"""RFC 2606 / RFC 6761 names that are never a real business's site."""


def host(url: str) -> str:
    """The host of a URL written with or without its scheme, lower case, without `www.`."""
    found = re.sub(r"^(?:https?://)?(?:www\.)?", "", url.strip().lower()).split("/")[0].split("?")[0]
    return found.rsplit("@", 1)[-1].split(":")[0].rstrip(".,;:!?)'\"")


def is_shortener(url: str) -> bool:
    h = host(url)
    return any(h == s or h.endswith("." + s) for s in SHORTENERS)


def is_reserved(url: str) -> bool:
    """A documentation or test domain (example.com, *.test, localhost …): no reviewer can open it."""
    h = host(url)
    return (h in RESERVED_DOMAINS or any(h.endswith("." + d) for d in RESERVED_DOMAINS)
            or h == "localhost" or h.endswith(RESERVED_SUFFIXES))


def is_ip(url: str) -> bool:
    try:
        ipaddress.ip_address(urlsplit(url).hostname or "")
    except ValueError:
        return False
    return True
