"""`clearway-ingest replay` and `clearway-eligibility|filing|notify republish`: each
service's whole outbox published again to a broker that came back empty
(docs/reliability.md, section 5)."""
from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import time
from types import ModuleType

import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient
from sqlalchemy import Engine, select, update
from typer.testing import CliRunner

import clearway.common.logging
import clearway.common.republish
import clearway.common.topics
from clearway.common.broker import EmbeddedBroker
from clearway.common.db import create_schema, make_engine
from clearway.common.devstack import console_script
from clearway.common.outbox import OutboxMessage, add_to_outbox, drain_outbox
from clearway.common.topics import DECISIONS, DELIVERIES, MOTIONS, RECORDS

# service: (its topic, its command, what the command calls a row)
SERVICES = {
    "ingest": (RECORDS, "replay", "accepted event"),
    "eligibility": (DECISIONS, "republish", "decision version"),
    "filing": (MOTIONS, "republish", "motion event"),
    "notify": (DELIVERIES, "republish", "delivery event"),
}


def store_module(service: str) -> ModuleType:
    return importlib.import_module(f"clearway.{service}.store")


def seeded_store(service: str, url: str, published: int, backlog: int) -> Engine:
    """The service's store after a broker loss: `published` rows published on the lost
    cluster (its offsets), then `backlog` rows written since, waiting for the topics."""
    engine = make_engine(url)
    store = store_module(service)
    create_schema(engine, store.metadata)
    topic = SERVICES[service][0]
    with engine.begin() as conn:
        ids = add_to_outbox(conn, store.outbox, [
            OutboxMessage(topic, f"person-{i % 5}", f"v{i}".encode(),
                          [("ce_id", f"ce-{i}".encode())])
            for i in range(published + backlog)], want_ids=True)
        for offset, row_id in enumerate(ids[:published]):
            conn.execute(update(store.outbox).where(store.outbox.c.id == row_id).values(
                published_at=time.time(), partition=0, offset=1000 + offset))
    return engine


def ce_ids_on(bootstrap: str, topic: str) -> list[str]:
    """Every message of every partition of the topic, up to its end (no waiting)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                             enable_auto_commit=False)
    try:
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        seen: list[str] = []
        deadline = time.monotonic() + 20
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            assert time.monotonic() < deadline, "the topic could not be read to its end"
            for records in consumer.poll(timeout_ms=500).values():
                seen += [dict(r.headers)["ce_id"].decode() for r in records]
        return seen
    finally:
        consumer.close()


def topics_on(bootstrap: str) -> set[str]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        return set(admin.list_topics())
    finally:
        admin.close()


@pytest.mark.parametrize("service", list(SERVICES))
def test_each_service_publishes_its_whole_outbox_again_to_a_broker_that_came_back_empty(
        service: str, embedded_broker: EmbeddedBroker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    topic, command, row = SERVICES[service]
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = seeded_store(service, url, published=6, backlog=2)
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": embedded_broker.bootstrap_servers,
           f"CLEARWAY_{service.upper()}_DATABASE_URL": url,
           f"CLEARWAY_{service.upper()}_DATA_DIR": str(tmp_path)}
    done = subprocess.run([console_script(f"clearway-{service}"), command, "--timeout", "60"],
                          env=env, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr
    assert f"8 {row}(s) marked for republishing" in done.stdout
    assert "created 8 topic(s)" in done.stdout
    assert f"{command} complete: every {row} is on {topic} (8 published" in done.stdout

    assert sorted(ce_ids_on(embedded_broker.bootstrap_servers, topic)) == sorted(
        f"ce-{i}" for i in range(8)), "a row is missing from the topic, or is on it twice"
    outbox = store_module(service).outbox
    with engine.connect() as conn:
        offsets = conn.execute(select(outbox.c.published_at, outbox.c.offset)).all()
    assert all(published_at and offset < 1000 for published_at, offset in offsets), \
        "a row kept an offset of the lost cluster"


def test_republish_without_wait_or_provision_only_marks_the_rows_and_creates_no_topic(
        embedded_broker: EmbeddedBroker, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(clearway.common.logging, "configure_logging", lambda *a, **k: None)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = seeded_store("filing", url, published=4, backlog=1)
    from clearway.filing.cli import app

    result = CliRunner().invoke(app, ["republish", "--no-wait", "--no-provision"], env={
        "KAFKA_BOOTSTRAP_SERVERS": embedded_broker.bootstrap_servers,
        "CLEARWAY_FILING_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "5 motion event(s) marked for republishing",
        "a running filing publishes them once the topics exist (clearway-topics provision)"]
    outbox = store_module("filing").outbox
    with engine.connect() as conn:
        rows = conn.execute(select(outbox.c.published_at, outbox.c.partition,
                                   outbox.c.offset, outbox.c.lease_owner)).all()
    assert rows == [(None, None, None, None)] * 5
    assert MOTIONS not in topics_on(embedded_broker.bootstrap_servers)


def test_replay_marks_before_creating_the_topics_so_a_running_relay_publishes_its_backlog_once(
        database_url: str, embedded_broker: EmbeddedBroker, monkeypatch) -> None:
    """A running ingest's relay publishes as soon as the topics exist. Had they been created
    before the rows were marked, it would publish the rows accepted since the loss, and
    publish them again once marked."""
    bootstrap = embedded_broker.bootstrap_servers
    monkeypatch.setattr(clearway.common.logging, "configure_logging", lambda *a, **k: None)
    engine = seeded_store("ingest", database_url, published=5, backlog=3)
    provision = clearway.common.topics.provision_topics

    def provision_while_ingest_runs(*args, **kwargs):  # type: ignore[no-untyped-def]
        created = provision(*args, **kwargs)
        asyncio.run(drain_outbox(engine, store_module("ingest").outbox, bootstrap,
                                 "running-ingest", timeout=30))
        return created

    monkeypatch.setattr(clearway.common.topics, "provision_topics", provision_while_ingest_runs)
    from clearway.ingest.cli import app

    result = CliRunner().invoke(app, ["replay", "--timeout", "60"], env={
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "CLEARWAY_TOPIC_PARTITIONS": "3",
        "CLEARWAY_INGEST_DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    assert "8 accepted event(s) marked for republishing" in result.output
    assert sorted(ce_ids_on(bootstrap, RECORDS)) == sorted(f"ce-{i}" for i in range(8)), \
        "a row was published twice (or not at all)"
    assert "(0 published by this command, the rest by a running ingest)" in result.output


def test_republish_reports_its_progress_while_it_publishes(
        embedded_broker: EmbeddedBroker, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(clearway.common.logging, "configure_logging", lambda *a, **k: None)
    monkeypatch.setattr(clearway.common.republish, "PROGRESS_EVERY_S", 0.0)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    seeded_store("eligibility", url, published=2100, backlog=0)
    from clearway.eligibility.cli import app

    result = CliRunner().invoke(app, ["republish", "--timeout", "60"], env={
        "KAFKA_BOOTSTRAP_SERVERS": embedded_broker.bootstrap_servers,
        "CLEARWAY_TOPIC_PARTITIONS": "3", "CLEARWAY_ELIGIBILITY_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "2100 decision version(s) marked for republishing"
    assert "published 2000 so far, 100 row(s) still to publish" in lines  # a relay's batch
    assert lines[-1] == ("republish complete: every decision version is on "
                         "eligibility.decisions.v1 (2100 published by this command, the rest "
                         "by a running eligibility)")
    assert len(ce_ids_on(embedded_broker.bootstrap_servers, DECISIONS)) == 2100
