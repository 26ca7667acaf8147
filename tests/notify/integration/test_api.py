"""Notify's HTTP API over a real store (SQLite and PostgreSQL), without broker or senders:
keys and courts, the operators' lists, resend, mark-sent, replan and opt-outs."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from clearway.common.auth import KeyStore
from clearway.notify.api import build_app
from clearway.notify.dispatch import plan_notice
from clearway.notify.settings import NotifySettings
from clearway.notify.store import NotifyStore, api_keys
from tests.notify.builders import (
    as_decision,
    as_record,
    contact,
    death,
    decision,
    disposition,
    new_id,
    postal_address,
)
from tests.problems import problem

ADMIN = "cw_testadmin_" + "s" * 32
OWNER = "o" * 32
EMAIL = "herminia@example.org"


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = NotifySettings(database_url=database_url, data_dir=tmp_path,
                              bootstrap_api_key=ADMIN, smtp_host="127.0.0.1",
                              plan_delay_seconds=0)
    application = build_app(settings)
    client = TestClient(application)  # not entered: no lifespan, no broker, no dispatcher
    try:
        yield client
    finally:
        application.state.store.engine.dispose()


@pytest.fixture
def store(app: TestClient) -> NotifyStore:
    return app.app.state.store  # type: ignore[attr-defined, no-any-return]


def auth(token: str = ADMIN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def key(store: NotifyStore, scopes: list[str], courts: list[str]) -> str:
    return KeyStore(store.engine, api_keys).create("test", scopes, courts)


def sent_email(store: NotifyStore, court: str = "CA-LA", status: str = "sent",
               error: str | None = None) -> tuple[str, str]:
    subject_id = new_id()
    store.process([as_record(disposition(subject_id, court=court, first_name="Herminia",
                                         contact_details=contact(email=EMAIL)))],
                  [as_decision(decision(subject_id, court=court))])
    store.plan_pending(lambda p, now: plan_notice(p, now, frozenset({"email", "letter"}), 60))
    (due,) = store.claim(OWNER, ["email", "letter"], 1, 60)
    store.finish(due, OWNER, status, "en", None, error)
    return subject_id, due.delivery_id


def test_every_route_needs_a_key_with_the_right_scope(app: TestClient, store: NotifyStore) -> None:
    assert app.get("/v1/deliveries").status_code == 401
    assert app.get("/v1/deliveries", headers=auth("cw_x_nope")).status_code == 401
    reader = key(store, ["notices:read"], ["*"])
    assert app.get("/v1/deliveries", headers=auth(reader)).status_code == 200
    assert app.post("/v1/deliveries/x/resend", headers=auth(reader)).status_code == 403


def test_a_persons_deliveries_show_ids_and_statuses_but_no_contact_details(
        app: TestClient, store: NotifyStore) -> None:
    subject_id, delivery_id = sent_email(store)
    body = app.get(f"/v1/subjects/{subject_id}/deliveries", headers=auth()).json()
    assert [d["delivery_id"] for d in body["deliveries"]] == [delivery_id]
    assert [(n["notice_kind"], n["state"]) for n in body["notices"]] == [
        ("relief_granted", "planned")]
    assert EMAIL not in str(body) and "Herminia" not in str(body)


def test_a_key_for_one_court_sees_only_that_courts_deliveries(
        app: TestClient, store: NotifyStore) -> None:
    la_subject, _ = sent_email(store, court="CA-LA", status="failed", error="x")
    sent_email(store, court="CA-SF", status="failed", error="x")
    sf = key(store, ["notices:read", "notices:write"], ["CA-SF"])
    failed = app.get("/v1/deliveries", headers=auth(sf)).json()["deliveries"]
    assert {d["court"] for d in failed} == {"CA-SF"}
    assert app.get("/v1/deliveries", params={"court": "CA-LA"},
                   headers=auth(sf)).status_code == 403
    assert app.get(f"/v1/subjects/{la_subject}/deliveries",
                   headers=auth(sf)).json()["deliveries"] == []


def test_resend_puts_a_failed_delivery_back_and_refuses_what_must_not_be_sent(
        app: TestClient, store: NotifyStore) -> None:
    dead, dead_delivery = sent_email(store, status="failed", error="x")
    subject_id, delivery_id = sent_email(store, status="failed", error="outcome_unknown")
    assert app.post(f"/v1/deliveries/{delivery_id}/resend", headers=auth()).json() == {
        "delivery_id": delivery_id, "status": "pending"}
    again = app.post(f"/v1/deliveries/{delivery_id}/resend", headers=auth())
    assert problem(again, 409, "not_resendable")["reason"] == "status:pending"
    assert app.post("/v1/deliveries/nope/resend", headers=auth()).status_code == 404
    sf = key(store, ["notices:write"], ["CA-SF"])
    assert app.post(f"/v1/deliveries/{delivery_id}/resend", headers=auth(sf)).status_code == 404

    store.process([as_record(death(dead))], [])
    refused = app.post(f"/v1/deliveries/{dead_delivery}/resend", headers=auth())
    body = problem(refused, 409, "not_resendable")
    assert body["reason"] == "deceased" and body["detail"] == (
        "the person has died; nothing is sent to them")


def test_an_in_doubt_email_found_delivered_is_marked_sent(
        app: TestClient, store: NotifyStore) -> None:
    subject_id, delivery_id = sent_email(store, status="failed", error="outcome_unknown")
    answer = app.post(f"/v1/deliveries/{delivery_id}/mark-sent", headers=auth())
    assert answer.status_code == 200
    (row,) = store.deliveries_of(subject_id)
    assert (row["status"], row["last_error"]) == ("sent", "confirmed_by_operator")
    assert app.post(f"/v1/deliveries/{delivery_id}/mark-sent",
                    headers=auth()).status_code == 409


def test_an_unreachable_notice_is_listed_and_can_be_planned_again(
        app: TestClient, store: NotifyStore) -> None:
    subject_id = new_id()
    store.process([as_record(disposition(subject_id, contact_details=contact(language="es")))],
                  [as_decision(decision(subject_id))])
    store.plan_pending(lambda p, now: plan_notice(p, now, frozenset({"email"}), 60))
    (notice,) = app.get("/v1/notices", headers=auth()).json()["notices"]
    assert (notice["subject_id"], notice["state"]) == (subject_id, "unreachable")
    url = f"/v1/notices/{notice['notice_id']}/replan"
    assert app.post(url, headers=auth()).json()["state"] == "pending"
    assert app.post(url, headers=auth()).status_code == 409
    assert app.post("/v1/notices/nope/replan", headers=auth()).status_code == 404


def test_opt_outs_need_a_key_for_one_of_the_persons_courts(
        app: TestClient, store: NotifyStore) -> None:
    subject_id = new_id()
    store.process([as_record(disposition(subject_id, court="CA-SF",
                                         contact_details=contact(postal=postal_address())))], [])
    la = key(store, ["notices:read", "notices:write"], ["CA-LA"])
    sf = key(store, ["notices:read", "notices:write"], ["CA-SF"])
    url = f"/v1/subjects/{subject_id}/opt-outs"
    assert app.put(url, json={"channel": "letter"}, headers=auth(la)).status_code == 404
    assert app.put(url, json={"channel": "letter"}, headers=auth(sf)).json()["opted_out"] is True
    assert app.get(url, headers=auth(sf)).json()["opted_out"] == ["letter"]
    assert app.put(url, json={"channel": "fax"}, headers=auth(sf)).status_code == 422
    assert app.put(url, json={"channel": "letter", "opted_out": False},
                   headers=auth(sf)).status_code == 200
    assert store.opted_out(subject_id) == frozenset()


def test_the_failed_list_is_paged_with_next_after_until_it_answers_null(
        app: TestClient, store: NotifyStore) -> None:
    made = {sent_email(store, status="failed", error="smtp: refused")[1] for _ in range(5)}
    seen: list[str] = []
    params: dict[str, str] = {"status": "failed", "limit": "2"}
    for _ in range(20):
        page = app.get("/v1/deliveries", params=params, headers=auth())
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["deliveries"]) <= 2
        seen += [d["delivery_id"] for d in body["deliveries"]]
        if body["next_after"] is None:
            break
        params["after"] = body["next_after"]
    assert len(seen) == len(set(seen)) and made <= set(seen)


def test_a_cursor_that_is_not_one_of_ours_is_a_clear_422(app: TestClient) -> None:
    for path in ("/v1/deliveries", "/v1/notices"):
        answer = app.get(path, params={"after": "'; drop table notices"}, headers=auth())
        body = problem(answer, 422, "invalid", never=("drop table",))
        assert [e["field"] for e in body["errors"]] == ["query.after"]


def test_an_unknown_id_a_bad_body_and_a_missing_key_are_problems_that_repeat_nothing(
        app: TestClient, store: NotifyStore) -> None:
    subject_id = new_id()
    store.process([as_record(disposition(subject_id, court="CA-LA",
                                         contact_details=contact(postal=postal_address())))], [])
    assert problem(app.post("/v1/deliveries/no-such-delivery/resend", headers=auth()), 404,
                   "not_found")["detail"] == "no such delivery"
    problem(app.post("/v1/notices/no-such-notice/replan", headers=auth()), 404, "not_found")
    url = f"/v1/subjects/{subject_id}/opt-outs"
    bad = problem(app.put(url, json={"channel": "Herminia Quillfeather", "opted_out": "1961",
                                     "email": EMAIL}, headers=auth()), 422, "invalid",
                  never=("Herminia", "Quillfeather", "1961", EMAIL))
    assert sorted((e["field"], e["type"]) for e in bad["errors"]) == [
        ("channel", "literal_error"), ("email", "extra_forbidden"), ("opted_out", "bool_parsing")]
    missing = problem(app.put(url, json={"opted_out": True}, headers=auth()), 422, "invalid")
    assert missing["errors"] == [{"field": "channel", "type": "missing",
                                  "message": "Field required"}]
    problem(app.put(url, content=b'{"channel": "Herminia', headers={
        **auth(), "Content-Type": "application/json"}), 400, "invalid_json", never=("Herminia",))
    problem(app.put(url, content=b'{"channel": "letter"}', headers={
        **auth(), "Content-Type": "text/plain"}), 415, "unsupported_media_type")
    problem(app.put(url, json={"channel": "Herminia"}), 401, "unauthenticated",
            never=("Herminia",))
    assert store.opted_out(subject_id) == frozenset()
