from __future__ import annotations

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from clearway.common.settings import ServiceSettings


class FilingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CLEARWAY_FILING_", extra="ignore")

    service_name: str = "filing"
    http_port: int = 8003
    documents_dir: Path | None = None

    def documents_path(self) -> Path:
        return self.documents_dir or self.data_dir / "documents"
