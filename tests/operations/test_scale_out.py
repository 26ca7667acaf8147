"""Operate and scale: two eligibility processes in one group, one killed mid-stream; readiness
follows the broker; SIGTERM finishes the batch in flight."""
from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.run import _produce_records, write_dataset
from clearway.common.broker import EmbeddedBroker, free_port
from clearway.common.devstack import ServiceProcess
from clearway.common.events import RecordEvent
from clearway.common.topics import DECISIONS, RECORDS, provision_topics
from clearway.eligibility.domain.history import History
from clearway.eligibility.rulepacks.engine import decide
from tests.e2e.topics import TopicReader

pytestmark = pytest.mark.e2e


def worker(broker: EmbeddedBroker, data_dir: Path, index: int, group: str) -> ServiceProcess:
    port = free_port()
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
           "CLEARWAY_ELIGIBILITY_DATA_DIR": str(data_dir),
           "CLEARWAY_ELIGIBILITY_HTTP_PORT": str(port),
           "CLEARWAY_ELIGIBILITY_CONSUMER_GROUP": group,
           "CLEARWAY_ELIGIBILITY_BATCH_MAX_RECORDS": "200"}
    proc = ServiceProcess("eligibility", port, env, data_dir / f"eligibility-{index}.log")
    proc.start()
    return proc


def readiness(proc: ServiceProcess) -> dict[str, object]:
    try:
        return httpx.get(f"{proc.url}/readyz", timeout=8).json()
    except httpx.HTTPError:
        return {}


def wait(predicate, timeout: float = 60.0, every: float = 0.25) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout:.0f}s")


def expected_outcomes(path: Path) -> set[tuple[str, str, str, int, str]]:
    events: dict[str, list[RecordEvent]] = defaultdict(list)
    for line in path.read_bytes().splitlines():
        event = RecordEvent.model_validate_json(line)
        events[event.subject_id].append(event)
    today = time.strftime("%Y-%m-%d")
    import datetime as dt

    as_of = dt.date.fromisoformat(today)
    return {
        (subject, o.court, o.case_number, o.count, o.relief)
        for subject, evs in events.items()
        for o in decide(History.from_events(subject, evs), as_of)
    }


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker(log_path=tmp_path / "broker.log") as b:
        provision_topics(b.bootstrap_servers, 12)
        yield b


def test_two_workers_share_partitions_and_the_survivor_finishes_after_a_sigkill(
        broker: EmbeddedBroker, tmp_path: Path) -> None:
    data = tmp_path / "people.ndjson"
    write_dataset(5000, data)
    expected = expected_outcomes(data)
    group = f"elig-{uuid.uuid4().hex[:6]}"
    first, second = worker(broker, tmp_path, 0, group), worker(broker, tmp_path, 1, group)
    reader = TopicReader(broker.bootstrap_servers, DECISIONS)
    try:
        wait(lambda: all(int(readiness(p).get("partitions", 0)) > 0 for p in (first, second)))
        asyncio.run(_produce_records(broker.bootstrap_servers, RECORDS, data))
        reader.wait_for(lambda r: len(r.messages) >= len(expected) // 4, timeout=120)
        first.kill()
        reader.wait_for(lambda r: len({(d["subject_id"], d["court"], d["case_number"],
                                        d["count"]) for d in r.values(DECISIONS)}) >= len(expected),
                        timeout=180, settle=8.0)
        decisions = reader.values(DECISIONS)
    finally:
        reader.close()
        first.kill()
        second.terminate()

    versions = Counter((d["subject_id"], d["court"], d["case_number"], d["count"], d["version"])
                       for d in decisions)
    duplicates = {k: n for k, n in versions.items() if n > 1}
    assert not duplicates, f"{len(duplicates)} decision versions published twice"
    got = {(d["subject_id"], d["court"], d["case_number"], d["count"], d["relief"])
           for d in decisions}
    assert got == expected


def test_readiness_follows_the_broker_and_sigterm_loses_nothing(
        broker: EmbeddedBroker, tmp_path: Path) -> None:
    proc = worker(broker, tmp_path, 0, f"elig-{uuid.uuid4().hex[:6]}")
    try:
        wait(lambda: readiness(proc).get("ready") is True)
        broker.kill()
        wait(lambda: readiness(proc).get("ready") is not True, timeout=30)
        broker.start()
        provision_topics(broker.bootstrap_servers, 12)
        wait(lambda: readiness(proc).get("ready") is True, timeout=90)
    finally:
        proc.terminate()

    data = tmp_path / "people.ndjson"
    write_dataset(3000, data)
    expected = expected_outcomes(data)
    group = f"elig-{uuid.uuid4().hex[:6]}"
    (tmp_path / "second").mkdir()
    proc = worker(broker, tmp_path / "second", 0, group)
    reader = TopicReader(broker.bootstrap_servers, DECISIONS)
    try:
        wait(lambda: readiness(proc).get("ready") is True)
        asyncio.run(_produce_records(broker.bootstrap_servers, RECORDS, data))
        reader.wait_for(lambda r: len(r.messages) >= 500, timeout=60)
        assert proc.process is not None
        proc.process.send_signal(signal.SIGTERM)
        assert proc.process.wait(30) in (0, -signal.SIGTERM)  # uvicorn re-raises after shutdown
        assert "Application shutdown complete" in proc.log_path.read_text()
        restarted = worker(broker, tmp_path / "second", 1, group)
        reader.wait_for(lambda r: len({(d["subject_id"], d["court"], d["case_number"], d["count"])
                                       for d in r.values(DECISIONS)}) >= len(expected),
                        timeout=120, settle=5.0)
        restarted.terminate()
        decisions = reader.values(DECISIONS)
    finally:
        reader.close()
        proc.kill()
    versions = Counter((d["subject_id"], d["court"], d["case_number"], d["count"], d["version"])
                       for d in decisions)
    assert max(versions.values()) == 1
    assert {(d["subject_id"], d["court"], d["case_number"], d["count"], d["relief"])
            for d in decisions} == expected
