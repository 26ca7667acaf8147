"""A motion prints its own court's record of the person (issue #19): another court's later
record with another name or birth date changes nothing in it; a store made before people
were kept per court is upgraded to one row per court the person has a case in."""
from __future__ import annotations

from alembic import command
from sqlalchemy import select, text

from clearway.common.db import make_engine
from clearway.common.events import RecordEvent
from clearway.filing.store import MIGRATIONS, FilingStore, people
from tests.filing.builders import NOW, RecordingRender, decision, disposition


def other_courts_record(name: str) -> RecordEvent:
    return disposition(case_number="SAC1", court="CA-SAC", event_id="sac-1",
                       occurred_at="2024-06-01T00:00:00Z", first_name=name,
                       date_of_birth="1999-09-09")


def test_another_courts_later_record_does_not_change_a_motions_defendant(
        database_url: str) -> None:
    store = FilingStore(make_engine(database_url))
    render = RecordingRender()
    own = disposition()
    store.process([own], [decision()], render, NOW)
    store.process([other_courts_record("IMPOSTOR")], [], render, NOW)
    (content,) = [c for c in render.contents if c.case_number == "BA100"]
    assert content.defendant.first_name == own.subject.first_name
    assert not any(c.defendant.first_name == "IMPOSTOR" for c in render.contents)
    with store.engine.connect() as conn:
        courts = sorted(r.court for r in conn.execute(select(people.c.court)))
    assert courts == ["CA-LA", "CA-SAC"]


def test_a_store_from_before_keeps_each_persons_row_once_per_court_of_their_cases(
        database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as conn, conn.begin():
        command.upgrade(MIGRATIONS.config(conn), "0001")
        conn.execute(text(
            "INSERT INTO people (subject_id, first_name, last_name, date_of_birth, "
            "occurred_at, event_id) VALUES ('S1', 'ROSA', 'QUINTERO', '1975-06-02', "
            "'2024-01-01T00:00:00.000000Z', 'e1')"))
        for court, case in (("CA-LA", "BA1"), ("CA-SF", "SF1"), ("CA-LA", "BA2")):
            conn.execute(text(
                "INSERT INTO cases (court, case_number, subject_id, occurred_at, event_id, "
                "counts) VALUES (:court, :case, 'S1', '2024-01-01T00:00:00.000000Z', 'e1', "
                ":counts)"), {"court": court, "case": case, "counts": b"[]"})
    FilingStore(engine)  # upgrades at start
    with engine.connect() as conn:
        rows = sorted((r.subject_id, r.court, r.first_name)
                      for r in conn.execute(select(people)))
    assert rows == [("S1", "CA-LA", "ROSA"), ("S1", "CA-SF", "ROSA")]
    assert MIGRATIONS.current(engine) == MIGRATIONS.head()
