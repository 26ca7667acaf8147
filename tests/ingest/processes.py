"""Ingest as a separate OS process (`clearway-ingest serve`), and reading its topic from
the beginning as an integrator would."""
from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from kafka import KafkaConsumer, TopicPartition

from clearway.common.broker import free_port
from clearway.common.devstack import ServiceProcess
from clearway.common.topics import RECORDS
from tests.ingest.builders import ADMIN_KEY


@dataclass
class Ingest:
    """One `clearway-ingest serve` at a time over the same store; restartable."""

    bootstrap: str
    workdir: Path
    database_url: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    process: ServiceProcess | None = None
    starts: int = 0

    @property
    def log_path(self) -> Path:
        return self.workdir / "ingest.log"

    @property
    def url(self) -> str:
        assert self.process is not None
        return self.process.url

    def env(self, port: int) -> dict[str, str]:
        env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "CLEARWAY_TOPIC_PARTITIONS": "12",
            "CLEARWAY_BOOTSTRAP_API_KEY": ADMIN_KEY,
            "CLEARWAY_INGEST_DATA_DIR": str(self.workdir / "data"),
            "CLEARWAY_INGEST_HTTP_PORT": str(port),
            "CLEARWAY_INGEST_LOG_LEVEL": "INFO",
            # Rows a killed process had claimed are taken over after this (default 30 s).
            "CLEARWAY_INGEST_OUTBOX_LEASE_SECONDS": "2",
        }
        env.pop("CLEARWAY_INGEST_DATABASE_URL", None)
        if self.database_url:
            env["CLEARWAY_INGEST_DATABASE_URL"] = self.database_url
        env.update(self.extra_env)
        return env

    def start(self) -> Ingest:
        port = free_port()
        self.process = ServiceProcess("ingest", port, self.env(port), self.log_path)
        self.process.start()
        self.starts += 1
        self.process.wait_healthy(30)
        return self

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        assert self.process is not None
        self.process.kill()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate(timeout=15)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30,
                            headers={"Authorization": f"Bearer {ADMIN_KEY}"})

    def outbox_depth(self) -> float:
        text = httpx.get(f"{self.url}/metrics", timeout=10).text
        for line in text.splitlines():
            if line.startswith("clearway_outbox_depth "):
                return float(line.split()[1])
        raise AssertionError("no clearway_outbox_depth in /metrics")

    def wait_all_published(self, timeout: float = 40.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.outbox_depth() == 0:
                return
            time.sleep(0.2)
        raise AssertionError(f"outbox not empty after {timeout:.0f}s; see {self.log_path}")

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


def read_records(bootstrap: str, expected: set[str], timeout: float = 30.0,
                 settle: float = 1.5) -> tuple[Counter[str], dict[str, tuple[int, int]]]:
    """Read court.records.v1 from the beginning until every expected `court/event_id` is
    seen, then a little longer (a duplicate would show up). Returns how often each was
    seen and where (partition, offset) each was last seen."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                             enable_auto_commit=False, consumer_timeout_ms=200)
    try:
        partitions = consumer.partitions_for_topic(RECORDS) or set()
        consumer.assign([TopicPartition(RECORDS, p) for p in partitions])
        consumer.seek_to_beginning()
        seen: Counter[str] = Counter()
        where: dict[str, tuple[int, int]] = {}
        deadline = time.monotonic() + timeout
        settled_at: float | None = None
        while time.monotonic() < deadline:
            for message in consumer:
                value: dict[str, Any] = orjson.loads(message.value)
                key = f"{value['court']}/{value['event_id']}"
                seen[key] += 1
                where[key] = (message.partition, message.offset)
                assert message.key.decode() == value["subject"]["subject_id"]
            if expected <= set(seen):
                settled_at = settled_at or time.monotonic()
                if time.monotonic() - settled_at >= settle:
                    break
        return seen, where
    finally:
        consumer.close()


def topic_partitions(bootstrap: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        return len(consumer.partitions_for_topic(RECORDS) or ())
    finally:
        consumer.close()
