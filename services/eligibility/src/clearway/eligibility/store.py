"""The eligibility store: each person's record events (their history), the events already
processed, every decision version, and the outbox to eligibility.decisions.v1. A batch's
history update, processed ids and new decisions commit in one transaction."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    select,
)
from sqlalchemy.exc import IntegrityError

from clearway.common.auth import api_keys_table
from clearway.common.db import insert_rows, reading
from clearway.common.dedupe import mark_seen, processed_events_table, unseen
from clearway.common.envelope import child_traceparent
from clearway.common.events import Decision, RecordEvent
from clearway.common.migrations import Migrations
from clearway.common.outbox import (
    HandedRow,
    Lease,
    OutboxMessage,
    add_to_outbox,
    outbox_table,
)
from clearway.common.topics import DECISIONS
from clearway.eligibility.domain.history import History
from clearway.eligibility.domain.versions import Current, changes, current_of
from clearway.eligibility.rulepacks.engine import decide

metadata = MetaData()
# The store's schema migrations (Alembic, clearway/eligibility/migrations/), run at start.
MIGRATIONS = Migrations("eligibility", Path(__file__).with_name("migrations"), metadata)
outbox = outbox_table(metadata)
api_keys = api_keys_table(metadata)
processed = processed_events_table(metadata)
subject_events = Table(
    "subject_events", metadata,
    Column("subject_id", String(64), primary_key=True),
    Column("court", String(20), primary_key=True),
    Column("event_id", String(128), primary_key=True),
    Column("payload", LargeBinary, nullable=False),
)
decisions = Table(
    "decisions", metadata,
    Column("subject_id", String(64), primary_key=True),
    Column("court", String(20), primary_key=True),
    Column("case_number", String(40), primary_key=True),
    Column("count", Integer, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("decision_id", String(36), nullable=False, unique=True),
    Column("relief", String(30), nullable=False),
    Column("payload", LargeBinary, nullable=False),
)

CHUNK = 400
_EVENT_COLUMNS = ("subject_id", "court", "event_id", "payload")
_DECISION_COLUMNS = ("subject_id", "court", "case_number", "count", "version", "decision_id",
                     "relief", "payload")


_NO_CONTACT = {"subject": {"contact"}}


def _stored_payload(event: RecordEvent) -> bytes:
    """The event as kept in a history: eligibility needs no contact details, so they are
    left out (serialised in pydantic's core: this runs once per record)."""
    return RecordEvent.__pydantic_serializer__.to_json(event, exclude=_NO_CONTACT)


@dataclass(frozen=True)
class _Staged:
    """A batch's writes, serialised before the write lock is taken: on a store shared by
    several workers, the lock is held for the inserts alone."""

    fresh: Sequence[RecordEvent]
    event_rows: list[tuple[str, str, str, bytes]]
    decision_rows: list[tuple[object, ...]]
    messages: list[OutboxMessage]

    @classmethod
    def of(cls, fresh: Sequence[RecordEvent], decided: Sequence[Decision],
           traces: Mapping[str, str | None] | None = None) -> _Staged:
        """`traces`: the traceparent of the record behind each person's decisions, which
        the decisions continue (W3C trace context); a person not in it starts a trace."""
        traces = traces or {}
        messages = [
            OutboxMessage.of(DECISIONS, d.subject_id, d, source="clearway/eligibility",
                             ce_id=d.decision_id, time=d.decided_at,
                             traceparent=child_traceparent(traces[d.subject_id])
                             if d.subject_id in traces else None)
            for d in decided
        ]
        return cls(
            fresh,
            [(e.subject_id, e.court, e.event_id, _stored_payload(e)) for e in fresh],
            # The stored payload is the published value: the decision is serialised once.
            [(d.subject_id, d.court, d.case_number, d.count, d.version, d.decision_id,
              d.relief, m.value) for d, m in zip(decided, messages, strict=True)],
            messages,
        )

    def write(self, conn: Connection, lease: Lease | None = None) -> list[int]:
        """The inserts; with a lease, the outbox ids of the messages (leased)."""
        mark_seen(conn, processed, self.fresh)
        insert_rows(conn, subject_events, _EVENT_COLUMNS, self.event_rows)
        insert_rows(conn, decisions, _DECISION_COLUMNS, self.decision_rows)
        return add_to_outbox(conn, outbox, self.messages, lease=lease)


class EligibilityStore:
    def __init__(self, engine: Engine, policy_table: dict[str, str]) -> None:
        self.engine = engine
        self.policy_table = policy_table
        MIGRATIONS.ensure_current(engine)

    # -- the pipeline -----------------------------------------------------------------
    def process(self, events: Sequence[RecordEvent], now: dt.datetime,
                traces: Mapping[str, str | None] | None = None) -> list[Decision]:
        """Record new events, re-decide each touched person, stage what changed."""
        return self.process_leased(events, now, traces)[0]

    def process_leased(self, events: Sequence[RecordEvent], now: dt.datetime,
                       traces: Mapping[str, str | None] | None = None,
                       lease: Callable[[], Lease] | None = None
                       ) -> tuple[list[Decision], list[HandedRow]]:
        """`process`, and the committed outbox rows leased to a relay: `lease` (its
        `OutboxRelay.lease`) is asked for one as the write begins.

        The deciding happens on a read snapshot, outside the write lock, so several
        workers sharing a store decide in parallel; the write is inserts only. Should
        another worker have written the same person meanwhile (a rebalance), a key
        conflicts and the batch is decided again on fresh data."""
        for attempt in range(5):
            try:
                return self._process_once(events, now, traces or {}, lease)
            except IntegrityError:
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

    def _process_once(self, events: Sequence[RecordEvent], now: dt.datetime,
                      traces: Mapping[str, str | None], lease: Callable[[], Lease] | None
                      ) -> tuple[list[Decision], list[HandedRow]]:
        with reading(self.engine) as conn:
            fresh = unseen(conn, processed, events)
            touched = sorted({e.subject_id for e in fresh})
            decided = self._decide(conn, touched, now, fresh)
        staged = _Staged.of(fresh, decided, traces)
        leased = lease() if lease is not None else None
        with self.engine.begin() as conn:
            ids = staged.write(conn, leased)
        handed = HandedRow.rows(ids, staged.messages, leased) if leased is not None else []
        return decided, handed

    def load_events(self, events: Sequence[RecordEvent]) -> int:
        """Add events to histories without deciding (replaying the topic)."""
        with self.engine.begin() as conn:
            fresh = unseen(conn, processed, events)
            _Staged.of(fresh, []).write(conn)
            return len(fresh)

    def recompute(self, subject_ids: Sequence[str], now: dt.datetime
                  ) -> list[tuple[str | None, Decision]]:
        """Re-decide these people under the installed rule packs and policy table; stage
        what changed. Each published version with the relief it replaces (None: new)."""
        with self.engine.begin() as conn:
            moved: list[tuple[str | None, Decision]] = []
            decided = self._decide(conn, subject_ids, now, moved=moved)
            _Staged.of([], decided).write(conn)
            return moved

    def all_subjects(self) -> list[str]:
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(
                select(subject_events.c.subject_id).distinct().order_by(subject_events.c.subject_id))]

    def _decide(self, conn: Connection, subject_ids: Sequence[str], now: dt.datetime,
                known: Sequence[RecordEvent] = (),
                moved: list[tuple[str | None, Decision]] | None = None) -> list[Decision]:
        """Decide each person on what the store holds plus `known` (not yet stored);
        `moved` collects each new version with the relief it replaces."""
        published: list[Decision] = []
        known_of: dict[str, list[RecordEvent]] = defaultdict(list)
        for event in known:
            known_of[event.subject_id].append(event)
        for i in range(0, len(subject_ids), CHUNK):
            chunk = subject_ids[i:i + CHUNK]
            histories = self._events_of(conn, chunk, [e for s in chunk for e in known_of[s]])
            currents = self._currents_of(conn, chunk)
            for subject_id in chunk:
                history = History.from_events(subject_id, histories.get(subject_id, []))
                outcomes = decide(history, now.date(), self.policy_table)
                current = currents.get(subject_id, {})
                found = changes(subject_id, outcomes, current, now.date(), now)
                if moved is not None:
                    for d in found:
                        prior = current.get((d.court, d.case_number, d.count))
                        moved.append((prior.relief if prior else None, d))
                published += found
        return published

    @staticmethod
    def _events_of(conn: Connection, subject_ids: Iterable[str],
                   known: Sequence[RecordEvent] = ()) -> dict[str, list[RecordEvent]]:
        """Each person's stored events, plus the `known` ones not stored yet."""
        wanted = set(subject_ids)
        parsed = {(e.court, e.event_id): e for e in known if e.subject_id in wanted}
        out: dict[str, list[RecordEvent]] = defaultdict(list)
        for event in parsed.values():
            out[event.subject_id].append(event)
        rows = conn.execute(select(subject_events.c.subject_id, subject_events.c.court,
                                   subject_events.c.event_id, subject_events.c.payload)
                            .where(subject_events.c.subject_id.in_(list(subject_ids))))
        for row in rows:
            if (row.court, row.event_id) not in parsed:
                out[row.subject_id].append(RecordEvent.model_validate_json(row.payload))
        return out

    @staticmethod
    def _latest(conn: Connection, subject_ids: Iterable[str]) -> dict[str, list[Decision]]:
        latest: dict[tuple[str, str, str, int], tuple[int, bytes]] = {}
        rows = conn.execute(select(decisions.c.subject_id, decisions.c.court,
                                   decisions.c.case_number, decisions.c.count,
                                   decisions.c.version, decisions.c.payload)
                            .where(decisions.c.subject_id.in_(list(subject_ids))))
        for r in rows:
            key = (r.subject_id, r.court, r.case_number, r.count)
            if key not in latest or latest[key][0] < r.version:
                latest[key] = (r.version, r.payload)
        out: dict[str, list[Decision]] = defaultdict(list)
        for key, (_, payload) in sorted(latest.items()):
            out[key[0]].append(Decision.model_validate(orjson.loads(payload)))
        return out

    def _currents_of(self, conn: Connection, subject_ids: Iterable[str]
                     ) -> dict[str, dict[tuple[str, str, int], Current]]:
        return {
            subject: {(d.court, d.case_number, d.count): current_of(d) for d in ds}
            for subject, ds in self._latest(conn, subject_ids).items()
        }

    # -- reads ------------------------------------------------------------------------
    def current_decisions(self, subject_id: str) -> list[Decision]:
        """The current decision of each count still in scope (withdrawn ones are not listed)."""
        with self.engine.connect() as conn:
            return [d for d in self._latest(conn, [subject_id]).get(subject_id, [])
                    if d.relief != "withdrawn"]

    def history(self, subject_id: str) -> History:
        with self.engine.connect() as conn:
            return History.from_events(subject_id, self._events_of(conn, [subject_id])[subject_id])

    def events_of(self, subject_id: str) -> list[RecordEvent]:
        with self.engine.connect() as conn:
            return self._events_of(conn, [subject_id]).get(subject_id, [])

    def subjects_in_court(self, court: str) -> list[str]:
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(
                select(decisions.c.subject_id).distinct().where(decisions.c.court == court))]

    def decisions_and_histories(self, subject_ids: Sequence[str]
                                ) -> Iterable[tuple[History, list[Decision]]]:
        for i in range(0, len(subject_ids), CHUNK):
            chunk = subject_ids[i:i + CHUNK]
            with self.engine.connect() as conn:
                events = self._events_of(conn, chunk)
                latest = self._latest(conn, chunk)
            for s in chunk:
                yield (History.from_events(s, events.get(s, [])),
                       [d for d in latest.get(s, []) if d.relief != "withdrawn"])

