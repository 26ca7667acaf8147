"""The DOJ research file through `clearway push --format doj` and `POST /v1/records:doj`
into a running ingest: every row accounted for, a second import adds nothing, resuming
after an interruption, and a key refused the courts it may not act for."""
from __future__ import annotations

import csv
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
import uvicorn
from sqlalchemy import func, select
from typer.testing import CliRunner

from clearway.common.broker import free_port
from clearway.common.datagen import DOJ_COLUMNS, doj_lines
from clearway.ingest.api import build_app
from clearway.ingest.domain.doj import POSSIBLE_CANNABIS_PREFIX, Tally, parse_text
from clearway.ingest.push import app, progress_path, push_file, rejects_path
from clearway.ingest.store import outbox
from tests.ingest.builders import ADMIN_KEY
from tests.ingest.conftest import settings_for
from tests.ingest.unit.test_ingest_doj import doj, row


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


def stored(ingest_app) -> int:
    with ingest_app.state.store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(outbox)).scalar_one())


def cli(*args: str):
    return CliRunner().invoke(app, ["push", *args, "--no-progress"])


def number(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    assert found, text
    return int(found.group(1))


def test_a_synthetic_file_of_10000_people_imports_with_every_row_accounted_for(
    server, ingest_app, tmp_path
):
    path = tmp_path / "doj-research.txt"
    path.write_text("".join(doj_lines(10_000, seed=20)))
    rows = sum(1 for _ in path.open()) - 1  # the header line
    expected = parse_text(path.read_text())
    tally = Tally()
    tally.add(expected)

    result = cli(str(path), "--format", "doj", "--url", server, "--key", ADMIN_KEY)
    assert result.exit_code == 0, result.output
    out = result.output
    accepted = number(r": (\d+) events accepted", out)
    assert accepted == len(expected.events) > 15_000
    assert "0 already accepted before, 0 refused by ingest" in out
    read = number(r"rows: (\d+) read", out)
    imported = number(r"(\d+) imported", out)
    rejected = number(r"(\d+) rejected", out)
    without = number(r"(\d+) without an event", out)
    assert read == rows == imported + rejected + without
    assert (imported, rejected) == (tally.imported, tally.rejected) and rejected > 0
    assert number(r"possible cannabis counts .*?: (\d+)", out) == len(tally.flagged_rows) > 0
    assert stored(ingest_app) == accepted
    # No name or birth date from the file reaches the terminal.
    for line in path.read_text().splitlines()[1:200]:
        cells = line.split("|")
        if len(cells) == len(DOJ_COLUMNS):
            assert cells[DOJ_COLUMNS.index("PRI_NAME")] not in out
            assert cells[DOJ_COLUMNS.index("PRI_DOB")] not in out

    with rejects_path(path, "doj").open(newline="") as f:
        rejected_rows = list(csv.reader(f))
    assert rejected_rows[0][:3] == ["row", "errors", "RECORD_ID"]
    assert len(rejected_rows) - 1 == rejected
    assert all(r[1] for r in rejected_rows[1:])  # every one says why
    ssn = 2 + DOJ_COLUMNS.index("PRI_SSN")
    assert all(len(r) <= ssn or r[ssn] == "" for r in rejected_rows[1:])

    # The same file again is the same events: nothing new is stored or published.
    again = cli(str(path), "--format", "doj", "--url", server, "--key", ADMIN_KEY,
                "--restart")
    assert again.exit_code == 0, again.output
    assert f"0 events accepted, {accepted} already accepted before" in again.output
    assert stored(ingest_app) == accepted


def test_several_files_go_in_one_run_and_a_comma_file_without_header_reads_too(
    server, ingest_app, tmp_path
):
    piped = tmp_path / "a.txt"
    piped.write_text("".join(doj_lines(50, seed=1)))
    commas = tmp_path / "b.csv"
    commas.write_text("".join(doj_lines(50, seed=2, delimiter=",", header=False)))
    result = cli(str(piped), str(commas), "--format", "doj", "--url", server, "--key",
                 ADMIN_KEY)
    assert result.exit_code == 0, result.output
    assert "a.txt:" in result.output and "b.csv:" in result.output
    expected = len(parse_text(piped.read_text()).events) + len(
        parse_text(commas.read_text()).events)
    assert stored(ingest_app) == expected


def test_an_interrupted_doj_push_resumes_without_splitting_a_person(ingest_app, tmp_path):
    from fastapi.testclient import TestClient

    path = tmp_path / "doj.txt"
    path.write_text("".join(doj_lines(300, seed=4)))
    expected = parse_text(path.read_text())

    class Interrupting(TestClient):
        posts = 0

        def post(self, *args, **kwargs):  # type: ignore[override]
            Interrupting.posts += 1
            if Interrupting.posts == 3:
                raise KeyboardInterrupt
            return super().post(*args, **kwargs)

    client = Interrupting(ingest_app, headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    with pytest.raises(KeyboardInterrupt):
        push_file(path, client, fmt="doj", chunk_size=50, show_progress=False)
    state = orjson.loads(progress_path(path).read_bytes())
    assert not state["complete"] and state["confirmed"] > 0

    summary = push_file(path, client, fmt="doj", chunk_size=50, show_progress=False)
    assert summary.complete and summary.resumed_from == state["confirmed"]
    assert summary.tally is not None
    assert summary.tally.rows == summary.confirmed == expected.rows
    assert summary.accepted + summary.duplicates == len(expected.events)
    assert stored(ingest_app) == len(expected.events)
    with rejects_path(path, "doj").open() as f:
        assert sum(1 for _ in f) - 1 == summary.tally.rejected


def test_the_upload_endpoint_answers_per_row_like_the_csv_upload(ingest_app):
    from fastapi.testclient import TestClient

    text = doj(row(), row(CNT_ORDER="2", OFFENSE_DESCR="32 PC-ACCESSORY",
                          COMMENT_TEXT="ORIG 11359 HS"),
               row(STP_TYPE_DESCR="ARREST/DETAINED/CITED", STP_ORDER="1"),
               row(CII_NUMBER="A2", STP_ORI_CNTY_NAME="OUT OF STATE"), header=True)
    client = TestClient(ingest_app, headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    answer = client.post("/v1/records:doj", content=text,
                         headers={"Content-Type": "text/plain"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (1, 0, 1)
    assert body["errors"] == [{"row": 5, "errors": [{
        "field": "STP_ORI_CNTY_NAME", "type": "county",
        "message": "STP_ORI_CNTY_NAME is not one of California's 58 counties"}]}]
    assert body["rows"] == {"read": 4, "imported": 2, "rejected": 1,
                            "no_event": {"non_court_step": 1}}
    assert body["possible_cannabis_rows"] == [3]
    again = client.post("/v1/records:doj", files={"file": ("doj.txt", text, "text/plain")})
    assert again.status_code == 200
    assert (again.json()["accepted"], again.json()["duplicates"]) == (0, 1)
    with ingest_app.state.store.engine.connect() as conn:
        (value,) = conn.execute(select(outbox.c.value)).scalars().all()
    counts = orjson.loads(value)["case"]["counts"]
    assert counts[1]["description"] == POSSIBLE_CANNABIS_PREFIX + "ORIG 11359 HS"


def test_the_upload_endpoint_refuses_a_court_the_key_may_not_act_for(ingest_app):
    from fastapi.testclient import TestClient

    secret = ingest_app.state.keys.create("LA clerk", ["records:write"], ["CA-LA"])
    client = TestClient(ingest_app, headers={"Authorization": f"Bearer {secret}"})
    text = doj(row(), row(CII_NUMBER="A2", STP_ORI_CNTY_NAME="SAN FRANCISCO"))
    body = client.post("/v1/records:doj", content=text,
                       headers={"Content-Type": "text/plain"}).json()
    assert (body["accepted"], body["rejected"]) == (1, 1)
    (refused,) = body["errors"]
    assert refused["row"] == 2 and refused["rows"] == [2]
    assert refused["errors"] == [{"field": "STP_ORI_CNTY_NAME", "type": "forbidden",
                                  "message": "this key may not write for the court of this "
                                  "row's county"}]
    assert body["rows"]["rejected"] == 1 and body["rows"]["imported"] == 1


def test_the_upload_endpoint_refuses_a_header_that_is_not_the_doj_layout(ingest_app):
    from fastapi.testclient import TestClient

    client = TestClient(ingest_app, headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    header = "|".join(["RECORD_ID", "NAME", *DOJ_COLUMNS[2:]])
    answer = client.post("/v1/records:doj", content=header + "\n" + row() + "\n",
                         headers={"Content-Type": "text/plain"})
    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_header"
    assert "column 2 is not SUBJECT_STATUS" in answer.json()["errors"][0]["message"]
