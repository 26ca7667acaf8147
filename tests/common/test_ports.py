"""Devstack ports (docs/reliability.md section 7, item 3): `free_port` never hands out a
port twice in a process, and waiting for a service's health fails when another service
answers on its port instead of passing."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from clearway.common import broker
from clearway.common.broker import BrokerError, free_port
from clearway.common.devstack import ServiceProcess


class OfferingSocket:
    """A socket whose bind to port 0 gets the next of `offers`, as the OS might."""

    def __init__(self, offers: Iterator[int]) -> None:
        self.offers = offers
        self.port = 0

    def __enter__(self) -> OfferingSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def bind(self, address: tuple[str, int]) -> None:
        self.port = next(self.offers)

    def getsockname(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)


def offering(monkeypatch: pytest.MonkeyPatch, *ports: int) -> None:
    offers = iter(ports)
    monkeypatch.setattr(broker.socket, "socket", lambda: OfferingSocket(offers))


def test_free_port_hands_out_a_different_port_on_every_call() -> None:
    ports = [free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)


def test_free_port_passes_over_a_port_it_handed_out_before_when_the_os_offers_it_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(broker, "_handed_out", set())
    offering(monkeypatch, 40001, 40001, 40001, 40002)
    assert [free_port(), free_port()] == [40001, 40002]


def test_free_port_gives_up_when_the_os_only_offers_ports_it_handed_out(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(broker, "_handed_out", {40001})
    offering(monkeypatch, *[40001] * 100)
    with pytest.raises(BrokerError):
        free_port()


@pytest.fixture
def health_answering_as() -> Iterator[Any]:
    """Starts an HTTP server whose /healthz answers as the given service; gives its port."""
    servers: list[ThreadingHTTPServer] = []

    def start(service: str) -> int:
        body = orjson.dumps({"status": "ok", "service": service})

        class Health(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                self.send_response(200 if self.path == "/healthz" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return int(server.server_address[1])

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def running(name: str, port: int, tmp_path: Path) -> ServiceProcess:
    """A ServiceProcess whose process counts as alive (none is started)."""
    proc = ServiceProcess(name, port, {}, tmp_path / f"{name}.log")
    proc.process = SimpleNamespace(poll=lambda: None)  # type: ignore[assignment]
    return proc


def test_waiting_for_health_passes_when_the_service_itself_answers(
        health_answering_as: Any, tmp_path: Path) -> None:
    running("filing", health_answering_as("filing"), tmp_path).wait_healthy(timeout=10)


def test_waiting_for_health_fails_when_another_service_answers_on_the_port(
        health_answering_as: Any, tmp_path: Path) -> None:
    proc = running("filing", health_answering_as("eligibility"), tmp_path)
    with pytest.raises(RuntimeError, match="answers as 'eligibility'"):
        proc.wait_healthy(timeout=10)
