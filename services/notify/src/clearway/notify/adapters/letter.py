"""Letter channel: a printable PDF letter dropped into a daily print batch folder.

Each letter is ``<letters_dir>/<YYYY-MM-DD>/<dedupe_key>.pdf`` (the key is used as
the file name when it is file-name safe, otherwise a safe prefix plus a hash of it).
The file is written atomically (temporary file, fsync, rename), and a key that
already has a letter in any batch folder is not written again: the existing path is
returned, so a retry (even on a later day) never prints a second letter.

The PDF is deterministic: the same recipient, notice, date and fonts give the same
bytes.

Fonts and scripts. The PDF core font (Helvetica) covers Latin-1 only: English,
Spanish and Tagalog. A Unicode TrueType font, when one is found, covers more:
DejaVuSans (searched in the usual system font folders) covers Vietnamese and
Armenian but not Chinese or Korean. Extra fonts (for example a Noto Sans CJK
``.ttc`` with its face number) can be configured in ``LetterSettings.fonts``.
When no available font covers every character of the notice in the person's
language, the letter falls back to the English text of the same notice
(``RenderedNotice.english``); the language actually printed is logged. Names and
address lines the font cannot show are printed without accents, or with ``?`` for
characters that have no Latin form.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from babel.core import UnknownLocaleError
from babel.dates import format_date
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from clearway.notify.adapters.base import DeliveryError, Recipient
from clearway.notify.domain.notices import RenderedNotice

log = logging.getLogger(__name__)

FONT_SEARCH_PATHS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",  # Debian, Ubuntu
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",  # Fedora, RHEL
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",  # newer Fedora
    "/usr/share/fonts/TTF/DejaVuSans.ttf",  # Arch
    "/usr/share/fonts/truetype/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
    "/usr/local/share/fonts/dejavu/DejaVuSans.ttf",
    "/opt/homebrew/share/fonts/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
    "~/Library/Fonts/DejaVuSans.ttf",
    "~/.fonts/DejaVuSans.ttf",
    "~/.local/share/fonts/DejaVuSans.ttf",
    "C:/Windows/Fonts/DejaVuSans.ttf",
)

_SAFE_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_BATCH_DIR = re.compile(r"\d{4}-\d{2}-\d{2}")
_NO_SPACE_SCRIPTS = ("zh", "ja")  # wrap by character, not by word
LETTER_FILE_MODE = 0o640  # letters hold personal data: owner and print group only


@dataclass(frozen=True)
class FontSpec:
    path: Path
    collection_index: int = 0


@dataclass(frozen=True)
class LetterSettings:
    letters_dir: Path
    return_address: tuple[str, ...] = ("Clearway", "P.O. Box 0000", "Los Angeles CA 90000")
    fonts: tuple[FontSpec, ...] | None = None
    """Unicode fonts to try in order; None means look for DejaVuSans.ttf in FONT_SEARCH_PATHS."""


def find_unicode_font(paths: Sequence[str] = FONT_SEARCH_PATHS) -> Path | None:
    for candidate in paths:
        path = Path(candidate).expanduser()
        if path.is_file():
            return path
    return None


@dataclass(frozen=True)
class _LoadedFont:
    family: str
    spec: FontSpec | None  # None: the PDF core font
    codepoints: frozenset[int] | None = field(repr=False)  # None: Latin-1

    def covers(self, text: str) -> bool:
        for ch in text:
            if ch.isspace() or unicodedata.category(ch) == "Cc":
                continue
            if self.codepoints is None:
                if ord(ch) > 0xFF:
                    return False
            elif ord(ch) not in self.codepoints:
                return False
        return True

    def fit(self, text: str) -> str:
        """``text`` with characters this font lacks replaced by their unaccented form or ``?``."""
        out: list[str] = []
        for ch in text:
            if self.covers(ch):
                out.append(ch)
                continue
            base = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
            )
            out.append(base if base and self.covers(base) else "?")
        return "".join(out)


_CORE = _LoadedFont(family="Helvetica", spec=None, codepoints=None)


def _load_fonts(specs: Sequence[FontSpec]) -> tuple[_LoadedFont, ...]:
    loaded: list[_LoadedFont] = []
    for index, spec in enumerate(specs):
        try:
            with TTFont(str(spec.path), fontNumber=spec.collection_index, lazy=True) as font:
                cmap = font.getBestCmap() or {}
        except Exception as exc:  # unreadable font file: skip it, say so without data
            log.warning(
                "letter font unusable", extra={"font": str(spec.path), "error": type(exc).__name__}
            )
            continue
        loaded.append(_LoadedFont(family=f"unicode{index}", spec=spec, codepoints=frozenset(cmap)))
    return (*loaded, _CORE)


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


def _address_lines(to: Recipient) -> list[str]:
    name = " ".join(part.strip() for part in (to.first_name, to.last_name) if part and part.strip())
    address = _as_mapping(to.postal_address)

    def field(key: str) -> str:
        value = address.get(key)
        return " ".join(str(value).split()) if value else ""

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

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(self.footer_font[0], size=8)
        self.cell(0, 8, f"{self.page_no()}/{{nb}}", align="C")


def render_letter_pdf(
    to: Recipient,
    notice: RenderedNotice,
    day: dt.date,
    return_address: Sequence[str],
    fonts: Sequence[_LoadedFont] = (_CORE,),
) -> tuple[bytes, str]:
    """The letter as PDF bytes, and the language it was printed in."""
    address = _address_lines(to)

    # The core font first when it can print every line: nothing to load or embed (loading
    # and subsetting a Unicode font was most of a letter's rendering time). Otherwise the
    # Unicode fonts in their configured order.
    preference = sorted(fonts, key=lambda f: f.spec is not None)

    def printable(candidate: RenderedNotice) -> _LoadedFont | None:
        body = "".join((candidate.subject, candidate.text,
                        _letter_date(day, candidate.language), *address, *return_address))
        return next((f for f in preference if f.covers(body)), None)

    chosen = notice
    font = printable(notice)
    if font is None and notice.english is not None:
        chosen = notice.english
        font = printable(chosen)
    if font is None:  # not even the English text fits: print what we can
        chosen = notice.english or notice
        font = fonts[0]

    pdf = _LetterPDF(orientation="portrait", unit="mm", format="letter")
    pdf.set_creation_date(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC))
    pdf.set_producer("Clearway notify")
    pdf.set_author("Clearway")
    pdf.set_lang(chosen.language)
    if font.spec is not None:
        pdf.add_font(
            font.family, "", str(font.spec.path), collection_font_number=font.spec.collection_index
        )
    pdf.footer_font = (font.family, "")
    pdf.set_margins(left=25, top=15, right=25)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.alias_nb_pages()
    pdf.add_page()
    wrap = WrapMode.CHAR if chosen.language.split("-")[0] in _NO_SPACE_SCRIPTS else WrapMode.WORD

    # Sender (return address), top left.
    pdf.set_font(font.family, size=9)
    for line in return_address:
        pdf.cell(0, 4.5, font.fit(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    # Recipient, placed for the window of a #10 envelope with the letter tri-folded.
    pdf.set_xy(25, 50)
    pdf.set_font(font.family, size=11)
    for line in address:
        pdf.cell(0, 5.5, font.fit(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.set_xy(25, 85)
    pdf.set_font(font.family, size=10)
    pdf.cell(
        0, 5, font.fit(_letter_date(day, chosen.language)), new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )

    pdf.ln(6)
    pdf.set_font(font.family, size=13)
    pdf.multi_cell(
        0,
        6.5,
        font.fit(chosen.subject),
        align="L",
        wrapmode=wrap,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(3)
    pdf.set_font(font.family, size=11)
    pdf.multi_cell(
        0,
        5.5,
        font.fit(chosen.text.rstrip("\n")),
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
        if settings.fonts is None:
            found = find_unicode_font()
            specs: tuple[FontSpec, ...] = (FontSpec(found),) if found else ()
        else:
            specs = settings.fonts
        self._fonts = _load_fonts(specs)

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
            to, notice, day, self.settings.return_address, self._fonts
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
