"""Issue #19: notify's write routes (resend, mark-sent, replan, opt-outs) and the opt-out
read check court and sealing before they act. To a key without `sealed:read`, a delivery
or notice of a case a court ordered dismissed and sealed, and a person known only through
such cases, answer exactly as an id nobody has (404, the same body) and nothing is done;
a key with `sealed:read` is served as before. Over a real store (SQLite and PostgreSQL)
and, for resend, the dispatcher against a real SMTP server."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from clearway.common.auth import KeyStore
from clearway.notify.api import build_app
from clearway.notify.dispatch import Dispatcher, plan_notice
from clearway.notify.settings import NotifySettings
from clearway.notify.store import NotifyStore, api_keys
from tests.notify.builders import (
    as_decision,
    as_record,
    contact,
    court_order,
    decision,
    disposition,
    new_id,
    postal_address,
)
from tests.notify.fakes import Inbox, SmtpServer

ADMIN = "cw_testadmin_" + "s" * 32
OWNER = "o" * 32
UNKNOWN_ID = "00000000-0000-0000-0000-000000000000"
WRITE = ["notices:read", "notices:write"]


@pytest.fixture
def mail() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def app(database_url: str, tmp_path: Path, mail: SmtpServer) -> Iterator[TestClient]:
    settings = NotifySettings(database_url=database_url, data_dir=tmp_path,
                              bootstrap_api_key=ADMIN, smtp_host="127.0.0.1",
                              smtp_port=mail.port, smtp_timeout=2, plan_delay_seconds=0,
                              letter_return_address="Clearway|Box 1")
    application = build_app(settings)
    client = TestClient(application)  # not entered: no lifespan, no broker; we dispatch
    try:
        yield client
    finally:
        application.state.store.engine.dispose()


@pytest.fixture
def store(app: TestClient) -> NotifyStore:
    return app.app.state.store  # type: ignore[attr-defined, no-any-return]


@pytest.fixture
def keys(store: NotifyStore) -> dict[str, str]:
    made = KeyStore(store.engine, api_keys)
    return {
        "no sealed": made.create("CA-LA, no sealed:read", WRITE, ["CA-LA"]),
        "every court, no sealed": made.create("*, no sealed:read", WRITE, ["*"]),
        "sealed": made.create("CA-LA with sealed:read", [*WRITE, "sealed:read"], ["CA-LA"]),
    }


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def dispatch(app: TestClient, quiet: float = 0.3) -> None:
    """Run the app's dispatcher (plan, claim, send) until nothing happened for `quiet` s."""
    dispatcher: Dispatcher = app.app.state.dispatcher  # type: ignore[attr-defined]

    async def rounds() -> None:
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < quiet:
            busy = await dispatcher.step() or bool(dispatcher._inflight)
            await dispatcher.wait_in_flight()
            if busy:
                quiet_since = time.monotonic()
            else:
                await asyncio.sleep(0.02)

    asyncio.run(rounds())


def emailed(store: NotifyStore, case_number: str = "BA123456") -> tuple[str, str]:
    """A person of CA-LA with an e-mail address and a granted decision in the case."""
    subject_id = new_id()
    address = f"{subject_id.lower()}@example.org"
    store.process([as_record(disposition(subject_id, case_number=case_number,
                                         contact_details=contact(email=address)))],
                  [as_decision(decision(subject_id, case_number=case_number))])
    return subject_id, address


def failed_email(store: NotifyStore, error: str = "outcome_unknown") -> tuple[str, str]:
    """A person whose e-mail failed (in doubt: the server may have it)."""
    subject_id, _ = emailed(store)
    store.plan_pending(lambda p, now: plan_notice(p, now, frozenset({"email"}), 60))
    (due,) = store.claim(OWNER, ["email"], 1, 60)
    store.finish(due, OWNER, "failed", "en", None, error)
    return subject_id, due.delivery_id


def unreachable(store: NotifyStore) -> tuple[str, str]:
    """A person nobody can reach: the notice is `unreachable`."""
    subject_id = new_id()
    store.process([as_record(disposition(subject_id, contact_details=contact(language="es")))],
                  [as_decision(decision(subject_id))])
    store.plan_pending(lambda p, now: plan_notice(p, now, frozenset({"email"}), 60))
    (notice,) = store.notices_of(subject_id)
    assert notice["state"] == "unreachable"
    return subject_id, str(notice["notice_id"])


def seal(store: NotifyStore, subject_id: str, case_number: str = "BA123456") -> None:
    """A court grants dismissal and sealing of count 1 of the case."""
    store.process([as_record(court_order(subject_id, case_number=case_number))], [])


def messages_like(inbox: Inbox, message_id: str) -> int:
    return sum(1 for _, raw in inbox.received if message_id.encode() in raw)


def same_answer(a: httpx.Response, b: httpx.Response) -> bool:
    """The same status and problem, but for its `instance` (the path each asked for)."""
    def body(answer: httpx.Response) -> dict[str, object]:
        return {**answer.json(), "instance": "-"}
    return (a.status_code, body(a)) == (b.status_code, body(b))


def test_resend_of_a_sealed_case_without_sealed_read_is_404_like_an_unknown_delivery_and_sends_nothing(  # noqa: E501
        app: TestClient, store: NotifyStore, keys: dict[str, str], mail: SmtpServer) -> None:
    subject_id, address = emailed(store)
    dispatch(app)
    (first,) = mail.inbox.messages_to(address)
    message_id = str(first["Message-ID"])
    (delivery,) = store.deliveries_of(subject_id)
    seal(store, subject_id)
    dispatch(app)  # the order's own notice goes out; the sealed case's mail is not repeated
    assert messages_like(mail.inbox, message_id) == 1

    hidden = app.post(f"/v1/deliveries/{delivery['delivery_id']}/resend",
                      headers=auth(keys["no sealed"]))
    unknown = app.post(f"/v1/deliveries/{UNKNOWN_ID}/resend", headers=auth(keys["no sealed"]))
    assert hidden.status_code == 404
    assert same_answer(hidden, unknown)
    everywhere = app.post(f"/v1/deliveries/{delivery['delivery_id']}/resend",
                          headers=auth(keys["every court, no sealed"]))
    assert everywhere.status_code == 404 and same_answer(everywhere, unknown)

    dispatch(app)
    assert messages_like(mail.inbox, message_id) == 1  # no second e-mail
    (row,) = [d for d in store.deliveries_of(subject_id)
              if d["delivery_id"] == delivery["delivery_id"]]
    assert (row["status"], row["attempts"]) == ("sent", 1)


def test_resend_of_a_sealed_case_with_sealed_read_sends_it_again(
        app: TestClient, store: NotifyStore, keys: dict[str, str], mail: SmtpServer) -> None:
    subject_id, address = emailed(store)
    dispatch(app)
    (first,) = mail.inbox.messages_to(address)
    (delivery,) = store.deliveries_of(subject_id)
    seal(store, subject_id)

    answer = app.post(f"/v1/deliveries/{delivery['delivery_id']}/resend",
                      headers=auth(keys["sealed"]))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"delivery_id": delivery["delivery_id"], "status": "pending"}
    dispatch(app)
    assert messages_like(mail.inbox, str(first["Message-ID"])) == 2


def test_mark_sent_of_a_sealed_case_without_sealed_read_is_404_and_changes_nothing(
        app: TestClient, store: NotifyStore, keys: dict[str, str]) -> None:
    subject_id, delivery_id = failed_email(store)
    seal(store, subject_id)

    hidden = app.post(f"/v1/deliveries/{delivery_id}/mark-sent", headers=auth(keys["no sealed"]))
    unknown = app.post(f"/v1/deliveries/{UNKNOWN_ID}/mark-sent", headers=auth(keys["no sealed"]))
    assert hidden.status_code == 404 and same_answer(hidden, unknown)
    assert store.delivery(delivery_id)["status"] == "failed"  # type: ignore[index]

    shown = app.post(f"/v1/deliveries/{delivery_id}/mark-sent", headers=auth(keys["sealed"]))
    assert shown.status_code == 200, shown.text
    assert store.delivery(delivery_id)["status"] == "sent"  # type: ignore[index]
    # Not failed any more: a key that may see it is told why (409); one that may not, 404.
    assert app.post(f"/v1/deliveries/{delivery_id}/mark-sent",
                    headers=auth(keys["sealed"])).status_code == 409
    again = app.post(f"/v1/deliveries/{delivery_id}/mark-sent", headers=auth(keys["no sealed"]))
    assert again.status_code == 404 and same_answer(again, unknown)


def test_replan_of_a_sealed_notice_without_sealed_read_is_404_whatever_its_state(
        app: TestClient, store: NotifyStore, keys: dict[str, str]) -> None:
    subject_id, notice_id = unreachable(store)
    seal(store, subject_id)
    url = f"/v1/notices/{notice_id}/replan"
    unknown = app.post(f"/v1/notices/{UNKNOWN_ID}/replan", headers=auth(keys["no sealed"]))
    assert unknown.status_code == 404

    hidden = app.post(url, headers=auth(keys["no sealed"]))
    assert hidden.status_code == 404 and same_answer(hidden, unknown)
    assert store.notice(notice_id)["state"] == "unreachable"  # type: ignore[index]

    assert app.post(url, headers=auth(keys["sealed"])).json()["state"] == "pending"
    # Now pending, not unreachable: 409 to the key that may see it, still 404 to the other.
    assert app.post(url, headers=auth(keys["sealed"])).status_code == 409
    again = app.post(url, headers=auth(keys["no sealed"]))
    assert again.status_code == 404 and same_answer(again, unknown)


def test_the_opt_outs_of_a_sealed_person_answer_like_an_unknown_persons_without_sealed_read(
        app: TestClient, store: NotifyStore, keys: dict[str, str]) -> None:
    subject_id, _ = emailed(store)
    store.set_opt_out(subject_id, "sms", True)
    seal(store, subject_id)
    nobody = new_id()

    for label in ("no sealed", "every court, no sealed"):
        hidden = app.get(f"/v1/subjects/{subject_id}/opt-outs", headers=auth(keys[label]))
        unknown = app.get(f"/v1/subjects/{nobody}/opt-outs", headers=auth(keys[label]))
        assert hidden.status_code == 404, (label, hidden.text)
        assert same_answer(hidden, unknown), label
        put = app.put(f"/v1/subjects/{subject_id}/opt-outs", json={"channel": "email"},
                      headers=auth(keys[label]))
        put_unknown = app.put(f"/v1/subjects/{nobody}/opt-outs", json={"channel": "email"},
                              headers=auth(keys[label]))
        assert put.status_code == 404 and same_answer(put, put_unknown), label
    assert store.opted_out(subject_id) == frozenset({"sms"})  # nothing was recorded
    assert store.opted_out(nobody) == frozenset()

    shown = app.get(f"/v1/subjects/{subject_id}/opt-outs", headers=auth(keys["sealed"]))
    assert shown.json() == {"subject_id": subject_id, "opted_out": ["sms"]}
    assert app.put(f"/v1/subjects/{subject_id}/opt-outs", json={"channel": "email"},
                   headers=auth(keys["sealed"])).status_code == 200
    assert store.opted_out(subject_id) == frozenset({"sms", "email"})


def test_a_person_with_an_open_case_beside_a_sealed_one_stays_visible_for_opt_outs(
        app: TestClient, store: NotifyStore, keys: dict[str, str]) -> None:
    subject_id, _ = emailed(store, case_number="BA000001")
    store.process([as_record(disposition(subject_id, case_number="BA000002"))],
                  [as_decision(decision(subject_id, case_number="BA000002"))])
    seal(store, subject_id, "BA000001")
    answer = app.get(f"/v1/subjects/{subject_id}/opt-outs", headers=auth(keys["no sealed"]))
    assert answer.status_code == 200, answer.text


def test_a_person_with_only_a_record_and_no_case_yet_is_no_sealed_person(
        app: TestClient, store: NotifyStore, keys: dict[str, str]) -> None:
    subject_id = new_id()
    store.process([as_record(disposition(
        subject_id, contact_details=contact(postal=postal_address())))], [])
    answer = app.get(f"/v1/subjects/{subject_id}/opt-outs", headers=auth(keys["no sealed"]))
    assert answer.json() == {"subject_id": subject_id, "opted_out": []}


def test_an_admin_key_may_still_opt_out_a_person_before_their_first_record(
        app: TestClient, store: NotifyStore) -> None:
    nobody = new_id()
    answer = app.put(f"/v1/subjects/{nobody}/opt-outs", json={"channel": "sms"},
                     headers=auth(ADMIN))
    assert answer.status_code == 200
    assert store.opted_out(nobody) == frozenset({"sms"})
