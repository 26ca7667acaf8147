"""Issue #19, finding 1, through the whole pipeline: a key for one court writes a disposition
for another court's person, with another date of birth and another email. The other
court's view is not overwritten: a count whose outcome depends on the date of birth goes to
review as IDENTITY_CONFLICT, one whose outcome does not stays granted, and the person's
notices go to the email their own court gave."""
from __future__ import annotations

import os
import subprocess
import time
import uuid
from typing import Any

import httpx
import pytest

from clearway.common.devstack import Stack, console_script
from tests.e2e.test_walking_skeleton import mails_to, wait_until

pytestmark = pytest.mark.e2e

HOLDER = "rosa.quintero@example.org"
ATTACKER = "not.rosa@example.net"


def disposition(subject_id: str, court: str, case: str, dob: str, address: str,
                statute: str = "HS 11357", occurred_at: str = "2024-01-15T10:00:00Z"
                ) -> dict[str, Any]:
    return {
        "event_id": f"ev-{uuid.uuid4().hex[:12]}", "event_type": "disposition",
        "court": court, "occurred_at": occurred_at,
        "subject": {"subject_id": subject_id, "first_name": "Rosa", "last_name": "Quintero",
                    "date_of_birth": dob, "contact": {"email": address, "language": "en"}},
        "case": {"case_number": case, "counts": [{
            "count": 1, "statute": statute, "level": "misdemeanor",
            "offense_date": "2009-04-01", "disposition": "convicted",
            "disposition_date": "2010-02-01"}]}}


def court_key(stack: Stack, court: str) -> dict[str, str]:
    env = {**os.environ, **stack.env_for("ingest", 0)}
    made = subprocess.run([console_script("clearway-ingest"), "keys", "create", "--name",
                           f"{court}-integration", "--scope", "records:write", "--court", court],
                          env=env, capture_output=True, text=True, timeout=60, check=True)
    token = next(w for w in made.stdout.split() if w.startswith("cw_"))
    return {"Authorization": f"Bearer {token}"}


def decisions(stack: Stack, subject_id: str) -> dict[str, dict[str, Any]]:
    with httpx.Client(base_url=stack.url("eligibility"), headers=stack.headers()) as client:
        answer = client.get(f"/v1/subjects/{subject_id}/decisions")
    return {d["court"]: d for d in answer.json().get("decisions", [])} \
        if answer.status_code == 200 else {}


def test_another_courts_key_cannot_bend_a_persons_decision_or_their_notices(
        stack: Stack) -> None:
    subject_id = f"CII{uuid.uuid4().hex[:9].upper()}"
    sac_only = court_key(stack, "CA-SAC")
    with httpx.Client(base_url=stack.url("ingest"), headers=stack.headers()) as ingest:
        accepted = ingest.post("/v1/records", json=disposition(
            subject_id, "CA-LA", "BA1", "1980-03-03", HOLDER))
        assert accepted.status_code in (200, 201, 202), accepted.text
    la = wait_until(lambda: decisions(stack, subject_id).get("CA-LA"))
    assert (la["relief"], la["version"]) == ("dismiss_and_seal", 1)
    wait_until(lambda: mails_to(stack.maildir, HOLDER), timeout=90)

    # The CA-SAC key may not write a CA-LA case ...
    with httpx.Client(base_url=stack.url("ingest"), headers=sac_only) as attacker:
        refused = attacker.post("/v1/records", json=disposition(
            subject_id, "CA-LA", "BA1", "1995-03-03", ATTACKER))
        assert refused.status_code == 403
        # ... and its own record of the person does not overwrite CA-LA's view.
        own = attacker.post("/v1/records", json=disposition(
            subject_id, "CA-SAC", "SAC9", "1995-03-03", ATTACKER, statute="PC 459",
            occurred_at="2024-06-01T10:00:00Z"))
        assert own.status_code in (200, 201, 202), own.text

    # 1995 would make the person a minor in 2009: the CA-LA count goes to review, explained.
    la = wait_until(lambda: (d := decisions(stack, subject_id).get("CA-LA")) and
                    d["version"] == 2 and d)
    assert (la["relief"], [r["code"] for r in la["reasons"]]) == (
        "needs_review", ["IDENTITY_CONFLICT"])

    # A court order on the CA-LA case is told to the email CA-LA gave, not the attacker's.
    with httpx.Client(base_url=stack.url("ingest"), headers=stack.headers()) as ingest:
        order = ingest.post("/v1/records", json={
            "event_id": f"ev-{uuid.uuid4().hex[:12]}", "event_type": "court_order",
            "court": "CA-LA", "occurred_at": "2024-07-01T10:00:00Z",
            "subject": {"subject_id": subject_id},
            "order": {"case_number": "BA1", "count": 1, "outcome": "granted",
                      "relief": "dismiss_and_seal", "order_date": "2024-06-30"}})
        assert order.status_code in (200, 201, 202), order.text
    wait_until(lambda: len(mails_to(stack.maildir, HOLDER)) >= 2, timeout=90)
    time.sleep(2)
    assert mails_to(stack.maildir, ATTACKER) == []
