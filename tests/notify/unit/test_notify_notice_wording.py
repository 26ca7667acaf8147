"""The words of a notice: what it says, in which language, at what reading level."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from clearway.notify.domain.i18n import AVAILABLE_LANGUAGES
from clearway.notify.domain.notices import NoticeFacts, RenderedNotice, render_notice
from tests.notify.offices import LA_OFFICE, NEVER_ASK

LA = "Superior Court of California, County of Los Angeles"
RELIEFS = ("dismiss_and_seal", "reduce_to_misdemeanor", "reduce_to_infraction")


def facts(**changes: object) -> NoticeFacts:
    base = NoticeFacts(
        kind="relief_granted",
        first_name="Maria",
        court="CA-LA",
        court_name=LA,
        case_number="BA123456",
        reliefs=("dismiss_and_seal",),
        language="en",
        office=LA_OFFICE,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def every_notice() -> list[NoticeFacts]:
    out = []
    for language in AVAILABLE_LANGUAGES:
        for kind in ("relief_granted", "order_granted", "order_denied"):
            for relief in RELIEFS:
                out.append(facts(kind=kind, reliefs=(relief,), language=language))
    return out


def everything(notice: RenderedNotice) -> str:
    return "\n".join((notice.subject, notice.text, notice.html, notice.sms))


# --- relief_granted -----------------------------------------------------------


def test_a_relief_granted_notice_says_the_conviction_is_being_cleared_and_nothing_is_needed():
    notice = render_notice(facts())
    assert notice.language == "en"
    assert "Hello Maria," in notice.text
    assert "Your cannabis (marijuana) conviction is being cleared." in notice.text
    assert "You do not need to do anything." in notice.text


def test_a_relief_granted_notice_explains_each_relief_in_words_not_codes():
    notice = render_notice(facts(reliefs=("dismiss_and_seal", "reduce_to_misdemeanor")))
    assert "dismissed and your record sealed" in notice.text
    assert "felony changed to a misdemeanor" in notice.text
    for code in RELIEFS:
        assert code not in everything(notice)


def test_a_relief_granted_notice_says_what_happens_next_and_names_the_case_and_court():
    notice = render_notice(facts())
    assert "What happens next" in notice.text
    assert "The court will review your case." in notice.text
    assert "We will tell you when the court decides." in notice.text
    assert f"Court: {LA}" in notice.text
    assert "Case number: BA123456" in notice.text
    assert "BA123456" in notice.subject


def test_a_reduction_to_an_infraction_is_compared_to_a_traffic_ticket():
    notice = render_notice(facts(reliefs=("reduce_to_infraction",)))
    assert "like a traffic ticket" in notice.text


# --- order_granted ------------------------------------------------------------


def test_a_granted_dismissal_says_the_record_is_dismissed_and_sealed():
    notice = render_notice(facts(kind="order_granted"))
    assert "The court dismissed your conviction and sealed your record." in notice.text


def test_a_granted_dismissal_explains_jobs_housing_and_immigration():
    text = render_notice(facts(kind="order_granted")).text
    assert "you can say no for this case" in text
    assert "Housing: A landlord may not use this case against you." in text
    assert "may not fix immigration problems" in text
    assert "Talk to an immigration lawyer." in text


def test_a_granted_order_says_how_to_get_a_copy_from_the_clerk_with_the_case_number():
    text = render_notice(facts(kind="order_granted")).text
    assert f"Ask the clerk of the {LA} for a copy of the court order." in text
    assert "Give the clerk your case number: BA123456." in text


def test_a_granted_reduction_never_claims_the_record_was_dismissed():
    text = render_notice(facts(kind="order_granted", reliefs=("reduce_to_misdemeanor",))).text
    assert "The court changed your felony to a misdemeanor." in text
    assert "dismiss" not in text.lower()
    assert "you can say no for this case" not in text
    assert "may not fix immigration problems" in text


# --- order_denied -------------------------------------------------------------


def test_a_denied_order_says_the_court_did_not_grant_it_and_points_to_a_lawyer():
    text = render_notice(facts(kind="order_denied")).text
    assert "The court did not grant the request" in text
    assert "The court did not agree to dismiss your conviction" in text
    assert "public defender" in text
    assert "lawyer" in text
    assert "Good news" not in text


def test_a_denied_order_may_name_no_relief():
    notice = render_notice(facts(kind="order_denied", reliefs=()))
    assert "The court did not grant the request" in notice.text


# --- every notice ---------------------------------------------------------------


@pytest.mark.parametrize(
    "notice_facts", every_notice(), ids=lambda f: f"{f.language}-{f.kind}-{f.reliefs[0]}"
)
def test_every_notice_in_every_language_is_complete_and_has_no_raw_placeholders(notice_facts):
    notice = render_notice(notice_facts)
    assert notice.language == notice_facts.language
    for part in (notice.subject, notice.text, notice.sms):
        assert "{" not in part and "}" not in part
        assert "BA123456" in part
    assert "Maria" in notice.text
    assert notice.html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{notice.language}">' in notice.html


@pytest.mark.parametrize("language", [lang for lang in AVAILABLE_LANGUAGES if lang != "en"])
def test_a_translated_notice_is_not_english_and_carries_the_english_version_along(language):
    english = render_notice(facts(language="en"))
    notice = render_notice(facts(language=language))
    assert notice.text != english.text
    assert notice.sms != english.sms
    assert notice.english == english
    assert english.english is None


def test_a_spanish_speaker_gets_natural_spanish():
    notice = render_notice(facts(language="es-MX", kind="order_granted"))
    assert notice.language == "es"
    assert "Hola, Maria:" in notice.text
    assert "El tribunal desestimó su condena y selló su expediente." in notice.text
    assert "Usted no tiene que hacer nada." in notice.text
    assert "abogado de inmigración" in notice.text


def test_a_language_we_do_not_have_gets_english():
    notice = render_notice(facts(language="fr-CA"))
    assert notice.language == "en"
    assert notice.english is None
    assert "Hello Maria," in notice.text


def test_the_notice_holds_only_the_facts_it_was_given():
    maria = render_notice(facts())
    juan = render_notice(facts(first_name="Juan", case_number="LA999999"))
    assert "Juan" not in everything(maria) and "LA999999" not in everything(maria)
    assert "Maria" not in everything(juan) and "BA123456" not in everything(juan)


def test_values_are_escaped_in_the_email_html():
    notice = render_notice(facts(first_name="<script>x</script>", case_number="BA1&2"))
    assert "<script>" not in notice.html
    assert "&lt;script&gt;" in notice.html
    assert "BA1&amp;2" in notice.html
    assert "<script>x</script>" in notice.text  # the plain text is not HTML


def test_names_written_in_capitals_on_court_records_are_written_normally():
    assert "Hello Maria Jose," in render_notice(facts(first_name="MARIA  JOSE")).text
    assert "Hello Mary-Ann," in render_notice(facts(first_name="MARY-ANN")).text
    assert "Hello DeShawn," in render_notice(facts(first_name="DeShawn")).text


def test_a_missing_first_name_gives_a_plain_greeting():
    assert render_notice(facts(first_name="  ")).text.startswith("Hello,\n")


def test_rendering_the_same_facts_twice_gives_the_same_notice():
    assert render_notice(facts(language="zh-Hant")) == render_notice(facts(language="zh-Hant"))


def test_a_relief_that_is_not_granted_relief_is_refused():
    with pytest.raises(ValueError):
        render_notice(facts(reliefs=("not_eligible",)))
    with pytest.raises(ValueError):
        render_notice(facts(kind="relief_granted", reliefs=()))
    with pytest.raises(ValueError):
        render_notice(facts(kind="something_else"))  # type: ignore[arg-type]


# --- reading level ------------------------------------------------------------


def _syllables(word: str) -> int:
    word = re.sub(r"[^a-z]", "", word.lower())
    groups = re.findall(r"[aeiouy]+", word)
    count = len(groups)
    if word.endswith("e") and not word.endswith(("le", "ee")) and count > 1:
        count -= 1
    return max(1, count)


def _grade(text: str) -> tuple[float, float]:
    """Flesch-Kincaid grade and mean sentence length of the prose (case details, web
    addresses and the office's signature block left out; the closing line is prose)."""
    body, _, signature = text.partition("\n--\n")
    closing = signature.rstrip("\n").rpartition("\n\n")[2]
    prose = " ".join(
        re.sub(r"https://\S+", "", line)
        for line in (*body.splitlines(), closing)
        if line.strip() and not line.startswith(("Court:", "Case number:"))
    )
    sentences = [s for s in re.split(r"[.!?:]\s", prose) if s.strip()]
    words = re.findall(r"[A-Za-z][A-Za-z'.]*", prose)
    syllables = sum(_syllables(w) for w in words)
    mean_length = len(words) / len(sentences)
    return 0.39 * mean_length + 11.8 * syllables / len(words) - 15.59, mean_length


@pytest.mark.parametrize("kind", ["relief_granted", "order_granted", "order_denied"])
@pytest.mark.parametrize("relief", RELIEFS)
def test_the_english_wording_reads_at_about_a_sixth_grade_level(kind, relief):
    grade, mean_sentence = _grade(render_notice(facts(kind=kind, reliefs=(relief,))).text)
    assert grade <= 7.0
    assert mean_sentence <= 12


# --- who sent it, and how to check it -------------------------------------------------


@pytest.mark.parametrize("language", AVAILABLE_LANGUAGES)
@pytest.mark.parametrize("kind", ["relief_granted", "order_granted", "order_denied"])
def test_every_notice_names_its_office_and_says_how_to_check_it_and_that_nothing_is_asked(
        language, kind):
    notice = render_notice(facts(kind=kind, language=language))
    for part in (notice.text, notice.html):
        assert LA_OFFICE.name in part.replace("&#39;", "'")
        assert LA_OFFICE.phone in part
        assert LA_OFFICE.website in part
        assert LA_OFFICE.case_lookup_url in part
        assert NEVER_ASK[language] in part.casefold()
    for line in LA_OFFICE.address:
        assert line in notice.text
    assert notice.sms.startswith(f"{LA_OFFICE.short_name}: ")
    assert LA_OFFICE.phone in notice.sms
    assert NEVER_ASK[language] in notice.sms.casefold()
    assert notice.office == LA_OFFICE


def test_the_english_notice_says_how_to_check_it_in_plain_words():
    text = render_notice(facts()).text
    assert "How to check this notice" in text
    assert (f"To check that this notice is real, call {LA_OFFICE.phone}. "
            f"This number is on the office's website: {LA_OFFICE.website}") in text
    assert ("You can also look up your case on the court's website: "
            f"{LA_OFFICE.case_lookup_url}") in text
    assert "We never ask for payment or personal information." in text
    assert "We never ask for a code or a password." in text


def test_the_notice_is_signed_by_the_office_and_no_longer_by_clearway():
    notice = render_notice(facts())
    signature = notice.text.partition("\n--\n")[2]
    assert signature.startswith(
        f"Sent by: {LA_OFFICE.name}\n211 W Temple St\nLos Angeles CA 90012\n"
        f"Phone: {LA_OFFICE.phone}\nWebsite: {LA_OFFICE.website}\n")
    assert "Clearway" not in everything(notice)


def test_a_court_without_a_case_lookup_page_is_checked_by_phone_alone():
    notice = render_notice(facts(office=replace(LA_OFFICE, case_lookup_url=None)))
    assert "look up your case" not in notice.text
    assert LA_OFFICE.phone in notice.text


def test_a_notice_without_its_sending_office_is_refused():
    with pytest.raises(ValueError, match="office"):
        render_notice(facts(office=None))
