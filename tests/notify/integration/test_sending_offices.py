"""Each court's notices come from its sending office (issue #19), through the dispatcher
against a real SMTP server and store: the e-mail's sender and signature are the office's;
a court with no office configured has its notices held (never sent with a generic
sender), with a warning naming the court and nothing about the person."""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select, update

from clearway.common.db import make_engine
from clearway.common.topics import DELIVERIES
from clearway.notify.api import channels_from
from clearway.notify.dispatch import HOLD_RECHECK_SECONDS, Dispatcher
from clearway.notify.settings import NotifySettings
from clearway.notify.store import NotifyStore, notices, outbox
from tests.notify.builders import as_decision, as_record, contact, decision, disposition, new_id
from tests.notify.fakes import Inbox, SmtpServer

LA = {
    "name": "Los Angeles County District Attorney's Office",
    "short_name": "LA County DA",
    "address": ["211 W Temple St", "Los Angeles CA 90012"],
    "phone": "(213) 555-0142",
    "website": "https://da.lacounty.example",
    "case_lookup_url": "https://www.lacourt.example/case-lookup",
    "reply_to": "help@da.lacounty.example",
}
SF = {
    "name": "San Francisco District Attorney's Office",
    "short_name": "SF DA",
    "address": "350 Rhode Island St | San Francisco CA 94103",
    "phone": "(415) 555-0142",
    "website": "https://sfdistrictattorney.example",
}


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()


def settings_for(tmp_path: Path, port: int, offices: dict[str, object] | None) -> NotifySettings:
    return NotifySettings(
        data_dir=tmp_path, letters_dir=tmp_path / "letters", smtp_host="127.0.0.1",
        smtp_port=port, smtp_timeout=0.5, retry_base_seconds=0.01, retry_max_seconds=0.05,
        max_attempts=3, send_timeout_seconds=2, sending_lease_seconds=3, plan_delay_seconds=0,
        sending_offices=json.dumps(offices) if offices is not None else "")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[NotifyStore]:
    engine = make_engine(f"sqlite:///{tmp_path / 'notify.db'}")
    try:
        yield NotifyStore(engine)
    finally:
        engine.dispose()


def dispatcher_for(store: NotifyStore, settings: NotifySettings) -> Dispatcher:
    return Dispatcher(store, channels_from(settings), settings, on_commit=lambda: None)


async def settle(dispatcher: Dispatcher, seconds: float = 0.3) -> None:
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


def person(store: NotifyStore, court: str = "CA-LA") -> str:
    subject_id = new_id()
    address = f"{subject_id.lower()}@example.org"
    store.process([as_record(disposition(subject_id, court=court, contact_details=contact(
        email=address, language="es")))], [as_decision(decision(subject_id, court=court))])
    return address


def notice_states(store: NotifyStore) -> list[str]:
    with store.engine.connect() as conn:
        return [r[0] for r in conn.execute(select(notices.c.state))]


def delivery_events(store: NotifyStore) -> list[tuple[str, str | None]]:
    with store.engine.connect() as conn:
        rows = conn.execute(outbox.select().where(outbox.c.topic == DELIVERIES)).all()
    return [(e["status"], e["error"]) for e in (orjson.loads(r.value) for r in rows)]


async def test_the_email_comes_from_the_courts_office_and_is_signed_by_it(
        tmp_path: Path, smtp_server: SmtpServer, store: NotifyStore) -> None:
    settings = settings_for(tmp_path, smtp_server.port, {"CA-LA": LA, "CA-SF": SF})
    dispatcher = dispatcher_for(store, settings)
    la, sf = person(store, "CA-LA"), person(store, "CA-SF")
    await settle(dispatcher)
    inbox: Inbox = smtp_server.inbox
    (la_mail,) = inbox.messages_to(la)
    (sf_mail,) = inbox.messages_to(sf)
    assert la_mail["From"].addresses[0].display_name == LA["name"]
    assert str(la_mail["Reply-To"]) == "help@da.lacounty.example"
    assert sf_mail["From"].addresses[0].display_name == SF["name"]
    assert sf_mail["Reply-To"] is None
    text = la_mail.get_body(("plain",)).get_content()
    assert "Enviado por: Los Angeles County District Attorney's Office" in text
    assert "Teléfono: (213) 555-0142" in text
    assert "Nunca pedimos pagos ni información personal." in text
    assert "(415) 555-0142" in sf_mail.get_body(("plain",)).get_content()


async def test_a_notice_for_a_court_without_an_office_is_held_until_one_is_configured(
        tmp_path: Path, smtp_server: SmtpServer, store: NotifyStore,
        caplog: pytest.LogCaptureFixture) -> None:
    address = person(store, "CA-LA")
    without_la = settings_for(tmp_path, smtp_server.port, {"CA-SF": SF})
    with caplog.at_level(logging.INFO):
        await settle(dispatcher_for(store, without_la))
    assert smtp_server.inbox.recipients() == []
    assert notice_states(store) == ["pending"]
    assert delivery_events(store) == []
    held = [r for r in caplog.records if r.getMessage().startswith("notices held")]
    assert [getattr(r, "court", None) for r in held] == ["CA-LA"]
    assert address not in caplog.text

    # The office is configured and the service restarted: the held notice goes out by
    # itself at its next look (made due now rather than in HOLD_RECHECK_SECONDS).
    with store.engine.begin() as conn:
        conn.execute(update(notices).values(not_before=0.0))
    await settle(dispatcher_for(store, settings_for(tmp_path, smtp_server.port, {"CA-LA": LA})))
    (mail,) = smtp_server.inbox.messages_to(address)
    assert mail["From"].addresses[0].display_name == LA["name"]


async def test_a_held_notice_is_looked_at_again_only_after_the_hold_interval(
        tmp_path: Path, smtp_server: SmtpServer, store: NotifyStore) -> None:
    person(store, "CA-LA")
    before = time.time()
    await settle(dispatcher_for(store, settings_for(tmp_path, smtp_server.port, {"CA-SF": SF})))
    with store.engine.connect() as conn:
        (not_before,) = conn.execute(select(notices.c.not_before)).one()
    assert not_before >= before + HOLD_RECHECK_SECONDS


async def test_at_start_the_service_warns_for_each_court_with_notices_waiting_and_no_office(
        tmp_path: Path, smtp_server: SmtpServer, store: NotifyStore,
        caplog: pytest.LogCaptureFixture) -> None:
    addresses = [person(store, "CA-LA"), person(store, "CA-SAC"), person(store, "CA-SF")]
    dispatcher = dispatcher_for(store, settings_for(tmp_path, smtp_server.port, {"CA-SF": SF}))
    with caplog.at_level(logging.INFO):
        dispatcher.warn_about_offices()
    warned = [getattr(r, "court", None) for r in caplog.records
              if r.levelno == logging.WARNING and "no sending office" in r.getMessage()]
    assert warned == ["CA-LA", "CA-SAC"]
    assert not any("placeholders" in r.getMessage() for r in caplog.records)
    for address in addresses:
        assert address not in caplog.text


async def test_at_start_the_service_warns_while_the_development_placeholders_are_in_use(
        tmp_path: Path, smtp_server: SmtpServer, store: NotifyStore,
        caplog: pytest.LogCaptureFixture) -> None:
    dispatcher = dispatcher_for(store, settings_for(tmp_path, smtp_server.port, None))
    with caplog.at_level(logging.WARNING):
        dispatcher.warn_about_offices()
    (warning,) = [r for r in caplog.records if "placeholders" in r.getMessage()]
    assert "CLEARWAY_NOTIFY_SENDING_OFFICES" in warning.getMessage()


async def test_a_delivery_planned_before_its_court_lost_its_office_fails_for_an_operator(
        tmp_path: Path, smtp_server: SmtpServer, store: NotifyStore) -> None:
    person(store, "CA-LA")
    with_la = dispatcher_for(store, settings_for(tmp_path, smtp_server.port, {"CA-LA": LA}))
    assert with_la.plan_pending() == 1
    await settle(dispatcher_for(store, settings_for(tmp_path, smtp_server.port, {"CA-SF": SF})))
    assert smtp_server.inbox.recipients() == []
    assert delivery_events(store) == [("failed", "no sending office configured for court CA-LA")]
