"""Settings shared by every service. Each service subclasses `ServiceSettings` once,
with its own env prefix `CLEARWAY_<NAME>_`; the broker address is `KAFKA_BOOTSTRAP_SERVERS`."""
from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from clearway.common.bootstrap_key import read_key


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    service_name: str = "clearway"
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "kafka_bootstrap_servers"),
    )
    topic_partitions: int = Field(
        default=12,
        ge=1,
        validation_alias=AliasChoices("CLEARWAY_TOPIC_PARTITIONS", "topic_partitions"),
    )
    data_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default a SQLite file in data_dir"
    )
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    bootstrap_api_key: str | None = Field(
        default=None,
        validation_alias=AliasChoices("CLEARWAY_BOOTSTRAP_API_KEY", "bootstrap_api_key"),
        description="a key with every scope for every court, created at start (dev and demo)",
    )
    bootstrap_api_key_file: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("CLEARWAY_BOOTSTRAP_API_KEY_FILE",
                                      "bootstrap_api_key_file"),
        description="a file holding that key (docker compose writes one on first start: "
        "clearway.common.bootstrap_key); used when CLEARWAY_BOOTSTRAP_API_KEY is not set",
    )
    consumer_group: str | None = None
    session_timeout_ms: int = 6000
    batch_max_records: int = 2000
    outbox_lease_seconds: float = Field(
        default=15.0, gt=0,
        description="how long a relay holds the outbox rows it claimed; rows a killed "
        "process held are published by another (or the restarted) one after this")
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _key_from_file(self) -> ServiceSettings:
        if not self.bootstrap_api_key and self.bootstrap_api_key_file is not None:
            self.bootstrap_api_key = read_key(self.bootstrap_api_key_file)
        return self

    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / f'{self.service_name}.db').resolve()}"

    @property
    def group_id(self) -> str:
        return self.consumer_group or f"clearway-{self.service_name}"
