"""The Proposition 64 rules (contract section 4): pure functions from a person's history
to one outcome per in-scope count."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from clearway.eligibility.domain import rulepack as rp
from clearway.eligibility.domain.history import CountRecord, History, age_on
from clearway.eligibility.domain.offenses import is_pc290_registrable, is_super_strike
from clearway.eligibility.domain.statutes import is_prop64, mentions_prop64_section

GRANTED = ("dismiss_and_seal", "reduce_to_misdemeanor", "reduce_to_infraction")
DISQUALIFIED_SECTIONS = ("11358", "11359", "11360")


@dataclass(frozen=True)
class Outcome:
    """What the rules decide for one count, before versioning."""

    court: str
    case_number: str
    count: int
    statute: str
    relief: str
    procedure: str | None
    reason_codes: tuple[str, ...]
    policy: str

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.court, self.case_number, self.count)


def in_scope(count: CountRecord) -> bool:
    """HS 11357-11360 convictions, and unreadable statutes that mention those sections."""
    if not count.convicted:
        return False
    if count.statute is not None:
        return is_prop64(count.statute)
    return mentions_prop64_section(count.statute_text)


def policy_for(court: str, table: Mapping[str, str]) -> str:
    return table.get(court, rp.DEFAULT_POLICY)


def decide(
    history: History,
    as_of: dt.date,
    policy_table: Mapping[str, str] = rp.DEFAULT_POLICY_TABLE,
    policy: str | None = None,
) -> list[Outcome]:
    """One outcome per in-scope count; `policy` overrides the court's policy."""
    outcomes = []
    for count in history.counts:
        if not in_scope(count):
            continue
        chosen = policy or policy_for(count.court, policy_table)
        relief, codes = (_dismiss_all if chosen == "dismiss-all" else _statewide)(count, history)
        procedure = _procedure(count, as_of) if relief in GRANTED else None
        statute = count.statute.canonical if count.statute else count.statute_text
        outcomes.append(Outcome(count.court, count.case_number, count.count, statute, relief,
                                procedure, codes, chosen))
    return outcomes


def _procedure(count: CountRecord, as_of: dt.date) -> str:
    still_serving = count.sentence_end is not None and count.sentence_end > as_of
    return "petition" if still_serving else "application"


def disqualifiers(count: CountRecord, history: History) -> tuple[str, ...]:
    """Rule 3's bars for HS 11358-11360, every one that holds, in the contract's order."""
    if count.statute is None or count.statute.section not in DISQUALIFIED_SECTIONS:
        return ()
    before = [
        c for c in history.counts
        if c.convicted and c.statute is not None and c.disposition_date < count.disposition_date
    ]
    found = []
    if any(is_super_strike(c.statute) for c in before if c.statute):
        found.append("PRIOR_SUPER_STRIKE")
    registered = any(
        r.statute is not None and r.statute.code == "PC" and r.statute.section == "290"
        and r.date < count.disposition_date
        for r in history.registrations
    )
    if registered or any(is_pc290_registrable(c.statute) for c in before if c.statute):
        found.append("PC290_REGISTRANT")
    same_section = [
        c for c in before
        if c.statute and c.statute.code == "HS" and c.statute.section == count.statute.section
    ]
    if len(same_section) >= 2:
        found.append("TWO_PRIORS_SAME_SECTION")
    if count.involved_minor:
        found.append("INVOLVED_MINOR")
    if count.statute.section == "11358" and count.environmental_violation:
        found.append("ENVIRONMENTAL_HARM")
    return tuple(found)


def _age(count: CountRecord, history: History) -> int | None:
    if history.date_of_birth is None:
        return None
    return age_on(history.date_of_birth, count.conduct_date)


def _statewide(count: CountRecord, history: History) -> tuple[str, tuple[str, ...]]:
    if count.conduct_date >= rp.PROP64_EFFECTIVE:  # rule 1
        return "not_eligible", ("AFTER_PROP64",)
    statute = count.statute
    if statute is None:  # rule 6
        return "needs_review", ("UNPARSEABLE_STATUTE",)
    age = _age(count, history)
    if statute.section == "11357":  # rule 2
        if statute.subsections and statute.subsections[0] not in ("a", "b"):
            return "needs_review", ("OTHER_11357",)
        if age is None:
            return "needs_review", ("AGE_UNKNOWN",)
        if age >= rp.ADULT_AGE:
            return "dismiss_and_seal", ("POSSESSION_ADULT",)
        if age >= rp.YOUNG_ADULT_AGE:
            return "reduce_to_infraction", ("POSSESSION_AGE_18_20",)
        return "needs_review", ("JUVENILE",)
    bars = disqualifiers(count, history)  # rule 3
    if bars:
        return "not_eligible", bars
    if (  # rule 4
        statute.section == "11358" and count.plants is not None
        and count.plants <= rp.MAX_PERSONAL_PLANTS and age is not None and age >= rp.ADULT_AGE
    ):
        return "dismiss_and_seal", ("CULTIVATION_SIX_PLANTS",)
    if count.level == "felony":  # rule 5
        return "reduce_to_misdemeanor", ("FELONY_REDUCTION",)
    return "dismiss_and_seal", ("MISDEMEANOR_DISMISSAL",)


def _dismiss_all(count: CountRecord, history: History) -> tuple[str, tuple[str, ...]]:
    if count.conduct_date >= rp.PROP64_EFFECTIVE:  # rule 1 stands
        return "not_eligible", ("AFTER_PROP64",)
    if count.statute is None:  # rule 6 stands
        return "needs_review", ("UNPARSEABLE_STATUTE",)
    age = _age(count, history)
    review = list(disqualifiers(count, history))
    if age is None:
        review.append("AGE_UNKNOWN")
    elif age < rp.YOUNG_ADULT_AGE:
        review.append("JUVENILE")
    if review:
        return "needs_review", tuple(review)
    return "dismiss_and_seal", ("DISMISS_ALL_POLICY",)
