"""SMS length: GSM-7 vs UCS-2 and segments, and the notice's SMS body."""

from __future__ import annotations

import pytest

from clearway.notify.domain.i18n import AVAILABLE_LANGUAGES
from clearway.notify.domain.notices import NoticeFacts, render_notice
from clearway.notify.domain.sms import fits_gsm7, fold_to_gsm7, sms_encoding, sms_segments


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
    assert sms.startswith("Clearway:")


def test_the_sms_names_the_county_when_there_is_room():
    assert "(Los Angeles County)" in notice("order_granted", ("dismiss_and_seal",), "en").sms
    assert "(condado de Los Angeles)" in notice("order_granted", ("dismiss_and_seal",), "es").sms


def test_the_sms_leaves_the_county_out_when_the_court_name_has_none():
    rendered = render_notice(
        NoticeFacts(
            "order_granted", "Maria", "CA-X", "Some Court", "BA123456", ("dismiss_and_seal",), "en"
        )
    )
    assert "County" not in rendered.sms
    assert "BA123456" in rendered.sms


def test_the_relief_granted_sms_says_the_case_is_being_cleared_and_nothing_is_needed():
    sms = notice("relief_granted", ("dismiss_and_seal",), "en").sms
    assert sms == (
        "Clearway: Good news. Your cannabis case BA123456 is being cleared. "
        "You do not need to do anything. We will tell you when the court decides."
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
