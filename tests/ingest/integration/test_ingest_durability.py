"""Accepted means durable: ingest as a separate OS process over a real broker, with the
broker killed, ingest killed, and the broker's data lost."""
from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from clearway.common.broker import EmbeddedBroker
from clearway.common.db import make_engine
from clearway.common.outbox import outbox_depth
from clearway.common.topics import provision_topics
from clearway.ingest.store import outbox
from tests.ingest.builders import changed, disposition, person, to_csv
from tests.ingest.processes import Ingest, read_records, topic_partitions


@pytest.fixture
def ingest(embedded_broker: EmbeddedBroker, tmp_path: Path) -> Iterator[Ingest]:
    provision_topics(embedded_broker.bootstrap_servers, 12)
    service = Ingest(embedded_broker.bootstrap_servers, tmp_path)
    try:
        yield service
    finally:
        service.stop()


def keys(events) -> set[str]:
    return {f"{e['court']}/{e['event_id']}" for e in events}


def push_mixed(ingest: Ingest, events: list[dict]) -> None:
    """Push events one by one, as a JSON batch, as NDJSON and as CSV; every answer 2xx."""
    quarter = len(events) // 4
    with ingest.client() as client:
        for event in events[:quarter]:
            assert client.post("/v1/records", json=event).status_code == 202
        batch = client.post("/v1/records:batch", json=events[quarter:2 * quarter])
        assert batch.status_code == 200 and batch.json()["accepted"] == quarter
        lines = b"".join(orjson.dumps(e) + b"\n" for e in events[2 * quarter:3 * quarter])
        stream = client.post("/v1/records:batch", content=lines,
                             headers={"Content-Type": "application/x-ndjson"})
        assert stream.status_code == 200 and stream.json()["accepted"] == quarter
        rest = events[3 * quarter:]
        upload = client.post("/v1/records:csv", content=to_csv(rest),
                             headers={"Content-Type": "text/csv"})
        assert upload.status_code == 200 and upload.json()["accepted"] == len(rest)


def wait_for_log(ingest: Ingest, text: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in ingest.log_text():
        assert time.monotonic() < deadline, f"{text} not logged; see {ingest.log_path}"
        time.sleep(0.1)


def assert_standings_match(ingest: Ingest, events, where) -> None:
    with ingest.client() as client:
        for event in events:
            standing = client.get(f"/v1/records/{event['event_id']}",
                                  params={"court": event["court"]}).json()
            assert standing["status"] == "published"
            key = f"{event['court']}/{event['event_id']}"
            assert (standing["partition"], standing["offset"]) == where[key]


def assert_no_personal_data_in(text: str, events) -> None:
    assert text, "the service logged nothing at all"
    for event in events:
        subject = event["subject"]
        for name in ("first_name", "last_name", "date_of_birth"):
            assert subject[name] not in text, f"a submitted {name} is in the logs"


def test_records_posted_while_the_broker_is_down_reach_the_topic_exactly_once_after_it_returns(
    ingest, embedded_broker
):
    ingest.start().process.wait_ready(30)
    events = [person(i, prefix="B") for i in range(40)]
    embedded_broker.kill()

    push_mixed(ingest, events)  # every answer 2xx with the broker away
    assert ingest.outbox_depth() == len(events)

    embedded_broker.start()  # an empty cluster: no topics
    # Ingest reaches the broker and finds no topic; it must wait, not create it by producing.
    wait_for_log(ingest, '"missing_topics":["court.records.v1"]')
    provision_topics(embedded_broker.bootstrap_servers, 12)
    ingest.wait_all_published()

    seen, where = read_records(embedded_broker.bootstrap_servers, keys(events))
    assert set(seen) == keys(events)
    assert set(seen.values()) == {1}, "a record reached the topic more than once"
    assert topic_partitions(embedded_broker.bootstrap_servers) == 12
    assert_standings_match(ingest, events, where)
    assert_no_personal_data_in(ingest.log_text(), events)


def test_records_accepted_just_before_ingest_is_killed_are_published_after_it_restarts(
    ingest, embedded_broker, database_url
):
    ingest.database_url = database_url
    ingest.start().process.wait_ready(30)
    events = [person(i, prefix="K") for i in range(300)]

    push_mixed(ingest, events)
    ingest.kill()  # SIGKILL right after the last 2xx

    engine = make_engine(database_url)
    try:
        unpublished, _ = outbox_depth(engine, outbox)
    finally:
        engine.dispose()
    # The last answer covered 75 events; the relay cannot have published them all in the
    # moment between that answer and the kill (seen: 75 to 225 left), so the restart has
    # real work, including rows the dead process had claimed (taken over when their lease,
    # 2 s here, runs out).
    assert unpublished > 0

    ingest.start()  # same store
    ingest.wait_all_published()
    seen, _ = read_records(embedded_broker.bootstrap_servers, keys(events))
    assert set(seen) == keys(events)
    # Rows the dead process sent but never marked are found on the topic by the takeover,
    # not sent again.
    assert set(seen.values()) == {1}, "a record reached the topic more than once"
    ingest.stop()  # before the database goes
    assert_no_personal_data_in(ingest.log_text(), events)


def test_replay_republishes_every_accepted_event_to_a_broker_that_lost_them(
    ingest, embedded_broker
):
    ingest.start()
    events = [person(i, prefix="R") for i in range(24)]
    push_mixed(ingest, events)
    ingest.wait_all_published()
    ingest.stop()

    embedded_broker.kill()
    embedded_broker.start()  # the broker's data is gone; the store is the system of record
    replay = subprocess.run(
        [str(Path(sys.executable).parent / "clearway-ingest"), "replay", "--timeout", "60"],
        env=ingest.env(0), capture_output=True, text=True, timeout=90,
    )
    assert replay.returncode == 0, replay.stderr
    assert "24 accepted event(s) marked for republishing" in replay.stdout

    seen, _ = read_records(embedded_broker.bootstrap_servers, keys(events))
    assert set(seen) == keys(events) and set(seen.values()) == {1}
    assert topic_partitions(embedded_broker.bootstrap_servers) == 12


def test_no_submitted_name_or_birth_date_appears_in_the_service_logs(ingest):
    ingest.extra_env["CLEARWAY_INGEST_LOG_LEVEL"] = "DEBUG"
    ingest.start()
    good = [person(i, prefix="P") for i in range(8)]
    bad = changed(person(50, prefix="P"), date_of_birth="1958-02-30")
    push_mixed(ingest, good)
    with ingest.client() as client:
        assert client.post("/v1/records", json=bad).status_code == 422
        assert client.post("/v1/records", json=changed(good[0], first_name="Wilhelmina"),
                           ).status_code == 409
        assert client.post("/v1/records", json=disposition(court="CA-LA"),
                           headers={"Authorization": "Bearer cw_x_y"}).status_code == 401
        answer = client.post("/v1/records:csv", content="\n".join(
            to_csv([bad]).splitlines()[1:]), headers={"Content-Type": "text/csv"})
        assert answer.status_code == 422
    ingest.wait_all_published()
    ingest.stop()  # a clean shutdown logs too
    submitted = [*good, bad, changed(good[0], first_name="Wilhelmina"), disposition()]
    assert_no_personal_data_in(ingest.log_text(), submitted)
