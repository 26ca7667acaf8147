"""A notify store made by the build before court_contacts (commit 3d5b086: its tables,
compiled for each database, are in store_3d5b086.<dialect>.sql beside this file) is
upgraded in place when the store starts: its rows stay, court_contacts is created, and the
person it knew is still reached through the one contact row it held."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, inspect, select, text

from clearway.common.db import make_engine
from clearway.common.migrations import schema_differences
from clearway.notify.dispatch import plan_notice
from clearway.notify.store import (
    MIGRATIONS,
    NotifyStore,
    api_keys,
    court_contacts,
    deaths,
    legacy_contacts,
    opt_outs,
    outbox,
    processed,
    subject_courts,
)
from tests.notify.builders import as_decision, as_record, contact, decision, disposition, new_id

HERE = Path(__file__).parent
HOLDER = "maria.lopez@example.org"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def make_3d5b086_store(engine: Engine) -> None:
    script = (HERE / f"store_3d5b086.{engine.dialect.name}.sql").read_text()
    body = "\n".join(line for line in script.splitlines() if not line.startswith("--"))
    with engine.begin() as conn:
        for statement in body.split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for t in (api_keys, outbox, legacy_contacts, subject_courts, deaths, opt_outs,
                          processed)}


def test_a_store_from_the_build_before_court_contacts_is_upgraded_and_keeps_its_rows(
        engine: Engine) -> None:
    make_3d5b086_store(engine)
    assert "court_contacts" not in inspect(engine).get_table_names()
    person = new_id()
    with engine.begin() as conn:
        conn.execute(legacy_contacts.insert(), {
            "subject_id": person, "first_name": "Maria", "last_name": "Lopez",
            "email": HOLDER, "phone": None, "postal_address": None, "language": "es",
            "names_at": 0.0, "contact_at": 0.0})
        conn.execute(subject_courts.insert(), {"subject_id": person, "court": "CA-LA"})
        conn.execute(deaths.insert(), {"subject_id": new_id(), "date": "2024-01-20"})
        conn.execute(opt_outs.insert(), {"subject_id": new_id(), "channel": "sms", "at": 1.0})
        conn.execute(processed.insert(), {"court": "CA-LA", "event_id": "ev-1"})
        conn.execute(api_keys.insert(), {
            "key_id": "k1", "secret_sha256": "0" * 64, "name": "n", "scopes": "admin",
            "courts": "*", "created_at": 1.0, "revoked_at": None})
        conn.execute(outbox.insert(), {"topic": "notify.deliveries.v1", "key": person,
                                       "value": b"{}", "headers": "[]", "created_at": 1.0})
    before = counts(engine)

    store = NotifyStore(engine)  # the service's start: migrates

    assert counts(engine) == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"
        assert conn.execute(select(func.count()).select_from(court_contacts)).scalar() == 0
        assert schema_differences(conn, MIGRATIONS.metadata) == []
    # The person the old store knew is reached through its one contact row...
    store.process([], [as_decision(decision(person, court="CA-LA"))])
    planned = store.plan_pending(
        lambda pending, now: plan_notice(pending, now, frozenset({"email"}), 0.0))
    assert planned == 1
    (due,) = store.claim("owner-1", {"email"}, 10, 60.0)
    assert due.contact is not None and due.contact.email == HOLDER
    # ...and a court's new record is kept per court.
    newcomer = new_id()
    store.process([as_record(disposition(newcomer, contact_details=contact(
        email="new@example.org")))], [])
    with engine.connect() as conn:
        assert conn.execute(select(court_contacts.c.email).where(
            court_contacts.c.subject_id == newcomer)).scalar() == "new@example.org"
    NotifyStore(engine)  # a second start: nothing to do
    assert counts(engine)["contacts"] == before["contacts"]
