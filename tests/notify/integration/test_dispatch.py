"""The dispatcher in-process against a real SMTP server: retries, and what it does with a
send interrupted by a crash or left in doubt by the server (see dispatch.py)."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from sqlalchemy import update

from clearway.common.db import make_engine
from clearway.common.topics import DELIVERIES
from clearway.notify.adapters.base import Recipient
from clearway.notify.api import channels_from
from clearway.notify.dispatch import Dispatcher, plan_notice
from clearway.notify.settings import NotifySettings
from clearway.notify.store import NotifyStore, notices, outbox
from tests.notify.builders import (
    as_decision,
    as_record,
    contact,
    decision,
    disposition,
    new_id,
    postal_address,
)
from tests.notify.fakes import Inbox, MessagesApi, SmtpServer

DEAD_OWNER = "d" * 32


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp(smtp_server: SmtpServer) -> Inbox:
    return smtp_server.inbox


@pytest.fixture
def settings(tmp_path: Path, smtp_server: SmtpServer) -> NotifySettings:
    return NotifySettings(
        data_dir=tmp_path, letters_dir=tmp_path / "letters", smtp_host="127.0.0.1",
        smtp_port=smtp_server.port, smtp_timeout=0.5, retry_base_seconds=0.01,
        retry_max_seconds=0.05, max_attempts=3, send_timeout_seconds=2,
        sending_lease_seconds=3, plan_delay_seconds=0, letter_return_address="Clearway|Box 1")


@pytest.fixture
def store(settings: NotifySettings) -> Iterator[NotifyStore]:
    engine = make_engine(settings.sqlalchemy_url())
    try:
        yield NotifyStore(engine)
    finally:
        engine.dispose()


@pytest.fixture
def dispatcher(store: NotifyStore, settings: NotifySettings) -> Dispatcher:
    return Dispatcher(store, channels_from(settings), settings, on_commit=lambda: None)


async def settle(dispatcher: Dispatcher, seconds: float = 0.3) -> None:
    """Run dispatch rounds until nothing happened for `seconds`."""
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < seconds:
        busy = await dispatcher.step()
        if dispatcher._inflight:
            busy = True
        await dispatcher.wait_in_flight()
        if busy:
            quiet_since = time.monotonic()
        else:
            time.sleep(0.02)


def person(store: NotifyStore, **details: object) -> tuple[str, str]:
    subject_id = new_id()
    address = f"{subject_id.lower()}@example.org"
    given = details or {"email": address, "language": "es"}
    store.process([as_record(disposition(subject_id, contact_details=contact(**given)))],  # type: ignore[arg-type]
                  [as_decision(decision(subject_id))])
    return subject_id, address


def events(store: NotifyStore) -> list[tuple[str, int, str | None]]:
    with store.engine.connect() as conn:
        rows = conn.execute(outbox.select().where(outbox.c.topic == DELIVERIES)
                            .order_by(outbox.c.id)).all()
    return [(e["status"], e["attempt"], e["error"]) for e in (orjson.loads(r.value) for r in rows)]


def crash_mid_send(store: NotifyStore, handed_over: bool) -> str:
    """What a process killed mid-send leaves behind: a `sending` row with a short lease."""
    (due,) = store.claim(DEAD_OWNER, ["email", "sms", "letter"], 1, lease_seconds=0.05)
    if handed_over:
        assert store.mark_handover(due.delivery_id, DEAD_OWNER)
    time.sleep(0.1)
    return due.delivery_id


async def test_an_email_goes_out_once_in_the_persons_language(
        store: NotifyStore, dispatcher: Dispatcher, smtp: Inbox) -> None:
    subject_id, address = person(store)
    await settle(dispatcher)
    (mail,) = smtp.messages_to(address)
    assert mail["Subject"] == "Buenas noticias sobre su caso de cannabis BA123456"
    assert events(store) == [("sent", 1, None)]
    await settle(dispatcher)
    assert len(smtp.messages_to(address)) == 1


async def test_a_server_refusing_twice_then_accepting_gives_one_email_after_two_retries(
        store: NotifyStore, dispatcher: Dispatcher, smtp: Inbox) -> None:
    subject_id, address = person(store)
    smtp.data_replies[address] = ["451 4.3.0 try later", "451 4.3.0 try later"]
    await settle(dispatcher)
    assert len(smtp.messages_to(address)) == 1
    assert smtp.data_attempts[address] == 3
    assert [(s, a) for s, a, _ in events(store)] == [("retrying", 1), ("retrying", 2),
                                                     ("sent", 3)]


async def test_transient_failures_stop_after_the_maximum_number_of_attempts(
        store: NotifyStore, dispatcher: Dispatcher, smtp: Inbox) -> None:
    subject_id, address = person(store)
    smtp.data_replies[address] = ["451 4.3.0 try later"] * 10
    await settle(dispatcher)
    assert [s for s, _, _ in events(store)] == ["retrying", "retrying", "failed"]
    assert smtp.messages_to(address) == []


async def test_an_email_the_server_took_without_answering_is_in_doubt_and_not_sent_again(
        store: NotifyStore, dispatcher: Dispatcher, smtp: Inbox) -> None:
    subject_id, address = person(store)
    smtp.silent_after_data.add(address)
    await settle(dispatcher)
    assert len(smtp.messages_to(address)) == 1
    assert events(store) == [("failed", 1, "outcome_unknown")]
    (listed,) = store.deliveries_with("failed", None)[0]
    assert listed["last_error"] == "outcome_unknown"


async def test_a_send_interrupted_before_data_is_made_again(
        store: NotifyStore, dispatcher: Dispatcher, smtp: Inbox) -> None:
    subject_id, address = person(store)
    store.plan_pending(lambda p, now: dispatcher_plan(dispatcher, p, now))
    crash_mid_send(store, handed_over=False)
    await settle(dispatcher)
    assert len(smtp.messages_to(address)) == 1
    assert events(store) == [("retrying", 1, "interrupted"), ("sent", 2, None)]


def dispatcher_plan(dispatcher: Dispatcher, pending, now):  # type: ignore[no-untyped-def]
    return plan_notice(pending, now, frozenset(dispatcher.channels), 60.0)


async def test_an_email_handed_over_by_a_process_that_died_waits_for_an_operator(
        store: NotifyStore, dispatcher: Dispatcher, smtp: Inbox) -> None:
    subject_id, address = person(store)
    store.plan_pending(lambda p, now: dispatcher_plan(dispatcher, p, now))
    delivery_id = crash_mid_send(store, handed_over=True)
    await settle(dispatcher)
    assert smtp.messages_to(address) == []
    assert events(store) == [("failed", 1, "outcome_unknown")]
    assert store.resend(delivery_id) == "ok"  # the operator checked: it never arrived
    await settle(dispatcher)
    (mail,) = smtp.messages_to(address)
    assert events(store)[-1] == ("sent", 2, None)
    assert mail["X-Clearway-Dedupe"] == delivery_id


async def test_a_letter_interrupted_after_it_was_written_is_not_printed_twice(
        store: NotifyStore, dispatcher: Dispatcher, settings: NotifySettings) -> None:
    subject_id, _ = person(store, postal=postal_address())
    store.plan_pending(lambda p, now: dispatcher_plan(dispatcher, p, now))
    (due,) = store.claim(DEAD_OWNER, ["letter"], 1, lease_seconds=0.05)
    letter = dispatcher.channels["letter"]
    notice = dispatcher._render(due)
    assert due.contact is not None
    await letter.send(Recipient(subject_id, "Maria", "Lopez",
                                postal_address=due.contact.postal_address), notice,
                      due.delivery_id)  # the dead process wrote it, then died
    time.sleep(0.1)
    await settle(dispatcher)
    assert len(list(settings.letters_path().rglob("*.pdf"))) == 1
    assert events(store) == [("retrying", 1, "interrupted"), ("sent", 2, None)]


async def test_a_notice_that_cannot_be_written_fails_instead_of_staying_in_flight(
        store: NotifyStore, dispatcher: Dispatcher, smtp: Inbox) -> None:
    subject_id, address = person(store)
    with store.engine.begin() as conn:
        conn.execute(update(notices).where(notices.c.subject_id == subject_id)
                     .values(reliefs="not_a_relief"))
    await settle(dispatcher)
    assert events(store) == [("failed", 1, "ValueError")]
    assert smtp.messages_to(address) == []


async def test_stopping_lets_the_sends_in_flight_finish_and_be_recorded(
        store: NotifyStore, dispatcher: Dispatcher, smtp: Inbox) -> None:
    smtp.rcpt_delay = 0.2
    addresses = [person(store)[1] for _ in range(3)]
    runner = asyncio.ensure_future(dispatcher.run())
    while not dispatcher._inflight:
        await asyncio.sleep(0.01)
    await dispatcher.stop()
    await runner
    assert sum(len(smtp.messages_to(a)) for a in addresses) == 3
    assert [s for s, _, _ in events(store)] == ["sent"] * 3
    assert store.deliveries_with("sending", None)[0] == []


@pytest.fixture
def sms_api() -> Iterator[MessagesApi]:
    api = MessagesApi().start()
    try:
        yield api
    finally:
        api.stop()


def sms_dispatcher(store: NotifyStore, settings: NotifySettings, base_url: str,
                   provider_dedupes: bool) -> Dispatcher:
    sms = settings.model_copy(update={"sms_base_url": base_url, "sms_timeout": 0.5,
                                      "sms_provider_dedupes": provider_dedupes})
    return Dispatcher(store, channels_from(sms), sms, on_commit=lambda: None)


@pytest.mark.parametrize("provider_dedupes", [True, False])
async def test_a_text_message_goes_out_once_whether_or_not_the_provider_dedupes(
        store: NotifyStore, settings: NotifySettings, sms_api: MessagesApi,
        provider_dedupes: bool) -> None:
    phone = "+14155550111"
    person(store, phone=phone)
    await settle(sms_dispatcher(store, settings, sms_api.base_url, provider_dedupes))
    assert len(sms_api.to(phone)) == 1
    assert events(store) == [("sent", 1, None)]


@pytest.mark.parametrize(("provider_dedupes", "outcome"), [
    (True, [("retrying", 1, "interrupted"), ("sent", 2, None)]),
    (False, [("failed", 1, "outcome_unknown")]),
])
async def test_an_interrupted_text_message_is_made_again_only_if_the_provider_dedupes(
        store: NotifyStore, settings: NotifySettings, sms_api: MessagesApi,
        provider_dedupes: bool, outcome: list[tuple[str, int, str | None]]) -> None:
    person(store, phone="+14155550112")
    dispatcher = sms_dispatcher(store, settings, sms_api.base_url, provider_dedupes)
    store.plan_pending(lambda p, now: dispatcher_plan(dispatcher, p, now))
    crash_mid_send(store, handed_over=not provider_dedupes)  # as the dispatcher would mark it
    await settle(dispatcher)
    assert events(store) == outcome


async def test_a_text_message_to_an_unreachable_provider_without_dedupe_is_in_doubt(
        store: NotifyStore, settings: NotifySettings) -> None:
    person(store, phone="+14155550113")
    await settle(sms_dispatcher(store, settings, "http://127.0.0.1:9", provider_dedupes=False))
    assert events(store) == [("failed", 1, "outcome_unknown")]
