"""Kafka client security against a real broker: TLS (server-authenticated and mutual) set
up only through the shared settings and `kafka_client_kwargs`, for aiokafka (the services'
producer and BatchConsumer) and kafka-python (topic provisioning, operator commands).

The broker is the embedded Tansu behind stunnel (tests/security/tls.py): Tansu 0.6.0 has no
TLS listener of its own. SASL is configured by the same settings but not proven here: see
docs/security.md ("What is proven where")."""
from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError as AioKafkaError
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError
from typer.testing import CliRunner

from clearway.common import cli as topics_cli
from clearway.common.envelope import encode
from clearway.common.events import RecordEvent
from clearway.common.kafka import BatchConsumer, Incoming, make_producer
from clearway.common.settings import KafkaSecurity, kafka_client_kwargs
from clearway.common.topics import RECORDS, writer
from tests.security.tls import Pem, TlsBroker, issue, make_ca, tls_broker

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsBroker]:
    """A broker reachable only over TLS; its certificate names 127.0.0.1 and localhost."""
    with tls_broker(Path(tmp_path_factory.mktemp("tls"))) as broker:
        yield broker


@pytest.fixture(scope="module")
def mtls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TlsBroker, Pem]]:
    """A broker that requires a client certificate from its CA, with a server certificate
    for broker.clearway.test only (not for 127.0.0.1, where the clients connect)."""
    directory = Path(tmp_path_factory.mktemp("mtls"))
    ca = make_ca(directory, "kafka-mtls-ca")
    client = issue(ca, directory, "clearway-eligibility", client=True)
    with tls_broker(directory, server_dns=("broker.clearway.test",), server_ips=(),
                    client_ca=ca) as broker:
        yield broker, client


def court_order(subject_id: str) -> RecordEvent:
    return RecordEvent.model_validate({
        "event_id": f"ord-{uuid.uuid4().hex[:10]}", "event_type": "court_order",
        "court": "CA-SF", "occurred_at": "2024-06-02T10:00:00Z",
        "subject": {"subject_id": subject_id},
        "order": {"case_number": "SF123456", "count": 1, "outcome": "granted",
                  "relief": "dismiss_and_seal", "order_date": "2024-06-01"}})


def ssl_settings(broker: TlsBroker, **more: object) -> KafkaSecurity:
    return KafkaSecurity(security_protocol="SSL", ssl_cafile=broker.ca.cert, **more)


def provision_with_the_cli(broker: TlsBroker, monkeypatch: pytest.MonkeyPatch) -> str:
    """`clearway-topics provision` with the security settings in its environment, as an
    operator (or docker compose) runs it."""
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SSL")
    monkeypatch.setenv("KAFKA_SSL_CAFILE", str(broker.ca.cert))
    result = CliRunner().invoke(topics_cli.app, ["provision", "--bootstrap-servers",
                                                 broker.bootstrap_servers, "--partitions", "1"])
    assert result.exit_code == 0, result.output
    return result.output


async def produce_and_consume(bootstrap: str, security: KafkaSecurity,
                              event: RecordEvent) -> list[Incoming]:
    """The services' own code path: `make_producer` and `BatchConsumer` (group, fetch,
    commit, source check) with the given settings."""
    producer = make_producer(bootstrap, "tls-test", security)
    await producer.start()
    received: list[Incoming] = []
    arrived = asyncio.Event()

    async def handler(items: list[Incoming]) -> None:
        received.extend(items)
        arrived.set()

    consumer = BatchConsumer(bootstrap_servers=bootstrap, group_id=f"tls-{uuid.uuid4().hex}",
                             topics={RECORDS: RecordEvent}, handler=handler,
                             producer=producer, client_id="tls-test", security=security)
    try:
        value, headers = encode(event, source=writer(RECORDS), ce_id=f"CA-SF/{event.event_id}")
        await producer.send_and_wait(RECORDS, value, key=event.subject_id.encode(),
                                     headers=headers)
        await consumer.start()
        task = asyncio.ensure_future(consumer.run())
        try:
            await asyncio.wait_for(arrived.wait(), 60)
        finally:
            await consumer.stop()
            await asyncio.wait_for(task, 30)
    finally:
        await producer.stop()
    return received


def test_a_producer_and_a_consumer_configured_by_the_helper_round_trip_a_record_over_tls(
        tls: TlsBroker, monkeypatch: pytest.MonkeyPatch) -> None:
    provision_with_the_cli(tls, monkeypatch)
    event = court_order(f"CII{uuid.uuid4().int % 10**9:09d}")

    received = asyncio.run(produce_and_consume(tls.bootstrap_servers, ssl_settings(tls), event))

    assert [item.event for item in received] == [event]
    assert received[0].envelope is not None
    assert received[0].envelope.ce_source == "clearway/ingest"


def test_kafka_python_clients_configured_by_the_helper_work_over_tls(
        tls: TlsBroker, monkeypatch: pytest.MonkeyPatch) -> None:
    provision_with_the_cli(tls, monkeypatch)
    options = kafka_client_kwargs("kafka-python", ssl_settings(tls))
    assert options["ssl_cafile"] == str(tls.ca.cert) and options["ssl_check_hostname"]
    marker = uuid.uuid4().hex.encode()
    producer = KafkaProducer(bootstrap_servers=tls.bootstrap_servers, acks="all",
                             enable_idempotence=False, **options)
    try:
        sent = producer.send(RECORDS, key=b"CII-kp", value=marker).get(timeout=30)
    finally:
        producer.close()
    consumer = KafkaConsumer(bootstrap_servers=tls.bootstrap_servers, group_id=None,
                             enable_auto_commit=False, consumer_timeout_ms=3000, **options)
    try:
        tp = TopicPartition(RECORDS, sent.partition)
        consumer.assign([tp])
        consumer.seek(tp, sent.offset)
        assert next(iter(consumer)).value == marker
    finally:
        consumer.close()


def test_the_broker_advertises_only_the_tls_port(tls: TlsBroker) -> None:
    """Clients connect to the address metadata returns: it must be stunnel's, or every
    connection after the bootstrap one would bypass TLS."""
    async def brokers() -> list[tuple[str, int]]:
        consumer = AIOKafkaConsumer(bootstrap_servers=tls.bootstrap_servers,
                                    **kafka_client_kwargs("aiokafka", ssl_settings(tls)))
        await consumer.start()
        try:
            await consumer.topics()
            return [(b.host, b.port) for b in consumer._client.cluster.brokers()]
        finally:
            await consumer.stop()

    assert asyncio.run(brokers()) == [("127.0.0.1", int(tls.bootstrap_servers.split(":")[1]))]
    assert tls.broker.port != int(tls.bootstrap_servers.split(":")[1])


async def aiokafka_connects(bootstrap: str, security: KafkaSecurity) -> None:
    producer = make_producer(bootstrap, "tls-refused", security)
    try:
        await asyncio.wait_for(producer.start(), 30)
    finally:
        await producer.stop()


def kafka_python_connects(bootstrap: str, security: KafkaSecurity) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, bootstrap_timeout_ms=4000,
                             request_timeout_ms=4000,
                             **kafka_client_kwargs("kafka-python", security))
    admin.close()


def test_a_client_that_does_not_trust_the_brokers_ca_is_refused(
        tls: TlsBroker, tmp_path: Path) -> None:
    other_ca = make_ca(tmp_path, "some-other-ca")
    wrong = KafkaSecurity(security_protocol="SSL", ssl_cafile=other_ca.cert)
    system_store = KafkaSecurity(security_protocol="SSL")  # no CA file: the system's CAs

    for security in (wrong, system_store):
        with pytest.raises(AioKafkaError):
            asyncio.run(aiokafka_connects(tls.bootstrap_servers, security))
        with pytest.raises(KafkaError):
            kafka_python_connects(tls.bootstrap_servers, security)
    assert "unknown ca" in tls.log.read_text(errors="replace")  # the client's TLS alert
    asyncio.run(aiokafka_connects(tls.bootstrap_servers, ssl_settings(tls)))  # the right CA


def test_a_plaintext_client_gets_nothing_from_the_tls_port(tls: TlsBroker) -> None:
    plaintext = KafkaSecurity()
    with pytest.raises(AioKafkaError):
        asyncio.run(aiokafka_connects(tls.bootstrap_servers, plaintext))
    with pytest.raises(KafkaError):
        kafka_python_connects(tls.bootstrap_servers, plaintext)


def test_a_client_certificate_from_the_settings_is_presented_when_the_broker_requires_one(
        mtls: tuple[TlsBroker, Pem]) -> None:
    broker, client = mtls
    security = ssl_settings(broker, ssl_certfile=client.cert, ssl_keyfile=client.key,
                            ssl_check_hostname=False)  # the server's name: see the next test
    asyncio.run(aiokafka_connects(broker.bootstrap_servers, security))
    kafka_python_connects(broker.bootstrap_servers, security)


def test_without_a_client_certificate_the_mutual_tls_broker_refuses(
        mtls: tuple[TlsBroker, Pem]) -> None:
    broker, _ = mtls
    security = ssl_settings(broker, ssl_check_hostname=False)
    with pytest.raises(AioKafkaError):
        asyncio.run(aiokafka_connects(broker.bootstrap_servers, security))
    with pytest.raises(KafkaError):
        kafka_python_connects(broker.bootstrap_servers, security)


def test_the_hostname_check_refuses_a_certificate_issued_for_another_host(
        mtls: tuple[TlsBroker, Pem]) -> None:
    broker, client = mtls  # its certificate names broker.clearway.test, not 127.0.0.1
    security = ssl_settings(broker, ssl_certfile=client.cert, ssl_keyfile=client.key)
    assert security.ssl_check_hostname  # the default
    with pytest.raises(AioKafkaError):
        asyncio.run(aiokafka_connects(broker.bootstrap_servers, security))
    with pytest.raises(KafkaError):
        kafka_python_connects(broker.bootstrap_servers, security)


def test_the_throwaway_certificates_expire_within_days(tls: TlsBroker) -> None:
    """Nothing made here could be mistaken for, or reused as, a real credential."""
    import ssl

    info = ssl._ssl._test_decode_cert(str(tls.server.cert))  # type: ignore[attr-defined]
    not_after = dt.datetime.strptime(info["notAfter"], "%b %d %H:%M:%S %Y %Z")
    assert not_after - dt.datetime.now() < dt.timedelta(days=3)


def test_ci_installs_what_these_tests_need() -> None:
    """They fail, not skip, without stunnel4 and openssl: .ci/run must install both."""
    script = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text(encoding="utf-8")
    assert "need_apt+=(stunnel4)" in script and "need_apt+=(openssl)" in script
