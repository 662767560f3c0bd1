"""Twilio's form encoding: PascalCase keys, lowercase booleans, repeated keys for arrays, JSON `Attributes`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

Value = str | int | bool | Sequence[str] | Mapping[str, object] | None


def encode_form(params: Mapping[str, Value]) -> list[tuple[str, str]]:
    """Turn parameters into form pairs as Twilio expects them; None values are left out."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            pairs.append((key, "true" if value else "false"))
        elif isinstance(value, Mapping):
            pairs.append((key, json.dumps(value, ensure_ascii=False, separators=(",", ":"))))
        elif isinstance(value, str | int):
            pairs.append((key, str(value)))
        else:
            pairs.extend((key, str(item)) for item in value)
    return pairs
