"""The facts the ca-prop64 rules read about one count, derived from the person's whole
history (contract section 4.1). Pure: no I/O.

- Conduct date: the offense date; without one, the disposition date only when it is before
  the Act took effect (the conduct cannot have been later); otherwise unknown.
- Age: whole years from birth to the conduct date.
- "Before" means an earlier disposition (or registration) date than the count decided.
- Subsections are read in the numbering in force before the Act: every in-scope count's
  conduct predates it.
"""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from clearway.eligibility.domain.history import CountRecord, History, age_on
from clearway.eligibility.domain.statutes import (
    PROP64_SECTIONS,
    Statute,
    mentions_prop64_section,
)
from clearway.eligibility.rulepacks.ca_prop64.offenses import (
    PC290_REGISTRABLE,
    SUPER_STRIKES,
    Kind,
)

PROP64_EFFECTIVE = dt.date(2016, 11, 9)
ADULT_AGE = 21
YOUNG_ADULT_AGE = 18
MAX_PERSONAL_PLANTS = 6
SMALL_AMOUNT_GRAMS = 28.5  # HS 11360(b) before the Act; HS 11362.1(a)(1)
CONCENTRATE_GRAMS = 8.0  # HS 11362.1(a)(2)
BARRABLE_SECTIONS = frozenset({"11358", "11359", "11360"})
POSSESSION = frozenset({"11357"})
CULTIVATION = frozenset({"11358"})
SALE_OR_TRANSPORT = frozenset({"11359", "11360"})
TRANSPORT = frozenset({"11360"})


def conduct_date_of(count: CountRecord) -> dt.date | None:
    if count.offense_date is not None:
        return count.offense_date
    if count.disposition_date < PROP64_EFFECTIVE:
        return count.disposition_date
    return None


class PriorKinds(NamedTuple):
    super_strikes: frozenset[Kind | None]
    pc290_offenses: frozenset[Kind | None]


class Facts:
    """One count of one person, as the rules see it. What every rule reads is worked out
    once here; the priors (only the bars read them) when first asked for."""

    __slots__ = ("count", "history", "as_of", "statute", "section", "first_subsection",
                 "conduct_date", "age", "felony", "six_plants_or_fewer",
                 "small_amount_transport", "subject_to_bars", "_priors", "_prior_kinds")

    def __init__(self, count: CountRecord, history: History, as_of: dt.date) -> None:
        self.count = count
        self.history = history
        self.as_of = as_of
        statute = count.statute
        self.statute: Statute | None = statute
        self.section: str | None = (
            None if statute is None else prop64_section(statute) or statute.section)
        self.first_subsection: str | None = (
            statute.subsections[0] if statute is not None and statute.subsections else None)
        conduct = self.conduct_date = conduct_date_of(count)
        born = history.date_of_birth
        self.age: int | None = (None if born is None or conduct is None
                                else age_on(born, conduct))
        self.felony = count.level == "felony"
        plants = count.plants
        # HS 11358 with six plants or fewer: lawful for an adult (HS 11362.1(a)(3)).
        self.six_plants_or_fewer = (self.section == "11358" and plants is not None
                                    and plants <= MAX_PERSONAL_PLANTS)
        # HS 11360(b) before the Act, or 11360 without a subsection below felony: giving
        # away or transporting 28.5 grams or less.
        self.small_amount_transport = (self.section == "11360"
                                       and is_small_amount_11360(count))
        # The HS 11358-11360 counts that rule 6 reads (the small amounts are decided first).
        self.subject_to_bars = (self.section in BARRABLE_SECTIONS
                                and not self.six_plants_or_fewer
                                and not self.small_amount_transport)
        self._priors: tuple[CountRecord, ...] | None = None
        self._prior_kinds: PriorKinds | None = None

    @property
    def adult(self) -> bool:
        return self.age is not None and self.age >= ADULT_AGE

    @property
    def young_adult(self) -> bool:
        return self.age is not None and YOUNG_ADULT_AGE <= self.age < ADULT_AGE

    @property
    def minor(self) -> bool:
        return self.age is not None and self.age < YOUNG_ADULT_AGE

    @property
    def lawful_small_amount(self) -> bool:
        return self.six_plants_or_fewer or self.small_amount_transport

    @property
    def concentrate_small(self) -> bool:
        grams = self.count.grams
        return grams is not None and grams <= CONCENTRATE_GRAMS

    # -- the person's record before the count --------------------------------------------
    @property
    def priors(self) -> tuple[CountRecord, ...]:
        """Convictions with a readable statute disposed of before this count."""
        if self._priors is None:
            day = self.count.disposition_date
            self._priors = tuple(c for c in self.history.counts
                                 if c.convicted and c.statute is not None
                                 and c.disposition_date < day)
        return self._priors

    @property
    def prior_kinds(self) -> PriorKinds:
        """What the priors are on the two offense lists (contract 4.1): the kinds found,
        `definite` and `possible`, among super strikes and among PC 290 offenses."""
        if self._prior_kinds is None:
            priors = [(c.statute, c.level) for c in self.priors]
            self._prior_kinds = PriorKinds(
                frozenset(SUPER_STRIKES.kind(s, level) for s, level in priors if s),
                frozenset(PC290_REGISTRABLE.kind(s, level) for s, level in priors if s))
        return self._prior_kinds

    @property
    def registered_before(self) -> bool:
        day = self.count.disposition_date
        return any(r.statute is not None and is_pc290(r.statute) and r.date < day
                   for r in self.history.registrations)

    def age_at(self, count: CountRecord) -> int | None:
        born = self.history.date_of_birth
        conduct = count.offense_date or count.disposition_date
        return None if born is None else age_on(born, conduct)


def prop64_section(statute: Statute) -> str | None:
    """The HS 11357-11360 section a statute is, or attempts (PC 664/11359 counts as the
    offense attempted, contract 4.1); None for any other statute."""
    section = statute.base_section
    if section not in PROP64_SECTIONS:
        return None
    if statute.code == "HS" or (statute.code == "PC" and statute.section.startswith("664/")):
        return section
    return None


# How an import marks a count of another statute whose charge text cites HS 11357-11360 (the
# DOJ file's COMMENT_TEXT, clearway.ingest.domain.doj): a reviewer checks it.
POSSIBLE_CANNABIS_PREFIX = "POSSIBLE CANNABIS COUNT: "


def flagged_as_possible_cannabis(count: CountRecord) -> bool:
    return bool(count.description and count.description.startswith(POSSIBLE_CANNABIS_PREFIX))


def in_scope(count: CountRecord) -> bool:
    """HS 11357-11360 convictions (attempts too); convictions whose statute cannot be read
    but mentions one of those sections; convictions an import flagged as possibly cannabis."""
    if not count.convicted:
        return False
    if count.statute is not None:
        return (prop64_section(count.statute) is not None
                or flagged_as_possible_cannabis(count))
    return mentions_prop64_section(count.statute_text)


def is_pc290(statute: Statute) -> bool:
    """A registration under PC 290 (or one of its sections 290.001 and on)."""
    return statute.code == "PC" and (statute.section == "290"
                                     or statute.section.startswith("290."))


def is_small_amount_11360(count: CountRecord) -> bool:
    statute = count.statute
    if statute is None:
        return False
    if statute.subsections:
        return statute.subsections[0] == "b"
    return count.level in ("misdemeanor", "infraction")
