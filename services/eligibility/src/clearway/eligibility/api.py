"""Eligibility's HTTP API: current decisions, dry-run evaluation, court summaries."""
from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated

from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict, Field, field_validator

from clearway.common.auth import KeyStore, Principal, check_court, require
from clearway.common.db import make_engine
from clearway.common.events import Decision, RecordEvent, sealed_counts
from clearway.common.http import create_app, error_responses, problem
from clearway.common.runtime import Runtime
from clearway.common.topics import RECORDS
from clearway.eligibility.domain.history import History, identity_conflict_view
from clearway.eligibility.domain.summary import summarise
from clearway.eligibility.domain.versions import changes
from clearway.eligibility.rulepacks import IDENTITY_CONFLICT, pack_named, policy_names
from clearway.eligibility.rulepacks.ca_prop64.county import CountyPolicyDocument
from clearway.eligibility.rulepacks.ca_prop64.county import build as build_county_policy
from clearway.eligibility.rulepacks.engine import decide
from clearway.eligibility.settings import EligibilitySettings
from clearway.eligibility.store import EligibilityStore, api_keys, outbox
from clearway.eligibility.stream import records_handler

Reader = Annotated[Principal, Depends(require("decisions:read"))]


class EvaluateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    events: list[RecordEvent] = Field(min_length=1, max_length=1000,
                                      description="record events of one person")
    as_of: dt.date | None = Field(default=None, description="default: today")
    policy: str | CountyPolicyDocument | None = Field(
        default=None,
        description="a policy's name, such as `statewide`, `dismiss-all` or a configured "
        "county policy, or a whole county policy document (contract 4.5) to try; default: "
        "each court's policy from the policy table")

    @field_validator("policy")
    @classmethod
    def _known_policy(cls, value: str | CountyPolicyDocument | None
                      ) -> str | CountyPolicyDocument | None:
        if isinstance(value, str) and value not in policy_names():
            raise ValueError(f"unknown policy; known: {', '.join(policy_names())}")
        return value


class EvaluateResponse(BaseModel):
    subject_id: str
    as_of: dt.date
    decisions: list[Decision]


def build_app(settings: EligibilitySettings | None = None) -> FastAPI:
    settings = settings or EligibilitySettings()
    engine = make_engine(settings.sqlalchemy_url())
    policy_table = settings.policies()
    store = EligibilityStore(engine, policy_table)
    keys = KeyStore.for_service(engine, api_keys, settings.bootstrap_api_key,
                                settings.keys_database_url)
    runtime = Runtime(settings, engine, outbox=outbox, consumes={RECORDS: RecordEvent})
    runtime.handler = records_handler(store, lambda: runtime.relay)

    app = create_app(
        service="eligibility",
        title="Clearway eligibility",
        description="Applies the Proposition 64 rules (ca-prop64) to each person's history "
        "and publishes explained, versioned decisions to eligibility.decisions.v1.",
        runtime=runtime,
        keys=keys,
    )
    app.state.store = store

    @app.get("/v1/subjects/{subject_id}/decisions", tags=["decisions"],
             summary="The current decision of each in-scope count of a person",
             description="When courts give different dates of birth and a count went to "
             "review for it (`IDENTITY_CONFLICT`), `identity_conflict` shows each court's "
             "date of birth: the values of the courts this key may act for, and only the "
             "court codes of the others (`withheld`).")
    async def subject_decisions(subject_id: str, principal: Reader) -> dict[str, object]:
        found, events = await asyncio.gather(
            asyncio.to_thread(store.current_decisions, subject_id),
            asyncio.to_thread(store.events_of, subject_id),
        )
        sealed = set() if principal.has("sealed:read") else sealed_counts(events)
        visible = [
            d for d in found
            if principal.may_act_for(d.court) and (d.court, d.case_number, d.count) not in sealed
        ]
        if not visible:  # unknown, or not this key's to see: the same answer
            raise problem(404, "not_found", "no decisions for this subject")
        body: dict[str, object] = {"subject_id": subject_id,
                                   "decisions": [d.model_dump(mode="json") for d in visible]}
        if any(r.code == IDENTITY_CONFLICT for d in visible for r in d.reasons):
            body["identity_conflict"] = identity_conflict_view(
                History.from_events(subject_id, events), principal.may_act_for)
        return body

    @app.post("/v1/evaluate", tags=["decisions"], response_model=EvaluateResponse,
              summary="Dry run: decide for the given events of one person; publishes nothing",
              responses=error_responses(400, 415, 422))
    async def evaluate(request: EvaluateRequest, principal: Reader) -> EvaluateResponse:
        subjects = {e.subject_id for e in request.events}
        if len(subjects) != 1:
            raise problem(422, "invalid", "the events are not of one person", errors=[{
                "field": "events", "type": "one_subject",
                "message": "all events must be of one subject_id"}])
        for court in {e.court for e in request.events}:
            check_court(principal, court)
        (subject_id,) = subjects
        now = dt.datetime.now(dt.UTC)
        as_of = request.as_of or now.date()
        history = History.from_events(subject_id, request.events)
        if isinstance(request.policy, CountyPolicyDocument):
            outcomes = decide(history, as_of, custom=(
                pack_named("ca-prop64"), build_county_policy(request.policy)))
        else:
            outcomes = decide(history, as_of, policy_table, request.policy)
        return EvaluateResponse(subject_id=subject_id, as_of=as_of,
                                decisions=changes(subject_id, outcomes, {}, as_of, now))

    @app.get("/v1/courts/{court}/summary", tags=["decisions"],
             summary="Counts by statute and relief, and people left with no felony or no "
             "conviction once every granted relief goes through")
    async def court_summary(court: str, principal: Reader) -> dict[str, object]:
        check_court(principal, court)

        def compute() -> dict[str, object]:
            subjects = store.subjects_in_court(court)
            return summarise(court, store.decisions_and_histories(subjects)).as_dict()

        return await asyncio.to_thread(compute)

    return app
