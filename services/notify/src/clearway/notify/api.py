"""Notify's HTTP API: a person's notices and deliveries, failed and unreachable lists,
resend and replan for operators, opt-outs. Nothing here returns contact details or
message text. Notices and deliveries of a case a court ordered dismissed and sealed are
listed only to keys with `sealed:read`; to any other key, every route (reads and writes
alike) answers for them, and for a person known only through sealed cases, exactly as for
an id nobody has: 404 with the same body, and nothing done."""
from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, Query
from pydantic import BaseModel, ConfigDict

from clearway.common.auth import KeyStore, Principal, check_court, require
from clearway.common.db import make_engine
from clearway.common.events import Decision, RecordEvent
from clearway.common.http import Problem, create_app, error_responses, problem
from clearway.common.runtime import Runtime
from clearway.common.topics import DECISIONS, RECORDS
from clearway.notify.adapters.base import Channel
from clearway.notify.adapters.email import EmailChannel, SmtpSettings
from clearway.notify.adapters.letter import LetterChannel, LetterSettings
from clearway.notify.adapters.sms import SmsChannel, SmsSettings
from clearway.notify.dispatch import Dispatcher
from clearway.notify.settings import NotifySettings
from clearway.notify.store import CURSOR_PATTERN, NotifyStore, api_keys, outbox
from clearway.notify.stream import notify_handler

Reader = Annotated[Principal, Depends(require("notices:read"))]
Writer = Annotated[Principal, Depends(require("notices:write"))]
ChannelName = Literal["email", "sms", "letter"]
DeliveryStatusQuery = Literal["failed", "retrying", "sent", "opted_out", "pending", "sending",
                              "suppressed"]
NoticeStateQuery = Literal["unreachable", "pending", "planned", "suppressed", "withdrawn"]
Limit = Annotated[int, Query(ge=1, le=1000)]
CourtFilter = Annotated[str | None, Query(description="only this court (a court code)")]
After = Annotated[str | None, Query(
    description="`next_after` of the previous page; the last page answers null",
    pattern=CURSOR_PATTERN, max_length=80)]

HIDDEN = ("; also, to a key without `sealed:read`, one of a case a court ordered "
          "dismissed and sealed (the same answer, and nothing is done)")
NO_DELIVERY = "`not_found`: no such delivery for the key's courts" + HIDDEN
NO_NOTICE = "`not_found`: no such notice for the key's courts" + HIDDEN
NO_PERSON = ("`not_found`: no such person in the key's courts; also, to a key without "
             "`sealed:read`, a person known there only through cases a court ordered "
             "dismissed and sealed")

RESEND_REFUSALS = {
    "deceased": "the person has died; nothing is sent to them",
    "opted_out": "the person opted out of this channel",
    "letter_already_queued": "the letter is already in a print batch; reprint it from there",
}


class OptOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: ChannelName
    opted_out: bool = True


def hides_sealed(principal: Principal) -> bool:
    """Whether the store must leave out the cases a court ordered dismissed and sealed."""
    return not principal.has("sealed:read")


def not_found(message: str) -> Problem:
    """The one answer for what does not exist, is another court's, or is sealed."""
    return problem(404, "not_found", message)


def channels_from(settings: NotifySettings) -> dict[str, Channel]:
    channels: dict[str, Channel] = {"letter": LetterChannel(LetterSettings(
        letters_dir=settings.letters_path(), return_address=settings.return_address(),
        fonts=settings.fonts()))}
    if settings.smtp_host:
        channels["email"] = EmailChannel(SmtpSettings(
            host=settings.smtp_host, port=settings.smtp_port, starttls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            sender=settings.smtp_sender, timeout=settings.smtp_timeout))
    if settings.sms_base_url:
        channels["sms"] = SmsChannel(SmsSettings(
            account_sid=settings.sms_account_sid,
            auth_token=settings.sms_auth_token.get_secret_value(),
            from_number=settings.sms_from_number, base_url=settings.sms_base_url,
            timeout=settings.sms_timeout), provider_dedupes=settings.sms_provider_dedupes)
    return channels


def build_app(settings: NotifySettings | None = None) -> FastAPI:
    settings = settings or NotifySettings()
    engine = make_engine(settings.sqlalchemy_url())
    store = NotifyStore(engine, plan_delay_seconds=settings.plan_delay_seconds)
    keys = KeyStore.for_service(engine, api_keys, settings.bootstrap_api_key,
                                settings.keys_database_url)
    runtime = Runtime(settings, engine, outbox=outbox,
                      consumes={RECORDS: RecordEvent, DECISIONS: Decision})
    dispatcher = Dispatcher(store, channels_from(settings), settings, runtime.wake_relay)
    runtime.handler = notify_handler(store, dispatcher.wake)

    async def start_dispatcher() -> None:
        runtime.workers.spawn("notify-dispatcher", dispatcher.run())

    runtime.workers.on_start(start_dispatcher)
    # First stop sending (in-flight sends finish and are recorded), then the runtime
    # stops the consumer and drains the outbox.
    runtime.workers.stoppers.insert(0, dispatcher.stop)

    app = create_app(
        service="notify",
        title="Clearway notify",
        description="Tells each person with granted relief, in their language, by email, "
        "SMS or letter; records every delivery attempt.",
        runtime=runtime,
        keys=keys,
    )
    app.state.store = store
    app.state.dispatcher = dispatcher

    def visible(principal: Principal, court: str | None) -> frozenset[str] | None:
        if court is not None:
            check_court(principal, court)
            return frozenset({court})
        return None if "*" in principal.courts else principal.courts

    # Every route, read or write, checks court and sealing through these, before it acts:
    # the store leaves out what `hides_sealed` hides (its one test of a sealed case), the
    # key's courts do the rest, and what is hidden answers like what does not exist.
    async def delivery_for(principal: Principal, delivery_id: str) -> dict[str, object]:
        found = await asyncio.to_thread(store.delivery, delivery_id, hides_sealed(principal))
        if found is None or not principal.may_act_for(str(found["court"])):
            raise not_found("no such delivery")
        return found

    async def notice_for(principal: Principal, notice_id: str) -> dict[str, object]:
        found = await asyncio.to_thread(store.notice, notice_id, hides_sealed(principal))
        if found is None or not principal.may_act_for(str(found["court"])):
            raise not_found("no such notice")
        return found

    async def check_person(principal: Principal, subject_id: str) -> None:
        """The key must act for a court the person has a record in, and (without
        `sealed:read`) one where the person is not known only through sealed cases. A key
        that sees everything (every court and `sealed:read`) may also act for a person
        with no record yet (an opt-out recorded before their first court record)."""
        hide = hides_sealed(principal)
        if "*" in principal.courts and not hide:
            return
        courts = await asyncio.to_thread(store.courts_of, subject_id, hide)
        if not any(principal.may_act_for(c) for c in courts):
            raise not_found("no such person in your courts")

    @app.get("/v1/subjects/{subject_id}/deliveries", tags=["deliveries"],
             summary="A person's notices and every delivery of them (no contact details, "
             "no text)")
    async def subject_deliveries(subject_id: str, principal: Reader) -> dict[str, object]:
        hide = hides_sealed(principal)
        found, rows = await asyncio.gather(
            asyncio.to_thread(store.notices_of, subject_id, hide),
            asyncio.to_thread(store.deliveries_of, subject_id, hide))
        return {"subject_id": subject_id,
                "notices": [n for n in found if principal.may_act_for(str(n["court"]))],
                "deliveries": [r for r in rows if principal.may_act_for(str(r["court"]))]}

    @app.get("/v1/deliveries", tags=["deliveries"],
             summary="Deliveries by status (failed by default): the operators' work list")
    async def by_status(principal: Reader, status: DeliveryStatusQuery = "failed",
                        court: CourtFilter = None, limit: Limit = 200,
                        after: After = None) -> dict[str, object]:
        rows, next_after = await asyncio.to_thread(
            store.deliveries_with, status, visible(principal, court), limit, after,
            hides_sealed(principal))
        return {"status": status, "deliveries": rows, "next_after": next_after}

    @app.get("/v1/notices", tags=["deliveries"],
             summary="Notices by state (unreachable by default: nobody could be reached)")
    async def by_state(principal: Reader, state: NoticeStateQuery = "unreachable",
                       court: CourtFilter = None, limit: Limit = 200,
                       after: After = None) -> dict[str, object]:
        rows, next_after = await asyncio.to_thread(
            store.notices_with, state, visible(principal, court), limit, after,
            hides_sealed(principal))
        return {"state": state, "notices": rows, "next_after": next_after}

    @app.post("/v1/deliveries/{delivery_id}/resend", tags=["deliveries"],
              summary="Send a failed (or sent) delivery again, as a new round of attempts",
              responses=error_responses(404, 409, described={
                  404: NO_DELIVERY,
                  409: "`not_resendable`: `reason` says why (deceased, opted_out, "
                  "letter_already_queued, status:<status>)"}))
    async def resend(delivery_id: str, principal: Writer) -> dict[str, object]:
        await delivery_for(principal, delivery_id)
        outcome = await asyncio.to_thread(store.resend, delivery_id)
        if outcome == "not_found":
            raise not_found("no such delivery")
        if outcome != "ok":
            message = RESEND_REFUSALS.get(outcome, f"delivery is {outcome.partition(':')[2]}")
            raise problem(409, "not_resendable", message, reason=outcome)
        dispatcher.wake()
        return {"delivery_id": delivery_id, "status": "pending"}

    @app.post("/v1/deliveries/{delivery_id}/mark-sent", tags=["deliveries"],
              summary="Record a failed delivery as sent after checking it arrived (for "
              "example an e-mail whose outcome was unknown)",
              responses=error_responses(404, 409, described={
                  404: NO_DELIVERY,
                  409: "`not_failed`: only a failed delivery can be marked sent"}))
    async def mark_sent(delivery_id: str, principal: Writer) -> dict[str, object]:
        found = await delivery_for(principal, delivery_id)
        if not await asyncio.to_thread(store.mark_sent, delivery_id):
            raise problem(409, "not_failed", f"delivery is {found['status']}")
        runtime.wake_relay()
        return {"delivery_id": delivery_id, "status": "sent"}

    @app.post("/v1/notices/{notice_id}/replan", tags=["deliveries"],
              summary="Plan an unreachable notice again (after new contact data arrived)",
              responses=error_responses(404, 409, described={
                  404: NO_NOTICE,
                  409: "`not_unreachable`: only an unreachable notice can be planned again"}))
    async def replan(notice_id: str, principal: Writer) -> dict[str, object]:
        found = await notice_for(principal, notice_id)
        if not await asyncio.to_thread(store.replan, notice_id):
            raise problem(409, "not_unreachable", f"notice is {found['state']}")
        dispatcher.wake()
        return {"notice_id": notice_id, "state": "pending"}

    @app.get("/v1/subjects/{subject_id}/opt-outs", tags=["opt-outs"],
             summary="The channels a person opted out of",
             responses=error_responses(404, described={404: NO_PERSON}))
    async def get_opt_outs(subject_id: str, principal: Reader) -> dict[str, object]:
        await check_person(principal, subject_id)
        channels = await asyncio.to_thread(store.opted_out, subject_id)
        return {"subject_id": subject_id, "opted_out": sorted(channels)}

    @app.put("/v1/subjects/{subject_id}/opt-outs", tags=["opt-outs"],
             summary="Opt a person out of (or back into) a channel",
             responses=error_responses(400, 404, described={404: NO_PERSON}))
    async def opt_out(subject_id: str, body: OptOut, principal: Writer) -> dict[str, object]:
        await check_person(principal, subject_id)
        await asyncio.to_thread(store.set_opt_out, subject_id, body.channel, body.opted_out)
        return {"subject_id": subject_id, "channel": body.channel, "opted_out": body.opted_out}

    return app
