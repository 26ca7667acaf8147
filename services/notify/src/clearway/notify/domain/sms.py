"""SMS length arithmetic (3GPP TS 23.038 / 23.040). Pure: no I/O.

A text that uses only the GSM 03.38 default alphabet (plus its extension table) is
sent as GSM-7: 160 septets in one segment, 153 per segment once it is split. Any
other character forces UCS-2 for the whole message: 70 UTF-16 code units in one
segment, 67 per segment once split. Extension characters (``{ } [ ] ~ \\ ^ | €``
and form feed) cost two septets, and a split never separates an escape from its
character or a surrogate pair from its partner.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE = 160
GSM7_MULTI = 153
UCS2_SINGLE = 70
UCS2_MULTI = 67

SmsEncoding = Literal["GSM-7", "UCS-2"]

# Typographic characters that have a plain GSM-7 equivalent.
_PUNCTUATION_FOLD = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u00ab": '"',
    "\u00bb": '"',
}


def fits_gsm7(text: str) -> bool:
    """True when every character of ``text`` is in the GSM-7 default alphabet or its extension."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def sms_encoding(text: str) -> SmsEncoding:
    return "GSM-7" if fits_gsm7(text) else "UCS-2"


def _split(costs: list[int], single: int, multi: int) -> int:
    if sum(costs) <= single:
        return 1
    segments, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            segments += 1
            used = 0
        used += cost
    return segments


def sms_segments(text: str) -> int:
    """How many SMS segments ``text`` takes (0 for an empty text)."""
    if not text:
        return 0
    if fits_gsm7(text):
        costs = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        return _split(costs, GSM7_SINGLE, GSM7_MULTI)
    costs = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return _split(costs, UCS2_SINGLE, UCS2_MULTI)


def fits_one_segment(text: str) -> bool:
    return sms_segments(text) <= 1


def fold_to_gsm7(text: str) -> str:
    """Replace characters outside GSM-7 by their closest GSM-7 spelling where one exists.

    Accented Latin letters lose the accent only when the accented form is not itself
    GSM-7 (``á`` becomes ``a`` but ``é``, ``ñ`` and ``ü`` stay); typographic quotes and
    dashes become their ASCII forms. Characters with no Latin base (Hangul, Han,
    Armenian, ...) are kept, so a folded text may still need UCS-2.
    """
    out: list[str] = []
    for ch in text:
        if ch in GSM7_BASIC or ch in GSM7_EXTENSION:
            out.append(ch)
            continue
        if ch in _PUNCTUATION_FOLD:
            out.append(_PUNCTUATION_FOLD[ch])
            continue
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        if base and all(c in GSM7_BASIC for c in base):
            out.append(base)
        else:
            out.append(ch)
    return "".join(out)
