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
KEY_FILE = "/run/clearway/bootstrap-api-key"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


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


def interpolated(text: str) -> str:
    """`text` as compose reads it with no variable set: `${VAR:-default}` and
    `${VAR-default}` give their default, `${VAR}` and `$VAR` nothing."""
    text = re.sub(r"\$\{\w+:?-([^}]*)\}", r"\1", text)
    return re.sub(r"\$\{\w+\}|\$\w+", "", text)


def published(port: object) -> tuple[str | None, str | None, str]:
    """(host address, host port, container port) of a published port, short syntax
    (`[address:][host port:]container port`) or long; None where it is left out."""
    if isinstance(port, dict):
        host = port.get("published")
        return port.get("host_ip"), str(host) if host else None, str(port["target"])
    parts = interpolated(str(port)).split(":")
    if len(parts) == 1:
        return None, None, parts[0]
    if len(parts) == 2:
        return None, parts[0] or None, parts[1]
    return ":".join(parts[:-2]) or None, parts[-2] or None, parts[-1]


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
    assert env["CLEARWAY_BOOTSTRAP_API_KEY_FILE"] == KEY_FILE
    assert "CLEARWAY_BOOTSTRAP_API_KEY" not in env  # the key is in the file, never here


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_keeps_its_data_dir_in_a_named_volume(compose: dict, name: str) -> None:
    data_dir = environment(compose["services"][name])[f"CLEARWAY_{name.upper()}_DATA_DIR"]
    mounts = [m.split(":") for m in compose["services"][name]["volumes"]]
    named = [source for source, target, *_ in mounts if target == data_dir]
    assert named and named[0] in compose["volumes"]


@pytest.mark.parametrize("name", sorted(set(PORTS) - SCALED))
def test_each_unscaled_service_publishes_its_http_port(compose: dict, name: str) -> None:
    ports = [published(p)[1:] for p in compose["services"][name]["ports"]]
    assert (str(PORTS[name]), str(PORTS[name])) in ports


def test_eligibility_can_be_scaled_so_it_has_no_container_name_and_no_fixed_host_port(
    compose: dict,
) -> None:
    service = compose["services"]["eligibility"]
    assert "container_name" not in service
    for port in service.get("ports", []):
        _, host_port, container_port = published(port)
        assert host_port is None, f"fixed host port {port} breaks --scale"
        assert container_port == str(PORTS["eligibility"])
    assert str(PORTS["eligibility"]) in [str(p) for p in service.get("expose", [])]


def test_no_two_services_publish_the_same_host_port(compose: dict) -> None:
    fixed = [
        host_port
        for service in compose["services"].values()
        for port in service.get("ports", [])
        if (host_port := published(port)[1]) is not None
    ]
    assert len(fixed) == len(set(fixed))


def test_no_port_is_published_on_every_interface_unless_the_operator_says_so(
    compose: dict,
) -> None:
    """Issue #19: with no variable set, every published port is on the loopback address
    (a port without an address, or on 0.0.0.0, is open on every interface)."""
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            address = published(port)[0]
            assert address in LOOPBACK, f"{name} publishes {port} on {address or 'every'} interface"


@pytest.mark.parametrize("name", SERVICES)
def test_each_api_is_published_on_the_address_clearway_bind_names(compose: dict, name: str) -> None:
    for port in compose["services"][name]["ports"]:
        assert str(port).startswith("${CLEARWAY_BIND:-127.0.0.1}:"), port


def test_no_admin_api_key_is_written_in_the_compose_file() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    assert not re.search(r"cw_[A-Za-z0-9]+_[A-Za-z0-9_-]{4,}", text), "a literal API key"
    defaults = re.findall(r"\$\{(\w*KEY\w*):?-([^}]*)\}", text)
    assert all(default == "" for _, default in defaults), defaults


def test_the_admin_key_is_made_once_before_the_services_start_and_read_from_a_file(
    compose: dict,
) -> None:
    init = compose["services"]["bootstrap-key"]
    assert init["image"] == compose["services"]["ingest"]["image"]
    assert init.get("restart", "no") == "no"
    command = init["command"]
    assert command[:4] == ["python", "-m", "clearway.common.bootstrap_key", "init"]
    assert command[4] == KEY_FILE
    assert command[command.index("--owner") + 1] == "10001:10001"  # the images' user
    assert environment(init)["CLEARWAY_BOOTSTRAP_API_KEY"] == "${CLEARWAY_BOOTSTRAP_API_KEY:-}"
    (volume, target) = init["volumes"][0].split(":")
    assert volume in compose["volumes"] and target == KEY_FILE.rsplit("/", 1)[0]
    for name in SERVICES:
        service = compose["services"][name]
        assert service["depends_on"]["bootstrap-key"]["condition"] == (
            "service_completed_successfully")
        assert f"{volume}:{target}:ro" in service["volumes"]
        assert environment(service)["CLEARWAY_BOOTSTRAP_API_KEY_FILE"] == KEY_FILE


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
    assert "SASL_SSL://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
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
    """One database per service, and `keys`: the key authority they all share."""
    postgres = compose["services"]["postgres"]
    assert re.fullmatch(r"postgres:16\.\d+-alpine", postgres["image"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    init = [v for v in postgres["volumes"] if "docker-entrypoint-initdb.d" in v]
    assert init and init[0].split(":")[0] == "./deploy/postgres-init.sql"
    sql = (ROOT / "deploy" / "postgres-init.sql").read_text(encoding="utf-8")
    created = set(re.findall(r"CREATE DATABASE (\w+)", sql))
    assert created == {*SERVICES, "keys"}
    for name in SERVICES:
        assert environment(compose["services"][name])["CLEARWAY_KEYS_DATABASE_URL"].endswith(
            "@postgres:5432/keys")


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


# --- Kafka security (issue #19, docs/security.md) -------------------------------------------

KAFKA_DIR = ROOT / "deploy" / "kafka"
CONSUMES = {"ingest": set(), "eligibility": {"court.records.v1"},
            "filing": {"court.records.v1", "eligibility.decisions.v1"},
            "notify": {"court.records.v1", "eligibility.decisions.v1"}}
KAFKA_CLIENTS = [*SERVICES, "topics"]


def acl_rules() -> list[tuple[str, set[str], str, str]]:
    """(principal, operations, resource type, name) of deploy/kafka/acls.conf."""
    rules = []
    for line in (KAFKA_DIR / "acls.conf").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            principal, operations, kind, name = line.split()
            rules.append((principal, set(operations.split(",")), kind, name))
    return rules


def allowed(principal: str, operation: str, kind: str = "topic") -> set[str]:
    return {name for p, ops, k, name in acl_rules()
            if p == principal and operation in ops and k == kind}


def protocols(env: dict[str, str]) -> dict[str, str]:
    return dict(pair.split(":") for pair in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))


def test_every_kafka_listener_a_client_can_reach_is_sasl_ssl(compose: dict) -> None:
    env = environment(compose["services"]["kafka"])
    names = protocols(env)
    advertised = [entry.split("://")[0] for entry in env["KAFKA_ADVERTISED_LISTENERS"].split(",")]
    assert advertised and all(names[name] == "SASL_SSL" for name in advertised)
    listeners = [entry.split("://")[0] for entry in env["KAFKA_LISTENERS"].split(",")]
    assert set(listeners) == set(advertised) | {env["KAFKA_CONTROLLER_LISTENER_NAMES"]}
    assert names[env["KAFKA_CONTROLLER_LISTENER_NAMES"]].startswith("SASL_")  # authenticated
    assert "PLAINTEXT" not in names.values()
    assert "SCRAM-SHA-512" in env["KAFKA_SASL_ENABLED_MECHANISMS"].split(",")
    assert names[env["KAFKA_INTER_BROKER_LISTENER_NAME"]] == "SASL_SSL"


def test_kafka_denies_what_no_acl_allows_and_admin_is_the_only_super_user(compose: dict) -> None:
    env = environment(compose["services"]["kafka"])
    assert env["KAFKA_AUTHORIZER_CLASS_NAME"] == (
        "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
    assert env["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
    assert env["KAFKA_SUPER_USERS"] == "User:admin"


def test_the_kafka_secrets_are_made_by_a_one_shot_step_before_kafka_starts(compose: dict) -> None:
    init = compose["services"]["kafka-secrets"]
    assert init.get("restart") == "no"
    assert "secrets.sh" in " ".join(init["entrypoint"])
    assert compose["services"]["kafka"]["depends_on"]["kafka-secrets"]["condition"] == (
        "service_completed_successfully")
    assert "kafka-secrets:/etc/kafka/secrets:ro" in compose["services"]["kafka"]["volumes"]
    mounted = {v.split(":")[0] for v in init["volumes"]}
    assert {f"kafka-client-{name}" for name in KAFKA_CLIENTS} | {"kafka-secrets"} <= mounted
    script = (KAFKA_DIR / "secrets.sh").read_text(encoding="utf-8")
    assert "/dev/urandom" in script and 'if [ ! -f "$D/ready" ]' in script  # made once
    assert "echo \"$" not in script  # no secret is printed


def test_the_credentials_and_acls_are_applied_by_a_one_shot_step_before_any_client(
        compose: dict) -> None:
    setup = compose["services"]["kafka-setup"]
    assert setup.get("restart") == "no"
    assert "setup.sh" in " ".join(setup["entrypoint"])
    assert setup["depends_on"]["kafka"]["condition"] == "service_healthy"
    for name in KAFKA_CLIENTS:
        assert compose["services"][name]["depends_on"]["kafka-setup"]["condition"] == (
            "service_completed_successfully"), name
    script = (KAFKA_DIR / "setup.sh").read_text(encoding="utf-8")
    assert "acls.conf" in script and "SCRAM-SHA-512" in script


@pytest.mark.parametrize("name", KAFKA_CLIENTS)
def test_each_kafka_client_connects_with_sasl_ssl_as_its_own_principal(
        compose: dict, name: str) -> None:
    service = compose["services"][name]
    env = environment(service)
    assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert env["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert env["KAFKA_SASL_USERNAME"] == f"clearway-{name}"
    assert env["KAFKA_SSL_CAFILE"] == "/run/kafka/ca.pem"
    assert env["KAFKA_SASL_PASSWORD_FILE"] == "/run/kafka/password"
    assert "KAFKA_SASL_PASSWORD" not in env  # the password is in the file, never here
    assert f"kafka-client-{name}:/run/kafka:ro" in service["volumes"]
    others = {f"kafka-client-{n}" for n in KAFKA_CLIENTS if n != name} | {"kafka-secrets"}
    assert not {v.split(":")[0] for v in service["volumes"]} & others  # nobody else's


def test_the_compose_file_holds_no_kafka_password() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    assert not re.search(r"(?i)(password|passwd)\s*[:=]\s*\S", text.replace(
        "KAFKA_SASL_PASSWORD_FILE: /run/kafka/password", "").replace(
        "POSTGRES_PASSWORD: clearway", ""))


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_may_write_only_its_own_topic_and_the_dead_letters_of_what_it_reads(
        name: str) -> None:
    from clearway.common.topics import WRITERS

    own = {topic for topic, source in WRITERS.items() if source == f"clearway/{name}"}
    assert len(own) == 1
    assert allowed(f"clearway-{name}", "Write") == own | {f"{t}.dlq" for t in CONSUMES[name]}


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_may_read_what_it_consumes_its_own_topic_and_its_group_only(
        name: str) -> None:
    from clearway.common.topics import WRITERS

    own = {topic for topic, source in WRITERS.items() if source == f"clearway/{name}"}
    assert allowed(f"clearway-{name}", "Read") == CONSUMES[name] | own
    expected_groups = {f"clearway-{name}"} if CONSUMES[name] else set()
    assert allowed(f"clearway-{name}", "Read", "group") == expected_groups


def test_no_principal_but_the_topics_step_may_create_and_nobody_may_alter_or_delete() -> None:
    from clearway.common.topics import ALL_TOPICS

    assert allowed("clearway-topics", "Create") == set(ALL_TOPICS)
    assert allowed("clearway-topics", "Write") == allowed("clearway-topics", "Read") == set()
    for principal, operations, _, _ in acl_rules():
        assert principal == "clearway-topics" or "Create" not in operations
        assert not operations & {"All", "Alter", "AlterConfigs", "Delete", "ClusterAction"}
    for name in KAFKA_CLIENTS:  # the readiness check lists every contract topic
        assert allowed(f"clearway-{name}", "Describe") == set(ALL_TOPICS), name
