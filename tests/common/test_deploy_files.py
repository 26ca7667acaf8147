"""The deployment files: every service has a Dockerfile and a compose entry that can run it."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
SERVICES = sorted(
    p.name for p in (ROOT / "services").iterdir() if p.is_dir() and p.name[0] not in "._"
)
PORTS = {"ingest": 8001, "eligibility": 8002, "filing": 8003, "notify": 8004}
SCALED = {"eligibility"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def dockerfile(name: str) -> str:
    return (ROOT / "services" / name / "Dockerfile").read_text(encoding="utf-8")


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", text)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def test_the_four_services_are_the_ones_in_services() -> None:
    assert sorted(PORTS) == SERVICES


# --- Dockerfiles ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_has_a_dockerfile(name: str) -> None:
    assert (ROOT / "services" / name / "Dockerfile").is_file()


@pytest.mark.parametrize("name", SERVICES)
def test_each_dockerfile_builds_from_python_3_11(name: str) -> None:
    froms = [args for keyword, args in instructions(dockerfile(name)) if keyword == "FROM"]
    assert froms and all(args.startswith("python:3.11") for args in froms)


@pytest.mark.parametrize("name", SERVICES)
def test_each_dockerfile_installs_shared_and_the_service_with_the_constraints(name: str) -> None:
    steps = instructions(dockerfile(name))
    copies = " ".join(args for keyword, args in steps if keyword == "COPY")
    for source in ("constraints.txt", "shared/", f"services/{name}/"):
        assert source in copies
    runs = " ".join(args for keyword, args in steps if keyword == "RUN")
    install = f"pip install --no-cache-dir -c constraints.txt ./shared ./services/{name}"
    assert install in runs


@pytest.mark.parametrize("name", SERVICES)
def test_each_dockerfile_runs_as_a_non_root_user(name: str) -> None:
    users = [args for keyword, args in instructions(dockerfile(name)) if keyword == "USER"]
    assert users, "no USER instruction"
    assert users[-1].split(":")[0] not in {"root", "0"}


@pytest.mark.parametrize("name", SERVICES)
def test_each_dockerfile_exposes_its_port_and_checks_healthz(name: str) -> None:
    steps = instructions(dockerfile(name))
    assert ("EXPOSE", str(PORTS[name])) in steps
    checks = [args for keyword, args in steps if keyword == "HEALTHCHECK"]
    assert len(checks) == 1
    assert "urllib" in checks[0] and "/healthz" in checks[0] and str(PORTS[name]) in checks[0]


@pytest.mark.parametrize("name", SERVICES)
def test_each_dockerfile_serves_with_its_console_script(name: str) -> None:
    cmds = [args for keyword, args in instructions(dockerfile(name)) if keyword == "CMD"]
    assert cmds and cmds[-1] == f'["clearway-{name}", "serve"]'


@pytest.mark.parametrize("name", SERVICES)
def test_each_console_script_is_declared_by_its_package(name: str) -> None:
    pyproject = (ROOT / "services" / name / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(rf'^clearway-{name}\s*=', pyproject, re.MULTILINE)


# --- docker-compose.yml --------------------------------------------------------------------


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_is_built_from_its_dockerfile_with_the_repository_as_context(
    compose: dict, name: str
) -> None:
    build = compose["services"][name]["build"]
    assert build["dockerfile"] == f"services/{name}/Dockerfile"
    assert (COMPOSE_FILE.parent / build["context"]).resolve() == ROOT


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_waits_for_a_healthy_kafka_and_the_provisioned_topics(
    compose: dict, name: str
) -> None:
    depends_on = compose["services"][name]["depends_on"]
    assert depends_on["kafka"]["condition"] == "service_healthy"
    assert depends_on["topics"]["condition"] == "service_completed_successfully"
    assert depends_on["postgres"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_is_configured_by_the_documented_environment(
    compose: dict, name: str
) -> None:
    env = environment(compose["services"][name])
    upper = name.upper()
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert env[f"CLEARWAY_{upper}_DATABASE_URL"] == (
        f"postgresql+psycopg://clearway:clearway@postgres:5432/{name}"
    )
    assert env[f"CLEARWAY_{upper}_HTTP_PORT"] == str(PORTS[name])
    assert env[f"CLEARWAY_{upper}_HTTP_HOST"] == "0.0.0.0"
    assert "CLEARWAY_BOOTSTRAP_API_KEY" in env


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_keeps_its_data_dir_in_a_named_volume(compose: dict, name: str) -> None:
    data_dir = environment(compose["services"][name])[f"CLEARWAY_{name.upper()}_DATA_DIR"]
    mounts = [m.split(":") for m in compose["services"][name]["volumes"]]
    named = [source for source, target, *_ in mounts if target == data_dir]
    assert named and named[0] in compose["volumes"]


@pytest.mark.parametrize("name", sorted(set(PORTS) - SCALED))
def test_each_unscaled_service_publishes_its_http_port(compose: dict, name: str) -> None:
    assert f"{PORTS[name]}:{PORTS[name]}" in compose["services"][name]["ports"]


def test_eligibility_can_be_scaled_so_it_has_no_container_name_and_no_fixed_host_port(
    compose: dict,
) -> None:
    service = compose["services"]["eligibility"]
    assert "container_name" not in service
    for port in service.get("ports", []):
        assert ":" not in str(port), f"fixed host port {port} breaks --scale"
    assert str(PORTS["eligibility"]) in [str(p) for p in service.get("expose", [])]


def test_no_two_services_publish_the_same_host_port(compose: dict) -> None:
    published = [
        str(port).rsplit(":", 1)[0]
        for service in compose["services"].values()
        for port in service.get("ports", [])
        if ":" in str(port)
    ]
    assert len(published) == len(set(published))


def test_kafka_runs_in_kraft_mode_as_a_single_broker_and_controller(compose: dict) -> None:
    kafka = compose["services"]["kafka"]
    assert re.fullmatch(r"apache/kafka:\d+\.\d+\.\d+", kafka["image"])
    env = environment(kafka)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert "KAFKA_ZOOKEEPER_CONNECT" not in env
    for key in (
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR",
    ):
        assert env[key] == "1", key
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert "kafka-broker-api-versions.sh" in " ".join(kafka["healthcheck"]["test"])


def test_topics_are_provisioned_once_from_the_ingest_image_after_kafka_is_healthy(
    compose: dict,
) -> None:
    topics = compose["services"]["topics"]
    assert topics["build"]["dockerfile"] == "services/ingest/Dockerfile"
    assert topics["image"] == compose["services"]["ingest"]["image"]
    command = topics["command"]
    assert (command.split() if isinstance(command, str) else command) == [
        "clearway-topics",
        "provision",
    ]
    assert topics["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert topics.get("restart", "no") == "no"


def test_postgres_is_pinned_checks_readiness_and_creates_one_database_per_service(
    compose: dict,
) -> None:
    postgres = compose["services"]["postgres"]
    assert re.fullmatch(r"postgres:16\.\d+-alpine", postgres["image"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    init = [v for v in postgres["volumes"] if "docker-entrypoint-initdb.d" in v]
    assert init and init[0].split(":")[0] == "./deploy/postgres-init.sql"
    sql = (ROOT / "deploy" / "postgres-init.sql").read_text(encoding="utf-8")
    created = set(re.findall(r"CREATE DATABASE (\w+)", sql))
    assert created == set(SERVICES)


def test_notify_sends_mail_to_the_pinned_mailpit_sink(compose: dict) -> None:
    assert re.fullmatch(r"axllent/mailpit:v\d+\.\d+\.\d+", compose["services"]["mailpit"]["image"])
    env = environment(compose["services"]["notify"])
    assert env["CLEARWAY_NOTIFY_SMTP_HOST"] == "mailpit"
    assert env["CLEARWAY_NOTIFY_SMTP_PORT"] == "1025"
    for key in ("CLEARWAY_NOTIFY_SMTP_STARTTLS", "CLEARWAY_NOTIFY_SMTP_SENDER"):
        assert key in env


def test_every_image_is_pinned_to_a_version(compose: dict) -> None:
    for name, service in compose["services"].items():
        image = service.get("image", "")
        if "build" not in service:
            tag = image.rpartition(":")[2]
            assert ":" in image and tag != "latest" and re.search(r"\d", tag), name


def test_docker_compose_accepts_the_file() -> None:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed (Debian package docker-compose)")
    result = subprocess.run(
        [binary, "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr or result.stdout
