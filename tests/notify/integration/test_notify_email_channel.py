"""The e-mail adapter against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import email
import email.policy
import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import pytest
from aiosmtpd.controller import Controller

from clearway.notify.adapters.base import Channel, DeliveryError, Recipient
from clearway.notify.adapters.email import (
    DEDUPE_HEADER,
    EmailChannel,
    SmtpSettings,
    message_id_for,
)
from clearway.notify.domain.notices import NoticeFacts, render_notice
from tests.notify.offices import LA_OFFICE, NEVER_ASK

SENDER = "Clearway <notices@clearway.example>"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Mailbox:
    """An SMTP handler that stores what it accepts and can be told to refuse."""

    data_replies: list[str] = field(default_factory=list)  # answered to DATA, in order
    rcpt_reply: str | None = None
    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    data_attempts: int = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.data_attempts += 1
        if self.data_replies:
            return self.data_replies.pop(0)
        self.received.append(
            (envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        return "250 2.0.0 Message accepted"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    handler = Mailbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def channel(port: int) -> EmailChannel:
    return EmailChannel(
        SmtpSettings(host="127.0.0.1", port=port, starttls=False, sender=SENDER, timeout=5)
    )


def recipient(**changes) -> Recipient:
    values = dict(
        subject_id="CII-0001",
        first_name="María",
        last_name="López",
        email="maria.lopez@example.org",
        phone=None,
        postal_address=None,
    )
    values.update(changes)
    return Recipient(**values)


def notice(language: str = "es", kind: str = "relief_granted", office=LA_OFFICE):
    return render_notice(
        NoticeFacts(
            kind=kind,  # type: ignore[arg-type]
            first_name="María",
            court="CA-LA",
            court_name="Superior Court of California, County of Los Angeles",
            case_number="BA123456",
            reliefs=("dismiss_and_seal",),
            language=language,
            office=office,
        )
    )


def test_the_email_adapter_is_a_channel():
    assert isinstance(channel(25), Channel)
    assert channel(25).name == "email"


@pytest.mark.asyncio
async def test_a_spanish_speaker_receives_the_email_in_spanish_as_text_and_html(mailbox):
    handler, port = mailbox
    message_id = await channel(port).send(recipient(), notice("es-MX"), "decision-42.v1.email")

    assert len(handler.received) == 1
    mail_from, rcpt_tos, raw = handler.received[0]
    assert mail_from == "notices@clearway.example"
    assert rcpt_tos == ["maria.lopez@example.org"]

    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == "Buenas noticias sobre su caso de cannabis BA123456"
    assert message["Content-Language"] == "es"
    assert message["Message-ID"] == message_id == message_id_for("decision-42.v1.email", SENDER)
    assert message[DEDUPE_HEADER] == "decision-42.v1.email"
    assert message["Auto-Submitted"] == "auto-generated"

    parts = {part.get_content_type(): part for part in message.iter_parts()}
    assert set(parts) == {"text/plain", "text/html"}
    text = parts["text/plain"].get_content()
    html = parts["text/html"].get_content()
    for body in (text, html):
        assert "Hola, María:" in body
        assert "Se está limpiando su condena por cannabis (marihuana)." in body
        assert "Usted no tiene que hacer nada." in body
        assert "BA123456" in body
    assert '<html lang="es">' in html


@pytest.mark.asyncio
async def test_a_resend_with_the_same_dedupe_key_carries_the_same_message_id(mailbox):
    handler, port = mailbox
    first = await channel(port).send(recipient(), notice(), "decision-42.v1.email")
    second = await channel(port).send(recipient(), notice(), "decision-42.v1.email")
    other = await channel(port).send(recipient(), notice(), "decision-43.v1.email")
    assert first == second != other
    ids = [email.message_from_bytes(raw)["Message-ID"] for _, _, raw in handler.received]
    assert ids == [first, first, other]


@pytest.mark.asyncio
async def test_a_server_that_answers_451_twice_gives_two_transient_errors_then_accepts(mailbox):
    handler, port = mailbox
    handler.data_replies = ["451 4.3.0 Try again later", "451 4.3.0 Try again later"]
    adapter = channel(port)

    for _ in range(2):
        with pytest.raises(DeliveryError) as caught:
            await adapter.send(recipient(), notice(), "decision-42.v1.email")
        assert caught.value.permanent is False
        assert caught.value.code == 451

    message_id = await adapter.send(recipient(), notice(), "decision-42.v1.email")
    assert handler.data_attempts == 3
    assert len(handler.received) == 1
    assert email.message_from_bytes(handler.received[0][2])["Message-ID"] == message_id


@pytest.mark.asyncio
async def test_a_5xx_reply_is_a_permanent_error(mailbox):
    handler, port = mailbox
    handler.data_replies = ["554 5.6.0 Message rejected"]
    with pytest.raises(DeliveryError) as caught:
        await channel(port).send(recipient(), notice(), "k1")
    assert caught.value.permanent is True
    assert caught.value.code == 554


@pytest.mark.asyncio
async def test_a_refused_recipient_address_is_a_permanent_error(mailbox):
    handler, port = mailbox
    handler.rcpt_reply = "550 5.1.1 No such user"
    with pytest.raises(DeliveryError) as caught:
        await channel(port).send(recipient(), notice(), "k1")
    assert caught.value.permanent is True
    assert handler.received == []


@pytest.mark.asyncio
async def test_a_temporarily_refused_recipient_is_a_transient_error(mailbox):
    handler, port = mailbox
    handler.rcpt_reply = "450 4.2.1 Mailbox busy"
    with pytest.raises(DeliveryError) as caught:
        await channel(port).send(recipient(), notice(), "k1")
    assert caught.value.permanent is False


@pytest.mark.asyncio
async def test_a_server_that_is_not_listening_is_a_transient_error():
    with pytest.raises(DeliveryError) as caught:
        await channel(free_port()).send(recipient(), notice(), "k1")
    assert caught.value.permanent is False


@pytest.mark.asyncio
async def test_a_server_that_never_answers_is_a_transient_timeout():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        adapter = EmailChannel(
            SmtpSettings(
                host="127.0.0.1", port=silent.getsockname()[1], starttls=False, timeout=0.5
            )
        )
        with pytest.raises(DeliveryError) as caught:
            await adapter.send(recipient(), notice(), "k1")
    assert caught.value.permanent is False


@pytest.mark.asyncio
async def test_a_recipient_without_an_email_address_is_a_permanent_error():
    with pytest.raises(DeliveryError) as caught:
        await channel(free_port()).send(recipient(email=None), notice(), "k1")
    assert caught.value.permanent is True


@pytest.mark.asyncio
async def test_errors_and_log_lines_hold_no_personal_data(mailbox, caplog):
    handler, port = mailbox
    handler.rcpt_reply = "550 5.1.1 No such user maria.lopez@example.org"
    caplog.set_level(logging.DEBUG, logger="clearway")
    with pytest.raises(DeliveryError) as caught:
        await channel(port).send(recipient(), notice(), "k1")
    logged = " ".join(
        [r.getMessage() for r in caplog.records] + [str(vars(r)) for r in caplog.records]
    )
    for personal in ("maria.lopez@example.org", "María", "López", "CII-0001"):
        assert personal not in str(caught.value)
        assert personal not in logged
    assert "maria" not in repr(recipient()).lower()


@pytest.mark.asyncio
async def test_the_before_data_hook_runs_once_the_server_awaits_the_content_and_not_before(
    mailbox,
):
    handler, port = mailbox
    seen = []

    async def before_data():
        seen.append((handler.data_attempts, len(handler.received)))

    message_id = await channel(port).send(recipient(), notice(), "k1", before_data=before_data)
    assert seen == [(0, 0)]  # called once, while the server has nothing yet
    assert len(handler.received) == 1
    assert email.message_from_bytes(handler.received[0][2])["Message-ID"] == message_id


@pytest.mark.asyncio
async def test_a_failing_before_data_hook_aborts_the_send_with_nothing_delivered(mailbox):
    handler, port = mailbox

    async def before_data():
        raise DeliveryError("store unavailable", permanent=False)

    with pytest.raises(DeliveryError) as caught:
        await channel(port).send(recipient(), notice(), "k1", before_data=before_data)
    assert str(caught.value) == "store unavailable"
    assert handler.received == [] and handler.data_attempts == 0
    await channel(port).send(recipient(), notice(), "k1")  # the server is fine afterwards
    assert len(handler.received) == 1


@pytest.mark.asyncio
async def test_a_refused_recipient_never_reaches_the_before_data_hook(mailbox):
    handler, port = mailbox
    handler.rcpt_reply = "550 5.1.1 No such user"
    called = []

    async def before_data():
        called.append(True)

    with pytest.raises(DeliveryError) as caught:
        await channel(port).send(recipient(), notice(), "k1", before_data=before_data)
    assert caught.value.permanent is True and called == []


@pytest.mark.parametrize("language", ["en", "es", "hy", "ko", "tl", "vi", "zh"])
@pytest.mark.asyncio
async def test_the_email_comes_from_the_office_and_says_how_to_check_it(mailbox, language):
    handler, port = mailbox
    await channel(port).send(recipient(), notice(language), "k1")
    mail_from, _, raw = handler.received[0]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["From"].addresses[0].display_name == LA_OFFICE.name
    assert message["From"].addresses[0].addr_spec == mail_from == "notices@clearway.example"
    assert message["Reply-To"] is None
    parts = {part.get_content_type(): part.get_content() for part in message.iter_parts()}
    for body in parts.values():
        body = body.replace("&#39;", "'")
        assert LA_OFFICE.name in body and LA_OFFICE.phone in body
        assert LA_OFFICE.website in body and LA_OFFICE.case_lookup_url in body
        assert NEVER_ASK[language] in body.casefold()
        assert "Clearway" not in body


@pytest.mark.asyncio
async def test_an_office_with_its_own_address_sends_from_it_with_its_reply_to(mailbox):
    handler, port = mailbox
    office = replace(LA_OFFICE, email_from="notices@da.lacounty.example",
                     reply_to="help@da.lacounty.example")
    message_id = await channel(port).send(recipient(), notice("en", office=office), "k1")
    mail_from, _, raw = handler.received[0]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert mail_from == "notices@da.lacounty.example"
    assert str(message["From"]) == (
        "Los Angeles County District Attorney's Office <notices@da.lacounty.example>")
    assert str(message["Reply-To"]) == "help@da.lacounty.example"
    # The Message-ID stays the service's, so a resend after an office change still matches.
    assert message_id == message_id_for("k1", SENDER)
