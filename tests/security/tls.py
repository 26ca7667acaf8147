"""TLS in front of the embedded broker, for the Kafka client security tests.

Tansu 0.6.0 (the embedded broker) has no working TLS listener: `--cert` or `--key` (they
may not be given together) is accepted with a tcp://, tls:// or ssl:// listener URL, and a
TLS client hello on its port is still read as a Kafka frame ("early eof"). So the tests
put Debian's stunnel4 in front of it, with a throwaway CA and certificates made here by
the openssl CLI, and start Tansu advertising the stunnel port:
clients connect to the address the broker returns in metadata, so every connection after
the bootstrap one goes through TLS as well (the broker's own port is never handed out).

stunnel4 and openssl are test requirements: `.ci/run` installs them. Missing, the tests
fail with a message saying so (they are not skipped).
"""
from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from clearway.common.broker import EmbeddedBroker, free_port, wait_for_port


def require(command: str, package: str) -> str:
    path = shutil.which(command)
    if path is None:
        pytest.fail(f"{command} is not installed: `apt-get install -y {package}` "
                    "(.ci/run installs it); the Kafka TLS tests need it", pytrace=False)
    return path


def stunnel_binary() -> str:
    return shutil.which("stunnel4") or require("stunnel", "stunnel4")


def _openssl(*args: str) -> None:
    subprocess.run([require("openssl", "openssl"), *args], check=True, capture_output=True,
                   timeout=60)


@dataclass(frozen=True)
class Pem:
    cert: Path
    key: Path


def make_ca(directory: Path, name: str) -> Pem:
    """A self-signed CA, valid for two days."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = Pem(directory / f"{name}.pem", directory / f"{name}.key")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
             "-subj", f"/CN={name}", "-keyout", str(ca.key), "-out", str(ca.cert),
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return ca


def issue(ca: Pem, directory: Path, name: str, *, dns: tuple[str, ...] = (),
          ips: tuple[str, ...] = (), client: bool = False) -> Pem:
    """A certificate signed by `ca` for the names given (subjectAltName)."""
    leaf = Pem(directory / f"{name}.pem", directory / f"{name}.key")
    csr = directory / f"{name}.csr"
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
             "-keyout", str(leaf.key), "-out", str(csr))
    names = [f"DNS:{d}" for d in dns] + [f"IP:{i}" for i in ips]
    lines = [f"extendedKeyUsage={'clientAuth' if client else 'serverAuth'}"]
    if names:
        lines.append("subjectAltName=" + ",".join(names))
    extensions = directory / f"{name}.ext"
    extensions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _openssl("x509", "-req", "-sha256", "-days", "2", "-in", str(csr), "-CA", str(ca.cert),
             "-CAkey", str(ca.key), "-CAcreateserial", "-out", str(leaf.cert),
             "-extfile", str(extensions))
    return leaf


@dataclass
class TlsBroker:
    """Tansu behind stunnel: `bootstrap_servers` speaks TLS only."""

    bootstrap_servers: str
    ca: Pem
    server: Pem
    broker: EmbeddedBroker
    log: Path


@contextlib.contextmanager
def tls_broker(directory: Path, *, server_dns: tuple[str, ...] = ("localhost",),
               server_ips: tuple[str, ...] = ("127.0.0.1",),
               client_ca: Pem | None = None) -> Iterator[TlsBroker]:
    """A broker reachable only over TLS on 127.0.0.1. `client_ca`: also require a client
    certificate signed by it (mutual TLS)."""
    binary = stunnel_binary()
    directory.mkdir(parents=True, exist_ok=True)
    ca = client_ca or make_ca(directory, "kafka-test-ca")
    server = issue(ca, directory, "kafka-server", dns=server_dns, ips=server_ips)
    tls_port = free_port()
    broker = EmbeddedBroker(advertised_port=tls_port, log_path=directory / "tansu.log")
    log = directory / "stunnel.log"
    config = directory / "stunnel.conf"
    lines = [
        "foreground = yes",
        "pid =",
        f"output = {log}",
        "debug = 5",
        "[kafka]",
        f"accept = 127.0.0.1:{tls_port}",
        f"connect = 127.0.0.1:{broker.port}",
        f"cert = {server.cert}",
        f"key = {server.key}",
        "sslVersionMin = TLSv1.2",
    ]
    if client_ca is not None:
        lines += [f"CAfile = {client_ca.cert}", "requireCert = yes", "verifyChain = yes"]
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    broker.start()
    stunnel = subprocess.Popen([binary, str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        try:
            wait_for_port("127.0.0.1", tls_port, timeout=20)
        except Exception:
            details = log.read_text(errors="replace") if log.exists() else "(no log)"
            raise AssertionError(f"stunnel did not listen on {tls_port}:\n{details}") from None
        yield TlsBroker(f"127.0.0.1:{tls_port}", ca, server, broker, log)
    finally:
        stunnel.terminate()
        try:
            stunnel.wait(10)
        except subprocess.TimeoutExpired:
            stunnel.kill()
            stunnel.wait(10)
        broker.stop()


def wait_for(what: str, check, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout:.0f}s")
