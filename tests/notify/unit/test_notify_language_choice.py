"""Which language a notice is written in."""

from __future__ import annotations

import pytest

from clearway.notify.domain.i18n import AVAILABLE_LANGUAGES, choose_language

LA_COUNTY = ("en", "es", "zh", "ko", "vi", "tl", "hy")


def test_english_spanish_and_the_la_county_languages_are_available():
    for language in LA_COUNTY:
        assert language in AVAILABLE_LANGUAGES


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("es", "es"),
        ("es-MX", "es"),
        ("es-419", "es"),
        ("ES_us", "es"),
        ("zh-Hant", "zh"),
        ("zh-Hant-TW", "zh"),
        ("zh-Hans-CN", "zh"),
        ("yue", "zh"),
        ("ko-KR", "ko"),
        ("vi", "vi"),
        ("tl", "tl"),
        ("fil-PH", "tl"),
        ("hy-AM", "hy"),
        ("en-US", "en"),
    ],
)
def test_a_regional_or_script_tag_falls_back_to_its_language(tag, expected):
    assert choose_language(tag, LA_COUNTY) == expected


@pytest.mark.parametrize("tag", [None, "", "   ", "fr", "fr-CA", "x-klingon", "-", "und"])
def test_a_missing_or_unavailable_language_falls_back_to_english(tag):
    assert choose_language(tag, LA_COUNTY) == "en"


def test_a_language_that_is_not_available_gives_english_even_if_english_is_not_listed():
    assert choose_language("zh-Hant", ("es",)) == "en"


def test_the_most_specific_available_tag_wins():
    available = ("en", "zh", "zh-Hant", "pt-BR")
    assert choose_language("zh-Hant-HK", available) == "zh-Hant"
    assert choose_language("zh-Hans", available) == "zh"
    assert choose_language("pt-br", available) == "pt-BR"
    assert choose_language("pt", available) == "en"


def test_the_available_languages_default_to_the_loaded_catalogs():
    assert choose_language("es-MX") == "es"
