"""The dispatcher: plans each pending notice's deliveries from the person's contact data,
then sends due deliveries through the channel adapters, retrying transient failures with
exponential backoff and jitter. Every outcome is committed with the delivery and staged
for notify.deliveries.v1 in the same transaction.

Exactly once, and what a crash can do. Each attempt is three commits: `sending` (stage
`started`) when claimed; for e-mail, stage `handover` once the server answered DATA with
354, before the content goes out; the outcome. Sends run in parallel up to handover; from
handover until the outcome is recorded they take turns (a lock), so at most one e-mail per
process is ever in doubt.
A process that dies leaves its rows `sending`; once their lease runs out
(`sending_lease_seconds`, longer than any send may take) another process settles them:
- stage `started`, or a channel whose provider recognises a repeat (letter: the file
  exists; SMS: Idempotency-Key): nothing can have reached the person twice, so the
  attempt counts as interrupted and is made again (`retrying`, error `interrupted`);
- an e-mail at stage `handover`: the SMTP server may or may not have it and SMTP cannot
  be asked. It is not sent again automatically (the contract: never twice); it is
  recorded `failed` with error `outcome_unknown` and listed for operators, who resend
  it after checking (a resend carries the same Message-ID).
The same rule applies to a send that times out or loses its connection after handover.

Sending offices. Every notice is sent in the name of its court's office (settings
`sending_offices`). A notice of a court with no office configured is held, not sent with a
generic sender (an unknown sender is what makes a true notice look like a scam): it stays
`pending` and is looked at again every `HOLD_RECHECK_SECONDS`, so once the office is
configured and the service restarted it goes out by itself. The service warns at start
for each court with notices waiting and no office, and once per court when it first holds
one. A delivery already planned whose court has lost its office fails (`no sending
office ...`), for an operator to resend once the office is configured.
"""
from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Collection

from prometheus_client import Counter
from sqlalchemy import select, union

from clearway.common.courts import court_display_name
from clearway.notify.adapters.base import Channel, DeliveryError, Recipient
from clearway.notify.domain.channels import ContactPoints, choose_channels
from clearway.notify.domain.i18n import choose_language
from clearway.notify.domain.notices import NoticeFacts, RenderedNotice, render_notice
from clearway.notify.domain.retry import next_delay
from clearway.notify.settings import NotifySettings
from clearway.notify.store import (
    OPEN,
    DueDelivery,
    NotifyStore,
    PendingNotice,
    Plan,
    StaleDelivery,
    deliveries,
    notices,
)

log = logging.getLogger(__name__)
DELIVERIES = Counter("clearway_notify_deliveries_total", "Delivery outcomes", ["channel", "status"])

OUTCOME_UNKNOWN = "outcome_unknown"
INTERRUPTED = "interrupted"
HOLD_RECHECK_SECONDS = 300.0
"""How often a notice held for want of its court's sending office is looked at again."""


def plan_notice(pending: PendingNotice, now: float, offered: frozenset[str],
                contact_wait_seconds: float,
                courts_with_office: Collection[str] | None = None) -> Plan:
    """What to do with one pending notice (pure). `offered`: the channels configured;
    `courts_with_office`: the courts with a sending office (None: do not check), a notice
    of any other court is held (`wait`)."""
    contact = pending.contact
    language = choose_language(contact.language if contact else None)
    if pending.deceased:
        return Plan("suppressed", language)
    if courts_with_office is not None and pending.court not in courts_with_office:
        return Plan("wait", language, wait_until=now + HOLD_RECHECK_SECONDS)
    if contact is None:
        deadline = pending.created_at + contact_wait_seconds
        if now < deadline:  # the person's court record may still be on its way
            return Plan("wait", language, wait_until=deadline)
        return Plan("unreachable", language)
    points = ContactPoints(
        email=contact.email if "email" in offered else None,
        phone=contact.phone if "sms" in offered else None,
        has_postal_address=bool(contact.postal_address) and "letter" in offered,
    )
    send = choose_channels(points, pending.opted_out)
    refused = tuple(c for c in choose_channels(points, frozenset()) if c in pending.opted_out)
    if not send and not refused:
        return Plan("unreachable", language)
    return Plan("planned", language, tuple(send), refused)


class Dispatcher:
    def __init__(self, store: NotifyStore, channels: dict[str, Channel],
                 settings: NotifySettings, on_commit: Callable[[], None]) -> None:
        self.store = store
        self.channels = channels
        self.settings = settings
        self.on_commit = on_commit
        self.owner = uuid.uuid4().hex
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._finished = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()
        # Sends run in parallel up to their point of no return; from there until the outcome
        # is recorded, one at a time. So at most one e-mail per process can ever be left in
        # doubt by a crash, whatever the send concurrency.
        self._handover = asyncio.Lock()
        self._running = False
        self._plan_now = True
        self._next_plan = 0.0
        self._next_recovery = 0.0
        self.offices = settings.offices()
        self._held_courts: set[str] = set()

    def warn_about_offices(self) -> None:
        """At start: say when the development placeholder offices are in use, and name each
        court with notices waiting but no sending office (court codes only)."""
        if self.settings.offices_are_placeholders():
            log.warning("sending offices: the development placeholders are in use "
                        "(CLEARWAY_NOTIFY_SENDING_OFFICES is unset); configure each court's "
                        "office before notices go to real people",
                        extra={"courts": sorted(self.offices)})
        else:
            log.info("sending offices configured", extra={"courts": sorted(self.offices)})
        try:
            waiting = self.courts_waiting()
        except Exception as exc:  # the store is briefly away: planning will warn instead
            log.warning("cannot list the courts with notices waiting",
                        extra={"error": type(exc).__name__})
            return
        for court in sorted(waiting - set(self.offices)):
            self._held_courts.add(court)
            log.warning("no sending office configured for a court with notices waiting: "
                        "its notices are held until one is (CLEARWAY_NOTIFY_SENDING_OFFICES)",
                        extra={"court": court})

    def courts_waiting(self) -> set[str]:
        """The courts with notices not yet planned or deliveries not yet made."""
        query = union(
            select(notices.c.court).where(notices.c.state == "pending"),
            select(deliveries.c.court).where(deliveries.c.status.in_(OPEN)))
        with self.store.engine.connect() as conn:
            return {row[0] for row in conn.execute(query)}

    def _hold(self, court: str) -> None:
        if court not in self._held_courts:
            self._held_courts.add(court)
            log.warning("notices held: no sending office configured for the court "
                        "(CLEARWAY_NOTIFY_SENDING_OFFICES)", extra={"court": court})

    def wake(self) -> None:
        """New notices or an operator's resend: plan and claim now."""
        self._plan_now = True
        self._wake.set()

    async def stop(self) -> None:
        """Stop claiming; let the sends in flight finish and record their outcome."""
        self._stopping.set()
        self._wake.set()
        if self._running:
            try:
                await asyncio.wait_for(self._finished.wait(),
                                       self.settings.send_timeout_seconds + 5)
            except TimeoutError:
                log.warning("dispatcher stopped with sends in flight",
                            extra={"in_flight": len(self._inflight)})

    async def run(self) -> None:
        self._running = True
        try:
            await asyncio.to_thread(self.warn_about_offices)
            while not self._stopping.is_set():
                try:
                    busy = await self.step()
                except Exception as exc:  # the store is briefly away: try again soon
                    log.warning("dispatch round failed", extra={"error": type(exc).__name__})
                    busy = False
                if busy:
                    continue
                try:
                    await asyncio.wait_for(self._wake.wait(),
                                           self.settings.dispatch_interval_seconds)
                except TimeoutError:
                    pass
                self._wake.clear()
            await self.wait_in_flight()
        finally:
            self._finished.set()

    async def step(self) -> bool:
        """One round: plan (when woken for it, else once per interval), settle stale sends
        (at most once a second), claim what the free send slots can take. True when there
        may be more to do right away.

        Planning and recovery run only when due, not after every finished send: each is a
        write transaction, and a send's outcome should not wait behind them to be recorded
        (that wait is part of the window in which a crash leaves an e-mail in doubt)."""
        now = time.monotonic()
        planned = recovered = 0
        if self._plan_now or now >= self._next_plan:
            self._plan_now = False
            self._next_plan = now + self.settings.dispatch_interval_seconds
            planned = await asyncio.to_thread(self.plan_pending)
            self._plan_now = self._plan_now or planned > 0  # maybe more than one batch
        if now >= self._next_recovery:
            self._next_recovery = now + min(1.0, self.settings.sending_lease_seconds / 4)
            recovered = await asyncio.to_thread(self.store.recover_stale, self.resolve_stale)
        if planned or recovered:
            self.on_commit()
        free = self.settings.send_concurrency - len(self._inflight)
        claimed = 0
        if free > 0 and not self._stopping.is_set():
            due = await asyncio.to_thread(
                self.store.claim, self.owner, list(self.channels), free,
                self.settings.sending_lease_seconds)
            for d in due:
                task = asyncio.ensure_future(self.deliver(d))
                self._inflight.add(task)
                task.add_done_callback(self._done)
            claimed = len(due)
        return bool(planned or recovered or (claimed and claimed == free))

    async def wait_in_flight(self) -> None:
        """Until every send started so far has finished and been recorded."""
        while self._inflight:
            await asyncio.gather(*list(self._inflight), return_exceptions=True)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self._wake.set()
        if not task.cancelled() and task.exception() is not None:
            log.error("delivery task failed", extra={"error": type(task.exception()).__name__})

    def plan_pending(self) -> int:
        offered = frozenset(self.channels)
        wait = self.settings.contact_wait_seconds
        offices = frozenset(self.offices)

        def decide(pending: PendingNotice, now: float) -> Plan:
            plan = plan_notice(pending, now, offered, wait, offices)
            if plan.state == "wait" and pending.court not in offices:
                self._hold(pending.court)
            return plan

        return self.store.plan_pending(decide)

    def resolve_stale(self, stale: StaleDelivery) -> tuple[str, str, float | None]:
        """The documented policy for a send whose process died (see the module doc)."""
        channel = self.channels.get(stale.channel)
        resend_safe = channel is not None and getattr(channel, "resend_safe", False)
        if stale.stage == "handover" and not resend_safe:
            status, error = "failed", OUTCOME_UNKNOWN
        else:
            status, error = self._after_transient(stale.round_attempt), INTERRUPTED
        DELIVERIES.labels(stale.channel, status).inc()
        log.warning("interrupted delivery settled", extra={
            "delivery_id": stale.delivery_id, "channel": stale.channel, "status": status,
            "error": error})
        return status, error, self._retry_at(stale.round_attempt) if status == "retrying" else None

    def _after_transient(self, round_attempt: int) -> str:
        return "failed" if round_attempt >= self.settings.max_attempts else "retrying"

    def _retry_at(self, round_attempt: int) -> float:
        return time.time() + next_delay(round_attempt, self.settings.retry_base_seconds,
                                        self.settings.retry_max_seconds)

    def _render(self, due: DueDelivery) -> RenderedNotice:
        contact = due.contact
        office = self.offices.get(due.court)
        if office is None:  # planned before the office was removed from the settings
            self._hold(due.court)
            raise DeliveryError(f"no sending office configured for court {due.court}",
                                permanent=True)
        return render_notice(NoticeFacts(
            kind=due.kind,  # type: ignore[arg-type]
            first_name=(contact.first_name if contact else None) or "", court=due.court,
            court_name=court_display_name(due.court), case_number=due.case_number,
            reliefs=due.reliefs, language=contact.language if contact else None,
            office=office))

    async def deliver(self, due: DueDelivery) -> None:
        """One attempt of one claimed delivery; the outcome is always recorded."""
        channel = self.channels[due.channel]
        contact = due.contact
        language = due.language
        handed_over = holding = False
        try:
            if contact is None:
                raise DeliveryError("no contact details", permanent=True)
            notice = self._render(due)
            language = notice.language
            recipient = Recipient(due.subject_id, contact.first_name or "",
                                  contact.last_name or "", contact.email, contact.phone,
                                  contact.postal_address)

            async def handover() -> None:
                nonlocal handed_over, holding
                await self._handover.acquire()
                holding = True
                try:
                    marked = await asyncio.to_thread(self.store.mark_handover,
                                                     due.delivery_id, self.owner)
                except Exception as exc:  # nothing handed over: an ordinary retry
                    raise DeliveryError(f"store unavailable before handover "
                                        f"({type(exc).__name__})", permanent=False) from None
                if not marked:
                    raise DeliveryError("lease lost before handover", permanent=False)
                handed_over = True

            send: Awaitable[str]
            if getattr(channel, "resend_safe", False):
                send = channel.send(recipient, notice, due.delivery_id)
            elif getattr(channel, "has_handover_hook", False):  # e-mail: marked at SMTP DATA
                send = channel.send(recipient, notice, due.delivery_id,  # type: ignore[call-arg]
                                    before_data=handover)
            else:  # no hook and no provider dedupe: the whole request is the point of no return
                await handover()
                send = channel.send(recipient, notice, due.delivery_id)
            provider_id = await asyncio.wait_for(send, self.settings.send_timeout_seconds)
        except DeliveryError as exc:
            if handed_over and exc.code is None:  # no reply after handover: in doubt
                await self._record(due, "failed", language, None, OUTCOME_UNKNOWN)
            elif exc.permanent:
                await self._record(due, "failed", language, None, _error_text(exc))
            else:
                await self._transient(due, language, _error_text(exc))
        except Exception as exc:  # a timeout, or a bug in rendering or in an adapter
            error = "timeout" if isinstance(exc, TimeoutError) else type(exc).__name__
            if handed_over:
                await self._record(due, "failed", language, None, OUTCOME_UNKNOWN)
            elif isinstance(exc, (TimeoutError, OSError)):
                await self._transient(due, language, error)
            else:
                log.error("delivery attempt crashed", extra={
                    "delivery_id": due.delivery_id, "channel": due.channel, "error": error})
                await self._record(due, "failed", language, None, error[:200])
        else:
            await self._record(due, "sent", language, provider_id, None)
        finally:
            if holding:
                self._handover.release()

    async def _transient(self, due: DueDelivery, language: str, error: str) -> None:
        status = self._after_transient(due.round_attempt)
        retry_at = self._retry_at(due.round_attempt) if status == "retrying" else None
        await self._record(due, status, language, None, error, retry_at)

    async def _record(self, due: DueDelivery, status: str, language: str,
                      provider_id: str | None, error: str | None,
                      retry_at: float | None = None) -> None:
        recorded = await asyncio.to_thread(
            _retrying_db, lambda: self.store.finish(due, self.owner, status, language,
                                                    provider_id, error, retry_at))
        self.on_commit()
        DELIVERIES.labels(due.channel, status).inc()
        log.info("delivery attempt recorded", extra={
            "delivery_id": due.delivery_id, "notice_id": due.notice_id, "channel": due.channel,
            "status": status, "attempt": due.attempt, "error": error, "recorded": recorded})


def _error_text(exc: DeliveryError) -> str:
    # DeliveryError messages never hold contact details or message text (adapters/base.py).
    return str(exc)[:200]


def _retrying_db(fn: Callable[[], bool], attempts: int = 20) -> bool:
    """Record an outcome even through a short database outage: losing it after a send
    would leave the row `sending` and the message in doubt."""
    delay = 0.05
    for attempt in range(attempts):
        try:
            return fn()
        except Exception:
            if attempt == attempts - 1:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
    raise AssertionError("unreachable")
