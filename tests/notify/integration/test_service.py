"""`clearway-notify serve` as a real OS process, fed by producing court record events and
decisions straight onto the topics; a real SMTP server (aiosmtpd), an HTTP receiver shaped
like Twilio's Messages API and the letters folder take what it sends.

The broker is the test module's own embedded Tansu (not the session broker): another
notify on a shared broker would consume these people too and publish deliveries for them.
"""
from __future__ import annotations

import io
import json
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from kafka import KafkaProducer
from pypdf import PdfReader

from clearway.common import envelope
from clearway.common.broker import EmbeddedBroker, free_port
from clearway.common.devstack import ServiceProcess, dev_api_key
from clearway.common.topics import DECISIONS, DELIVERIES, RECORDS, provision_topics, writer
from tests.e2e.topics import TopicReader
from tests.notify.builders import (
    as_decision,
    as_record,
    contact,
    court_order,
    death,
    decision,
    disposition,
    new_id,
    postal_address,
)
from tests.notify.fakes import Inbox, MessagesApi, SmtpServer, wait_until

PARTITIONS = 4
API_KEY = dev_api_key()
SMS_ACCOUNT = "ACtest0123456789"
SMS_FROM = "+15550109999"
RETURN_ADDRESS = ("Clearway Notices", "PO Box 4242", "Sacramento CA 95812")
LA_OFFICE = {  # CA-LA's sending office (issue #19); letters carry it, not RETURN_ADDRESS
    "name": "Los Angeles County District Attorney's Office", "short_name": "LA County DA",
    "address": ["211 W Temple St", "Los Angeles CA 90012"], "phone": "(213) 555-0142",
    "website": "https://da.lacounty.example"}

# Everything personal the tests hand to the service; none of it may reach the log or the
# deliveries topic.
PERSONAL: set[str] = set()


def personal(*values: str) -> None:
    PERSONAL.update(values)


def unique_phone() -> str:
    return f"+1415{random.randrange(10**6, 10**7)}"


def notify_env(bootstrap: str, workdir: Path, port: int, smtp_port: int, sms_url: str,
               **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CLEARWAY_") and k != "KAFKA_BOOTSTRAP_SERVERS"}
    env.update({
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "CLEARWAY_TOPIC_PARTITIONS": str(PARTITIONS),
        "CLEARWAY_BOOTSTRAP_API_KEY": API_KEY,
        "CLEARWAY_NOTIFY_DATA_DIR": str(workdir / "data"),
        "CLEARWAY_NOTIFY_HTTP_PORT": str(port),
        "CLEARWAY_NOTIFY_LOG_LEVEL": "INFO",
        "CLEARWAY_NOTIFY_SMTP_HOST": "127.0.0.1",
        "CLEARWAY_NOTIFY_SMTP_PORT": str(smtp_port),
        "CLEARWAY_NOTIFY_SMTP_SENDER": "Clearway <notices@clearway.example>",
        "CLEARWAY_NOTIFY_SMTP_TIMEOUT": "2",
        "CLEARWAY_NOTIFY_SMS_BASE_URL": sms_url,
        "CLEARWAY_NOTIFY_SMS_ACCOUNT_SID": SMS_ACCOUNT,
        "CLEARWAY_NOTIFY_SMS_AUTH_TOKEN": "sms-secret",
        "CLEARWAY_NOTIFY_SMS_FROM_NUMBER": SMS_FROM,
        "CLEARWAY_NOTIFY_LETTERS_DIR": str(workdir / "letters"),
        "CLEARWAY_NOTIFY_LETTER_RETURN_ADDRESS": "|".join(RETURN_ADDRESS),
        "CLEARWAY_NOTIFY_SENDING_OFFICES": json.dumps({"CA-LA": LA_OFFICE}),
        "CLEARWAY_NOTIFY_RETRY_BASE_SECONDS": "0.2",
        "CLEARWAY_NOTIFY_RETRY_MAX_SECONDS": "1",
        "CLEARWAY_NOTIFY_SEND_TIMEOUT_SECONDS": "3",
        "CLEARWAY_NOTIFY_SENDING_LEASE_SECONDS": "4",
        "CLEARWAY_NOTIFY_PLAN_DELAY_SECONDS": "0.3",
        "CLEARWAY_NOTIFY_CONTACT_WAIT_SECONDS": "30",
        "CLEARWAY_NOTIFY_DISPATCH_INTERVAL_SECONDS": "0.1",
        "CLEARWAY_NOTIFY_SESSION_TIMEOUT_MS": "6000",
    })
    env.update(extra)
    return env


class Feed:
    """Produces contract events onto the topics, as ingest and eligibility would."""

    def __init__(self, bootstrap: str) -> None:
        self.producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)

    def record(self, data: dict[str, Any]) -> None:
        value, headers = envelope.encode(as_record(data), source=writer(RECORDS))
        self.producer.send(RECORDS, value=value, key=data["subject"]["subject_id"].encode(),
                           headers=headers)

    def decision(self, data: dict[str, Any]) -> None:
        value, headers = envelope.encode(as_decision(data), source=writer(DECISIONS))
        self.producer.send(DECISIONS, value=value, key=data["subject_id"].encode(),
                           headers=headers)

    def flush(self) -> None:
        self.producer.flush(30)

    def close(self) -> None:
        self.producer.close(5)


class Deliveries:
    """notify.deliveries.v1 read from the beginning."""

    def __init__(self, bootstrap: str) -> None:
        self.reader = TopicReader(bootstrap, DELIVERIES)

    def of(self, subject_id: str) -> list[dict[str, Any]]:
        self.reader.poll()
        return [v for v in self.reader.values(DELIVERIES) if v["subject_id"] == subject_id]

    def wait(self, subject_id: str, status: str, channel: str | None = "email",
             timeout: float = 30) -> dict[str, Any]:
        return wait_until(lambda: next((e for e in self.of(subject_id) if e["status"] == status
                                        and e["channel"] == channel), None), timeout)

    def raw(self) -> list[Any]:
        self.reader.poll()
        return list(self.reader.messages)


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("broker") / "broker.log"
    with EmbeddedBroker(log_path=log) as embedded:
        provision_topics(embedded.bootstrap_servers, PARTITIONS)
        yield embedded.bootstrap_servers


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def sms_api() -> Iterator[MessagesApi]:
    api = MessagesApi().start()
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(tmp_path_factory.mktemp("notify"))


@pytest.fixture(scope="module")
def service(broker: str, smtp: SmtpServer, sms_api: MessagesApi,
            workdir: Path) -> Iterator[ServiceProcess]:
    port = free_port()
    proc = ServiceProcess("notify", port, notify_env(broker, workdir, port, smtp.port,
                                                     sms_api.base_url), workdir / "notify.log")
    proc.start()
    try:
        proc.wait_ready(60)
        yield proc
    finally:
        assert proc.terminate() is not None


@pytest.fixture(scope="module")
def feed(broker: str) -> Iterator[Feed]:
    f = Feed(broker)
    try:
        yield f
    finally:
        f.close()


@pytest.fixture(scope="module")
def deliveries(broker: str) -> Iterator[Deliveries]:
    d = Deliveries(broker)
    try:
        yield d
    finally:
        d.reader.close()


@pytest.fixture(scope="module")
def api(service: ServiceProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.url, headers={"Authorization": f"Bearer {API_KEY}"},
                      timeout=10) as client:
        yield client


def emailed_person(feed: Feed, first: str, last: str, language: str | None = "es",
                   case_number: str | None = None) -> tuple[str, str, str]:
    subject_id = new_id()
    address = f"{first.lower()}.{subject_id.lower()}@example.org"
    case_number = case_number or f"BA{random.randrange(10**5, 10**6)}"
    personal(address, first, last)
    feed.record(disposition(subject_id, case_number=case_number, first_name=first,
                            last_name=last, contact_details=contact(email=address,
                                                                    language=language)))
    return subject_id, address, case_number


def test_a_spanish_speaker_receives_the_email_in_spanish(
        service: ServiceProcess, feed: Feed, smtp: SmtpServer, deliveries: Deliveries) -> None:
    subject_id, address, case_number = emailed_person(feed, "Rosalinda", "Quintanilla")
    feed.decision(decision(subject_id, case_number=case_number))
    feed.flush()

    (mail,) = wait_until(lambda: smtp.inbox.messages_to(address))
    assert mail["Subject"] == f"Buenas noticias sobre su caso de cannabis {case_number}"
    assert mail["Content-Language"] == "es"
    text = mail.get_body(("plain",)).get_content()
    assert "Hola, Rosalinda:" in text
    assert "Usted no tiene que hacer nada." in text
    assert f"Número de caso: {case_number}" in text
    assert "County of Los Angeles" in text
    others = PERSONAL - {address, "Rosalinda", "Quintanilla"}
    assert not [value for value in others if value in mail.as_string()]
    personal(mail["Subject"], "Buenas noticias", "Usted no tiene que hacer nada")

    sent = deliveries.wait(subject_id, "sent")
    assert (sent["language"], sent["notice_kind"], sent["attempt"]) == ("es", "relief_granted", 1)
    assert mail["X-Clearway-Dedupe"] == sent["delivery_id"]


def test_a_person_with_a_phone_gets_a_text_message_at_the_sms_provider(
        service: ServiceProcess, feed: Feed, sms_api: MessagesApi, deliveries: Deliveries) -> None:
    subject_id, phone, case_number = new_id(), unique_phone(), "LA998877"
    personal(phone, "Teodoro", "Villanueva")
    feed.record(disposition(subject_id, case_number=case_number, first_name="Teodoro",
                            last_name="Villanueva", contact_details=contact(phone=phone)))
    feed.decision(decision(subject_id, case_number=case_number))
    feed.flush()

    (request,) = wait_until(lambda: sms_api.to(phone))
    assert request["path"] == f"/2010-04-01/Accounts/{SMS_ACCOUNT}/Messages.json"
    assert request["headers"]["authorization"].startswith("Basic ")
    assert request["form"]["From"] == SMS_FROM
    body = request["form"]["Body"]
    assert body.startswith("LA County DA: ") and case_number in body
    assert LA_OFFICE["phone"] in body
    personal(body)
    sent = deliveries.wait(subject_id, "sent", channel="sms")
    assert request["headers"]["idempotency-key"] == sent["delivery_id"]


def test_a_person_with_only_a_postal_address_gets_a_letter_in_the_print_batch(
        service: ServiceProcess, feed: Feed, workdir: Path, deliveries: Deliveries) -> None:
    subject_id, case_number = new_id(), "BA445566"
    address = postal_address(line1="4821 Whittier Blvd", city="East Los Angeles")
    personal("Ana Ofelia", "Bustamante", "4821 Whittier Blvd")
    feed.record(disposition(subject_id, case_number=case_number, first_name="Ana Ofelia",
                            last_name="Bustamante", contact_details=contact(postal=address)))
    feed.decision(decision(subject_id, case_number=case_number))
    feed.flush()

    sent = deliveries.wait(subject_id, "sent", channel="letter")
    (pdf,) = list((workdir / "letters").glob(f"*/{sent['delivery_id']}.pdf"))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    for line in (LA_OFFICE["name"], *LA_OFFICE["address"], "Ana Ofelia Bustamante",
                 "4821 Whittier Blvd", "Apt 4", "East Los Angeles CA 90006"):
        assert line in text
    assert RETURN_ADDRESS[0] not in text
    assert "Good news. Your cannabis (marijuana) conviction is being cleared." in text
    assert f"Case number: {case_number}" in text
    personal("Good news. Your cannabis", "You do not need to do anything")


def test_an_smtp_server_failing_twice_then_accepting_delivers_one_email_after_retries(
        service: ServiceProcess, feed: Feed, smtp: SmtpServer, deliveries: Deliveries) -> None:
    subject_id, address, case_number = emailed_person(feed, "Guillermo", "Arredondo", "en")
    smtp.inbox.data_replies[address] = ["451 4.3.0 Try again later"] * 2
    feed.decision(decision(subject_id, case_number=case_number))
    feed.flush()

    deliveries.wait(subject_id, "sent")
    assert [(e["status"], e["attempt"]) for e in deliveries.of(subject_id)] == [
        ("retrying", 1), ("retrying", 2), ("sent", 3)]
    assert len(smtp.inbox.messages_to(address)) == 1
    assert smtp.inbox.data_attempts[address] == 3


def test_the_same_decision_and_record_produced_twice_send_one_email(
        service: ServiceProcess, feed: Feed, smtp: SmtpServer, deliveries: Deliveries) -> None:
    subject_id, case_number = new_id(), "BA246810"
    address = f"{subject_id.lower()}@example.org"
    personal(address, "Esperanza", "Montenegro")
    record = disposition(subject_id, case_number=case_number, first_name="Esperanza",
                         last_name="Montenegro",
                         contact_details=contact(email=address, language="es"))
    feed.record(record)
    feed.record(record)  # the same event (court + event_id) twice
    granted = decision(subject_id, case_number=case_number)
    feed.decision(granted)
    feed.decision(granted)
    feed.flush()
    wait_until(lambda: smtp.inbox.messages_to(address))

    feed.decision(granted)  # redelivered long after the email went out
    feed.decision(decision(subject_id, case_number="SENTINEL1"))  # same partition, after it
    feed.flush()
    wait_until(lambda: len(smtp.inbox.messages_to(address)) == 2)
    time.sleep(0.5)
    subjects = [m["Subject"] for m in smtp.inbox.messages_to(address)]
    assert sorted(subjects) == sorted(f"Buenas noticias sobre su caso de cannabis {case}"
                                      for case in (case_number, "SENTINEL1"))
    assert [e["status"] for e in deliveries.of(subject_id)] == ["sent", "sent"]


def test_a_person_who_died_is_sent_nothing(
        service: ServiceProcess, feed: Feed, smtp: SmtpServer, deliveries: Deliveries,
        api: httpx.Client) -> None:
    subject_id, address, case_number = emailed_person(feed, "Leopoldo", "Carranza")
    feed.record(death(subject_id))
    feed.record(court_order(subject_id, case_number="BA000001"))  # after the death
    feed.flush()
    notices = lambda: api.get(f"/v1/subjects/{subject_id}/deliveries").json()["notices"]  # noqa: E731
    wait_until(lambda: [n for n in notices() if n["state"] == "suppressed"])

    feed.decision(decision(subject_id, case_number=case_number))
    feed.flush()
    wait_until(lambda: len([n for n in notices() if n["state"] == "suppressed"]) == 2)
    assert smtp.inbox.messages_to(address) == []
    assert deliveries.of(subject_id) == []


def test_needs_review_and_not_eligible_decisions_send_nothing(
        service: ServiceProcess, feed: Feed, smtp: SmtpServer, api: httpx.Client) -> None:
    subject_id, address, _ = emailed_person(feed, "Marisol", "Echeverria")
    feed.decision(decision(subject_id, case_number="NE000001", relief="not_eligible"))
    feed.decision(decision(subject_id, case_number="NR000001", relief="needs_review"))
    feed.decision(decision(subject_id, case_number="OK000001"))  # same key: read after them
    feed.flush()

    (mail,) = wait_until(lambda: smtp.inbox.messages_to(address))
    assert "OK000001" in mail["Subject"]
    found = api.get(f"/v1/subjects/{subject_id}/deliveries").json()
    assert [n["case_number"] for n in found["notices"]] == ["OK000001"]


def test_an_opted_out_channel_is_recorded_as_opted_out_and_not_used(
        service: ServiceProcess, feed: Feed, smtp: SmtpServer, sms_api: MessagesApi,
        deliveries: Deliveries, api: httpx.Client) -> None:
    subject_id, case_number = new_id(), "BA313131"
    address, phone = f"{subject_id.lower()}@example.org", unique_phone()
    personal(address, phone, "Fidencio", "Ybarra")
    feed.record(disposition(subject_id, case_number=case_number, first_name="Fidencio",
                            last_name="Ybarra", contact_details=contact(email=address,
                                                                        phone=phone)))
    feed.flush()
    answer = api.put(f"/v1/subjects/{subject_id}/opt-outs", json={"channel": "sms"})
    assert answer.status_code == 200, answer.text
    assert api.get(f"/v1/subjects/{subject_id}/opt-outs").json()["opted_out"] == ["sms"]
    feed.decision(decision(subject_id, case_number=case_number))
    feed.flush()

    deliveries.wait(subject_id, "sent")
    deliveries.wait(subject_id, "opted_out", channel="sms")
    assert len(smtp.inbox.messages_to(address)) == 1
    assert sms_api.to(phone) == []


def test_a_person_nobody_can_reach_is_on_the_unreachable_list(
        service: ServiceProcess, feed: Feed, deliveries: Deliveries, api: httpx.Client) -> None:
    subject_id = new_id()
    personal("Cipriano", "Zavaleta")
    feed.record(disposition(subject_id, case_number="BA525252", first_name="Cipriano",
                            last_name="Zavaleta", contact_details=contact(language="es")))
    feed.decision(decision(subject_id, case_number="BA525252"))
    feed.flush()

    event = deliveries.wait(subject_id, "unreachable", channel=None)
    assert event["notice_kind"] == "relief_granted"
    listed = api.get("/v1/notices", params={"state": "unreachable"}).json()["notices"]
    assert [n["case_number"] for n in listed if n["subject_id"] == subject_id] == ["BA525252"]


def test_the_api_needs_a_key_and_lets_an_operator_resend_without_showing_contact_details(
        service: ServiceProcess, feed: Feed, smtp: SmtpServer, deliveries: Deliveries,
        api: httpx.Client) -> None:
    subject_id, address, case_number = emailed_person(feed, "Herminia", "Solorzano")
    feed.decision(decision(subject_id, case_number=case_number))
    feed.flush()
    sent = deliveries.wait(subject_id, "sent")

    assert httpx.get(f"{service.url}/v1/subjects/{subject_id}/deliveries").status_code == 401
    found = api.get(f"/v1/subjects/{subject_id}/deliveries").json()
    (row,) = found["deliveries"]
    assert (row["delivery_id"], row["channel"], row["status"]) == (
        sent["delivery_id"], "email", "sent")
    assert address not in str(found) and "Herminia" not in str(found)
    assert api.get("/v1/deliveries", params={"status": "failed"}).status_code == 200

    assert api.post(f"/v1/deliveries/{sent['delivery_id']}/resend").status_code == 200
    mails = wait_until(lambda: m if len(m := smtp.inbox.messages_to(address)) == 2 else None)
    assert mails[0]["Message-ID"] == mails[1]["Message-ID"]  # recognisably the same notice
    wait_until(lambda: [e["attempt"] for e in deliveries.of(subject_id)] == [1, 2])
    assert api.post("/v1/deliveries/no-such-id/resend").status_code == 404
    assert api.get("/readyz").json()["ready"] is True


def test_no_contact_details_names_or_message_text_reach_the_log_or_the_deliveries_topic(
        service: ServiceProcess, feed: Feed, smtp: SmtpServer, deliveries: Deliveries) -> None:
    subject_id, address, case_number = emailed_person(feed, "Clemente", "Ibarguen")
    feed.decision(decision(subject_id, case_number=case_number))
    feed.flush()
    deliveries.wait(subject_id, "sent")
    assert len(PERSONAL) > 30  # the other tests of this module ran and registered theirs

    log = Path(service.log_path).read_text(encoding="utf-8", errors="replace")
    assert "delivery attempt recorded" in log
    assert "Glyph names" not in log  # a letter's characters, logged by fontTools at INFO
    topic = [m.value.decode() + repr(m.headers) for m in deliveries.raw()]
    assert topic
    leaks = sorted(v for v in PERSONAL if v in log or any(v in payload for payload in topic))
    assert leaks == []


def test_a_service_killed_mid_batch_and_restarted_emails_every_person_exactly_once(
        tmp_path: Path) -> None:
    people = 200
    with EmbeddedBroker(log_path=tmp_path / "broker.log") as embedded:
        bootstrap = embedded.bootstrap_servers
        provision_topics(bootstrap, PARTITIONS)
        smtp = SmtpServer(Inbox(rcpt_delay=0.01)).start()
        feed = Feed(bootstrap)
        proc: ServiceProcess | None = None
        try:
            addresses = {}
            for i in range(people):
                subject_id = new_id()
                addresses[subject_id] = f"p{i}.{subject_id.lower()}@example.org"
                feed.record(disposition(subject_id, case_number=f"BA{i:06d}",
                                        contact_details=contact(email=addresses[subject_id])))
                feed.decision(decision(subject_id, case_number=f"BA{i:06d}"))
            feed.flush()

            def start() -> ServiceProcess:
                port = free_port()
                p = ServiceProcess("notify", port, notify_env(bootstrap, tmp_path, port,
                                                              smtp.port, "http://127.0.0.1:9"),
                                   tmp_path / "notify.log")
                p.start()
                return p

            proc = start()
            wait_until(lambda: smtp.inbox.count() >= 20, timeout=60, interval=0.005)
            proc.kill()  # SIGKILL, mid-batch
            at_kill = smtp.inbox.count()
            assert at_kill < people
            proc = start()
            proc.wait_healthy()
            with httpx.Client(base_url=proc.url, timeout=10,
                              headers={"Authorization": f"Bearer {API_KEY}"}) as api:
                def listed(status: str) -> list[dict[str, Any]]:
                    return api.get("/v1/deliveries",
                                   params={"status": status, "limit": 1000}).json()["deliveries"]

                wait_until(lambda: len(listed("sent")) + len(listed("failed")) == people,
                           timeout=60, interval=0.2)
                in_doubt = listed("failed")
                assert {d["last_error"] for d in in_doubt} <= {"outcome_unknown"}
                assert len(in_doubt) <= 1  # one e-mail at a time is past its handover
                counts = _counts(smtp.inbox.recipients())
                assert max(counts.values()) == 1  # never twice
                arrived = [d for d in in_doubt if counts.get(addresses[d["subject_id"]])]
                # The operator settles each in-doubt email: arrived -> mark sent, else resend.
                for d in in_doubt:
                    if counts.get(addresses[d["subject_id"]]):
                        assert api.post(f"/v1/deliveries/{d['delivery_id']}/mark-sent"
                                        ).status_code == 200
                    else:
                        assert api.post(f"/v1/deliveries/{d['delivery_id']}/resend"
                                        ).status_code == 200
                wait_until(lambda: len(listed("sent")) == people, timeout=30)
            counts = _counts(smtp.inbox.recipients())
            assert counts == {address: 1 for address in addresses.values()}
            message_ids = [m[1].split(b"Message-ID: ", 1)[1].split(b"\r\n", 1)[0]
                           for m in smtp.inbox.received]
            assert len(set(message_ids)) == people
            print(f"\nkilled after {at_kill} emails; in doubt after the restart: "
                  f"{len(in_doubt)} ({len(arrived)} of them had arrived); duplicates: 0")
        finally:
            if proc is not None:
                # SIGKILL: the restarted process may still be joining the consumer group, and
                # a SIGTERM in that window waits for the join (see the README).
                proc.kill()
            feed.close()
            smtp.stop()


def _counts(recipients: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in recipients:
        counts[r] = counts.get(r, 0) + 1
    return counts
