"""Notify's settings: lists in environment variables, and limits that must hold."""
from __future__ import annotations

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
