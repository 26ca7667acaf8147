"""CSV cells that are safe to open in a spreadsheet (OWASP "CSV Injection").

Every CSV the project writes for people to open (today: a bulk motion's Exhibit A) goes
through `writer`, which cleans each cell with `safe_cell`:

- control characters are removed: C0 (U+0000-U+001F), DEL and C1 (U+0080-U+009F); a tab,
  carriage return or line feed becomes a space, so the words it separated stay apart;
- bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C) are
  removed (`clearway.common.bidi`), so a cell cannot display reversed text;
- a cell whose first non-space character is ``=``, ``+``, ``-`` or ``@`` (a tab or carriage
  return would also start a formula; they are spaces by then) is prefixed with a single
  quote ``'``, so Excel, LibreOffice and Google Sheets show it as text instead of
  evaluating it (``=HYPERLINK(...)`` stays a string, not a live link).

The prefix changes the cell a program reads back: a program re-reading such a CSV should
drop a leading ``'`` that is followed by one of those characters. CSV written for
programs only (ingest's chunks sent to the API, a push's rejects file that is meant to be
corrected and pushed again) is not cleaned: it must round-trip exactly.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

from clearway.common.bidi import strip_bidi_controls

FORMULA_PREFIXES: frozenset[str] = frozenset("=+-@\t\r")
"""OWASP's list of characters that make a spreadsheet read a cell as a formula."""

_SPACES = {ord("\t"): " ", ord("\n"): " ", ord("\r"): " "}
_CONTROLS = {
    code: _SPACES.get(code)
    for code in (*range(0x00, 0x20), *range(0x7F, 0xA0))
}


def safe_cell(value: object) -> str:
    """``value`` as a CSV cell a spreadsheet shows as text (None is an empty cell)."""
    text = "" if value is None else str(value)
    if not (text.isascii() and text.isprintable()):
        text = strip_bidi_controls(text.translate(_CONTROLS))
    first = text.lstrip(" ")[:1]
    if first and first in FORMULA_PREFIXES:
        return "'" + text
    return text


def safe_row(values: Iterable[object]) -> list[str]:
    return [safe_cell(v) for v in values]


class _Writer(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...


class SafeCsvWriter:
    """A `csv.writer` whose every cell passes through `safe_cell`."""

    def __init__(self, out: Any, **fmtparams: Any) -> None:
        self._writer: _Writer = csv.writer(out, **fmtparams)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: Any, **fmtparams: Any) -> SafeCsvWriter:
    """Like `csv.writer(out, **fmtparams)`, for CSV that people open in a spreadsheet."""
    return SafeCsvWriter(out, **fmtparams)
