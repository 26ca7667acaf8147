"""Bulk motions: thousands of ready motions of one court in one PDF and CSV, checked row by
row against the store; their lifecycle (included_in_bulk, filed) and its events."""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from clearway.common.db import make_engine
from clearway.common.events import BulkMotionEvent, Decision, MotionEvent, RecordEvent
from clearway.filing.adapters.documents import FolderDocumentStore
from clearway.filing.adapters.pdf import COVER_PAGES
from clearway.filing.bulk import BulkResult, NothingToFile, build_bulk_motion
from clearway.filing.domain.motion import EXHIBIT_COLUMNS, PROCEDURE_SHORT, RELIEF_WORDING
from clearway.filing.store import FilingStore, outbox
from tests.filing.builders import NOW, count, decision, disposition, stub_render

CASES = 5_200
PREPARED = dt.date(2026, 3, 2)
FIRST = ("Dana", "Zoë", "Łukasz", "Mai", "José", "Ana María")  # synthetic people only
SHAPES: tuple[tuple[tuple[int, str, str, str, str], ...], ...] = (
    ((1, "HS 11359(b)", "felony", "reduce_to_misdemeanor", "application"),),
    ((1, "HS 11357(a)", "misdemeanor", "dismiss_and_seal", "application"),),
    ((1, "HS 11360(a)", "felony", "reduce_to_misdemeanor", "petition"),
     (3, "HS 11357(b)", "infraction", "dismiss_and_seal", "application")),
    ((2, "HS 11358(c)", "felony", "reduce_to_misdemeanor", "application"),
     (4, "HS 11359(b)", "felony", "reduce_to_misdemeanor", "application")),
)


@dataclass(frozen=True)
class Case:
    subject_id: str
    case_number: str
    first_name: str
    last_name: str
    date_of_birth: dt.date
    counts: tuple[tuple[int, str, str, str, str], ...]

    def record(self, court: str = "CA-LA") -> RecordEvent:
        return disposition(self.subject_id, self.case_number, court=court,
                           first_name=self.first_name, last_name=self.last_name,
                           date_of_birth=self.date_of_birth.isoformat(),
                           counts=[count(n, statute, level, convicted="2011-05-0" + str(n))
                                   for n, statute, level, _, _ in self.counts])

    def decisions(self, court: str = "CA-LA") -> list[Decision]:
        return [decision(self.subject_id, self.case_number, n, relief, procedure,
                         statute=statute, court=court)
                for n, statute, _, relief, procedure in self.counts]


def synthetic(i: int, prefix: str = "LA") -> Case:
    return Case(f"{prefix}-S{i:06d}", f"{prefix}{i:07d}", FIRST[i % len(FIRST)],
                f"Testperson{i}", dt.date(1950 + i % 45, 1 + i % 12, 1 + i % 28),
                SHAPES[i % len(SHAPES)])


def load(store: FilingStore, cases: list[Case], court: str = "CA-LA",
         batch: int = 1000) -> None:
    for start in range(0, len(cases), batch):
        chunk = cases[start:start + batch]
        store.process([c.record(court) for c in chunk],
                      [d for c in chunk for d in c.decisions(court)], stub_render, NOW)


def expected_row(case: Case) -> list[str]:
    """What Exhibit A must say of a case, computed from what was fed in."""
    def per_count(values: list[str]) -> str:
        if len(set(values)) == 1:
            return values[0]
        return "; ".join(f"{c[0]}: {v}" for c, v in zip(case.counts, values, strict=True))

    return [case.case_number, f"{case.last_name}, {case.first_name}".upper(),
            case.date_of_birth.isoformat(), ", ".join(str(c[0]) for c in case.counts),
            ", ".join(c[1] for c in case.counts),
            per_count([RELIEF_WORDING[c[3]] for c in case.counts]),
            per_count([PROCEDURE_SHORT[c[4]] for c in case.counts])]


def staged(store: FilingStore) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return [orjson.loads(r.value) for r in conn.execute(
            select(outbox.c.value).order_by(outbox.c.id))]


@dataclass
class Built:
    store: FilingStore
    documents: FolderDocumentStore
    cases: dict[str, Case]
    ready_before: set[str]
    result: BulkResult
    events_before: int
    pdf: bytes
    csv_rows: list[list[str]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """5,200 ready motions of CA-LA, plus motions the bulk motion must leave out: another
    court's, drafts waiting for their record, withdrawn ones. Then one bulk motion."""
    tmp = tmp_path_factory.mktemp("bulk")
    store = FilingStore(make_engine(f"sqlite:///{tmp / 'filing.db'}"))
    documents = FolderDocumentStore(tmp / "documents")
    cases = [synthetic(i) for i in range(CASES)]
    load(store, cases)
    load(store, [synthetic(i, "SF") for i in range(50)], court="CA-SF")
    store.process([], [d for i in range(50) for d in synthetic(i, "DR").decisions()],
                  stub_render, NOW)  # drafts: no record yet
    gone = [synthetic(i, "WD") for i in range(50)]
    load(store, gone)
    store.process([], [decision(c.subject_id, c.case_number, n, "not_eligible", version=2)
                       for c in gone for n, *_ in c.counts], stub_render, NOW)
    ready_before = {m.case_number for m in _all(store, "CA-LA", "ready")}
    events_before = len(staged(store))

    result = build_bulk_motion(store, documents, "CA-LA", today=PREPARED)
    pdf = documents.open(result.document_sha256, "pdf").read()
    with documents.open(result.csv_sha256, "csv") as f:
        csv_rows = list(csv.reader(io.TextIOWrapper(f, encoding="utf-8", newline="")))
    yield Built(store, documents, {c.case_number: c for c in cases}, ready_before, result,
                events_before, pdf, csv_rows)
    store.engine.dispose()


def _all(store: FilingStore, court: str, status: str) -> list[Any]:
    rows, after = [], None
    while True:
        page = store.motions_of(court, status, 1000, after)
        rows += page
        if len(page) < 1000:
            return rows
        after = page[-1].motion_id


def test_the_bulk_motion_lists_every_ready_motion_of_the_court_and_nothing_else(
        built: Built) -> None:
    assert built.ready_before == set(built.cases)
    assert built.result.motion_count == CASES
    assert built.csv_rows[0] == list(EXHIBIT_COLUMNS)
    listed = [row[0] for row in built.csv_rows[1:]]
    assert len(listed) == len(set(listed)) == CASES
    assert set(listed) == built.ready_before


def test_each_csv_row_says_what_the_store_holds_for_its_case(built: Built) -> None:
    for row in built.csv_rows[1:]:
        assert row == expected_row(built.cases[row[0]])


def test_the_csv_is_in_case_number_order(built: Built) -> None:
    listed = [row[0] for row in built.csv_rows[1:]]
    assert listed == sorted(listed)


def test_the_first_and_last_exhibit_pages_hold_the_first_and_last_cases(built: Built) -> None:
    reader = PdfReader(io.BytesIO(built.pdf))
    assert len(reader.pages) == built.result.pages
    first_page = " ".join(reader.pages[COVER_PAGES + 1].extract_text().split())
    last_page = " ".join(reader.pages[-1].extract_text().split())
    first, last = built.csv_rows[1], built.csv_rows[-1]
    assert first[0] in first_page and first[1].split(",")[0] in first_page
    assert last[0] in last_page and f"End of Exhibit A: {CASES:,} cases." in last_page


def test_the_cover_motion_counts_the_cases_and_carries_a_proposed_order(built: Built) -> None:
    reader = PdfReader(io.BytesIO(built.pdf))
    cover = " ".join(" ".join(reader.pages[i].extract_text().split())
                     for i in range(COVER_PAGES))
    assert "SUPERIOR COURT OF CALIFORNIA, COUNTY OF LOS ANGELES" in cover
    assert f"{CASES:,} cases listed in Exhibit A" in cover
    assert "[PROPOSED] ORDER" in cover
    assert "11361.8(a)" in cover and "11361.8(e)" in cover


def test_every_listed_motion_is_included_in_bulk_with_an_event(built: Built) -> None:
    included = _all(built.store, "CA-LA", "included_in_bulk")
    assert {m.case_number for m in included} == built.ready_before
    assert {m.bulk_motion_id for m in included} == {built.result.bulk_motion_id}
    assert _all(built.store, "CA-LA", "ready") == []
    new = staged(built.store)[built.events_before:]
    motion_events = [MotionEvent.model_validate(e) for e in new if e["kind"] == "motion"]
    assert len(motion_events) == CASES
    assert {e.status for e in motion_events} == {"included_in_bulk"}
    assert {e.bulk_motion_id for e in motion_events} == {built.result.bulk_motion_id}
    (bulk_event,) = [BulkMotionEvent.model_validate(e) for e in new if e["kind"] == "bulk_motion"]
    assert (bulk_event.status, bulk_event.motion_count) == ("ready", CASES)
    assert bulk_event.document_sha256 == built.result.document_sha256
    assert bulk_event.csv_sha256 == built.result.csv_sha256


def test_the_bulk_motion_is_recorded_with_its_hashes_pages_and_time(built: Built) -> None:
    bulk = built.store.bulk(built.result.bulk_motion_id)
    assert bulk is not None
    assert (bulk["court"], bulk["status"], bulk["motion_count"]) == ("CA-LA", "ready", CASES)
    assert bulk["document_sha256"] == built.result.document_sha256
    assert bulk["pages"] == built.result.pages > CASES // 60
    assert 0 < float(bulk["seconds"]) == pytest.approx(built.result.seconds)  # type: ignore[arg-type]
    assert built.documents.exists(built.result.csv_sha256, "csv")


def test_a_second_bulk_motion_with_nothing_ready_is_refused(built: Built) -> None:
    with pytest.raises(NothingToFile):
        build_bulk_motion(built.store, built.documents, "CA-LA", today=PREPARED)


def test_other_courts_and_unfinished_motions_are_left_out(built: Built) -> None:
    assert len(_all(built.store, "CA-SF", "ready")) == 50
    assert len(_all(built.store, "CA-LA", "draft")) == 50
    assert len(_all(built.store, "CA-LA", "withdrawn")) == 50


def test_filing_a_bulk_motion_files_every_motion_it_lists_once(
        database_url: str, tmp_path: Path) -> None:
    store = FilingStore(make_engine(database_url))
    documents = FolderDocumentStore(tmp_path / "documents")
    load(store, [synthetic(i) for i in range(30)])
    result = build_bulk_motion(store, documents, "CA-LA", today=PREPARED)
    before = len(staged(store))

    bulk = store.file_bulk(result.bulk_motion_id, NOW)
    assert bulk is not None and bulk["status"] == "filed"
    assert {m.status for m in store.motions_of("CA-LA", limit=1000)} == {"filed"}
    new = staged(store)[before:]
    assert sorted(e["status"] for e in new if e["kind"] == "motion") == ["filed"] * 30
    assert [e["status"] for e in new if e["kind"] == "bulk_motion"] == ["filed"]
    store.file_bulk(result.bulk_motion_id, NOW)
    assert len(staged(store)) == before + 31


def test_a_motion_withdrawn_while_the_bulk_motion_is_built_is_not_listed(
        database_url: str, tmp_path: Path) -> None:
    store = FilingStore(make_engine(database_url))
    documents = FolderDocumentStore(tmp_path / "documents")
    cases = [synthetic(i) for i in range(20)]
    load(store, cases)
    victim = cases[7]
    streamed = store.ready_contents
    attempts = []

    def racing(court: str, today: dt.date) -> Iterator[Any]:
        attempts.append(court)
        for n, item in enumerate(streamed(court, today)):
            if n == 10 and len(attempts) == 1:  # the stream withdraws one meanwhile
                store.process([], [decision(victim.subject_id, victim.case_number, c[0],
                                            "not_eligible", version=2)
                                   for c in victim.counts], stub_render, NOW)
            yield item

    store.ready_contents = racing  # type: ignore[method-assign]
    result = build_bulk_motion(store, documents, "CA-LA", today=PREPARED)
    assert len(attempts) == 2
    assert result.motion_count == 19
    with documents.open(result.csv_sha256, "csv") as f:
        listed = {row[0] for row in csv.reader(io.TextIOWrapper(f, encoding="utf-8"))}
    assert victim.case_number not in listed
    (withdrawn,) = store.motions_of("CA-LA", "withdrawn")
    assert withdrawn.bulk_motion_id is None


def test_the_bulk_motion_of_an_empty_court_is_refused(database_url: str, tmp_path: Path) -> None:
    store = FilingStore(make_engine(database_url))
    with pytest.raises(NothingToFile):
        build_bulk_motion(store, FolderDocumentStore(tmp_path), "CA-LA")
    assert list(tmp_path.glob(".tmp-*")) == []
