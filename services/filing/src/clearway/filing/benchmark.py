"""The county-scale bulk motion benchmark: N synthetic ready motions in a SQLite store, one
bulk motion of them, its time and the peak memory of the process that built it.

`bulk_benchmark(cases, workdir)` seeds the store in this process (straight inserts, fast),
then builds the bulk motion in a child process (`python -m clearway.filing.benchmark
--child ...`) so the peak RSS measured is the build's own. Names are synthetic: no real
people. Used by `make bench` and `clearway-filing bench-bulk`.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from clearway.common.db import make_engine
from clearway.filing.domain.lifecycle import Grant, motion_id

COURT = "CA-LA"
PREPARED_ON = dt.date(2026, 11, 25)
_SEED_CHUNK = 5000
_FIRST = ("ALEX", "JORDAN", "SAM", "TAYLOR", "MORGAN", "CASEY", "RILEY", "JAMIE", "AVERY",
          "QUINN", "ROWAN", "SKYLER", "DREW", "EMERSON", "FINLEY", "HAYDEN")
_LAST = ("TESTCASE", "SAMPLEMAN", "EXAMPLAR", "PLACEHOLD", "FICTIVO", "MOCKSON", "DUMMETT",
         "SYNTHIA", "NOPERSON", "MADEUPPA", "INVENTADO", "IMAGINA")
_SHAPES = (  # (statute, level, relief, procedure) per count; cycled through the cases
    (("HS 11359(b)", "felony", "reduce_to_misdemeanor", "application"),),
    (("HS 11357(a)", "misdemeanor", "dismiss_and_seal", "application"),),
    (("HS 11360(a)", "felony", "reduce_to_misdemeanor", "petition"),
     ("HS 11357(b)", "infraction", "dismiss_and_seal", "application")),
    (("HS 11358(c)", "felony", "reduce_to_misdemeanor", "application"),
     ("HS 11359(b)", "felony", "reduce_to_misdemeanor", "application")),
)


def _peak_rss_mb() -> float:
    """This process's peak resident set. On Linux from /proc (VmHWM): ru_maxrss of a
    child started by fork and exec also counts the parent's resident set at the fork (the
    kernel keeps the larger of the two), which made a 140 MB build read as the 800 MB of
    the benchmark process that started it."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _synthetic(i: int) -> dict[str, Any]:
    subject_id = f"SYN{i:08d}"
    case_number = f"BS{i:07d}"
    shape = _SHAPES[i % len(_SHAPES)]
    counts, grants = [], []
    for n, (statute, level, relief, procedure) in enumerate(shape, start=1):
        year = 2000 + i % 16
        counts.append({"count": n, "statute": statute, "description": "CANNABIS OFFENSE",
                       "level": level, "disposition": "convicted",
                       "disposition_date": f"{year}-0{1 + i % 9}-1{i % 10}"})
        grants.append(Grant(n, statute, relief, procedure, f"dec-{subject_id}-{n}"))
    return {"subject_id": subject_id, "case_number": case_number, "counts": counts,
            "grants": grants, "first_name": _FIRST[i % len(_FIRST)],
            "last_name": f"{_LAST[(i // len(_FIRST)) % len(_LAST)]}-{i}",
            "date_of_birth": dt.date(1950 + i % 40, 1 + i % 12, 1 + i % 28)}


def _chunks(cases: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, cases, _SEED_CHUNK):
        yield [_synthetic(i) for i in range(start, min(cases, start + _SEED_CHUNK))]


def seed_ready_motions(database_url: str, cases: int, court: str = COURT) -> float:
    """Insert `cases` synthetic people, cases, decisions and ready motions; returns seconds."""
    from clearway.filing.store import FilingStore, latest, motions, people
    from clearway.filing.store import cases as cases_t

    started = time.perf_counter()
    store = FilingStore(make_engine(database_url))
    now = time.time()
    when = "2026-01-01T00:00:00.000000Z"
    fake_pdf = hashlib.sha256(b"benchmark: no per-case PDF").hexdigest()
    with store.engine.begin() as conn:
        for chunk in _chunks(cases):
            conn.execute(people.insert(), [
                {"subject_id": c["subject_id"], "court": court, "first_name": c["first_name"],
                 "last_name": c["last_name"], "date_of_birth": c["date_of_birth"],
                 "occurred_at": when, "event_id": f"e-{c['subject_id']}"} for c in chunk])
            conn.execute(cases_t.insert(), [
                {"court": court, "case_number": c["case_number"], "subject_id": c["subject_id"],
                 "occurred_at": when, "event_id": f"e-{c['subject_id']}",
                 "counts": orjson.dumps(c["counts"])} for c in chunk])
            conn.execute(latest.insert(), [
                {"subject_id": c["subject_id"], "court": court, "case_number": c["case_number"],
                 "count": g.count, "version": 1, "decision_id": g.decision_id,
                 "relief": g.relief, "procedure": g.procedure, "statute": g.statute}
                for c in chunk for g in c["grants"]])
            conn.execute(motions.insert(), [
                {"motion_id": motion_id(c["subject_id"], court, c["case_number"], 0),
                 "subject_id": c["subject_id"], "court": court,
                 "case_number": c["case_number"], "sequence": 0, "status": "ready",
                 "grants": orjson.dumps([g.__dict__ for g in c["grants"]]),
                 "facts_sha256": None, "document_sha256": fake_pdf,
                 "prepared_on": PREPARED_ON, "created_at": now, "updated_at": now}
                for c in chunk])
    store.engine.dispose()
    return time.perf_counter() - started


def _child(database_url: str, documents_dir: str, court: str) -> dict[str, Any]:
    """Runs in the child process: build the bulk motion, report time and peak memory."""
    from clearway.filing.adapters.documents import FolderDocumentStore
    from clearway.filing.bulk import build_bulk_motion
    from clearway.filing.store import FilingStore

    store = FilingStore(make_engine(database_url))
    documents = FolderDocumentStore(Path(documents_dir))
    baseline = _peak_rss_mb()
    result = build_bulk_motion(store, documents, court, today=PREPARED_ON)
    return {"seconds": round(result.seconds, 2), "pages": result.pages,
            "motion_count": result.motion_count, "bulk_motion_id": result.bulk_motion_id,
            "peak_rss_mb": round(_peak_rss_mb(), 1), "baseline_rss_mb": round(baseline, 1),
            "pdf_bytes": documents.path(result.document_sha256, "pdf").stat().st_size,
            "csv_bytes": documents.path(result.csv_sha256, "csv").stat().st_size}


def bulk_benchmark(cases: int, workdir: Path, court: str = COURT) -> dict[str, Any]:
    """Seed `cases` ready motions into a new SQLite store under `workdir`, build their bulk
    motion in a child process, and return its figures: seconds (the build), peak_rss_mb
    (the child's peak resident set), pages, motion_count, seed_seconds, file sizes."""
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "filing-bench.db"
    for stale in (db, db.with_suffix(".db-wal"), db.with_suffix(".db-shm")):
        stale.unlink(missing_ok=True)
    database_url = f"sqlite:///{db.resolve()}"
    seed_seconds = seed_ready_motions(database_url, cases, court)
    child = subprocess.run(
        [sys.executable, "-m", "clearway.filing.benchmark", "--child", database_url,
         str(workdir / "documents"), court],
        capture_output=True, text=True, check=False)
    if child.returncode != 0:
        raise RuntimeError(f"the bulk build failed:\n{child.stderr[-4000:]}")
    figures: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return {"cases": cases, "court": court, **figures, "seed_seconds": round(seed_seconds, 2)}


def _main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", nargs=3, metavar=("DATABASE_URL", "DOCUMENTS", "COURT"))
    parser.add_argument("--cases", type=int, default=60_000)
    parser.add_argument("--workdir", type=Path, default=Path("var/bench-filing"))
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(*args.child)))
        return
    print(json.dumps(bulk_benchmark(args.cases, args.workdir)))


if __name__ == "__main__":
    _main()
