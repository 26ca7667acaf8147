"""The database layer every store shares: rows handed to the driver as they are (both
backends), and SQLite shared by several processes: writers taking turns, checkpoints off
the writers' path."""
from __future__ import annotations

import fcntl
import os
import sqlite3 as sqlite3_driver
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Column, Engine, Float, Integer, LargeBinary, MetaData, String, Table, select
from sqlalchemy.exc import IntegrityError, OperationalError

from clearway.common import sqlite
from clearway.common.db import create_schema, insert_rows, make_engine, reading, update_rows

metadata = MetaData()
# Column names SQL reserves, as the stores use them (count, offset), and binary values.
things = Table(
    "things", metadata,
    Column("id", Integer, primary_key=True),
    Column("count", Integer, nullable=False),
    Column("offset", Float, nullable=True),
    Column("payload", LargeBinary, nullable=False),
    Column("note", String(40), nullable=True),
)


def _engine(url: str) -> Engine:
    engine = make_engine(url)
    create_schema(engine, metadata)
    return engine


def test_rows_inserted_and_updated_through_the_driver_read_back_as_written(
    database_url: str,
) -> None:
    engine = _engine(database_url)
    with engine.begin() as conn:
        insert_rows(conn, things, ("id", "count", "payload", "note"),
                    [(1, 3, b"\x00\xff", "a"), (2, 4, b"", None)])
        update_rows(conn, things, ("offset", "note"), "id", [(7.5, "changed", 2)])
    with engine.connect() as conn:
        rows = conn.execute(select(things).order_by(things.c.id)).all()
    assert [tuple(r) for r in rows] == [(1, 3, None, b"\x00\xff", "a"),
                                        (2, 4, 7.5, b"", "changed")]
    engine.dispose()


def test_nothing_to_insert_or_update_runs_no_statement(database_url: str) -> None:
    engine = _engine(database_url)
    with engine.begin() as conn:
        insert_rows(conn, things, ("id", "count", "payload"), [])
        update_rows(conn, things, ("note",), "id", [])
    with engine.connect() as conn:
        assert conn.execute(select(things)).all() == []
    engine.dispose()


def test_thousands_of_rows_go_in_and_are_updated_each_by_its_key(database_url: str) -> None:
    # On SQLite more rows than one statement takes (1,024) and a remainder of uneven size.
    engine = _engine(database_url)
    n = 2_500
    with engine.begin() as conn:
        insert_rows(conn, things, ("id", "count", "payload"),
                    [(i, i * 2, i.to_bytes(2, "big")) for i in range(1, n + 1)])
        update_rows(conn, things, ("offset", "note"), "id",
                    [(i / 2, f"n{i}", i) for i in range(1, n + 1, 3)])
    with engine.connect() as conn:
        rows = conn.execute(select(things).order_by(things.c.id)).all()
    assert [tuple(r) for r in rows] == [
        (i, i * 2, i / 2 if i % 3 == 1 else None, i.to_bytes(2, "big"),
         f"n{i}" if i % 3 == 1 else None) for i in range(1, n + 1)]
    engine.dispose()


def test_rows_inserted_together_conflict_together(database_url: str) -> None:
    engine = _engine(database_url)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        insert_rows(conn, things, ("id", "count", "payload"),
                    [(i, 0, b"") for i in range(1, 1500)] + [(7, 0, b"")])
    with engine.connect() as conn:
        assert conn.execute(select(things)).all() == []
    engine.dispose()


def _lock_is_free(path: Path) -> bool:
    fd = os.open(f"{path}.writer-lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def test_a_new_sqlite_store_gets_16_kib_pages(tmp_path: Path) -> None:
    engine = _engine(f"sqlite:///{tmp_path / 'new.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == sqlite.PAGE_SIZE == 16384
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_an_existing_sqlite_store_keeps_its_page_size_and_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite3_driver.connect(path)
    old.execute("PRAGMA page_size=4096")
    old.execute("PRAGMA journal_mode=WAL")
    old.execute("CREATE TABLE things (id INTEGER PRIMARY KEY, count INTEGER NOT NULL, "
                '"offset" FLOAT, payload BLOB NOT NULL, note VARCHAR(40))')
    old.execute("INSERT INTO things VALUES (1, 3, NULL, x'00', 'before')")
    old.commit()
    old.close()
    engine = _engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        insert_rows(conn, things, ("id", "count", "payload"), [(2, 4, b"")])
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == 4096
        assert conn.execute(select(things.c.id).order_by(things.c.id)).scalars().all() == [1, 2]
    engine.dispose()


def test_a_second_writer_waits_for_the_first_and_goes_as_soon_as_it_commits(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shared.db"
    first, second = _engine(f"sqlite:///{path}"), _engine(f"sqlite:///{path}")
    holding, release = threading.Event(), threading.Event()
    finished: list[float] = []

    def hold() -> None:
        with first.begin() as conn:
            insert_rows(conn, things, ("id", "count", "payload"), [(1, 1, b"x")])
            holding.set()
            release.wait(10)

    def write() -> None:
        with second.begin() as conn:
            insert_rows(conn, things, ("id", "count", "payload"), [(2, 2, b"y")])
        finished.append(time.monotonic())

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10)
    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(0.3)
    assert not finished  # still waiting for its turn
    released_at = time.monotonic()
    release.set()
    holder.join(10)
    writer.join(10)
    assert finished and finished[0] - released_at < 1.0
    with second.connect() as conn:
        assert conn.execute(select(things.c.id).order_by(things.c.id)).scalars().all() == [1, 2]
    assert _lock_is_free(path)
    first.dispose()
    second.dispose()


def test_the_turn_is_given_back_when_a_transaction_fails(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    engine = _engine(f"sqlite:///{path}")
    with pytest.raises(RuntimeError), engine.begin() as conn:
        insert_rows(conn, things, ("id", "count", "payload"), [(1, 1, b"x")])
        assert not _lock_is_free(path)
        raise RuntimeError("the batch failed")
    assert _lock_is_free(path)
    with engine.connect() as conn:
        assert conn.execute(select(things)).all() == []
    engine.dispose()


def test_a_thread_that_nests_two_writes_gets_an_error_rather_than_waiting_for_ever(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sqlite, "BUSY_TIMEOUT_S", 0.3)
    engine = _engine(f"sqlite:///{tmp_path / 'nested.db'}")
    started = time.monotonic()
    with pytest.raises(OperationalError, match="locked"), engine.begin(), \
            engine.begin() as inner:
        insert_rows(inner, things, ("id", "count", "payload"), [(1, 1, b"x")])
    assert time.monotonic() - started < 10
    engine.dispose()


def _fill(engine: Engine, start: int, rows: int) -> None:
    with engine.begin() as conn:
        insert_rows(conn, things, ("id", "count", "payload"),
                    [(i, i, os.urandom(1000)) for i in range(start, start + rows)])


def test_the_log_starts_over_after_each_checkpoint_instead_of_growing(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    engine = _engine(f"sqlite:///{path}")
    checkpointer = sqlite._Checkpointer(every=3600)  # driven by hand here
    for round_ in range(10):
        with reading(engine) as reader:  # a snapshot open while the next rows are written
            reader.execute(select(things.c.id).limit(1)).all()
            _fill(engine, round_ * 1000, 1000)
        checkpointer._checkpoint(str(path))
    assert checkpointer.checkpointed_pages * sqlite.PAGE_SIZE > 8 * 1024 * 1024
    # Ten rounds of about 1 MB each: a log that never started over would hold all of it.
    assert os.path.getsize(f"{path}-wal") < 4 * 1024 * 1024
    engine.dispose()


def test_a_watched_database_is_checkpointed_in_the_background(tmp_path: Path) -> None:
    path = tmp_path / "watched.db"
    engine = _engine(f"sqlite:///{path}")
    checkpointer = sqlite._Checkpointer(every=0.1)
    checkpointer.watch(engine, str(path))
    before = os.path.getsize(path)
    _fill(engine, 0, 2000)
    deadline = time.monotonic() + 10
    while os.path.getsize(path) <= before + 1_000_000 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert os.path.getsize(path) > before + 1_000_000  # the rows reached the database file
    assert checkpointer.checkpointed_pages > 0
    engine.dispose()


# --- file modes (issue #19) ----------------------------------------------------------------

def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_a_fresh_sqlite_store_and_its_wal_shm_and_writer_lock_are_the_owners_only(
    tmp_path: Path,
) -> None:
    old_umask = os.umask(0o022)  # the usual umask, which gave 0644 before
    try:
        database = tmp_path / "store.db"
        engine = _engine(f"sqlite:///{database}")
        with engine.begin() as conn:
            insert_rows(conn, things, ("id", "count", "offset", "payload", "note"),
                        [(1, 1, None, b"x", None)])
        with reading(engine) as conn:  # a reader beside the open writer's log
            assert conn.execute(select(things.c.id)).all() == [(1,)]
            files = [database, Path(f"{database}-wal"), Path(f"{database}-shm"),
                     Path(sqlite.writer_lock(str(database)))]
            assert all(f.exists() for f in files), [f.name for f in files if not f.exists()]
            assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
        engine.dispose()
    finally:
        os.umask(old_umask)


def test_an_existing_sqlite_store_open_to_others_is_made_owner_only_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    database = tmp_path / "store.db"
    with sqlite3_driver.connect(database) as conn:  # as stores were made before: 0644
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    lock = Path(sqlite.writer_lock(str(database)))
    lock.touch()
    for f in (database, lock):
        f.chmod(0o644)
    caplog.set_level("WARNING", logger=sqlite.__name__)
    engine = _engine(f"sqlite:///{database}")
    assert _mode(database) == _mode(lock) == 0o600
    warned = [r for r in caplog.records if "owner-only" in r.getMessage()]
    assert {getattr(r, "file", None) for r in warned} == {str(database), str(lock)}
    assert {getattr(r, "old_mode", None) for r in warned} == {"0o644"}
    engine.dispose()


def test_an_owner_only_store_is_opened_without_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("WARNING", logger=sqlite.__name__)
    database = tmp_path / "store.db"
    _engine(f"sqlite:///{database}").dispose()
    _engine(f"sqlite:///{database}").dispose()
    assert not [r for r in caplog.records if r.name == sqlite.__name__]
