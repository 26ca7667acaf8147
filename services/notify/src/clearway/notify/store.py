"""The notify store: contact details (from court.records.v1), deaths, opt-outs, notices and
every delivery with its dedupe key, and the outbox to notify.deliveries.v1.

A notice is keyed by what it is about (relief granted for a case; a court order), a
delivery by (notice, channel); both keys are unique, so a redelivered decision or order
never creates a second notice or a second delivery."""
from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    and_,
    delete,
    func,
    or_,
    select,
    update,
)

from clearway.common.auth import api_keys_table
from clearway.common.db import create_schema
from clearway.common.events import Decision, DeliveryEvent, RecordEvent
from clearway.common.outbox import OutboxMessage, add_to_outbox, outbox_table
from clearway.common.topics import DELIVERIES

metadata = MetaData()
outbox = outbox_table(metadata)
api_keys = api_keys_table(metadata)
contacts = Table(
    "contacts", metadata,
    Column("subject_id", String(64), primary_key=True),
    Column("first_name", String(100), nullable=True),
    Column("last_name", String(100), nullable=True),
    Column("email", String(320), nullable=True),
    Column("phone", String(20), nullable=True),
    Column("postal_address", LargeBinary, nullable=True),
    Column("language", String(35), nullable=True),
    Column("as_of", String(40), nullable=False),
)
deaths = Table(
    "deaths", metadata,
    Column("subject_id", String(64), primary_key=True),
    Column("date", String(10), nullable=False),
)
processed = Table(
    "processed_records", metadata,
    Column("court", String(20), primary_key=True),
    Column("event_id", String(128), primary_key=True),
)
opt_outs = Table(
    "opt_outs", metadata,
    Column("subject_id", String(64), primary_key=True),
    Column("channel", String(10), primary_key=True),
    Column("at", Float, nullable=False),
)
notices = Table(
    "notices", metadata,
    Column("notice_id", String(36), primary_key=True),
    Column("dedupe_key", String(300), nullable=False, unique=True),
    Column("subject_id", String(64), nullable=False, index=True),
    Column("court", String(20), nullable=False),
    Column("case_number", String(40), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("reliefs", String(200), nullable=False),
    Column("source_id", String(200), nullable=False),
    Column("state", String(20), nullable=False, index=True),
    Column("created_at", Float, nullable=False),
)
deliveries = Table(
    "deliveries", metadata,
    Column("delivery_id", String(36), primary_key=True),
    Column("notice_id", String(36), nullable=False, index=True),
    Column("subject_id", String(64), nullable=False, index=True),
    Column("court", String(20), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("status", String(20), nullable=False, index=True),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Float, nullable=False),
    Column("lease_until", Float, nullable=True),
    Column("provider_id", String(200), nullable=True),
    Column("language", String(35), nullable=True),
    Column("last_error", String(200), nullable=True),
    Column("updated_at", Float, nullable=False),
)

_IDS = uuid.UUID("3b9e6c1a-2f4d-4e8b-9a7c-1d2e3f4a5b6c")
GRANTED = ("dismiss_and_seal", "reduce_to_misdemeanor", "reduce_to_infraction")
LEASE_SECONDS = 120.0


@dataclass(frozen=True)
class Contact:
    subject_id: str
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    postal_address: dict[str, str | None] | None
    language: str | None


@dataclass(frozen=True)
class DueDelivery:
    delivery_id: str
    notice_id: str
    subject_id: str
    court: str
    case_number: str
    kind: str
    reliefs: tuple[str, ...]
    channel: str
    attempts: int


def _uid(*parts: str) -> str:
    return str(uuid.uuid5(_IDS, "|".join(parts)))


class NotifyStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        create_schema(engine, metadata)

    # -- consuming ----------------------------------------------------------------------
    def process(self, records: Sequence[RecordEvent], decisions: Sequence[Decision]) -> int:
        """Save contacts and deaths; create notices for granted decisions and court orders.
        Returns how many notices were created."""
        created = 0
        with self.engine.begin() as conn:
            for event in self._fresh(conn, records):
                self._save_subject(conn, event)
                if event.death is not None:
                    self._save_death(conn, event)
                if event.order is not None:
                    o = event.order
                    kind = "order_granted" if o.outcome == "granted" else "order_denied"
                    key = f"{kind}|{event.subject_id}|{event.court}|{o.case_number}|{o.order_date}"
                    created += self._add_notice(conn, key, event.subject_id, event.court,
                                                o.case_number, kind, (o.relief,),
                                                f"{event.court}/{event.event_id}")
            for d in decisions:
                if d.relief not in GRANTED:
                    continue
                key = f"relief_granted|{d.subject_id}|{d.court}|{d.case_number}"
                created += self._add_notice(conn, key, d.subject_id, d.court, d.case_number,
                                            "relief_granted", (d.relief,), d.decision_id)
        return created

    def _fresh(self, conn: Connection, records: Sequence[RecordEvent]) -> list[RecordEvent]:
        fresh, seen = [], set()
        for event in records:
            key = (event.court, event.event_id)
            if key in seen:
                continue
            seen.add(key)
            if conn.execute(select(processed.c.court).where(
                    processed.c.court == event.court,
                    processed.c.event_id == event.event_id)).first() is None:
                conn.execute(processed.insert().values(court=event.court, event_id=event.event_id))
                fresh.append(event)
        return sorted(fresh, key=lambda e: (e.occurred_at, e.event_id))

    def _save_subject(self, conn: Connection, event: RecordEvent) -> None:
        s = event.subject
        if s.first_name is None and s.contact is None:
            return
        prior = conn.execute(select(contacts).where(contacts.c.subject_id == s.subject_id)).first()
        as_of = event.occurred_at.isoformat()
        if prior is not None and prior.as_of > as_of:
            return
        c = s.contact
        values = {
            "subject_id": s.subject_id,
            "first_name": s.first_name or (prior.first_name if prior else None),
            "last_name": s.last_name or (prior.last_name if prior else None),
            "as_of": as_of,
        }
        if c is not None or prior is None:
            values.update({
                "email": c.email if c else None,
                "phone": c.phone if c else None,
                "postal_address": orjson.dumps(c.postal_address.model_dump())
                if c and c.postal_address else None,
                "language": c.language if c else None,
            })
        conn.execute(delete(contacts).where(contacts.c.subject_id == s.subject_id))
        if prior is not None:
            values = {**{k: getattr(prior, k) for k in prior._mapping.keys()}, **values}
        conn.execute(contacts.insert().values(**values))

    def _save_death(self, conn: Connection, event: RecordEvent) -> None:
        assert event.death is not None
        conn.execute(delete(deaths).where(deaths.c.subject_id == event.subject_id))
        conn.execute(deaths.insert().values(subject_id=event.subject_id,
                                            date=event.death.date.isoformat()))

    def _add_notice(self, conn: Connection, key: str, subject_id: str, court: str,
                    case_number: str, kind: str, reliefs: tuple[str, ...], source: str) -> int:
        existing = conn.execute(select(notices.c.notice_id, notices.c.state, notices.c.reliefs)
                                .where(notices.c.dedupe_key == key)).first()
        if existing is not None:
            merged = sorted(set(existing.reliefs.split()) | set(reliefs))
            if existing.state == "pending" and merged != existing.reliefs.split():
                conn.execute(update(notices).where(notices.c.notice_id == existing.notice_id)
                             .values(reliefs=" ".join(merged)))
            return 0
        conn.execute(notices.insert().values(
            notice_id=_uid(key), dedupe_key=key, subject_id=subject_id, court=court,
            case_number=case_number, kind=kind, reliefs=" ".join(sorted(set(reliefs))),
            source_id=source, state="pending", created_at=time.time()))
        return 1

    # -- planning deliveries ------------------------------------------------------------
    def pending_notices(self, limit: int = 500) -> list[dict[str, object]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(
                select(notices).where(notices.c.state == "pending")
                .order_by(notices.c.created_at).limit(limit))]

    def contact(self, subject_id: str) -> Contact | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(contacts).where(contacts.c.subject_id == subject_id)).first()
        if r is None:
            return None
        return Contact(r.subject_id, r.first_name, r.last_name, r.email, r.phone,
                       orjson.loads(r.postal_address) if r.postal_address else None, r.language)

    def is_deceased(self, subject_id: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(deaths.c.subject_id)
                                .where(deaths.c.subject_id == subject_id)).first() is not None

    def opted_out(self, subject_id: str) -> frozenset[str]:
        with self.engine.connect() as conn:
            return frozenset(r[0] for r in conn.execute(
                select(opt_outs.c.channel).where(opt_outs.c.subject_id == subject_id)))

    def plan(self, notice: dict[str, object], channels: list[str], opted: list[str],
             language: str, state: str) -> None:
        """Move a pending notice on: create its deliveries (or record why there are none)."""
        now = time.time()
        nid = str(notice["notice_id"])
        with self.engine.begin() as conn:
            moved = conn.execute(update(notices).where(
                notices.c.notice_id == nid, notices.c.state == "pending").values(state=state))
            if moved.rowcount != 1:
                return  # another process planned it
            staged = []
            for channel in channels:
                conn.execute(deliveries.insert().values(
                    delivery_id=_uid(nid, channel), notice_id=nid,
                    subject_id=notice["subject_id"], court=notice["court"], channel=channel,
                    status="pending", attempts=0, next_attempt_at=now, language=language,
                    updated_at=now))
            for channel in opted:
                conn.execute(deliveries.insert().values(
                    delivery_id=_uid(nid, channel), notice_id=nid,
                    subject_id=notice["subject_id"], court=notice["court"], channel=channel,
                    status="opted_out", attempts=0, next_attempt_at=now, language=language,
                    updated_at=now))
                staged.append(self._event(_uid(nid, channel), notice, channel, "opted_out", 0,
                                          language, None))
            if state == "unreachable":
                staged.append(self._event(_uid(nid, "none"), notice, None, "unreachable", 0,
                                          language, None))
            add_to_outbox(conn, outbox, staged)

    # -- sending ------------------------------------------------------------------------
    def claim_due(self, owner_limit: int = 100) -> list[DueDelivery]:
        now = time.time()
        with self.engine.begin() as conn:
            ids = [r[0] for r in conn.execute(
                select(deliveries.c.delivery_id).where(
                    deliveries.c.status.in_(("pending", "retrying", "sending")),
                    deliveries.c.next_attempt_at <= now,
                    or_(deliveries.c.lease_until.is_(None), deliveries.c.lease_until < now))
                .order_by(deliveries.c.next_attempt_at).limit(owner_limit))]
            if not ids:
                return []
            conn.execute(update(deliveries).where(deliveries.c.delivery_id.in_(ids))
                         .values(status="sending", lease_until=now + LEASE_SECONDS))
            rows = conn.execute(
                select(deliveries, notices.c.case_number, notices.c.kind, notices.c.reliefs)
                .join(notices, notices.c.notice_id == deliveries.c.notice_id)
                .where(deliveries.c.delivery_id.in_(ids)))
            return [DueDelivery(r.delivery_id, r.notice_id, r.subject_id, r.court,
                                r.case_number, r.kind, tuple(r.reliefs.split()), r.channel,
                                r.attempts) for r in rows]

    def finish(self, due: DueDelivery, status: str, language: str, provider_id: str | None,
               error: str | None, next_attempt_at: float | None) -> None:
        now = time.time()
        with self.engine.begin() as conn:
            conn.execute(update(deliveries).where(deliveries.c.delivery_id == due.delivery_id)
                         .values(status=status, attempts=due.attempts + 1, lease_until=None,
                                 provider_id=provider_id, last_error=error, language=language,
                                 next_attempt_at=next_attempt_at or now, updated_at=now))
            notice = {"notice_id": due.notice_id, "subject_id": due.subject_id,
                      "court": due.court, "case_number": due.case_number, "kind": due.kind}
            add_to_outbox(conn, outbox, [self._event(due.delivery_id, notice, due.channel,
                                                     status, due.attempts + 1, language, error)])

    @staticmethod
    def _event(delivery_id: str, notice: dict[str, object], channel: str | None, status: str,
               attempt: int, language: str, error: str | None) -> OutboxMessage:
        event = DeliveryEvent(
            delivery_id=delivery_id, notice_id=str(notice["notice_id"]),
            subject_id=str(notice["subject_id"]), court=str(notice["court"]),
            case_number=str(notice["case_number"]), notice_kind=str(notice["kind"]),
            channel=channel, status=status, attempt=attempt,  # type: ignore[arg-type]
            language=language, error=error, occurred_at=dt.datetime.now(dt.timezone.utc))
        return OutboxMessage.of(DELIVERIES, str(notice["subject_id"]), event,
                                source="clearway/notify", ce_id=f"{delivery_id}/{attempt}/{status}")

    # -- operators ----------------------------------------------------------------------
    def deliveries_of(self, subject_id: str) -> list[dict[str, object]]:
        return self._list(deliveries.c.subject_id == subject_id)

    def deliveries_with(self, status: str, courts: frozenset[str] | None,
                        limit: int = 500) -> list[dict[str, object]]:
        if status == "unreachable":
            cond = notices.c.state == "unreachable"
            stmt = select(notices).where(cond)
            if courts is not None:
                stmt = stmt.where(notices.c.court.in_(courts))
            with self.engine.connect() as conn:
                return [self._public_notice(r) for r in conn.execute(stmt.limit(limit))]
        cond = deliveries.c.status == status
        if courts is not None:
            cond = and_(cond, deliveries.c.court.in_(courts))
        return self._list(cond, limit)

    def _list(self, cond, limit: int = 500) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(deliveries, notices.c.case_number, notices.c.kind)
                .join(notices, notices.c.notice_id == deliveries.c.notice_id)
                .where(cond).order_by(deliveries.c.updated_at).limit(limit))
            return [{
                "delivery_id": r.delivery_id, "notice_id": r.notice_id,
                "subject_id": r.subject_id, "court": r.court, "case_number": r.case_number,
                "notice_kind": r.kind, "channel": r.channel, "status": r.status,
                "attempts": r.attempts, "language": r.language, "last_error": r.last_error,
                "updated_at": dt.datetime.fromtimestamp(r.updated_at, dt.timezone.utc).isoformat(),
            } for r in rows]

    @staticmethod
    def _public_notice(r) -> dict[str, object]:  # type: ignore[no-untyped-def]
        return {"notice_id": r.notice_id, "subject_id": r.subject_id, "court": r.court,
                "case_number": r.case_number, "notice_kind": r.kind, "status": r.state}

    def delivery(self, delivery_id: str) -> dict[str, object] | None:
        found = self._list(deliveries.c.delivery_id == delivery_id, 1)
        return found[0] if found else None

    def resend(self, delivery_id: str) -> bool:
        """Operator: try a failed (or sent) delivery again, as a new round of attempts."""
        with self.engine.begin() as conn:
            return conn.execute(update(deliveries).where(
                deliveries.c.delivery_id == delivery_id,
                deliveries.c.status.in_(("failed", "sent", "retrying")))
                .values(status="pending", attempts=0, next_attempt_at=time.time(),
                        lease_until=None, updated_at=time.time())).rowcount == 1

    def replan(self, notice_id: str) -> bool:
        """Operator: an unreachable notice is planned again (after contact data arrived)."""
        with self.engine.begin() as conn:
            return conn.execute(update(notices).where(
                notices.c.notice_id == notice_id, notices.c.state == "unreachable")
                .values(state="pending")).rowcount == 1

    def set_opt_out(self, subject_id: str, channel: str, opted_out: bool) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(opt_outs).where(opt_outs.c.subject_id == subject_id,
                                                opt_outs.c.channel == channel))
            if opted_out:
                conn.execute(opt_outs.insert().values(subject_id=subject_id, channel=channel,
                                                      at=time.time()))

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            out = {f"notices_{r[0]}": r[1] for r in conn.execute(
                select(notices.c.state, func.count()).group_by(notices.c.state))}
            out.update({f"{r[0]}_{r[1]}": r[2] for r in conn.execute(
                select(deliveries.c.channel, deliveries.c.status, func.count())
                .group_by(deliveries.c.channel, deliveries.c.status))})
        return out
