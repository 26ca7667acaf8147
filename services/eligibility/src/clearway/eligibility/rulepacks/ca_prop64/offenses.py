"""The offenses that bar relief (contract 4.1): super strikes (PC 667(e)(2)(C)(iv)) and
offenses requiring registration under PC 290(c), each one `definite` when the statute and
subsection on the record settle it and `possible` when they do not (a subsection, an
intent, a level or a victim's age the record does not show). Pure data and matching.

Each listing names a section and says what each spelling of it is:
- `definite`: subsection prefixes that settle it ("" = any subsection);
- `excepted`: prefixes that are only possible (PC 290: 286(b), 289(h) ...);
- `other`: any other subsection; `bare`: no subsection on the record.
An attempt (PC 664/ + section) counts as the offense attempted for PC 290, which reaches
attempts (PC 290(c)(1)); for super strikes only an attempted homicide (PC 187 to 191.5) is
one on its face (PC 667(e)(2)(C)(iv)(IV)), so another attempted super strike is possible.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from clearway.eligibility.domain.statutes import Statute

Kind = Literal["definite", "possible"]
DEFINITE: Kind = "definite"
POSSIBLE: Kind = "possible"
ATTEMPT = "664/"


@dataclass(frozen=True)
class Listing:
    section: str
    definite: tuple[str, ...] = ("",)
    excepted: tuple[str, ...] = ()
    other: Kind | None = None
    bare: Kind | None = None
    felony_only: bool = False  # definite at level felony, possible below it

    def kind(self, subsections: str, level: str | None) -> Kind | None:
        if any(subsections.startswith(p) for p in self.excepted if subsections):
            return POSSIBLE
        if not subsections:
            found = self.bare
            if found is None and self.definite == ("",):
                found = DEFINITE
        elif any(subsections.startswith(p) for p in self.definite):
            found = DEFINITE
        else:
            found = self.other
        if found == DEFINITE and self.felony_only and level != "felony":
            return POSSIBLE
        return found


def _any(*sections: str) -> list[Listing]:
    return [Listing(s) for s in sections]


def _only(section: str, *definite: str, other: Kind | None = None,
          bare: Kind | None = POSSIBLE) -> Listing:
    return Listing(section, definite=definite, other=other, bare=bare)


def _range(prefix: str, last: int) -> tuple[str, ...]:
    """`(c)(1)` to `(c)(3)` as prefixes."""
    return tuple(f"{prefix}({n})" for n in range(1, last + 1))


@dataclass(frozen=True)
class OffenseList:
    name: str
    citation: str
    listings: tuple[Listing, ...]
    attempts_count: bool  # an attempt counts as the offense attempted
    definite_attempts: frozenset[str] = frozenset()  # attempted sections definite on their face

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_section", {x.section: x for x in self.listings})
        object.__setattr__(self, "_answers", {})

    def _listing(self, section: str) -> Listing | None:
        by_section: dict[str, Listing] = self._by_section  # type: ignore[attr-defined]
        found = by_section.get(section)
        if found is None and "." in section:  # PC 190.x: the family of PC 190
            found = by_section.get(section.split(".", 1)[0] + ".x")
        return found

    def kind(self, statute: Statute, level: str | None = None) -> Kind | None:
        """Whether `statute` (convicted at `level`) is on this list, definitely or possibly."""
        key = (statute, level)
        answers: dict[tuple[Statute, str | None], Kind | None] = self._answers  # type: ignore[attr-defined]
        if key in answers:
            return answers[key]
        found = self._kind(statute, level)
        if len(answers) < 100_000:  # bounded, whatever the input spells
            answers[key] = found
        return found

    def _kind(self, statute: Statute, level: str | None) -> Kind | None:
        if statute.code != "PC":
            return None
        section = statute.section
        subsections = "".join(f"({s})" for s in statute.subsections)
        listing = self._listing(section)
        if listing is not None:
            return listing.kind(subsections, level)
        if not section.startswith(ATTEMPT):
            return None
        attempted = section.removeprefix(ATTEMPT)
        listing = self._listing(attempted)
        if listing is None:
            return None
        found = listing.kind(subsections, level)
        if self.attempts_count or found is None:
            return found
        family = attempted.split(".", 1)[0]
        return DEFINITE if (attempted in self.definite_attempts
                            or family in self.definite_attempts) else POSSIBLE

    def describe(self, kind: Kind) -> str:
        """The listings of one kind, as RULES.md names them."""
        return "; ".join(p for x in self.listings for p in _phrases(x, kind))


def _phrases(x: Listing, kind: Kind) -> list[str]:
    name = "PC " + x.section
    anything = x.definite == ("",)
    if kind == DEFINITE:
        if not x.definite:
            return []
        if anything:
            return [name + (f" (except {', '.join(x.excepted)})" if x.excepted else "")
                    + (" at level felony" if x.felony_only else "")]
        return [", ".join(name + d for d in x.definite)
                + (" (or no subsection)" if x.bare == DEFINITE else "")]
    out = [name + e for e in x.excepted]
    if not x.definite:
        out.append(name)
    elif x.other == POSSIBLE and x.bare == POSSIBLE:
        out.append(f"{name} with any other subsection or none")
    elif x.bare == POSSIBLE:
        out.append(f"{name} with no subsection")
    if x.felony_only:
        out.append(f"{name} below felony")
    return out


SUPER_STRIKES = OffenseList(
    name="super strikes",
    citation="PC 667(e)(2)(C)(iv)",
    attempts_count=False,
    definite_attempts=frozenset({"187", "188", "189", "190", "191.5"}),
    listings=(
        *_any("187", "188", "189", "190", "190.x", "191.5", "664/187", "205", "206", "209",
              "209.5", "218", "219", "264.1", "269", "273ab", "288.5", "288.7", "451.5",
              "4500", "12308", "18745"),
        _only("217.1", "(b)", other=POSSIBLE),
        _only("245", "(d)(3)", bare=None),
        _only("261", "(a)(2)", "(a)(6)", other=POSSIBLE),
        _only("262", "(a)(1)", "(a)(4)", other=POSSIBLE),
        _only("286", *_range("(c)", 3), "(d)", other=POSSIBLE),
        _only("287", *_range("(c)", 3), "(d)", other=POSSIBLE),
        _only("288a", *_range("(c)", 3), "(d)", other=POSSIBLE),
        _only("288", "(a)", "(b)", other=POSSIBLE),
        _only("289", "(a)", "(j)", other=POSSIBLE),
        _only("653f", "(b)", other=POSSIBLE),
        _only("11418", "(a)(1)", bare=None),
        _only("12310", "(a)", other=POSSIBLE),
        _only("18755", "(a)", other=POSSIBLE),
        Listing("207", definite=(), other=POSSIBLE, bare=POSSIBLE),
        Listing("220", definite=(), other=POSSIBLE, bare=POSSIBLE),
    ),
)

PC290_REGISTRABLE = OffenseList(
    name="offenses requiring registration under PC 290",
    citation="PC 290(c)",
    attempts_count=True,
    listings=(
        *_any("243.4", "264.1", "266", "266c", "266j", "267", "269", "285", "288", "288.3",
              "288.4", "288.5", "288.6", "288.7", "311.1", "311.3", "311.4", "311.10",
              "311.11", "647.6", "647a"),
        _only("236.1", "(b)", "(c)", other=POSSIBLE),
        _only("261", *_range("(a)", 4), "(a)(6)", other=POSSIBLE),
        _only("262", "(a)(1)", other=POSSIBLE),
        _only("266h", "(b)"),
        _only("266i", "(b)"),
        Listing("286", excepted=("(b)",), bare=POSSIBLE),
        Listing("287", excepted=("(b)",), bare=POSSIBLE),
        Listing("288a", excepted=("(b)",), bare=POSSIBLE),
        Listing("289", excepted=("(h)", "(i)"), bare=POSSIBLE),
        Listing("288.2", felony_only=True),
        _only("311.2", "(b)", "(c)", "(d)"),
        _only("314", "(1)", "(2)", bare=DEFINITE),  # PC 314 has only paragraphs 1 and 2
        _only("653f", "(c)"),
        Listing("207", definite=(), other=POSSIBLE, bare=POSSIBLE),
        Listing("209", definite=(), other=POSSIBLE, bare=POSSIBLE),
        Listing("220", definite=(), other=POSSIBLE, bare=POSSIBLE),
        Listing("272", definite=(), other=POSSIBLE, bare=POSSIBLE),
    ),
)


def any_of_kind(kinds: Iterable[Kind | None], kind: Kind) -> bool:
    return any(k == kind for k in kinds)
