"""Normalise California statute citations as court and DOJ data spell them.

``parse_statute`` turns spellings such as ``HS 11359(b)``, ``11359(B) HS``,
``H&S 11359 (b)``, ``HS11359B``, ``11358 HS-CULTIVATE CANNABIS``,
``PC 664/187(a)`` or ``187(A) PC`` into one :class:`Statute` whose
``canonical`` form is ``HS 11359(b)`` / ``PC 664/187(a)``. It is pure and never
raises; anything it cannot read with confidence gives ``None`` (the caller then
keeps the text verbatim and uses :func:`mentions_prop64_section`).

Reading rules:

* Case and spacing do not matter. The code may come before or after the
  number, glued to it or not (``HS11359``, ``187PC``), optionally followed by
  ``CODE`` and, before the number, by ``SECTION``/``SEC``/``§``.
* Code aliases: HS, H&S, H & S, H/S, H.S., H S, HSC, H&SC, HEALTH & SAFETY,
  HEALTH AND SAFETY -> ``HS``; PC, P.C., PEN, PENAL -> ``PC``; VC, V.C., VEH,
  VEHICLE -> ``VC``; BP, B&P, BPC, BUS & PROF -> ``BP``; WI, W&I, WIC,
  WELF & INST -> ``WI``. Other codes are not recognised (``None``).
* A number with no code is HS when it is 11357-11360 (cannabis records often
  omit the code); any other bare number is ``None``.
* Subsections are parenthesised groups, each a number, a letter or a roman
  numeral: ``(c)(1)``, ``( e ) (2)(C)(iv)``. Spaces around them are allowed.
* Attempts are written ``664/187`` (``664-187`` is accepted); the attempted
  offense is :attr:`Statute.base_section`. Any other compound such as
  ``182/11359`` or ``11359/11360`` is ``None``: we do not guess which offense
  it means, so a cannabis mention goes to human review.
* Anything after the citation that is separated by a space or punctuation is a
  description and is ignored (``11359 H&S POSSESS FOR SALE``). Text glued to
  the citation (``11359POSS``), a ``/`` or ``(`` straight after it, or an
  unclosed parenthesis gives ``None`` rather than a guess.

Letters glued to the digits without parentheses (``HS11359B``, ``PC288A``)
are ambiguous, because some sections really end in letters: PC 288a (oral
copulation) is a different section from PC 288(a). The rule:

1. if digits + letters form a known lettered section of that code
   (:data:`LETTERED_SECTIONS`, e.g. PC 288a, 266c, 266j, 273a, 273ab, 273d,
   653f), they are the section: ``PC288A`` -> ``PC 288a``;
2. otherwise a single letter (optionally followed by digits) is the first
   subsection(s): ``HS11359B`` -> ``HS 11359(b)``, ``HS11360A1`` ->
   ``HS 11360(a)(1)``, ``VC23152A`` -> ``VC 23152(a)``, ``PC288B`` ->
   ``PC 288(b)``. HS 11357-11360 have no lettered variants, so this is exact
   for every Prop 64 count;
3. two unknown letters (``PC999XY``) give ``None``.

A letter separated from the number by a space is not a subsection. After
HS 11357-11360 with no other subsection it is ambiguous (``HS 11357 C`` may be
11357(c), which the rules treat differently from 11357), so the text gives
``None`` and the count goes to review. After any other section it is
description (``PC 288 A`` -> ``PC 288``). A lone letter after the code or
after a hyphen (``11359 HS F``, ``HS 11359 - F``) is description everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

PROP64_SECTIONS = frozenset({"11357", "11358", "11359", "11360"})

# Sections whose official number ends in letters, so that "PC288A" is read as
# PC 288a rather than PC 288(a). Keep to sections that really exist.
LETTERED_SECTIONS: dict[str, frozenset[str]] = {
    "PC": frozenset(
        {
            *(f"266{letter}" for letter in "abcdefghijk"),
            "273a",
            "273ab",
            "273d",
            "273g",
            "288a",
            "647a",
            "653f",
            "653g",
            "653k",
            "1203a",
            "1203b",
        }
    ),
}


@dataclass(frozen=True, order=True)
class Statute:
    code: str
    section: str
    subsections: tuple[str, ...] = ()

    @property
    def canonical(self) -> str:
        subsections = "".join(f"({part})" for part in self.subsections)
        return f"{self.code} {self.section}{subsections}"

    @property
    def base_section(self) -> str:
        """The offense itself: ``187`` for the attempt ``664/187``."""
        return self.section.rpartition("/")[2]

    def __str__(self) -> str:
        return self.canonical


def is_prop64(statute: Statute) -> bool:
    return statute.code == "HS" and statute.section in PROP64_SECTIONS


_CODE_ALIASES: dict[str, str] = {
    "HS": r"""
        HEALTH \s* (?:&|AND) \s* SAF(?:ETY)?
        | HLTH\.? \s* (?:&|AND) \s* SAF(?:ETY)?\.?
        | H\.? \s* (?: [&/+]\s* | AND\s+ )? S\.? (?:\s*C\.?)?
    """,
    "PC": r"PENAL | PEN\.? | P\.?\s*C\.?",
    "VC": r"VEHICLE | VEH\.? | V\.?\s*C\.?",
    # "B P" (a bare space) is not accepted: "288B PC" must stay PC 288(b).
    "BP": r"""
        BUS(?:INESS)?\.? \s* (?:&|AND) \s* PROF(?:ESSIONS?)?\.?
        | B (?: \.\s* | \.?\s*(?:[&/]|AND\s)\s* )? P\.? (?:\s*C\.?)?
    """,
    "WI": r"""
        WELF(?:ARE)?\.? \s* (?:&|AND) \s* INST(?:ITUTIONS?)?\.?
        | W (?: \.\s* | \.?\s*(?:[&/]|AND\s)\s* )? I\.? (?:\s*C\.?)?
    """,
}
_FLAGS = re.IGNORECASE | re.ASCII | re.VERBOSE | re.DOTALL
_CODE_RES = {
    code: re.compile(rf"(?:{alias})(?:\s*CODE)?", _FLAGS) for code, alias in _CODE_ALIASES.items()
}
_ANY_CODE = "|".join(f"(?:{rx.pattern})" for rx in _CODE_RES.values())

_SUBSECTION = r"\d{1,3} | [A-Z] | [IVX]{2,6}"
_SUBSECTION_RE = re.compile(rf"\(\s*({_SUBSECTION})\s*\)", _FLAGS)
_LONE_LETTER = re.compile(r"\s+[A-Z](?![A-Z0-9])", _FLAGS)

_CITATION = rf"""
    (?P<num> (?: 664 (?:\s*/\s*|-) )? \d{{1,6}} (?:\.\d{{1,4}})? )
    (?:  # letters glued to the digits, unless they are the code ("187PC")
        (?! (?:{_ANY_CODE}) (?![A-Z]) )
        (?P<glued>[A-Z]{{1,2}}) (?P<glued_digits>\d{{1,2}})? (?![A-Z0-9])
    )?
    (?P<subs> (?: \s* \( \s* (?:{_SUBSECTION}) \s* \) )* )
"""
_CODE_FIRST = re.compile(
    rf"""
    \s* (?P<code>{_ANY_CODE}) (?![A-Z])
    \s* (?:[-:\#.]\s*)? (?: (?:SECTION|SECT|SEC)\.?\s* | §+\s* )?
    {_CITATION}
    (?P<rest>.*)
    """,
    _FLAGS,
)
_NUMBER_FIRST = re.compile(
    rf"""
    \s* {_CITATION}
    (?: \s* (?:[-,/]\s*)? (?P<code>{_ANY_CODE}) (?![A-Z]) )?
    (?P<rest>.*)
    """,
    _FLAGS,
)


@lru_cache(maxsize=8192)  # court data repeats a few hundred spellings; Statute is immutable
def parse_statute(text: str) -> Statute | None:
    """The statute ``text`` cites, or ``None`` when it cannot be read."""
    match = _CODE_FIRST.match(text) or _NUMBER_FIRST.match(text)
    if match is None or not _is_description(match["rest"]):
        return None
    section = re.sub(r"\s", "", match["num"]).replace("-", "/")
    if match["code"] is not None:
        code = _code_of(match["code"])
    else:
        code = "HS" if section in PROP64_SECTIONS else None
    if code is None:
        return None

    subsections: list[str] = []
    if match["glued"] is not None:
        letters = match["glued"].lower()
        if section.rpartition("/")[2] + letters in LETTERED_SECTIONS.get(code, ()):
            section += letters
        elif len(letters) == 1:
            subsections.append(letters)
        else:
            return None
        if match["glued_digits"] is not None:
            subsections.append(match["glued_digits"])
    subsections += (part.lower() for part in _SUBSECTION_RE.findall(match["subs"]))

    statute = Statute(code, section, tuple(subsections))
    code_after_number = match.start("code") > match.start("num")
    if (
        is_prop64(statute)
        and not subsections
        and not code_after_number
        and _LONE_LETTER.match(text, match.end("subs"))
    ):
        return None  # "HS 11357 C": maybe 11357(c), which decides the relief
    return statute


def _code_of(alias: str) -> str | None:
    for code, pattern in _CODE_RES.items():
        if pattern.fullmatch(alias):
            return code
    return None


def _is_description(rest: str) -> bool:
    """Whether the text after a citation is a separate description."""
    if not rest:
        return True
    first = rest[0]
    if first.isalnum() or first in "/(":
        return False  # glued to the citation: "11359POSS", "182/11359", "187(PC)"
    if first == "." and rest[1:2].isalnum():
        return False
    stripped = rest.lstrip()
    return not (stripped.startswith("(") and ")" not in stripped)


_PROP64_MENTION = re.compile(r"(?<![0-9])(?:1135[7-9]|11360)(?![0-9]|\.[0-9])")


def mentions_prop64_section(text: str) -> bool:
    """Whether raw text cites 11357-11360 as a number of its own.

    ``11359`` in ``H/S 11359 POSS??`` counts; ``113590`` or ``11357.5`` (a
    different section) do not.
    """
    return _PROP64_MENTION.search(text) is not None
