"""POST /v1/evaluate answers what the pipeline decided, on the shipped sample."""
from __future__ import annotations

from collections import defaultdict

import httpx
import pytest

from clearway.common.datagen import sample_events
from clearway.common.demo import push_sample, watch_topics
from clearway.common.devstack import Stack

pytestmark = pytest.mark.e2e


def essence(decisions: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return sorted(
        (d["court"], d["case_number"], d["count"], d["statute"], d["relief"], d["procedure"],
         tuple(r["code"] for r in d["reasons"]), d["policy"])  # type: ignore[union-attr]
        for d in decisions
    )


def test_evaluate_gives_the_pipelines_decisions_for_every_person_of_the_sample(
        stack: Stack) -> None:
    accepted, rejected = push_sample(stack, people=300)
    assert rejected == 0 and accepted > 300
    watch_topics(stack.bootstrap_servers or "")

    by_subject: dict[str, list[dict[str, object]]] = defaultdict(list)
    for event in sample_events(people=300):
        by_subject[event["subject"]["subject_id"]].append(event)
    compared = 0
    with httpx.Client(base_url=stack.url("eligibility"), headers=stack.headers()) as client:
        for subject_id, events in by_subject.items():
            dry_run = client.post("/v1/evaluate", json={"events": events})
            assert dry_run.status_code == 200, dry_run.text
            current = client.get(f"/v1/subjects/{subject_id}/decisions")
            pipeline = current.json()["decisions"] if current.status_code == 200 else []
            assert essence(dry_run.json()["decisions"]) == essence(pipeline), subject_id
            compared += len(pipeline)
    assert compared > 300
