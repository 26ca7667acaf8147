"""SMS length: GSM-7 vs UCS-2 and segments, and the notice's SMS body."""

from __future__ import annotations

from dataclasses import replace

import pytest

from clearway.notify.domain.i18n import AVAILABLE_LANGUAGES
from clearway.notify.domain.notices import NoticeFacts, render_notice
from clearway.notify.domain.sms import (
    fits_gsm7,
    fits_one_segment,
    fold_to_gsm7,
    sms_encoding,
    sms_segments,
)
from tests.notify.offices import LA_OFFICE, NEVER_ASK


def test_plain_text_and_the_accents_gsm7_has_fit_gsm7():
    assert fits_gsm7("Hello, World! 123 @£$¥ èéùìò ÄÖÑÜ äöñü ¿¡ {[~]}|\\^€")
    assert sms_encoding("Buenas noticias") == "GSM-7"


def test_accents_and_scripts_outside_gsm7_need_ucs2():
    for text in (
        "está",
        "información",
        "Tiếng Việt",
        "大麻",
        "대마초",
        "Լավ",
        "emoji 🙂",
        "“quotes”",
    ):
        assert not fits_gsm7(text)
        assert sms_encoding(text) == "UCS-2"


def test_an_empty_text_takes_no_segments():
    assert sms_segments("") == 0


def test_gsm7_takes_160_characters_in_one_segment_and_153_per_segment_after():
    assert sms_segments("a" * 160) == 1
    assert sms_segments("a" * 161) == 2
    assert sms_segments("a" * 306) == 2
    assert sms_segments("a" * 307) == 3


def test_gsm7_extension_characters_count_twice():
    assert sms_segments("€" * 80) == 1
    assert sms_segments("€" * 81) == 2
    assert sms_segments("a" * 159 + "{") == 2


def test_an_escape_pair_is_never_split_across_segments():
    # 152 + 2 = 154 septets: the euro sign moves whole to segment 2 (152 | 2+...).
    assert sms_segments("a" * 152 + "€" + "a" * 151) == 2
    assert sms_segments("a" * 152 + "€" + "a" * 152) == 3


def test_ucs2_takes_70_characters_in_one_segment_and_67_per_segment_after():
    assert sms_segments("大" * 70) == 1
    assert sms_segments("大" * 71) == 2
    assert sms_segments("大" * 134) == 2
    assert sms_segments("大" * 135) == 3


def test_characters_outside_the_basic_plane_count_as_two_ucs2_units():
    assert sms_segments("🙂" * 35) == 1
    assert sms_segments("🙂" * 36) == 2


def test_folding_drops_only_the_accents_gsm7_lacks():
    assert fold_to_gsm7("está información pública") == "esta informacion publica"
    assert fold_to_gsm7("él año pingüino") == "él año pingüino"
    assert fold_to_gsm7("“quoted” – dash…") == '"quoted" - dash...'
    assert fold_to_gsm7("大麻") == "大麻"


COUNTIES = ("Los Angeles", "San Luis Obispo", "San Bernardino", "Yolo")
CASE_NUMBERS = ("BA123456", "1CJ01234", "BA123456-01-ABCDEFGH2019", "LA-2009-CR-0001234567-A")
KINDS = (
    ("relief_granted", ("dismiss_and_seal",)),
    ("order_granted", ("dismiss_and_seal",)),
    ("order_granted", ("reduce_to_misdemeanor",)),
    ("order_granted", ("reduce_to_infraction",)),
    ("order_granted", ("dismiss_and_seal", "reduce_to_misdemeanor")),
    ("order_denied", ("dismiss_and_seal",)),
)


def notice(kind, reliefs, language, county="Los Angeles", case_number="BA123456"):
    return render_notice(
        NoticeFacts(
            kind=kind,
            first_name="Maria",
            court="CA-LA",
            court_name=f"Superior Court of California, County of {county}",
            case_number=case_number,
            reliefs=reliefs,
            language=language,
            office=LA_OFFICE,
        )
    )


@pytest.mark.parametrize("language", ["en", "es", "tl"])
@pytest.mark.parametrize("kind,reliefs", KINDS)
@pytest.mark.parametrize("county", COUNTIES)
@pytest.mark.parametrize("case_number", CASE_NUMBERS)
def test_the_english_and_spanish_sms_fits_one_gsm7_segment_even_with_long_case_numbers(
    language, kind, reliefs, county, case_number
):
    sms = notice(kind, reliefs, language, county, case_number).sms
    assert fits_gsm7(sms), sms
    assert len(sms) <= 160
    assert sms_segments(sms) == 1
    assert case_number in sms
    assert sms.startswith("LA County DA: ")
    assert LA_OFFICE.phone in sms
    assert NEVER_ASK[language] in sms.casefold()


def yolo_sms(language: str, short_name: str) -> str:
    office = replace(LA_OFFICE, short_name=short_name, phone="213-555-0142")
    return render_notice(NoticeFacts(
        "order_granted", "M", "CA-LA", "Superior Court of California, County of Yolo", "B1",
        ("reduce_to_misdemeanor",), language, office)).sms


def test_the_sms_names_the_county_when_there_is_room():
    sms = yolo_sms("zh", "LADA")
    assert "（Yolo 縣）" in sms
    assert fits_one_segment(sms)


def test_the_sms_drops_the_county_before_the_office_its_phone_or_the_never_ask_line():
    sms = yolo_sms("en", "LA County DA")
    assert "Yolo" not in sms
    assert sms.startswith("LA County DA: ") and "213-555-0142" in sms
    assert "We never ask for payment or personal info" in sms
    assert fits_one_segment(sms)


def test_the_sms_leaves_the_county_out_when_the_court_name_has_none():
    rendered = render_notice(
        NoticeFacts(
            "order_granted", "Maria", "CA-X", "Some Court", "BA123456", ("dismiss_and_seal",), "en",
            LA_OFFICE,
        )
    )
    assert "County" not in rendered.sms.removeprefix("LA County DA: ")
    assert "BA123456" in rendered.sms


def test_the_relief_granted_sms_says_who_sends_it_that_nothing_is_needed_and_how_to_check():
    sms = notice("relief_granted", ("dismiss_and_seal",), "en").sms
    assert sms == (
        "LA County DA: Your cannabis case BA123456 is being cleared. Nothing to do. "
        "To check, call (213) 555-0142. We never ask for payment or personal info."
    )


def test_the_sms_never_holds_the_persons_name():
    for language in AVAILABLE_LANGUAGES:
        for kind, reliefs in KINDS:
            assert "Maria" not in notice(kind, reliefs, language).sms


@pytest.mark.parametrize("language", ["zh", "ko", "vi", "hy"])
@pytest.mark.parametrize("kind,reliefs", KINDS)
def test_a_ucs2_language_sms_is_kept_short_and_reports_its_segments(language, kind, reliefs):
    rendered = notice(kind, reliefs, language)
    assert sms_encoding(rendered.sms) == "UCS-2"
    assert rendered.sms_segments == sms_segments(rendered.sms)
    assert rendered.sms_segments <= 2
    assert "BA123456" in rendered.sms


def test_a_chinese_sms_fits_one_ucs2_segment_for_a_usual_case_number():
    for kind, reliefs in KINDS:
        assert notice(kind, reliefs, "zh").sms_segments == 1


@pytest.mark.parametrize("language", ["zh", "ko", "vi", "hy"])
@pytest.mark.parametrize("kind,reliefs", KINDS)
def test_a_ucs2_language_sms_names_the_office_its_phone_and_that_nothing_is_asked(
        language, kind, reliefs):
    sms = notice(kind, reliefs, language).sms
    assert sms.startswith("LA County DA: ")
    assert LA_OFFICE.phone in sms
    assert NEVER_ASK[language] in sms.casefold()


@pytest.mark.parametrize("language", ["en", "es", "tl", "zh", "ko", "vi", "hy"])
@pytest.mark.parametrize("kind,reliefs", KINDS)
def test_even_the_longest_case_number_keeps_every_sms_within_three_segments(
        language, kind, reliefs):
    assert notice(kind, reliefs, language, case_number=CASE_NUMBERS[2]).sms_segments <= 3


def test_an_office_with_a_long_short_name_still_gets_its_shortest_sms():
    wide = replace(LA_OFFICE, short_name="San Bernardino Co DA", phone="+1 (909) 555-0142")
    sms = render_notice(NoticeFacts(
        "order_denied", "M", "CA-SB", "Superior Court of California, County of San Bernardino",
        CASE_NUMBERS[2], ("dismiss_and_seal",), "en", wide)).sms
    assert sms.startswith("San Bernardino Co DA: ") and "+1 (909) 555-0142" in sms
    assert sms_segments(sms) <= 2
