from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from clearway.common.settings import ServiceSettings


class IngestSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CLEARWAY_INGEST_", extra="ignore")

    service_name: str = "ingest"
    http_port: int = 8001
    batch_limit: int = 1000
    max_body_bytes: int = 10 * 1024 * 1024
    max_line_bytes: int = 1024 * 1024
    ndjson_chunk: int = 500
