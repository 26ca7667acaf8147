"""Bidirectional control characters removed from personal fields (names, address lines).

A name recorded as ``"Ana \u202eZEL"`` would print (and show in a spreadsheet) as
``Ana LEZ``: the right-to-left override reverses what follows it, so a document or CSV
row can show a different name from the one stored. Names and addresses never need these
invisible controls: Arabic and Hebrew text is laid out by its letters' own direction (the
Unicode bidirectional algorithm), so removing them loses nothing a reader can see.

Used by filing (motion PDFs, the bulk motion's Exhibit A) and notify (letters), and by
`clearway.common.csv_safe` for every cell of a CSV written for people.
"""

from __future__ import annotations

BIDI_CONTROLS: frozenset[str] = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # LRE RLE PDF LRO RLO (embeddings and overrides)
    "\u2066\u2067\u2068\u2069"  # LRI RLI FSI PDI (isolates)
    "\u200e\u200f\u061c"  # LRM RLM ALM (marks)
)
_DROP = {ord(c): None for c in BIDI_CONTROLS}


def strip_bidi_controls(text: str) -> str:
    """``text`` without the bidirectional embedding, override, isolate and mark characters."""
    if text.isascii():
        return text
    return text.translate(_DROP)
