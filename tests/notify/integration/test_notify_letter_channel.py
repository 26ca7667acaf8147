"""The letter adapter: a PDF in the daily print batch folder, read back with pypdf."""

from __future__ import annotations

import datetime as dt
import io
import logging
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from clearway.common.bidi import BIDI_CONTROLS, strip_bidi_controls
from clearway.common.pdf_fonts import default_fonts
from clearway.notify.adapters.base import Channel, DeliveryError, Recipient
from clearway.notify.adapters.letter import (
    LetterChannel,
    LetterSettings,
    batch_file_name,
    find_unicode_font,
)
from clearway.notify.domain.notices import NoticeFacts, render_notice
from tests.notify.offices import LA_OFFICE, NEVER_ASK

DAY = dt.date(2025, 11, 25)
RETURN_ADDRESS = ("Fallback Sender", "PO Box 54321", "Los Angeles CA 90054")
"""`LetterSettings.return_address`: printed only for a notice without an office (none is)."""
ADDRESS = {
    "line1": "1234 W Sunset Blvd",
    "line2": "Apt 5",
    "city": "Los Angeles",
    "state": "CA",
    "postal_code": "90026",
}
unicode_font = pytest.mark.skipif(find_unicode_font() is None, reason="no DejaVuSans.ttf here")


def recipient(**changes) -> Recipient:
    values = dict(
        subject_id="CII-0001",
        first_name="Maria",
        last_name="Lopez",
        email=None,
        phone=None,
        postal_address=ADDRESS,
    )
    values.update(changes)
    return Recipient(**values)


def notice(language: str = "en", kind: str = "order_granted"):
    return render_notice(
        NoticeFacts(
            kind=kind,  # type: ignore[arg-type]
            first_name="Maria",
            court="CA-LA",
            court_name="Superior Court of California, County of Los Angeles",
            case_number="BA123456",
            reliefs=("dismiss_and_seal",),
            language=language,
            office=LA_OFFICE,
        )
    )


def channel(tmp_path: Path, day: dt.date = DAY, fonts=None) -> LetterChannel:
    settings = LetterSettings(letters_dir=tmp_path, return_address=RETURN_ADDRESS, fonts=fonts)
    return LetterChannel(settings, today=lambda: day)


def pdf_text(path: Path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_letter_adapter_is_a_channel(tmp_path):
    assert isinstance(channel(tmp_path), Channel)
    assert channel(tmp_path).name == "letter"


@pytest.mark.asyncio
async def test_the_letter_pdf_holds_the_office_letterhead_the_address_block_the_date_and_notice(
    tmp_path,
):
    the_notice = notice()
    letter_id = await channel(tmp_path).send(recipient(), the_notice, "decision-42.v1.letter")
    text = pdf_text(tmp_path / letter_id)

    lines = [line.strip() for line in text.splitlines()]
    assert lines[:5] == [LA_OFFICE.name, *LA_OFFICE.address, LA_OFFICE.phone, LA_OFFICE.website]
    block = lines.index("Maria Lopez")
    assert lines[block : block + 4] == [
        "Maria Lopez",
        "1234 W Sunset Blvd",
        "Apt 5",
        "Los Angeles CA 90026",
    ]
    assert "November 25, 2025" in text
    assert the_notice.subject in flat(text)
    for paragraph in the_notice.text.split("\n"):
        assert flat(paragraph) in flat(text)


@pytest.mark.asyncio
async def test_the_letter_goes_into_the_daily_batch_folder_named_by_the_dedupe_key(tmp_path):
    letter_id = await channel(tmp_path).send(recipient(), notice(), "decision-42.v1.letter")
    assert letter_id == "2025-11-25/decision-42.v1.letter.pdf"
    assert (tmp_path / "2025-11-25" / "decision-42.v1.letter.pdf").is_file()


@pytest.mark.asyncio
async def test_a_dedupe_key_that_is_not_a_safe_file_name_gets_a_safe_unique_one(tmp_path):
    letter_id = await channel(tmp_path).send(recipient(), notice(), "decision/42:letter")
    assert letter_id == f"2025-11-25/{batch_file_name('decision/42:letter')}"
    assert "/" not in batch_file_name("decision/42:letter")
    assert batch_file_name("a:b") != batch_file_name("a_b")
    assert batch_file_name("../../etc/passwd").startswith("etc_passwd-")


@pytest.mark.asyncio
async def test_sending_the_same_key_again_keeps_one_letter_even_on_a_later_day(tmp_path):
    first = await channel(tmp_path, DAY).send(recipient(), notice(), "decision-42.v1.letter")
    written = (tmp_path / first).read_bytes()
    again = await channel(tmp_path, DAY).send(recipient(), notice(), "decision-42.v1.letter")
    next_day = await channel(tmp_path, DAY + dt.timedelta(days=1)).send(
        recipient(), notice(), "decision-42.v1.letter"
    )
    assert first == again == next_day
    assert (tmp_path / first).read_bytes() == written
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.pdf")) == [first]


@pytest.mark.asyncio
async def test_the_same_letter_renders_to_the_same_bytes(tmp_path):
    a = await channel(tmp_path / "a").send(recipient(), notice("es"), "k1")
    b = await channel(tmp_path / "b").send(recipient(), notice("es"), "k1")
    assert (tmp_path / "a" / a).read_bytes() == (tmp_path / "b" / b).read_bytes()


@pytest.mark.asyncio
async def test_no_temporary_files_are_left_and_the_letter_is_not_world_readable(tmp_path):
    letter_id = await channel(tmp_path).send(recipient(), notice(), "k1")
    assert [p.name for p in (tmp_path / "2025-11-25").iterdir()] == ["k1.pdf"]
    assert not (tmp_path / letter_id).stat().st_mode & stat.S_IROTH


@pytest.mark.asyncio
async def test_a_spanish_letter_is_printed_in_spanish(tmp_path):
    letter_id = await channel(tmp_path).send(recipient(), notice("es"), "k1")
    text = flat(pdf_text(tmp_path / letter_id))
    assert "El tribunal desestimó su condena y selló su expediente." in text
    assert "25 de noviembre de 2025" in text


@pytest.mark.asyncio
async def test_a_spanish_letter_prints_in_spanish_with_the_core_font_alone(tmp_path):
    letter_id = await channel(tmp_path, fonts=()).send(recipient(), notice("es"), "k1")
    assert "Usted no tiene que hacer nada." in flat(pdf_text(tmp_path / letter_id))


@unicode_font
@pytest.mark.parametrize(
    ("language", "expected"),
    [("hy", "Դատարանը կարճել է Ձեր դատվածությունը"), ("vi", "Tòa án đã bác bỏ bản án")],
)
@pytest.mark.asyncio
async def test_armenian_and_vietnamese_letters_use_the_unicode_font(tmp_path, language, expected):
    letter_id = await channel(tmp_path).send(recipient(), notice(language), "k1")
    assert expected in flat(pdf_text(tmp_path / letter_id))


def pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, check=True, timeout=60).stdout


def squeezed(text: str) -> str:
    """No whitespace at all: Chinese lines wrap anywhere, and the extraction puts breaks."""
    return "".join(text.split())


needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                     reason="needs poppler-utils")
all_fonts = pytest.mark.skipif(len(default_fonts()) < 2,
                               reason="needs fonts-dejavu-core and fonts-noto-cjk")


@all_fonts
@needs_pdftotext
@pytest.mark.parametrize("language", ["zh", "ko"])
@pytest.mark.asyncio
async def test_a_chinese_or_korean_reader_gets_the_letter_in_their_language(tmp_path, language):
    the_notice = notice(language)
    letter_id = await channel(tmp_path).send(recipient(), the_notice, "k1")
    text = pdftotext(tmp_path / letter_id)
    assert squeezed(the_notice.subject) in squeezed(text)
    for paragraph in the_notice.text.split("\n"):
        if squeezed(paragraph).strip("-"):  # pdftotext reads the "--" separator as "-"
            assert squeezed(paragraph) in squeezed(text)
    assert "The court dismissed your conviction" not in text
    assert "?" not in text


@all_fonts
@pytest.mark.parametrize("language", ["en", "es", "hy", "ko", "tl", "vi", "zh"])
@pytest.mark.asyncio
async def test_every_language_notify_offers_is_printed_in_that_language(tmp_path, caplog,
                                                                         language):
    with caplog.at_level(logging.INFO):
        await channel(tmp_path).send(recipient(), notice(language), "k1")
    fallback = "letter printed in fallback language"
    assert not [r for r in caplog.records if r.getMessage() == fallback]


@pytest.mark.parametrize("language", ["zh", "ko"])
@pytest.mark.asyncio
async def test_without_a_cjk_font_a_chinese_or_korean_letter_falls_back_to_english(
    tmp_path, language
):
    dejavu = tuple(f for f in default_fonts() if f.path.suffix == ".ttf")
    letter_id = await channel(tmp_path, fonts=dejavu).send(recipient(), notice(language), "k1")
    text = flat(pdf_text(tmp_path / letter_id))
    assert "The court dismissed your conviction and sealed your record." in text
    assert "November 25, 2025" in text


# (first, last) as recorded, and the address window's name line
NAMES = {
    "chinese": ("小龍", "李"),
    "vietnamese": ("Văn An", "Nguyễn"),
    "arabic": ("محمد", "عبد الله"),
}


@all_fonts
@needs_pdftotext
@pytest.mark.parametrize("script", NAMES)
@pytest.mark.parametrize("language", ["en", "zh", "ko"])
@pytest.mark.asyncio
async def test_a_name_in_any_script_is_printed_intact_in_the_address_window(
    tmp_path, script, language
):
    first, last = NAMES[script]
    person = recipient(first_name=first, last_name=last,
                       postal_address={**ADDRESS, "line2": f"c/o {last} {first}"})
    letter_id = await channel(tmp_path).send(person, notice(language), "k1")
    # pdftotext gives right-to-left runs in logical order, wrapped in U+202B ... U+202C;
    # a line of only Arabic words comes back exactly once those marks are removed.
    lines = [" ".join(strip_bidi_controls(line).split())
             for line in pdftotext(tmp_path / letter_id).splitlines()]
    assert f"{first} {last}" in lines
    assert f"c/o {last} {first}" in lines or script == "arabic"
    assert "Los Angeles CA 90026" in lines
    assert not any("?" in line for line in lines)


@needs_pdftotext
@pytest.mark.asyncio
async def test_a_right_to_left_override_in_a_name_or_address_is_not_printed(tmp_path):
    person = recipient(first_name="Maria\u202e", last_name="\u2067Lopez\u2069",
                       postal_address={**ADDRESS, "line1": "1234 W \u202eSunset Blvd"})
    letter_id = await channel(tmp_path).send(person, notice(), "k1")
    text = pdftotext(tmp_path / letter_id)
    assert not any(c in text for c in BIDI_CONTROLS)
    lines = [line.strip() for line in text.splitlines()]
    assert "Maria Lopez" in lines
    assert "1234 W Sunset Blvd" in lines


@all_fonts
@pytest.mark.asyncio
async def test_a_chinese_letter_renders_to_the_same_bytes(tmp_path):
    person = recipient(first_name="小龍", last_name="李")
    a = await channel(tmp_path / "a").send(person, notice("zh"), "k1")
    b = await channel(tmp_path / "b").send(person, notice("zh"), "k1")
    assert (tmp_path / "a" / a).read_bytes() == (tmp_path / "b" / b).read_bytes()


@pytest.mark.asyncio
async def test_without_a_unicode_font_a_vietnamese_letter_falls_back_to_english(tmp_path):
    letter_id = await channel(tmp_path, fonts=()).send(recipient(), notice("vi"), "k1")
    assert "You do not need to do anything." in flat(pdf_text(tmp_path / letter_id))


def embedded_fonts(path: Path) -> set[str]:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return {str(font["/BaseFont"]) for page in reader.pages
            for font in page["/Resources"]["/Font"].values()}


@unicode_font
@pytest.mark.asyncio
async def test_a_letter_the_core_font_can_print_embeds_no_font_even_with_a_unicode_one(tmp_path):
    letter_id = await channel(tmp_path).send(recipient(), notice("es"), "k1")
    assert embedded_fonts(tmp_path / letter_id) == {"/Helvetica"}


@unicode_font
@pytest.mark.asyncio
async def test_a_name_outside_latin_1_is_printed_in_the_unicode_font(tmp_path):
    person = recipient(first_name="Thị", last_name="Nguyễn")
    letter_id = await channel(tmp_path).send(person, notice(), "k1")
    assert "Thị Nguyễn" in pdf_text(tmp_path / letter_id)
    assert embedded_fonts(tmp_path / letter_id) != {"/Helvetica"}


@pytest.mark.asyncio
async def test_a_name_the_font_cannot_show_is_printed_without_accents(tmp_path):
    person = recipient(first_name="Thị", last_name="Nguyễn")
    letter_id = await channel(tmp_path, fonts=()).send(person, notice(), "k1")
    assert "Thi Nguyen" in pdf_text(tmp_path / letter_id)


@pytest.mark.parametrize(
    "changes",
    [
        {"postal_address": None},
        {"postal_address": {**ADDRESS, "city": ""}},
        {"postal_address": {"line1": "1 Main St"}},
        {"first_name": "", "last_name": " "},
    ],
)
@pytest.mark.asyncio
async def test_a_recipient_without_a_name_or_full_postal_address_is_a_permanent_error(
    tmp_path, changes
):
    with pytest.raises(DeliveryError) as caught:
        await channel(tmp_path).send(recipient(**changes), notice(), "k1")
    assert caught.value.permanent is True
    assert not list(tmp_path.rglob("*.pdf"))


@pytest.mark.asyncio
async def test_a_postal_address_given_as_an_object_with_fields_is_accepted(tmp_path):
    from types import SimpleNamespace

    person = recipient(postal_address=SimpleNamespace(**ADDRESS))
    letter_id = await channel(tmp_path).send(person, notice(), "k1")
    assert "Los Angeles CA 90026" in pdf_text(tmp_path / letter_id)


@needs_pdftotext
@pytest.mark.asyncio
async def test_the_return_address_is_the_sending_offices_not_a_generic_sender(tmp_path):
    letter_id = await channel(tmp_path).send(recipient(), notice(), "k1")
    text = pdftotext(tmp_path / letter_id)
    sender_block = [line.strip() for line in text.split("Maria Lopez")[0].splitlines()
                    if line.strip()]
    assert sender_block == [LA_OFFICE.name, *LA_OFFICE.address, LA_OFFICE.phone,
                            LA_OFFICE.website]
    for line in RETURN_ADDRESS:
        assert line not in text
    assert "Clearway" not in text and "P.O. Box 0000" not in text
    reader = PdfReader(io.BytesIO((tmp_path / letter_id).read_bytes()))
    assert reader.metadata is not None and reader.metadata.author == LA_OFFICE.name


@all_fonts
@needs_pdftotext
@pytest.mark.parametrize("language", ["en", "es", "hy", "ko", "tl", "vi", "zh"])
@pytest.mark.asyncio
async def test_every_letter_names_the_office_its_phone_and_that_nothing_is_ever_asked(
        tmp_path, language):
    letter_id = await channel(tmp_path).send(recipient(), notice(language), "k1")
    text = squeezed(pdftotext(tmp_path / letter_id)).casefold()
    for part in (LA_OFFICE.name, LA_OFFICE.phone, LA_OFFICE.website, LA_OFFICE.case_lookup_url,
                 NEVER_ASK[language]):
        assert squeezed(part).casefold() in text
