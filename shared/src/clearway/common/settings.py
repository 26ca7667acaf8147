"""Settings shared by every service. Each service subclasses `ServiceSettings` once,
with its own env prefix `CLEARWAY_<NAME>_`; the broker address is `KAFKA_BOOTSTRAP_SERVERS`
and how to reach it securely is `KafkaSecurity` (`KAFKA_SECURITY_PROTOCOL`, `KAFKA_SSL_*`,
`KAFKA_SASL_*`), which every Kafka client of the project gets through `kafka_client_kwargs`."""
from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from clearway.common.bootstrap_key import read_key

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
ClientLibrary = Literal["aiokafka", "kafka-python"]


def _env(name: str, field: str) -> AliasChoices:
    return AliasChoices(name, field)


class KafkaSecurity(BaseSettings):
    """How every Kafka client (aiokafka and kafka-python, services and operator commands)
    authenticates to the broker and encrypts its connections. Read from the same unprefixed
    environment as `KAFKA_BOOTSTRAP_SERVERS`. The password is a SecretStr: its repr, the
    settings' repr and the logs never show it, nor does a validation error (which would
    otherwise echo every input, the password included)."""

    model_config = SettingsConfigDict(extra="ignore", hide_input_in_errors=True)

    security_protocol: SecurityProtocol = Field(
        default="PLAINTEXT",
        validation_alias=_env("KAFKA_SECURITY_PROTOCOL", "security_protocol"),
        description="PLAINTEXT, SSL (TLS), SASL_PLAINTEXT or SASL_SSL (SASL over TLS)")
    ssl_cafile: Path | None = Field(
        default=None, validation_alias=_env("KAFKA_SSL_CAFILE", "ssl_cafile"),
        description="PEM file of the CA(s) that signed the broker's certificate "
        "(default: the system's trust store)")
    ssl_certfile: Path | None = Field(
        default=None, validation_alias=_env("KAFKA_SSL_CERTFILE", "ssl_certfile"),
        description="PEM client certificate, for brokers that require one (mutual TLS)")
    ssl_keyfile: Path | None = Field(
        default=None, validation_alias=_env("KAFKA_SSL_KEYFILE", "ssl_keyfile"),
        description="PEM private key of the client certificate")
    ssl_key_password: SecretStr | None = Field(
        default=None, validation_alias=_env("KAFKA_SSL_KEY_PASSWORD", "ssl_key_password"),
        description="password of an encrypted client key")
    ssl_check_hostname: bool = Field(
        default=True, validation_alias=_env("KAFKA_SSL_CHECK_HOSTNAME", "ssl_check_hostname"),
        description="check that the broker's certificate names the host connected to")
    sasl_mechanism: SaslMechanism | None = Field(
        default=None, validation_alias=_env("KAFKA_SASL_MECHANISM", "sasl_mechanism"),
        description="PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (with SASL_PLAINTEXT or SASL_SSL)")
    sasl_username: str | None = Field(
        default=None, validation_alias=_env("KAFKA_SASL_USERNAME", "sasl_username"))
    sasl_password: SecretStr | None = Field(
        default=None, validation_alias=_env("KAFKA_SASL_PASSWORD", "sasl_password"))
    sasl_password_file: Path | None = Field(
        default=None, validation_alias=_env("KAFKA_SASL_PASSWORD_FILE", "sasl_password_file"),
        description="a file holding the SASL password (docker compose); used when "
        "KAFKA_SASL_PASSWORD is not set")

    @field_validator("security_protocol", "sasl_mechanism", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().upper() or None
        return value

    @field_validator("ssl_cafile", "ssl_certfile", "ssl_keyfile", "sasl_password_file",
                     "sasl_username", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _consistent(self) -> KafkaSecurity:
        if self.sasl_password is None and self.sasl_password_file is not None:
            text = self.sasl_password_file.read_text(encoding="utf-8").strip()
            if not text:
                raise ValueError(f"KAFKA_SASL_PASSWORD_FILE {self.sasl_password_file} is empty")
            self.sasl_password = SecretStr(text)
        if self.sasl:
            missing = [name for name, value in (
                ("KAFKA_SASL_MECHANISM", self.sasl_mechanism),
                ("KAFKA_SASL_USERNAME", self.sasl_username),
                ("KAFKA_SASL_PASSWORD", self.sasl_password)) if not value]
            if missing:
                raise ValueError(f"KAFKA_SECURITY_PROTOCOL {self.security_protocol} needs "
                                 + ", ".join(missing))
        elif self.sasl_mechanism or self.sasl_username:
            # A client that was given credentials but would not send them is a mistake.
            raise ValueError("KAFKA_SASL_* is set but KAFKA_SECURITY_PROTOCOL is "
                             f"{self.security_protocol}: use SASL_SSL (or SASL_PLAINTEXT)")
        tls_files = [f for f in (self.ssl_cafile, self.ssl_certfile, self.ssl_keyfile) if f]
        if tls_files and not self.tls:
            raise ValueError("KAFKA_SSL_* files are set but KAFKA_SECURITY_PROTOCOL is "
                             f"{self.security_protocol}: use SSL or SASL_SSL")
        if self.ssl_keyfile and not self.ssl_certfile:
            raise ValueError("KAFKA_SSL_KEYFILE needs KAFKA_SSL_CERTFILE")
        return self

    @property
    def tls(self) -> bool:
        return self.security_protocol in ("SSL", "SASL_SSL")

    @property
    def sasl(self) -> bool:
        return self.security_protocol in ("SASL_PLAINTEXT", "SASL_SSL")

    def ssl_context(self) -> ssl.SSLContext:
        """A client TLS context: the CA file (or the system's trust store), the client
        certificate when given, hostname checking as configured; TLS 1.2 at least."""
        context = ssl.create_default_context(
            cafile=str(self.ssl_cafile) if self.ssl_cafile else None)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        if self.ssl_certfile:
            context.load_cert_chain(
                str(self.ssl_certfile), str(self.ssl_keyfile) if self.ssl_keyfile else None,
                self.ssl_key_password.get_secret_value() if self.ssl_key_password else None)
        context.check_hostname = self.ssl_check_hostname
        return context


def kafka_security() -> KafkaSecurity:
    """The security settings in this process's environment (operator commands and tools
    that have no service settings)."""
    return KafkaSecurity()


def kafka_client_kwargs(library: ClientLibrary,
                        security: KafkaSecurity | None = None) -> dict[str, Any]:
    """The keyword arguments that make a client of `library` connect as `security` says
    (default: from the environment). The one place that turns the settings into client
    options: aiokafka takes an `ssl_context`, kafka-python file names and flags.
    Pass them with `**` to AIOKafkaProducer/Consumer/AdminClient or to kafka-python's
    KafkaProducer/KafkaConsumer/KafkaAdminClient."""
    security = security or kafka_security()
    kwargs: dict[str, Any] = {"security_protocol": security.security_protocol}
    if security.tls:
        if library == "aiokafka":
            kwargs["ssl_context"] = security.ssl_context()
        else:
            kwargs.update(
                ssl_check_hostname=security.ssl_check_hostname,
                ssl_cafile=str(security.ssl_cafile) if security.ssl_cafile else None,
                ssl_certfile=str(security.ssl_certfile) if security.ssl_certfile else None,
                ssl_keyfile=str(security.ssl_keyfile) if security.ssl_keyfile else None,
                ssl_password=(security.ssl_key_password.get_secret_value()
                              if security.ssl_key_password else None),
            )
    if security.sasl:
        assert security.sasl_password is not None  # checked by the validator
        kwargs.update(
            sasl_mechanism=security.sasl_mechanism,
            sasl_plain_username=security.sasl_username,
            sasl_plain_password=security.sasl_password.get_secret_value(),
        )
    return kwargs


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    service_name: str = "clearway"
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "kafka_bootstrap_servers"),
    )
    kafka_security: KafkaSecurity = Field(
        default_factory=KafkaSecurity,
        description="KAFKA_SECURITY_PROTOCOL, KAFKA_SSL_*, KAFKA_SASL_* (KafkaSecurity)")
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
    keys_database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("CLEARWAY_KEYS_DATABASE_URL", "keys_database_url"),
        description="the one key authority: every service checks API keys against the "
        "api_keys table of this database (SQLite or PostgreSQL URL), so one key (created "
        "with `clearway-keys create` or any service's `keys create`) works on every service "
        "its scopes allow, and one revocation reaches them all; unset: the service's own "
        "store (a key per service)",
    )
    consumer_group: str | None = None
    session_timeout_ms: int = 6000
    batch_max_records: int = 2000
    outbox_lease_seconds: float = Field(
        default=15.0, gt=0,
        description="how long a relay holds the outbox rows it claimed; rows a killed "
        "process held are published by another (or the restarted) one after this")
    log_level: str = "INFO"
    tracing: Literal["off", "otlp"] = Field(
        default="off",
        validation_alias=AliasChoices("CLEARWAY_TRACING", "tracing"),
        description="OpenTelemetry traces (clearway.common.tracing): off, or otlp to send "
        "spans of service clearway-<service> to OTEL_EXPORTER_OTLP_ENDPOINT (OTLP/HTTP, "
        "default http://localhost:4318; the other standard OTEL_EXPORTER_OTLP_* and "
        "OTEL_TRACES_SAMPLER variables apply)")

    @field_validator("tracing", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return (value.strip().lower() or "off") if isinstance(value, str) else value

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
