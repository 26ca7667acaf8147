"""Eligibility's HTTP API in-process: current decisions, dry runs, summaries, access."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clearway.common.events import RecordEvent
from clearway.eligibility.api import build_app
from clearway.eligibility.settings import EligibilitySettings
from tests.problems import problem

ADMIN = "cw_testadmin_0123456789abcdefghij"
NOW = dt.datetime.now(dt.UTC)


def event(event_id: str, court: str, statute: str, when: str, level: str = "felony",
          case_number: str = "C1", subject_id: str = "S1", event_type: str = "disposition",
          **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": event_id, "event_type": event_type, "court": court,
        "occurred_at": "2024-01-01T00:00:00Z",
        "subject": {"subject_id": subject_id, "first_name": "Mei", "last_name": "Chen",
                    "date_of_birth": "1980-01-01"},
    }
    if event_type == "disposition":
        body["case"] = {"case_number": case_number, "counts": [{
            "count": 1, "statute": statute, "level": level, "disposition": "convicted",
            "disposition_date": when}]}
    body.update(extra)
    return body


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = EligibilitySettings(data_dir=tmp_path, kafka_bootstrap_servers="127.0.0.1:1",
                                   bootstrap_api_key=ADMIN)
    app = build_app(settings)
    with TestClient(app) as c:
        c.headers["Authorization"] = f"Bearer {ADMIN}"
        yield c


def load(client: TestClient, *events: dict[str, Any]) -> None:
    store = client.app.state.store  # type: ignore[attr-defined]
    store.process([RecordEvent.model_validate(e) for e in events], NOW)


def key(client: TestClient, scopes: list[str], courts: list[str]) -> dict[str, str]:
    token = client.app.state.keys.create("t", scopes, courts)  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {token}"}


def test_current_decisions_list_each_in_scope_count(client: TestClient) -> None:
    load(client, event("e1", "CA-SF", "HS 11359", "2010-01-01"),
         event("e2", "CA-SF", "PC 459", "2011-01-01", case_number="C2"))
    body = client.get("/v1/subjects/S1/decisions").json()
    assert [(d["statute"], d["relief"]) for d in body["decisions"]] == [
        ("HS 11359", "reduce_to_misdemeanor")]


def test_evaluate_decides_without_publishing_and_honours_the_policy_override(
        client: TestClient) -> None:
    events = [event("e1", "CA-SF", "HS 11359", "2010-01-01")]
    statewide = client.post("/v1/evaluate", json={"events": events}).json()
    assert [d["relief"] for d in statewide["decisions"]] == ["reduce_to_misdemeanor"]
    blanket = client.post("/v1/evaluate", json={"events": events, "policy": "dismiss-all"}).json()
    assert [(d["relief"], d["policy"]) for d in blanket["decisions"]] == [
        ("dismiss_and_seal", "dismiss-all")]
    assert client.get("/v1/subjects/S1/decisions").status_code == 404


def test_evaluate_uses_the_as_of_date_for_the_procedure(client: TestClient) -> None:
    e = event("e1", "CA-SF", "HS 11359", "2010-01-01")
    e["case"]["counts"][0]["sentence"] = {"kind": "probation", "end_date": "2015-06-01"}
    serving = client.post("/v1/evaluate", json={"events": [e], "as_of": "2014-01-01"}).json()
    done = client.post("/v1/evaluate", json={"events": [e], "as_of": "2016-01-01"}).json()
    assert serving["decisions"][0]["procedure"] == "petition"
    assert done["decisions"][0]["procedure"] == "application"


def test_evaluate_refuses_events_of_two_people(client: TestClient) -> None:
    events = [event("e1", "CA-SF", "HS 11359", "2010-01-01"),
              event("e2", "CA-SF", "HS 11359", "2010-01-01", subject_id="S2")]
    answer = client.post("/v1/evaluate", json={"events": events})
    body = problem(answer, 422, "invalid")
    assert body["errors"] == [{"field": "events", "type": "one_subject",
                               "message": "all events must be of one subject_id"}]


def test_an_unknown_id_a_bad_body_and_a_missing_key_are_problems_that_repeat_nothing(
        client: TestClient) -> None:
    assert problem(client.get("/v1/subjects/NOSUCH1/decisions"), 404,
                   "not_found")["detail"] == "no decisions for this subject"

    bad = event("e1", "CA-SF", "HS 11359", "2010-01-01")
    bad["subject"].update(first_name="Quintessa", date_of_birth=19610723)
    bad["case"]["counts"][0]["count"] = "Vandermolen"
    answer = client.post("/v1/evaluate", json={"events": [bad], "as_of": "Quintessa",
                                               "policy": "Vandermolen-county"})
    body = problem(answer, 422, "invalid",
                   never=("Quintessa", "Vandermolen", "19610723", "Mei", "Chen"))
    assert sorted((e["field"], e["type"]) for e in body["errors"]) == [
        ("as_of", "date_from_datetime_parsing"),
        ("events.0.case.counts.0.count", "int_type"),
        ("events.0.subject.date_of_birth", "date_type"),
        ("policy", "value_error")]

    missing = event("e1", "CA-SF", "HS 11359", "2010-01-01")
    del missing["subject"]["date_of_birth"], missing["case"]["counts"][0]["level"]
    body = problem(client.post("/v1/evaluate", json={"events": [missing]}), 422, "invalid",
                   never=("Mei", "Chen"))
    assert [(e["field"], e["type"]) for e in body["errors"]] == [
        ("events.0.case.counts.0.level", "missing")]
    body = problem(client.post("/v1/evaluate", json={}), 422, "invalid")
    assert [(e["field"], e["type"]) for e in body["errors"]] == [("events", "missing")]

    problem(client.post("/v1/evaluate", content=b'{"events": [{"subject": "Quintessa',
                        headers={"Content-Type": "application/json"}), 400, "invalid_json",
            never=("Quintessa",))
    problem(client.post("/v1/evaluate", content=b'{"events": []}',
                        headers={"Content-Type": "text/plain"}), 415, "unsupported_media_type")
    problem(client.post("/v1/evaluate", json={"events": [bad]}, headers={"Authorization": ""}),
            401, "unauthenticated", never=("Quintessa",))


def test_reads_need_a_key_with_the_decisions_scope_and_the_court(client: TestClient) -> None:
    load(client, event("e1", "CA-SF", "HS 11359", "2010-01-01"))
    assert client.get("/v1/subjects/S1/decisions", headers={"Authorization": ""}).status_code == 401
    assert client.get("/v1/subjects/S1/decisions",
                      headers={"Authorization": "Bearer cw_nope_nope"}).status_code == 401
    wrong_scope = key(client, ["records:write"], ["CA-SF"])
    assert client.get("/v1/subjects/S1/decisions", headers=wrong_scope).status_code == 403
    other_court = key(client, ["decisions:read"], ["CA-LA"])
    assert client.get("/v1/subjects/S1/decisions", headers=other_court).status_code == 404
    assert client.get("/v1/courts/CA-SF/summary", headers=other_court).status_code == 403
    assert client.post("/v1/evaluate", headers=other_court, json={"events": [
        event("e1", "CA-SF", "HS 11359", "2010-01-01")]}).status_code == 403


def test_a_count_sealed_by_court_order_is_served_only_with_the_sealed_scope(
        client: TestClient) -> None:
    order = {"case_number": "C1", "count": 1, "outcome": "granted",
             "relief": "dismiss_and_seal", "order_date": "2025-01-01"}
    load(client, event("e1", "CA-SF", "HS 11357", "2010-01-01", level="misdemeanor"),
         event("e2", "CA-SF", "", "", event_type="court_order", order=order))
    reader = key(client, ["decisions:read"], ["CA-SF"])
    sealed_reader = key(client, ["decisions:read", "sealed:read"], ["CA-SF"])
    assert client.get("/v1/subjects/S1/decisions", headers=reader).status_code == 404
    assert len(client.get("/v1/subjects/S1/decisions",
                          headers=sealed_reader).json()["decisions"]) == 1


def test_the_court_summary_counts_people_left_with_no_felony_and_no_conviction(
        client: TestClient) -> None:
    load(client,
         event("a1", "CA-SF", "HS 11359", "2010-01-01", subject_id="A"),  # reduced: no felony left
         event("b1", "CA-SF", "HS 11357", "2010-01-01", level="misdemeanor", subject_id="B"),
         event("c1", "CA-SF", "HS 11360", "2010-01-01", level="misdemeanor", subject_id="C"),
         event("c2", "CA-SF", "PC 459", "2012-01-01", case_number="C9", subject_id="C"))
    summary = client.get("/v1/courts/CA-SF/summary").json()
    assert summary["people"] == 3
    assert summary["counts_by_relief"] == {"dismiss_and_seal": 2, "reduce_to_misdemeanor": 1}
    assert summary["counts_by_statute"]["HS 11359"] == {"reduce_to_misdemeanor": 1}
    assert summary["people_left_with_no_felony"] == 2  # A (now a misdemeanor) and B; C keeps PC 459
    assert summary["people_left_with_no_conviction"] == 1  # only B


def test_health_and_metrics_answer_without_a_key(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "service": "eligibility"}
    assert "clearway_events_consumed_total" in client.get("/metrics").text
    assert client.get("/readyz").status_code == 503  # no broker at 127.0.0.1:1


def test_an_identity_conflict_shows_each_courts_date_of_birth_to_keys_of_those_courts(
        client: TestClient) -> None:
    la = event("e1", "CA-LA", "HS 11359", "2010-01-01", level="misdemeanor")
    la["subject"]["date_of_birth"] = "1980-01-01"
    sac = event("e2", "CA-SAC", "PC 459", "2011-01-01", case_number="C2")
    sac["subject"]["date_of_birth"] = "1995-01-01"  # a minor in 2010 by this court's date
    load(client, la, sac)
    body = client.get("/v1/subjects/S1/decisions").json()
    assert [r["code"] for r in body["decisions"][0]["reasons"]] == ["IDENTITY_CONFLICT"]
    assert body["identity_conflict"]["dates_of_birth"] == [
        {"court": "CA-LA", "date_of_birth": "1980-01-01"},
        {"court": "CA-SAC", "date_of_birth": "1995-01-01"}]
    only_la = client.get("/v1/subjects/S1/decisions",
                         headers=key(client, ["decisions:read"], ["CA-LA"])).json()
    assert only_la["identity_conflict"]["dates_of_birth"] == [
        {"court": "CA-LA", "date_of_birth": "1980-01-01"},
        {"court": "CA-SAC", "date_of_birth": None, "withheld": True}]
    assert "1995" not in str(only_la)
