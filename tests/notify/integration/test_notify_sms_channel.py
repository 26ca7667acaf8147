"""The SMS adapter against a real HTTP server on 127.0.0.1 speaking the Twilio request shape."""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import httpx
import pytest

from clearway.notify.adapters.base import Channel, DeliveryError, Recipient
from clearway.notify.adapters.sms import SmsChannel, SmsSettings
from clearway.notify.domain.notices import NoticeFacts, render_notice
from clearway.notify.domain.sms import sms_segments
from tests.notify.offices import LA_OFFICE, NEVER_ASK

ACCOUNT = "AC0123456789abcdef0123456789abcdef"
TOKEN = "secret-token"


class FakeMessagesApi(ThreadingHTTPServer):
    """Answers each POST with the next scripted (status, json body); records the requests."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.replies: list[tuple[int, dict]] = []
        self.requests: list[dict] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeMessagesApi

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8")
        self.server.requests.append(
            {
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "form": {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()},
            }
        )
        status, answer = (
            self.server.replies.pop(0) if self.server.replies else (201, {"sid": "SM0001"})
        )
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:  # keep test output quiet
        pass


@pytest.fixture
def api() -> Iterator[FakeMessagesApi]:
    server = FakeMessagesApi()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def channel(base_url: str, client: httpx.AsyncClient | None = None) -> SmsChannel:
    settings = SmsSettings(
        account_sid=ACCOUNT,
        auth_token=TOKEN,
        from_number="+12135550100",
        base_url=base_url,
        timeout=5,
    )
    return SmsChannel(settings, client=client)


def recipient(phone: str | None = "+14155550123") -> Recipient:
    return Recipient(
        subject_id="CII-0001", first_name="Maria", last_name="Lopez", email=None, phone=phone
    )


def notice(language: str = "en", office=LA_OFFICE):
    return render_notice(
        NoticeFacts(
            kind="relief_granted",
            first_name="Maria",
            court="CA-LA",
            court_name="Superior Court of California, County of Los Angeles",
            case_number="BA123456",
            reliefs=("dismiss_and_seal",),
            language=language,
            office=office,
        )
    )


def test_the_sms_adapter_is_a_channel():
    assert isinstance(channel("http://x"), Channel)
    assert channel("http://x").name == "sms"


@pytest.mark.asyncio
async def test_the_api_receives_the_form_with_basic_auth_and_the_idempotency_key(api):
    api.replies = [(201, {"sid": "SMabc123", "status": "queued"})]
    sid = await channel(api.base_url).send(recipient(), notice("es"), "decision-42.v1.sms")

    assert sid == "SMabc123"
    assert len(api.requests) == 1
    request = api.requests[0]
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert request["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert request["headers"]["idempotency-key"] == "decision-42.v1.sms"
    scheme, _, credentials = request["headers"]["authorization"].partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(credentials).decode() == f"{ACCOUNT}:{TOKEN}"
    assert request["form"] == {
        "To": "+14155550123",
        "From": "+12135550100",
        "Body": notice("es").sms,
    }
    assert request["form"]["Body"].startswith("LA County DA: Su caso de cannabis BA123456")


@pytest.mark.asyncio
async def test_a_shared_http_client_can_be_passed_in(api):
    async with httpx.AsyncClient() as client:
        adapter = channel(api.base_url, client)
        assert await adapter.send(recipient(), notice(), "k1") == "SM0001"
        assert await adapter.send(recipient(), notice(), "k2") == "SM0001"
    assert [r["headers"]["idempotency-key"] for r in api.requests] == ["k1", "k2"]


@pytest.mark.asyncio
async def test_a_500_answer_is_a_transient_error(api):
    api.replies = [(500, {"message": "internal error"})]
    with pytest.raises(DeliveryError) as caught:
        await channel(api.base_url).send(recipient(), notice(), "k1")
    assert caught.value.permanent is False
    assert caught.value.code == 500


@pytest.mark.asyncio
async def test_a_429_answer_is_a_transient_error(api):
    api.replies = [(429, {"code": 20429, "message": "Too Many Requests"})]
    with pytest.raises(DeliveryError) as caught:
        await channel(api.base_url).send(recipient(), notice(), "k1")
    assert caught.value.permanent is False


@pytest.mark.asyncio
async def test_a_400_answer_is_a_permanent_error_carrying_the_provider_code(api):
    api.replies = [(400, {"code": 21211, "message": "The 'To' number is not valid."})]
    with pytest.raises(DeliveryError) as caught:
        await channel(api.base_url).send(recipient(), notice(), "k1")
    assert caught.value.permanent is True
    assert caught.value.code == 21211


@pytest.mark.asyncio
async def test_an_accepted_answer_without_a_sid_is_transient_so_the_same_key_is_retried(api):
    api.replies = [(201, {"status": "queued"})]
    with pytest.raises(DeliveryError) as caught:
        await channel(api.base_url).send(recipient(), notice(), "k1")
    assert caught.value.permanent is False


@pytest.mark.asyncio
async def test_an_unreachable_api_is_a_transient_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DeliveryError) as caught:
        await channel(f"http://127.0.0.1:{port}").send(recipient(), notice(), "k1")
    assert caught.value.permanent is False


@pytest.mark.asyncio
async def test_a_recipient_without_a_phone_number_is_a_permanent_error(api):
    with pytest.raises(DeliveryError) as caught:
        await channel(api.base_url).send(recipient(phone=None), notice(), "k1")
    assert caught.value.permanent is True
    assert api.requests == []


@pytest.mark.asyncio
async def test_errors_and_log_lines_hold_no_phone_number_and_no_message_text(api, caplog):
    api.replies = [(400, {"code": 21211, "message": "Invalid 'To' Phone Number: +14155550123"})]
    caplog.set_level(logging.DEBUG, logger="clearway")
    with pytest.raises(DeliveryError) as caught:
        await channel(api.base_url).send(recipient(), notice(), "k1")
    logged = " ".join(
        [r.getMessage() for r in caplog.records] + [str(vars(r)) for r in caplog.records]
    )
    for secret in ("+14155550123", "BA123456", TOKEN, "Maria"):
        assert secret not in str(caught.value)
        assert secret not in logged
    assert TOKEN not in repr(channel(api.base_url).settings)


@pytest.mark.parametrize("language", ["en", "es", "hy", "ko", "tl", "vi", "zh"])
@pytest.mark.asyncio
async def test_every_text_message_names_the_office_and_its_phone_and_asks_for_nothing(
        api, language):
    api.replies = [(201, {"sid": "SM1", "status": "queued"})]
    await channel(api.base_url).send(recipient(), notice(language), "k1")
    body = api.requests[0]["form"]["Body"]
    assert body.startswith(f"{LA_OFFICE.short_name}: ")
    assert LA_OFFICE.phone in body
    assert NEVER_ASK[language] in body.casefold()
    assert sms_segments(body) <= (1 if language in ("en", "es", "tl", "zh") else 2)
