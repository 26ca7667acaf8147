"""SQLite as a store several processes share on one machine: WAL, writers that take
turns without sleeping, and checkpoints off the writers' path.

Every connection runs in WAL mode with synchronous=NORMAL (a commit survives a crash of
the process; the last ones may be lost with the machine's power). Transactions begin
IMMEDIATE (the write lock up front, so a writer waits rather than failing on a read-to-write
upgrade), except those marked read-only, which take a plain snapshot.

The store's files hold personal data and are the owner's only (mode 0600): the database
file, its `-wal` and `-shm`, and the writers' `.writer-lock` (`private_files`).
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
import stat
import threading
import time
import weakref
from typing import Any

from sqlalchemy import Engine, event

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 60
CHECKPOINT_EVERY_S = 10.0
# A safety net only: the checkpointer below keeps the log short. SQLite's own checkpoint
# runs inside a writer's commit, and with two workers on one store it ran in nearly every
# commit (readers keep the log from restarting): it cost a quarter of two workers'
# throughput (bench/README.md). 50,000 pages of PAGE_SIZE: 800 MB of log.
AUTOCHECKPOINT_PAGES = 50_000
JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024
CACHE_KIB = 16 * 1024  # per connection; SQLite's default is 2 MiB
# 16 KiB instead of SQLite's 4 KiB: the stores' rows are 0.3-1 KB (events, decisions,
# outbox messages), so a 4 KiB page held a handful and every batch split and logged many;
# eligibility's writes took a fifth less CPU (bench/README.md).
PAGE_SIZE = 16 * 1024
PRIVATE_MODE = 0o600


def configure(engine: Engine, read_only_option: str) -> None:
    database = engine.url.database
    on_disk = database not in (None, "", ":memory:")
    if database and on_disk and not database.startswith("file:"):
        private_files(database)
    turns = _WriterTurns(writer_lock(database) if database and on_disk else None,
                         BUSY_TIMEOUT_S)
    if database and on_disk:
        CHECKPOINTER.watch(engine, database)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # BEGIN is issued below
        cur = dbapi_conn.cursor()
        # Before WAL mode, which fixes it: a new file gets PAGE_SIZE pages (an existing
        # one keeps its own).
        cur.execute(f"PRAGMA page_size={PAGE_SIZE}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        cur.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        cur.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
        cur.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        if conn.get_execution_options().get(read_only_option):
            conn.exec_driver_sql("BEGIN")
            return
        dbapi_conn = conn.connection.dbapi_connection
        turns.wait(dbapi_conn)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            turns.done(dbapi_conn)
            raise

    # The turn ends once COMMIT or ROLLBACK has returned, when SQLite's lock is free too
    # (SQLAlchemy's commit event comes before): the next writer then never meets the lock
    # and never falls into SQLite's sleeping busy handler.
    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(dbapi_connection: Any) -> None:
        try:
            commit(dbapi_connection)
        finally:
            turns.done(dbapi_connection)

    def do_rollback(dbapi_connection: Any) -> None:
        try:
            rollback(dbapi_connection)
        finally:
            turns.done(dbapi_connection)

    dialect.do_commit = do_commit  # type: ignore[method-assign]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign]

    @event.listens_for(engine, "close")
    def _closed(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        turns.close(dbapi_conn)


class _WriterTurns:
    """Writers to one database file, in any process, take turns on an advisory file lock
    before BEGIN IMMEDIATE, polled every millisecond at most. SQLite's own busy handler
    polls in sleeps growing to 100 ms: with two eligibility workers on one store, a fifth
    of each worker's time went to those sleeps (bench/README.md). A writer that waits
    longer than the busy timeout goes on without its turn and SQLite decides, so a thread
    that nests two writes never waits on itself for ever.

    Each DBAPI connection has its own descriptor of the lock file (keyed by the
    connection's identity), so two connections of one process take turns as well."""

    def __init__(self, path: str | None, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self._fds: dict[int, int] = {}
        self._held: set[int] = set()

    def wait(self, dbapi_conn: Any) -> None:
        if self.path is None:
            return
        key = id(_raw(dbapi_conn))
        fd = self._fds.get(key)
        if fd is None:
            fd = self._fds[key] = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        if take_turn(fd, self.timeout):
            self._held.add(key)

    def done(self, dbapi_conn: Any) -> None:
        key = id(_raw(dbapi_conn))
        if key in self._held:
            self._held.discard(key)
            fcntl.flock(self._fds[key], fcntl.LOCK_UN)

    def close(self, dbapi_conn: Any) -> None:
        key = id(_raw(dbapi_conn))
        self._held.discard(key)
        fd = self._fds.pop(key, None)
        if fd is not None:
            os.close(fd)  # also ends a turn still held


def _raw(dbapi_conn: Any) -> Any:
    """The driver's connection, whether given it or the pool's proxy of it."""
    return getattr(dbapi_conn, "dbapi_connection", dbapi_conn)


def private_files(database: str) -> None:
    """Make the store's files the owner's only, before SQLite opens the database.

    A new database file is created here, empty (SQLite takes an empty file for a new
    database), with mode 0600, so it never exists with wider permissions; SQLite gives the
    `-wal` and `-shm` files it creates later the database file's mode. The writer lock is
    created 0600 as well. A file that already exists with any permission for group or
    others (a store created 0644 before this check, or copied in) is tightened to the
    owner's bits, with a warning naming the file and both modes (never its contents); one
    that cannot be changed (another owner) gets a warning and is left as it is."""
    path = os.path.abspath(database)
    for name in (path, writer_lock(path)):
        try:
            fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, PRIVATE_MODE)
        except FileExistsError:
            continue
        except OSError:  # no such folder, or not ours to write: SQLite will say so
            return
        try:
            os.fchmod(fd, PRIVATE_MODE)  # exactly 0600, whatever the umask
        finally:
            os.close(fd)
    for name in (path, f"{path}-wal", f"{path}-shm", writer_lock(path)):
        _owner_only(name)


def _owner_only(name: str) -> None:
    try:
        mode = stat.S_IMODE(os.stat(name).st_mode)
    except FileNotFoundError:
        return
    if not mode & 0o077:
        return
    tightened = mode & 0o700
    try:
        os.chmod(name, tightened)
    except OSError as exc:
        log.warning("store file is open to group or others and could not be made "
                    "owner-only; fix its mode (chmod 600)",
                    extra={"file": name, "mode": oct(mode), "error": type(exc).__name__})
        return
    log.warning("store file was open to group or others; made owner-only",
                extra={"file": name, "old_mode": oct(mode), "mode": oct(tightened)})


def writer_lock(database: str) -> str:
    """The file the writers of `database` take turns on (it holds no data)."""
    return f"{os.path.abspath(database)}.writer-lock"


def take_turn(fd: int, timeout: float) -> bool:
    """Lock `fd` exclusively, polling; False when `timeout` passed first."""
    deadline, pause = time.monotonic() + timeout, 0.0002
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.001)


class _Checkpointer:
    """One thread per process copies each watched database's write-ahead log into the
    database file, every few seconds, on a connection of its own. A first PASSIVE
    checkpoint copies the bulk while writers go on; a second one, in a writer's turn, copies
    the few pages written meanwhile, so the log is complete and the next writer starts it
    again from the top (the file is then cut to JOURNAL_SIZE_LIMIT). Without that turn,
    with writers always at work, the log was never complete and grew without end.
    Watching ends with the engine."""

    def __init__(self, every: float) -> None:
        self.every = every
        self._engines: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()
        self._open: dict[str, tuple[sqlite3.Connection, int]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.checkpointed_pages = 0

    def watch(self, engine: Engine, database: str) -> None:
        with self._lock:
            self._engines[engine] = os.path.abspath(database)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint",
                                                daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(self.every)
            with self._lock:
                paths = set(self._engines.values())
            for path in set(self._open) - paths:
                self._forget(path)
            for path in paths:
                try:
                    self._checkpoint(path)
                except (sqlite3.Error, OSError) as exc:  # removed or busy: next time
                    log.debug("checkpoint skipped", extra={"error": type(exc).__name__})
                    self._forget(path)

    def _checkpoint(self, path: str) -> None:
        if not os.path.exists(path + "-wal"):
            return
        if path not in self._open:
            conn = sqlite3.connect(path, timeout=0, isolation_level=None,
                                   check_same_thread=False)
            self._open[path] = (conn, os.open(writer_lock(path), os.O_RDWR | os.O_CREAT,
                                              0o600))
        conn, turn = self._open[path]
        self._passive(conn)
        if take_turn(turn, timeout=1.0):
            try:
                self._passive(conn)
            finally:
                fcntl.flock(turn, fcntl.LOCK_UN)

    def _passive(self, conn: sqlite3.Connection) -> None:
        busy, _frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if not busy and copied > 0:
            self.checkpointed_pages += copied

    def _forget(self, path: str) -> None:
        conn, turn = self._open.pop(path, (None, None))
        with contextlib.suppress(Exception):
            if conn is not None:
                conn.close()
            if turn is not None:
                os.close(turn)


CHECKPOINTER = _Checkpointer(CHECKPOINT_EVERY_S)
