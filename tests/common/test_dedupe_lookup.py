"""Looking up processed events by (court, event_id) must search the primary key: a table
scan made every batch slower as the store grew (measured: eligibility went from 4.5k to
2.6k records/s between 20k and 125k cases)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import MetaData, event

from clearway.common.db import make_engine
from clearway.common.dedupe import processed_events_table, rows_by_key


def test_processed_events_are_looked_up_through_the_key_not_by_scanning(tmp_path: Path) -> None:
    metadata = MetaData()
    table = processed_events_table(metadata)
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"court": c, "event_id": f"E{i}"}
                                      for c in ("CA-LA", "CA-SF") for i in range(50)])
    statements: list[tuple[str, object]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append((statement, parameters))

    keys = [("CA-LA", "E1"), ("CA-SF", "E2"), ("CA-LA", "E99")]
    with engine.connect() as conn:
        found = {(r.court, r.event_id) for r in rows_by_key(conn, table, keys)}
        plans = [conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
                 for sql, params in list(statements) if sql.lstrip().startswith("SELECT")]
    assert found == {("CA-LA", "E1"), ("CA-SF", "E2")}
    assert plans
    for plan in plans:
        details = " ".join(str(step[-1]) for step in plan)
        assert "SEARCH" in details and "SCAN processed_events" not in details, details
