"""CSV cells safe to open in a spreadsheet, and bidirectional controls removed (issue #19)."""

from __future__ import annotations

import csv
import io

import pytest

from clearway.common import csv_safe
from clearway.common.bidi import BIDI_CONTROLS, strip_bidi_controls
from clearway.common.csv_safe import safe_cell, safe_row


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://evil.example/","click")',
        "+1+2",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "  =1+1",
    ],
)
def test_a_cell_a_spreadsheet_would_read_as_a_formula_starts_with_a_quote(cell: str) -> None:
    safe = safe_cell(cell)
    assert safe.startswith("'")
    assert safe[1:].strip(" ") == cell.strip(" \t\r")


@pytest.mark.parametrize(
    "cell", ["NGUYEN, AN", "O'BRIEN, ZOË", "BA123456", "1980-01-02", "1, 3", "HS 11359(b)",
             "a=b", "x-y", "user@example.com", ""],
)
def test_an_ordinary_cell_is_unchanged(cell: str) -> None:
    assert safe_cell(cell) == cell


def test_a_nul_byte_and_other_control_characters_are_removed() -> None:
    assert safe_cell("AN\x00A\x07 LEE\x1b\x7f\x85\x9f") == "ANA LEE"


def test_tabs_and_line_breaks_inside_a_cell_become_spaces() -> None:
    assert safe_cell("LINE ONE\r\nLINE\tTWO") == "LINE ONE  LINE TWO"


def test_a_right_to_left_override_is_removed_from_a_cell() -> None:
    assert safe_cell("ANA \u202eZEL") == "ANA ZEL"


def test_a_formula_hidden_behind_control_characters_is_still_caught() -> None:
    assert safe_cell("\x00\u202e=1+1") == "'=1+1"


def test_none_is_an_empty_cell_and_numbers_are_text() -> None:
    assert safe_row([None, 3, -4.5]) == ["", "3", "'-4.5"]


def test_unicode_names_are_kept_exactly() -> None:
    for name in ("李小龍", "Nguyễn Văn An", "محمد عبد الله", "Հովհաննիսյան"):
        assert safe_cell(name) == name


def test_the_safe_writer_writes_every_row_through_the_sanitiser() -> None:
    out = io.StringIO(newline="")
    writer = csv_safe.writer(out)
    writer.writerow(["name", "note"])
    writer.writerows([["=1+1", "ok\x00"], ["LEE, ANA", "@x"]])
    assert list(csv.reader(io.StringIO(out.getvalue(), newline=""))) == [
        ["name", "note"], ["'=1+1", "ok"], ["LEE, ANA", "'@x"]]


def test_every_bidirectional_control_is_stripped_and_nothing_else() -> None:
    assert set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                                "\u200e\u200f\u061c") == BIDI_CONTROLS
    text = "محمد" + "".join(sorted(BIDI_CONTROLS)) + " Nguyễn 李"
    assert strip_bidi_controls(text) == "محمد Nguyễn 李"
    assert strip_bidi_controls("plain ascii") == "plain ascii"
