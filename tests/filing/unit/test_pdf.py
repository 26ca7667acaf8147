"""Motion PDFs and the bulk motion (PDF + CSV exhibit), read back with pypdf."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fpdf import FPDF
from pypdf import PdfReader

from clearway.common.pdf_fonts import FontSet
from clearway.filing.adapters.pdf import (
    latin1_safe,
    render_motion_pdf,
    wrap_lines,
    write_bulk_motion,
)
from clearway.filing.domain.motion import (
    EXHIBIT_COLUMNS,
    BulkSummary,
    Defendant,
    ExhibitRow,
    GrantedCount,
    MotionContent,
)

PREPARED = date(2024, 6, 1)
FILING_SRC = Path(__file__).resolve().parents[3] / "services" / "filing" / "src"


def count(
    number: int,
    statute: str,
    relief: str,
    procedure: str,
    convicted: date = date(2010, 2, 1),
) -> GrantedCount:
    return GrantedCount(
        count=number,
        statute=statute,
        description="CANNABIS OFFENSE",
        level="felony",
        conviction_date=convicted,
        relief=relief,
        procedure=procedure,
        decision_id=f"dec-{number}",
    )


def motion(
    *counts: GrantedCount,
    first: str = "José",
    last: str = "Núñez",
    court: str = "CA-LA",
    prepared_on: date = PREPARED,
) -> MotionContent:
    return MotionContent(
        court=court,
        case_number="BA123456",
        defendant=Defendant("CII-1", first, last, date(1980, 1, 2)),
        counts=counts or (count(1, "HS 11359(b)", "dismiss_and_seal", "application"),),
        prepared_on=prepared_on,
    )


def pages_text(pdf: bytes, pages: range | None = None) -> list[str]:
    """Text of each page, whitespace collapsed so wrapped lines read as one."""
    reader = PdfReader(io.BytesIO(pdf))
    chosen = reader.pages if pages is None else [reader.pages[i] for i in pages]
    return [" ".join(page.extract_text().split()) for page in chosen]


def text_of(pdf: bytes) -> str:
    return " ".join(pages_text(pdf))


MIXED = motion(
    count(1, "HS 11359(b)", "dismiss_and_seal", "application", date(2010, 2, 1)),
    count(2, "HS 11360(a)", "reduce_to_misdemeanor", "petition", date(2011, 3, 4)),
    count(4, "HS 11357(b)", "reduce_to_infraction", "application", date(2012, 5, 6)),
)


@pytest.fixture(scope="module")
def mixed_text() -> str:
    return text_of(render_motion_pdf(MIXED))


def test_the_motion_shows_caption_case_number_defendant_and_birth_date(mixed_text: str) -> None:
    assert "SUPERIOR COURT OF CALIFORNIA, COUNTY OF LOS ANGELES" in mixed_text
    assert "Case No. BA123456" in mixed_text
    assert "JOSÉ NÚÑEZ" in mixed_text
    assert "Date of birth: 01/02/1980" in mixed_text


def test_the_motion_lists_every_granted_count_with_statute_date_and_relief(
    mixed_text: str,
) -> None:
    assert "Count 1 (HS 11359(b), convicted 02/01/2010): dismiss and seal." in mixed_text
    assert "Count 2 (HS 11360(a), convicted 03/04/2011): reduce to a misdemeanor." in mixed_text
    assert "Count 4 (HS 11357(b), convicted 05/06/2012): redesignate as an infraction." in (
        mixed_text
    )


def test_the_motion_cites_the_subdivision_of_11361_8_for_each_procedure(mixed_text: str) -> None:
    assert (
        "Petition for Recall or Dismissal of Sentence, Health and Safety Code section "
        "11361.8(a) (count(s) 2)"
    ) in mixed_text
    assert (
        "Application to Redesignate / Dismiss and Seal, Health and Safety Code section "
        "11361.8(e) (count(s) 1, 4)"
    ) in mixed_text
    assert "Proposition 64" in mixed_text
    assert "the court shall presume the petitioner satisfies the criteria" in mixed_text


def test_a_petition_only_motion_does_not_claim_the_application_procedure() -> None:
    petition = count(1, "HS 11360(a)", "dismiss_and_seal", "petition")
    text = text_of(render_motion_pdf(motion(petition)))
    assert "Petition for Recall or Dismissal of Sentence" in text
    assert "Application to Redesignate" not in text


def test_the_motion_ends_with_a_declaration_signed_by_the_prosecutor(mixed_text: str) -> None:
    assert "DECLARATION" in mixed_text
    assert "under penalty of perjury" in mixed_text
    assert "Executed on June 1, 2024" in mixed_text
    assert "Deputy District Attorney" in mixed_text


def test_the_proposed_order_lets_the_judge_grant_or_deny_each_count(mixed_text: str) -> None:
    order = mixed_text[mixed_text.index("[PROPOSED] ORDER") :]
    assert "Count 1, HS 11359(b), convicted 02/01/2010 GRANTED: dismissed as legally invalid" in (
        order
    )
    assert "Count 2, HS 11360(a), convicted 03/04/2011 GRANTED: reduced to a misdemeanor" in order
    assert "Count 4, HS 11357(b), convicted 05/06/2012 GRANTED: redesignated as an infraction" in (
        order
    )
    assert order.count("DENIED.") == 3
    assert "Judge of the Superior Court" in order


def test_the_proposed_order_starts_on_its_own_page() -> None:
    pages = pages_text(render_motion_pdf(MIXED))
    order_pages = [i for i, page in enumerate(pages) if "[PROPOSED] ORDER" in page]
    assert order_pages and order_pages[0] > 0
    assert "DECLARATION" not in pages[order_pages[0]]


def test_every_page_is_numbered_out_of_the_total() -> None:
    pages = pages_text(render_motion_pdf(MIXED))
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page


def test_the_same_content_renders_to_identical_bytes() -> None:
    assert render_motion_pdf(MIXED) == render_motion_pdf(MIXED)


def test_the_pdf_is_dated_by_the_preparation_date_not_the_clock() -> None:
    reader = PdfReader(io.BytesIO(render_motion_pdf(MIXED)))
    assert reader.metadata is not None
    assert reader.metadata.creation_date is not None
    assert reader.metadata.creation_date.date() == PREPARED
    later = render_motion_pdf(motion(prepared_on=date(2024, 6, 2)))
    assert later != render_motion_pdf(motion())


_RENDER_IN_CHILD = """
import hashlib, sys
from datetime import date
from clearway.filing.adapters.pdf import render_motion_pdf
from clearway.filing.domain.motion import Defendant, GrantedCount, MotionContent
content = MotionContent("CA-SF", "SF-1", Defendant("S", "Ana", "Lee", date(1990, 1, 1)),
    (GrantedCount(1, "HS 11357(a)", None, "misdemeanor", date(2015, 1, 1),
                  "dismiss_and_seal", "application", "d1"),), date(2024, 6, 1))
sys.stdout.write(hashlib.sha256(render_motion_pdf(content)).hexdigest())
"""


def test_the_bytes_do_not_depend_on_the_process_or_its_hash_seed() -> None:
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(FILING_SRC)}
        result = subprocess.run(
            [sys.executable, "-c", _RENDER_IN_CHILD],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        digests.add(result.stdout)
    assert len(digests) == 1


def test_latin1_accents_are_kept() -> None:
    assert latin1_safe("José Núñez Müller") == "José Núñez Müller"


def test_decomposed_accents_are_recomposed() -> None:
    assert latin1_safe("Jose\u0301") == "José"


def test_letters_outside_latin1_are_transliterated_or_replaced() -> None:
    assert latin1_safe("Łukasz Żółć") == "Lukasz Zólc"
    assert latin1_safe("Nguyễn") == "Nguyen"
    assert latin1_safe("O’Brien – “Jr.”") == "O'Brien - \"Jr.\""
    assert latin1_safe("王小明") == "???"
    assert latin1_safe("tab\there\x00") == "tab here "


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        ("Łukasz", "Żółć", "ŁUKASZ ŻÓŁĆ"),
        ("Ngọc", "Nguyễn", "NGỌC NGUYỄN"),
        ("Zoë", "O’Brien", "ZOË O’BRIEN"),
    ],
)
def test_names_outside_latin1_are_printed_exactly_with_the_unicode_fonts(
    first: str, last: str, shown: str
) -> None:
    # (Chinese, Korean and Arabic names: test_pdf_names.py, read with pdftotext; pypdf
    # reads the CJK font's two-byte codes with a NUL before each character.)
    text = text_of(render_motion_pdf(motion(first=first, last=last)))
    assert f"People v. {shown}" in text


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        ("Łukasz", "Żółć", "ŁUKASZ ŻÓŁĆ"),
        ("Ngọc", "Nguyễn", "NGỌC NGUYỄN"),
        ("小明", "王", "小明 王"),
    ],
)
def test_without_a_unicode_font_names_are_transliterated_and_still_render(
    first: str, last: str, shown: str
) -> None:
    text = text_of(render_motion_pdf(motion(first=first, last=last), fonts=FontSet(())))
    assert f"People v. {latin1_safe(shown)}" in text


# ---------------------------------------------------------------------------------------
# Bulk motion
# ---------------------------------------------------------------------------------------

BULK_ROWS = 5_000


def exhibit_rows(n: int) -> Iterator[ExhibitRow]:
    """A one-shot generator, like rows streamed from a database cursor."""
    for i in range(n):
        mixed = i % 4 == 0
        yield ExhibitRow(
            case_number=f"BA{100000 + i}",
            defendant_name=f"NÚÑEZ-GARCÍA, JOSÉ {i}" if i % 9 == 0 else f"SMITH, ANN {i}",
            date_of_birth=date(1960 + i % 40, 1 + i % 12, 1 + i % 28),
            counts="1, 3" if mixed else "1",
            statutes="HS 11359(b), HS 11360(a)" if mixed else "HS 11357(a)",
            reliefs="1: dismiss and seal; 3: reduce to a misdemeanor"
            if mixed
            else "dismiss and seal",
            procedure="1: Petition, HS 11361.8(a); 3: Application, HS 11361.8(e)"
            if mixed
            else "Application, HS 11361.8(e)",
        )


def bulk(rows: Iterator[ExhibitRow], court: str = "CA-LA") -> tuple[BulkSummary, bytes, str]:
    pdf_out = io.BytesIO()
    csv_out = io.StringIO(newline="")
    summary = write_bulk_motion(court, rows, PREPARED, pdf_out, csv_out)
    return summary, pdf_out.getvalue(), csv_out.getvalue()


@pytest.fixture(scope="module")
def big_bulk() -> tuple[BulkSummary, bytes, str]:
    return bulk(exhibit_rows(BULK_ROWS))


def test_a_bulk_motion_reports_its_cases_and_pages(
    big_bulk: tuple[BulkSummary, bytes, str],
) -> None:
    summary, pdf, _ = big_bulk
    assert summary.motion_count == BULK_ROWS
    assert summary.pages == len(PdfReader(io.BytesIO(pdf)).pages)


def test_the_bulk_csv_rows_equal_the_input_rows(big_bulk: tuple[BulkSummary, bytes, str]) -> None:
    _, _, csv_text = big_bulk
    header, *records = list(csv.reader(io.StringIO(csv_text, newline="")))
    assert tuple(header) == EXHIBIT_COLUMNS
    assert [tuple(r) for r in records] == [row.as_record() for row in exhibit_rows(BULK_ROWS)]


def test_the_bulk_cover_motion_and_order_come_first_and_count_the_cases(
    big_bulk: tuple[BulkSummary, bytes, str],
) -> None:
    _, pdf, _ = big_bulk
    cover, order, slip = pages_text(pdf, range(3))
    assert "SUPERIOR COURT OF CALIFORNIA, COUNTY OF LOS ANGELES" in cover
    assert "the 5,000 cases listed in Exhibit A" in cover
    assert "Health and Safety Code section 11361.8(a)" in cover
    assert "Health and Safety Code section 11361.8(e)" in cover
    assert "Deputy District Attorney" in cover
    assert "[PROPOSED] ORDER" in order
    assert "GRANTED" in order and "DENIED" in order
    assert "Judge of the Superior Court" in order
    assert "EXHIBIT A" in slip


def test_the_bulk_exhibit_pages_hold_the_first_and_last_case(
    big_bulk: tuple[BulkSummary, bytes, str],
) -> None:
    summary, pdf, _ = big_bulk
    first_page, *_ = pages_text(pdf, range(3, 4))
    *_, last_page = pages_text(pdf, range(summary.pages - 2, summary.pages))
    assert "BA100000" in first_page
    assert "NÚÑEZ-GARCÍA, JOSÉ 0" in first_page
    assert "BA104999" in last_page
    assert "End of Exhibit A: 5,000 cases." in last_page


def test_every_exhibit_page_repeats_the_header_row(
    big_bulk: tuple[BulkSummary, bytes, str],
) -> None:
    summary, pdf, _ = big_bulk
    for page in pages_text(pdf, range(3, summary.pages, 37)):
        assert "EXHIBIT A" in page
        assert all(column in page for column in EXHIBIT_COLUMNS)


def test_the_same_rows_give_identical_bulk_bytes() -> None:
    assert bulk(exhibit_rows(300)) == bulk(exhibit_rows(300))


def test_an_empty_bulk_motion_is_refused_and_writes_nothing() -> None:
    pdf_out, csv_out = io.BytesIO(), io.StringIO()
    with pytest.raises(ValueError, match="no cases"):
        write_bulk_motion("CA-LA", iter(()), PREPARED, pdf_out, csv_out)
    assert pdf_out.getvalue() == b""
    assert csv_out.getvalue() == ""


def test_a_row_taller_than_a_page_is_continued_on_the_next_page() -> None:
    statutes = ", ".join(f"HS 11359(b) count {n}" for n in range(2_000))
    row = ExhibitRow("HUGE-1", "DOE, JANE", date(1970, 1, 1), "1", statutes, "dismiss", "app")
    summary, pdf, csv_text = bulk(iter([row, *exhibit_rows(3)]))
    assert summary.motion_count == 4
    assert summary.pages > 5
    assert statutes in csv_text
    assert "HS 11359(b) count 1999" in text_of(pdf)


def test_an_unknown_court_and_non_latin1_names_still_give_a_bulk_motion() -> None:
    row = ExhibitRow("X-1", "王, 小明", date(1970, 1, 1), "1", "HS 11357(a)", "dismiss", "app")
    summary, pdf, csv_text = bulk(iter([row]), court="CA-XYZ")
    assert summary.motion_count == 1
    assert "王, 小明" in csv_text  # the CSV keeps the original name
    cover, *_ = pages_text(pdf, range(1))
    assert "SUPERIOR COURT OF CALIFORNIA (CA-XYZ)" in cover
    assert "the 1 case listed in Exhibit A" in cover


def test_wrapped_lines_fit_their_width_and_keep_every_word_in_order() -> None:
    pdf = FPDF()
    pdf.set_font("Helvetica", "", 10)
    text = ("Proposition 64 reduced or eliminated the penalties for possession of cannabis "
            "under Health and Safety Code section 11361.8 ") * 3 + "X" * 60 + " end"
    lines = wrap_lines(pdf, text, 50)
    assert len(lines) > 5
    assert all(pdf.get_string_width(line) <= 50 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # the long word is split
    assert all(line == line.strip() and "  " not in line for line in lines)


def test_a_line_break_in_the_text_starts_a_new_line() -> None:
    pdf = FPDF()
    pdf.set_font("Helvetica", "", 10)
    assert wrap_lines(pdf, "Dated:\nSigned", 100) == ["Dated:", "Signed"]
