"""The CloudEvents binary-mode envelope read back from Kafka headers."""
from __future__ import annotations

import datetime as dt

from clearway.common.envelope import encode, read_envelope
from clearway.common.events import Death, RecordEvent, Subject

EVENT = RecordEvent(event_id="e-1", event_type="death", court="CA-LA",
                    occurred_at=dt.datetime(2020, 1, 2, tzinfo=dt.UTC),
                    subject=Subject(subject_id="s-1"), death=Death(date=dt.date(2020, 1, 1)))


def test_an_encoded_event_reads_back_with_its_attributes_and_trace() -> None:
    _, headers = encode(EVENT, source="clearway/ingest", ce_id="id-1",
                        traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01")
    envelope = read_envelope(headers)
    assert envelope is not None
    assert (envelope.ce_id, envelope.ce_type, envelope.ce_source) == (
        "id-1", "org.clearway.court.record.v1", "clearway/ingest")
    assert envelope.traceparent == "00-" + "a" * 32 + "-" + "b" * 16 + "-01"
    assert dt.datetime.fromisoformat(envelope.ce_time).tzinfo is not None


def test_headers_without_an_id_or_a_type_are_no_envelope() -> None:
    assert read_envelope(None) is None
    assert read_envelope([("ce_type", b"org.clearway.court.record.v1")]) is None
    assert read_envelope([("ce_id", b"id-1"), ("ce_type", b"")]) is None


def test_the_first_of_a_repeated_header_counts_and_missing_optional_ones_are_empty() -> None:
    envelope = read_envelope([("ce_id", b"first"), ("ce_type", b"t"), ("ce_id", b"second"),
                              ("traceparent", None), ("other", b"x")])
    assert envelope is not None
    assert (envelope.ce_id, envelope.ce_source, envelope.ce_time, envelope.traceparent) == (
        "first", "", "", None)


def test_the_same_instant_at_another_offset_keeps_its_own_offset_in_ce_time() -> None:
    utc = dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.UTC)
    pacific = utc.astimezone(dt.timezone(dt.timedelta(hours=-8)))
    times = [dict(encode(EVENT, source="s", time=t)[1])["ce_time"].decode()
             for t in (utc, pacific)]
    assert times == ["2026-01-01T08:00:00+00:00", "2026-01-01T00:00:00-08:00"]
