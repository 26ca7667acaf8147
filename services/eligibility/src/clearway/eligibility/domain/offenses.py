"""Offense lists that disqualify a person from Prop 64 relief (contract 4.1).

The lists are data: each entry is written as the contract writes it and parsed
with :func:`parse_statute` when this module is imported, so a typo fails loudly
at start-up instead of silently matching nothing.

Matching a statute against an entry:

* code and section compare exactly: PC 288 does not match PC 288.5 or PC 288a,
  HS 187 is not PC 187, and PC 664/187 (attempted murder) matches only an
  entry for 664/187, never the entry for PC 187;
* an entry without subsections matches any subsections (PC 187 matches
  PC 187(a)); an entry with subsections matches statutes whose subsections
  start with them (PC 245(d)(3) matches PC 245(d)(3)(a), not PC 245(d));
* an entry written ``PC 190.x`` matches the whole family: PC 190 and every
  PC 190.N (190.05, 190.1, 190.2 ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from clearway.eligibility.domain.statutes import Statute, parse_statute

_FAMILY_SUFFIX = ".x"


@dataclass(frozen=True)
class _Entry:
    statute: Statute
    family: bool  # "PC 190.x": the section and every "<section>.N"

    def matches(self, statute: Statute) -> bool:
        entry = self.statute
        if statute.code != entry.code:
            return False
        if self.family:
            if not (
                statute.section == entry.section or statute.section.startswith(entry.section + ".")
            ):
                return False
        elif statute.section != entry.section:
            return False
        prefix = statute.subsections[: len(entry.subsections)]
        return prefix == entry.subsections


def _parse_entry(text: str) -> _Entry:
    family = text.endswith(_FAMILY_SUFFIX)
    statute = parse_statute(text.removesuffix(_FAMILY_SUFFIX) if family else text)
    if statute is None or statute.canonical != text.removesuffix(_FAMILY_SUFFIX):
        raise ValueError(f"offense list entry {text!r} is not a canonical statute")
    return _Entry(statute, family)


@dataclass(frozen=True)
class OffenseList:
    name: str
    citation: str
    entries: tuple[str, ...]
    _parsed: tuple[_Entry, ...] = field(init=False, repr=False, compare=False)
    # Each person's priors are checked against both lists for every count: the answers
    # are remembered per statute (few distinct statutes, many checks).
    _answers: dict[Statute, bool] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parsed = tuple(_parse_entry(entry) for entry in self.entries)
        object.__setattr__(self, "_parsed", parsed)
        object.__setattr__(self, "_answers", {})

    def matches(self, statute: Statute) -> bool:
        answer = self._answers.get(statute)
        if answer is None:
            answer = any(entry.matches(statute) for entry in self._parsed)
            if len(self._answers) < 100_000:  # bounded, whatever the input spells
                self._answers[statute] = answer
        return answer


SUPER_STRIKES = OffenseList(
    name="super-strike offenses",
    citation="PC 667(e)(2)(C)(iv)",
    entries=(
        "PC 187",
        "PC 188",
        "PC 189",
        "PC 190.x",
        "PC 191.5",
        "PC 664/187",
        "PC 205",
        "PC 207",
        "PC 209",
        "PC 209.5",
        "PC 217.1",
        "PC 218",
        "PC 219",
        "PC 220",
        "PC 245(d)(3)",
        "PC 261",
        "PC 262",
        "PC 264.1",
        "PC 269",
        "PC 273ab",
        "PC 286(c)(1)",
        "PC 287",
        "PC 288(a)",
        "PC 288(b)",
        "PC 288a(c)(1)",
        "PC 288.5",
        "PC 289(j)",
        "PC 451.5",
        "PC 653f",
        "PC 4500",
        "PC 11418(a)(1)",
        "PC 12308",
        "PC 12310",
        "PC 18745",
        "PC 18755",
    ),
)

PC290_REGISTRABLE = OffenseList(
    name="PC 290 registrable offenses",
    citation="PC 290(c)",
    entries=(
        "PC 236.1(b)",
        "PC 236.1(c)",
        "PC 243.4",
        "PC 261",
        "PC 262(a)",
        "PC 264.1",
        "PC 266",
        "PC 266c",
        "PC 266j",
        "PC 267",
        "PC 269",
        "PC 285",
        "PC 286",
        "PC 287",
        "PC 288",
        "PC 288a",
        "PC 288.2",
        "PC 288.3",
        "PC 288.4",
        "PC 288.5",
        "PC 288.6",
        "PC 288.7",
        "PC 289",
        "PC 311.1",
        "PC 311.2(b)",
        "PC 311.2(c)",
        "PC 311.2(d)",
        "PC 311.3",
        "PC 311.4",
        "PC 311.10",
        "PC 311.11",
        "PC 314(1)",
        "PC 314(2)",
        "PC 647.6",
        "PC 653f(b)",
        "PC 653f(c)",
    ),
)


def is_super_strike(statute: Statute) -> bool:
    return SUPER_STRIKES.matches(statute)


def is_pc290_registrable(statute: Statute) -> bool:
    return PC290_REGISTRABLE.matches(statute)
