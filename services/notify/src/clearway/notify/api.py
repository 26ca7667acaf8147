"""Notify's HTTP API: deliveries of a person, failed and unreachable lists, resend,
opt-outs."""
from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, HTTPException, Query
from pydantic import BaseModel, ConfigDict

from clearway.common.auth import KeyStore, Principal, check_court, require
from clearway.common.db import make_engine
from clearway.common.events import Decision, RecordEvent
from clearway.common.http import create_app
from clearway.common.runtime import Runtime
from clearway.common.topics import DECISIONS, RECORDS
from clearway.notify.adapters.base import Channel
from clearway.notify.adapters.email import EmailChannel, SmtpSettings
from clearway.notify.adapters.letter import LetterChannel, LetterSettings
from clearway.notify.adapters.sms import SmsChannel, SmsSettings
from clearway.notify.dispatch import Dispatcher
from clearway.notify.settings import NotifySettings
from clearway.notify.store import NotifyStore, api_keys, outbox
from clearway.notify.stream import notify_handler

Reader = Annotated[Principal, Depends(require("notices:read"))]
Writer = Annotated[Principal, Depends(require("notices:write"))]


class OptOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: Literal["email", "sms", "letter"]
    opted_out: bool = True


def channels_from(settings: NotifySettings) -> dict[str, Channel]:
    channels: dict[str, Channel] = {
        "letter": LetterChannel(LetterSettings(letters_dir=settings.letters_path()))}
    if settings.smtp_host:
        channels["email"] = EmailChannel(SmtpSettings(
            host=settings.smtp_host, port=settings.smtp_port, starttls=settings.smtp_starttls,
            username=settings.smtp_username, password=settings.smtp_password,
            sender=settings.smtp_sender, timeout=settings.smtp_timeout))
    if settings.sms_base_url:
        channels["sms"] = SmsChannel(SmsSettings(
            account_sid=settings.sms_account_sid, auth_token=settings.sms_auth_token,
            from_number=settings.sms_from_number, base_url=settings.sms_base_url))
    return channels


def build_app(settings: NotifySettings | None = None) -> FastAPI:
    settings = settings or NotifySettings()
    engine = make_engine(settings.sqlalchemy_url())
    store = NotifyStore(engine)
    keys = KeyStore(engine, api_keys)
    if settings.bootstrap_api_key:
        keys.ensure(settings.bootstrap_api_key)
    runtime = Runtime(settings, engine, outbox=outbox,
                      consumes={RECORDS: RecordEvent, DECISIONS: Decision})
    dispatcher = Dispatcher(store, channels_from(settings), settings, runtime.wake_relay)
    runtime.handler = notify_handler(store, dispatcher.wake)

    async def start_dispatcher() -> None:
        runtime.workers.spawn("notify-dispatcher", dispatcher.run())

    runtime.workers.on_start(start_dispatcher)
    runtime.workers.stoppers.insert(0, dispatcher.stop)

    app = create_app(
        title="Clearway notify",
        description="Tells each person with granted relief, in their language, by email, "
        "SMS or letter; records every delivery attempt.",
        workers=runtime.workers,
        ready=runtime.ready,
    )
    app.state.keys = keys
    app.state.store = store
    app.state.runtime = runtime

    def visible(principal: Principal) -> frozenset[str] | None:
        return None if "*" in principal.courts else principal.courts

    @app.get("/v1/subjects/{subject_id}/deliveries", tags=["deliveries"],
             summary="Every delivery of a person's notices (no contact details, no text)")
    async def subject_deliveries(subject_id: str, principal: Reader) -> dict[str, object]:
        rows = await asyncio.to_thread(store.deliveries_of, subject_id)
        return {"subject_id": subject_id,
                "deliveries": [r for r in rows if principal.may_act_for(str(r["court"]))]}

    @app.get("/v1/deliveries", tags=["deliveries"],
             summary="Deliveries by status: failed and unreachable lists for operators")
    async def by_status(
        principal: Reader,
        status: Literal["failed", "unreachable", "retrying", "sent", "opted_out"] = "failed",
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> dict[str, object]:
        rows = await asyncio.to_thread(store.deliveries_with, status, visible(principal), limit)
        return {"status": status, "deliveries": rows}

    @app.post("/v1/deliveries/{delivery_id}/resend", tags=["deliveries"],
              summary="Try a failed or sent delivery again")
    async def resend(delivery_id: str, principal: Writer) -> dict[str, object]:
        found = await asyncio.to_thread(store.delivery, delivery_id)
        if found is None or not principal.may_act_for(str(found["court"])):
            raise HTTPException(404, detail={"error": "not_found", "message": "no such delivery"})
        if not await asyncio.to_thread(store.resend, delivery_id):
            raise HTTPException(409, detail={"error": "not_resendable", "message":
                                             f"delivery is {found['status']}"})
        dispatcher.wake()
        return {"delivery_id": delivery_id, "status": "pending"}

    @app.post("/v1/notices/{notice_id}/replan", tags=["deliveries"],
              summary="Plan an unreachable notice again (after new contact data arrived)")
    async def replan(notice_id: str, principal: Writer) -> dict[str, object]:
        if not await asyncio.to_thread(store.replan, notice_id):
            raise HTTPException(404, detail={"error": "not_found",
                                             "message": "no unreachable notice with this id"})
        dispatcher.wake()
        return {"notice_id": notice_id, "status": "pending"}

    @app.put("/v1/subjects/{subject_id}/opt-outs", tags=["opt-outs"],
             summary="Opt a person out of (or back into) a channel")
    async def opt_out(subject_id: str, body: OptOut, principal: Writer,
                      court: Annotated[str, Query(description="a court of the person")]) -> dict[str, object]:
        check_court(principal, court)
        await asyncio.to_thread(store.set_opt_out, subject_id, body.channel, body.opted_out)
        return {"subject_id": subject_id, "channel": body.channel, "opted_out": body.opted_out}

    return app
