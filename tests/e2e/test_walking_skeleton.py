"""The four services as processes over the broker: one disposition goes all the way."""

from __future__ import annotations

import email
import io
import time
import uuid
from email.policy import default
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader

from clearway.common.devstack import Stack
from clearway.common.topics import DECISIONS, DELIVERIES, MOTIONS, RECORDS
from tests.e2e.topics import TopicReader

pytestmark = pytest.mark.e2e


def disposition(subject_id: str, case_number: str, email_address: str) -> dict[str, object]:
    return {
        "event_id": f"ev-{uuid.uuid4().hex[:12]}",
        "event_type": "disposition",
        "court": "CA-SF",
        "occurred_at": "2024-01-15T10:00:00-08:00",
        "subject": {
            "subject_id": subject_id,
            "first_name": "Rosa",
            "last_name": "Quintero",
            "date_of_birth": "1975-06-02",
            "contact": {"email": email_address, "language": "es"},
        },
        "case": {
            "case_number": case_number,
            "counts": [
                {
                    "count": 1,
                    "statute": "11359(B) HS",
                    "description": "POSSESS MARIJUANA FOR SALE",
                    "level": "felony",
                    "offense_date": "2009-04-01",
                    "disposition": "convicted",
                    "disposition_date": "2010-02-01",
                    "sentence": {"kind": "jail", "end_date": "2010-08-01"},
                }
            ],
        },
    }


def mails_to(maildir: Path, address: str) -> list[email.message.EmailMessage]:
    found = []
    for path in (maildir / "new").glob("*"):
        message = email.message_from_bytes(path.read_bytes(), policy=default)
        if message["To"] and address in message["To"]:
            found.append(message)
    return found


def wait_until(fn, timeout: float = 60.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"nothing within {timeout:.0f}s")


def motion_pdf_text(stack: Stack, subject_id: str) -> tuple[list[dict[str, object]], str]:
    with httpx.Client(base_url=stack.url("filing"), headers=stack.headers()) as client:
        motions = wait_until(
            lambda: [
                m
                for m in client.get("/v1/courts/CA-SF/motions", params={"limit": 1000}).json()[
                    "motions"
                ]
                if m["subject_id"] == subject_id and m["status"] == "ready"
            ]
        )
        pdf = client.get(f"/v1/motions/{motions[0]['motion_id']}/pdf")
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    return motions, text


def test_one_disposition_flows_to_a_decision_a_motion_pdf_and_an_email(stack: Stack) -> None:
    subject_id = f"CII{uuid.uuid4().hex[:10]}"
    case_number = f"SF{uuid.uuid4().hex[:6].upper()}"
    address = f"{subject_id.lower()}@example.org"
    event = disposition(subject_id, case_number, address)
    reader = TopicReader(stack.bootstrap_servers or "", RECORDS, DECISIONS)
    try:
        answer = httpx.post(
            f"{stack.url('ingest')}/v1/records", json=event, headers=stack.headers()
        )
        assert answer.status_code == 202, answer.text

        reader.wait_for(
            lambda r: any(v["event_id"] == event["event_id"] for v in r.values(RECORDS))
        )
        record = next(
            m
            for m in reader.messages
            if m.topic == RECORDS and b'"' + str(event["event_id"]).encode() + b'"' in m.value
        )
        assert record.key == subject_id.encode()
        headers = dict(record.headers)
        assert (
            headers["ce_specversion"] == b"1.0" and headers["content-type"] == b"application/json"
        )

        reader.wait_for(lambda r: any(d["subject_id"] == subject_id for d in r.values(DECISIONS)))
        (decision,) = [d for d in reader.values(DECISIONS) if d["subject_id"] == subject_id]
        assert decision["relief"] == "reduce_to_misdemeanor"
        assert decision["statute"] == "HS 11359(b)"
        assert decision["version"] == 1 and decision["supersedes"] is None
    finally:
        reader.close()

    motions, text = motion_pdf_text(stack, subject_id)
    assert len(motions) == 1
    assert case_number in text
    assert "11361.8" in text

    (mail,) = wait_until(lambda: mails_to(stack.maildir, address))
    assert case_number in mail.get_body(("plain",)).get_content()
    assert mail.get_body(("html",)) is not None
    assert mail["Content-Language"] in (None, "es") or "es" in str(mail["Content-Language"])


def test_the_same_event_sent_twice_yields_one_decision_one_motion_one_email(stack: Stack) -> None:
    subject_id = f"CII{uuid.uuid4().hex[:10]}"
    case_number = f"SF{uuid.uuid4().hex[:6].upper()}"
    address = f"{subject_id.lower()}@example.org"
    event = disposition(subject_id, case_number, address)
    with httpx.Client(base_url=stack.url("ingest"), headers=stack.headers()) as client:
        first = client.post("/v1/records", json=event)
        second = client.post("/v1/records", json=event)
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    assert second.headers.get("idempotent-replayed") == "true"

    reader = TopicReader(stack.bootstrap_servers or "", RECORDS, DECISIONS, MOTIONS, DELIVERIES)
    try:
        reader.wait_for(
            lambda r: any(
                d["subject_id"] == subject_id and d["status"] == "sent"
                for d in r.values(DELIVERIES)
            ),
            settle=3.0,
        )
        records = [v for v in reader.values(RECORDS) if v["subject"]["subject_id"] == subject_id]
        decisions = [d for d in reader.values(DECISIONS) if d["subject_id"] == subject_id]
        motions = {
            m["motion_id"] for m in reader.values(MOTIONS) if m.get("subject_id") == subject_id
        }
    finally:
        reader.close()
    assert len(records) == 1
    assert len(decisions) == 1
    assert len(motions) == 1
    assert len(mails_to(stack.maildir, address)) == 1
