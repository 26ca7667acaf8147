"""Issue #19: a court order produced straight onto court.records.v1 by a client that is not
ingest (its CloudEvents ce_source says so) is dead-lettered by every consuming service and
changes nothing: no decision, no motion ruling, no letter. The same order from ingest's
source does change them, so the refusal is what kept them unchanged."""
from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest
from kafka import KafkaProducer

from clearway.common.devstack import Stack
from clearway.common.envelope import encode
from clearway.common.events import RecordEvent
from clearway.common.topics import RECORDS, dlq, writer
from tests.e2e.topics import TopicReader

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]


def wait_until(what: str, fn, timeout: float = 90.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"{what}: not within {timeout:.0f}s")


def disposition(subject_id: str, case_number: str) -> dict[str, object]:
    return {
        "event_id": f"ev-{uuid.uuid4().hex[:12]}", "event_type": "disposition",
        "court": "CA-SF", "occurred_at": "2024-01-15T10:00:00-08:00",
        "subject": {"subject_id": subject_id, "first_name": "Rosa", "last_name": "Quintero",
                    "date_of_birth": "1975-06-02",
                    "contact": {"email": f"{subject_id.lower()}@example.org",
                                "language": "es"}},
        "case": {"case_number": case_number, "counts": [{
            "count": 1, "statute": "11359(B) HS", "description": "POSSESS MARIJUANA FOR SALE",
            "level": "felony", "offense_date": "2009-04-01", "disposition": "convicted",
            "disposition_date": "2010-02-01",
            "sentence": {"kind": "jail", "end_date": "2010-08-01"}}]},
    }


def state(stack: Stack, subject_id: str) -> dict[str, Any]:
    """What the three consumers made of the person: decisions, motions, notices."""
    headers = stack.headers()
    decisions = httpx.get(f"{stack.url('eligibility')}/v1/subjects/{subject_id}/decisions",
                          headers=headers).json().get("decisions", [])  # 404: not yet
    motions = [m for m in httpx.get(f"{stack.url('filing')}/v1/courts/CA-SF/motions",
                                    params={"limit": 1000}, headers=headers).json()["motions"]
               if m["subject_id"] == subject_id]
    notices = httpx.get(f"{stack.url('notify')}/v1/subjects/{subject_id}/deliveries",
                        headers=headers).json().get("notices", [])
    # What a court order would change (not what moves on by itself, such as a notice's
    # delivery state): decision versions, motion rulings, which notices exist.
    return {"decisions": sorted((d["decision_id"], d["version"], d["relief"])
                                for d in decisions),
            "motions": sorted((m["motion_id"], m["status"],
                               tuple((c["count"], c["order"]) for c in m["counts"]))
                              for m in motions),
            "notices": sorted((n["notice_kind"], n["case_number"]) for n in notices)}


def test_a_forged_court_order_is_dead_lettered_by_every_consumer_and_changes_nothing(
        stack: Stack) -> None:
    subject_id = f"CII{uuid.uuid4().hex[:10]}"
    case_number = f"SF{uuid.uuid4().hex[:6].upper()}"
    answer = httpx.post(f"{stack.url('ingest')}/v1/records",
                        json=disposition(subject_id, case_number), headers=stack.headers())
    assert answer.status_code == 202, answer.text
    before = wait_until("a decision, a ready motion and a notice", lambda: (
        s := state(stack, subject_id)) and s["decisions"] and s["notices"]
        and any(status == "ready" for _, status, _ in s["motions"]) and s)
    assert [orders for _, _, orders in before["motions"]] == [((1, None),)]

    order = RecordEvent.model_validate({
        "event_id": f"ord-{uuid.uuid4().hex[:10]}", "event_type": "court_order",
        "court": "CA-SF", "occurred_at": "2024-06-02T10:00:00Z",
        "subject": {"subject_id": subject_id},
        "order": {"case_number": case_number, "count": 1, "outcome": "granted",
                  "relief": "reduce_to_misdemeanor", "order_date": "2024-06-01"}})
    forged_id = f"CA-SF/{order.event_id}"
    bootstrap = stack.bootstrap_servers or ""
    reader = TopicReader(bootstrap, dlq(RECORDS))
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False)
    try:
        value, headers = encode(order, source="clearway/attacker", ce_id=forged_id)
        producer.send(RECORDS, value=value, key=subject_id.encode(), headers=headers).get(30)

        # eligibility, filing and notify each refuse it (three groups, three dead letters).
        reader.wait_for(lambda r: len(letters_of(r, forged_id)) == 3, timeout=90, settle=1.0)
        letters = letters_of(reader, forged_id)
        assert len(letters) == 3
        assert all(h["dlq_error"].startswith("untrusted_source: ce_source 'clearway/attacker'")
                   for h in letters)
        # Each had its batch handled and committed before dead-lettering showed up here:
        # what they hold now is what the forged order left.
        assert state(stack, subject_id) == before
        for name in ("eligibility", "filing", "notify"):
            page = httpx.get(f"{stack.url(name)}/metrics").text
            assert 'clearway_events_rejected_source_total{topic="court.records.v1"}' in page

        # The control: the same order from ingest's source is acted on.
        value, headers = encode(order, source=writer(RECORDS), ce_id=forged_id)
        producer.send(RECORDS, value=value, key=subject_id.encode(), headers=headers).get(30)
        after = wait_until("the genuine order acted on", lambda: (
            s := state(stack, subject_id)) and ("order_granted", case_number) in s["notices"]
            and [orders for _, _, orders in s["motions"]] == [((1, "granted"),)] and s)
        assert after["decisions"] == before["decisions"]
    finally:
        producer.close()
        reader.close()


def letters_of(reader: TopicReader, ce_id: str) -> list[dict[str, str]]:
    found = []
    for message in reader.messages:
        headers = {k: v.decode(errors="replace") for k, v in message.headers}
        if headers.get("ce_id") == ce_id:
            found.append(headers)
    return found
