"""Topic names and explicit provisioning (nothing relies on broker auto-create)."""

from __future__ import annotations

import logging
import time

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

RECORDS = "court.records.v1"
DECISIONS = "eligibility.decisions.v1"
MOTIONS = "filing.motions.v1"
DELIVERIES = "notify.deliveries.v1"
MAIN_TOPICS = (RECORDS, DECISIONS, MOTIONS, DELIVERIES)

log = logging.getLogger(__name__)


def dlq(topic: str) -> str:
    return f"{topic}.dlq"


ALL_TOPICS = (*MAIN_TOPICS, *(dlq(t) for t in MAIN_TOPICS))


def provision_topics(
    bootstrap_servers: str,
    partitions: int = 12,
    replication_factor: int = 1,
    timeout_s: float = 60.0,
) -> list[str]:
    """Create every contract topic that is missing; returns the names created.

    Retries while the broker is still starting."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=bootstrap_servers, client_id="clearway-topics"
            )
            break
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    try:
        existing = set(admin.list_topics())
        missing = [t for t in ALL_TOPICS if t not in existing]
        created = []
        for name in missing:
            try:
                admin.create_topics([NewTopic(name, partitions, replication_factor)])
                created.append(name)
            except TopicAlreadyExistsError:
                pass
        if created:
            log.info("topics created", extra={"topics": created, "partitions": partitions})
        return created
    finally:
        admin.close()


def missing_topics(bootstrap_servers: str) -> list[str]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="clearway-ready")
    try:
        existing = set(admin.list_topics())
    finally:
        admin.close()
    return [t for t in ALL_TOPICS if t not in existing]
