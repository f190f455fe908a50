"""Numbers as the reader writes them: "77,9" in Vietnamese, "77.9" in English (CLDR, through
Flask-Babel's locale of the request)."""
from flask_babel import format_decimal


def one_decimal(value) -> str:
    """A share or a duration with one decimal: 77,9 · 100,0 · 1.234,5."""
    return "–" if value is None else format_decimal(float(value), format="#,##0.0")


def short_decimal(value) -> str:
    """At most one decimal, none when it is zero (chart labels): 77,9 · 80."""
    return "–" if value is None else format_decimal(round(float(value), 1), format="#,##0.#")
