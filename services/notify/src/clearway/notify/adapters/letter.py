"""Letter channel: a printable PDF letter dropped into a daily print batch folder.

Each letter is ``<letters_dir>/<YYYY-MM-DD>/<dedupe_key>.pdf`` (the key is used as
the file name when it is file-name safe, otherwise a safe prefix plus a hash of it).
The file is written atomically (temporary file, fsync, rename), and a key that
already has a letter in any batch folder is not written again: the existing path is
returned, so a retry (even on a later day) never prints a second letter.

The PDF is deterministic: the same recipient, notice, date and fonts give the same
bytes.

The letterhead, top left, is the notice's sending office (its name, postal address, phone
and website); the office's name and address are the return address. A notice without an
office (none is rendered so; see `domain/offices.py`) would fall back to
``LetterSettings.return_address``.

Fonts and scripts. Names and addresses are printed exactly as recorded, and the notice
in the reader's language: every language notify offers (en es hy ko tl vi zh). A letter
whose text is all Latin-1 (English, Spanish, Tagalog, with Latin-1 names) uses the PDF
core font (Helvetica) and embeds nothing. Any other letter embeds subsets of Unicode
TrueType fonts (`clearway.common.pdf_fonts`), with fpdf2's font fallback and, for
Arabic or Hebrew names, HarfBuzz text shaping: DejaVu Sans (Debian ``fonts-dejavu-core``:
Vietnamese, Armenian, Cyrillic, Arabic, Hebrew) and Noto Sans CJK (``fonts-noto-cjk``:
Chinese, Korean, Japanese, in the face of the letter's language: TC for ``zh`` (the
notices are in Traditional script), KR for ``ko``, JP for ``ja``). They are found in the
usual system font folders, or configured in ``LetterSettings.fonts``
(``CLEARWAY_NOTIFY_LETTER_FONTS``).

A missing font does not stop notify: the channel logs a warning at start-up naming the
font files it did not find. A letter whose notice text no available font can print is
printed in English (``RenderedNotice.english``) and the language printed is logged;
characters of a name no font has are printed without accents, or as ``?``. Logs never
hold names or addresses.

Bidirectional control characters (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C)
are removed from names and address lines (`clearway.common.bidi`): a right-to-left
override could otherwise make the address window show a different name.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from babel.core import UnknownLocaleError
from babel.dates import format_date
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from clearway.common.bidi import strip_bidi_controls
from clearway.common.pdf_fonts import (
    CJK_FACES,
    DEFAULT_CJK_FACE,
    DEFAULT_FONT_FILES,
    FontSet,
    FontSpec,
    default_fonts,
    latin1_printable,
)
from clearway.notify.adapters.base import DeliveryError, Recipient
from clearway.notify.domain.notices import RenderedNotice

log = logging.getLogger(__name__)

FONT_SEARCH_PATHS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",  # Debian, Ubuntu
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",  # Fedora, RHEL
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",  # newer Fedora
    "/usr/share/fonts/TTF/DejaVuSans.ttf",  # Arch
    "/usr/local/share/fonts/DejaVuSans.ttf",
    "~/.fonts/DejaVuSans.ttf",
    "~/.local/share/fonts/DejaVuSans.ttf",
)
"""Where `find_unicode_font` looks for DejaVu Sans (the main Unicode font)."""

_SAFE_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_BATCH_DIR = re.compile(r"\d{4}-\d{2}-\d{2}")
_NO_SPACE_SCRIPTS = ("zh", "ja")  # wrap by character, not by word
LETTER_FILE_MODE = 0o640  # letters hold personal data: owner and print group only


@dataclass(frozen=True)
class LetterSettings:
    letters_dir: Path
    return_address: tuple[str, ...] = ("Clearway", "P.O. Box 0000", "Los Angeles CA 90000")
    fonts: tuple[FontSpec, ...] | None = None
    """Unicode fonts in fallback order; None: `pdf_fonts.default_fonts` (DejaVu Sans, then
    Noto Sans CJK in the face of each letter's language). () means the core font only."""


def find_unicode_font(paths: Sequence[str] = FONT_SEARCH_PATHS) -> Path | None:
    for candidate in paths:
        path = Path(candidate).expanduser()
        if path.is_file():
            return path
    return None


def cjk_face(language: str) -> int:
    """The Noto Sans CJK face for a reader's language (``zh-TW`` -> TC, ``ko`` -> KR)."""
    tag = language.lower().replace("_", "-")
    while tag:
        if tag in CJK_FACES:
            return CJK_FACES[tag]
        tag = tag.rpartition("-")[0]
    return DEFAULT_CJK_FACE


def _fit(fonts: FontSet, text: str) -> str:
    """``text`` with characters no font has (no Unicode font: outside Latin-1) replaced by
    their unaccented form, or ``?``."""
    if latin1_printable(text):
        return text
    missing = fonts.missing(text) if fonts else {c for c in set(text) if ord(c) > 0xFF}
    if not missing:
        return text

    def printable(base: str) -> bool:
        return fonts.covers(base) if fonts else all(ord(c) <= 0xFF for c in base)

    out: list[str] = []
    for ch in text:
        if ch not in missing:
            out.append(ch)
            continue
        base = "".join(
            c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
        )
        out.append(base if base and printable(base) else "?")
    return "".join(out)


def _letter_date(day: dt.date, language: str) -> str:
    try:
        return format_date(day, format="long", locale=language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return format_date(day, format="long", locale="en")


def _as_mapping(address: object) -> Mapping[str, object]:
    """A postal address given as a dict, a pydantic model or any object with the fields."""
    if address is None:
        return {}
    if isinstance(address, Mapping):
        return address
    dump = getattr(address, "model_dump", None)
    if callable(dump):
        return dict(dump())
    keys = ("line1", "line2", "city", "state", "postal_code")
    return {k: getattr(address, k, None) for k in keys}


def _clean(value: object) -> str:
    """A personal field on one line: NFC, no bidirectional or other control characters."""
    text = unicodedata.normalize("NFC", strip_bidi_controls(str(value)))
    return " ".join("".join(" " if unicodedata.category(c) == "Cc" else c for c in text).split())


def _address_lines(to: Recipient) -> list[str]:
    name = " ".join(_clean(part) for part in (to.first_name, to.last_name) if part)
    address = _as_mapping(to.postal_address)

    def field(key: str) -> str:
        value = address.get(key)
        return _clean(value) if value else ""

    missing = [k for k in ("line1", "city", "state", "postal_code") if not field(k)]
    if not name or missing:
        raise DeliveryError(
            "letter needs the recipient's name and a postal address"
            + (f" (missing: {', '.join(missing)})" if missing else " (missing: name)"),
            permanent=True,
        )
    lines = [name, field("line1")]
    if field("line2"):
        lines.append(field("line2"))
    lines.append(f"{field('city')} {field('state')} {field('postal_code')}")
    return lines


def batch_file_name(dedupe_key: str) -> str:
    """The PDF's file name for a dedupe key: the key itself when it is safe as a file name."""
    if _SAFE_KEY.fullmatch(dedupe_key):
        return f"{dedupe_key}.pdf"
    digest = hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:24]
    prefix = re.sub(r"[^A-Za-z0-9._-]+", "_", dedupe_key).strip("._-")[:64]
    return f"{prefix}-{digest}.pdf" if prefix else f"{digest}.pdf"


class _LetterPDF(FPDF):
    footer_font: tuple[str, str] = ("Helvetica", "")

    def normalize_text(self, text: str) -> str:
        # Every string drawn passes here (the greeting holds the first name too).
        return super().normalize_text(strip_bidi_controls(text))

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(self.footer_font[0], size=8)
        self.cell(0, 8, f"{self.page_no()}/{{nb}}", align="C")


def render_letter_pdf(
    to: Recipient,
    notice: RenderedNotice,
    day: dt.date,
    return_address: Sequence[str],
    fonts: FontSet | None = None,
) -> tuple[bytes, str]:
    """The letter as PDF bytes, and the language it was printed in. ``fonts``: the Unicode
    fonts (None: the core font only), embedded only when the text needs them."""
    fonts = fonts or FontSet(())
    address = _address_lines(to)
    office = notice.office
    if office is not None:
        letterhead = _clean(office.name)
        return_address = [_clean(line) for line in office.address]
        contact_lines = [_clean(office.phone), _clean(office.website)]
    else:
        letterhead, *return_address = [_clean(line) for line in return_address] or [""]
        contact_lines = []

    def notice_text(candidate: RenderedNotice) -> str:
        return "\n".join((candidate.subject, candidate.text, _letter_date(day, candidate.language)))

    # The notice in the reader's language when the fonts can print it, else in English.
    # Names and addresses do not decide the language: what cannot be printed of them is
    # replaced (`_fit`), in any language.
    chosen = notice
    text = notice_text(notice)
    if not latin1_printable(text) and not (fonts and fonts.covers(text)) and notice.english:
        chosen = notice.english

    pdf = _LetterPDF(orientation="portrait", unit="mm", format="letter")
    pdf.set_creation_date(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC))
    pdf.set_producer("Clearway notify")
    pdf.set_author(letterhead or "Clearway")
    pdf.set_lang(chosen.language)
    everything = "\n".join(
        (notice_text(chosen), *address, letterhead, *return_address, *contact_lines))
    family = fonts.install(pdf, everything, bold=False) if fonts else None
    if family is None:  # the core font: Latin-1 only
        family, fit = "Helvetica", FontSet(())
    else:
        fit = fonts
    pdf.footer_font = (family, "")
    pdf.set_margins(left=25, top=15, right=25)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.alias_nb_pages()
    pdf.add_page()
    wrap = WrapMode.CHAR if chosen.language.split("-")[0] in _NO_SPACE_SCRIPTS else WrapMode.WORD

    # Letterhead and return address (the sending office), top left.
    pdf.set_font(family, size=12)
    pdf.cell(0, 6, _fit(fit, letterhead), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(family, size=9)
    for line in (*return_address, *contact_lines):
        pdf.cell(0, 4.5, _fit(fit, line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    # Recipient, placed for the window of a #10 envelope with the letter tri-folded.
    pdf.set_xy(25, 50)
    pdf.set_font(family, size=11)
    for line in address:
        pdf.cell(0, 5.5, _fit(fit, line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.set_xy(25, 85)
    pdf.set_font(family, size=10)
    pdf.cell(
        0, 5, _fit(fit, _letter_date(day, chosen.language)), new_x=XPos.LMARGIN,
        new_y=YPos.NEXT
    )

    pdf.ln(6)
    pdf.set_font(family, size=13)
    pdf.multi_cell(
        0,
        6.5,
        _fit(fit, chosen.subject),
        align="L",
        wrapmode=wrap,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(3)
    pdf.set_font(family, size=11)
    pdf.multi_cell(
        0,
        5.5,
        _fit(fit, chosen.text.rstrip("\n")),
        align="L",
        wrapmode=wrap,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    return bytes(pdf.output()), chosen.language


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".pdf.tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, LETTER_FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


class LetterChannel:
    """Queues a notice as a PDF letter in today's print batch; returns ``<YYYY-MM-DD>/<file>``."""

    name = "letter"
    resend_safe = True  # a key that already has a letter is never written again

    def __init__(
        self, settings: LetterSettings, today: Callable[[], dt.date] = dt.date.today
    ) -> None:
        self.settings = settings
        self._today = today
        self._font_sets: dict[int, FontSet] = {}
        self._font_sets_lock = threading.Lock()
        if settings.fonts is None:
            found = default_fonts()
            missing = [name for name in DEFAULT_FONT_FILES
                       if not any(spec.path.name == name for spec in found)]
            if missing:
                log.warning("letter fonts not found: letters these fonts would print fall "
                            "back to English", extra={"missing": missing})
        self.fonts_for("en")  # load the character maps now, not on the first letter

    def fonts_for(self, language: str) -> FontSet:
        """The Unicode fonts for a letter in ``language`` (the configured ones, or the
        defaults with the Noto Sans CJK face of that language)."""
        face = cjk_face(language) if self.settings.fonts is None else -1
        with self._font_sets_lock:
            fonts = self._font_sets.get(face)
            if fonts is None:
                specs = default_fonts(face) if self.settings.fonts is None \
                    else self.settings.fonts
                fonts = self._font_sets[face] = FontSet(specs)
        return fonts

    def existing(self, dedupe_key: str) -> Path | None:
        """The letter already written for this key, in any day's batch folder."""
        name = batch_file_name(dedupe_key)
        root = Path(self.settings.letters_dir)
        if not root.is_dir():
            return None
        for candidate in sorted(root.glob(f"*/{name}")):
            if _BATCH_DIR.fullmatch(candidate.parent.name) and candidate.is_file():
                return candidate
        return None

    def _send(self, to: Recipient, notice: RenderedNotice, dedupe_key: str) -> str:
        root = Path(self.settings.letters_dir)
        previous = self.existing(dedupe_key)
        if previous is not None:
            log.info("letter already queued", extra={"channel": self.name})
            return previous.relative_to(root).as_posix()
        day = self._today()
        data, printed_language = render_letter_pdf(
            to, notice, day, self.settings.return_address, self.fonts_for(notice.language)
        )
        if printed_language != notice.language:
            log.info(
                "letter printed in fallback language",
                extra={
                    "channel": self.name,
                    "language": notice.language,
                    "printed": printed_language,
                },
            )
        path = root / day.isoformat() / batch_file_name(dedupe_key)
        try:
            _write_atomically(path, data)
        except OSError as exc:
            raise DeliveryError(
                f"cannot write letter ({type(exc).__name__})", permanent=False
            ) from exc
        log.info("letter queued", extra={"channel": self.name, "batch": day.isoformat()})
        return path.relative_to(root).as_posix()

    async def send(self, to: Recipient, notice: RenderedNotice, dedupe_key: str) -> str:
        return await asyncio.to_thread(self._send, to, notice, dedupe_key)
