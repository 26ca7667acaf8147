"""A unit's `sections` only skips work: deciding with each section's plan gives what running
every step of the policy in order gives, for every count of a varied sample."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pytest

from clearway.common.datagen import sample_events
from clearway.common.events import RecordEvent
from clearway.eligibility.domain.history import History
from clearway.eligibility.rulepacks import pack_named
from clearway.eligibility.rulepacks.model import Policy, Verdict

AS_OF = dt.date(2026, 12, 1)
PACK = pack_named("ca-prop64")


def every_step(policy: Policy, facts: Any) -> Verdict:
    for step in policy.steps:
        verdict = step.verdict(facts)
        if verdict is not None:
            return verdict
    raise AssertionError("no step decided")


@pytest.mark.parametrize("policy", PACK.policies, ids=lambda p: p.name)
def test_each_sections_plan_decides_as_every_step_would(policy: Policy) -> None:
    people: dict[str, list[RecordEvent]] = defaultdict(list)
    for event in sample_events(people=3000):
        parsed = RecordEvent.model_validate(event)
        people[parsed.subject_id].append(parsed)
    decided = 0
    for subject_id, events in people.items():
        history = History.from_events(subject_id, events)
        for count in history.counts:
            if not PACK.in_scope(count):
                continue
            facts = PACK.facts(count, history, AS_OF)
            planned, full = policy.decide(facts), every_step(policy, facts)
            assert (planned.relief, [u.code for u in planned.units]) == (
                full.relief, [u.code for u in full.units])
            decided += 1
    assert decided > 3000


def test_a_unit_with_sections_never_holds_for_another_section() -> None:
    for unit in PACK.units():
        if unit.sections is not None:
            assert unit.sections <= {"11357", "11358", "11359", "11360"}, unit.code
