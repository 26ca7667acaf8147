"""A DOJ research file pushed through `clearway push --format doj`: the pipeline decides
each imported person as POST /v1/evaluate does on the same events."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import httpx
import pytest

from clearway.common.datagen import doj_lines
from clearway.common.demo import watch_topics
from clearway.common.devstack import Stack
from clearway.ingest.domain.doj import parse_text
from clearway.ingest.push import push_file
from tests.e2e.test_evaluate_matches_pipeline import essence

pytestmark = pytest.mark.e2e


def test_the_people_of_a_doj_file_get_the_decisions_evaluate_gives(
        stack: Stack, tmp_path: Path) -> None:
    path = tmp_path / "doj.txt"
    path.write_text("".join(doj_lines(150, seed=64)))
    with httpx.Client(base_url=stack.url("ingest"), headers=stack.headers(),
                      timeout=60) as client:
        summary = push_file(path, client, fmt="doj", show_progress=False)
    assert summary.complete and summary.tally is not None
    assert summary.tally.rows == summary.confirmed and summary.accepted > 150
    watch_topics(stack.bootstrap_servers or "")

    by_subject: dict[str, list[dict[str, object]]] = defaultdict(list)
    for event in parse_text(path.read_text()).events:
        by_subject[event.parsed.subject.subject_id].append(event.event)
    compared = 0
    with httpx.Client(base_url=stack.url("eligibility"), headers=stack.headers(),
                      timeout=60) as client:
        for subject_id, events in by_subject.items():
            dry_run = client.post("/v1/evaluate", json={"events": events})
            assert dry_run.status_code == 200, dry_run.text
            current = client.get(f"/v1/subjects/{subject_id}/decisions")
            pipeline = current.json()["decisions"] if current.status_code == 200 else []
            assert essence(dry_run.json()["decisions"]) == essence(pipeline), subject_id
            compared += len(pipeline)
    assert compared > 100
