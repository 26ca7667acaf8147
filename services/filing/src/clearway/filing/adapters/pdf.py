"""PDF (fpdf2) and CSV rendering of Prop 64 motions.

- `render_motion_pdf(content)`: one case's motion and proposed order, as bytes.
- `write_bulk_motion(court, rows, prepared_on, pdf_out, csv_out)`: a court's bulk motion: a
  cover motion and proposed order for "the cases listed in Exhibit A", an Exhibit A slip
  sheet, then the exhibit table; the same rows go to `csv_out`.

Both are deterministic: the same input (and fonts) gives the same bytes. The PDF creation date is
`prepared_on` (noon UTC) and fpdf2 derives the trailer /ID from the document bytes and that
date; nothing else depends on time, randomness or hash order.

Fonts. Names print exactly as recorded, in any script. A document whose text is all
Latin-1 uses the core Helvetica font and embeds nothing (the common, fast case: the bytes
are those of before Unicode support). Otherwise the Unicode TrueType fonts it needs are
embedded (`clearway.common.pdf_fonts`: DejaVu Sans, then Noto Sans CJK as a fallback font;
HarfBuzz shaping for Arabic and other scripts that need it), and only the lines (exhibit:
cells) holding non-Latin-1 text are drawn in them; the rest stays in the core font.
`configure_fonts` sets the fonts (`FilingSettings.pdf_fonts`; default: the usual system
folders) and runs in each render worker. Without a usable font, or for a character no font
has, text is transliterated where a plain-letter form exists ("Łukasz" -> "Lukasz") and "?"
otherwise, with a logged warning that never holds the text, so no name can make rendering
fail. Bidirectional control characters are removed from everything drawn
(`clearway.common.bidi`). The CSV keeps the original text, made safe for spreadsheets by
`clearway.common.csv_safe` (no formulas, no control or bidirectional characters).

The bulk motion streams `rows` once: the cover (which states the number of cases) is
reserved as the first two pages with fpdf2's `insert_toc_placeholder` and rendered when the
document is closed, once the count is known. Memory is bounded by the PDF being built
(fpdf2 keeps page content streams in memory: under 1 KB per row), never by a row list.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time
from typing import Any, BinaryIO, TextIO

from fpdf import FPDF
from fpdf.enums import TextEmphasis, XPos, YPos

from clearway.common import csv_safe
from clearway.common.bidi import strip_bidi_controls
from clearway.common.pdf_fonts import FontSet, FontSpec, default_fonts, latin1_printable
from clearway.filing.domain.motion import (
    COUNT_COLUMNS,
    EXHIBIT_COLUMNS,
    BulkSummary,
    ExhibitRow,
    MotionContent,
    MotionDocument,
    build_bulk_motion_document,
    build_motion_document,
    court_caption,
    court_date,
    long_date,
)

FONT = "Helvetica"
PAGE_FORMAT = "Letter"
BODY_SIZE = 10
LINE = 4.6  # mm per body line
TOTAL_PAGES_ALIAS = "{~nb~}"

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------
# Unicode fonts
# ---------------------------------------------------------------------------------------

_fonts: FontSet | None = None
_fonts_lock = threading.Lock()


def configure_fonts(specs: Sequence[FontSpec] | None = None) -> FontSet:
    """Set the Unicode fonts of this process's motions (None: `default_fonts()`); logs a
    warning when none is usable. A process pool runs this in every worker."""
    global _fonts
    font_set = FontSet(default_fonts() if specs is None else specs)
    if not font_set:
        log.warning("no Unicode font for motion PDFs: names outside Latin-1 will be "
                    "transliterated", extra={"fonts": [str(s.path) for s in specs or ()]})
    with _fonts_lock:
        _fonts = font_set
    return font_set


def unicode_fonts() -> FontSet:
    """The configured fonts; the default ones when `configure_fonts` was not called."""
    with _fonts_lock:
        font_set = _fonts
    return font_set if font_set is not None else configure_fonts(None)


# ---------------------------------------------------------------------------------------
# latin-1 safety
# ---------------------------------------------------------------------------------------

# Letters and punctuation with no latin-1 form and no NFKD decomposition to one.
_FALLBACK: dict[str, str] = {
    "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "Ŧ": "T",
    "ŧ": "t", "Œ": "OE", "œ": "oe", "ẞ": "SS", "Ŋ": "N", "ŋ": "n", "ĸ": "k",
    "‘": "'", "’": "'", "‚": ",", "‛": "'", "“": '"', "”": '"', "„": '"', "‟": '"',
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "…": "...", "€": "EUR",
    "•": "*", "′": "'", "″": '"',
}  # fmt: skip


def _latin1_char(char: str) -> str:
    if char in _FALLBACK:
        return _FALLBACK[char]
    decomposed = unicodedata.normalize("NFKD", char)
    kept = "".join(c for c in decomposed if ord(c) < 256 and not unicodedata.combining(c))
    return kept or "?"


def latin1_safe(text: str) -> str:
    """Text the core fonts can draw: latin-1 only, no control characters."""
    if text.isascii() and text.isprintable():
        return text
    text = strip_bidi_controls(unicodedata.normalize("NFC", text))
    out: list[str] = []
    for char in text:
        code = ord(char)
        if char in "\n\r\t":
            out.append(char if char == "\n" else " ")
        elif code < 32 or 127 <= code < 160:
            out.append(" ")
        elif code < 256:
            out.append(char)
        else:
            out.append(_latin1_char(char))
    return "".join(out)


def unicode_safe(text: str) -> str:
    """Text for the Unicode fonts: NFC, no bidirectional controls (a right-to-left override
    would reverse the name shown), control characters other than line feeds as spaces."""
    if text.isascii() and text.isprintable():
        return text
    text = strip_bidi_controls(unicodedata.normalize("NFC", text))
    return "".join(" " if unicodedata.category(c) == "Cc" and c != "\n" else c for c in text)


def _one_line(text: str, unicode: bool = False) -> str:
    return (unicode_safe(text) if unicode else latin1_safe(text)).replace("\n", " ")


def _strings(value: object) -> Iterator[str]:
    """Every string in a document (dataclasses and tuples, walked)."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _strings(getattr(value, f.name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _strings(item)


# ---------------------------------------------------------------------------------------
# The document
# ---------------------------------------------------------------------------------------


class _Pdf(FPDF):
    """Letter-size document with a fixed creation date and a "page n of N" footer.

    With `text` (all the document will say) outside Latin-1, the whole document is drawn
    in the Unicode fonts it needs (`FONT` is mapped to them); otherwise in the core font,
    with nothing embedded. `cell_family` adds the Unicode fonts later, for single cells
    (the bulk motion's exhibit rows, which stream)."""

    def __init__(self, footer_text: str, prepared_on: date, fonts: FontSet,
                 text: str = "") -> None:
        super().__init__(orientation="P", unit="mm", format=PAGE_FORMAT)
        self.font_set = fonts
        self.unicode_family: str | None = None
        self._cell_family: str | None = None
        self._warned = False
        if text and not latin1_printable(text):
            _warn_unprintable(fonts, text)
            self.unicode_family = fonts.install(self, text)
        self.footer_text = _one_line(footer_text, self.unicode_family is not None)
        self.set_creation_date(datetime.combine(prepared_on, time(12), tzinfo=UTC))
        self.set_creator("Clearway")
        self.set_margins(left=20, top=16, right=20)
        self.set_auto_page_break(True, margin=16)
        # Total-pages alias; fpdf2 reserves one digit per alias character (6: up to 999,999).
        self.alias_nb_pages(TOTAL_PAGES_ALIAS)

    def set_font(self, family: str | None = None, style: str | TextEmphasis = "",
                 size: float = 0) -> None:
        if family == FONT and self.unicode_family is not None:
            family = self.unicode_family
        super().set_font(family, style, size)

    def cell(self, w: float | None = None, h: float | None = None, text: str = "",
             *args: Any, **kwargs: Any) -> bool:
        # In a Unicode document, a line the core font can draw is drawn in it: shaping and
        # embedding only what needs them is most of the speed of Unicode rendering.
        family = self.unicode_family
        if family is None or self.font_family != family.lower() or not latin1_printable(text):
            return super().cell(w, h, text, *args, **kwargs)
        style, size = self.font_style, self.font_size_pt
        FPDF.set_font(self, FONT, style, size)
        try:
            return super().cell(w, h, text, *args, **kwargs)
        finally:
            FPDF.set_font(self, family, style, size)

    def clean(self, text: str) -> str:
        """`text` as the current font will draw it."""
        if not self.is_ttf_font:
            return latin1_safe(text)
        text = unicode_safe(text)
        if not text.isascii():
            missing = self.font_set.missing(text)
            if missing:  # no font has them: as the core font would print them
                text = "".join(_latin1_char(c) if c in missing else c for c in text)
        return text

    def normalize_text(self, text: str) -> str:
        # Every string drawn passes here: the core font never sees non-latin-1 and no
        # font sees a bidirectional control.
        return super().normalize_text(self.clean(text))

    def cell_family(self, text: str) -> str | None:
        """The Unicode family for a cell holding `text` (added now if needed); None when
        the core font draws it or no Unicode font is available."""
        if latin1_printable(text):
            return None
        if not self._warned or self.font_set.missing(text):  # once a document, or news
            _warn_unprintable(self.font_set, text)
            self._warned = True
        if not self.font_set:
            return None
        family = self.font_set.install(self, text)
        self._cell_family = self._cell_family or family
        return self._cell_family

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(FONT, size=7)
        text = f"{self.footer_text} - Page {self.page_no()} of {TOTAL_PAGES_ALIAS}"
        self.cell(0, 4, text, align="C")


def _warn_unprintable(fonts: FontSet, text: str) -> None:
    """Log (without the text: it holds names) that some characters cannot be printed."""
    if not fonts:
        log.warning("no Unicode font for a motion PDF: characters outside Latin-1 "
                    "transliterated or printed as '?'")
        return
    missing = fonts.missing(text)
    if missing:
        log.warning("motion PDF characters no font has, printed as '?'",
                    extra={"characters": len(missing)})


def _metadata(pdf: _Pdf, doc: MotionDocument, title: str) -> None:
    unicode = pdf.unicode_family is not None
    pdf.set_title(_one_line(title, unicode))
    pdf.set_subject(_one_line(doc.title, unicode))
    pdf.set_author(_one_line(doc.caption, unicode))
    pdf.set_keywords(_one_line(doc.keywords, unicode))


_WORD_WIDTHS: dict[tuple[str, float, str], float] = {}


def _word_width(pdf: FPDF, word: str) -> float:
    """A word's width in the current (core) font; documents share the measurements."""
    key = (pdf.font_family + pdf.font_style, pdf.font_size_pt, word)
    width = _WORD_WIDTHS.get(key)
    if width is None:
        if len(_WORD_WIDTHS) > 100_000:  # names and case numbers: keep it bounded
            _WORD_WIDTHS.clear()
        width = _WORD_WIDTHS[key] = pdf.get_string_width(word)
    return width


def wrap_lines(pdf: FPDF, text: str, width: float) -> list[str]:
    """`text` broken at spaces into lines that fit `width` (mm) in the current font; a
    word longer than a line is split. fpdf2's multi_cell re-measures the whole line for
    every character it adds, which made line breaking most of a motion's rendering time;
    this measures each word once."""
    space = _word_width(pdf, " ")
    lines: list[str] = []
    clean = pdf.clean(text) if isinstance(pdf, _Pdf) else latin1_safe(text)
    for paragraph in clean.split("\n"):
        line: list[str] = []
        used = 0.0
        for word in paragraph.split():
            w = _word_width(pdf, word)
            while w > width and len(word) > 1:  # split what no line can hold
                if line:
                    lines.append(" ".join(line))
                    line, used = [], 0.0
                cut = len(word) - 1
                while cut > 1 and _word_width(pdf, word[:cut]) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
                w = _word_width(pdf, word)
            if line and used + space + w > width:
                lines.append(" ".join(line))
                line, used = [], 0.0
            used += (space if line else 0.0) + w
            line.append(word)
        lines.append(" ".join(line))
    return lines


def _text_block(pdf: FPDF, w: float, h: float, text: str, *, align: str = "L",
                new_x: XPos = XPos.LMARGIN) -> None:
    """Wrapped text, one cell per line, starting at the current position; `w` 0 means up
    to the right margin. Lines are left aligned (or centred with align "C")."""
    if w == 0:
        w = pdf.w - pdf.r_margin - pdf.x
    x = pdf.x
    for line in wrap_lines(pdf, text, w - 2 * pdf.c_margin):
        pdf.set_x(x)
        pdf.cell(w, h, line, align=align, new_x=XPos.LEFT, new_y=YPos.NEXT)
    if new_x == XPos.LMARGIN:
        pdf.set_x(pdf.l_margin)


def _paragraph(pdf: FPDF, text: str, *, size: float = BODY_SIZE, style: str = "") -> None:
    pdf.set_font(FONT, style, size)
    _text_block(pdf, 0, LINE * size / BODY_SIZE, text)
    pdf.ln(1.2)


def _heading(pdf: FPDF, text: str, size: float = BODY_SIZE) -> None:
    pdf.ln(1.5)
    _paragraph(pdf, text, size=size, style="B")


def _caption(pdf: FPDF, doc: MotionDocument, title: str, size: float) -> None:
    """Court, parties on the left, case number and document title on the right."""
    pdf.set_font(FONT, "B", size + 1)
    _text_block(pdf, 0, 6, doc.caption, align="C")
    pdf.ln(3)
    top = pdf.y
    left_w = pdf.epw * 0.5
    pdf.set_font(FONT, "", size)
    for line in doc.parties:
        _text_block(pdf, left_w, LINE, line)
    left_bottom = pdf.y
    right_x = pdf.l_margin + left_w + 5
    right_w = pdf.epw - left_w - 5
    pdf.set_xy(right_x, top)
    pdf.set_font(FONT, "B", size)
    case_no = f"Case No. {doc.case_number}"
    _text_block(pdf, right_w, LINE, case_no, new_x=XPos.LEFT)
    pdf.set_xy(right_x, pdf.y + 2)
    _text_block(pdf, right_w, LINE, title, new_x=XPos.LEFT)
    bottom = max(left_bottom, pdf.y) + 2
    pdf.line(right_x - 2.5, top - 1, right_x - 2.5, bottom)
    pdf.line(pdf.l_margin, bottom, pdf.l_margin + left_w, bottom)
    pdf.set_y(bottom + 4)


_COUNT_SHARES: tuple[float, ...] = (9, 18, 34, 14, 16, 26, 28)  # of the text width
_COUNT_SIZE = 8
_COUNT_LINE = 3.4
_COUNT_PAD = 1.0


def _count_row(pdf: FPDF, cells: tuple[object, ...], *, heading: bool = False) -> None:
    """One row of the counts table: each cell wrapped in its column, the row as tall as
    its tallest cell, a rule under it (the heading shaded). Drawn directly: fpdf2's table
    lays every cell out twice with its slow line breaking."""
    pdf.set_font(FONT, "B" if heading else "", _COUNT_SIZE)
    widths = [pdf.epw * share / sum(_COUNT_SHARES) for share in _COUNT_SHARES]
    wrapped = [wrap_lines(pdf, str(c), w - 2 * _COUNT_PAD)
               for c, w in zip(cells, widths, strict=True)]
    height = max(len(lines) for lines in wrapped) * _COUNT_LINE + 2 * _COUNT_PAD
    if pdf.will_page_break(height):
        pdf.add_page()
    x, y = pdf.l_margin, pdf.y
    if heading:
        pdf.set_fill_color(230, 230, 230)
        pdf.rect(x, y, pdf.epw, height, style="F")
    for lines, w in zip(wrapped, widths, strict=True):
        for i, line in enumerate(lines):
            pdf.set_xy(x + _COUNT_PAD - pdf.c_margin, y + _COUNT_PAD + i * _COUNT_LINE)
            pdf.cell(w - 2 * _COUNT_PAD + 2 * pdf.c_margin, _COUNT_LINE, line)
        x += w
    pdf.line(pdf.l_margin, y + height, pdf.l_margin + pdf.epw, y + height)
    pdf.set_xy(pdf.l_margin, y + height)


def _count_table(pdf: FPDF, doc: MotionDocument) -> None:
    _count_row(pdf, COUNT_COLUMNS, heading=True)
    for row in doc.count_rows:
        _count_row(pdf, (row.count, row.statute, row.offense, row.level, row.conviction_date,
                         row.relief, row.procedure))
    pdf.ln(2)


def _signature(pdf: FPDF, label: str, *, dated_blank: bool) -> None:
    """A signature line over `label` on the right; a blank "Dated:" on the left if asked."""
    pdf.ln(8)
    if pdf.will_page_break(14):
        pdf.add_page()
    y = pdf.y
    pdf.set_font(FONT, "", BODY_SIZE)
    if dated_blank:
        pdf.set_xy(pdf.l_margin, y)
        pdf.cell(70, LINE, "Dated: ____________________")
    line_x = pdf.l_margin + pdf.epw - 80
    pdf.line(line_x, y + LINE, pdf.l_margin + pdf.epw, y + LINE)
    pdf.set_xy(line_x, y + LINE + 1)
    pdf.cell(80, LINE, label, align="C")
    pdf.set_y(y + 2 * LINE + 3)


def _checkbox(pdf: FPDF, x: float, y: float, label: str, width: float) -> None:
    pdf.rect(x, y + 0.8, 3, 3)
    pdf.set_xy(x + 4.5, y)
    _text_block(pdf, width - 4.5, LINE, label)


def _motion(pdf: FPDF, doc: MotionDocument, size: float = BODY_SIZE) -> None:
    _caption(pdf, doc, doc.title, size)
    for text in doc.intro:
        _paragraph(pdf, text, size=size)
    if doc.count_rows:
        _heading(pdf, "COUNTS", size)
        _count_table(pdf, doc)
    _heading(pdf, "STATUTORY BASIS", size)
    for text in doc.basis:
        _paragraph(pdf, text, size=size)
    _heading(pdf, "RELIEF REQUESTED", size)
    for text in doc.request:
        _paragraph(pdf, text, size=size)
    _heading(pdf, "DECLARATION", size)
    _paragraph(pdf, doc.declaration, size=size)
    _paragraph(pdf, doc.signed, size=size)
    _signature(pdf, doc.prosecutor_title, dated_blank=False)  # date is in `signed`
    if doc.references:
        pdf.ln(2)
        _paragraph(pdf, "Clearway decision reference(s): " + ", ".join(doc.references), size=6)


def _order(pdf: FPDF, doc: MotionDocument, size: float = BODY_SIZE) -> None:
    _caption(pdf, doc, doc.order_title, size)
    _paragraph(pdf, doc.order_intro, size=size)
    granted, denied = doc.order_choices
    for item in doc.order_items:
        if pdf.will_page_break(4 * LINE):
            pdf.add_page()
        _paragraph(pdf, item.label, size=size, style="B")
        pdf.set_font(FONT, "", size)
        _checkbox(pdf, pdf.l_margin + 4, pdf.y, f"{granted}: {item.granted}.", pdf.epw - 4)
        _checkbox(pdf, pdf.l_margin + 4, pdf.y + 1, f"{denied}.", pdf.epw - 4)
        pdf.ln(2)
    for text in doc.order_closing:
        _paragraph(pdf, text, size=size)
    _signature(pdf, doc.judge_title, dated_blank=True)


def render_motion_pdf(content: MotionContent, fonts: FontSet | None = None) -> bytes:
    """The motion for one case and its proposed order (on a new page). `fonts`: the
    Unicode fonts (default: `unicode_fonts()`), used only when the text needs them."""
    doc = build_motion_document(content)
    people_v = f"People v. {content.defendant.full_name}"
    footer = f"{people_v}, Case No. {content.case_number}"
    title = f"{people_v}, {content.case_number}: motion under HS 11361.8"
    text = "\n".join((footer, title, *_strings(doc)))
    pdf = _Pdf(footer, content.prepared_on, unicode_fonts() if fonts is None else fonts, text)
    _metadata(pdf, doc, title)
    pdf.add_page()
    _motion(pdf, doc)
    pdf.add_page()
    _order(pdf, doc)
    return bytes(pdf.output())


# ---------------------------------------------------------------------------------------
# Bulk motion: cover, Exhibit A table, CSV
# ---------------------------------------------------------------------------------------

EXHIBIT_SIZE = 7  # pt
_PAD = 0.8  # mm, inside a table cell
# PDF-only leading column (item number); the rest are EXHIBIT_COLUMNS. Widths in mm, Letter
# landscape with 10 mm margins leaves 259.4 mm.
_EXHIBIT_WIDTHS: tuple[float, ...] = (10, 24, 52, 17, 14, 42, 56, 44.4)
_EXHIBIT_HEADERS: tuple[str, ...] = ("No.", *EXHIBIT_COLUMNS)
COVER_PAGES = 2  # the bulk motion, then its proposed order


def _render_bulk_cover(pdf: FPDF, doc: MotionDocument) -> None:
    """Fills the reserved first pages; must end on page COVER_PAGES (fpdf2 checks)."""
    pdf.set_margins(left=20, top=16, right=20)  # the exhibit changed them; rendered last
    pdf.set_xy(20, 16)
    _motion(pdf, doc, size=9)
    pdf.add_page()
    _order(pdf, doc, size=9)


def _slip_sheet(pdf: FPDF, court: str, prepared_on: date) -> None:
    pdf.set_y(pdf.h / 3)
    pdf.set_font(FONT, "B", 28)
    pdf.cell(0, 14, "EXHIBIT A", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 11)
    for text in (
        court_caption(court),
        "Cases in the People's motion under Health and Safety Code section 11361.8",
        f"Prepared {long_date(prepared_on)}",
    ):
        _text_block(pdf, 0, 6, text, align="C")


class _ExhibitTable:
    """Exhibit A as fixed columns drawn with `FPDF.text` (fast), one row at a time.

    Cells wrap on spaces; a row never splits across pages unless it is taller than a page.
    The title and header row repeat on every page.
    """

    def __init__(self, pdf: _Pdf, court: str) -> None:
        self.pdf = pdf
        self.title = f"EXHIBIT A - {court_caption(court)}"
        self.count = 0
        self.xs: list[float] = []
        x = 10.0
        for width in _EXHIBIT_WIDTHS:
            self.xs.append(x)
            x += width
        self.right = x
        pdf.set_font(FONT, "", EXHIBIT_SIZE)
        self.line_h = pdf.font_size * 1.2
        self.baseline = pdf.font_size * 0.95
        # Core fonts have fixed glyph widths and no kerning: measure each latin-1 glyph once
        # (FPDF.get_string_width costs ~40 us a call, too slow for hundreds of thousands).
        self.char_w = [pdf.get_string_width(chr(c)) for c in range(256)]
        self.max_char_w = max(self.char_w)
        self.top = 0.0
        self.bottom = 0.0
        self._new_page()

    def _new_page(self) -> None:
        pdf = self.pdf
        pdf.add_page(orientation="L")
        pdf.set_margins(left=10, top=12, right=10)
        pdf.set_xy(10, 12)
        pdf.set_font(FONT, "B", 9)
        pdf.cell(0, 5, self.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
        y = pdf.y
        height = self.line_h + 2 * _PAD
        pdf.set_fill_color(230, 230, 230)
        pdf.rect(10, y, self.right - 10, height, style="F")
        pdf.set_font(FONT, "B", EXHIBIT_SIZE)
        for x, header in zip(self.xs, _EXHIBIT_HEADERS, strict=True):
            pdf.text(x + _PAD, y + _PAD + self.baseline, header)
        pdf.set_font(FONT, "", EXHIBIT_SIZE)
        pdf.set_draw_color(170, 170, 170)
        pdf.set_line_width(0.1)
        self.top = y + height
        self.bottom = pdf.page_break_trigger
        pdf.set_y(self.top)

    def _fits(self, text: str, width: float) -> bool:
        """`text` is latin-1 already (see `add`)."""
        if len(text) * self.max_char_w <= width:
            return True
        char_w = self.char_w
        return sum(char_w[ord(c)] for c in text) <= width

    def _wrap(self, text: str, width: float) -> list[str]:
        if self._fits(text, width):
            return [text]
        lines: list[str] = []
        current = ""
        for word in text.split(" "):
            candidate = f"{current} {word}" if current else word
            if self._fits(candidate, width):
                current = candidate
                continue
            if current:
                lines.append(current)
            while not self._fits(word, width):  # a word wider than the column: cut it
                cut = len(word) - 1
                while cut > 1 and not self._fits(word[:cut], width):
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        lines.append(current)
        return lines

    def add(self, row: ExhibitRow) -> None:
        self.count += 1
        values = (
            str(self.count),
            row.case_number,
            row.defendant_name,
            court_date(row.date_of_birth),
            row.counts,
            row.statutes,
            row.reliefs,
            row.procedure,
        )
        cells: list[list[str]] = []
        families: list[str | None] = []
        for value, width in zip(values, _EXHIBIT_WIDTHS, strict=True):
            family = self.pdf.cell_family(value)
            families.append(family)
            if family is None:
                cells.append(self._wrap(_one_line(value), width - 2 * _PAD))
            else:  # measured in the Unicode font (slower; rare)
                self.pdf.set_font(family, "", EXHIBIT_SIZE)
                cells.append(wrap_lines(self.pdf, _one_line(value, True), width - 2 * _PAD))
                self.pdf.set_font(FONT, "", EXHIBIT_SIZE)
        self._draw(cells, families)

    def _lines_available(self) -> int:
        return int((self.bottom - self.pdf.y - 2 * _PAD) // self.line_h)

    def _draw(self, cells: list[list[str]], families: list[str | None]) -> None:
        pdf = self.pdf
        total = max(len(lines) for lines in cells)
        start = 0
        while start < total:
            rest = total - start
            available = self._lines_available()
            at_top = pdf.y <= self.top
            if rest > available and not at_top and (available <= 0 or start == 0):
                self._new_page()
                continue
            take = min(rest, available)
            y = pdf.y
            for x, lines, family in zip(self.xs, cells, families, strict=True):
                if family is not None:  # `text` has no font fallback: a cell per line
                    self._draw_unicode(x, y, lines[start : start + take], family)
                    continue
                for i, line in enumerate(lines[start : start + take]):
                    if line:
                        pdf.text(x + _PAD, y + _PAD + i * self.line_h + self.baseline, line)
            y += take * self.line_h + 2 * _PAD
            pdf.line(10, y, self.right, y)
            pdf.set_y(y)
            start += take

    def _draw_unicode(self, x: float, y: float, lines: list[str], family: str) -> None:
        pdf = self.pdf
        pdf.set_font(family, "", EXHIBIT_SIZE)
        for i, line in enumerate(lines):
            if line:
                pdf.set_xy(x + _PAD - pdf.c_margin, y + _PAD + i * self.line_h)
                pdf.cell(text=line, h=self.line_h)
        pdf.set_font(FONT, "", EXHIBIT_SIZE)

    def close(self) -> None:
        pdf = self.pdf
        if pdf.will_page_break(7):
            self._new_page()
        pdf.set_font(FONT, "B", EXHIBIT_SIZE + 1)
        pdf.set_y(pdf.y + 2)
        cases = f"{self.count:,} case" + ("" if self.count == 1 else "s")
        pdf.cell(0, 5, f"End of Exhibit A: {cases}.")


def write_bulk_motion(
    court: str,
    rows: Iterable[ExhibitRow],
    prepared_on: date,
    pdf_out: BinaryIO,
    csv_out: TextIO,
    fonts: FontSet | None = None,
) -> BulkSummary:
    """Write a court's bulk motion (PDF) and its Exhibit A (PDF pages and CSV).

    `rows` is consumed once, in the order given, and never held in memory. `csv_out` should
    be opened with newline="" (the csv module writes RFC 4180 CRLF line ends); the CSV has the
    header EXHIBIT_COLUMNS and dates in ISO 8601. Raises ValueError, writing nothing, when
    `rows` is empty. The CSV's cells are made safe to open in a spreadsheet
    (`clearway.common.csv_safe`: no formulas, no control or bidirectional characters).
    `fonts`: the Unicode fonts for exhibit cells outside Latin-1 (default: `unicode_fonts()`).
    """
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        raise ValueError(f"bulk motion for {court}: no cases to list")

    writer = csv_safe.writer(csv_out)
    writer.writerow(EXHIBIT_COLUMNS)
    pdf = _Pdf(f"People's motion under HS 11361.8, {court_caption(court)}", prepared_on,
               unicode_fonts() if fonts is None else fonts)
    table: _ExhibitTable | None = None

    def cover(target: FPDF, _outline: object) -> None:
        assert table is not None
        _render_bulk_cover(target, build_bulk_motion_document(court, table.count, prepared_on))

    pdf.add_page()
    pdf.insert_toc_placeholder(cover, pages=COVER_PAGES)
    _slip_sheet(pdf, court, prepared_on)
    table = _ExhibitTable(pdf, court)
    for row in itertools.chain((first,), iterator):
        writer.writerow(row.as_record())
        table.add(row)
    table.close()

    _metadata(
        pdf,
        build_bulk_motion_document(court, table.count, prepared_on),
        f"Bulk motion under HS 11361.8, {court_caption(court)}, {table.count} cases",
    )
    pdf_out.write(pdf.output())
    return BulkSummary(motion_count=table.count, pages=pdf.pages_count)
