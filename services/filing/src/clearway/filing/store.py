"""The filing store: the people and cases filing needs (from court.records.v1), the latest
decision of each count, motions and bulk motions, and the outbox to filing.motions.v1."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

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
    delete,
    func,
    select,
    update,
)

from clearway.common.auth import api_keys_table
from clearway.common.db import create_schema
from clearway.common.events import BulkMotionEvent, Decision, MotionEvent, RecordEvent
from clearway.common.outbox import OutboxMessage, add_to_outbox, outbox_table
from clearway.common.topics import MOTIONS
from clearway.filing.domain.lifecycle import PENDING, Grant, PendingMotion, motion_id, plan
from clearway.filing.domain.motion import Defendant, GrantedCount, MotionContent

metadata = MetaData()
outbox = outbox_table(metadata)
api_keys = api_keys_table(metadata)
people = Table(
    "people", metadata,
    Column("subject_id", String(64), primary_key=True),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("date_of_birth", Date, nullable=False),
)
cases = Table(
    "cases", metadata,
    Column("court", String(20), primary_key=True),
    Column("case_number", String(40), primary_key=True),
    Column("subject_id", String(64), nullable=False),
    Column("occurred_at", String(40), nullable=False),
    Column("counts", LargeBinary, nullable=False),
)
processed = Table(
    "processed_records", metadata,
    Column("court", String(20), primary_key=True),
    Column("event_id", String(128), primary_key=True),
)
latest = Table(
    "latest_decisions", metadata,
    Column("subject_id", String(64), primary_key=True),
    Column("court", String(20), primary_key=True),
    Column("case_number", String(40), primary_key=True),
    Column("count", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("decision_id", String(36), nullable=False),
    Column("relief", String(30), nullable=False),
    Column("procedure", String(20), nullable=True),
    Column("statute", String(80), nullable=False),
)
motions = Table(
    "motions", metadata,
    Column("motion_id", String(36), primary_key=True),
    Column("subject_id", String(64), nullable=False, index=True),
    Column("court", String(20), nullable=False),
    Column("case_number", String(40), nullable=False),
    Column("status", String(20), nullable=False),
    Column("grants", LargeBinary, nullable=False),
    Column("document_sha256", String(64), nullable=True),
    Column("bulk_motion_id", String(36), nullable=True),
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
    Column("created_at", Float, nullable=False),
)
Index("ix_motions_case", motions.c.court, motions.c.case_number)
Index("ix_motions_court_status", motions.c.court, motions.c.status, motions.c.case_number)

GRANTED = ("dismiss_and_seal", "reduce_to_misdemeanor", "reduce_to_infraction")


@dataclass(frozen=True)
class MotionRow:
    motion_id: str
    subject_id: str
    court: str
    case_number: str
    status: str
    grants: tuple[Grant, ...]
    document_sha256: str | None
    bulk_motion_id: str | None

    def as_dict(self) -> dict[str, object]:
        return {"motion_id": self.motion_id, "subject_id": self.subject_id, "court": self.court,
                "case_number": self.case_number, "status": self.status,
                "counts": [g.count for g in self.grants],
                "reliefs": {str(g.count): g.relief for g in self.grants},
                "procedures": sorted({g.procedure for g in self.grants}),
                "document_sha256": self.document_sha256, "bulk_motion_id": self.bulk_motion_id}


def _grants(raw: bytes) -> tuple[Grant, ...]:
    return tuple(Grant(**g) for g in orjson.loads(raw))


def _row(r) -> MotionRow:  # type: ignore[no-untyped-def]
    return MotionRow(r.motion_id, r.subject_id, r.court, r.case_number, r.status,
                     _grants(r.grants), r.document_sha256, r.bulk_motion_id)


class FilingStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        create_schema(engine, metadata)

    # -- the pipeline -----------------------------------------------------------------
    def process(self, records: list[RecordEvent], decisions: list[Decision],
                render, now: dt.datetime) -> int:  # type: ignore[no-untyped-def]
        """Apply a batch; `render(MotionContent) -> sha256` stores a PDF. Returns the number
        of motion events staged."""
        with self.engine.begin() as conn:
            staged: list[OutboxMessage] = []
            touched: set[tuple[str, str, str]] = set()
            for event in self._fresh(conn, records):
                if event.case is not None:
                    self._save_case(conn, event)
                    touched.add((event.subject_id, event.court, event.case.case_number))
                elif event.order is not None:
                    staged += self._apply_order(conn, event, now)
            for decision in decisions:
                if self._save_decision(conn, decision):
                    touched.add((decision.subject_id, decision.court, decision.case_number))
            for subject_id, court, case_number in sorted(touched):
                staged += self._reconcile(conn, subject_id, court, case_number, render, now)
            add_to_outbox(conn, outbox, staged)
            return len(staged)

    def _fresh(self, conn: Connection, records: list[RecordEvent]) -> list[RecordEvent]:
        fresh = []
        seen = set()
        for event in records:
            key = (event.court, event.event_id)
            if key in seen:
                continue
            seen.add(key)
            done = conn.execute(select(processed.c.court).where(
                processed.c.court == event.court, processed.c.event_id == event.event_id)).first()
            if done is None:
                conn.execute(processed.insert().values(court=event.court, event_id=event.event_id))
                fresh.append(event)
        return sorted(fresh, key=lambda e: (e.occurred_at, e.event_id))

    def _save_case(self, conn: Connection, event: RecordEvent) -> None:
        assert event.case is not None
        s = event.subject
        existing = conn.execute(select(cases.c.occurred_at).where(
            cases.c.court == event.court, cases.c.case_number == event.case.case_number)).first()
        if existing is not None and existing.occurred_at > event.occurred_at.isoformat():
            return  # an older correction arriving late
        conn.execute(delete(people).where(people.c.subject_id == s.subject_id))
        conn.execute(people.insert().values(subject_id=s.subject_id, first_name=s.first_name,
                                            last_name=s.last_name, date_of_birth=s.date_of_birth))
        conn.execute(delete(cases).where(cases.c.court == event.court,
                                         cases.c.case_number == event.case.case_number))
        conn.execute(cases.insert().values(
            court=event.court, case_number=event.case.case_number, subject_id=s.subject_id,
            occurred_at=event.occurred_at.isoformat(),
            counts=orjson.dumps([c.model_dump(mode="json") for c in event.case.counts])))

    def _save_decision(self, conn: Connection, d: Decision) -> bool:
        key = and_(latest.c.subject_id == d.subject_id, latest.c.court == d.court,
                   latest.c.case_number == d.case_number, latest.c.count == d.count)
        prior = conn.execute(select(latest.c.version).where(key)).first()
        if prior is not None and prior.version >= d.version:
            return False  # redelivered or out of date
        conn.execute(delete(latest).where(key))
        conn.execute(latest.insert().values(
            subject_id=d.subject_id, court=d.court, case_number=d.case_number, count=d.count,
            version=d.version, decision_id=d.decision_id, relief=d.relief,
            procedure=d.procedure, statute=d.statute))
        return True

    def _pending(self, conn: Connection, court: str, case_number: str) -> MotionRow | None:
        r = conn.execute(select(motions).where(
            motions.c.court == court, motions.c.case_number == case_number,
            motions.c.status.in_(PENDING))).first()
        return _row(r) if r else None

    def _reconcile(self, conn: Connection, subject_id: str, court: str, case_number: str,
                   render, now: dt.datetime) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
        grants = [
            Grant(r.count, r.statute, r.relief, r.procedure, r.decision_id)
            for r in conn.execute(select(latest).where(
                latest.c.subject_id == subject_id, latest.c.court == court,
                latest.c.case_number == case_number, latest.c.relief.in_(GRANTED)))
        ]
        pending = self._pending(conn, court, case_number)
        the_plan = plan(PendingMotion(pending.motion_id, pending.status, pending.grants)
                        if pending else None, grants)
        out: list[OutboxMessage] = []
        if the_plan.withdraw and pending:
            out.append(self._transition(conn, pending, "withdrawn", now))
        if the_plan.create:
            sequence = conn.execute(select(func.count()).select_from(motions).where(
                motions.c.court == court, motions.c.case_number == case_number)).scalar_one()
            mid = motion_id(subject_id, court, case_number, sequence)
            t = now.timestamp()
            conn.execute(motions.insert().values(
                motion_id=mid, subject_id=subject_id, court=court, case_number=case_number,
                status="draft", grants=orjson.dumps([g.__dict__ for g in the_plan.create]),
                created_at=t, updated_at=t))
            pending = self._pending(conn, court, case_number)
            assert pending is not None
            out.append(self._event(pending, now))
        if the_plan.withdraw and not the_plan.create:
            pending = None
        if pending is not None and pending.status == "draft":
            content = self._content(conn, pending, now.date())
            if content is not None:
                sha = render(content)
                conn.execute(update(motions).where(motions.c.motion_id == pending.motion_id)
                             .values(document_sha256=sha))
                pending = MotionRow(**{**pending.__dict__, "document_sha256": sha})
                out.append(self._transition(conn, pending, "ready", now))
        return out

    def _content(self, conn: Connection, motion: MotionRow, today: dt.date) -> MotionContent | None:
        person = conn.execute(select(people).where(people.c.subject_id == motion.subject_id)).first()
        case = conn.execute(select(cases).where(cases.c.court == motion.court,
                                                cases.c.case_number == motion.case_number)).first()
        if person is None or case is None:
            return None  # stays a draft until the record arrives
        counts = {c["count"]: c for c in orjson.loads(case.counts)}
        granted = []
        for g in motion.grants:
            c = counts.get(g.count)
            if c is None:
                return None
            granted.append(GrantedCount(
                count=g.count, statute=g.statute, description=c.get("description"),
                level=c["level"], conviction_date=dt.date.fromisoformat(c["disposition_date"]),
                relief=g.relief, procedure=g.procedure, decision_id=g.decision_id))
        return MotionContent(motion.court, motion.case_number,
                             Defendant(person.subject_id, person.first_name, person.last_name,
                                       person.date_of_birth),
                             tuple(granted), today)

    def _apply_order(self, conn: Connection, event: RecordEvent,
                     now: dt.datetime) -> list[OutboxMessage]:
        assert event.order is not None
        pending = self._pending(conn, event.court, event.order.case_number)
        if pending is None or event.order.count not in [g.count for g in pending.grants]:
            return []
        return [self._transition(conn, pending, event.order.outcome, now)]

    def _transition(self, conn: Connection, motion: MotionRow, status: str,
                    now: dt.datetime, bulk_motion_id: str | None = None) -> OutboxMessage:
        values: dict[str, object] = {"status": status, "updated_at": now.timestamp()}
        if bulk_motion_id:
            values["bulk_motion_id"] = bulk_motion_id
        conn.execute(update(motions).where(motions.c.motion_id == motion.motion_id).values(**values))
        changed = MotionRow(**{**motion.__dict__, "status": status,
                               "bulk_motion_id": bulk_motion_id or motion.bulk_motion_id})
        return self._event(changed, now)

    @staticmethod
    def _event(m: MotionRow, now: dt.datetime) -> OutboxMessage:
        event = MotionEvent(
            motion_id=m.motion_id, subject_id=m.subject_id, court=m.court,
            case_number=m.case_number, status=m.status,  # type: ignore[arg-type]
            counts=[g.count for g in m.grants], decision_ids=[g.decision_id for g in m.grants],
            procedure=m.grants[0].procedure if len({g.procedure for g in m.grants}) == 1 else None,
            document_sha256=m.document_sha256, bulk_motion_id=m.bulk_motion_id, occurred_at=now)
        return OutboxMessage.of(MOTIONS, m.subject_id, event, source="clearway/filing",
                                ce_id=f"{m.motion_id}/{m.status}")

    # -- bulk motions -----------------------------------------------------------------
    def ready_contents(self, court: str, today: dt.date) -> Iterator[tuple[str, MotionContent]]:
        """Every ready motion of a court (id, content), streamed in case-number order."""
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=500).execute(
                select(motions, people.c.first_name, people.c.last_name, people.c.date_of_birth,
                       cases.c.counts)
                .join(people, people.c.subject_id == motions.c.subject_id)
                .join(cases, and_(cases.c.court == motions.c.court,
                                  cases.c.case_number == motions.c.case_number))
                .where(motions.c.court == court, motions.c.status == "ready")
                .order_by(motions.c.case_number, motions.c.motion_id))
            for r in result:
                counts = {c["count"]: c for c in orjson.loads(r.counts)}
                yield r.motion_id, MotionContent(r.court, r.case_number,
                                    Defendant(r.subject_id, r.first_name, r.last_name,
                                              r.date_of_birth),
                                    tuple(GrantedCount(
                                        count=g.count, statute=g.statute,
                                        description=counts.get(g.count, {}).get("description"),
                                        level=counts.get(g.count, {}).get("level", ""),
                                        conviction_date=dt.date.fromisoformat(
                                            counts[g.count]["disposition_date"]),
                                        relief=g.relief, procedure=g.procedure,
                                        decision_id=g.decision_id)
                                        for g in _grants(r.grants) if g.count in counts),
                                    today)

    def ready_ids(self, court: str) -> list[str]:
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(select(motions.c.motion_id).where(
                motions.c.court == court, motions.c.status == "ready"))]

    def record_bulk(self, bulk_id: str, court: str, motion_ids: list[str], pages: int,
                    pdf_sha: str, csv_sha: str, seconds: float, now: dt.datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(bulk_motions.insert().values(
                bulk_motion_id=bulk_id, court=court, status="ready", motion_count=len(motion_ids),
                pages=pages, document_sha256=pdf_sha, csv_sha256=csv_sha, seconds=seconds,
                created_at=now.timestamp()))
            staged = [self._bulk_event(bulk_id, court, "ready", len(motion_ids), pdf_sha,
                                       csv_sha, now)]
            for i in range(0, len(motion_ids), 500):
                rows = conn.execute(select(motions).where(
                    motions.c.motion_id.in_(motion_ids[i:i + 500]), motions.c.status == "ready"))
                for r in rows:
                    staged.append(self._transition(conn, _row(r), "included_in_bulk", now, bulk_id))
            add_to_outbox(conn, outbox, staged)

    def file_bulk(self, bulk_id: str, now: dt.datetime) -> dict[str, object] | None:
        with self.engine.begin() as conn:
            b = conn.execute(select(bulk_motions).where(
                bulk_motions.c.bulk_motion_id == bulk_id)).first()
            if b is None:
                return None
            if b.status != "filed":
                conn.execute(update(bulk_motions).where(bulk_motions.c.bulk_motion_id == bulk_id)
                             .values(status="filed"))
                staged = [self._bulk_event(bulk_id, b.court, "filed", b.motion_count,
                                           b.document_sha256, b.csv_sha256, now)]
                for r in conn.execute(select(motions).where(
                        motions.c.bulk_motion_id == bulk_id,
                        motions.c.status == "included_in_bulk")).all():
                    staged.append(self._transition(conn, _row(r), "filed", now))
                add_to_outbox(conn, outbox, staged)
        return self.bulk(bulk_id)

    def file_motion(self, motion_id_: str, now: dt.datetime) -> MotionRow | None:
        with self.engine.begin() as conn:
            r = conn.execute(select(motions).where(motions.c.motion_id == motion_id_)).first()
            if r is None:
                return None
            m = _row(r)
            if m.status == "ready":
                add_to_outbox(conn, outbox, [self._transition(conn, m, "filed", now)])
                m = MotionRow(**{**m.__dict__, "status": "filed"})
            return m

    @staticmethod
    def _bulk_event(bulk_id: str, court: str, status: str, count: int, pdf_sha: str,
                    csv_sha: str, now: dt.datetime) -> OutboxMessage:
        event = BulkMotionEvent(bulk_motion_id=bulk_id, court=court, status=status,  # type: ignore[arg-type]
                                motion_count=count, document_sha256=pdf_sha, csv_sha256=csv_sha,
                                occurred_at=now)
        return OutboxMessage.of(MOTIONS, court, event, source="clearway/filing",
                                ce_id=f"{bulk_id}/{status}")

    # -- reads ------------------------------------------------------------------------
    def motion(self, motion_id_: str) -> MotionRow | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(motions).where(motions.c.motion_id == motion_id_)).first()
        return _row(r) if r else None

    def motions_of(self, court: str, status: str | None, limit: int, after: str | None
                   ) -> list[MotionRow]:
        stmt = select(motions).where(motions.c.court == court)
        if status:
            stmt = stmt.where(motions.c.status == status)
        if after:
            stmt = stmt.where(motions.c.motion_id > after)
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(stmt.order_by(motions.c.motion_id).limit(limit))]

    def bulk(self, bulk_id: str) -> dict[str, object] | None:
        with self.engine.connect() as conn:
            b = conn.execute(select(bulk_motions).where(
                bulk_motions.c.bulk_motion_id == bulk_id)).first()
        return dict(b._mapping) if b else None

    def bulk_count(self, court: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(bulk_motions).where(
                bulk_motions.c.court == court)).scalar_one()

    def status_counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {r[0]: r[1] for r in conn.execute(
                select(motions.c.status, func.count()).group_by(motions.c.status))}
