from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from clearway.common.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CLEARWAY_NOTIFY_", extra="ignore")

    service_name: str = "notify"
    http_port: int = 8004
    smtp_host: str | None = Field(default=None, description="no host: email is not offered")
    smtp_port: int = 587
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_sender: str = "Clearway <notices@clearway.invalid>"
    smtp_timeout: float = 15.0
    sms_base_url: str | None = Field(default=None, description="no URL: SMS is not offered")
    sms_account_sid: str = "AC-dev"
    sms_auth_token: str = "dev-token"
    sms_from_number: str = "+15550100000"
    letters_dir: Path | None = None
    max_attempts: int = 6
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 600.0
    contact_wait_seconds: float = 120.0
    dispatch_interval_seconds: float = 0.5

    def letters_path(self) -> Path:
        return self.letters_dir or self.data_dir / "letters"
