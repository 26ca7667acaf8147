"""Real local servers for the notify tests: an SMTP server (aiosmtpd) and an HTTP receiver
shaped like Twilio's Messages API. Both run in threads of the test process and record
what they receive."""
from __future__ import annotations

import asyncio
import email
import email.policy
import json
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller

from clearway.common.broker import free_port


@dataclass
class Inbox:
    """An aiosmtpd handler. Per recipient it can refuse DATA with scripted replies first,
    or take the message and then never answer (the server has it; the client cannot
    know). `rcpt_delay` slows every message down before DATA."""

    received: list[tuple[list[str], bytes]] = field(default_factory=list)
    data_replies: dict[str, list[str]] = field(default_factory=dict)
    silent_after_data: set[str] = field(default_factory=set)
    rcpt_delay: float = 0.0
    silence_seconds: float = 5.0
    data_attempts: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.rcpt_delay:
            await asyncio.sleep(self.rcpt_delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        rcpt = envelope.rcpt_tos[0]
        with self.lock:
            self.data_attempts[rcpt] = self.data_attempts.get(rcpt, 0) + 1
            replies = self.data_replies.get(rcpt)
            if replies:
                return replies.pop(0)
            self.received.append((list(envelope.rcpt_tos), envelope.original_content))
        if rcpt in self.silent_after_data:
            await asyncio.sleep(self.silence_seconds)
        return "250 2.0.0 Message accepted"

    def messages_to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            raws = [raw for rcpts, raw in self.received if address in rcpts]
        return [email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[misc]
                for raw in raws]

    def recipients(self) -> list[str]:
        with self.lock:
            return [r for rcpts, _ in self.received for r in rcpts]

    def count(self) -> int:
        with self.lock:
            return len(self.received)


class SmtpServer:
    def __init__(self, inbox: Inbox | None = None) -> None:
        self.inbox = inbox or Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


class MessagesApi(ThreadingHTTPServer):
    """POST /2010-04-01/Accounts/<sid>/Messages.json -> 201 {"sid": ...}; records requests."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _MessagesHandler)
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> MessagesApi:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self.thread.join(timeout=5)

    def to(self, phone: str) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.requests if r["form"].get("To") == phone]


class _MessagesHandler(BaseHTTPRequestHandler):
    server: MessagesApi

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8")
        with self.server.lock:
            self.server.requests.append({
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "form": {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()},
            })
            number = len(self.server.requests)
        payload = json.dumps({"sid": f"SM{number:032d}", "status": "queued"}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.05):  # type: ignore[no-untyped-def]
    """The predicate's first truthy value, or AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout:.0f}s")
        time.sleep(interval)
