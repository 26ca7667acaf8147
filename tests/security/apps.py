"""The four services' FastAPI apps in this process (no broker: no lifespan, so no consumer,
relay or dispatcher runs), each on its own SQLite store, seeded through the stores with
the same small history, and API keys of every scope.

The history (all in CA-LA):
- person A, case BA900001: counts 1 (HS 11357) and 2 (HS 11359), both granted; a court
  order then granted count 1 dismissal and sealing (a sealed count beside an open one);
- person A, case BA900002: one count (HS 11360), sealed by a court order (a sealed case);
- person B, case BA900003: one count (HS 11357), granted, no order (a ready motion,
  gathered into a bulk motion).
"""
from __future__ import annotations

import atexit
import datetime as dt
import importlib
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from clearway.common.auth import SCOPES
from clearway.common.events import RecordEvent

COURT = "CA-LA"
OTHER_COURT = "CA-SF"
ADMIN_KEY = f"cw_secadmin{secrets.token_hex(2)}_{secrets.token_urlsafe(24)}"
OPERATIONS = {"/healthz", "/readyz", "/metrics", "/docs", "/docs/oauth2-redirect",
              "/openapi.json", "/redoc"}
SETTINGS = {"ingest": "IngestSettings", "eligibility": "EligibilitySettings",
            "filing": "FilingSettings", "notify": "NotifySettings"}

A, B = "CIISEC0000001", "CIISEC0000002"
SEALED_CASE, MIXED_CASE, OPEN_CASE = "BA900002", "BA900001", "BA900003"

PERSON_A = {"subject_id": A, "first_name": "Quintessa", "last_name": "Vandermolen",
            "date_of_birth": "1979-03-04",
            "contact": {"email": "quintessa.vandermolen@example.org", "phone": "+13235550188",
                        "postal_address": {"line1": "1200 Figueroa St", "city": "Los Angeles",
                                           "state": "CA", "postal_code": "90015"},
                        "language": "en"}}
PERSON_B = {"subject_id": B, "first_name": "Bartholomew", "last_name": "Okonkwo-Reyes",
            "date_of_birth": "1975-11-20",
            "contact": {"postal_address": {"line1": "88 Olive Ave", "city": "Pasadena",
                                           "state": "CA", "postal_code": "91101"}}}


def _count(number: int, statute: str, level: str, day: str) -> dict[str, Any]:
    return {"count": number, "statute": statute, "level": level, "offense_date": day,
            "disposition": "convicted", "disposition_date": day,
            "sentence": {"kind": "probation", "end_date": "2015-01-01"}}


def _disposition(event_id: str, person: dict[str, Any], case: str,
                 counts: list[dict[str, Any]], when: str) -> dict[str, Any]:
    return {"event_id": event_id, "event_type": "disposition", "court": COURT,
            "occurred_at": when, "subject": person,
            "case": {"case_number": case, "counts": counts}}


def _order(event_id: str, subject_id: str, case: str, count: int, when: str
           ) -> dict[str, Any]:
    return {"event_id": event_id, "event_type": "court_order", "court": COURT,
            "occurred_at": when, "subject": {"subject_id": subject_id},
            "order": {"case_number": case, "count": count, "outcome": "granted",
                      "relief": "dismiss_and_seal", "order_date": when[:10]}}


EVENTS: list[dict[str, Any]] = [
    _disposition("SEC-1", PERSON_A, MIXED_CASE, [
        _count(1, "HS 11357(a)", "misdemeanor", "2012-05-01"),
        _count(2, "HS 11359", "felony", "2012-05-01")], "2012-06-01T10:00:00-07:00"),
    _disposition("SEC-2", PERSON_A, SEALED_CASE, [
        _count(1, "HS 11360(a)", "misdemeanor", "2013-02-01")], "2013-03-01T10:00:00-08:00"),
    _disposition("SEC-3", PERSON_B, OPEN_CASE, [
        _count(1, "HS 11357(b)", "misdemeanor", "2011-07-01")], "2011-08-01T10:00:00-07:00"),
    _order("SEC-4", A, MIXED_CASE, 1, "2024-02-01T09:00:00-08:00"),
    _order("SEC-5", A, SEALED_CASE, 1, "2024-02-01T09:05:00-08:00"),
]


@dataclass
class Service:
    name: str
    app: FastAPI
    client: TestClient
    keys: dict[str, str] = field(default_factory=dict)  # label -> key
    ids: dict[str, str] = field(default_factory=dict)  # path parameter -> value

    def routes(self) -> list[tuple[str, str]]:
        return sorted((method, r.path) for r in self.app.routes
                      if isinstance(r, APIRoute) and r.path not in OPERATIONS
                      for method in r.methods)


def build(name: str, data_dir: Path, **overrides: Any) -> FastAPI:
    settings_class = getattr(importlib.import_module(f"clearway.{name}.settings"),
                             SETTINGS[name])
    settings = settings_class(data_dir=data_dir, bootstrap_api_key=ADMIN_KEY,
                              log_level="WARNING", **overrides)
    return importlib.import_module(f"clearway.{name}.api").build_app(settings)


def _seed(services: dict[str, Service]) -> None:
    from clearway.filing.stream import pdf_renderer
    from clearway.notify.dispatch import plan_notice

    events = [RecordEvent.model_validate(e) for e in EVENTS]
    dispositions = [e for e in events if e.event_type == "disposition"]
    orders = [e for e in events if e.event_type == "court_order"]
    now = dt.datetime.now(dt.UTC)

    services["ingest"].app.state.store.accept(events)
    decisions = services["eligibility"].app.state.store.process(events, now)

    filing = services["filing"].app.state
    render = pdf_renderer(filing.documents)
    filing.store.process(dispositions, decisions, render, now)
    filing.store.process(orders, [], render, now)

    notify = services["notify"].app.state.store
    notify.process(events, decisions)
    offered = frozenset({"email", "sms", "letter"})
    notify.plan_pending(lambda p, at: plan_notice(p, at, offered, 0.0),
                        now=time.time() + 60)

    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    filing_client = services["filing"].client
    bulk = filing_client.post(f"/v1/courts/{COURT}/bulk-motions", headers=admin)
    assert bulk.status_code == 201, bulk.text
    motions = filing_client.get(f"/v1/courts/{COURT}/motions", headers=admin).json()["motions"]
    services["filing"].ids.update(
        court=COURT, bulk_id=bulk.json()["bulk_motion_id"],
        motion_id=next(m["motion_id"] for m in motions if m["case_number"] == MIXED_CASE))
    services["ingest"].ids.update(event_id="SEC-1")
    services["eligibility"].ids.update(subject_id=A, court=COURT)
    deliveries = services["notify"].client.get(f"/v1/subjects/{A}/deliveries",
                                               headers=admin).json()
    services["notify"].ids.update(
        subject_id=A, delivery_id=deliveries["deliveries"][0]["delivery_id"],
        notice_id=deliveries["notices"][0]["notice_id"])


def _keys(service: Service) -> None:
    store = service.app.state.keys
    for scope in SCOPES:
        if scope != "admin":
            service.keys[scope] = store.create(f"only {scope}", [scope], ["*"])
    every = [s for s in SCOPES if s != "admin"]
    service.keys["other court"] = store.create("another court", every, [OTHER_COURT])
    service.keys["no sealed"] = store.create(
        "no sealed:read", [s for s in every if s != "sealed:read"], [COURT])
    service.keys["sealed"] = store.create("with sealed:read", every, [COURT])
    service.keys["admin"] = ADMIN_KEY


@lru_cache(maxsize=1)
def services() -> dict[str, Service]:
    """Built once per test process (the route list parametrises tests at collection)."""
    return make_services()


def make_services() -> dict[str, Service]:
    """The four apps, seeded, with their keys, in a folder of their own."""
    workdir = Path(tempfile.mkdtemp(prefix="clearway-security-"))
    atexit.register(shutil.rmtree, workdir, True)
    built = {}
    for name in SETTINGS:
        app = build(name, workdir / name)
        built[name] = Service(name, app, TestClient(app, raise_server_exceptions=False))
        _keys(built[name])
    _seed(built)
    return built


def bearer(key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"} if key else {}
