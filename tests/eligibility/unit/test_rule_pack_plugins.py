"""Rule packs are plug-ins: a pack for another state is its own package and a registry
entry. The toy pack lives in the test tree; nothing in the service names it, yet it decides,
versions, documents itself and is served by POST /v1/evaluate."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from clearway.common.events import Decision
from clearway.eligibility.api import build_app
from clearway.eligibility.domain.versions import changes, current_of
from clearway.eligibility.rulepacks import (
    UnknownPolicy,
    policy_named,
    policy_names,
    register,
    unregister,
)
from clearway.eligibility.rulepacks.doc import render_rules_md
from clearway.eligibility.rulepacks.engine import decide
from clearway.eligibility.settings import EligibilitySettings
from tests.eligibility.unit import toy_pack
from tests.eligibility.unit.builders import (
    AS_OF,
    PERSON,
    D,
    corrected,
    count,
    disposition,
    history_of,
)

NOW = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
ADMIN = "cw_testadmin_0123456789abcdefghij"


@pytest.fixture
def toy() -> Iterator[None]:
    register(toy_pack.PACK)
    yield
    unregister(toy_pack.PACK.name)


def test_a_registered_pack_decides_counts_under_its_own_policy(toy: None) -> None:
    old = disposition(count("XX 77", disposition_date=D(1995, 1, 1)))
    recent = disposition(count("XX 12", disposition_date=D(2005, 1, 1)))
    outcomes = {o.case_number: o for o in decide(history_of([old, recent]), AS_OF,
                                                  policy="toy-statewide")}
    a, b = outcomes[old.case.case_number], outcomes[recent.case.case_number]  # type: ignore[union-attr]
    assert (a.relief, a.procedure, a.reason_codes) == ("dismiss_and_seal", "application",
                                                       ("TOY_OLD",))
    assert (b.relief, b.reasons[0].citation) == ("not_eligible", "XX Toy Code 1(b)")
    assert (a.rule_pack, a.rule_pack_version, a.policy) == ("xx-toy", "0.1.0", "toy-statewide")


def test_a_courts_policy_table_entry_routes_it_to_the_pack(toy: None) -> None:
    event = disposition(count("XX 77", disposition_date=D(1995, 1, 1)), court="XX-ONE")
    (o,) = decide(history_of([event]), AS_OF, {"XX-ONE": "toy-statewide"})
    assert (o.reason_codes, o.reasons[0].citation, o.rule_pack) == (
        ("TOY_OLD",), "XX Toy Code 1(a)", "xx-toy")
    # the same count in a California court is not the toy pack's (nor in Prop 64's scope)
    assert decide(history_of([event]), AS_OF, {}) == []


def test_the_packs_decisions_are_contract_decisions_and_withdraw_with_its_reason(
        toy: None) -> None:
    original = disposition(count("XX 77", disposition_date=D(1995, 1, 1)), court="XX-ONE")
    table = {"XX-ONE": "toy-statewide"}
    first = changes(PERSON.subject_id, decide(history_of([original]), AS_OF, table), {},
                    AS_OF, NOW)
    assert all(isinstance(d, Decision) for d in first)
    current = {(d.court, d.case_number, d.count): current_of(d) for d in first}
    gone = corrected(original, count("XX 77", disposition="dismissed"))
    (last,) = changes(PERSON.subject_id, decide(history_of([original, gone]), AS_OF, table),
                      current, AS_OF, NOW)
    assert (last.relief, [r.code for r in last.reasons], last.rule_pack) == (
        "withdrawn", ["TOY_WITHDRAWN"], "xx-toy")


def test_the_packs_rules_document_is_generated_from_its_units(toy: None) -> None:
    text = render_rules_md(toy_pack.PACK, {"XX-ONE": "toy-statewide"}, "statewide")
    assert "rule pack `xx-toy` version 0.1.0" in text
    assert "| `TOY_OLD` | dismiss and seal | Toy convictions before 2000 are cleared. |" in text
    assert "77: XX Toy Code 77(b)" in text


def test_evaluate_serves_the_registered_pack_by_its_policy_name(
        toy: None, tmp_path: Path) -> None:
    settings = EligibilitySettings(data_dir=tmp_path, kafka_bootstrap_servers="127.0.0.1:1",
                                   bootstrap_api_key=ADMIN)
    with TestClient(build_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {ADMIN}"
        event = disposition(count("XX 77", disposition_date=D(1995, 1, 1)), court="XX-ONE")
        answer = client.post("/v1/evaluate", json={
            "events": [event.model_dump(mode="json", exclude_none=True)],
            "policy": "toy-statewide"})
        assert answer.status_code == 200, answer.text
        (d,) = answer.json()["decisions"]
        assert (d["relief"], d["rule_pack"], d["policy"]) == (
            "dismiss_and_seal", "xx-toy", "toy-statewide")


def test_an_unknown_policy_name_is_refused_with_the_known_ones() -> None:
    with pytest.raises(UnknownPolicy, match="statewide"):
        policy_named("no-such-policy")
    assert {"statewide", "dismiss-all"} <= set(policy_names())


def test_a_pack_cannot_take_another_packs_policy_name() -> None:
    from dataclasses import replace

    thief = replace(toy_pack.PACK, name="xx-thief",
                    policies=(replace(toy_pack.PACK.policies[0], name="statewide"),))
    with pytest.raises(ValueError, match="already"):
        register(thief)
