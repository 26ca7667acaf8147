"""Record events, decisions and renderers for the filing tests (synthetic people only)."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid
from collections.abc import Sequence
from typing import Any

from pypdf import PdfReader

from clearway.common.events import Decision, RecordEvent
from clearway.filing.domain.motion import MotionContent

COURT = "CA-LA"
NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
STUB_SHA = hashlib.sha256(b"stub pdf").hexdigest()


def count(number: int = 1, statute: str = "HS 11359(b)", level: str = "felony",
          convicted: str = "2010-02-01", description: str = "POSSESS MARIJUANA FOR SALE",
          sentence_end: str | None = "2010-08-01") -> dict[str, Any]:
    c: dict[str, Any] = {"count": number, "statute": statute, "description": description,
                         "level": level, "disposition": "convicted",
                         "disposition_date": convicted}
    if sentence_end:
        c["sentence"] = {"kind": "jail", "end_date": sentence_end}
    return c


def disposition(subject_id: str = "S1", case_number: str = "BA100",
                counts: Sequence[dict[str, Any]] | None = None, *, court: str = COURT,
                event_id: str | None = None, occurred_at: str = "2024-01-01T00:00:00Z",
                first_name: str = "Dana", last_name: str = "Testperson",
                date_of_birth: str = "1980-01-02") -> RecordEvent:
    return RecordEvent.model_validate({
        "event_id": event_id or f"rec-{uuid.uuid4().hex[:12]}", "event_type": "disposition",
        "court": court, "occurred_at": occurred_at,
        "subject": {"subject_id": subject_id, "first_name": first_name,
                    "last_name": last_name, "date_of_birth": date_of_birth},
        "case": {"case_number": case_number, "counts": list(counts or [count()])},
    })


def court_order(subject_id: str = "S1", case_number: str = "BA100", number: int = 1,
                outcome: str = "granted", relief: str = "dismiss_and_seal", *,
                court: str = COURT, event_id: str | None = None) -> RecordEvent:
    return RecordEvent.model_validate({
        "event_id": event_id or f"ord-{uuid.uuid4().hex[:12]}", "event_type": "court_order",
        "court": court, "occurred_at": "2026-02-01T00:00:00Z",
        "subject": {"subject_id": subject_id},
        "order": {"case_number": case_number, "count": number, "outcome": outcome,
                  "relief": relief, "order_date": "2026-02-01"},
    })


def decision(subject_id: str = "S1", case_number: str = "BA100", number: int = 1,
             relief: str = "reduce_to_misdemeanor", procedure: str | None = "application", *,
             version: int = 1, supersedes: str | None = None, statute: str = "HS 11359(b)",
             court: str = COURT, decision_id: str | None = None) -> Decision:
    if relief in ("not_eligible", "needs_review", "withdrawn"):
        procedure = None
    return Decision.model_validate({
        "decision_id": decision_id or str(uuid.uuid4()), "subject_id": subject_id,
        "court": court, "case_number": case_number, "count": number, "statute": statute,
        "relief": relief, "procedure": procedure,
        "reasons": [{"code": "TEST", "text": "test decision", "citation": "HS 11361.8"}],
        "policy": "statewide", "rule_pack": "ca-prop64", "rule_pack_version": "1",
        "version": version, "supersedes": supersedes, "as_of": "2026-03-01",
        "decided_at": "2026-03-01T00:00:00Z",
    })


def stub_render(content: MotionContent) -> str:
    """Where the PDF is not the point: a fixed hash, no document."""
    return STUB_SHA


class RecordingRender:
    """A stub that remembers what it was asked to render."""

    def __init__(self) -> None:
        self.contents: list[MotionContent] = []

    def __call__(self, content: MotionContent) -> str:
        self.contents.append(content)
        return hashlib.sha256(repr(content).encode()).hexdigest()


def pdf_text(data: bytes, pages: Sequence[int] | None = None) -> str:
    """The text of a PDF (or of some pages), whitespace collapsed."""
    reader = PdfReader(io.BytesIO(data))
    chosen = reader.pages if pages is None else [reader.pages[i] for i in pages]
    return " ".join(" ".join(page.extract_text().split()) for page in chosen)
