"""The dispatcher: plans each pending notice's deliveries from the person's contact data,
then sends due deliveries through the channel adapters, retrying transient failures with
backoff and jitter. Every outcome is committed with the delivery and staged for
notify.deliveries.v1 in the same transaction."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from prometheus_client import Counter

from clearway.common.courts import court_display_name
from clearway.notify.adapters.base import Channel, DeliveryError, Recipient
from clearway.notify.domain.channels import ContactPoints, choose_channels
from clearway.notify.domain.i18n import choose_language
from clearway.notify.domain.notices import NoticeFacts, render_notice
from clearway.notify.domain.retry import next_delay
from clearway.notify.settings import NotifySettings
from clearway.notify.store import Contact, DueDelivery, NotifyStore

log = logging.getLogger(__name__)
DELIVERIES = Counter("clearway_notify_deliveries_total", "Delivery outcomes", ["channel", "status"])


class Dispatcher:
    def __init__(self, store: NotifyStore, channels: dict[str, Channel],
                 settings: NotifySettings, on_commit: Callable[[], None]) -> None:
        self.store = store
        self.channels = channels
        self.settings = settings
        self.on_commit = on_commit
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                planned = await asyncio.to_thread(self.plan_pending)
                sent = await self.send_due()
            except Exception as exc:  # the store is briefly away: try again soon
                log.warning("dispatch round failed", extra={"error": type(exc).__name__})
                planned = sent = 0
            if planned or sent:
                self.on_commit()
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), self.settings.dispatch_interval_seconds)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()

    def _points(self, contact: Contact) -> ContactPoints:
        return ContactPoints(
            email=contact.email if "email" in self.channels else None,
            phone=contact.phone if "sms" in self.channels else None,
            has_postal_address=bool(contact.postal_address) and "letter" in self.channels,
        )

    def plan_pending(self) -> int:
        planned = 0
        for notice in self.store.pending_notices():
            subject_id = str(notice["subject_id"])
            contact = self.store.contact(subject_id)
            language = choose_language(contact.language if contact else None)
            if self.store.is_deceased(subject_id):
                self.store.plan(notice, [], [], language, "suppressed")
            elif contact is None:
                waited = time.time() - float(notice["created_at"])  # type: ignore[arg-type]
                if waited < self.settings.contact_wait_seconds:
                    continue  # the court record may still be on its way
                self.store.plan(notice, [], [], language, "unreachable")
            else:
                points = self._points(contact)
                opted_out = self.store.opted_out(subject_id)
                send = choose_channels(points, opted_out)
                opted = [c for c in choose_channels(points, frozenset()) if c in opted_out]
                state = "planned" if send or opted else "unreachable"
                self.store.plan(notice, send, opted, language, state)
            planned += 1
        return planned

    async def send_due(self) -> int:
        due = await asyncio.to_thread(self.store.claim_due)
        if due:
            await asyncio.gather(*(self._send_one(d) for d in due))
        return len(due)

    async def _send_one(self, due: DueDelivery) -> None:
        contact, deceased = await asyncio.gather(
            asyncio.to_thread(self.store.contact, due.subject_id),
            asyncio.to_thread(self.store.is_deceased, due.subject_id))
        language = choose_language(contact.language if contact else None)
        channel = self.channels.get(due.channel)
        if deceased or contact is None or channel is None:
            reason = "deceased" if deceased else "no contact" if contact is None else "channel off"
            await asyncio.to_thread(self.store.finish, due, "failed", language, None, reason, None)
            DELIVERIES.labels(due.channel, "failed").inc()
            return
        notice = render_notice(NoticeFacts(
            kind=due.kind,  # type: ignore[arg-type]
            first_name=contact.first_name or "", court=due.court,
            court_name=court_display_name(due.court), case_number=due.case_number,
            reliefs=due.reliefs, language=contact.language))
        recipient = Recipient(due.subject_id, contact.first_name or "", contact.last_name or "",
                              contact.email, contact.phone, contact.postal_address)
        try:
            provider_id = await channel.send(recipient, notice, due.delivery_id)
        except DeliveryError as exc:
            attempts = due.attempts + 1
            if exc.permanent or attempts >= self.settings.max_attempts:
                status, retry_at = "failed", None
            else:
                status = "retrying"
                retry_at = time.time() + next_delay(attempts, self.settings.retry_base_seconds,
                                                    self.settings.retry_max_seconds)
            await asyncio.to_thread(self.store.finish, due, status, notice.language, None,
                                    str(exc.code or type(exc).__name__)[:200], retry_at)
            DELIVERIES.labels(due.channel, status).inc()
            log.info("delivery failed", extra={"delivery_id": due.delivery_id,
                                               "channel": due.channel, "status": status})
            return
        await asyncio.to_thread(self.store.finish, due, "sent", notice.language, provider_id,
                                None, None)
        DELIVERIES.labels(due.channel, "sent").inc()
        log.info("delivery sent", extra={"delivery_id": due.delivery_id, "channel": due.channel})
