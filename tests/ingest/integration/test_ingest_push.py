"""`clearway push FILE` against a running ingest (uvicorn on a port, in a thread): chunks,
rejects file, summary without values, and resuming after an interruption."""
from __future__ import annotations

import csv
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from clearway.common.broker import free_port
from clearway.ingest.api import build_app
from clearway.ingest.push import PushError, app, progress_path, push_file, rejects_path
from clearway.ingest.store import outbox
from tests.ingest.builders import ADMIN_KEY, changed, disposition, person, to_csv
from tests.ingest.conftest import settings_for


@pytest.fixture
def ingest_app(tmp_path: Path):
    application = build_app(settings_for(f"sqlite:///{tmp_path / 'ingest.db'}", tmp_path))
    yield application
    application.state.store.engine.dispose()


@pytest.fixture
def server(ingest_app) -> Iterator[str]:
    """Ingest serving HTTP on 127.0.0.1 (no lifespan: no broker, the outbox just fills)."""
    port = free_port()
    config = uvicorn.Config(ingest_app, host="127.0.0.1", port=port, lifespan="off",
                            log_config=None, access_log=False)
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(10)


def published_rows(ingest_app) -> int:
    with ingest_app.state.store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(outbox)).scalar_one())


def write_ndjson(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


def cli(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, ["push", *args, "--no-progress"], env=env)


class FlakyClient(TestClient):
    """Fails like a dropped connection on the given request numbers (1-based), optionally
    after the server has handled the request."""

    def __init__(self, *args, fail_on: set[int], after_server: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fail_on = fail_on
        self.after_server = after_server
        self.posts = 0

    def post(self, *args, **kwargs):  # type: ignore[override]
        self.posts += 1
        if self.posts in self.fail_on:
            if self.after_server:
                super().post(*args, **kwargs)
            raise httpx.ConnectError("connection dropped")
        return super().post(*args, **kwargs)


def test_push_sends_an_ndjson_file_and_reports_rejects_without_printing_values(
    server, ingest_app, tmp_path
):
    bad = changed(person(3), date_of_birth="1961-02-30")
    lines = [orjson.dumps(person(i)) for i in range(3)] + [orjson.dumps(bad), b"",
                                                            b"{not json"]
    lines += [orjson.dumps(person(i)) for i in range(4, 20)]
    path = write_ndjson(tmp_path / "records.ndjson", lines)

    result = cli(str(path), "--url", server, "--key", ADMIN_KEY, "--chunk", "7")
    assert result.exit_code == 0, result.output
    assert "records.ndjson: 19 accepted, 0 already accepted before, 2 rejected" in result.output
    assert "subject.date_of_birth (1)" in result.output and "<line> (1)" in result.output
    for value in ("Xanthippe", "Oddlebrook", "1961-02-30", "not json"):
        assert value not in result.output
    assert published_rows(ingest_app) == 19

    rejects = [orjson.loads(line) for line in rejects_path(path, "ndjson").read_bytes()
               .splitlines()]
    assert [(r["line"], r["errors"][0]["field"]) for r in rejects] == [
        (4, "subject.date_of_birth"), (6, "<line>")]
    assert rejects[0]["record"] == bad and rejects[1]["record"] == "{not json"
    state = orjson.loads(progress_path(path).read_bytes())
    assert state["complete"] and state["confirmed"] == 21


def test_push_sends_a_csv_in_pieces_without_splitting_an_events_rows(
    server, ingest_app, tmp_path
):
    events = [disposition(f"E-{i}", subject_id=f"CII{i}", counts=1 + i % 3) for i in range(12)]
    events[5]["case"]["counts"][1]["level"] = "petty"  # the second of event 5's three rows
    path = tmp_path / "records.csv"
    path.write_text(to_csv(events))

    result = cli(str(path), "--url", server, "--key", ADMIN_KEY, "--chunk", "4")
    assert result.exit_code == 0, result.output
    assert "11 accepted, 0 already accepted before, 1 rejected (24 rows)" in result.output
    assert "case.counts.*.level (1)" in result.output
    with ingest_app.state.store.engine.connect() as conn:
        counts = {orjson.loads(v)["event_id"]: len(orjson.loads(v)["case"]["counts"])
                  for (v,) in conn.execute(select(outbox.c.value))}
    assert counts == {f"E-{i}": 1 + i % 3 for i in range(12) if i != 5}

    with rejects_path(path, "csv").open(newline="") as f:
        rejected = list(csv.DictReader(f))
    # Event 5 is on file rows 11-13 (header row 1; events 0-4 take 1+2+3+1+2 rows) and went
    # in the second request, where it had other row numbers; the whole event is rejected
    # and row 12 says why.
    assert [r["row"] for r in rejected] == ["11", "12", "13"]
    assert rejected[1]["errors"].startswith("case.counts.1.level: Input should be")
    assert rejected[0]["errors"] == "rejected with the rest of its event; see row 12"
    assert rejected[0]["event_id"] == "E-5" and rejected[0]["first_name"] == "Zephyrine"


def test_an_interrupted_push_resumes_after_the_confirmed_lines(ingest_app, tmp_path):
    path = write_ndjson(tmp_path / "big.ndjson", [orjson.dumps(person(i)) for i in range(50)])
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    flaky = FlakyClient(ingest_app, headers=headers, fail_on={3})
    with pytest.raises(PushError):
        push_file(path, flaky, chunk_size=10, show_progress=False, retries=0)
    state = orjson.loads(progress_path(path).read_bytes())
    assert (state["confirmed"], state["next"], state["complete"]) == (20, 21, False)

    steady = FlakyClient(ingest_app, headers=headers, fail_on=set())
    summary = push_file(path, steady, chunk_size=10, show_progress=False)
    assert steady.posts == 3  # lines 21-50 only
    assert (summary.resumed_from, summary.confirmed) == (20, 50)
    assert (summary.accepted, summary.duplicates) == (50, 0)
    assert published_rows(ingest_app) == 50


def test_a_chunk_the_server_took_before_the_connection_dropped_is_safe_to_send_again(
    ingest_app, tmp_path
):
    events = [disposition(f"E-{i}", subject_id=f"CII{i}", counts=2) for i in range(10)]
    path = tmp_path / "records.csv"
    path.write_text(to_csv(events))
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    with pytest.raises(PushError):
        push_file(path, FlakyClient(ingest_app, headers=headers, fail_on={2},
                                    after_server=True),
                  chunk_size=6, show_progress=False, retries=0)
    summary = push_file(path, FlakyClient(ingest_app, headers=headers, fail_on=set()),
                        chunk_size=6, show_progress=False)
    assert summary.complete and summary.confirmed == 20
    assert (summary.accepted, summary.duplicates) == (10 - 3, 3)
    assert published_rows(ingest_app) == 10  # nothing published twice


def test_transient_server_trouble_is_retried_with_backoff(ingest_app, tmp_path):
    path = write_ndjson(tmp_path / "r.ndjson", [orjson.dumps(person(i)) for i in range(5)])
    client = FlakyClient(ingest_app, headers={"Authorization": f"Bearer {ADMIN_KEY}"},
                         fail_on={1, 2})
    pauses: list[float] = []
    summary = push_file(path, client, show_progress=False, sleep=pauses.append)
    assert summary.accepted == 5 and pauses == [1.0, 2.0]


def test_a_finished_push_is_not_sent_again_unless_restarted(server, ingest_app, tmp_path):
    path = write_ndjson(tmp_path / "r.ndjson", [orjson.dumps(person(i)) for i in range(5)])
    assert cli(str(path), "--url", server, "--key", ADMIN_KEY).exit_code == 0
    again = cli(str(path), "--url", server, "--key", ADMIN_KEY)
    assert again.exit_code == 0 and "was pushed completely before" in again.output
    restarted = cli(str(path), "--url", server, "--key", ADMIN_KEY, "--restart")
    assert "0 accepted, 5 already accepted before" in restarted.output
    assert published_rows(ingest_app) == 5


def test_a_file_changed_since_the_last_run_is_not_resumed_blindly(ingest_app, tmp_path):
    path = write_ndjson(tmp_path / "r.ndjson", [orjson.dumps(person(i)) for i in range(30)])
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    with pytest.raises(PushError):
        push_file(path, FlakyClient(ingest_app, headers=headers, fail_on={2}),
                  chunk_size=10, show_progress=False, retries=0)
    path.write_bytes(path.read_bytes().replace(b"Xanthippe", b"Xanthipp_"))
    with pytest.raises(PushError, match="changed since"):
        push_file(path, TestClient(ingest_app, headers=headers), chunk_size=10,
                  show_progress=False)


def test_a_refused_key_stops_the_push_and_says_how_to_resume(server, tmp_path):
    path = write_ndjson(tmp_path / "r.ndjson", [orjson.dumps(person(i)) for i in range(3)])
    result = cli(str(path), "--url", server, "--key", "cw_wrong_key")
    assert result.exit_code == 1
    assert "the API key was refused (401)" in result.output


def test_the_key_and_url_can_come_from_the_environment(server, ingest_app, tmp_path):
    path = write_ndjson(tmp_path / "r.jsonl", [orjson.dumps(person(i)) for i in range(3)])
    result = cli(str(path), env={"CLEARWAY_API_KEY": ADMIN_KEY, "CLEARWAY_URL": server})
    assert result.exit_code == 0, result.output
    assert published_rows(ingest_app) == 3


def test_a_file_of_unknown_format_needs_the_format_option(server, tmp_path):
    path = tmp_path / "records.txt"
    path.write_bytes(orjson.dumps(person(1)) + b"\n")
    result = cli(str(path), "--url", server, "--key", ADMIN_KEY)
    assert result.exit_code == 1 and "--format" in result.output
    assert cli(str(path), "--url", server, "--key", ADMIN_KEY, "--format", "ndjson"
               ).exit_code == 0
