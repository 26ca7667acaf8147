"""The contract models take dates, timestamps and numbers only in their own JSON form:
pydantic's lax mode would read `0` or "0" as 1970-01-01, "1" as the count 1 and `true`
as 1 gram. Events are validated from parsed JSON (python mode: ingest's routes and bulk
rows) and from bytes (JSON mode: every consumer); both refuse the same things, and both
name the field without repeating the value."""
from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from clearway.common.events import Decision, Facts, RecordEvent

EVENT: dict[str, Any] = {
    "event_id": "LA-1", "event_type": "disposition", "court": "CA-LA",
    "occurred_at": "2024-03-01T09:30:00-08:00",
    "subject": {"subject_id": "CII1", "first_name": "Ana", "last_name": "Reyes",
                "date_of_birth": "1961-07-23"},
    "case": {"case_number": "BA1", "counts": [{
        "count": 1, "statute": "HS 11359", "level": "felony", "offense_date": "2009-04-01",
        "disposition": "convicted", "disposition_date": "2010-02-01",
        "sentence": {"kind": "jail", "end_date": "2010-08-01"},
        "facts": {"grams": 120.5, "plants": 3}}]},
}
COUNT = ("case", "counts", 0)


def event_with(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    event = copy.deepcopy(EVENT)
    place = event
    for step in path[:-1]:
        place = place[step]
    place[path[-1]] = value
    return event


def refusals(event: dict[str, Any]) -> list[tuple[tuple[Any, ...], str, str]]:
    """(loc, type, message) of each error, checked the same from a dict and from JSON."""
    found = []
    for validate in (RecordEvent.model_validate,
                     lambda e: RecordEvent.model_validate_json(orjson.dumps(e))):
        with pytest.raises(ValidationError) as refused:
            validate(event)
        found.append([(e["loc"], e["type"], e["msg"]) for e in refused.value.errors()])
    assert found[0] == found[1]
    return found[0]


def test_an_event_with_iso_dates_and_json_numbers_is_read_from_a_dict_and_from_json() -> None:
    for event in (RecordEvent.model_validate(EVENT),
                  RecordEvent.model_validate_json(orjson.dumps(EVENT))):
        assert event.subject.date_of_birth == dt.date(1961, 7, 23)
        count = event.case.counts[0] if event.case else None
        assert count is not None and count.count == 1 and count.facts is not None
        assert (count.facts.grams, count.facts.plants) == (120.5, 3)
        assert event.occurred_at == dt.datetime(2024, 3, 1, 17, 30, tzinfo=dt.UTC)


def test_models_built_in_code_from_date_objects_still_validate() -> None:
    event = RecordEvent.model_validate(event_with(("subject", "date_of_birth"),
                                                  dt.date(1961, 7, 23)))
    assert event.subject.date_of_birth == dt.date(1961, 7, 23)
    assert Facts(grams=3, plants=2).grams == 3.0


@pytest.mark.parametrize("value", [0, 19610723, 1.5, True, "0", "19610723", "23/07/1961"])
def test_a_date_of_birth_given_as_a_number_is_refused_naming_the_field(value: Any) -> None:
    errors = refusals(event_with(("subject", "date_of_birth"), value))
    assert errors == [(("subject", "date_of_birth"), "date_type",
                       "Input should be a date as YYYY-MM-DD")]


@pytest.mark.parametrize("field", ["offense_date", "disposition_date"])
def test_a_count_date_given_as_a_number_is_refused_naming_the_field(field: str) -> None:
    errors = refusals(event_with((*COUNT, field), 0))
    assert [(loc, kind) for loc, kind, _ in errors] == [((*COUNT, field), "date_type")]


def test_a_sentence_end_date_given_as_a_number_is_refused_naming_the_field() -> None:
    errors = refusals(event_with((*COUNT, "sentence", "end_date"), 1262304000))
    assert [(loc, kind) for loc, kind, _ in errors] == [
        ((*COUNT, "sentence", "end_date"), "date_type")]


def test_an_impossible_iso_date_is_still_refused_as_a_date() -> None:
    ((loc, kind, _),) = refusals(event_with(("subject", "date_of_birth"), "1961-02-30"))
    assert loc == ("subject", "date_of_birth") and kind.startswith("date")


@pytest.mark.parametrize("value", [0, 1709314200, "1709314200", True])
def test_an_occurred_at_given_as_a_number_is_refused_naming_the_field(value: Any) -> None:
    errors = refusals(event_with(("occurred_at",), value))
    assert [(loc, kind) for loc, kind, _ in errors] == [(("occurred_at",), "datetime_type")]


@pytest.mark.parametrize("value", ["1", 1.0, True])
def test_a_count_number_given_as_a_string_float_or_boolean_is_refused_naming_the_field(
        value: Any) -> None:
    errors = refusals(event_with((*COUNT, "count"), value))
    assert [(loc, kind) for loc, kind, _ in errors] == [((*COUNT, "count"), "int_type")]


@pytest.mark.parametrize("value", ["2", 2.0, False])
def test_plants_given_as_a_string_float_or_boolean_are_refused_naming_the_field(
        value: Any) -> None:
    errors = refusals(event_with((*COUNT, "facts", "plants"), value))
    assert [(loc, kind) for loc, kind, _ in errors] == [((*COUNT, "facts", "plants"), "int_type")]


@pytest.mark.parametrize("value", ["120.5", True, False])
def test_grams_given_as_a_string_or_boolean_are_refused_naming_the_field(value: Any) -> None:
    errors = refusals(event_with((*COUNT, "facts", "grams"), value))
    assert [(loc, kind) for loc, kind, _ in errors] == [((*COUNT, "facts", "grams"), "float_type")]


def test_grams_as_a_whole_number_are_a_number_and_negative_grams_are_refused() -> None:
    event = RecordEvent.model_validate(event_with((*COUNT, "facts", "grams"), 28))
    assert event.case is not None and event.case.counts[0].facts is not None
    assert event.case.counts[0].facts.grams == 28.0
    errors = refusals(event_with((*COUNT, "facts", "grams"), -1))
    assert [kind for _, kind, _ in errors] == ["greater_than_equal"]


def test_a_court_order_count_given_as_a_string_is_refused_naming_the_field() -> None:
    order = {"event_id": "LA-2", "event_type": "court_order", "court": "CA-LA",
             "occurred_at": "2024-03-01T17:30:00Z", "subject": {"subject_id": "CII1"},
             "order": {"case_number": "BA1", "count": "1", "outcome": "granted",
                       "relief": "dismiss_and_seal", "order_date": 0}}
    errors = refusals(order)
    assert sorted((loc, kind) for loc, kind, _ in errors) == [
        (("order", "count"), "int_type"), (("order", "order_date"), "date_type")]


def test_a_refusal_never_repeats_the_value() -> None:
    event = event_with(("subject", "date_of_birth"), 19610723)
    event = event_with(("occurred_at",), 1709314200) | {"subject": event["subject"]}
    for _, _, message in refusals(event):
        assert "19610723" not in message and "1709314200" not in message


def test_a_decision_keeps_reading_what_eligibility_publishes() -> None:
    decision = {"decision_id": "d1", "subject_id": "CII1", "court": "CA-LA",
                "case_number": "BA1", "count": 1, "statute": "HS 11359",
                "relief": "not_eligible", "procedure": None,
                "reasons": [{"code": "X", "text": "t", "citation": "c"}],
                "policy": "statewide", "rule_pack": "ca-prop64", "rule_pack_version": "1.1.0",
                "version": 1, "supersedes": None, "as_of": "2024-03-01",
                "decided_at": "2024-03-01T17:30:00Z"}
    assert Decision.model_validate_json(orjson.dumps(decision)).as_of == dt.date(2024, 3, 1)
    with pytest.raises(ValidationError) as refused:
        Decision.model_validate({**decision, "count": "1", "as_of": 0})
    assert sorted(e["loc"] for e in refused.value.errors()) == [("as_of",), ("count",)]
