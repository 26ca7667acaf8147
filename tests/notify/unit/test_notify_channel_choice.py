"""Which channels a notice goes out on."""

from __future__ import annotations

from clearway.notify.domain.channels import ContactPoints, choose_channels

NONE: frozenset[str] = frozenset()


def contact(email=None, phone=None, postal=False) -> ContactPoints:
    return ContactPoints(email=email, phone=phone, has_postal_address=postal)


def test_a_person_with_email_and_phone_gets_both():
    assert choose_channels(contact("m@example.org", "+14155550123", True), NONE) == ["email", "sms"]


def test_a_person_with_only_an_email_address_gets_email():
    assert choose_channels(contact(email="m@example.org"), NONE) == ["email"]


def test_a_person_with_only_a_phone_gets_a_text_message():
    assert choose_channels(contact(phone="+14155550123"), NONE) == ["sms"]


def test_a_letter_is_sent_only_when_there_is_neither_email_nor_phone():
    assert choose_channels(contact(postal=True), NONE) == ["letter"]
    assert choose_channels(contact(email="m@example.org", postal=True), NONE) == ["email"]
    assert choose_channels(contact(phone="+14155550123", postal=True), NONE) == ["sms"]


def test_a_person_with_no_contact_data_is_unreachable():
    assert choose_channels(contact(), NONE) == []


def test_blank_contact_values_count_as_missing():
    assert choose_channels(contact(email="  ", phone="", postal=True), NONE) == ["letter"]


def test_an_opted_out_channel_is_never_chosen():
    both = contact("m@example.org", "+14155550123")
    assert choose_channels(both, frozenset({"sms"})) == ["email"]
    assert choose_channels(both, frozenset({"email"})) == ["sms"]
    assert choose_channels(both, frozenset({"email", "sms"})) == []


def test_a_person_who_opted_out_of_email_and_texts_still_gets_a_letter():
    everything = contact("m@example.org", "+14155550123", True)
    assert choose_channels(everything, frozenset({"email", "sms"})) == ["letter"]


def test_a_person_who_opted_out_of_letters_gets_no_letter():
    assert choose_channels(contact(postal=True), frozenset({"letter"})) == []
