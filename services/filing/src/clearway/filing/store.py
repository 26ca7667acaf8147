"""The filing store: the people and cases filing needs (from court.records.v1), the current
decision of each count, court orders, motions and bulk motions, and the outbox to
filing.motions.v1. SQLite by default, PostgreSQL by URL (SQLAlchemy Core).

`process()` applies a batch of records and decisions in three steps, so that rendering
PDFs (tens of milliseconds each) never happens inside a database transaction:

1. one transaction: new records and decisions are saved, each touched case is reconciled
   (`lifecycle.plan`), motions are created as drafts or withdrawn, court orders applied;
   every transition's event is staged in the outbox in the same transaction;
2. no transaction: the drafts whose court record is known are rendered to the document
   store (content-addressed, so rendering twice is harmless);
3. one transaction: each rendered draft that is still a draft with the same content gets
   its document hash and becomes `ready` (and its event is staged).

A crash between 1 and 3 leaves drafts; the next `process()` after a start or a failure
sweeps every renderable draft first. Redelivered records (same court + event_id) and
decisions (a version not newer than the stored one) change nothing and stage nothing.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import (
    Column,
    Connection,
    Date,
    Engine,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    exists,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from clearway.common.auth import api_keys_table
from clearway.common.db import reading
from clearway.common.dedupe import first_time, processed_events_table, select_by_court
from clearway.common.events import (
    GRANTED_RELIEFS,
    BulkMotionEvent,
    Decision,
    MotionEvent,
    RecordEvent,
)
from clearway.common.migrations import Migrations
from clearway.common.outbox import OutboxMessage, add_to_outbox, outbox_table
from clearway.common.topics import MOTIONS
from clearway.filing.domain.lifecycle import (
    PENDING,
    RULED,
    Grant,
    PendingMotion,
    bulk_motion_id,
    check_transition,
    facts_fingerprint,
    motion_id,
    plan,
    status_after_order,
)
from clearway.filing.domain.motion import Defendant, GrantedCount, MotionContent

log = logging.getLogger(__name__)

SOURCE = "clearway/filing"
CHUNK = 500  # ids per IN (...) and rows per outbox insert

# Stores a motion's PDF and returns its SHA-256. A renderer may also offer
# `many(contents) -> shas` to render a batch at once (stream.PdfRenderer does, in parallel).
Render = Callable[[MotionContent], str]

metadata = MetaData()
# The store's schema migrations (Alembic, clearway/filing/migrations/), run at start.
MIGRATIONS = Migrations("filing", Path(__file__).with_name("migrations"), metadata)
outbox = outbox_table(metadata)
api_keys = api_keys_table(metadata)
# Each court's record of the person (names and birth date as that court last gave them): a
# motion for a case prints its own court's view; another court's record never overwrites it.
people = Table(
    "people", metadata,
    Column("subject_id", String(64), primary_key=True),
    Column("court", String(20), primary_key=True),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("date_of_birth", Date, nullable=False),
    Column("occurred_at", String(40), nullable=False),  # UTC, fixed width: sorts as text
    Column("event_id", String(128), nullable=False),
)
cases = Table(
    "cases", metadata,
    Column("court", String(20), primary_key=True),
    Column("case_number", String(40), primary_key=True),
    Column("subject_id", String(64), nullable=False, index=True),
    Column("occurred_at", String(40), nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("counts", LargeBinary, nullable=False),  # JSON, as on the record
)
processed = processed_events_table(metadata)
latest = Table(
    "latest_decisions", metadata,
    Column("subject_id", String(64), primary_key=True),
    Column("court", String(20), primary_key=True),
    Column("case_number", String(40), primary_key=True),
    Column("count", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("decision_id", String(64), nullable=False),
    Column("relief", String(30), nullable=False),
    Column("procedure", String(20), nullable=True),
    Column("statute", String(80), nullable=False),
)
court_orders = Table(
    "court_orders", metadata,
    Column("court", String(20), primary_key=True),
    Column("case_number", String(40), primary_key=True),
    Column("count", Integer, primary_key=True),
    Column("outcome", String(10), nullable=False),
    Column("relief", String(30), nullable=False),
    Column("order_date", Date, nullable=False),
    Column("event_id", String(128), nullable=False),
)
motions = Table(
    "motions", metadata,
    Column("motion_id", String(36), primary_key=True),
    Column("subject_id", String(64), nullable=False, index=True),
    Column("court", String(20), nullable=False),
    Column("case_number", String(40), nullable=False),
    Column("sequence", Integer, nullable=False),  # 0, 1, ... within the case
    Column("status", String(20), nullable=False, index=True),
    Column("grants", LargeBinary, nullable=False),  # JSON list of Grant
    Column("facts_sha256", String(64), nullable=True),  # what the document was rendered from
    Column("document_sha256", String(64), nullable=True),
    Column("prepared_on", Date, nullable=True),
    Column("outcomes", LargeBinary, nullable=True),  # JSON {count: granted|denied}
    Column("bulk_motion_id", String(36), nullable=True, index=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)
bulk_motions = Table(
    "bulk_motions", metadata,
    Column("bulk_motion_id", String(36), primary_key=True),
    Column("court", String(20), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("motion_count", Integer, nullable=False),
    Column("pages", Integer, nullable=False),
    Column("document_sha256", String(64), nullable=False),
    Column("csv_sha256", String(64), nullable=False),
    Column("seconds", Float, nullable=False),
    Column("prepared_on", Date, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("filed_at", Float, nullable=True),
)
Index("ix_motions_case", motions.c.court, motions.c.case_number)
Index("ix_motions_court_status", motions.c.court, motions.c.status, motions.c.case_number)
Index("ix_latest_case", latest.c.court, latest.c.case_number)

CaseKey = tuple[str, str, str]  # subject_id, court, case_number


class BulkConflict(Exception):
    """Motions listed in a bulk motion changed while it was being built."""


class ConcurrentChange(RuntimeError):
    """Another writer changed a motion first; the batch is retried (and sees the change)."""


@dataclass(frozen=True)
class MotionRow:
    motion_id: str
    subject_id: str
    court: str
    case_number: str
    sequence: int
    status: str
    grants: tuple[Grant, ...]
    facts_sha256: str | None
    document_sha256: str | None
    prepared_on: dt.date | None
    outcomes: dict[int, str]
    bulk_motion_id: str | None
    created_at: float
    updated_at: float

    @property
    def procedure(self) -> str | None:
        procedures = {g.procedure for g in self.grants}
        return procedures.pop() if len(procedures) == 1 else None

    def as_dict(self) -> dict[str, object]:
        """The API's view: ids, court, case, counts and their relief; never a name."""
        return {
            "motion_id": self.motion_id, "subject_id": self.subject_id, "court": self.court,
            "case_number": self.case_number, "status": self.status,
            "counts": [{"count": g.count, "statute": g.statute, "relief": g.relief,
                        "procedure": g.procedure, "decision_id": g.decision_id,
                        "order": self.outcomes.get(g.count)} for g in self.grants],
            "procedure": self.procedure,
            "document_sha256": self.document_sha256,
            "prepared_on": self.prepared_on.isoformat() if self.prepared_on else None,
            "bulk_motion_id": self.bulk_motion_id,
            "created_at": _iso(self.created_at), "updated_at": _iso(self.updated_at),
        }


def _iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).isoformat()


def _utc(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _grants(raw: bytes) -> tuple[Grant, ...]:
    return tuple(Grant(**g) for g in orjson.loads(raw))


def _dump_grants(grants: Iterable[Grant]) -> bytes:
    return orjson.dumps([g.__dict__ for g in grants])


def _row(r: Any) -> MotionRow:
    outcomes = {int(k): v for k, v in orjson.loads(r.outcomes).items()} if r.outcomes else {}
    return MotionRow(r.motion_id, r.subject_id, r.court, r.case_number, r.sequence, r.status,
                     _grants(r.grants), r.facts_sha256, r.document_sha256, r.prepared_on,
                     outcomes, r.bulk_motion_id, r.created_at, r.updated_at)


@dataclass(frozen=True)
class _Case:
    subject_id: str
    occurred_at: str
    event_id: str
    counts: bytes


@dataclass(frozen=True)
class _Person:
    subject_id: str
    court: str
    first_name: str
    last_name: str
    date_of_birth: dt.date
    occurred_at: str
    event_id: str

    def identity(self) -> tuple[str, str, dt.date]:
        return (self.first_name, self.last_name, self.date_of_birth)

    def values(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k not in ("subject_id", "court")}


def _select_in(conn: Connection, stmt: Callable[[list[Any]], Any],
               keys: Sequence[Any]) -> Iterator[Any]:
    """Rows of `stmt(chunk)` for each chunk of `keys` (bounded IN lists)."""
    keys = list(keys)
    for i in range(0, len(keys), CHUNK):
        yield from conn.execute(stmt(keys[i:i + CHUNK]))


def _load_cases(conn: Connection, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], _Case]:
    return {(r.court, r.case_number): _Case(r.subject_id, r.occurred_at, r.event_id, r.counts)
            for r in select_by_court(conn, lambda court, numbers: select(cases).where(
                cases.c.court == court, cases.c.case_number.in_(numbers)), pairs)}


PersonKey = tuple[str, str]  # subject_id, court


def _load_people(conn: Connection, keys: Iterable[PersonKey]) -> dict[PersonKey, _Person]:
    """Each (person, court)'s record, for the pairs asked."""
    wanted = set(keys)
    return {(r.subject_id, r.court): _Person(r.subject_id, r.court, r.first_name, r.last_name,
                                             r.date_of_birth, r.occurred_at, r.event_id)
            for r in _select_in(conn, lambda ids: select(people).where(
                people.c.subject_id.in_(ids)), sorted({s for s, _ in wanted}))
            if (r.subject_id, r.court) in wanted}


def _upsert(conn: Connection, table: Table, key: tuple[str, ...], rows: list[dict[str, Any]],
            existing: set[tuple[Any, ...]]) -> None:
    """Insert the rows whose key is not in `existing`, update the others (executemany)."""
    inserts = [r for r in rows if tuple(r[k] for k in key) not in existing]
    updates = [r for r in rows if tuple(r[k] for k in key) in existing]
    if inserts:
        conn.execute(table.insert(), inserts)
    if updates:
        columns = [c.name for c in table.columns if c.name not in key]
        conn.execute(update(table).where(*(table.c[k] == bindparam(f"b_{k}") for k in key))
                     .values({c: bindparam(f"b_{c}") for c in columns}),
                     [{f"b_{k}": v for k, v in r.items()} for r in updates])


def _expect(conn: Connection, stmt: Any, params: list[dict[str, Any]]) -> None:
    """An executemany UPDATE that must change one row per parameter set; ConcurrentChange
    (the transaction rolls back and the batch is retried) when another writer came first."""
    changed = conn.execute(stmt, params).rowcount
    if conn.dialect.supports_sane_multi_rowcount and changed != len(params):
        raise ConcurrentChange(f"{len(params) - changed} motion(s) changed concurrently")


def _content_of(key: CaseKey, grants: Sequence[Grant],
                known_cases: dict[tuple[str, str], _Case],
                known_people: dict[PersonKey, _Person],
                today: dt.date) -> MotionContent | None:
    """What a motion for these grants says, or None while the record is missing."""
    subject_id, court, case_number = key
    case = known_cases.get((court, case_number))
    person = known_people.get((subject_id, court))
    if person is None or case is None or case.subject_id != subject_id:
        return None
    return _build_content(court, case_number, person, case.counts, grants, today)


class FilingStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        MIGRATIONS.ensure_current(engine)
        self._sweep_due = True  # render drafts a crash may have left, on the first batch

    def _read(self) -> Connection:
        """A connection for reads. On SQLite it takes a WAL snapshot without the write lock
        (the service's transactions begin IMMEDIATE): a bulk motion streaming 60,000 rows
        for a minute must not stop the consumer from writing."""
        return reading(self.engine)

    # -- the pipeline -----------------------------------------------------------------
    def process(self, records: Sequence[RecordEvent], decisions: Sequence[Decision],
                render: Render, now: dt.datetime) -> int:
        """Apply a batch (see the module docstring). Returns the number of events staged."""
        today = now.date()
        with self.engine.begin() as conn:
            staged, drafts = self._apply(conn, records, decisions, today, now)
            add_to_outbox(conn, outbox, staged)
        try:
            if self._sweep_due:
                drafts = list({mid: c for mid, c in self.renderable_drafts(today) + drafts}
                              .items())
                self._sweep_due = False
            return len(staged) + self._render(drafts, render, now)
        except BaseException:
            self._sweep_due = True
            raise

    def render_drafts(self, render: Render, now: dt.datetime) -> int:
        """Render every draft whose court record is known (recovery; the CLI)."""
        return self._render(self.renderable_drafts(now.date()), render, now)

    def _apply(self, conn: Connection, records: Sequence[RecordEvent],
               decisions: Sequence[Decision], today: dt.date, now: dt.datetime
               ) -> tuple[list[OutboxMessage], list[tuple[str, MotionContent]]]:
        """Step 1, batched: a few IN (...) reads and executemany writes per batch, not a
        round of queries per record (a consumer batch holds up to thousands)."""
        fresh = first_time(conn, processed, records)
        dispositions = [r for r in fresh if r.case is not None]
        orders = [r for r in fresh if r.order is not None]
        known_cases = _load_cases(conn, {(r.court, r.case.case_number)  # type: ignore[union-attr]
                                         for r in dispositions})
        known_people = _load_people(conn, {(r.subject_id, r.court) for r in dispositions})
        touched = self._save_dispositions(conn, dispositions, known_cases, known_people)
        touched |= self._save_decisions(conn, decisions)
        staged, drafts = self._reconcile(conn, touched, known_cases, known_people, today, now)
        for record in orders:  # after reconciling: an order may rule on a motion just made
            staged += self._apply_order(conn, record, now)
        return staged, drafts

    def _save_dispositions(self, conn: Connection, dispositions: Sequence[RecordEvent],
                           known_cases: dict[tuple[str, str], _Case],
                           known_people: dict[PersonKey, _Person]) -> set[CaseKey]:
        """Keep the newest record of each case and person (a later disposition of the same
        court + case number is a correction; an older one arriving late loses). Returns the
        cases to reconcile: those whose record changed, and every case with a pending
        motion of a person whose name or birth date, as that court gives them, changed."""
        cases_before, people_before = dict(known_cases), dict(known_people)
        touched: set[CaseKey] = set()
        for record in dispositions:  # in the order they happened
            assert record.case is not None
            s, pair = record.subject, (record.court, record.case.case_number)
            when = (_utc(record.occurred_at), record.event_id)
            old = known_cases.get(pair)
            if old is None or (old.occurred_at, old.event_id) < when:
                known_cases[pair] = _Case(s.subject_id, *when, orjson.dumps(
                    [c.model_dump(mode="json") for c in record.case.counts]))
                if old is not None and old.subject_id != s.subject_id:
                    touched.add((old.subject_id, *pair))
                touched.add((s.subject_id, *pair))
            who = (s.subject_id, record.court)
            person = known_people.get(who)
            if person is None or (person.occurred_at, person.event_id) < when:
                assert s.first_name and s.last_name and s.date_of_birth
                known_people[who] = _Person(s.subject_id, record.court, s.first_name,
                                            s.last_name, s.date_of_birth, *when)
        changed_cases = [p for p, c in known_cases.items() if cases_before.get(p) is not c]
        _upsert(conn, cases, ("court", "case_number"),
                [{"court": p[0], "case_number": p[1], **known_cases[p].__dict__}
                 for p in changed_cases], {p for p in changed_cases if p in cases_before})
        changed_people = [k for k, p in known_people.items() if people_before.get(k) is not p]
        _upsert(conn, people, ("subject_id", "court"),
                [{"subject_id": k[0], "court": k[1], **known_people[k].values()}
                 for k in changed_people],
                {k for k in changed_people if k in people_before})
        renamed = {k for k in changed_people if k in people_before
                   and people_before[k].identity() != known_people[k].identity()}
        for r in _select_in(conn, lambda ids: select(
                motions.c.subject_id, motions.c.court, motions.c.case_number).where(
                motions.c.subject_id.in_(ids), motions.c.status.in_(PENDING)),
                sorted({s for s, _ in renamed})):
            if (r.subject_id, r.court) in renamed:
                touched.add((r.subject_id, r.court, r.case_number))
        return touched

    def _save_decisions(self, conn: Connection, decisions: Sequence[Decision]) -> set[CaseKey]:
        """Keep the newest version of each count's decision; returns the cases it changed.
        A redelivered or older version changes nothing."""
        keys = list({(d.subject_id, d.court, d.case_number, d.count) for d in decisions})
        wanted = set(keys)
        stored = {}
        for r in _select_in(conn, lambda ids: select(
                latest.c.subject_id, latest.c.court, latest.c.case_number, latest.c.count,
                latest.c.version).where(latest.c.subject_id.in_(ids)),
                sorted({k[0] for k in keys})):
            key = (r.subject_id, r.court, r.case_number, r.count)
            if key in wanted:
                stored[key] = r.version
        in_db = set(stored)
        newest: dict[tuple[str, str, str, int], Decision] = {}
        for d in sorted(decisions, key=lambda d: d.version):
            key = (d.subject_id, d.court, d.case_number, d.count)
            if d.version > stored.get(key, 0):
                stored[key], newest[key] = d.version, d
        _upsert(conn, latest, ("subject_id", "court", "case_number", "count"),
                [{"subject_id": d.subject_id, "court": d.court, "case_number": d.case_number,
                  "count": d.count, "version": d.version, "decision_id": d.decision_id,
                  "relief": d.relief, "procedure": d.procedure, "statute": d.statute}
                 for d in newest.values()], in_db)
        return {(k[0], k[1], k[2]) for k in newest}

    def _reconcile(self, conn: Connection, touched: set[CaseKey],
                   known_cases: dict[tuple[str, str], _Case],
                   known_people: dict[PersonKey, _Person], today: dt.date, now: dt.datetime
                   ) -> tuple[list[OutboxMessage], list[tuple[str, MotionContent]]]:
        """Plan each touched case (`lifecycle.plan`) and carry the plans out."""
        staged: list[OutboxMessage] = []
        drafts: list[tuple[str, MotionContent]] = []
        if not touched:
            return staged, drafts
        pairs = sorted({(court, case_number) for _, court, case_number in touched})
        known_cases.update(_load_cases(conn, set(pairs) - set(known_cases)))
        known_people.update(_load_people(conn, {(s, c) for s, c, _ in touched}
                                         - set(known_people)))
        granted: dict[CaseKey, list[Grant]] = defaultdict(list)
        for r in select_by_court(conn, lambda court, numbers: select(latest).where(
                latest.c.court == court, latest.c.case_number.in_(numbers),
                latest.c.relief.in_(GRANTED_RELIEFS)), pairs):
            if r.procedure is None:  # the contract gives every granted relief a procedure
                log.warning("granted relief without a procedure; no motion",
                            extra={"decision_id": r.decision_id})
                continue
            granted[(r.subject_id, r.court, r.case_number)].append(
                Grant(r.count, r.statute, r.relief, r.procedure, r.decision_id))
        ruled: dict[tuple[str, str], set[int]] = defaultdict(set)
        for r in select_by_court(conn, lambda court, numbers: select(
                court_orders.c.court, court_orders.c.case_number, court_orders.c.count).where(
                court_orders.c.court == court, court_orders.c.case_number.in_(numbers)), pairs):
            ruled[(r.court, r.case_number)].add(r.count)
        of_case: dict[tuple[str, str], list[MotionRow]] = defaultdict(list)
        for r in select_by_court(conn, lambda court, numbers: select(motions).where(
                motions.c.court == court, motions.c.case_number.in_(numbers)), pairs):
            m = _row(r)
            of_case[(m.court, m.case_number)].append(m)
            if m.status in RULED:
                ruled[(m.court, m.case_number)] |= {g.count for g in m.grants}

        withdrawn: list[MotionRow] = []
        created: list[dict[str, object]] = []
        t = now.timestamp()
        for key in sorted(touched):
            subject_id, court, case_number = key
            pair = (court, case_number)
            wanted = sorted(g for g in granted[key] if g.count not in ruled[pair])
            content = (_content_of(key, wanted, known_cases, known_people, today)
                       if wanted else None)
            pending = max((m for m in of_case[pair]
                           if m.subject_id == subject_id and m.status in PENDING),
                          key=lambda m: m.sequence, default=None)
            the_plan = plan(PendingMotion(pending.motion_id, pending.status, pending.grants,
                                          pending.facts_sha256) if pending else None,
                            wanted, ruled=ruled[pair],
                            facts_sha256=facts_fingerprint(content) if content else None)
            if the_plan.withdraw and pending is not None:
                check_transition(pending.status, "withdrawn")
                withdrawn.append(pending)
                staged.append(self._event(replace(pending, status="withdrawn", updated_at=t),
                                          now))
            if the_plan.create:
                sequence = len(of_case[pair])
                new = MotionRow(motion_id(subject_id, court, case_number, sequence), subject_id,
                                court, case_number, sequence, "draft", the_plan.create, None,
                                None, None, {}, None, t, t)
                of_case[pair].append(new)
                created.append({"motion_id": new.motion_id, "subject_id": subject_id,
                                "court": court, "case_number": case_number,
                                "sequence": sequence, "status": "draft",
                                "grants": _dump_grants(new.grants), "created_at": t,
                                "updated_at": t})
                staged.append(self._event(new, now))
                if content is not None:
                    drafts.append((new.motion_id, content))
            elif the_plan.render and pending is not None:
                own = _content_of(key, pending.grants, known_cases, known_people, today)
                if own is not None:  # with its own decision ids
                    drafts.append((pending.motion_id, own))
        if withdrawn:
            _expect(conn, update(motions).where(
                motions.c.motion_id == bindparam("b_id"),
                motions.c.status == bindparam("b_status")).values(
                status="withdrawn", updated_at=t),
                [{"b_id": m.motion_id, "b_status": m.status} for m in withdrawn])
        if created:
            conn.execute(motions.insert(), created)
        return staged, drafts

    def _apply_order(self, conn: Connection, record: RecordEvent,
                     now: dt.datetime) -> list[OutboxMessage]:
        order = record.order
        assert order is not None
        where = and_(court_orders.c.court == record.court,
                     court_orders.c.case_number == order.case_number,
                     court_orders.c.count == order.count)
        values = {"outcome": order.outcome, "relief": order.relief,
                  "order_date": order.order_date, "event_id": record.event_id}
        if conn.execute(select(court_orders.c.count).where(where)).first() is None:
            conn.execute(court_orders.insert().values(court=record.court,
                                                      case_number=order.case_number,
                                                      count=order.count, **values))
        else:
            conn.execute(update(court_orders).where(where).values(**values))
        candidates = conn.execute(select(motions).where(
            motions.c.court == record.court, motions.c.case_number == order.case_number,
            motions.c.status.in_((*PENDING, *RULED)))
            .order_by(motions.c.sequence.desc())).all()
        motion = next((m for m in map(_row, candidates)
                       if order.count in {g.count for g in m.grants}), None)
        if motion is None:
            return []  # no motion of ours covers it; the count is ruled on all the same
        outcomes = {**motion.outcomes, order.count: order.outcome}
        conn.execute(update(motions).where(motions.c.motion_id == motion.motion_id).values(
            outcomes=orjson.dumps({str(k): v for k, v in sorted(outcomes.items())})))
        motion = replace(motion, outcomes=outcomes)
        new_status = status_after_order(motion.status, order.outcome)
        return [self._transition(conn, motion, new_status, now)] if new_status else []

    def _transition(self, conn: Connection, motion: MotionRow, status: str, now: dt.datetime,
                    bulk_id: str | None = None) -> OutboxMessage:
        check_transition(motion.status, status)
        values: dict[str, object] = {"status": status, "updated_at": now.timestamp()}
        if bulk_id:
            values["bulk_motion_id"] = bulk_id
        done = conn.execute(update(motions).where(motions.c.motion_id == motion.motion_id,
                                                  motions.c.status == motion.status)
                            .values(**values)).rowcount
        if done != 1:  # another writer moved it first: retry the whole batch
            raise ConcurrentChange(f"motion {motion.motion_id} changed concurrently")
        return self._event(replace(motion, status=status, updated_at=now.timestamp(),
                                   bulk_motion_id=bulk_id or motion.bulk_motion_id), now)

    @staticmethod
    def _event(m: MotionRow, now: dt.datetime) -> OutboxMessage:
        event_ = MotionEvent(
            motion_id=m.motion_id, subject_id=m.subject_id, court=m.court,
            case_number=m.case_number, status=m.status,  # type: ignore[arg-type]
            counts=[g.count for g in m.grants], decision_ids=[g.decision_id for g in m.grants],
            procedure=m.procedure,  # type: ignore[arg-type]
            document_sha256=m.document_sha256, bulk_motion_id=m.bulk_motion_id,
            occurred_at=now)
        # A motion reaches each status once: the id makes a re-sent event recognisable.
        return OutboxMessage.of(MOTIONS, m.subject_id, event_, source=SOURCE,
                                ce_id=f"{m.motion_id}/{m.status}")

    # -- rendering (steps 2 and 3) ----------------------------------------------------
    def renderable_drafts(self, today: dt.date) -> list[tuple[str, MotionContent]]:
        with self._read() as conn:
            rows = conn.execute(
                select(motions.c.motion_id, motions.c.court, motions.c.case_number,
                       motions.c.grants, motions.c.subject_id, *_PERSON_COLUMNS,
                       cases.c.counts)
                .join(people, and_(people.c.subject_id == motions.c.subject_id,
                                   people.c.court == motions.c.court))
                .join(cases, and_(cases.c.court == motions.c.court,
                                  cases.c.case_number == motions.c.case_number,
                                  cases.c.subject_id == motions.c.subject_id))
                .where(motions.c.status == "draft")).all()
        drafts = []
        for r in rows:
            content = _build_content(r.court, r.case_number, r, r.counts, _grants(r.grants),
                                     today)
            if content is not None:
                drafts.append((r.motion_id, content))
        return drafts

    def _render(self, drafts: Sequence[tuple[str, MotionContent]], render: Render,
                now: dt.datetime) -> int:
        """Steps 2 and 3: render outside any transaction, then mark the drafts ready that
        are still drafts saying the same thing."""
        if not drafts:
            return 0
        many = getattr(render, "many", None)  # a renderer may render a batch in parallel
        shas = many([c for _, c in drafts]) if many else [render(c) for _, c in drafts]
        rendered = [(mid, content, sha) for (mid, content), sha in zip(drafts, shas, strict=True)]
        staged: list[OutboxMessage] = []
        t = now.timestamp()
        with self.engine.begin() as conn:
            found = {r.motion_id: _row(r) for r in _select_in(
                conn, lambda ids: select(motions).where(motions.c.motion_id.in_(ids)),
                [mid for mid, _, _ in rendered])}
            known_cases = _load_cases(conn, {(m.court, m.case_number) for m in found.values()})
            known_people = _load_people(conn, {(m.subject_id, m.court) for m in found.values()})
            updates = []
            for mid, content, sha in rendered:
                motion = found.get(mid)
                if motion is None or motion.status != "draft":
                    continue
                key = (motion.subject_id, motion.court, motion.case_number)
                now_says = _content_of(key, motion.grants, known_cases, known_people,
                                       content.prepared_on)
                facts = facts_fingerprint(content)
                if now_says is None or facts_fingerprint(now_says) != facts:
                    continue  # the record changed meanwhile; its own batch renders it
                check_transition("draft", "ready")
                ready = replace(motion, status="ready", document_sha256=sha, facts_sha256=facts,
                                prepared_on=content.prepared_on, updated_at=t)
                found[mid] = ready
                updates.append({"b_id": mid, "b_sha": sha, "b_facts": facts,
                                "b_on": content.prepared_on})
                staged.append(self._event(ready, now))
            if updates:
                _expect(conn, update(motions).where(
                    motions.c.motion_id == bindparam("b_id"), motions.c.status == "draft")
                    .values(status="ready", document_sha256=bindparam("b_sha"),
                            facts_sha256=bindparam("b_facts"), prepared_on=bindparam("b_on"),
                            updated_at=t), updates)
            add_to_outbox(conn, outbox, staged)
        return len(staged)

    # -- bulk motions -----------------------------------------------------------------
    def ready_contents(self, court: str, today: dt.date) -> Iterator[tuple[str, MotionContent]]:
        """Every ready motion of a court (id, content), streamed in case-number order from
        one snapshot: memory does not grow with the number of motions."""
        stmt = (select(motions.c.motion_id, motions.c.court, motions.c.case_number,
                       motions.c.grants, motions.c.subject_id, *_PERSON_COLUMNS,
                       cases.c.counts)
                .join(people, and_(people.c.subject_id == motions.c.subject_id,
                                   people.c.court == motions.c.court))
                .join(cases, and_(cases.c.court == motions.c.court,
                                  cases.c.case_number == motions.c.case_number))
                .where(motions.c.court == court, motions.c.status == "ready")
                .order_by(motions.c.case_number, motions.c.motion_id))
        with self._read() as conn:
            result = conn.execution_options(stream_results=True, yield_per=1000).execute(stmt)
            for r in result:
                content = _build_content(r.court, r.case_number, r, r.counts, _grants(r.grants),
                                         today)
                if content is None:  # cannot happen for a rendered motion; never list it
                    log.error("ready motion without its record", extra={"motion": r.motion_id})
                    continue
                yield r.motion_id, content

    def has_ready(self, court: str) -> bool:
        with self._read() as conn:
            return conn.execute(select(motions.c.motion_id).where(
                motions.c.court == court, motions.c.status == "ready").limit(1)).first() is not None

    def commit_bulk(self, court: str, motion_ids: Sequence[str], pages: int, pdf_sha: str,
                    csv_sha: str, started: float, prepared_on: dt.date,
                    now: dt.datetime) -> tuple[str, float]:
        """Record a built bulk motion and move every motion it lists to included_in_bulk,
        in one transaction. BulkConflict (nothing written) when any of them is no longer
        ready, or another bulk motion of the court was recorded meanwhile. Returns its id
        and its time in seconds since `started` (a `time.perf_counter()`), also recorded."""
        try:
            with self.engine.begin() as conn:
                sequence = conn.execute(select(func.count()).select_from(bulk_motions).where(
                    bulk_motions.c.court == court)).scalar_one()
                bulk_id = bulk_motion_id(court, sequence)
                conn.execute(bulk_motions.insert().values(
                    bulk_motion_id=bulk_id, court=court, status="ready",
                    motion_count=len(motion_ids), pages=pages, document_sha256=pdf_sha,
                    csv_sha256=csv_sha, seconds=0.0, prepared_on=prepared_on,
                    created_at=now.timestamp()))
                for i in range(0, len(motion_ids), CHUNK):
                    chunk = list(motion_ids[i:i + CHUNK])
                    moved = conn.execute(update(motions).where(
                        motions.c.motion_id.in_(chunk), motions.c.status == "ready",
                        motions.c.court == court).values(
                        status="included_in_bulk", bulk_motion_id=bulk_id,
                        updated_at=now.timestamp())).rowcount
                    if moved != len(chunk):
                        raise BulkConflict(f"{len(chunk) - moved} motion(s) changed meanwhile")
                    rows = conn.execute(select(motions).where(motions.c.motion_id.in_(chunk)))
                    add_to_outbox(conn, outbox, [self._event(_row(r), now) for r in rows])
                add_to_outbox(conn, outbox, [self._bulk_event(
                    bulk_id, court, "ready", len(motion_ids), pdf_sha, csv_sha, now)])
                seconds = time.perf_counter() - started
                conn.execute(update(bulk_motions).where(bulk_motions.c.bulk_motion_id == bulk_id)
                             .values(seconds=seconds))
        except IntegrityError as exc:  # the same bulk id, recorded by a concurrent build
            raise BulkConflict("another bulk motion of the court was recorded") from exc
        return bulk_id, seconds

    def file_bulk(self, bulk_id: str, now: dt.datetime) -> dict[str, object] | None:
        """The bulk motion was filed with the court: it and the motions it still lists
        (not withdrawn meanwhile) become filed. Filing twice changes nothing."""
        with self.engine.begin() as conn:
            b = conn.execute(select(bulk_motions).where(
                bulk_motions.c.bulk_motion_id == bulk_id)).first()
            if b is None:
                return None
            if b.status != "filed":
                conn.execute(update(bulk_motions).where(bulk_motions.c.bulk_motion_id == bulk_id)
                             .values(status="filed", filed_at=now.timestamp()))
                listed = [r[0] for r in conn.execute(select(motions.c.motion_id).where(
                    motions.c.bulk_motion_id == bulk_id, motions.c.status == "included_in_bulk"))]
                for i in range(0, len(listed), CHUNK):
                    chunk = listed[i:i + CHUNK]
                    conn.execute(update(motions).where(
                        motions.c.motion_id.in_(chunk), motions.c.status == "included_in_bulk")
                        .values(status="filed", updated_at=now.timestamp()))
                    rows = conn.execute(select(motions).where(motions.c.motion_id.in_(chunk)))
                    add_to_outbox(conn, outbox, [self._event(_row(r), now) for r in rows])
                add_to_outbox(conn, outbox, [self._bulk_event(
                    bulk_id, b.court, "filed", b.motion_count, b.document_sha256, b.csv_sha256,
                    now)])
        return self.bulk(bulk_id)

    def file_motion(self, motion_id_: str, now: dt.datetime) -> MotionRow | None:
        """A ready motion was filed on its own. Filing a filed motion changes nothing; any
        other status raises InvalidTransition."""
        with self.engine.begin() as conn:
            m = self.motion(motion_id_, conn)
            if m is None or m.status == "filed":
                return m
            add_to_outbox(conn, outbox, [self._transition(conn, m, "filed", now)])
        return self.motion(motion_id_)

    @staticmethod
    def _bulk_event(bulk_id: str, court: str, status: str, count: int, pdf_sha: str,
                    csv_sha: str, now: dt.datetime) -> OutboxMessage:
        event_ = BulkMotionEvent(bulk_motion_id=bulk_id, court=court,
                                 status=status,  # type: ignore[arg-type]
                                 motion_count=count, document_sha256=pdf_sha,
                                 csv_sha256=csv_sha, occurred_at=now)
        return OutboxMessage.of(MOTIONS, court, event_, source=SOURCE,
                                ce_id=f"{bulk_id}/{status}")

    # -- reads ------------------------------------------------------------------------
    def motion(self, motion_id_: str, conn: Connection | None = None) -> MotionRow | None:
        stmt = select(motions).where(motions.c.motion_id == motion_id_)
        if conn is not None:
            r = conn.execute(stmt).first()
        else:
            with self._read() as c:
                r = c.execute(stmt).first()
        return _row(r) if r else None

    def motions_of(self, court: str, status: str | None = None, limit: int = 100,
                   after: str | None = None, hide_sealed: bool = False) -> list[MotionRow]:
        """A court's motions in motion_id order, a page at a time (`after` the last id);
        `hide_sealed` leaves out the motions of sealed cases (`is_sealed`)."""
        stmt = select(motions).where(motions.c.court == court)
        if status:
            stmt = stmt.where(motions.c.status == status)
        if after:
            stmt = stmt.where(motions.c.motion_id > after)
        if hide_sealed:
            stmt = stmt.where(~_sealed_order(motions.c.court, motions.c.case_number))
        with self._read() as conn:
            return [_row(r) for r in conn.execute(stmt.order_by(motions.c.motion_id).limit(limit))]

    def motions_of_case(self, court: str, case_number: str) -> list[MotionRow]:
        with self._read() as conn:
            return [_row(r) for r in conn.execute(select(motions).where(
                motions.c.court == court, motions.c.case_number == case_number)
                .order_by(motions.c.sequence))]

    def is_sealed(self, court: str, case_number: str) -> bool:
        """A court granted dismissal and sealing of a count of the case: its motions and
        their documents are shown only to keys with `sealed:read`. A motion covers every
        count of a case, so one sealed count seals the whole document."""
        with self._read() as conn:
            return bool(conn.execute(select(_sealed_order(court, case_number))).scalar())

    def bulk_lists_sealed(self, bulk_id: str) -> bool:
        """A motion of a sealed case is in the bulk motion (its PDF and CSV name it)."""
        with self._read() as conn:
            return bool(conn.execute(select(exists().where(
                motions.c.bulk_motion_id == bulk_id,
                _sealed_order(motions.c.court, motions.c.case_number)))).scalar())

    def bulk(self, bulk_id: str) -> dict[str, object] | None:
        with self._read() as conn:
            b = conn.execute(select(bulk_motions).where(
                bulk_motions.c.bulk_motion_id == bulk_id)).first()
        return _bulk_dict(b) if b else None

    def bulks_of(self, court: str) -> list[dict[str, object]]:
        with self._read() as conn:
            return [_bulk_dict(b) for b in conn.execute(select(bulk_motions).where(
                bulk_motions.c.court == court).order_by(bulk_motions.c.created_at))]

    def status_counts(self, court: str | None = None) -> dict[str, int]:
        stmt = select(motions.c.status, func.count()).group_by(motions.c.status)
        if court:
            stmt = stmt.where(motions.c.court == court)
        with self._read() as conn:
            return {r[0]: r[1] for r in conn.execute(stmt)}


def _sealed_order(court: Any, case_number: Any) -> Any:
    """EXISTS a granted dismiss-and-seal court order on a count of the case."""
    return exists().where(court_orders.c.court == court,
                          court_orders.c.case_number == case_number,
                          court_orders.c.outcome == "granted",
                          court_orders.c.relief == "dismiss_and_seal")


def _bulk_dict(b: Any) -> dict[str, object]:
    d = dict(b._mapping)
    d["prepared_on"] = b.prepared_on.isoformat()
    d["created_at"] = _iso(b.created_at)
    d["filed_at"] = _iso(b.filed_at) if b.filed_at is not None else None
    return d


# What a motion prints of the person (joined with the motion's own court's record).
_PERSON_COLUMNS = (people.c.first_name, people.c.last_name, people.c.date_of_birth)


def _build_content(court: str, case_number: str, person: Any, counts_json: bytes,
                   grants: Sequence[Grant], today: dt.date) -> MotionContent | None:
    """A motion's content from the stored person, case counts and grants; None when the
    record lacks a granted count (the decision and the record disagree for now)."""
    counts = {c["count"]: c for c in orjson.loads(counts_json)}
    granted = []
    for g in sorted(grants):
        c = counts.get(g.count)
        if c is None:
            return None
        granted.append(GrantedCount(
            count=g.count, statute=g.statute, description=c.get("description"),
            level=c["level"], conviction_date=dt.date.fromisoformat(c["disposition_date"]),
            relief=g.relief, procedure=g.procedure, decision_id=g.decision_id))
    if not granted:
        return None
    return MotionContent(court, case_number,
                         Defendant(person.subject_id, person.first_name, person.last_name,
                                   person.date_of_birth),
                         tuple(granted), today)
