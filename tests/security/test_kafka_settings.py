"""The Kafka client security settings: read from the environment like KAFKA_BOOTSTRAP_SERVERS,
turned into client options by one helper, never shown, and used by every client."""
from __future__ import annotations

import ast
import logging
import ssl
from pathlib import Path

import pytest
from pydantic import ValidationError

from clearway.common.settings import KafkaSecurity, ServiceSettings, kafka_client_kwargs
from clearway.eligibility.settings import EligibilitySettings
from clearway.filing.settings import FilingSettings
from clearway.ingest.settings import IngestSettings
from clearway.notify.settings import NotifySettings

ROOT = Path(__file__).resolve().parents[2]
SECRET = "correct-horse-battery-staple"
CLIENTS = {"AIOKafkaProducer", "AIOKafkaConsumer", "AIOKafkaAdminClient", "KafkaProducer",
           "KafkaConsumer", "KafkaAdminClient"}
KAFKA_ENV = ("KAFKA_SECURITY_PROTOCOL", "KAFKA_SSL_CAFILE", "KAFKA_SSL_CERTFILE",
             "KAFKA_SSL_KEYFILE", "KAFKA_SSL_KEY_PASSWORD", "KAFKA_SSL_CHECK_HOSTNAME",
             "KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD",
             "KAFKA_SASL_PASSWORD_FILE")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in KAFKA_ENV:
        monkeypatch.delenv(name, raising=False)


def sasl_ssl_env(monkeypatch: pytest.MonkeyPatch, cafile: Path) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "sasl_ssl")
    monkeypatch.setenv("KAFKA_SSL_CAFILE", str(cafile))
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "scram-sha-512")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "clearway-eligibility")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", SECRET)


@pytest.fixture
def cafile() -> Path:
    return Path(ssl.get_default_verify_paths().cafile or "/etc/ssl/certs/ca-certificates.crt")


def test_by_default_clients_connect_in_plaintext_with_no_other_option() -> None:
    assert kafka_client_kwargs("aiokafka") == {"security_protocol": "PLAINTEXT"}
    assert kafka_client_kwargs("kafka-python") == {"security_protocol": "PLAINTEXT"}


@pytest.mark.parametrize("settings_class", [IngestSettings, EligibilitySettings,
                                            FilingSettings, NotifySettings])
def test_every_service_reads_the_unprefixed_kafka_security_variables(
        settings_class: type[ServiceSettings], monkeypatch: pytest.MonkeyPatch,
        cafile: Path) -> None:
    sasl_ssl_env(monkeypatch, cafile)
    security = settings_class().kafka_security
    assert (security.security_protocol, security.sasl_mechanism, security.sasl_username,
            security.ssl_cafile) == ("SASL_SSL", "SCRAM-SHA-512", "clearway-eligibility",
                                     cafile)
    assert security.sasl_password is not None
    assert security.sasl_password.get_secret_value() == SECRET


def test_aiokafka_gets_an_ssl_context_and_kafka_python_gets_file_names(
        monkeypatch: pytest.MonkeyPatch, cafile: Path) -> None:
    sasl_ssl_env(monkeypatch, cafile)
    monkeypatch.setenv("KAFKA_SSL_CHECK_HOSTNAME", "false")
    aio = kafka_client_kwargs("aiokafka")
    assert isinstance(aio["ssl_context"], ssl.SSLContext)
    assert aio["ssl_context"].check_hostname is False
    assert aio["ssl_context"].verify_mode == ssl.CERT_REQUIRED  # the chain is still checked
    assert aio["ssl_context"].minimum_version >= ssl.TLSVersion.TLSv1_2
    assert {k: v for k, v in aio.items() if k != "ssl_context"} == {
        "security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "clearway-eligibility", "sasl_plain_password": SECRET}
    assert kafka_client_kwargs("kafka-python") == {
        "security_protocol": "SASL_SSL", "ssl_cafile": str(cafile), "ssl_certfile": None,
        "ssl_keyfile": None, "ssl_password": None, "ssl_check_hostname": False,
        "sasl_mechanism": "SCRAM-SHA-512", "sasl_plain_username": "clearway-eligibility",
        "sasl_plain_password": SECRET}


def test_the_password_can_come_from_a_file(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    (tmp_path / "password").write_text(SECRET + "\n", encoding="utf-8")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "SCRAM-SHA-256")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "clearway-ingest")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD_FILE", str(tmp_path / "password"))
    assert kafka_client_kwargs("kafka-python")["sasl_plain_password"] == SECRET


def test_the_password_is_never_shown(monkeypatch: pytest.MonkeyPatch, cafile: Path,
                                     caplog: pytest.LogCaptureFixture) -> None:
    sasl_ssl_env(monkeypatch, cafile)
    settings = IngestSettings()
    logging.getLogger("test").warning("settings", extra={"settings": settings})
    shown = [repr(settings), str(settings), repr(settings.kafka_security),
             settings.model_dump_json(), caplog.text]
    assert all(SECRET not in text for text in shown)


@pytest.mark.parametrize("env, complaint", [
    ({"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "PLAIN",
      "KAFKA_SASL_USERNAME": "u"}, "KAFKA_SASL_PASSWORD"),
    ({"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_USERNAME": "u",
      "KAFKA_SASL_PASSWORD": SECRET}, "KAFKA_SASL_MECHANISM"),
    ({"KAFKA_SASL_USERNAME": "u", "KAFKA_SASL_PASSWORD": SECRET}, "is PLAINTEXT"),
    ({"KAFKA_SSL_CAFILE": "/etc/ssl/ca.pem"}, "is PLAINTEXT"),
    ({"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SSL_CAFILE": "/x.pem",
      "KAFKA_SASL_MECHANISM": "PLAIN", "KAFKA_SASL_USERNAME": "u",
      "KAFKA_SASL_PASSWORD": SECRET}, "use SSL or SASL_SSL"),
    ({"KAFKA_SECURITY_PROTOCOL": "TLS"}, "KAFKA_SECURITY_PROTOCOL"),
    ({"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "GSSAPI",
      "KAFKA_SASL_USERNAME": "u", "KAFKA_SASL_PASSWORD": SECRET}, "KAFKA_SASL_MECHANISM"),
])
def test_settings_that_would_not_do_what_they_say_are_refused_at_start(
        env: dict[str, str], complaint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as refused:
        KafkaSecurity()
    assert complaint in str(refused.value)
    assert SECRET not in str(refused.value)  # pydantic echoes inputs unless told not to


def _client_calls(path: Path) -> list[tuple[int, str, bool]]:
    """(line, client class, configured by kafka_client_kwargs or security_from_env) of each
    Kafka client constructed in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in CLIENTS:
            continue
        configured = any(
            k.arg is None and isinstance(k.value, ast.Call)
            and getattr(k.value.func, "id", None) in ("kafka_client_kwargs", "security_from_env")
            for k in node.keywords)
        found.append((node.lineno, name, configured))
    return found


def test_every_kafka_client_outside_the_tests_is_configured_by_the_helper() -> None:
    files = [*ROOT.glob("shared/src/**/*.py"), *ROOT.glob("services/*/src/**/*.py"),
             *ROOT.glob("bench/**/*.py"), *ROOT.glob("examples/**/*.py"),
             ROOT / "tests" / "chaos" / "harness.py"]
    calls = {f"{path.relative_to(ROOT)}:{line} {name}": configured
             for path in files for line, name, configured in _client_calls(path)}
    assert len(calls) >= 15, calls  # the scan sees them (kafka.py, outbox.py, topics.py, ...)
    assert [where for where, configured in calls.items() if not configured] == []
