"""The DOJ research file parser: hand-written rows, one fact of the layout per test."""
from __future__ import annotations

import pytest

from clearway.common.courts import COUNTIES
from clearway.common.datagen import DOJ_COLUMNS
from clearway.ingest.domain.doj import (
    POSSIBLE_CANNABIS_PREFIX,
    Layout,
    LayoutError,
    Tally,
    court_of,
    detect_layout,
    parse_text,
    sentence_of,
    statute_of,
)

BASE = {
    "RECORD_ID": "1", "SUBJECT_ID": "9000001", "CII_NUMBER": "A09000001",
    "PRI_NAME": "QUILLFEATHER,ZEPHYRINE ANN", "PRI_DOB": "19610723", "GENDER": "F",
    "PRI_SSN": "000111111", "PRI_CDL": "DL0001111", "FBI_NUMBER": "111XX0",
    "CYC_ORDER": "1", "CYC_DATE": "20090401", "STP_ORDER": "2", "STP_EVENT_DATE": "20100201",
    "STP_TYPE_DESCR": "COURT ACTION", "STP_ORI_CNTY_NAME": "LOS ANGELES", "CNT_ORDER": "1",
    "DISP_DATE": "20100201", "OFFENSE_DESCR": "11359 HS-POSSESS MARIJUANA FOR SALE",
    "OFFENSE_TOC": "F", "FE_NUM_CRT_CASE": "BA900001", "DISP_DESCR": "CONVICTED",
    "CONV_STAT_DESCR": "FELONY", "END_OF_REC": "Z",
}


def row(delimiter: str = "|", **fields: str) -> str:
    values = {**BASE, **fields}
    cells = [values.get(name, "") for name in DOJ_COLUMNS]
    if delimiter == ",":
        return ",".join(f'"{c}"' if "," in c else c for c in cells)
    return "|".join(cells)


def doj(*rows: str, header: bool = False, delimiter: str = "|") -> str:
    lines = ([delimiter.join(DOJ_COLUMNS)] if header else []) + list(rows)
    return "\n".join(lines) + "\n"


def only_event(text: str) -> dict:
    batch = parse_text(text)
    assert not batch.rejected, batch.rejected
    (event,) = batch.events
    return event.event


def test_a_pipe_file_without_a_header_gives_one_disposition_per_person_court_and_case():
    event = only_event(doj(row(), row(CNT_ORDER="2", OFFENSE_DESCR="11357 HS-POSSESS",
                                      CONV_STAT_DESCR="MISDEMEANOR")))
    assert event["event_type"] == "disposition" and event["court"] == "CA-LA"
    assert event["subject"] == {"subject_id": "A09000001", "first_name": "ZEPHYRINE ANN",
                                "last_name": "QUILLFEATHER", "date_of_birth": "1961-07-23"}
    assert event["case"]["case_number"] == "BA900001"
    assert [(c["count"], c["statute"], c["level"]) for c in event["case"]["counts"]] == [
        (1, "11359 HS", "felony"), (2, "11357 HS", "misdemeanor")]
    count = event["case"]["counts"][0]
    assert count["disposition"] == "convicted" and count["disposition_date"] == "2010-02-01"
    assert count["description"] == "POSSESS MARIJUANA FOR SALE"
    assert count["offense_date"] == "2009-04-01"  # the cycle (arrest) date


def test_a_comma_file_with_a_header_reads_the_same_as_a_pipe_file():
    piped = parse_text(doj(row(), row(CNT_ORDER="2")))
    commas = parse_text(doj(row(","), row(",", CNT_ORDER="2"), header=True, delimiter=","))
    assert [e.event for e in commas.events] == [e.event for e in piped.events]
    assert commas.events[0].rows == [2, 3]  # the header is row 1
    assert detect_layout(",".join(DOJ_COLUMNS)) == Layout(",", True)
    assert detect_layout(row()) == Layout("|", False)


def test_a_header_that_is_not_the_doj_layout_is_refused_by_column_position():
    names = list(DOJ_COLUMNS)
    names[4] = "SOMETHING_ELSE"
    with pytest.raises(LayoutError) as refused:
        detect_layout("|".join(names))
    assert refused.value.errors[0]["message"].startswith("column 5 is not REQ_CII_NUMBER")


def test_personal_numbers_never_reach_an_event():
    text = str(only_event(doj(row())))
    for value in ("000111111", "DL0001111", "111XX0"):
        assert value not in text


def test_the_person_is_the_cii_number_else_the_subject_id():
    assert only_event(doj(row(CII_NUMBER="")))["subject"]["subject_id"] == "9000001"


@pytest.mark.parametrize(("offense", "comment", "statute"), [
    ("11359 HS-POSSESS MARIJUANA FOR SALE", "", "11359 HS"),
    ("11357(C)HS-POSSESS OVER 28.5 GRAMS", "", "11357(C)HS"),
    ("664/187(A) PC-ATTEMPTED MURDER", "", "664/187(A) PC"),
    ("SEE COMMENT FOR CHARGE", "CHRG 11360(A) HS TRANSPORT", "11360(A) HS"),
    ("", "AMENDED TO 11358 HS", "11358 HS"),
    ("SEE COMMENT FOR CHARGE", "MJ 11359 SALES-AMENDED", "MJ 11359 SALES"),
])
def test_the_statute_is_offense_descr_before_its_dash_else_the_comments(offense, comment,
                                                                         statute):
    assert statute_of(offense, comment)[0] == statute
    event = only_event(doj(row(OFFENSE_DESCR=offense, COMMENT_TEXT=comment)))
    assert event["case"]["counts"][0]["statute"] == statute


def test_a_count_whose_comment_cites_cannabis_under_another_statute_is_flagged():
    batch = parse_text(doj(row(OFFENSE_DESCR="32 PC-ACCESSORY", COMMENT_TEXT="ORIG 11359 HS"),
                           row(CNT_ORDER="2", COMMENT_TEXT="11359 HS PLEA")))
    (event,) = batch.events
    first, second = event.event["case"]["counts"]
    assert first["description"] == POSSIBLE_CANNABIS_PREFIX + "ORIG 11359 HS"
    assert second["description"] == "POSSESS MARIJUANA FOR SALE"  # its statute is 11359
    assert event.flagged_rows == [1]
    tally = Tally()
    tally.add(batch)
    assert tally.flagged_rows == [1] and tally.imported == 2


@pytest.mark.parametrize(("conv_stat", "toc", "level"), [
    ("FELONY", "M", "felony"), ("MISDEMEANOR", "F", "misdemeanor"),
    ("INFRACTION", "", "infraction"), ("", "F", "felony"), ("", "M", "misdemeanor"),
    ("", "I", "infraction"), ("UNKNOWN", "M", "misdemeanor"),
])
def test_the_level_is_conv_stat_descr_else_offense_toc(conv_stat, toc, level):
    event = only_event(doj(row(CONV_STAT_DESCR=conv_stat, OFFENSE_TOC=toc)))
    assert event["case"]["counts"][0]["level"] == level


@pytest.mark.parametrize(("length", "unit", "end"), [
    ("30", "D", "2010-03-03"), ("6", "M", "2010-08-01"), ("3", "Y", "2013-02-01"),
    ("", "", None), ("X", "M", None),
])
def test_a_sentence_ends_its_length_after_the_step_date(length, unit, end):
    event = only_event(doj(row(SENT_LOC_DESCR="JAIL", SENT_LENGTH=length,
                               SENT_TIME_CODE=unit)))
    sentence = event["case"]["counts"][0]["sentence"]
    assert sentence["kind"] == "jail" and sentence.get("end_date") == end


def test_a_month_sentence_from_the_31st_ends_on_the_last_day_of_a_short_month():
    import datetime as dt
    assert sentence_of("PROBATION", "1", "M", dt.date(2010, 1, 31)) == (
        "probation", dt.date(2010, 2, 28))


def test_every_county_maps_to_its_court_and_the_demo_codes_stay():
    assert len({court_of(name) for name in COUNTIES.values()}) == 58
    assert court_of("Los Angeles County") == "CA-LA"
    assert court_of("SAN FRANCISCO") == "CA-SF" and court_of("SACRAMENTO") == "CA-SAC"
    assert court_of("", "01") == "CA-ALA" and court_of("", "58") == "CA-YUB"
    assert court_of("NEVADA STATE") is None


def test_arrests_and_court_steps_without_a_final_disposition_carry_no_event():
    batch = parse_text(doj(
        row(STP_TYPE_DESCR="ARREST/DETAINED/CITED", DISP_DESCR="", STP_ORDER="1"),
        row(DISP_DESCR=""),
        row(CNT_ORDER="2", DISP_DESCR="DISMISSED/FURTHERANCE OF JUSTICE")))
    assert batch.no_event == [(1, "non_court_step"), (2, "no_final_disposition")]
    (event,) = batch.events
    assert event.event["case"]["counts"][0]["disposition"] == "dismissed"
    assert "sentence" not in event.event["case"]["counts"][0]


def test_a_count_given_again_by_a_later_step_keeps_the_conviction():
    batch = parse_text(doj(
        row(),
        row(STP_ORDER="3", STP_EVENT_DATE="20120101", DISP_DESCR="DISMISSED PC 1203.4")))
    (event,) = batch.events
    assert event.event["case"]["counts"][0]["disposition"] == "convicted"
    assert batch.no_event == [(2, "superseded")]


def test_pc290_registration_and_death_steps_are_their_own_events():
    batch = parse_text(doj(
        row(),
        row(STP_ORDER="3", STP_TYPE_DESCR="REGISTRATION", STP_EVENT_DATE="20110105",
            OFFENSE_DESCR="290 PC-REGISTRATION OF SEX OFFENDER", DISP_DESCR=""),
        row(STP_ORDER="4", STP_TYPE_DESCR="REGISTRATION", STP_EVENT_DATE="20110105",
            OFFENSE_DESCR="11590 HS-NARCOTICS REGISTRATION", DISP_DESCR=""),
        row(CYC_ORDER="2", STP_ORDER="1", STP_TYPE_DESCR="DECEASED", STP_EVENT_DATE="20200301",
            STP_ORI_CNTY_NAME="", OFFENSE_DESCR="", DISP_DESCR="")))
    kinds = [(e.event["event_type"], e.event["court"], e.rows) for e in batch.events]
    assert kinds == [("disposition", "CA-LA", [1]), ("registration", "CA-LA", [2]),
                     ("death", "CA-LA", [4])]
    assert batch.events[1].event["registration"] == {"statute": "290 PC",
                                                     "date": "2011-01-05"}
    assert batch.events[2].event["death"] == {"date": "2020-03-01"}
    assert batch.no_event == [(3, "not_pc290_registration")]


def test_a_case_without_a_court_case_number_gets_a_stable_one_from_person_and_cycle():
    event = only_event(doj(row(FE_NUM_CRT_CASE="", CYC_ORDER="4")))
    assert event["case"]["case_number"] == "DOJ-A09000001-4"


def test_event_ids_come_from_the_content_so_a_second_import_is_the_same_events():
    text = doj(row(), row(CII_NUMBER="A09000002", PRI_NAME="ODDLEBROOK,XANTHIPPE"))
    first, again = parse_text(text), parse_text(text)
    assert [e.event["event_id"] for e in first.events] == [e.event["event_id"]
                                                          for e in again.events]
    assert len({e.event["event_id"] for e in first.events}) == 2
    changed = parse_text(text.replace("FELONY", "MISDEMEANOR", 1))
    assert changed.events[0].event["event_id"] != first.events[0].event["event_id"]


@pytest.mark.parametrize(("fields", "column", "words"), [
    ({"CII_NUMBER": "", "SUBJECT_ID": ""}, "CII_NUMBER", "person cannot be told"),
    ({"CII_NUMBER": "A 1"}, "CII_NUMBER", "characters other than"),
    ({"STP_EVENT_DATE": "20101345"}, "STP_EVENT_DATE", "YYYYMMDD"),
    ({"DISP_DATE": "2010-02-01"}, "DISP_DATE", "YYYYMMDD"),
    ({"STP_ORI_CNTY_NAME": "OUT OF STATE"}, "STP_ORI_CNTY_NAME", "58 counties"),
    ({"STP_ORI_CNTY_NAME": ""}, "STP_ORI_CNTY_NAME", "court cannot be told"),
    ({"OFFENSE_DESCR": "SEE COMMENT FOR CHARGE"}, "OFFENSE_DESCR", "COMMENT_TEXT is empty"),
    ({"CONV_STAT_DESCR": "", "OFFENSE_TOC": "X"}, "OFFENSE_TOC", "no level"),
    ({"CNT_ORDER": "0"}, "CNT_ORDER", "1 to 999"),
    ({"PRI_NAME": "QUILLFEATHER"}, "PRI_NAME", "LAST,FIRST"),
    ({"PRI_DOB": ""}, "PRI_DOB", "date of birth"),
    ({"FE_NUM_CRT_CASE": "B" * 41}, "FE_NUM_CRT_CASE", "over 40"),
])
def test_unusable_rows_are_rejected_with_a_reason_naming_the_column(fields, column, words):
    batch = parse_text(doj(row(**fields), row(CII_NUMBER="A09000002", SUBJECT_ID="9000002")))
    ((reject),) = batch.rejected
    assert reject.row == 1
    assert [e["field"] for e in reject.errors] == [column]
    assert words in reject.errors[0]["message"]
    for value in ("QUILLFEATHER", "20101345", "OUT OF STATE"):
        assert value not in str(reject.errors)
    assert len(batch.events) == 1 and batch.events[0].rows == [2]


def test_a_row_with_the_wrong_number_of_cells_is_rejected():
    batch = parse_text(doj(row(CII_NUMBER="A2"), row() + "|extra|cells"))
    assert batch.rejected[0].row == 2 and batch.rejected[0].errors[0]["type"] == "cell_count"


def test_a_file_whose_first_line_is_no_doj_row_is_refused_whole():
    with pytest.raises(LayoutError) as refused:
        parse_text("event_id,court,subject_id\nE1,CA-LA,CII1\n")
    assert refused.value.code == "invalid_layout"
    assert refused.value.errors[0]["message"].startswith("the first line has 3 cells")


def test_a_count_the_contract_refuses_is_rejected_with_its_field():
    batch = parse_text(doj(row(PRI_NAME="Q,Z", OFFENSE_DESCR="9" * 90)))
    assert batch.rejected[0].errors[0]["field"] == "case.counts.0.statute"


def test_a_persons_rows_met_again_after_another_persons_are_rejected():
    batch = parse_text(doj(row(), row(CII_NUMBER="A2"), row(CNT_ORDER="2")))
    assert [r.row for r in batch.rejected] == [3]
    assert batch.rejected[0].errors[0]["type"] == "person_not_together"


def test_every_row_is_accounted_for_once():
    text = doj(row(), row(STP_TYPE_DESCR="ARREST/DETAINED/CITED"), row(PRI_DOB="x"),
               "", row(CII_NUMBER="A2", CNT_ORDER="1"), row(CII_NUMBER="A2", CNT_ORDER="2"),
               header=True)
    batch = parse_text(text)
    numbers = sorted([r for e in batch.events for r in e.rows]
                     + [r.row for r in batch.rejected] + [n for n, _ in batch.no_event])
    assert numbers == [2, 3, 4, 6, 7]  # row 5 is the blank line


@pytest.mark.parametrize(("statute", "registers"), [
    ("290 PC-REGISTRATION", True), ("290(A) PC-REGISTRATION", True),
    ("PC 290-REGISTRATION", True), ("2900 PC-OTHER", False), ("457.1 PC-ARSON REG", False),
])
def test_a_registration_step_is_an_event_only_under_pc_290(statute, registers):
    batch = parse_text(doj(row(STP_TYPE_DESCR="REGISTRATION", OFFENSE_DESCR=statute,
                               DISP_DESCR="")))
    assert bool(batch.events) is registers
    assert batch.no_event == ([] if registers else [(1, "not_pc290_registration")])
