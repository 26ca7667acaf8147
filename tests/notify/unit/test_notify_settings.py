"""Notify's settings: lists in environment variables, and limits that must hold."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from clearway.notify.adapters.letter import FontSpec
from clearway.notify.settings import NotifySettings


def test_the_letter_return_address_is_a_bar_separated_list_of_lines(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEARWAY_NOTIFY_LETTER_RETURN_ADDRESS",
                       "Clearway Notices | PO Box 4242|| Sacramento CA 95812 ")
    assert NotifySettings().return_address() == (
        "Clearway Notices", "PO Box 4242", "Sacramento CA 95812")


def test_letter_fonts_are_paths_with_an_optional_face_number() -> None:
    settings = NotifySettings(letter_fonts="/f/DejaVuSans.ttf | /f/NotoSansCJK.ttc#2")
    assert settings.fonts() == (FontSpec(Path("/f/DejaVuSans.ttf"), 0),
                                FontSpec(Path("/f/NotoSansCJK.ttc"), 2))
    assert NotifySettings().fonts() is None


def test_the_sending_lease_must_outlast_a_send() -> None:
    with pytest.raises(ValidationError):
        NotifySettings(send_timeout_seconds=60, sending_lease_seconds=30)


def test_secrets_do_not_show_in_the_settings_repr() -> None:
    settings = NotifySettings(smtp_password="hunter2", sms_auth_token="tok-secret")
    assert "hunter2" not in repr(settings) and "tok-secret" not in repr(settings)
    assert settings.smtp_password is not None
    assert settings.smtp_password.get_secret_value() == "hunter2"


# --- sending offices (issue #19) --------------------------------------------------------

LA = {
    "name": "Los Angeles County District Attorney's Office",
    "short_name": "LA County DA",
    "address": ["211 W Temple St", "Los Angeles CA 90012"],
    "phone": "(213) 555-0142",
    "website": "https://da.lacounty.example",
    "case_lookup_url": "https://www.lacourt.example/case-lookup",
    "email_from": "notices@da.lacounty.example",
    "reply_to": "help@da.lacounty.example",
}


def offices_error(value: str) -> str:
    with pytest.raises(ValidationError) as caught:
        NotifySettings(sending_offices=value)
    return str(caught.value)


def test_without_configuration_the_demo_courts_get_obvious_development_placeholders() -> None:
    settings = NotifySettings()
    assert settings.offices_are_placeholders()
    offices = settings.offices()
    assert {"CA-LA", "CA-SD", "CA-OR", "CA-RIV", "CA-SB", "CA-ALA", "CA-SAC", "CA-SF",
            "CA-SCL", "CA-FRE"} == set(offices)
    for office in offices.values():
        assert "PLACEHOLDER" in office.name and "(dev)" in office.short_name
        assert "555-01" in office.phone and ".example" in office.website


def test_sending_offices_are_read_from_inline_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEARWAY_NOTIFY_SENDING_OFFICES", json.dumps({"CA-LA": LA}))
    settings = NotifySettings()
    assert not settings.offices_are_placeholders()
    assert set(settings.offices()) == {"CA-LA"}
    office = settings.offices()["CA-LA"]
    assert office.name == LA["name"] and office.phone == "(213) 555-0142"
    assert office.address == ("211 W Temple St", "Los Angeles CA 90012")
    assert office.case_lookup_url == LA["case_lookup_url"]
    assert (office.email_from, office.reply_to) == (LA["email_from"], LA["reply_to"])


def test_sending_offices_are_read_from_a_yaml_or_json_file(tmp_path: Path) -> None:
    yaml_file = tmp_path / "offices.yaml"
    yaml_file.write_text(
        "CA-SF:\n"
        "  name: San Francisco District Attorney's Office\n"
        "  short_name: SF DA\n"
        "  address: 350 Rhode Island St | San Francisco CA 94103\n"
        "  phone: 415-555-0142\n"
        "  website: https://sfdistrictattorney.example\n", encoding="utf-8")
    office = NotifySettings(sending_offices=str(yaml_file)).offices()["CA-SF"]
    assert office.address == ("350 Rhode Island St", "San Francisco CA 94103")
    assert office.case_lookup_url is None
    json_file = tmp_path / "offices.json"
    json_file.write_text(json.dumps({"CA-LA": LA}), encoding="utf-8")
    assert NotifySettings(sending_offices=str(json_file)).offices()["CA-LA"].short_name == (
        "LA County DA")


def test_a_malformed_office_is_refused_with_the_court_and_each_field_at_fault() -> None:
    bad = dict(LA, phone="call us", website="http://da.lacounty.example", address=["one line"])
    message = offices_error(json.dumps({"CA-LA": bad}))
    assert "CLEARWAY_NOTIFY_SENDING_OFFICES: court CA-LA" in message
    assert "phone: " in message and "(213) 555-0100" in message
    assert "website: website must be an https:// address" in message
    assert "address: " in message


@pytest.mark.parametrize("change,field", [
    ({"name": ""}, "name"),
    ({"short_name": "Los Angeles County District Attorney"}, "short_name"),
    ({"short_name": "LA DA ✓"}, "short_name"),
    ({"reply_to": "Help <help@da.example>"}, "reply_to"),
    ({"case_lookup_url": "lacourt.example"}, "case_lookup_url"),
    ({"fax": "213-555-0199"}, "fax"),
])
def test_each_office_field_is_checked(change: dict[str, str], field: str) -> None:
    assert f"court CA-LA: {field}" in offices_error(json.dumps({"CA-LA": dict(LA, **change)}))


def test_a_missing_field_is_named() -> None:
    entry = {k: v for k, v in LA.items() if k != "phone"}
    assert "court CA-LA: phone: Field required" in offices_error(json.dumps({"CA-LA": entry}))


def test_offices_must_be_keyed_by_court_codes_and_be_readable(tmp_path: Path) -> None:
    assert "'Los Angeles' is not a court code" in offices_error(
        json.dumps({"Los Angeles": LA}))
    assert "not valid JSON" in offices_error('{"CA-LA": ')
    assert "must map court codes" in offices_error("{}")
    assert "cannot read it" in offices_error(str(tmp_path / "missing.yaml"))
