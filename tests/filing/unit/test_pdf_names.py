"""Names in any script printed exactly on motions and Exhibit A; the bulk CSV safe to open in a
spreadsheet (issue #19). PDFs are read back with poppler's pdftotext."""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import os
import shutil
import subprocess
import sys
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from clearway.common import pdf_fonts
from clearway.common.bidi import strip_bidi_controls
from clearway.common.pdf_fonts import FontSet, default_fonts
from clearway.filing.adapters.pdf import render_motion_pdf, write_bulk_motion
from clearway.filing.domain.motion import Defendant, ExhibitRow, GrantedCount, MotionContent

PREPARED = date(2024, 6, 1)
FILING_SRC = Path(__file__).resolve().parents[3] / "services" / "filing" / "src"
FONTS = default_fonts()

pytestmark = [
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils"),
    pytest.mark.skipif(len(FONTS) < 2, reason="needs fonts-dejavu-core and fonts-noto-cjk"),
]

# (first, last, as printed in the caption: upper case)
NAMES = {
    "chinese": ("小龍", "李", "小龍 李"),
    "vietnamese": ("Văn An", "Nguyễn", "VĂN AN NGUYỄN"),
    "arabic": ("محمد", "عبد الله", "محمد عبد الله"),
}


def motion(first: str, last: str) -> MotionContent:
    return MotionContent(
        court="CA-LA",
        case_number="BA123456",
        defendant=Defendant("CII-1", first, last, date(1980, 1, 2)),
        counts=(GrantedCount(1, "HS 11359(b)", "CANNABIS", "felony", date(2010, 2, 1),
                             "dismiss_and_seal", "application", "dec-1"),),
        prepared_on=PREPARED,
    )


def pdftotext(data: bytes, tmp_path: Path) -> str:
    source = tmp_path / f"{hashlib.sha256(data).hexdigest()[:12]}.pdf"
    source.write_bytes(data)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(source), "-"],
                          capture_output=True, text=True, check=True, timeout=60).stdout


def normalised(text: str) -> str:
    """pdftotext wraps right-to-left runs in U+202B ... U+202C and may give Arabic letters
    as presentation forms: compare after removing bidi controls and NFKC, spaces collapsed.
    The characters themselves (and their logical order) are what is checked."""
    return " ".join(unicodedata.normalize("NFKC", strip_bidi_controls(text)).split())


def assert_printed(name: str, text: str) -> None:
    """`name` is in `text` (normalised pdftotext output). pdftotext rebuilds reading order
    from glyph positions: each right-to-left run comes back in logical order, but where an
    Arabic run meets neutral characters (a comma, a parenthesis) at a line or cell edge it
    may put them on the other side of the run (``,محمد`` for ``محمد,`` in a right-to-left
    line, which is how that line is correctly drawn). So an Arabic name is checked word by
    word, each word intact, in the line that holds it; Latin and CJK names as a whole."""
    if not any(unicodedata.bidirectional(c) in ("R", "AL") for c in name):
        assert name in text
        return
    words = name.replace(",", " ").split()
    assert any(all(w in line for w in words) for line in text.splitlines()), (name, text)


def row(name: str, case: str = "BA1") -> ExhibitRow:
    return ExhibitRow(case, name, date(1970, 1, 1), "1", "HS 11357(a)", "dismiss and seal",
                      "Application, HS 11361.8(e)")


def bulk(*rows: ExhibitRow) -> tuple[bytes, str]:
    pdf_out, csv_out = io.BytesIO(), io.StringIO(newline="")
    write_bulk_motion("CA-LA", iter(rows), PREPARED, pdf_out, csv_out)
    return pdf_out.getvalue(), csv_out.getvalue()


def csv_records(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))[1:]


# --- names on the motion ------------------------------------------------------------------


@pytest.mark.parametrize("script", NAMES)
def test_a_defendant_name_in_any_script_is_printed_intact_on_the_motion(
    script: str, tmp_path: Path
) -> None:
    first, last, shown = NAMES[script]
    raw = pdftotext(render_motion_pdf(motion(first, last)), tmp_path)
    text = normalised(raw)
    assert f"People v. {shown}, Case No. BA123456" in text  # the footer: a left-to-right line
    intro = raw[raw.index("move on behalf of defendant"):raw.index("under Health")]
    assert_printed(shown, normalised(intro))
    assert "?" not in text


def test_li_xiaolong_is_printed_as_written_not_as_question_marks(tmp_path: Path) -> None:
    text = pdftotext(render_motion_pdf(motion("", "李小龍")), tmp_path)
    assert "People v. 李小龍" in text
    assert "???" not in text


@pytest.mark.parametrize("script", NAMES)
def test_a_name_in_any_script_is_printed_intact_in_exhibit_a_and_the_csv(
    script: str, tmp_path: Path
) -> None:
    first, last, _ = NAMES[script]
    name = f"{last}, {first}"
    pdf, csv_text = bulk(row("SMITH, ANN", "BA1"), row(name, "BA2"), row("DOE, JO", "BA3"))
    lines = [normalised(line) for line in pdftotext(pdf, tmp_path).splitlines()]
    assert_printed(name, "\n".join(lines))
    assert "SMITH, ANN" in lines and "DOE, JO" in lines
    assert [r[1] for r in csv_records(csv_text)] == ["SMITH, ANN", name, "DOE, JO"]


def test_a_right_to_left_override_in_a_name_is_not_printed(tmp_path: Path) -> None:
    content = motion("ANA", "\u202eZEL")
    raw = pdftotext(render_motion_pdf(content), tmp_path)
    assert "\u202e" not in raw
    assert "People v. ANA ZEL" in raw
    pdf, csv_text = bulk(row("\u202eZEL, ANA"))
    assert "ZEL, ANA" in pdftotext(pdf, tmp_path)
    assert "\u202e" not in pdftotext(pdf, tmp_path)
    assert csv_records(csv_text)[0][1] == "ZEL, ANA"


def test_a_latin1_motion_embeds_no_font_and_is_drawn_in_the_core_font() -> None:
    reader = PdfReader(io.BytesIO(render_motion_pdf(motion("José", "Núñez"))))
    fonts = {str(f["/BaseFont"]) for p in reader.pages for f in p["/Resources"]["/Font"].values()}
    assert fonts <= {"/Helvetica", "/Helvetica-Bold"}


def test_a_chinese_name_embeds_dejavu_and_noto_cjk_subsets() -> None:
    reader = PdfReader(io.BytesIO(render_motion_pdf(motion("小龍", "李"))))
    fonts = {str(f["/BaseFont"]) for p in reader.pages for f in p["/Resources"]["/Font"].values()}
    assert any("DejaVuSans" in f for f in fonts)
    assert any("NotoSansCJK" in f for f in fonts)


def test_a_character_no_font_has_is_a_question_mark_and_the_log_holds_no_name(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    linear_b = "\U00010000"  # in neither DejaVu Sans nor Noto Sans CJK
    assert not FontSet(FONTS).covers(linear_b)
    with caplog.at_level(logging.WARNING):
        data = render_motion_pdf(motion(f"Ana{linear_b}", "Nguyễn"))
    assert "People v. ANA? NGUYỄN" in pdftotext(data, tmp_path)
    assert caplog.records and all("Nguy" not in r.getMessage() + str(r.__dict__)
                                  for r in caplog.records)


# --- determinism --------------------------------------------------------------------------


@pytest.mark.parametrize("script", NAMES)
def test_a_motion_with_a_unicode_name_renders_to_identical_bytes(script: str) -> None:
    first, last, _ = NAMES[script]
    assert render_motion_pdf(motion(first, last)) == render_motion_pdf(motion(first, last))


def test_a_cached_font_gives_the_same_bytes_as_a_freshly_parsed_one() -> None:
    content = motion("小龍 Văn", "محمد")
    cached = render_motion_pdf(content)
    pdf_fonts._PARSED.clear()
    assert render_motion_pdf(content) == cached  # parsed afresh, then cached again
    assert render_motion_pdf(content) == cached


_RENDER_IN_CHILD = """
import hashlib, sys
from datetime import date
from clearway.filing.adapters.pdf import render_motion_pdf
from clearway.filing.domain.motion import Defendant, GrantedCount, MotionContent
content = MotionContent("CA-SF", "SF-1", Defendant("S", "小龍", "Nguyễn محمد", date(1990, 1, 1)),
    (GrantedCount(1, "HS 11357(a)", None, "misdemeanor", date(2015, 1, 1),
                  "dismiss_and_seal", "application", "d1"),), date(2024, 6, 1))
sys.stdout.write(hashlib.sha256(render_motion_pdf(content)).hexdigest())
"""


def test_unicode_motion_bytes_do_not_depend_on_the_process_or_its_hash_seed() -> None:
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(FILING_SRC)}
        result = subprocess.run([sys.executable, "-c", _RENDER_IN_CHILD], env=env,
                                capture_output=True, text=True, check=True, timeout=120)
        digests.add(result.stdout)
    assert len(digests) == 1


# --- the bulk CSV in a spreadsheet --------------------------------------------------------


def test_a_name_starting_with_an_equals_sign_is_not_a_formula_in_the_bulk_csv() -> None:
    name = '=HYPERLINK("http://evil.example/","click")'
    _, csv_text = bulk(row(name))
    assert csv_records(csv_text)[0][1] == "'" + name


@pytest.mark.parametrize("prefix", ["+", "-", "@", "\t=", "\r="])
def test_a_name_starting_with_any_formula_character_is_quoted_in_the_bulk_csv(
    prefix: str,
) -> None:
    _, csv_text = bulk(row(f"{prefix}1+1, ANA"))
    assert csv_records(csv_text)[0][1].startswith("'")


def test_a_nul_byte_in_a_name_is_not_written_into_the_bulk_csv() -> None:
    _, csv_text = bulk(row("LEE\x00, ANA\x1b\x85"))
    assert "\x00" not in csv_text and "\x1b" not in csv_text and "\x85" not in csv_text
    assert csv_records(csv_text)[0][1] == "LEE, ANA"


def test_the_bulk_csv_header_and_ordinary_rows_are_unchanged() -> None:
    _, csv_text = bulk(row("NÚÑEZ-GARCÍA, JOSÉ"), row("O'BRIEN, ZOË"))
    assert csv_text.splitlines()[0].startswith("Case number,") or csv_text.splitlines()[0]
    assert [r[1] for r in csv_records(csv_text)] == ["NÚÑEZ-GARCÍA, JOSÉ", "O'BRIEN, ZOË"]
