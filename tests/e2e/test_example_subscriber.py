"""examples/decisions_subscriber.py, the integrators' example: its schema checks and
bookkeeping on their own, then run as a process against the four services."""
from __future__ import annotations

import copy
import importlib.util
import json
import subprocess
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from clearway.common.devstack import Stack
from clearway.common.topics import DECISIONS
from tests.e2e.topics import TopicReader

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "decisions_subscriber.py"
SCHEMA = json.loads((ROOT / "docs" / "schemas" / "Decision.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("decisions_subscriber", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def decision(**changes: Any) -> dict[str, Any]:
    base = {
        "decision_id": "d-1", "subject_id": "CII0000001", "court": "CA-SF",
        "case_number": "SF123", "count": 1, "statute": "HS 11359(b)",
        "relief": "reduce_to_misdemeanor", "procedure": "application",
        "reasons": [{"code": "FELONY_REDUCIBLE", "text": "t", "citation": "HS 11361.8"}],
        "policy": "statewide", "rule_pack": "ca-prop64", "rule_pack_version": "1",
        "version": 1, "supersedes": None, "as_of": "2026-11-25",
        "decided_at": "2026-11-25T10:00:00+00:00",
    }
    return {**base, **changes}


def test_the_examples_schema_check_accepts_a_decision_with_fields_added_later(
    example: ModuleType,
) -> None:
    assert example.schema_errors(SCHEMA, decision()) == []
    assert example.schema_errors(SCHEMA, decision(appeal_by="2027-01-01")) == []


def test_the_examples_schema_check_names_what_is_wrong(example: ModuleType) -> None:
    missing = decision()
    del missing["version"]
    bad = {
        "relief": decision(relief="pardon"),
        "version": missing,
        "count": decision(count="1"),
        "reasons": decision(reasons=[]),
        "as_of": decision(as_of="25/11/2026"),
        "decided_at": decision(decided_at="2026-11-25T10:00:00"),  # no offset
        "supersedes": decision(supersedes=7),
    }
    for field, value in bad.items():
        errors = example.schema_errors(SCHEMA, value)
        assert any(e.startswith(f"$.{field}") for e in errors), (field, errors)


def test_the_example_keeps_the_highest_version_of_each_count_and_drops_redeliveries(
    example: ModuleType,
) -> None:
    current = example.CurrentDecisions()
    first = decision()
    second = decision(decision_id="d-2", version=2, supersedes="d-1", relief="dismiss_and_seal")
    other_count = decision(decision_id="d-9", count=2)

    assert [current.apply(d) for d in (first, second, copy.deepcopy(first),
                                       copy.deepcopy(second), other_count)] == [
        "new", "new", "stale", "duplicate", "new"]
    assert sorted(d["decision_id"] for d in current.current()) == ["d-2", "d-9"]

    withdrawn = decision(decision_id="d-3", version=3, supersedes="d-2", relief="withdrawn",
                         procedure=None)
    assert current.apply(withdrawn) == "new"
    assert [d["decision_id"] for d in current.current()] == ["d-9"]


def disposition(subject_id: str, case_number: str) -> dict[str, object]:
    return {
        "event_id": f"ev-{uuid.uuid4().hex[:12]}",
        "event_type": "disposition",
        "court": "CA-SF",
        "occurred_at": "2024-01-15T10:00:00-08:00",
        "subject": {"subject_id": subject_id, "first_name": "Rosa", "last_name": "Quintero",
                    "date_of_birth": "1975-06-02"},
        "case": {"case_number": case_number, "counts": [{
            "count": 1, "statute": "11359(B) HS", "description": "POSSESS MARIJUANA FOR SALE",
            "level": "felony", "offense_date": "2009-04-01", "disposition": "convicted",
            "disposition_date": "2010-02-01",
            "sentence": {"kind": "jail", "end_date": "2010-08-01"},
        }]},
    }


@pytest.mark.e2e
def test_the_example_subscriber_prints_the_decision_on_a_posted_disposition(
    stack: Stack,
) -> None:
    subject_id = f"CII{uuid.uuid4().hex[:10]}"
    case_number = f"SF{uuid.uuid4().hex[:6].upper()}"
    answer = httpx.post(f"{stack.url('ingest')}/v1/records",
                        json=disposition(subject_id, case_number), headers=stack.headers())
    assert answer.status_code == 202, answer.text
    reader = TopicReader(stack.bootstrap_servers or "", DECISIONS)
    try:  # the decision is on the topic before the example starts reading
        reader.wait_for(lambda r: any(d["subject_id"] == subject_id
                                      for d in r.values(DECISIONS)))
    finally:
        reader.close()

    done = run_example(stack, "--group", f"example-{uuid.uuid4().hex[:8]}",
                       "--from-beginning", "--idle-timeout", "4")

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert f"{subject_id} CA-SF {case_number} 1 reduce_to_misdemeanor 1" in lines, done.stdout
    assert "invalid 0" in done.stderr
    assert "Quintero" not in done.stdout  # decisions carry no names


@pytest.mark.e2e
def test_the_example_commits_its_offsets_and_rereads_only_when_asked(stack: Stack) -> None:
    subject_id = f"CII{uuid.uuid4().hex[:10]}"
    answer = httpx.post(f"{stack.url('ingest')}/v1/records",
                        json=disposition(subject_id, "SF1"), headers=stack.headers())
    assert answer.status_code == 202, answer.text
    reader = TopicReader(stack.bootstrap_servers or "", DECISIONS)
    try:
        reader.wait_for(lambda r: any(d["subject_id"] == subject_id
                                      for d in r.values(DECISIONS)))
    finally:
        reader.close()
    group = f"example-{uuid.uuid4().hex[:8]}"

    first = run_example(stack, "--group", group, "--idle-timeout", "3")
    again = run_example(stack, "--group", group, "--idle-timeout", "3")
    reread = run_example(stack, "--group", group, "--from-beginning", "--max-messages", "1")

    assert subject_id in first.stdout, first.stderr
    assert subject_id not in again.stdout, again.stderr
    assert len(reread.stdout.splitlines()) == 1, reread.stderr
    assert "read 1," in reread.stderr


def run_example(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLE), "--bootstrap", stack.bootstrap_servers or "",
         "--session-timeout-ms", "6000", *args],
        capture_output=True, text=True, timeout=120, cwd=ROOT, check=False,
    )
