"""Web addresses as Twilio's reviewers see them: public URL shorteners, reserved example domains, IP hosts."""

from __future__ import annotations

import ipaddress
import re
import unicodedata

import pydantic_core

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
    text = unicodedata.normalize("NFKC", url).strip().lower()  # fullwidth letters read as a browser reads them
    found = re.sub(r"^(?:https?://)?(?:www\.)?", "", text).split("/")[0].split("?")[0]
    return found.rsplit("@", 1)[-1].split(":")[0].rstrip(".,;:!?)'\"")


def is_shortener(url: str) -> bool:
    h = host(url)
    return any(h == s or h.endswith("." + s) for s in SHORTENERS)


def is_reserved(url: str) -> bool:
    """A documentation or test domain (example.com, *.test, localhost …): no reviewer can open it."""
    h = host(url)
    return (h in RESERVED_DOMAINS or any(h.endswith("." + d) for d in RESERVED_DOMAINS)
            or h == "localhost" or h.endswith(RESERVED_SUFFIXES))


def web_host(url: str) -> str | None:
    """The host of a full URL as a browser reads it (WHATWG: fullwidth letters folded, an IPv4 address in any
    spelling — 127.1, 2130706433, 0x7f000001, 0177.0.0.1 — written dotted, IPv6 in brackets); None if unparsable."""
    try:
        return pydantic_core.Url(url.strip()).host
    except ValueError:
        return None


def as_browser_reads(url: str) -> str:
    """A full URL written as a browser reads it (see web_host); ValueError if it is not one."""
    return str(pydantic_core.Url(url.strip()))


def is_ip(url: str) -> bool:
    """The URL's host is an IP address, however it is spelled."""
    try:
        ipaddress.ip_address((web_host(url) or "").strip("[]"))
    except ValueError:
        return False
    return True


def is_local(url: str) -> bool:
    """The URL's host names this machine (localhost, *.localhost), however it is spelled."""
    name = (web_host(url) or "").rstrip(".")
    return name == "localhost" or name.endswith(".localhost")
