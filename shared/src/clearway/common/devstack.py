"""The embedded stack on one machine: broker, topics, a local SMTP sink and the four
services as separate OS processes. Used by `make run`, the end-to-end tests, the
benchmark and the chaos suite, so they all start the system the same way."""
from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from clearway.common.broker import EmbeddedBroker, free_port, wait_for_port
from clearway.common.topics import provision_topics

SERVICES = ("ingest", "eligibility", "filing", "notify")


def console_script(name: str) -> str:
    """A console script installed beside the running interpreter (the project's venv)."""
    candidate = Path(sys.executable).parent / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} is not installed: run `make install`")
    return found


def dev_api_key() -> str:
    return f"cw_dev{secrets.token_hex(3)}_{secrets.token_urlsafe(24)}"


def _service_of(health: httpx.Response) -> object:
    """The service a /healthz answer names (`{"status": "ok", "service": ...}`)."""
    try:
        body = health.json()
    except ValueError:
        return None
    return body.get("service") if isinstance(body, dict) else None


def lower_priority(nice: int) -> None:
    """Run this (new-session) process at `nice` relative to the other services.

    With the kernel's autogroup scheduling, each session is its own scheduling group and a
    process's nice value only ranks it inside that group, so a plain `os.nice` would not
    yield CPU to the other services; the group's own nice value does."""
    os.nice(nice)
    with contextlib.suppress(OSError):  # no autogroup support: os.nice is all there is
        Path("/proc/self/autogroup").write_text(str(nice))


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    nice: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with open(self.log_path, "ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                [console_script(f"clearway-{self.name}"), "serve"],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=(lambda: lower_priority(self.nice)) if self.nice else None,
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.kill()
            self.process.wait(10)

    def terminate(self, timeout: float = 20.0) -> int | None:
        if not self.alive():
            return self.process.returncode if self.process else None
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(10)

    def wait_healthy(self, timeout: float = 60.0) -> None:
        """Until /healthz on the port answers as this service: another process answering
        there (this one could not bind the port) is an error, not health."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited; see {self.log_path}")
            try:
                answer = httpx.get(f"{self.url}/healthz", timeout=1)
            except httpx.HTTPError:
                answer = None
            if answer is not None and answer.status_code == 200:
                service = _service_of(answer)
                if service == self.name:
                    return
                raise RuntimeError(f"{self.name} is not the one answering on port {self.port} "
                                   f"(/healthz answers as {service!r}); see {self.log_path}")
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} not healthy within {timeout:.0f}s; see {self.log_path}")

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited; see {self.log_path}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=6).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready within {timeout:.0f}s; see {self.log_path}")


@dataclass
class Stack:
    workdir: Path
    bootstrap_servers: str | None = None
    partitions: int = 12
    database_urls: dict[str, str] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    nice: dict[str, int] = field(default_factory=dict)
    api_key: str = field(default_factory=dev_api_key)
    broker: EmbeddedBroker | None = None
    smtp_port: int = 0
    smtp_process: subprocess.Popen[bytes] | None = None
    services: dict[str, list[ServiceProcess]] = field(default_factory=dict)

    @property
    def maildir(self) -> Path:
        return self.workdir / "mail"

    @property
    def letters_dir(self) -> Path:
        return self.workdir / "letters"

    def start_broker(self) -> str:
        if self.bootstrap_servers is None:
            self.broker = EmbeddedBroker(log_path=self.workdir / "broker.log").start()
            self.bootstrap_servers = self.broker.bootstrap_servers
        provision_topics(self.bootstrap_servers, self.partitions)
        return self.bootstrap_servers

    def start_smtp_sink(self) -> None:
        """aiosmtpd writing every message into a Maildir: a real SMTP server."""
        self.smtp_port = free_port()
        for part in ("tmp", "new", "cur"):  # a Maildir, as aiosmtpd's Mailbox handler writes
            (self.maildir / part).mkdir(parents=True, exist_ok=True)
        with open(self.workdir / "smtp.log", "ab") as log:
            self.smtp_process = subprocess.Popen(
                [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.smtp_port}",
                 "-c", "aiosmtpd.handlers.Mailbox", str(self.maildir)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        wait_for_port("127.0.0.1", self.smtp_port)

    def env_for(self, name: str, port: int, instance: int = 0) -> dict[str, str]:
        prefix = f"CLEARWAY_{name.upper()}_"
        env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers or "",
            "CLEARWAY_TOPIC_PARTITIONS": str(self.partitions),
            "CLEARWAY_BOOTSTRAP_API_KEY": self.api_key,
            # One key authority for the stack: a key made once works on every service.
            "CLEARWAY_KEYS_DATABASE_URL": f"sqlite:///{self.workdir / 'keys.db'}",
            prefix + "DATA_DIR": str(self.workdir / name),
            prefix + "HTTP_PORT": str(port),
            prefix + "LOG_LEVEL": "INFO",
        }
        if name in self.database_urls:
            env[prefix + "DATABASE_URL"] = self.database_urls[name]
        if name == "notify":
            env.update({
                "CLEARWAY_NOTIFY_SMTP_HOST": "127.0.0.1",
                "CLEARWAY_NOTIFY_SMTP_PORT": str(self.smtp_port),
                "CLEARWAY_NOTIFY_LETTERS_DIR": str(self.letters_dir),
            })
        if name == "filing":
            env["CLEARWAY_FILING_DOCUMENTS_DIR"] = str(self.workdir / "documents")
        env.update(self.extra_env)
        return env

    def start_service(self, name: str, instance: int | None = None) -> ServiceProcess:
        instances = self.services.setdefault(name, [])
        port = free_port()
        number = len(instances) if instance is None else instance
        proc = ServiceProcess(name, port, self.env_for(name, port, number),
                              self.workdir / f"{name}-{number}.log", nice=self.nice.get(name, 0))
        proc.start()
        if instance is None:
            instances.append(proc)
        else:
            instances[instance] = proc
        return proc

    def restart_service(self, name: str, instance: int = 0, kill: bool = True) -> ServiceProcess:
        old = self.services[name][instance]
        old.kill() if kill else old.terminate()
        proc = ServiceProcess(name, free_port(), {}, old.log_path, nice=old.nice)
        proc.env = self.env_for(name, proc.port, instance)
        proc.start()
        self.services[name][instance] = proc
        return proc

    def start(self, scale: dict[str, int] | None = None, wait_ready: bool = True) -> Stack:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.start_broker()
        self.start_smtp_sink()
        for name in SERVICES:
            for _ in range((scale or {}).get(name, 1)):
                self.start_service(name)
        for procs in self.services.values():
            for proc in procs:
                proc.wait_healthy()
        if wait_ready:
            for procs in self.services.values():
                for proc in procs:
                    proc.wait_ready()
        return self

    def url(self, name: str) -> str:
        return self.services[name][0].url

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def notify_backlog(self, limit: int = 1000) -> dict[str, int]:
        """Deliveries not settled yet and notices not planned yet, from notify's work lists
        (each count stops at `limit`)."""
        out = {}
        with httpx.Client(base_url=self.url("notify"), headers=self.headers(),
                          timeout=10) as client:
            for status in ("pending", "sending", "retrying"):
                answer = client.get("/v1/deliveries", params={"status": status, "limit": limit})
                out[status] = len(answer.raise_for_status().json()["deliveries"])
            answer = client.get("/v1/notices", params={"state": "pending", "limit": limit})
            out["notices_pending"] = len(answer.raise_for_status().json()["notices"])
        return out

    def stop(self) -> None:
        for procs in self.services.values():
            for proc in procs:
                if proc.alive():  # signal all first, so they shut down in parallel
                    assert proc.process is not None
                    proc.process.send_signal(signal.SIGTERM)
        for procs in self.services.values():
            for proc in procs:
                proc.terminate()
        if self.smtp_process and self.smtp_process.poll() is None:
            self.smtp_process.terminate()
            self.smtp_process.wait(10)
        if self.broker:
            self.broker.stop()

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
