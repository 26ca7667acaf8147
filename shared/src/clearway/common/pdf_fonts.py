"""Unicode TrueType fonts for the PDFs people read (filing's motions, notify's letters).

The PDF core font (Helvetica) draws Latin-1 only. Court documents and letters must print
every name exactly as recorded, so when a document holds anything else it embeds (a subset
of) Unicode fonts, with fpdf2's font fallback and HarfBuzz text shaping (``uharfbuzz``):

- DejaVu Sans (Debian ``fonts-dejavu-core``): Latin with every accent (Vietnamese),
  Greek, Cyrillic, Armenian, Georgian, Hebrew and Arabic;
- Noto Sans CJK (Debian ``fonts-noto-cjk``): Chinese, Japanese and Korean. The ``.ttc``
  holds one face per region (`CJK_FACES`); a letter picks the reader's, a motion the
  configured default.

A font list is ``path[#face]`` items separated by ``|`` (`parse_font_list`), tried in
order; the first is the main font, the others are fallbacks for characters it lacks. The
main font's bold face is used when a file named like the regular one with ``Bold`` sits
next to it (``DejaVuSans-Bold.ttf``); fallback fonts are embedded in their regular face
only (bold CJK text prints in regular weight), because subsetting a Noto CJK face is the
slowest part of a document. `default_fonts` searches the
usual Debian, Fedora and Arch folders.

`FontSet` loads each font's character map once per process (Noto CJK: about 0.1 s), and
`FontSet.install` adds to a document only the fonts its text needs: a Latin-1 document
embeds nothing and is drawn with the core font as before. Text shaping is turned on only
for text that needs it (`needs_shaping`: Arabic, Hebrew, Indic scripts, combining marks).
Parsed fonts are cached per process and copied into each document (fpdf2 would otherwise
parse the font file for every PDF: 20 ms for DejaVu, 0.3 s for Noto CJK); subsetting the
embedded fonts still runs per document (about 20 ms per DejaVu face, 0.3 s per Noto CJK
face).

Nothing here logs text: only font paths and counts.
"""

from __future__ import annotations

import copy
import logging
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fpdf import FPDF

log = logging.getLogger(__name__)

CJK_FACES: dict[str, int] = {"ja": 0, "ko": 1, "zh-hans": 2, "zh-cn": 2, "zh-sg": 2,
                             "zh": 3, "zh-hant": 3, "zh-tw": 3, "zh-hk": 4, "zh-mo": 4}
"""Face numbers in Noto Sans CJK ``.ttc`` files (JP, KR, SC, TC, HK), by BCP 47 language
(lower case). Plain ``zh`` is Traditional (TC): notify's Chinese notices are written in
Traditional script, LA County's written Chinese. Every face has every character; only the
glyphs' regional style differs."""
DEFAULT_CJK_FACE = CJK_FACES["zh"]

_DIRS = (
    "/usr/share/fonts/truetype/dejavu",  # Debian, Ubuntu (fonts-dejavu-core)
    "/usr/share/fonts/opentype/noto",  # Debian, Ubuntu (fonts-noto-cjk)
    "/usr/share/fonts/dejavu",  # Fedora, RHEL
    "/usr/share/fonts/dejavu-sans-fonts",  # newer Fedora
    "/usr/share/fonts/google-noto-cjk",  # Fedora
    "/usr/share/fonts/google-noto-sans-cjk-fonts",  # newer Fedora
    "/usr/share/fonts/noto-cjk",  # Arch
    "/usr/share/fonts/TTF",  # Arch
    "/usr/share/fonts/truetype",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
    "/opt/homebrew/share/fonts",
    "/Library/Fonts",
    "~/Library/Fonts",
)
DEFAULT_FONT_FILES: tuple[str, ...] = ("DejaVuSans.ttf", "NotoSansCJK-Regular.ttc")
"""What `default_fonts` looks for in the usual folders, in fallback order."""


@dataclass(frozen=True)
class FontSpec:
    path: Path
    collection_index: int = 0  # the face in a .ttc collection


def parse_font_list(value: str) -> tuple[FontSpec, ...]:
    """``"a.ttf | b.ttc#2"`` -> (FontSpec(a.ttf), FontSpec(b.ttc, 2)); blanks are skipped."""
    specs = []
    for item in (part.strip() for part in value.split("|")):
        if not item:
            continue
        path, sep, face = item.rpartition("#")
        if not sep or not face.isdigit():
            path, face = item, "0"
        specs.append(FontSpec(Path(path).expanduser(), int(face)))
    return tuple(specs)


def default_fonts(cjk_face: int = DEFAULT_CJK_FACE,
                  dirs: Sequence[str] = _DIRS) -> tuple[FontSpec, ...]:
    """The `DEFAULT_FONT_FILES` found in the usual folders (the first folder holding each)."""
    found = []
    for name in DEFAULT_FONT_FILES:
        for folder in dirs:
            path = Path(folder).expanduser() / name
            if path.is_file():
                found.append(FontSpec(path, cjk_face if path.suffix == ".ttc" else 0))
                break
    return tuple(found)


def bold_file(path: Path) -> Path | None:
    """The bold file next to a regular one: X-Regular.ext -> X-Bold.ext, X.ext -> X-Bold.ext."""
    stem = path.stem
    name = re.sub(r"Regular$", "Bold", stem) if stem.endswith("Regular") else f"{stem}-Bold"
    candidate = path.with_name(name + path.suffix)
    return candidate if candidate.is_file() else None


def latin1_printable(text: str) -> bool:
    """True when the core font draws ``text`` unchanged: Latin-1 letters, no control
    characters other than line feeds."""
    if text.isascii() and text.isprintable():
        return True
    return all(c == "\n" or " " <= c <= "~" or "\xa0" <= c <= "\xff" for c in text)


# Scripts drawn right to left or with glyphs that change with their neighbours.
_COMPLEX_RANGES = ((0x0590, 0x08FF), (0x0900, 0x0DFF), (0x0E00, 0x0FFF), (0x1000, 0x109F),
                   (0x1780, 0x18AF), (0xA800, 0xABFF), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF))


def needs_shaping(text: str) -> bool:
    """True when ``text`` needs HarfBuzz shaping: right-to-left or joining scripts (Arabic,
    Hebrew), Indic and South-East Asian scripts, or combining marks left after NFC.
    Precomposed Latin (Vietnamese), Cyrillic, Armenian, Chinese, Japanese and Korean are
    drawn right without it, and shaping every line costs (about 1 ms a line)."""
    for char in set(text):
        code = ord(char)
        if code < 0x0300:
            continue
        if unicodedata.category(char).startswith("M") or any(
            low <= code <= high for low, high in _COMPLEX_RANGES
        ):
            return True
    return False


# ---------------------------------------------------------------------------------------
# Loaded fonts
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadedFont:
    family: str  # the fpdf2 family name used in documents
    spec: FontSpec
    bold: FontSpec | None
    codepoints: frozenset[int] = field(repr=False)

    def has(self, char: str) -> bool:
        return ord(char) in self.codepoints


_CMAPS: dict[tuple[Path, int], frozenset[int]] = {}
_LOCK = threading.Lock()


def _codepoints(spec: FontSpec) -> frozenset[int]:
    key = (spec.path, spec.collection_index)
    with _LOCK:
        cached = _CMAPS.get(key)
        if cached is None:
            from fontTools.ttLib import TTFont

            with TTFont(str(spec.path), fontNumber=spec.collection_index, lazy=True) as font:
                cached = _CMAPS[key] = frozenset(font.getBestCmap() or {})
        return cached


def _ignorable(char: str) -> bool:
    """Characters no font needs to draw (spaces, controls, format characters)."""
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf")


class FontSet:
    """Unicode fonts in fallback order; unreadable files are skipped with a warning."""

    def __init__(self, specs: Sequence[FontSpec]) -> None:
        loaded: list[LoadedFont] = []
        for index, spec in enumerate(specs):
            try:
                codepoints = _codepoints(spec)
            except Exception as exc:  # a missing or broken font file: say which, go on
                log.warning("PDF font unusable",
                            extra={"font": str(spec.path), "error": type(exc).__name__})
                continue
            bold = bold_file(spec.path)
            loaded.append(LoadedFont(
                family=f"clearway-u{index}", spec=spec,
                bold=FontSpec(bold, spec.collection_index) if bold else None,
                codepoints=codepoints))
        self.fonts: tuple[LoadedFont, ...] = tuple(loaded)

    def __bool__(self) -> bool:
        return bool(self.fonts)

    def missing(self, text: str) -> set[str]:
        """Characters of ``text`` (outside Latin-1) no font has."""
        return {c for c in set(text)
                if ord(c) > 0xFF and not _ignorable(c) and not any(f.has(c) for f in self.fonts)}

    def covers(self, text: str) -> bool:
        return not self.missing(text)

    def needed(self, text: str) -> tuple[LoadedFont, ...]:
        """The fonts a document with ``text`` must embed: none for Latin-1 text, else the
        main font and each fallback that has a character no earlier font has."""
        if not self.fonts or latin1_printable(text):
            return ()
        chosen = {0}
        for char in set(text):
            if ord(char) <= 0xFF or _ignorable(char) or self.fonts[0].has(char):
                continue
            for index, font in enumerate(self.fonts):
                if font.has(char):
                    chosen.add(index)
                    break
        return tuple(self.fonts[i] for i in sorted(chosen))

    def install(self, pdf: FPDF, text: str, *, bold: bool = True) -> str | None:
        """Add the fonts ``text`` needs to ``pdf`` (the main one with its bold face unless
        ``bold`` is false: an added face is embedded even when unused), make the others
        fallbacks and turn text shaping on if the text needs it; return the main family,
        or None when the core font can draw ``text``. Calling it again adds what new text
        needs."""
        needed = self.needed(text)
        if not needed:
            return None
        for font in needed:
            # Bold for the main font only: subsetting a Noto CJK face costs 0.3 s a
            # document, so bold text falls back to a fallback font's regular face.
            styles = (("", font.spec), ("B", font.bold or font.spec))
            for style, spec in styles if bold and font is self.fonts[0] else styles[:1]:
                if f"{font.family}{style}".lower() not in pdf.fonts:
                    add_cached_font(pdf, font.family, style, spec)
        installed = [f for f in self.fonts if f"{f.family}".lower() in pdf.fonts]
        pdf.set_fallback_fonts([f.family for f in installed[1:]], exact_match=False)
        if needs_shaping(text) and not pdf.text_shaping:
            pdf.set_text_shaping(True)
        return installed[0].family


# ---------------------------------------------------------------------------------------
# A per-process cache of parsed fonts
# ---------------------------------------------------------------------------------------

_PARSED: dict[tuple[Path, int, str], Any] = {}


def add_cached_font(pdf: FPDF, family: str, style: str, spec: FontSpec) -> None:
    """`pdf.add_font(family, style, spec)`, reusing this process's parse of the file.

    fpdf2 (2.8) parses the whole character map and widths table of a font for every
    document. The parse is kept here and copied, with the per-document parts fresh: the
    fontTools object (subsetting changes it), the subset, the missing glyphs, the HarfBuzz
    font. If fpdf2's font class changes shape the copy fails and the font is added the
    ordinary way: slower, same bytes."""
    from fontTools.ttLib import TTFont
    from fpdf.enums import TextEmphasis
    from fpdf.fonts import SubsetMap, TTFFont

    key = (spec.path, spec.collection_index, style)
    fontkey = f"{family.lower()}{style}"
    with _LOCK:
        proto = _PARSED.get(key)
    if proto is None:
        pdf.add_font(family, style, str(spec.path), collection_font_number=spec.collection_index)
        with _LOCK:
            # Keep a private copy of the parse (never the document's own object).
            _PARSED[key] = copy.deepcopy(pdf.fonts[fontkey])
        return
    try:
        font = TTFFont.__new__(TTFFont)
        for name in TTFFont.__slots__:
            if hasattr(proto, name):  # some slots are never set
                setattr(font, name, getattr(proto, name))
        font.i = len(pdf.fonts) + 1
        font.fontkey = fontkey
        font.emphasis = TextEmphasis.coerce(style)
        font.ttfont = TTFont(str(spec.path), recalcTimestamp=False,
                             fontNumber=spec.collection_index, lazy=True)
        font.cw = copy.copy(proto.cw)
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font._hbfont = None
        font.subset = SubsetMap(font)
    except Exception:  # pragma: no cover - an fpdf2 upgrade changed TTFFont
        log.warning("PDF font cache unusable; parsing the font", extra={"font": str(spec.path)})
        pdf.add_font(family, style, str(spec.path), collection_font_number=spec.collection_index)
        return
    pdf.fonts[fontkey] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")
