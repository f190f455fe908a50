"""Searching text the way people type it: "ba dinh" finds "Ba Đình", "TONG KET" finds
"tổng kết". Both sides are folded — lower case, Vietnamese marks taken off, đ read as d — in
Python for the words typed and in SQL for the stored column, on SQLite and PostgreSQL alike.

SQLite gets the Python function itself (registered on each connection, see db_setup.py).
PostgreSQL gets `lower(translate(column, <letters with marks>, <their base letters>))`, built
from the same Python function, so the two databases fold identically without an extension.
"""
import unicodedata

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

SQL_NAME = "vi_fold"


def fold(text) -> str:
    if not isinstance(text, str):
        return text
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _translation() -> tuple[str, str]:
    """Every precomposed Latin letter with marks (Vietnamese and the rest of Latin-1 and
    Latin Extended) and its folded base letter; then the combining marks alone, which
    translate() deletes since they have no counterpart."""
    source, target = [], []
    ranges = [(0xC0, 0x250), (0x1E00, 0x1F00)]
    for first, last in ranges:
        for point in range(first, last):
            char = chr(point)
            folded = fold(char)
            if len(folded) == 1 and folded.isascii() and folded.isalpha() and folded != char.lower():
                source.append(char)
                target.append(folded)
    marks = [chr(p) for p in range(0x300, 0x370)]
    return "".join(source + marks), "".join(target)


_SOURCE, _TARGET = _translation()


class folded(FunctionElement):
    """The folded form of a text column or expression, in SQL."""
    type = sa.String()
    inherit_cache = True
    name = SQL_NAME


@compiles(folded)
def _folded_default(element, compiler, **kw):  # SQLite: the registered Python function
    return f"{SQL_NAME}({compiler.process(element.clauses, **kw)})"


@compiles(folded, "postgresql")
def _folded_postgresql(element, compiler, **kw):
    source = compiler.process(sa.literal(_SOURCE), **kw)
    target = compiler.process(sa.literal(_TARGET), **kw)
    return f"lower(translate({compiler.process(element.clauses, **kw)}, {source}, {target}))"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(column, words: str):
    """A condition: the column holds every word typed, in any case and with or without marks."""
    terms = [t for t in fold(words or "").split() if t]
    return sa.and_(sa.true(), *(folded(column).like(f"%{_escape_like(t)}%", escape="\\")
                                for t in terms))


def register_sqlite(dbapi_connection) -> None:
    dbapi_connection.create_function(SQL_NAME, 1, fold, deterministic=True)
