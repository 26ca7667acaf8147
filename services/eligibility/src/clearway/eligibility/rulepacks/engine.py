"""Deciding a person: each in-scope count under its court's policy, one outcome each.
Pure: no I/O. Which pack decides follows from the policy's name (see the registry)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from clearway.common.events import Reason
from clearway.eligibility.domain.history import CountRecord, History
from clearway.eligibility.rulepacks import DEFAULT_POLICY, SHIPPED_POLICY_TABLE, policy_named
from clearway.eligibility.rulepacks.model import GRANTED, Policy, RulePack

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
) -> list[Outcome]:
    """One outcome per in-scope count; `policy` overrides each court's policy."""
    outcomes = []
    chosen_for: dict[str, tuple[str, RulePack, Policy]] = {}  # court -> its policy
    for count in history.counts:
        chosen = chosen_for.get(count.court)
        if chosen is None:
            name = policy or policy_for(count.court, policy_table)
            chosen = chosen_for[count.court] = (name, *policy_named(name))
        name, pack, rules = chosen
        if not pack.in_scope(count):
            continue
        facts = pack.facts(count, history, as_of)
        verdict = rules.decide(facts)
        section = facts.section
        procedure = procedure_of(count, as_of) if verdict.relief in GRANTED else None
        statute = count.statute.canonical if count.statute else count.statute_text
        outcomes.append(Outcome(
            count.court, count.case_number, count.count, statute, verdict.relief, procedure,
            tuple([u.reason(section) for u in verdict.units]), name, pack.name,
            pack.version))
    return outcomes


def procedure_of(count: CountRecord, as_of: dt.date) -> str:
    """`petition` while the sentence (supervision included) runs past `as_of`,
    otherwise `application` (HS 11361.8(a) and (e))."""
    still_serving = count.sentence_end is not None and count.sentence_end > as_of
    return "petition" if still_serving else "application"
