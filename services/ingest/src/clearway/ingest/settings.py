from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from clearway.common.settings import ServiceSettings


class IngestSettings(ServiceSettings):
    """Environment variables `CLEARWAY_INGEST_<FIELD>` (e.g. CLEARWAY_INGEST_BATCH_LIMIT);
    the broker is `KAFKA_BOOTSTRAP_SERVERS`, the bootstrap key `CLEARWAY_BOOTSTRAP_API_KEY`."""

    model_config = SettingsConfigDict(env_prefix="CLEARWAY_INGEST_", extra="ignore")

    service_name: str = "ingest"
    http_port: int = 8001
    batch_limit: int = Field(default=1000, ge=1, description="events per JSON-array batch")
    max_record_bytes: int = Field(default=1024 * 1024, ge=1024,
                                  description="body limit of POST /v1/records")
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024,
                                description="body limit of a JSON batch or a CSV upload")
    max_line_bytes: int = Field(default=1024 * 1024, ge=1024,
                                description="limit of one NDJSON line (the stream is unlimited)")
    ndjson_chunk: int = Field(default=500, ge=1,
                              description="NDJSON events committed per transaction")
