"""Issue #9 (c): slow and failing dependencies. An SMTP server that accepts and never
answers, then recovers; a text-message API answering 500, then 200; every store briefly
unavailable (PostgreSQL refusing and dropping connections; SQLite locked by another
process). The services degrade, retry and recover: nothing lost, nothing twice."""
from __future__ import annotations

import contextlib
import socket
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from clearway.common.broker import free_port
from clearway.common.devstack import SERVICES, Stack
from clearway.common.topics import DECISIONS, DELIVERIES
from tests.chaos.harness import (
    Expected,
    FakeSmsProvider,
    Pusher,
    Topics,
    check_everything,
    dataset,
    log,
    settle_deliveries_in_doubt,
    start_stack,
    summary_line,
    wait_until_settled,
)
from tests.conftest import drop_postgres_database, fresh_postgres_database

pytestmark = pytest.mark.e2e

CHANNELS = frozenset({"email", "sms", "letter"})
CASES = 300
OUTAGE_SECONDS = 8.0


class SmtpGate:
    """A TCP front of the SMTP sink. Closed, it accepts connections and never answers (no
    greeting: a server that hangs); open, it forwards both ways to the sink."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.is_open = threading.Event()
        self.held: list[socket.socket] = []
        self.accepted = 0
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            if not self.is_open.is_set():
                self.held.append(client)  # never a byte back
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def open(self) -> None:
        self.is_open.set()
        for s in self.held:
            with contextlib.suppress(OSError):
                s.close()

    def close(self) -> None:
        self.listener.close()
        for s in self.held:
            with contextlib.suppress(OSError):
                s.close()


def retrying(topics: Topics, channel: str, error: str) -> int:
    return sum(1 for d in topics.values[DELIVERIES]
               if d["channel"] == channel and d["status"] == "retrying"
               and error in (d["error"] or ""))


def run_through(stack: Stack, sms: FakeSmsProvider, events: list[dict], fault: Callable[
        [Topics], dict[str, object]], label: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Push the events, inject `fault` once the pipeline runs, settle, check everything."""
    expected = Expected.of(events, CHANNELS)
    started = time.monotonic()
    topics = Topics(stack.bootstrap_servers or "")
    try:
        pusher = Pusher(stack, events, batch=25, pace=1.0)  # still pushing during the fault
        pusher.start()
        deadline = time.monotonic() + 120
        while not topics.values[DECISIONS]:
            assert time.monotonic() < deadline, "no decision within 120 s"
            topics.poll()
        observed = fault(topics)
        pusher.finish(timeout=300)
        wait_until_settled(stack, topics, timeout=300)
        in_doubt = settle_deliveries_in_doubt(stack)
        if any(in_doubt.values()):
            wait_until_settled(stack, topics, timeout=120)
        findings = check_everything(stack, topics, expected, sms)
    finally:
        topics.close()
    line = summary_line(label, 1, str(observed), pusher.accepted, findings,
                        time.monotonic() - started)
    with capsys.disabled():
        print(f"\n{line}; ingest answers besides 200: {dict(pusher.answers)}; "
              f"in doubt {in_doubt}")
    assert pusher.accepted == expected.records and pusher.rejected == 0
    findings.assert_clean()


@pytest.fixture
def gate(tmp_path: Path) -> Iterator[Callable[[int], SmtpGate]]:
    gates: list[SmtpGate] = []

    def make(target: int) -> SmtpGate:
        gates.append(SmtpGate(target))
        return gates[-1]

    yield make
    for g in gates:
        g.close()


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_an_smtp_server_that_never_answers_delays_the_emails_and_loses_none(
        tmp_path: Path, sms: FakeSmsProvider, gate: Callable[[int], SmtpGate],
        capsys: pytest.CaptureFixture[str]) -> None:
    # The gate must listen before notify starts; it forwards to the sink Stack starts.
    smtp_gate = SmtpGate(0)
    stack = start_stack(tmp_path / "stack", sms, extra_env={
        "CLEARWAY_NOTIFY_SMTP_PORT": str(smtp_gate.port)})
    smtp_gate.target_port = stack.smtp_port
    try:
        def fault(topics: Topics) -> dict[str, object]:
            deadline = time.monotonic() + 60
            while retrying(topics, "email", "timeout") < 5:
                assert time.monotonic() < deadline, "no e-mail attempt timed out"
                topics.poll()
                time.sleep(0.2)
            time.sleep(OUTAGE_SECONDS)
            topics.poll()
            seen = {"smtp_timeouts": retrying(topics, "email", "timeout"),
                    "connections_held": len(smtp_gate.held)}
            smtp_gate.open()
            log(f"SMTP answers again after {seen}")
            return seen

        run_through(stack, sms, dataset(CASES), fault, "smtp never answers", capsys)
    finally:
        stack.stop()
        smtp_gate.close()


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_text_message_api_answering_500_then_200_gets_each_message_once(
        tmp_path: Path, sms: FakeSmsProvider, capsys: pytest.CaptureFixture[str]) -> None:
    sms.fail_with = 500
    stack = start_stack(tmp_path / "stack", sms)
    try:
        def fault(topics: Topics) -> dict[str, object]:
            deadline = time.monotonic() + 60
            while retrying(topics, "sms", "500") < 5:
                assert time.monotonic() < deadline, "no text message was refused"
                topics.poll()
                time.sleep(0.2)
            time.sleep(OUTAGE_SECONDS)
            sms.fail_with = None
            topics.poll()
            seen = {"sms_500": sms.refused, "retrying_events": retrying(topics, "sms", "500")}
            log(f"SMS API answers 200 again after {seen}")
            return seen

        run_through(stack, sms, dataset(CASES), fault, "sms 500 then 200", capsys)
    finally:
        stack.stop()


class Readiness(threading.Thread):
    """Samples every service's /readyz while a fault lasts: what operators would see."""

    def __init__(self, stack: Stack) -> None:
        super().__init__(daemon=True)
        self.stack = stack
        self.not_ready: Counter[str] = Counter()
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.wait(1.0):
            for name in SERVICES:
                try:
                    answer = httpx.get(f"{self.stack.url(name)}/readyz", timeout=8)
                    if answer.status_code != 200:
                        self.not_ready[name] += 1
                except httpx.HTTPError:
                    self.not_ready[name] += 1

    def __enter__(self) -> Readiness:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.halt.set()
        self.join(20)


def lock_sqlite(paths: list[Path], seconds: float) -> None:
    """Another process's exclusive lock on each store: writers wait (busy timeout)."""
    held = []
    try:
        for path in paths:
            conn = sqlite3.connect(path, timeout=30, isolation_level=None)
            conn.execute("BEGIN EXCLUSIVE")
            held.append(conn)
        time.sleep(seconds)
    finally:
        for conn in held:
            conn.execute("COMMIT")
            conn.close()


def block_postgres(admin: str, names: list[str], seconds: float) -> int:
    """Refuse new connections to each database and drop every open one, for `seconds`."""
    dropped = 0
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for name in names:
                dropped += len(conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()", (name,)).fetchall())
            time.sleep(0.5)
        for name in names:
            conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
    return dropped


@pytest.mark.timeout(300)
@pytest.mark.parametrize("backend", [
    pytest.param("sqlite", marks=pytest.mark.slow),
    # In the CI short form too: a store refusing connections is the harshest of these.
    pytest.param("postgresql", marks=pytest.mark.chaos_short),
])
def test_stores_briefly_unavailable_mid_run_delay_the_pipeline_and_lose_nothing(
        backend: str, tmp_path: Path, sms: FakeSmsProvider, request: pytest.FixtureRequest,
        capsys: pytest.CaptureFixture[str]) -> None:
    databases: dict[str, str] = {}
    urls: dict[str, str] = {}
    admin = ""
    if backend == "postgresql":
        admin = request.getfixturevalue("postgres_admin")
        for name in SERVICES:
            databases[name], urls[name] = fresh_postgres_database(admin)
    stack = start_stack(tmp_path / "stack", sms, database_urls=urls)
    try:
        def fault(topics: Topics) -> dict[str, object]:
            time.sleep(1.0)
            with Readiness(stack) as readiness:
                if backend == "sqlite":
                    paths = [stack.workdir / name / f"{name}.db" for name in SERVICES]
                    lock_sqlite(paths, OUTAGE_SECONDS)
                    seen: dict[str, object] = {"sqlite_locked_s": OUTAGE_SECONDS}
                else:
                    dropped = block_postgres(admin, list(databases.values()), OUTAGE_SECONDS)
                    seen = {"pg_refused_s": OUTAGE_SECONDS, "connections_dropped": dropped}
            seen["not_ready_samples"] = dict(readiness.not_ready)
            if backend == "postgresql":  # a store that refuses connections is not ready
                assert readiness.not_ready, "no service reported its store away"
            log(f"stores available again after {seen}")
            return seen

        run_through(stack, sms, dataset(CASES), fault, f"{backend} unavailable", capsys)
        for name in SERVICES:  # degraded and retried: no worker gave up
            log_text = stack.services[name][0].log_path.read_text(errors="replace")
            assert "worker stopped with an error" not in log_text, name
    finally:
        stack.stop()
        for name in databases.values():
            drop_postgres_database(admin, name)
