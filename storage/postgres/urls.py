"""A PostgreSQL store's URL, read without connecting: whether a text is one, its password, and how it is shown.

Kept apart from the store so that opening the data folder's SQLite store never imports psycopg (a tenth of a
second at every start); only `password_in` needs psycopg's parser, and imports it when called.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit


def is_url(text: str) -> bool:
    """Whether `text` names a PostgreSQL database (a postgresql:// or postgres:// URL)."""
    return text.startswith(("postgresql://", "postgres://"))


def masked(url: str) -> str:
    """`url` (a postgresql:// URL or a key=value connection string) with its password shown as ***."""
    if "://" not in url:
        return re.sub(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", url)
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        netloc = f"{user.split(':', 1)[0]}:***@{host}" if ":" in user else netloc
    query = "&".join("password=***" if item.split("=", 1)[0] == "password" else item
                     for item in parts.query.split("&")) if parts.query else ""
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def password_in(url: str) -> str | None:
    """The password written in `url` (None: none, or not a connection string), to keep it out of everything."""
    import psycopg  # lazy: only a store URL's password needs its parser
    from psycopg.conninfo import conninfo_to_dict

    try:
        password = conninfo_to_dict(url).get("password")
    except psycopg.Error:
        return None
    return None if password is None else str(password)
