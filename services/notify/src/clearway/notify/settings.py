"""Notify's settings: `CLEARWAY_NOTIFY_*` environment variables (listed in the README)."""
from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from clearway.common.pdf_fonts import FontSpec, parse_font_list
from clearway.common.settings import ServiceSettings


def split_list(value: str) -> tuple[str, ...]:
    """'a | b|c' -> ('a', 'b', 'c'); empty items are dropped."""
    return tuple(part.strip() for part in value.split("|") if part.strip())


class NotifySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CLEARWAY_NOTIFY_", extra="ignore")

    service_name: str = "notify"
    http_port: int = 8004

    # e-mail
    smtp_host: str | None = Field(default=None, description="no host: email is not offered")
    smtp_port: int = 587
    smtp_starttls: bool | None = Field(
        default=None,
        description="true: require STARTTLS; false: never; unset: use it when the server offers it",
    )
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_sender: str = "Clearway <notices@clearway.invalid>"
    smtp_timeout: float = 15.0

    # text messages
    sms_base_url: str | None = Field(default=None, description="no URL: SMS is not offered")
    sms_account_sid: str = "AC-dev"
    sms_auth_token: SecretStr = SecretStr("dev-token")
    sms_from_number: str = "+15550100000"
    sms_timeout: float = 15.0
    sms_provider_dedupes: bool = Field(
        default=True,
        description="the provider honours Idempotency-Key, so an interrupted send may be retried",
    )

    # letters
    letters_dir: Path | None = None
    letter_return_address: str = Field(
        default="Clearway|P.O. Box 0000|Los Angeles CA 90000",
        description="sender block printed top left, lines separated by '|'",
    )
    letter_fonts: str = Field(
        default="",
        description="Unicode TrueType fonts in fallback order, '|' separated, 'path#face' "
        "for a collection; empty: DejaVu Sans and Noto Sans CJK (the face of the letter's "
        "language) from the usual system folders",
    )

    # delivery
    max_attempts: int = Field(default=6, ge=1)
    retry_base_seconds: float = Field(default=2.0, gt=0)
    retry_max_seconds: float = Field(default=600.0, gt=0)
    send_concurrency: int = Field(default=4, ge=1, le=64)
    send_timeout_seconds: float = Field(default=60.0, gt=0)
    sending_lease_seconds: float = Field(
        default=120.0,
        description="after this long a `sending` row whose process died is recovered",
    )
    plan_delay_seconds: float = Field(
        default=2.0, ge=0,
        description="a new notice waits this long, so a death recorded at the same time wins",
    )
    contact_wait_seconds: float = Field(
        default=120.0, ge=0,
        description="how long a notice waits for the person's court record before unreachable",
    )
    dispatch_interval_seconds: float = Field(default=0.5, gt=0)

    @model_validator(mode="after")
    def _lease_outlives_a_send(self) -> NotifySettings:
        if self.sending_lease_seconds <= self.send_timeout_seconds:
            raise ValueError("sending_lease_seconds must be longer than send_timeout_seconds")
        return self

    def letters_path(self) -> Path:
        return self.letters_dir or self.data_dir / "letters"

    def return_address(self) -> tuple[str, ...]:
        return split_list(self.letter_return_address)

    def fonts(self) -> tuple[FontSpec, ...] | None:
        return parse_font_list(self.letter_fonts) or None
