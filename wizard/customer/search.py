"""Text as a person looks for it: without accents or case, phone numbers by their digits, addresses by their words.

Light on purpose (standard library only): the list folds what the operator types with it before the domain loads.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_LETTERS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ð": "d", "æ": "ae", "œ": "oe", "þ": "th", "ı": "i",
                          "ħ": "h", "ŀ": "l"})
_END = "  "
_PHONE = re.compile(r"\+?[\d ().-]{7,}")
_ADDRESS_WORDS = {
    "street": "st", "avenue": "ave", "av": "ave", "road": "rd", "boulevard": "blvd", "drive": "dr", "lane": "ln",
    "court": "ct", "place": "pl", "suite": "ste", "apartment": "apt", "highway": "hwy", "parkway": "pkwy",
    "north": "n", "south": "s", "east": "e", "west": "w", "terrace": "ter", "circle": "cir", "square": "sq",
}


def fold(text: str) -> str:
    """Lower case without accents: "Łukasz Lefèvre" -> "lukasz lefevre", "Nguyễn" -> "nguyen"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_LETTERS)


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def phone_forms(number: str) -> str:
    """An E.164 number as it may be typed: "+12065550134" -> "12065550134 2065550134"."""
    d = digits(number)
    return f"{d} {d[1:]}" if len(d) == 11 and d.startswith("1") else d


def sort_key(name: str) -> str:
    """Where a name sorts, as a person expects: by its letters without accents or case ("Łukasz" with L, "Émile"
    with E, "Straße" as "strasse")."""
    return fold(name)


@functools.lru_cache(maxsize=4096)
def search_text(*values: str | None) -> str:
    """What a list filter searches: each value folded, phone numbers also by their digits; ended by two spaces,
    so that every character of it begins a trigram (the list finds one or two characters by their trigrams)."""
    parts = []
    for value in values:
        if value:
            parts.append(fold(value))
            if _PHONE.fullmatch(value.strip()):
                parts.append(phone_forms(value))
    return " ".join(parts) + _END


def search_query(text: str) -> str:
    """What an operator typed in the filter, folded like `search_text` (a phone number becomes its digits)."""
    text = text.strip()
    if _PHONE.fullmatch(text) and len(digits(text)) >= 3:
        return digits(text)
    return fold(text)


@functools.lru_cache(maxsize=4096)
def address_words(street: str) -> str:
    """A street line reduced to its words: "123 Pine Street, Apt. 4" -> "123 pine st apt 4"."""
    words = re.findall(r"\w+", fold(street))
    return " ".join(_ADDRESS_WORDS.get(w, w) for w in words)
