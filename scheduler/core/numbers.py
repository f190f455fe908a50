"""Numbers as the reader writes them: "77,9" in Vietnamese, "77.9" in English (CLDR, through
Flask-Babel's locale of the request)."""
from babel import Locale
from babel.numbers import parse_pattern
from flask_babel import get_locale

# parsed once: flask_babel.format_decimal parses its pattern on every call, and a national
# report page writes thousands of shares
_ONE_DECIMAL = parse_pattern("#,##0.0")
_SHORT_DECIMAL = parse_pattern("#,##0.#")
_DEFAULT = Locale.parse("vi")


def _locale() -> Locale:
    """The request's locale; Vietnamese, the interface's default, outside a request."""
    return get_locale() or _DEFAULT


def one_decimal(value) -> str:
    """A share or a duration with one decimal: 77,9 · 100,0 · 1.234,5."""
    return "–" if value is None else _ONE_DECIMAL.apply(float(value), _locale())


def short_decimal(value) -> str:
    """At most one decimal, none when it is zero (chart labels): 77,9 · 80."""
    return "–" if value is None else _SHORT_DECIMAL.apply(round(float(value), 1), _locale())
