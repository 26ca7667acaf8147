"""Issue #9 (a): poison on every consumed topic. Undecodable bytes, valid JSON of the wrong
schema and a message over 1 MB, each on court.records.v1 (for eligibility, filing and
notify) and eligibility.decisions.v1 (for filing and notify): each lands on `<topic>.dlq`
with the original key and the dlq_original_topic/partition/offset and dlq_error headers,
is counted by clearway_dlq_messages_total on /metrics, and the consumer goes on (a good
message after it, on the same partition, is processed).

Each test has a broker of its own (the session broker is shared by other suites)."""
from __future__ import annotations

import datetime as dt
import os
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from kafka import KafkaConsumer, KafkaProducer

from clearway.common.broker import EmbeddedBroker, free_port
from clearway.common.devstack import ServiceProcess, dev_api_key
from clearway.common.envelope import encode
from clearway.common.events import RecordEvent
from clearway.common.kafka import MAX_MESSAGE_BYTES
from clearway.common.topics import DECISIONS, RECORDS, dlq, provision_topics, writer
from clearway.eligibility.domain.history import History
from clearway.eligibility.domain.versions import changes
from clearway.eligibility.rulepacks.engine import decide

pytestmark = pytest.mark.e2e

CONSUMES = {"eligibility": (RECORDS,), "filing": (RECORDS, DECISIONS),
            "notify": (RECORDS, DECISIONS)}
MARKER = "POISON-MARKER-Zq9"  # must never appear in a dlq_error header (values stay out)


def poisons(marker: str) -> dict[str, bytes]:
    return {
        "undecodable": b"\xff\xfe\x00" + marker.encode() + b"{not json",
        "schema": ('{"event_id": "' + marker + '", "event_type": "parole", "court": 7, '
                   '"subject": {"subject_id": "' + marker + '", "first_name": "' + marker +
                   '"}}').encode(),
        "too_large": ('{"event_id": "' + marker + '", "padding": "' + "x" * 1_100_000 +
                      '"}').encode(),
    }


def good_events(subject_id: str) -> tuple[RecordEvent, Any]:
    """A disposition that grants relief, and the first decision eligibility makes of it."""
    record = RecordEvent.model_validate({
        "event_id": f"GOOD-{subject_id}", "event_type": "disposition", "court": "CA-SF",
        "occurred_at": "2020-01-15T10:00:00-08:00",
        "subject": {"subject_id": subject_id, "first_name": "Ana", "last_name": "Reyes",
                    "date_of_birth": "1980-01-01",
                    "contact": {"postal_address": {"line1": "1 Main St", "city": "San Francisco",
                                                   "state": "CA", "postal_code": "94103"}}},
        "case": {"case_number": f"SF{subject_id[-6:]}", "counts": [{
            "count": 1, "statute": "HS 11359", "level": "felony",
            "offense_date": "2010-01-01", "disposition": "convicted",
            "disposition_date": "2010-06-01"}]}})
    now = dt.datetime.now(dt.UTC)
    outcomes = decide(History.from_events(subject_id, [record]), now.date())
    (decision,) = changes(subject_id, outcomes, {}, now.date(), now)
    return record, decision


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker(log_path=tmp_path / "broker.log") as b:
        provision_topics(b.bootstrap_servers, 4)
        yield b


def start_service(name: str, broker: EmbeddedBroker, tmp_path: Path, key: str) -> ServiceProcess:
    port = free_port()
    prefix = f"CLEARWAY_{name.upper()}_"
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
           "CLEARWAY_TOPIC_PARTITIONS": "4", "CLEARWAY_BOOTSTRAP_API_KEY": key,
           prefix + "DATA_DIR": str(tmp_path / name), prefix + "HTTP_PORT": str(port),
           prefix + "PLAN_DELAY_SECONDS": "0"}
    proc = ServiceProcess(name, port, env, tmp_path / f"{name}.log")
    proc.start()
    proc.wait_ready(60)
    return proc


def wait_for(what: str, predicate: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"{what}: not within {timeout:.0f}s")


def processed(name: str, proc: ServiceProcess, key: str, subject_id: str) -> bool:
    """The good messages sent after the poison took effect."""
    auth = {"Authorization": f"Bearer {key}"}
    if name == "eligibility":
        answer = httpx.get(f"{proc.url}/v1/subjects/{subject_id}/decisions", headers=auth)
        return answer.status_code == 200 and bool(answer.json()["decisions"])
    if name == "filing":  # a rendered motion needs both the record and the decision
        motions = httpx.get(f"{proc.url}/v1/courts/CA-SF/motions", headers=auth).json()["motions"]
        return any(m["subject_id"] == subject_id and m["status"] == "ready" for m in motions)
    # notify: a notice (from the decision) planned on the letter channel (from the record)
    found = httpx.get(f"{proc.url}/v1/subjects/{subject_id}/deliveries", headers=auth).json()
    return bool(found["notices"]) and any(d["channel"] == "letter" for d in found["deliveries"])


def dlq_counts(proc: ServiceProcess) -> dict[tuple[str, str], float]:
    page = httpx.get(f"{proc.url}/metrics").text
    found = {}
    for line in page.splitlines():
        m = re.match(r'clearway_dlq_messages_total\{(.*)\} (\S+)$', line)
        if m:
            labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
            found[(labels["topic"], labels["error"])] = float(m.group(2))
    return found


def read_dead_letters(bootstrap: str, topics: list[str], want: int) -> list[Any]:
    consumer = KafkaConsumer(*topics, bootstrap_servers=bootstrap, group_id=None,
                             auto_offset_reset="earliest", consumer_timeout_ms=500,
                             max_partition_fetch_bytes=4 << 20, fetch_max_bytes=16 << 20)
    got: list[Any] = []
    try:
        deadline = time.monotonic() + 60
        while len(got) < want and time.monotonic() < deadline:
            got.extend(consumer)
    finally:
        consumer.close()
    return got


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", ["eligibility", "filing", "notify"])
def test_poison_on_every_consumed_topic_is_dead_lettered_counted_and_the_consumer_goes_on(
        name: str, broker: EmbeddedBroker, tmp_path: Path) -> None:
    key = dev_api_key()
    proc = start_service(name, broker, tmp_path, key)
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all",
                             max_request_size=4 << 20)
    subject_id = f"CII{uuid.uuid4().int % 10**9:09d}"
    record, decision = good_events(subject_id)
    sent: dict[tuple[str, str], Any] = {}
    try:
        for topic in CONSUMES[name]:
            for kind, value in poisons(MARKER).items():
                # The subject's key: the poison sits on the partition of the good messages.
                sent[(topic, kind)] = producer.send(
                    topic, value=value, key=subject_id.encode(),
                    # The writer's source: these test decoding, not the source check.
                    headers=[("ce_id", f"poison-{kind}".encode()),
                             ("ce_source", writer(topic).encode())]).get(30)
        value, headers = encode(record, source=writer(RECORDS), ce_id=f"CA-SF/{record.event_id}")
        producer.send(RECORDS, value=value, key=subject_id.encode(), headers=headers).get(30)
        if DECISIONS in CONSUMES[name]:
            value, headers = encode(decision, source=writer(DECISIONS), ce_id=decision.decision_id)
            producer.send(DECISIONS, value=value, key=subject_id.encode(),
                          headers=headers).get(30)
        producer.flush()
        wait_for("the good messages after the poison", lambda: processed(
            name, proc, key, subject_id))
        counts = wait_for("the dead letters counted", lambda: (
            c := dlq_counts(proc)) and sum(c.values()) >= len(sent) and c)
        assert proc.alive()
    finally:
        producer.close()
        proc.terminate()

    letters = read_dead_letters(broker.bootstrap_servers,
                                [dlq(t) for t in CONSUMES[name]], len(sent))
    assert len(letters) == len(sent), [m.topic for m in letters]
    for message in letters:
        headers = {k: v.decode() for k, v in message.headers}
        original = headers["dlq_original_topic"]
        assert message.topic == dlq(original)
        assert message.key == subject_id.encode()
        kind = headers["ce_id"].removeprefix("poison-")
        meta = sent[(original, kind)]
        assert (int(headers["dlq_original_partition"]), int(headers["dlq_original_offset"])) \
            == (meta.partition, meta.offset)
        assert headers["dlq_error"] and MARKER not in headers["dlq_error"]
        if kind == "too_large":
            assert headers.get("dlq_truncated") == "true"
            assert len(message.value) <= MAX_MESSAGE_BYTES
        else:
            assert message.value == poisons(MARKER)[kind]
    for topic in CONSUMES[name]:
        per_topic = {error: n for (t, error), n in counts.items() if t == topic}
        assert sum(per_topic.values()) == 3, per_topic
        assert per_topic.get("undecodable") == 1 and per_topic.get("schema") == 1, per_topic
