"""Topic names and explicit provisioning (nothing relies on broker auto-create)."""

from __future__ import annotations

import logging
import time

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from clearway.common.settings import KafkaSecurity, kafka_client_kwargs

RECORDS = "court.records.v1"
DECISIONS = "eligibility.decisions.v1"
MOTIONS = "filing.motions.v1"
DELIVERIES = "notify.deliveries.v1"
MAIN_TOPICS = (RECORDS, DECISIONS, MOTIONS, DELIVERIES)

# Who writes each topic (contract section 1), as the CloudEvents `ce_source` its messages
# carry. The one table: producers take their source from here, and every consumer refuses
# (dead-letters) a record whose ce_source is another (`clearway.common.kafka`). Broker ACLs
# (docker-compose.yml, docs/security.md) are what stop a client from forging the header.
WRITERS: dict[str, str] = {
    RECORDS: "clearway/ingest",
    DECISIONS: "clearway/eligibility",
    MOTIONS: "clearway/filing",
    DELIVERIES: "clearway/notify",
}


def writer(topic: str) -> str:
    """The ce_source a producer of `topic` must put on its messages."""
    return WRITERS[topic]

log = logging.getLogger(__name__)


def dlq(topic: str) -> str:
    return f"{topic}.dlq"


ALL_TOPICS = (*MAIN_TOPICS, *(dlq(t) for t in MAIN_TOPICS))


def provision_topics(
    bootstrap_servers: str,
    partitions: int = 12,
    replication_factor: int = 1,
    timeout_s: float = 60.0,
    security: KafkaSecurity | None = None,
) -> list[str]:
    """Create every contract topic that is missing; returns the names created.

    Retries while the broker is still starting."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=bootstrap_servers, client_id="clearway-topics",
                **kafka_client_kwargs("kafka-python", security),
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


def missing_topics(bootstrap_servers: str, security: KafkaSecurity | None = None) -> list[str]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="clearway-ready",
                             **kafka_client_kwargs("kafka-python", security))
    try:
        existing = set(admin.list_topics())
    finally:
        admin.close()
    return [t for t in ALL_TOPICS if t not in existing]
