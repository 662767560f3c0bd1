"""CSV cells a spreadsheet opens as text: formulas neutralised on export and restored on import."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: str) -> str:
    """Prefix an apostrophe so a spreadsheet shows the cell as text, not a formula (OWASP CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def restore_formula(value: str) -> str:
    """Undo neutralise_formula, so an exported file imports again."""
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_START) else value
