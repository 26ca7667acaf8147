"""Deciding a person: each in-scope count under its court's policy, one outcome each.
Pure: no I/O. Which pack decides follows from the policy's name (see the registry)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clearway.common.events import Reason
from clearway.eligibility.domain.history import CountRecord, History
from clearway.eligibility.rulepacks import DEFAULT_POLICY, SHIPPED_POLICY_TABLE, policy_named
from clearway.eligibility.rulepacks.model import GRANTED, Policy, RulePack, Verdict

CountKey = tuple[str, str, int]


@dataclass(frozen=True)
class Outcome:
    """What a policy decides for one count, before versioning."""

    court: str
    case_number: str
    count: int
    statute: str
    relief: str
    procedure: str | None
    reasons: tuple[Reason, ...]
    policy: str
    rule_pack: str
    rule_pack_version: str
    # Each court's date of birth when they differ and the difference changes this count's
    # outcome (IDENTITY_CONFLICT): for a reviewer allowed to see those courts, never
    # published on a topic.
    identity_conflict: tuple[tuple[str, dt.date], ...] = ()

    @property
    def key(self) -> CountKey:
        return (self.court, self.case_number, self.count)

    @property
    def reason_codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)


def policy_for(court: str, table: Mapping[str, str]) -> str:
    return table.get(court, DEFAULT_POLICY)


def decide(
    history: History,
    as_of: dt.date,
    policy_table: Mapping[str, str] = SHIPPED_POLICY_TABLE,
    policy: str | None = None,
    custom: tuple[RulePack, Policy] | None = None,
) -> list[Outcome]:
    """One outcome per in-scope count; `policy` (a registered name) or `custom` (a pack and
    a policy built for this call, such as an inline county policy) overrides each court's
    policy."""
    outcomes = []
    chosen_for: dict[str, tuple[str, RulePack, Policy]] = {}  # court -> its policy
    related: list[tuple[CountRecord, RulePack, Policy]] = []
    disputed = len(history.distinct_dates_of_birth()) > 1
    for count in history.counts:
        chosen = chosen_for.get(count.court)
        if chosen is None:
            if custom is not None:
                chosen = (custom[1].name, *custom)
            else:
                name = policy or policy_for(count.court, policy_table)
                chosen = (name, *policy_named(name))
            chosen_for[count.court] = chosen
        name, pack, rules = chosen
        if not pack.in_scope(count):
            if rules.related is not None and count.convicted and rules.related.is_related(count):
                related.append((count, pack, rules))
            continue
        conflict: tuple[tuple[str, dt.date], ...] = ()
        if disputed and pack.identity_conflict is not None:
            facts, verdict = _decide_each_reading(pack, rules, count, history, as_of)
            if verdict is None:
                verdict = Verdict("needs_review", (pack.identity_conflict,))
                conflict = history.dates_of_birth
        else:
            facts = pack.facts(count, history, as_of)
            verdict = rules.decide(facts)
        section = facts.section
        outcomes.append(_outcome(count, verdict, verdict.reasons(section), name, pack, as_of,
                                 conflict))
    if related:
        granted = {(o.court, o.case_number) for o in outcomes if o.relief in GRANTED}
        for count, pack, rules in related:
            if (count.court, count.case_number) in granted:
                assert rules.related is not None
                unit = rules.related.unit
                outcomes.append(_outcome(count, Verdict(rules.related.relief, (unit,)),
                                         (unit.reason(None),), rules.name, pack, as_of, ()))
    return outcomes


def _outcome(count: CountRecord, verdict: Verdict, reasons: tuple[Reason, ...], policy: str,
             pack: RulePack, as_of: dt.date,
             conflict: tuple[tuple[str, dt.date], ...]) -> Outcome:
    procedure = procedure_of(count, as_of) if verdict.relief in GRANTED else None
    statute = count.statute.canonical if count.statute else count.statute_text
    return Outcome(count.court, count.case_number, count.count, statute, verdict.relief,
                   procedure, reasons, policy, pack.name, pack.version, conflict)


def _decide_each_reading(pack: RulePack, rules: Policy, count: CountRecord, history: History,
                         as_of: dt.date) -> tuple[Any, Verdict | None]:
    """Courts disagree on the date of birth: decide on the count's own court's date, and on
    each other court's. The facts and verdict of its own court's reading, or None for the
    verdict when another reading decides differently (a reviewer must say who this is)."""
    own = history.read_as(history.date_of_birth_in(count.court))
    facts = pack.facts(count, own, as_of)
    verdict = rules.decide(facts)
    for born in history.distinct_dates_of_birth():
        if born == own.date_of_birth:
            continue
        other = rules.decide(pack.facts(count, history.read_as(born), as_of))
        if (other.relief, [u.code for u in other.units]) != (
                verdict.relief, [u.code for u in verdict.units]):
            return facts, None
    return facts, verdict


def procedure_of(count: CountRecord, as_of: dt.date) -> str:
    """`petition` while the sentence (supervision included) runs past `as_of`,
    otherwise `application` (HS 11361.8(a) and (e))."""
    still_serving = count.sentence_end is not None and count.sentence_end > as_of
    return "petition" if still_serving else "application"
