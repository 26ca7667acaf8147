"""The synthetic DOJ research file: deterministic, sized, realistic, never real numbers."""
from __future__ import annotations

import collections
import itertools

from typer.testing import CliRunner

from clearway.common.courts import COUNTIES
from clearway.common.datagen import DOJ_COLUMNS, doj_lines
from clearway.common.datagen_cli import app

COL = {name: i for i, name in enumerate(DOJ_COLUMNS)}


def rows_of(lines: list[str]) -> list[list[str]]:
    return [line.rstrip("\n").split("|") for line in lines[1:]]


def test_the_same_seed_writes_the_same_file_and_another_seed_another():
    assert list(doj_lines(200, seed=3)) == list(doj_lines(200, seed=3))
    assert list(doj_lines(200, seed=3)) != list(doj_lines(200, seed=4))


def test_a_size_in_rows_is_exact_and_the_header_names_the_columns():
    lines = list(doj_lines(rows=1234, seed=1))
    assert len(lines) == 1235 and lines[0] == "|".join(DOJ_COLUMNS) + "\n"
    assert len(list(doj_lines(rows=10, seed=1, header=False))) == 10


def test_the_mix_has_arrests_court_steps_registrations_deaths_and_charges_in_comments():
    rows = rows_of(list(doj_lines(3000, seed=9)))
    whole = [r for r in rows if len(r) == len(DOJ_COLUMNS)]
    steps = collections.Counter(r[COL["STP_TYPE_DESCR"]] for r in whole)
    assert steps["ARREST/DETAINED/CITED"] > steps["COURT ACTION"] > 1000
    assert steps["REGISTRATION"] > 10 and steps["DECEASED"] > 0
    disps = collections.Counter(r[COL["DISP_DESCR"]] for r in whole
                                if r[COL["STP_TYPE_DESCR"]] == "COURT ACTION")
    assert disps["CONVICTED"] > disps["DISMISSED"] > disps["ACQUITTED"] > 0
    assert sum(r[COL["OFFENSE_DESCR"]] == "SEE COMMENT FOR CHARGE" for r in whole) > 5
    assert any("/MJ-" in r[COL["OFFENSE_DESCR"]] or "H5 " in r[COL["OFFENSE_DESCR"]]
               for r in whole)
    assert any("11359" in r[COL["COMMENT_TEXT"]] and "113" not in r[COL["OFFENSE_DESCR"]]
               for r in whole)
    assert any(r[COL["SENT_TIME_CODE"]] == "M" for r in whole)
    assert len(whole) < len(rows)  # a few rows with cells missing, for the rejects path
    counties = {r[COL["STP_ORI_CNTY_NAME"]] for r in whole}
    assert len(counties & {n.upper() for n in COUNTIES.values()}) > 40  # all 58 can occur
    people = [r[COL["CII_NUMBER"]] or r[COL["SUBJECT_ID"]] for r in whole]
    runs = [k for k, _ in itertools.groupby(people)]
    assert len(runs) == len(set(runs))  # a person's rows are together
    cycles = collections.Counter(p for p in people)
    assert max(cycles.values()) >= 6  # several steps per person


def test_identity_numbers_are_never_issued_forms():
    for r in rows_of(list(doj_lines(300, seed=2))):
        if len(r) == len(DOJ_COLUMNS):
            assert r[COL["PRI_SSN"]].startswith("000")
            assert r[COL["PRI_CDL"]].startswith("DL") and "FK" in r[COL["FBI_NUMBER"]]


def test_a_comma_file_quotes_the_names():
    line = list(doj_lines(1, seed=1, delimiter=",", header=False))[0]
    assert ',"' in line and '",' in line


def test_the_command_writes_a_doj_file(tmp_path):
    out = tmp_path / "doj.txt"
    result = CliRunner().invoke(app, ["--format", "doj", "--rows", "500", "--seed", "5",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 501
    assert "wrote 500 DOJ rows" in result.output
