"""CSV uploads: rows are numbered as a spreadsheet shows them and grouped into one
disposition event per court and event_id."""
from __future__ import annotations

import io

import pytest

from clearway.common.datagen import CSV_COLUMNS, generate_events
from clearway.common.events import RecordEvent
from clearway.ingest.domain.csv_rows import (
    CsvSyntaxError,
    group_rows,
    header_problems,
    read_rows,
    with_rows,
)
from tests.ingest.builders import disposition, to_csv


def groups_of(text: str):
    header, rows = read_rows(io.StringIO(text, newline=""))
    assert header_problems(header) == []
    return group_rows(rows)


def test_rows_sharing_an_event_id_form_one_event_with_a_count_per_row():
    (group,) = groups_of(to_csv([disposition(counts=3)]))
    assert group.rows == [2, 3, 4]
    assert [c["count"] for c in group.data["case"]["counts"]] == [1, 2, 3]
    assert group.errors == []
    event = RecordEvent.model_validate(group.data)
    assert event.subject.first_name == "Zephyrine"
    assert event.case is not None and event.case.counts[0].facts is not None


def test_a_generated_csv_round_trips_to_the_same_events():
    events = [e for e in generate_events(cases=40, seed=3) if e["event_type"] == "disposition"]
    groups = groups_of(to_csv(events))
    assert len(groups) == len(events)
    for group, original in zip(groups, events, strict=True):
        rebuilt = RecordEvent.model_validate(group.data)
        assert rebuilt == RecordEvent.model_validate(original)


def test_events_of_two_courts_with_the_same_event_id_stay_apart():
    text = to_csv([disposition("X-1", court="CA-LA"), disposition("X-1", court="CA-SF")])
    assert [g.rows for g in groups_of(text)] == [[2], [3]]


def test_rows_of_one_event_need_not_be_adjacent():
    text = to_csv([disposition("A", counts=1), disposition("B"), disposition("A", counts=2)])
    groups = groups_of(text)
    # The second "A" event brings counts 1 and 2; count 1 repeats (the model rejects it).
    assert [g.rows for g in groups] == [[2, 4, 5], [3]]


def test_a_row_without_an_event_id_is_an_event_of_its_own():
    text = to_csv([disposition("", counts=2)])
    groups = groups_of(text)
    assert [g.rows for g in groups] == [[2], [3]]


def test_blank_lines_count_as_rows_but_carry_nothing():
    lines = to_csv([disposition("A"), disposition("B")]).splitlines(keepends=True)
    text = "".join([lines[0], lines[1], "\n", ",,,\n", lines[2]])
    assert [g.rows for g in groups_of(text)] == [[2], [5]]


def test_a_quoted_cell_spanning_lines_is_one_row():
    event = disposition("A", counts=2)
    event["case"]["counts"][0]["description"] = "POSSESS\nFOR SALE"
    groups = groups_of(to_csv([event, disposition("B")]))
    assert [g.rows for g in groups] == [[2, 3], [4]]


def test_a_row_disagreeing_with_its_events_first_row_is_reported_by_column_and_row():
    event = disposition("A", counts=2)
    text = to_csv([event]).replace("Zephyrine", "Zeph", 1)  # the first row's name only
    (group,) = groups_of(text)
    assert group.errors == [{"field": "first_name", "type": "inconsistent_rows", "row": 3,
                             "message": "differs from row 2, the event's first row"}]


def test_surplus_cells_are_reported_and_missing_cells_are_absent():
    header = ",".join(CSV_COLUMNS)
    row = to_csv([disposition("A")]).splitlines()[1]
    text = f"{header}\n{row},surplus\n{row.rsplit(',', 5)[0]}\n"
    (group,) = groups_of(text)
    assert group.errors[0]["type"] == "extra_cells" and group.errors[0]["row"] == 2
    assert "facts" not in group.data["case"]["counts"][1]


def test_cells_are_trimmed_and_flags_and_numbers_are_typed():
    text = to_csv([disposition("A")]).replace("120.5", " 120.5 ").replace("false", "no")
    (group,) = groups_of(text)
    facts = group.data["case"]["counts"][0]["facts"]
    assert facts == {"grams": 120.5, "plants": None, "involved_minor": False,
                     "environmental_violation": None, "imported": None}


def test_an_unparseable_number_is_left_for_the_model_to_reject_by_field():
    text = to_csv([disposition("A")]).replace(",1,HS", ",one,HS")
    (group,) = groups_of(text)
    assert group.data["case"]["counts"][0]["count"] == "one"


def test_header_problems_name_missing_and_duplicate_columns():
    problems = header_problems(["event_id", "court", "court"])
    kinds = {(p["field"], p["type"]) for p in problems}
    assert ("court", "duplicate_column") in kinds
    assert ("occurred_at", "missing_column") in kinds
    assert ("event_id", "missing_column") not in kinds


def test_an_unknown_column_is_named_by_position_never_by_its_text():
    # A file without a header row has a person's data where the header should be.
    problems = header_problems([*CSV_COLUMNS[:5], "Zephyrine"])
    unknown = [p for p in problems if p["type"] == "unknown_column"]
    assert unknown == [{"field": "<header>", "type": "unknown_column",
                        "message": "column 6 is not a documented column"}]
    assert "Zephyrine" not in str(problems)


def test_an_empty_upload_has_no_header():
    header, rows = read_rows(io.StringIO(""))
    assert header is None and list(rows) == []
    assert header_problems(header)[0]["type"] == "missing"


def test_a_stray_quote_is_an_error_naming_the_line_not_a_cell_eating_the_file():
    header, rows = read_rows(io.StringIO('event_id,court\nA,CA-LA\nB,"CA-SF\nC,CA-LA\n',
                                         newline=""))
    with pytest.raises(CsvSyntaxError) as raised:
        list(rows)
    assert raised.value.line == 3


def test_errors_about_one_count_name_its_row():
    (group,) = groups_of(to_csv([disposition("A", counts=3)]))
    errors = with_rows([{"field": "case.counts.2.level", "type": "x", "message": "m"},
                        {"field": "subject.first_name", "type": "x", "message": "m"}], group)
    assert errors[0]["row"] == 4
    assert "row" not in errors[1]
