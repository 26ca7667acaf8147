"""Planning a notice: which channels, or why none (pure)."""
from __future__ import annotations

from clearway.notify.dispatch import plan_notice
from clearway.notify.store import Contact, PendingNotice

EVERY = frozenset({"email", "sms", "letter"})
ADDRESS = {"line1": "1 Main St", "line2": None, "city": "Fresno", "state": "CA",
           "postal_code": "93701"}


def pending(contact: Contact | None = None, *, deceased: bool = False,
            opted_out: frozenset[str] = frozenset(), created_at: float = 1000.0) -> PendingNotice:
    return PendingNotice("n1", "S1", "CA-FRE", "F123", "relief_granted", ("dismiss_and_seal",),
                         created_at, contact, deceased, opted_out)


def person(email: str | None = None, phone: str | None = None, postal: bool = False,
           language: str | None = None) -> Contact:
    return Contact("S1", "Ana", "Ruiz", email, phone, ADDRESS if postal else None, language)


def test_email_and_text_message_go_out_when_both_are_known() -> None:
    plan = plan_notice(pending(person("a@example.org", "+14155550123", True)), 1000, EVERY, 60)
    assert (plan.state, plan.send, plan.opted_out) == ("planned", ("email", "sms"), ())


def test_a_person_with_only_a_postal_address_gets_a_letter() -> None:
    assert plan_notice(pending(person(postal=True)), 1000, EVERY, 60).send == ("letter",)


def test_a_channel_this_process_does_not_offer_is_not_planned() -> None:
    plan = plan_notice(pending(person("a@example.org", postal=True)), 1000,
                       frozenset({"letter"}), 60)
    assert plan.send == ("letter",)


def test_an_opted_out_channel_is_recorded_and_the_letter_is_the_last_resort() -> None:
    plan = plan_notice(pending(person("a@example.org", postal=True),
                               opted_out=frozenset({"email"})), 1000, EVERY, 60)
    assert (plan.state, plan.send, plan.opted_out) == ("planned", ("letter",), ("email",))


def test_nobody_reachable_is_unreachable() -> None:
    assert plan_notice(pending(person(language="es")), 1000, EVERY, 60).state == "unreachable"


def test_a_notice_waits_for_the_court_record_then_the_person_is_unreachable() -> None:
    waiting = plan_notice(pending(None, created_at=1000), 1030, EVERY, 60)
    assert (waiting.state, waiting.wait_until) == ("wait", 1060)
    assert plan_notice(pending(None, created_at=1000), 1061, EVERY, 60).state == "unreachable"


def test_a_person_who_died_is_suppressed_whatever_the_contact_details() -> None:
    plan = plan_notice(pending(person("a@example.org"), deceased=True), 1000, EVERY, 60)
    assert (plan.state, plan.send) == ("suppressed", ())


def test_the_language_is_the_persons_with_english_as_fallback() -> None:
    assert plan_notice(pending(person("a@example.org", language="es-MX")), 1000, EVERY,
                       60).language == "es"
    assert plan_notice(pending(person("a@example.org", language="fr")), 1000, EVERY,
                       60).language == "en"


def test_a_notice_of_a_court_without_a_sending_office_is_held_and_looked_at_again_later(
) -> None:
    from clearway.notify.dispatch import HOLD_RECHECK_SECONDS

    plan = plan_notice(pending(person("a@example.org")), 1000, EVERY, 60,
                       courts_with_office=frozenset({"CA-LA"}))
    assert (plan.state, plan.send, plan.wait_until) == ("wait", (), 1000 + HOLD_RECHECK_SECONDS)


def test_a_notice_of_a_court_with_a_sending_office_is_planned_as_usual() -> None:
    plan = plan_notice(pending(person("a@example.org")), 1000, EVERY, 60,
                       courts_with_office=frozenset({"CA-FRE"}))
    assert (plan.state, plan.send) == ("planned", ("email",))


def test_a_death_suppresses_a_notice_even_while_its_court_has_no_office() -> None:
    plan = plan_notice(pending(person("a@example.org"), deceased=True), 1000, EVERY, 60,
                       courts_with_office=frozenset())
    assert plan.state == "suppressed"
