"""Phone numbers as the app writes them for people: `(416) 555-0198`, as Twilio names a number (its friendly
name) and as the starter policy pages say it."""

from __future__ import annotations


def readable_phone(number: str) -> str:
    """A North American E.164 number as `(NPA) NXX-XXXX`; anything else as it is."""
    if number.startswith("+1") and len(number) == 12 and number[1:].isdigit():
        return f"({number[2:5]}) {number[5:8]}-{number[8:]}"
    return number
