"""The notify store: contact details (from court.records.v1), deaths, opt-outs, the latest
decision of each count, notices, every delivery with its dedupe key, and the outbox to
notify.deliveries.v1.

Keys that make notices exactly-once:
- a notice is keyed by what it is about: `relief_granted|<subject>|<court>|<case>` (one
  "your conviction is being cleared" notice per case, whatever the decision versions)
  and `order_<outcome>|<subject>|<court>|<case>|<order_date>` (one per court ruling day);
- a delivery is keyed by (notice, channel), unique, and its id is derived from that key;
  the id is the dedupe key handed to the channel (Message-ID, Idempotency-Key, letter
  file name).
A redelivered decision, record or order therefore never creates a second notice or a
second delivery. Every delivery outcome is committed together with its
notify.deliveries.v1 message (outbox) in one transaction.

Delivery states: pending -> sending -> sent | retrying | failed; also opted_out and
suppressed (a death). A `sending` row carries a stage: `started` (nothing handed to the
provider yet) or `handover` (an e-mail whose DATA has begun: from here the provider may
have it) and a lease; see `recover_stale`.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    union,
    update,
)

from clearway.common.auth import api_keys_table
from clearway.common.dedupe import first_time, processed_events_table
from clearway.common.events import GRANTED_RELIEFS, Decision, DeliveryEvent, RecordEvent
from clearway.common.migrations import Migrations
from clearway.common.outbox import OutboxMessage, add_to_outbox, outbox_table
from clearway.common.topics import DELIVERIES

metadata = MetaData()
# The store's schema migrations (Alembic, clearway/notify/migrations/), run at start.
MIGRATIONS = Migrations("notify", Path(__file__).with_name("migrations"), metadata)
outbox = outbox_table(metadata)
api_keys = api_keys_table(metadata)


def _contact_fields() -> list[Column[Any]]:
    """A person's names and contact, and when each was last given (new columns each call:
    a column belongs to one table)."""
    return [
        Column("first_name", String(100), nullable=True),
        Column("last_name", String(100), nullable=True),
        Column("names_at", Float, nullable=True),  # occurred_at (epoch) of the names kept
        Column("email", String(320), nullable=True),
        Column("phone", String(20), nullable=True),
        Column("postal_address", LargeBinary, nullable=True),
        Column("language", String(35), nullable=True),
        Column("contact_at", Float, nullable=True),  # occurred_at (epoch) of the contact kept
    ]


# Each court's view of the person: names and contact as that court last gave them. A court
# never overwrites another's; a notice about a case uses the contact its court gave.
court_contacts = Table(
    "court_contacts", metadata,
    Column("subject_id", String(64), primary_key=True),
    Column("court", String(20), primary_key=True),
    *_contact_fields(),
)
# Stores made before contacts were kept per court hold one row per person (the latest from
# any court): read only where the case's court has given none since.
legacy_contacts = Table(
    "contacts", metadata,
    Column("subject_id", String(64), primary_key=True),
    *_contact_fields(),
)
subject_courts = Table(
    "subject_courts", metadata,
    Column("subject_id", String(64), primary_key=True),
    Column("court", String(20), primary_key=True),
)
deaths = Table(
    "deaths", metadata,
    Column("subject_id", String(64), primary_key=True),
    Column("date", String(10), nullable=False),
)
processed = processed_events_table(metadata)
count_decisions = Table(
    "count_decisions", metadata,
    Column("subject_id", String(64), primary_key=True),
    Column("court", String(20), primary_key=True),
    Column("case_number", String(40), primary_key=True),
    Column("count", Integer, primary_key=True),
    Column("decision_id", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("relief", String(30), nullable=False),
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
    # pending | planned | unreachable | suppressed | withdrawn
    Column("state", String(20), nullable=False),
    Column("not_before", Float, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Index("ix_notices_state", "state", "not_before"),
)
deliveries = Table(
    "deliveries", metadata,
    Column("delivery_id", String(36), primary_key=True),
    Column("dedupe_key", String(320), nullable=False, unique=True),
    Column("notice_id", String(36), nullable=False),
    Column("subject_id", String(64), nullable=False, index=True),
    Column("court", String(20), nullable=False),
    Column("channel", String(10), nullable=False),
    # pending | sending | retrying | sent | failed | opted_out | suppressed
    Column("status", String(20), nullable=False),
    Column("stage", String(10), nullable=True),  # while sending: started | handover
    Column("attempts", Integer, nullable=False),  # every attempt ever made
    Column("round_base", Integer, nullable=False),  # attempts before the last resend
    Column("next_attempt_at", Float, nullable=False),
    Column("lease_owner", String(32), nullable=True),
    Column("lease_until", Float, nullable=True),
    Column("provider_id", String(200), nullable=True),
    Column("language", String(35), nullable=True),
    Column("last_error", String(200), nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("notice_id", "channel", name="uq_deliveries_notice_channel"),
    Index("ix_deliveries_due", "status", "next_attempt_at"),
)

_IDS = uuid.UUID("3b9e6c1a-2f4d-4e8b-9a7c-1d2e3f4a5b6c")
OPEN = ("pending", "retrying")  # waiting for an attempt


def _uid(*parts: str) -> str:
    return str(uuid.uuid5(_IDS, "|".join(parts)))


def delivery_id_for(notice_id: str, channel: str) -> str:
    return _uid(notice_id, channel)


def _b(name: str) -> Any:
    return bindparam("b_" + name)


# The consuming path runs a few statements per record and decision; built once here (with
# bound parameters) they are compiled once, not rebuilt and re-keyed for every row.
_COURT_KNOWN = select(subject_courts.c.court).where(
    subject_courts.c.subject_id == _b("subject"), subject_courts.c.court == _b("court"))
_CONTACT_KEY = and_(court_contacts.c.subject_id == _b("subject"),
                    court_contacts.c.court == _b("court"))
_CONTACT_OF = select(court_contacts).where(_CONTACT_KEY)
_CONTACT_CHANGE = update(court_contacts).where(_CONTACT_KEY)
_REACHABLE_AGAIN = update(notices).where(
    notices.c.subject_id == _b("subject"), notices.c.court == _b("court"),
    notices.c.state == "unreachable",
).values(state="pending", not_before=_b("soon"), updated_at=_b("now"))
_WAIT_NO_LONGER = update(notices).where(
    notices.c.subject_id == _b("subject"), notices.c.court == _b("court"),
    notices.c.state == "pending", notices.c.not_before > _b("soon"),
).values(not_before=_b("soon"))
_COUNT_PK = and_(count_decisions.c.subject_id == _b("subject"),
                 count_decisions.c.court == _b("court"),
                 count_decisions.c.case_number == _b("case"),
                 count_decisions.c.count == _b("count"))
_COUNT_VERSION = select(count_decisions.c.version).where(_COUNT_PK)
_COUNT_CHANGE = update(count_decisions).where(_COUNT_PK).values(
    decision_id=_b("decision"), version=_b("version"), relief=_b("relief"))
_CASE_GRANTS = select(count_decisions.c.relief).where(
    count_decisions.c.subject_id == _b("subject"), count_decisions.c.court == _b("court"),
    count_decisions.c.case_number == _b("case"),
    count_decisions.c.relief.in_(GRANTED_RELIEFS))
_NOTICE_BY_KEY = select(notices.c.notice_id, notices.c.state, notices.c.reliefs).where(
    notices.c.dedupe_key == _b("key"))
_NOTICE_FOLLOWS = update(notices).where(notices.c.notice_id == _b("notice")).values(
    reliefs=_b("reliefs"), state=_b("state"), updated_at=_b("now"))
_NOTICE_RELIEFS = update(notices).where(notices.c.notice_id == _b("notice")).values(
    reliefs=_b("reliefs"), updated_at=_b("now"))


@dataclass(frozen=True)
class Contact:
    subject_id: str
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    postal_address: dict[str, str | None] | None
    language: str | None

    def __repr__(self) -> str:  # never print personal data by accident
        return f"Contact(subject_id={self.subject_id!r}, <redacted>)"


_CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "postal_address", "language")


def _contact_columns() -> list[Any]:
    """The columns of the person's contact as the row's court gave it (`_contact` reads
    them), with a store's pre-court row beside them."""
    cc, old = court_contacts.c, legacy_contacts.c
    return [cc.subject_id.label("c_subject_id"), old.subject_id.label("l_subject_id"),
            *(cc[f].label(f"c_{f}") for f in _CONTACT_FIELDS),
            *(old[f].label(f"l_{f}") for f in _CONTACT_FIELDS)]


def _with_contacts(table: Any) -> Any:
    """`table` (notices or deliveries: subject_id and court) joined with its court's contact
    and the legacy row."""
    return (table
            .outerjoin(court_contacts, and_(court_contacts.c.subject_id == table.c.subject_id,
                                            court_contacts.c.court == table.c.court))
            .outerjoin(legacy_contacts, legacy_contacts.c.subject_id == table.c.subject_id))


def _contact(row: Any) -> Contact | None:
    """The contact the row's court gave (None when that court's record has not arrived; a
    store made before contacts were kept per court falls back to its one row)."""
    if row is None:
        return None
    prefix = "c_" if row.c_subject_id is not None else "l_" if row.l_subject_id is not None \
        else None
    if prefix is None:
        return None
    get = row._mapping
    address = get[f"{prefix}postal_address"]
    return Contact(row.subject_id, get[f"{prefix}first_name"], get[f"{prefix}last_name"],
                   get[f"{prefix}email"], get[f"{prefix}phone"],
                   orjson.loads(address) if address else None, get[f"{prefix}language"])


@dataclass(frozen=True)
class PendingNotice:
    """A notice to plan, with what planning needs to know about its person."""

    notice_id: str
    subject_id: str
    court: str
    case_number: str
    kind: str
    reliefs: tuple[str, ...]
    created_at: float
    contact: Contact | None
    deceased: bool
    opted_out: frozenset[str]


@dataclass(frozen=True)
class Plan:
    """What to do with a pending notice. `state` `wait` leaves it pending until `wait_until`."""

    state: str  # planned | unreachable | suppressed | wait
    language: str = "en"
    send: tuple[str, ...] = ()
    opted_out: tuple[str, ...] = ()
    wait_until: float | None = None


@dataclass(frozen=True)
class DueDelivery:
    """A delivery claimed for one attempt (status `sending`, leased to this process)."""

    delivery_id: str
    notice_id: str
    subject_id: str
    court: str
    case_number: str
    kind: str
    reliefs: tuple[str, ...]
    channel: str
    attempts: int
    round_base: int
    language: str
    contact: Contact | None = field(repr=False)

    @property
    def attempt(self) -> int:
        """The number of the attempt being made (counting every round)."""
        return self.attempts + 1

    @property
    def round_attempt(self) -> int:
        """The number of the attempt within the current round (since the last resend)."""
        return self.attempts + 1 - self.round_base


@dataclass(frozen=True)
class StaleDelivery:
    """A `sending` delivery whose lease ran out: its process died mid-send."""

    delivery_id: str
    channel: str
    stage: str | None
    attempts: int
    round_base: int
    lease_owner: str | None

    @property
    def round_attempt(self) -> int:
        return self.attempts + 1 - self.round_base


class NotifyStore:
    def __init__(self, engine: Engine, plan_delay_seconds: float = 0.0) -> None:
        self.engine = engine
        self.plan_delay_seconds = plan_delay_seconds
        # SQLite has one writer at a time (and this engine begins every transaction with
        # BEGIN IMMEDIATE). Threads of this process queue on a lock, woken the moment it is
        # free, instead of in SQLite's busy handler, which sleeps in 1-100 ms steps: that
        # sleep would stretch the time from a provider's reply to its record.
        self._serial = threading.RLock() if engine.dialect.name == "sqlite" else None
        MIGRATIONS.ensure_current(engine)

    @contextlib.contextmanager
    def _begin(self) -> Iterator[Connection]:
        with self._serial or contextlib.nullcontext(), self.engine.begin() as conn:
            yield conn

    @contextlib.contextmanager
    def _connect(self) -> Iterator[Connection]:
        with self._serial or contextlib.nullcontext(), self.engine.connect() as conn:
            yield conn

    # -- consuming ----------------------------------------------------------------------
    def process(self, records: Sequence[RecordEvent], decisions: Sequence[Decision],
                now: float | None = None) -> int:
        """Save contacts, courts and deaths; create or update notices for granted decisions
        and court orders; all in one transaction. Returns how many notices were created."""
        now = time.time() if now is None else now
        created = 0
        with self._begin() as conn:
            for event in first_time(conn, processed, records):
                self._save_court(conn, event.subject_id, event.court)
                self._save_subject(conn, event, now)
                if event.death is not None:
                    self._save_death(conn, event, now)
                if event.order is not None:
                    o = event.order
                    kind = "order_granted" if o.outcome == "granted" else "order_denied"
                    key = f"{kind}|{event.subject_id}|{event.court}|{o.case_number}|{o.order_date}"
                    created += self._add_notice(conn, key, event.subject_id, event.court,
                                                o.case_number, kind, (o.relief,),
                                                f"{event.court}/{event.event_id}", now)
            for d in sorted(decisions, key=lambda d: d.version):
                created += self._apply_decision(conn, d, now)
        return created

    def _save_court(self, conn: Connection, subject_id: str, court: str) -> None:
        if conn.execute(_COURT_KNOWN, {"b_subject": subject_id, "b_court": court}
                        ).first() is None:
            conn.execute(subject_courts.insert(), {"subject_id": subject_id, "court": court})

    def _save_subject(self, conn: Connection, event: RecordEvent, now: float) -> None:
        """Names and contact details, each kept from the latest event (by occurred_at) that
        carried them: a late-arriving older event never overwrites newer details. The
        newest `subject.contact` replaces the whole contact (a field it lacks is gone)."""
        s = event.subject
        at = event.occurred_at.timestamp()
        has_names = s.first_name is not None or s.last_name is not None
        c = s.contact
        if not has_names and c is None:
            return
        key = {"b_subject": s.subject_id, "b_court": event.court}
        prior = conn.execute(_CONTACT_OF, key).first()
        values: dict[str, object] = {}
        if has_names and (prior is None or prior.names_at is None or at >= prior.names_at):
            values.update(first_name=s.first_name, last_name=s.last_name, names_at=at)
        contact_changed = False
        if c is not None and (prior is None or prior.contact_at is None or at >= prior.contact_at):
            values.update(
                email=c.email, phone=c.phone, language=c.language, contact_at=at,
                postal_address=orjson.dumps(c.postal_address.model_dump())
                if c.postal_address else None)
            contact_changed = True
        if not values:
            return
        if prior is None:
            conn.execute(court_contacts.insert(),
                         {"subject_id": s.subject_id, "court": event.court, **values})
        else:
            conn.execute(_CONTACT_CHANGE, {**key, **values})
        if contact_changed:
            soon = now + self.plan_delay_seconds
            if c is not None and (c.email or c.phone or c.postal_address):
                # New contact data: notices nobody could be reached for are planned again.
                conn.execute(_REACHABLE_AGAIN, {**key, "b_soon": soon, "b_now": now})
            # Notices waiting for this court's record of the person need not wait any longer.
            conn.execute(_WAIT_NO_LONGER, {**key, "b_soon": soon})

    def _save_death(self, conn: Connection, event: RecordEvent, now: float) -> None:
        """Record the death and suppress everything not yet sent to the person."""
        assert event.death is not None
        if conn.execute(select(deaths.c.subject_id)
                        .where(deaths.c.subject_id == event.subject_id)).first() is None:
            conn.execute(deaths.insert().values(subject_id=event.subject_id,
                                                date=event.death.date.isoformat()))
        conn.execute(update(notices).where(
            notices.c.subject_id == event.subject_id,
            notices.c.state.in_(("pending", "unreachable")))
            .values(state="suppressed", updated_at=now))
        conn.execute(update(deliveries).where(
            deliveries.c.subject_id == event.subject_id, deliveries.c.status.in_(OPEN))
            .values(status="suppressed", last_error="deceased", updated_at=now))

    def _apply_decision(self, conn: Connection, d: Decision, now: float) -> int:
        """Keep the latest version of each count's decision; a granted relief creates the
        case's notice, a later version that takes the relief away before the notice is
        planned withdraws it. An older or repeated version changes nothing."""
        case = {"b_subject": d.subject_id, "b_court": d.court, "b_case": d.case_number}
        pk = {**case, "b_count": d.count}
        prior = conn.execute(_COUNT_VERSION, pk).first()
        if prior is not None and prior.version >= d.version:
            return 0
        if prior is None:
            conn.execute(count_decisions.insert(), {
                "subject_id": d.subject_id, "court": d.court, "case_number": d.case_number,
                "count": d.count, "decision_id": d.decision_id, "version": d.version,
                "relief": d.relief})
        else:
            conn.execute(_COUNT_CHANGE, {**pk, "b_decision": d.decision_id,
                                         "b_version": d.version, "b_relief": d.relief})
        granted = tuple(sorted({r[0] for r in conn.execute(_CASE_GRANTS, case)}))
        key = f"relief_granted|{d.subject_id}|{d.court}|{d.case_number}"
        notice = conn.execute(_NOTICE_BY_KEY, {"b_key": key}).first()
        if notice is None:
            if not granted:
                return 0
            return self._add_notice(conn, key, d.subject_id, d.court, d.case_number,
                                    "relief_granted", granted, d.decision_id, now)
        if notice.state in ("pending", "withdrawn"):  # not told yet: the notice follows
            conn.execute(_NOTICE_FOLLOWS, {
                "b_notice": notice.notice_id, "b_reliefs": " ".join(granted) if granted else "",
                "b_state": "pending" if granted else "withdrawn", "b_now": now})
        return 0

    def _add_notice(self, conn: Connection, key: str, subject_id: str, court: str,
                    case_number: str, kind: str, reliefs: tuple[str, ...], source: str,
                    now: float) -> int:
        existing = conn.execute(_NOTICE_BY_KEY, {"b_key": key}).first()
        if existing is not None:
            merged = sorted(set(existing.reliefs.split()) | set(reliefs))
            if existing.state == "pending" and merged != existing.reliefs.split():
                conn.execute(_NOTICE_RELIEFS, {"b_notice": existing.notice_id,
                                               "b_reliefs": " ".join(merged), "b_now": now})
            return 0
        conn.execute(notices.insert(), {
            "notice_id": _uid(key), "dedupe_key": key, "subject_id": subject_id,
            "court": court, "case_number": case_number, "kind": kind,
            "reliefs": " ".join(sorted(set(reliefs))), "source_id": source,
            "state": "pending", "not_before": now + self.plan_delay_seconds,
            "created_at": now, "updated_at": now})
        return 1

    # -- planning -------------------------------------------------------------------------
    def plan_pending(self, decide: Callable[[PendingNotice, float], Plan],
                     limit: int = 500, now: float | None = None) -> int:
        """Plan the pending notices that are due: `decide` says, for each, on which channels
        to send (one delivery per channel, created once), which channels the person opted
        out of, or that nobody can be reached, or that the person died. Returns how many
        notices moved on."""
        now = time.time() if now is None else now
        moved = 0
        with self._begin() as conn:
            rows = conn.execute(
                select(notices, *_contact_columns(),
                       deaths.c.subject_id.label("dead"))
                .select_from(_with_contacts(notices)
                             .outerjoin(deaths, deaths.c.subject_id == notices.c.subject_id))
                .where(notices.c.state == "pending", notices.c.not_before <= now)
                .order_by(notices.c.not_before).limit(limit)).all()
            opted = self._opt_outs(conn, {r.subject_id for r in rows})
            staged: list[OutboxMessage] = []
            for r in rows:
                pending = PendingNotice(
                    r.notice_id, r.subject_id, r.court, r.case_number, r.kind,
                    tuple(r.reliefs.split()), r.created_at, _contact(r),
                    r.dead is not None,
                    opted.get(r.subject_id, frozenset()))
                plan = decide(pending, now)
                if plan.state == "wait":
                    conn.execute(update(notices).where(notices.c.notice_id == r.notice_id)
                                 .values(not_before=plan.wait_until or now + 1.0))
                    continue
                done = conn.execute(update(notices).where(
                    notices.c.notice_id == r.notice_id, notices.c.state == "pending")
                    .values(state=plan.state, updated_at=now))
                if done.rowcount != 1:
                    continue  # another process planned it
                moved += 1
                staged += self._create_deliveries(conn, r, plan, now)
            add_to_outbox(conn, outbox, staged)
        return moved

    def _create_deliveries(self, conn: Connection, notice: Any, plan: Plan,
                           now: float) -> list[OutboxMessage]:
        staged = []
        have = {r[0] for r in conn.execute(select(deliveries.c.channel)
                                           .where(deliveries.c.notice_id == notice.notice_id))}
        wanted = [(c, "pending") for c in plan.send] + [(c, "opted_out") for c in plan.opted_out]
        for channel, status in wanted:
            if channel in have:
                continue  # exactly once per (notice, channel), also when planned again
            did = delivery_id_for(notice.notice_id, channel)
            conn.execute(deliveries.insert().values(
                delivery_id=did, dedupe_key=f"{notice.dedupe_key}|{channel}",
                notice_id=notice.notice_id, subject_id=notice.subject_id, court=notice.court,
                channel=channel, status=status, attempts=0, round_base=0, next_attempt_at=now,
                language=plan.language, created_at=now, updated_at=now))
            if status == "opted_out":
                staged.append(_event(did, notice, channel, "opted_out", 0, plan.language, None))
        if plan.state == "unreachable":
            staged.append(_event(delivery_id_for(notice.notice_id, "none"), notice, None,
                                 "unreachable", 0, plan.language, None))
        return staged

    @staticmethod
    def _opt_outs(conn: Connection, subject_ids: Collection[str]) -> dict[str, frozenset[str]]:
        found: dict[str, set[str]] = {}
        ids = list(subject_ids)
        for i in range(0, len(ids), 400):
            for r in conn.execute(select(opt_outs.c.subject_id, opt_outs.c.channel)
                                  .where(opt_outs.c.subject_id.in_(ids[i:i + 400]))):
                found.setdefault(r.subject_id, set()).add(r.channel)
        return {k: frozenset(v) for k, v in found.items()}

    # -- sending --------------------------------------------------------------------------
    def claim(self, owner: str, channels: Collection[str], limit: int,
              lease_seconds: float, now: float | None = None) -> list[DueDelivery]:
        """Claim up to `limit` due deliveries for one attempt each: status `sending`, stage
        `started`, leased to `owner`. In the same transaction, due deliveries of a person
        who died are suppressed and those of a channel the person opted out of since
        planning are recorded as opted_out."""
        now = time.time() if now is None else now
        if limit <= 0 or not channels:
            return []
        with self._begin() as conn:
            ids = [r[0] for r in conn.execute(
                select(deliveries.c.delivery_id).where(
                    deliveries.c.status.in_(OPEN), deliveries.c.next_attempt_at <= now,
                    deliveries.c.channel.in_(list(channels)))
                .order_by(deliveries.c.next_attempt_at).limit(limit)
                .with_for_update(skip_locked=True))]
            if not ids:
                return []
            rows = conn.execute(
                select(deliveries, notices.c.case_number, notices.c.kind, notices.c.reliefs,
                       notices.c.dedupe_key.label("notice_key"),
                       *_contact_columns(),
                       deaths.c.subject_id.label("dead"))
                .select_from(_with_contacts(deliveries)
                             .join(notices, notices.c.notice_id == deliveries.c.notice_id)
                             .outerjoin(deaths, deaths.c.subject_id == deliveries.c.subject_id))
                .where(deliveries.c.delivery_id.in_(ids))
                .order_by(deliveries.c.next_attempt_at)).all()
            opted = self._opt_outs(conn, {r.subject_id for r in rows})
            claimed, staged = [], []
            for r in rows:
                where = and_(deliveries.c.delivery_id == r.delivery_id,
                             deliveries.c.status.in_(OPEN))
                if r.dead is not None:
                    conn.execute(update(deliveries).where(where).values(
                        status="suppressed", last_error="deceased", updated_at=now))
                    continue
                if r.channel in opted.get(r.subject_id, frozenset()):
                    if conn.execute(update(deliveries).where(where).values(
                            status="opted_out", updated_at=now)).rowcount:
                        staged.append(_event(r.delivery_id, _notice_of(r), r.channel,
                                             "opted_out", r.attempts, r.language or "en", None))
                    continue
                got = conn.execute(update(deliveries).where(where).values(
                    status="sending", stage="started", lease_owner=owner,
                    lease_until=now + lease_seconds, updated_at=now))
                if got.rowcount != 1:
                    continue
                contact = _contact(r)
                claimed.append(DueDelivery(
                    r.delivery_id, r.notice_id, r.subject_id, r.court, r.case_number, r.kind,
                    tuple(r.reliefs.split()), r.channel, r.attempts, r.round_base,
                    r.language or "en", contact))
            add_to_outbox(conn, outbox, staged)
        return claimed

    def mark_handover(self, delivery_id: str, owner: str) -> bool:
        """The point of no return of a channel without provider-side dedupe (SMTP DATA):
        committed before the message is handed over, so a crash after it is known to be
        in doubt rather than retried blindly."""
        with self._begin() as conn:
            return conn.execute(update(deliveries).where(
                deliveries.c.delivery_id == delivery_id, deliveries.c.status == "sending",
                deliveries.c.lease_owner == owner).values(stage="handover")).rowcount == 1

    def finish(self, due: DueDelivery, owner: str, status: str, language: str,
               provider_id: str | None, error: str | None,
               next_attempt_at: float | None = None) -> bool:
        """Record one attempt's outcome and stage its notify.deliveries.v1 message, in one
        transaction. False when the lease was lost (the row was recovered meanwhile)."""
        now = time.time()
        with self._begin() as conn:
            done = conn.execute(update(deliveries).where(
                deliveries.c.delivery_id == due.delivery_id, deliveries.c.status == "sending",
                deliveries.c.lease_owner == owner).values(
                status=status, stage=None, attempts=due.attempts + 1, lease_owner=None,
                lease_until=None, provider_id=provider_id, last_error=error,
                language=language, next_attempt_at=next_attempt_at or now, updated_at=now))
            if done.rowcount != 1:
                return False
            notice = {"notice_id": due.notice_id, "subject_id": due.subject_id,
                      "court": due.court, "case_number": due.case_number, "kind": due.kind}
            add_to_outbox(conn, outbox, [_event(due.delivery_id, notice, due.channel, status,
                                                due.attempts + 1, language, error)])
        return True

    def recover_stale(self, resolve: Callable[[StaleDelivery], tuple[str, str, float | None]],
                      now: float | None = None, limit: int = 500) -> int:
        """Settle `sending` rows whose lease ran out (their process died mid-send): `resolve`
        gives (status, error, next_attempt_at) for each; the outcome is recorded as one
        attempt and published like any other."""
        now = time.time() if now is None else now
        recovered = 0
        with self._begin() as conn:
            rows = conn.execute(
                select(deliveries, notices.c.case_number, notices.c.kind)
                .join(notices, notices.c.notice_id == deliveries.c.notice_id)
                .where(deliveries.c.status == "sending", deliveries.c.lease_until < now)
                .limit(limit)).all()
            staged = []
            for r in rows:
                status, error, retry_at = resolve(StaleDelivery(
                    r.delivery_id, r.channel, r.stage, r.attempts, r.round_base, r.lease_owner))
                done = conn.execute(update(deliveries).where(
                    deliveries.c.delivery_id == r.delivery_id, deliveries.c.status == "sending",
                    deliveries.c.lease_owner == r.lease_owner).values(
                    status=status, stage=None, attempts=r.attempts + 1, lease_owner=None,
                    lease_until=None, last_error=error, next_attempt_at=retry_at or now,
                    updated_at=now))
                if done.rowcount != 1:
                    continue
                recovered += 1
                staged.append(_event(r.delivery_id, _notice_of(r), r.channel, status,
                                     r.attempts + 1, r.language or "en", error))
            add_to_outbox(conn, outbox, staged)
        return recovered

    # -- operators --------------------------------------------------------------------------
    def notices_of(self, subject_id: str, hide_sealed: bool = False) -> list[dict[str, object]]:
        stmt = select(notices).where(notices.c.subject_id == subject_id)
        if hide_sealed:
            stmt = stmt.where(~_sealed_case(notices.c.court, notices.c.case_number))
        with self._connect() as conn:
            return [_public_notice(r) for r in conn.execute(stmt.order_by(notices.c.created_at))]

    def deliveries_of(self, subject_id: str, hide_sealed: bool = False
                      ) -> list[dict[str, object]]:
        rows, _ = self._list(deliveries.c.subject_id == subject_id, hide_sealed=hide_sealed)
        return rows

    def deliveries_with(self, status: str, courts: frozenset[str] | None, limit: int = 500,
                        after: str | None = None, hide_sealed: bool = False
                        ) -> tuple[list[dict[str, object]], str | None]:
        """Deliveries in a status, oldest change first, a page at a time: `after` is the
        cursor the previous page returned (None on the last page)."""
        cond = deliveries.c.status == status
        if courts is not None:
            cond = and_(cond, deliveries.c.court.in_(courts))
        return self._list(cond, limit, after, hide_sealed)

    def notice(self, notice_id: str, hide_sealed: bool = False) -> dict[str, object] | None:
        """One notice; None when there is none, or (`hide_sealed`) its case is sealed."""
        stmt = select(notices).where(notices.c.notice_id == notice_id)
        if hide_sealed:
            stmt = stmt.where(~_sealed_case(notices.c.court, notices.c.case_number))
        with self._connect() as conn:
            r = conn.execute(stmt).first()
        return _public_notice(r) if r is not None else None

    def notices_with(self, state: str, courts: frozenset[str] | None, limit: int = 500,
                     after: str | None = None, hide_sealed: bool = False
                     ) -> tuple[list[dict[str, object]], str | None]:
        """Notices in a state, a page at a time as `deliveries_with`; `unreachable` is the
        list of people nobody could reach."""
        stmt = select(notices).where(notices.c.state == state)
        if courts is not None:
            stmt = stmt.where(notices.c.court.in_(courts))
        if hide_sealed:
            stmt = stmt.where(~_sealed_case(notices.c.court, notices.c.case_number))
        if after is not None:
            stmt = stmt.where(_after(after, notices.c.updated_at, notices.c.notice_id))
        with self._connect() as conn:
            found = list(conn.execute(
                stmt.order_by(notices.c.updated_at, notices.c.notice_id).limit(limit)))
        return ([_public_notice(r) for r in found],
                _cursor(found[-1].updated_at, found[-1].notice_id)
                if len(found) == limit else None)

    def _list(self, cond: Any, limit: int = 500, after: str | None = None,
              hide_sealed: bool = False) -> tuple[list[dict[str, object]], str | None]:
        if hide_sealed:
            cond = and_(cond, ~_sealed_case(notices.c.court, notices.c.case_number))
        if after is not None:
            cond = and_(cond, _after(after, deliveries.c.updated_at, deliveries.c.delivery_id))
        with self._connect() as conn:
            found = list(conn.execute(
                select(deliveries, notices.c.case_number, notices.c.kind)
                .join(notices, notices.c.notice_id == deliveries.c.notice_id)
                .where(cond).order_by(deliveries.c.updated_at, deliveries.c.delivery_id)
                .limit(limit)))
        return ([_public_delivery(r) for r in found],
                _cursor(found[-1].updated_at, found[-1].delivery_id)
                if len(found) == limit else None)

    def delivery(self, delivery_id: str, hide_sealed: bool = False) -> dict[str, object] | None:
        """One delivery; None when there is none, or (`hide_sealed`) its case is sealed."""
        found, _ = self._list(deliveries.c.delivery_id == delivery_id, 1,
                              hide_sealed=hide_sealed)
        return found[0] if found else None

    def courts_of(self, subject_id: str, hide_sealed: bool = False) -> frozenset[str]:
        """The courts the person has a court record in. `hide_sealed` leaves out each court
        where every case of the person this store knows (by a notice or a decision) is
        sealed (`_sealed_case`): there the person is known only through sealed records.
        A court where the person has no known case at all (a registration or death record
        only) stays in."""
        with self._connect() as conn:
            courts = frozenset(r[0] for r in conn.execute(
                select(subject_courts.c.court).where(subject_courts.c.subject_id == subject_id)))
            if not hide_sealed or not courts:
                return courts
            known = union(
                select(notices.c.court, notices.c.case_number)
                .where(notices.c.subject_id == subject_id),
                select(count_decisions.c.court, count_decisions.c.case_number)
                .where(count_decisions.c.subject_id == subject_id)).subquery()
            cases = conn.execute(select(
                known.c.court, _sealed_case(known.c.court, known.c.case_number).label("sealed")
            )).all()
        sealed = {r.court for r in cases if r.sealed}
        unsealed = {r.court for r in cases if not r.sealed}
        return courts - (sealed - unsealed)

    def resend(self, delivery_id: str, now: float | None = None) -> str:
        """Operator: a failed (or sent, or retrying) delivery gets a new round of attempts.
        Returns `ok`, or why not: `not_found`, `status:<status>`, `deceased`, `opted_out`,
        `letter_already_queued` (a sent letter is in a print batch already)."""
        now = time.time() if now is None else now
        with self._begin() as conn:
            row = conn.execute(select(deliveries).where(
                deliveries.c.delivery_id == delivery_id)).first()
            if row is None:
                return "not_found"
            if row.status not in ("failed", "sent", "retrying"):
                return f"status:{row.status}"
            if row.channel == "letter" and row.status == "sent":
                return "letter_already_queued"
            if conn.execute(select(deaths.c.subject_id)
                            .where(deaths.c.subject_id == row.subject_id)).first():
                return "deceased"
            if conn.execute(select(opt_outs.c.channel).where(
                    opt_outs.c.subject_id == row.subject_id,
                    opt_outs.c.channel == row.channel)).first():
                return "opted_out"
            done = conn.execute(update(deliveries).where(
                deliveries.c.delivery_id == delivery_id, deliveries.c.status == row.status)
                .values(status="pending", round_base=row.attempts, next_attempt_at=now,
                        last_error=None, updated_at=now))
            return "ok" if done.rowcount == 1 else f"status:{row.status}"

    def mark_sent(self, delivery_id: str, now: float | None = None) -> bool:
        """Operator: an in-doubt delivery (failed, `outcome_unknown`) was found delivered
        (for example in the mail relay's log): record it as sent, with its event."""
        now = time.time() if now is None else now
        with self._begin() as conn:
            r = conn.execute(
                select(deliveries, notices.c.case_number, notices.c.kind)
                .join(notices, notices.c.notice_id == deliveries.c.notice_id)
                .where(deliveries.c.delivery_id == delivery_id)).first()
            if r is None or r.status != "failed":
                return False
            done = conn.execute(update(deliveries).where(
                deliveries.c.delivery_id == delivery_id, deliveries.c.status == "failed")
                .values(status="sent", last_error="confirmed_by_operator", updated_at=now))
            if done.rowcount != 1:
                return False
            # Same attempt number as the in-doubt attempt: this settles it, it is no new send.
            add_to_outbox(conn, outbox, [_event(r.delivery_id, _notice_of(r), r.channel, "sent",
                                                r.attempts, r.language or "en",
                                                "confirmed_by_operator")])
        return True

    def replan(self, notice_id: str, now: float | None = None) -> bool:
        """Operator: an unreachable notice is planned again (after contact data arrived)."""
        now = time.time() if now is None else now
        with self._begin() as conn:
            return conn.execute(update(notices).where(
                notices.c.notice_id == notice_id, notices.c.state == "unreachable")
                .values(state="pending", not_before=now, updated_at=now)).rowcount == 1

    def set_opt_out(self, subject_id: str, channel: str, opted_out: bool) -> None:
        with self._begin() as conn:
            exists = conn.execute(select(opt_outs.c.channel).where(
                opt_outs.c.subject_id == subject_id, opt_outs.c.channel == channel)).first()
            if opted_out and not exists:
                conn.execute(opt_outs.insert().values(subject_id=subject_id, channel=channel,
                                                      at=time.time()))
            elif not opted_out and exists:
                conn.execute(opt_outs.delete().where(opt_outs.c.subject_id == subject_id,
                                                     opt_outs.c.channel == channel))

    def opted_out(self, subject_id: str) -> frozenset[str]:
        with self._connect() as conn:
            return self._opt_outs(conn, [subject_id]).get(subject_id, frozenset())

    def counts(self) -> dict[str, int]:
        with self._connect() as conn:
            out = {f"notices_{r[0]}": r[1] for r in conn.execute(
                select(notices.c.state, func.count()).group_by(notices.c.state))}
            out.update({f"{r[0]}_{r[1]}": r[2] for r in conn.execute(
                select(deliveries.c.channel, deliveries.c.status, func.count())
                .group_by(deliveries.c.channel, deliveries.c.status))})
        return out


def _notice_of(r: Any) -> dict[str, object]:
    return {"notice_id": r.notice_id, "subject_id": r.subject_id, "court": r.court,
            "case_number": r.case_number, "kind": r.kind}


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat()


CURSOR_PATTERN = r"^[0-9]+(\.[0-9]+)?~[0-9a-f-]{1,36}$"


def _cursor(updated_at: float, row_id: str) -> str:
    """Where a page ended: the last row's change time (exact: repr) and id."""
    return f"{updated_at!r}~{row_id}"


def _after(cursor: str, updated_at: Any, row_id: Any) -> Any:
    at, _, last_id = cursor.partition("~")
    return or_(updated_at > float(at), and_(updated_at == float(at), row_id > last_id))


def _sealed_case(court: Any, case_number: Any) -> Any:
    """EXISTS a notice of a court order granting dismissal and sealing in the case: every
    notice and delivery of the case is then shown only to keys with `sealed:read`."""
    order = notices.alias("sealing_order")
    return exists().where(order.c.court == court, order.c.case_number == case_number,
                          order.c.kind == "order_granted",
                          order.c.reliefs.contains("dismiss_and_seal"))


def _public_delivery(r: Any) -> dict[str, object]:
    """A delivery as operators see it: ids, channel, status; no contact details, no text."""
    return {
        "delivery_id": r.delivery_id, "notice_id": r.notice_id, "subject_id": r.subject_id,
        "court": r.court, "case_number": r.case_number, "notice_kind": r.kind,
        "channel": r.channel, "status": r.status, "attempts": r.attempts,
        "language": r.language, "last_error": r.last_error,
        "next_attempt_at": _iso(r.next_attempt_at) if r.status in OPEN else None,
        "updated_at": _iso(r.updated_at),
    }


def _public_notice(r: Any) -> dict[str, object]:
    return {"notice_id": r.notice_id, "subject_id": r.subject_id, "court": r.court,
            "case_number": r.case_number, "notice_kind": r.kind,
            "reliefs": r.reliefs.split(), "state": r.state,
            "created_at": _iso(r.created_at), "updated_at": _iso(r.updated_at)}


def _event(delivery_id: str, notice: Any, channel: str | None, status: str, attempt: int,
           language: str, error: str | None) -> OutboxMessage:
    def get(name: str) -> str:
        return str(notice[name] if isinstance(notice, dict) else getattr(notice, name))

    event = DeliveryEvent(
        delivery_id=delivery_id, notice_id=get("notice_id"), subject_id=get("subject_id"),
        court=get("court"), case_number=get("case_number"), notice_kind=get("kind"),
        channel=channel, status=status, attempt=attempt,  # type: ignore[arg-type]
        language=language, error=error, occurred_at=dt.datetime.now(dt.UTC))
    # The ce_id names the delivery, the attempt (counting every round) and the outcome, so
    # a consumer can dedupe on it and a relay re-send after a crash is recognisable.
    return OutboxMessage.of(DELIVERIES, get("subject_id"), event, source="clearway/notify",
                            ce_id=f"{delivery_id}/{attempt}/{status}")

