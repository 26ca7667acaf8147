"""Issue #9 (d): every route of every service (but the operations routes) wants a key
(401), the right scope (403) and, where it touches a court's data, a key of that court
(403/404, or an answer that says no more than for an id that does not exist). Counts a
court ordered dismissed and sealed are shown only to keys with `sealed:read`."""
from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest

from clearway.common.auth import SCOPES
from clearway.common.datagen import CSV_COLUMNS, DOJ_COLUMNS, csv_rows
from tests.security.apps import (
    ADMIN_KEY,
    COURT,
    EVENTS,
    MIXED_CASE,
        SEALED_CASE,
    A,
    Service,
    bearer,
    services,
)

# The scope each route asks for (any one of them). A route missing here fails the first
# test: a new route must say what guards it.
SCOPE_OF: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("ingest", "POST", "/v1/records"): ("records:write",),
    ("ingest", "POST", "/v1/records:batch"): ("records:write",),
    ("ingest", "POST", "/v1/records:csv"): ("records:write",),
    ("ingest", "POST", "/v1/records:doj"): ("records:write",),
    ("ingest", "GET", "/v1/records/{event_id}"): ("records:read", "records:write"),
    ("eligibility", "GET", "/v1/subjects/{subject_id}/decisions"): ("decisions:read",),
    ("eligibility", "POST", "/v1/evaluate"): ("decisions:read",),
    ("eligibility", "GET", "/v1/courts/{court}/summary"): ("decisions:read",),
    ("filing", "GET", "/v1/courts/{court}/motions"): ("motions:read",),
    ("filing", "GET", "/v1/courts/{court}/motions/summary"): ("motions:read",),
    ("filing", "GET", "/v1/motions/{motion_id}"): ("motions:read",),
    ("filing", "GET", "/v1/motions/{motion_id}/pdf"): ("motions:read",),
    ("filing", "POST", "/v1/motions/{motion_id}/file"): ("motions:write",),
    ("filing", "POST", "/v1/courts/{court}/bulk-motions"): ("motions:write",),
    ("filing", "GET", "/v1/courts/{court}/bulk-motions"): ("motions:read",),
    ("filing", "GET", "/v1/bulk-motions/{bulk_id}"): ("motions:read",),
    ("filing", "GET", "/v1/bulk-motions/{bulk_id}/pdf"): ("motions:read",),
    ("filing", "GET", "/v1/bulk-motions/{bulk_id}/csv"): ("motions:read",),
    ("filing", "POST", "/v1/bulk-motions/{bulk_id}/file"): ("motions:write",),
    ("notify", "GET", "/v1/subjects/{subject_id}/deliveries"): ("notices:read",),
    ("notify", "GET", "/v1/deliveries"): ("notices:read",),
    ("notify", "GET", "/v1/notices"): ("notices:read",),
    ("notify", "POST", "/v1/deliveries/{delivery_id}/resend"): ("notices:write",),
    ("notify", "POST", "/v1/deliveries/{delivery_id}/mark-sent"): ("notices:write",),
    ("notify", "POST", "/v1/notices/{notice_id}/replan"): ("notices:write",),
    ("notify", "GET", "/v1/subjects/{subject_id}/opt-outs"): ("notices:read",),
    ("notify", "PUT", "/v1/subjects/{subject_id}/opt-outs"): ("notices:write",),
}

# What another court's key gets. "deny": 403 or 404. "like unknown": no more than the
# answer for an id nobody has. "rows rejected": a bulk upload answers 200 and rejects every
# row of the other court. The list routes without a court in the path are asked with
# ?court= (deny) and without it (they list nothing of the other court: "filtered").
COURT_RULE: dict[tuple[str, str, str], str] = {
    ("ingest", "POST", "/v1/records"): "deny",
    ("ingest", "POST", "/v1/records:batch"): "rows rejected",
    ("ingest", "POST", "/v1/records:csv"): "rows rejected",
    ("ingest", "POST", "/v1/records:doj"): "rows rejected",
    ("ingest", "GET", "/v1/records/{event_id}"): "deny",
    ("eligibility", "GET", "/v1/subjects/{subject_id}/decisions"): "like unknown",
    ("eligibility", "POST", "/v1/evaluate"): "deny",
    ("eligibility", "GET", "/v1/courts/{court}/summary"): "deny",
    ("notify", "GET", "/v1/subjects/{subject_id}/deliveries"): "like unknown",
    ("notify", "GET", "/v1/deliveries"): "filtered",
    ("notify", "GET", "/v1/notices"): "filtered",
}

UNKNOWN = {"subject_id": "CIINOBODY0000", "event_id": "NOBODY-1", "court": "CA-XX",
           "motion_id": "00000000-0000-0000-0000-000000000000",
           "bulk_id": "00000000-0000-0000-0000-000000000000",
           "delivery_id": "00000000-0000-0000-0000-000000000000",
           "notice_id": "00000000-0000-0000-0000-000000000000"}


def _csv() -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_rows(EVENTS[0]))
    return out.getvalue()


def _doj() -> str:
    """One DOJ research file row: a conviction in Los Angeles County (court CA-LA)."""
    cells = dict.fromkeys(DOJ_COLUMNS, "")
    cells.update(CII_NUMBER="CIISECDOJ0001", PRI_NAME="VANDERMOLEN,QUINTESSA",
                 PRI_DOB="19790304", CYC_ORDER="1", STP_ORDER="1", STP_EVENT_DATE="20120601",
                 STP_TYPE_DESCR="COURT ACTION", STP_ORI_CNTY_NAME="LOS ANGELES",
                 CNT_ORDER="1", OFFENSE_DESCR="11359 HS-POSSESS MARIJUANA FOR SALE",
                 OFFENSE_TOC="F", FE_NUM_CRT_CASE="BA900009", DISP_DESCR="CONVICTED")
    return "|".join(cells.values()) + "\n"


def body_of(service: str, method: str, path: str) -> dict[str, Any]:
    """Request arguments that are valid for the route: only the key decides the answer."""
    if path == "/v1/records":
        return {"json": EVENTS[0]}
    if path == "/v1/records:batch":
        return {"json": [EVENTS[0]]}
    if path == "/v1/records:csv":
        return {"content": _csv(), "headers": {"Content-Type": "text/csv"}}
    if path == "/v1/records:doj":
        return {"content": _doj(), "headers": {"Content-Type": "text/plain"}}
    if path == "/v1/evaluate":
        return {"json": {"events": [e for e in EVENTS if e["subject"]["subject_id"] == A]}}
    if path.endswith("/opt-outs") and method == "PUT":
        return {"json": {"channel": "sms", "opted_out": False}}
    return {}


def call(svc: Service, method: str, path: str, key: str | None,
         ids: dict[str, str] | None = None, params: dict[str, str] | None = None
         ) -> httpx.Response:
    url = path.format(**(ids or svc.ids))
    extra = body_of(svc.name, method, path)
    headers = {**bearer(key), **extra.pop("headers", {})}
    return svc.client.request(method, url, headers=headers, params=params, **extra)


ROUTES = [(name, method, path) for name, svc in services().items()
          for method, path in svc.routes()]
ROUTE_IDS = [f"{n} {m} {p}" for n, m, p in ROUTES]


def test_every_route_of_every_service_is_listed_with_the_scope_it_needs() -> None:
    assert set(ROUTES) == set(SCOPE_OF), (
        f"not in SCOPE_OF: {sorted(set(ROUTES) - set(SCOPE_OF))}; "
        f"gone: {sorted(set(SCOPE_OF) - set(ROUTES))}")


@pytest.mark.parametrize(("name", "method", "path"), ROUTES, ids=ROUTE_IDS)
def test_a_route_answers_401_without_a_key_or_with_a_wrong_one(
        name: str, method: str, path: str) -> None:
    svc = services()[name]
    forged = ADMIN_KEY[:-4] + ("aaaa" if not ADMIN_KEY.endswith("aaaa") else "bbbb")
    for key in (None, "not-a-key", "cw_nokey_nosecret", forged):
        answer = call(svc, method, path, key)
        assert answer.status_code == 401, f"{key!r}: {answer.status_code} {answer.text[:200]}"
        assert answer.headers.get("www-authenticate", "").lower().startswith("bearer")
    answer = svc.client.request(method, path.format(**svc.ids),
                                headers={"Authorization": f"Basic {ADMIN_KEY}"})
    assert answer.status_code == 401


@pytest.mark.parametrize(("name", "method", "path"), ROUTES, ids=ROUTE_IDS)
def test_a_route_answers_403_to_every_key_lacking_its_scope_and_serves_one_holding_it(
        name: str, method: str, path: str) -> None:
    svc = services()[name]
    wanted = SCOPE_OF.get((name, method, path), ())
    for scope in SCOPES:
        if scope == "admin":
            continue
        answer = call(svc, method, path, svc.keys[scope])
        if scope in wanted:
            assert answer.status_code not in (401, 403), f"{scope}: {answer.status_code}"
        else:
            assert answer.status_code == 403, f"{scope}: {answer.status_code} {answer.text[:200]}"
            assert scope not in answer.text or "lacks" in answer.text


def _court_params(name: str, method: str, path: str) -> list[pytest.param]:  # type: ignore[valid-type]
    rule = COURT_RULE.get((name, method, path), "deny")
    return [pytest.param(name, method, path, rule,
                         id=f"{name} {method} {path} ({rule})")]


def same_answer(one: dict[str, Any], other: dict[str, Any]) -> bool:
    """The same answer but for what names the request: a problem's `instance` (the path
    asked for) and a subject_id."""
    def plain(body: dict[str, Any]) -> dict[str, Any]:
        return body | {"subject_id": "-", "instance": "-"}
    return plain(one) == plain(other)


@pytest.mark.parametrize(("name", "method", "path", "rule"),
                         [p for r in ROUTES for p in _court_params(*r)])
def test_a_route_gives_another_courts_key_nothing_of_this_court(
        name: str, method: str, path: str, rule: str) -> None:
    svc = services()[name]
    other = svc.keys["other court"]
    if rule == "deny":
        answer = call(svc, method, path, other)
        assert answer.status_code in (403, 404), f"{answer.status_code} {answer.text[:300]}"
    elif rule == "like unknown":
        answer = call(svc, method, path, other)
        unknown = call(svc, method, path, other, ids={**svc.ids, **UNKNOWN})
        assert answer.status_code in (403, 404) or (
            answer.status_code == unknown.status_code
            and same_answer(answer.json(), unknown.json())), (
            f"{answer.status_code} {answer.text[:300]} vs unknown {unknown.status_code}")
    elif rule == "rows rejected":
        answer = call(svc, method, path, other)
        assert answer.status_code == 200
        report = answer.json()
        assert report["accepted"] == report["duplicates"] == 0
        assert report["rejected"] >= 1
        assert all(e["errors"][0]["type"] == "forbidden" for e in report["errors"])
    elif rule == "filtered":
        denied = call(svc, method, path, other, params={"court": COURT})
        assert denied.status_code == 403
        for query in ({"status": "pending"}, {"state": "planned"}, {}):
            listed = call(svc, method, path, other, params=query)
            if listed.status_code == 200:
                assert COURT not in listed.text, listed.text[:300]
    # The same request with the court's own key is served: the court made the difference.
    own = call(svc, method, path, svc.keys["sealed"])
    assert own.status_code not in (401, 403)


# --- sealed records -----------------------------------------------------------------------

def _sealed_in(text: str) -> list[str]:
    """Signs of the sealed case (BA900002, its disposition SEC-2, the order SEC-5) in an
    answer."""
    return [sign for sign in (SEALED_CASE, '"SEC-2"', '"SEC-5"') if sign in text]


def test_eligibility_hides_sealed_counts_from_a_key_without_sealed_read() -> None:
    svc = services()["eligibility"]
    path = f"/v1/subjects/{A}/decisions"
    hidden = svc.client.get(path, headers=bearer(svc.keys["no sealed"])).json()["decisions"]
    shown = svc.client.get(path, headers=bearer(svc.keys["sealed"])).json()["decisions"]
    counts = {(d["case_number"], d["count"]) for d in shown}
    assert counts == {(MIXED_CASE, 1), (MIXED_CASE, 2), (SEALED_CASE, 1)}
    assert {(d["case_number"], d["count"]) for d in hidden} == {(MIXED_CASE, 2)}


SEALED_READS = [
    pytest.param("filing", "/v1/courts/{court}/motions", id="filing lists a court's motions"),
    pytest.param("filing", "/v1/motions/{sealed_motion_id}", id="filing serves a motion"),
    pytest.param("filing", "/v1/motions/{sealed_motion_id}/pdf", id="filing serves its PDF"),
    pytest.param("notify", "/v1/subjects/{subject_id}/deliveries",
                 id="notify lists a person's notices"),
    pytest.param("notify", "/v1/notices?state=planned", id="notify lists notices by state"),
    pytest.param("ingest", "/v1/records/{sealed_event_id}", id="ingest shows a record's standing"),
    pytest.param("ingest", "/v1/records/{sealing_order_id}",
                 id="ingest shows the sealing order's standing"),
]


@pytest.mark.parametrize(("name", "path"), SEALED_READS)
def test_a_read_shows_a_sealed_case_only_to_a_key_with_sealed_read(name: str, path: str) -> None:
    svc = services()[name]
    admin = bearer(ADMIN_KEY)
    ids = dict(svc.ids)
    if name == "filing":
        motions = svc.client.get(f"/v1/courts/{COURT}/motions", headers=admin).json()["motions"]
        ids["sealed_motion_id"] = next(m["motion_id"] for m in motions
                                       if m["case_number"] == SEALED_CASE)
    ids["sealed_event_id"] = "SEC-2"
    ids["sealing_order_id"] = "SEC-5"
    url = path.format(**ids)
    shown = svc.client.get(url, headers=bearer(svc.keys["sealed"]))
    assert shown.status_code == 200
    assert _sealed_in(shown.text) or shown.headers.get("content-type") == "application/pdf"
    hidden = svc.client.get(url, headers=bearer(svc.keys["no sealed"]))
    assert hidden.status_code in (403, 404) or not _sealed_in(hidden.text), hidden.text[:300]
    assert hidden.status_code != 200 or hidden.headers.get("content-type") != "application/pdf"


NOTIFY_SEALED_ITEMS = [
    pytest.param("POST", "/v1/deliveries/{delivery_id}/resend", id="resend"),
    pytest.param("POST", "/v1/deliveries/{delivery_id}/mark-sent", id="mark-sent"),
    pytest.param("POST", "/v1/notices/{notice_id}/replan", id="replan"),
    pytest.param("GET", "/v1/subjects/{subject_id}/opt-outs", id="read opt-outs"),
    pytest.param("PUT", "/v1/subjects/{subject_id}/opt-outs", id="record an opt-out"),
]


@pytest.mark.parametrize(("method", "path"), NOTIFY_SEALED_ITEMS)
def test_notify_answers_for_a_sealed_case_or_person_as_for_an_unknown_id_without_sealed_read(
        method: str, path: str) -> None:
    """Issue #19: person A is known to notify only through sealed cases, so every delivery
    and notice of theirs, and the person, are hidden from a key without `sealed:read`."""
    svc = services()["notify"]
    key = svc.keys["no sealed"]
    hidden = call(svc, method, path, key)
    unknown = call(svc, method, path, key, ids={**svc.ids, **UNKNOWN})
    assert hidden.status_code == unknown.status_code == 404, hidden.text[:300]
    assert same_answer(hidden.json(), unknown.json())
