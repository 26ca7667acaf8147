"""Validation messages name the field and never repeat the submitted value."""
from __future__ import annotations

import orjson
import pytest

from clearway.common.events import RecordEvent
from clearway.ingest.domain.validation import messages_from, parse_event, parse_json_line
from tests.ingest.builders import disposition, registration


def fields(errors: list[dict[str, str]]) -> set[str]:
    return {e["field"] for e in errors}


def test_a_valid_event_parses():
    assert isinstance(parse_event(disposition()), RecordEvent)
    assert isinstance(parse_event(registration()), RecordEvent)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date_of_birth": "23/07/1961"}, "subject.date_of_birth"),
        ({"contact": {"phone": "2135550142"}}, "subject.contact.phone"),
        ({"contact": {"language": "not a language"}}, "subject.contact.language"),
        ({"contact": {"email": "zq-at-example.org"}}, "subject.contact.email"),
        ({"nickname": "Zeph"}, "subject.nickname"),
    ],
)
def test_each_bad_subject_field_is_named(change, field):
    event = disposition()
    event["subject"].update(change)
    errors = parse_event(event)
    assert isinstance(errors, list)
    assert field in fields(errors)


def test_bad_codes_and_dates_in_a_count_are_named_by_position():
    event = disposition(counts=2)
    event["case"]["counts"][1].update(level="felonious", disposition_date="2010-02-30")
    errors = parse_event(event)
    assert fields(errors) == {"case.counts.1.level", "case.counts.1.disposition_date"}


def test_a_court_code_and_timestamp_without_zone_are_rejected():
    event = disposition(court="Los Angeles")
    event["occurred_at"] = "2024-03-01T09:30:00"
    assert fields(parse_event(event)) == {"court", "occurred_at"}


def test_the_payload_that_does_not_fit_the_event_type_is_named():
    event = disposition()
    del event["case"]
    assert parse_event(event) == [{"field": "case", "type": "value_error",
                                   "message": "`case` is required for event_type disposition"}]
    other = registration()
    other["death"] = {"date": "2020-01-01"}
    assert fields(parse_event(other)) == {"death"}


def test_a_disposition_without_name_or_birth_date_names_each_missing_field():
    event = disposition()
    del event["subject"]["first_name"], event["subject"]["date_of_birth"]
    errors = parse_event(event)
    assert errors == [
        {"field": "subject.first_name", "type": "value_error",
         "message": "required for a disposition"},
        {"field": "subject.date_of_birth", "type": "value_error",
         "message": "required for a disposition"},
    ]


def test_no_message_repeats_a_submitted_value():
    event = disposition(first_name="Zephyrine" * 20, date_of_birth="1961-07-99",
                        email="zephyrine.quillfeather@bad_domain")
    event["subject"]["last_name"] = ""
    event["subject"]["contact"]["phone"] = "+1-Quillfeather"
    event["case"]["counts"][0]["statute"] = ""
    errors = parse_event(event)
    assert len(errors) >= 5
    text = orjson.dumps(errors).decode()
    for value in ("Zephyrine", "1961-07-99", "zephyrine", "quillfeather", "bad_domain",
                  "Quillfeather"):
        assert value not in text


def test_a_message_quoting_the_input_is_replaced_by_the_error_type():
    errors = messages_from([{"loc": ("body", "subject", "last_name"), "type": "weird",
                             "msg": "Quillfeather is not allowed", "input": "Quillfeather"}],
                           prefix=("body",))
    assert errors == [{"field": "subject.last_name", "type": "weird",
                       "message": "invalid value (weird)"}]


def test_an_item_that_is_not_an_object_or_a_line_that_is_not_json_is_named():
    assert parse_event([1, 2]) == [{"field": "<item>", "type": "object_type",
                                    "message": "each item must be a JSON object"}]
    assert fields(parse_json_line(b'{"event_id": ')) == {"<line>"}
    assert isinstance(parse_json_line(orjson.dumps(disposition())), RecordEvent)
