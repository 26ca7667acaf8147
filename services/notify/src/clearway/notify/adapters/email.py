"""E-mail channel: one multipart/alternative message (text + HTML) over SMTP.

The message comes from the notice's sending office: `From:` carries the office's name and
its `email_from` address (default: the address of `SmtpSettings.sender`), and `Reply-To:`
the office's `reply_to` when configured. The Message-ID depends only on the dedupe key and
`SmtpSettings.sender`, so it stays the same when an office's details change."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

import aiosmtplib
from aiosmtplib.protocol import PERIOD_REGEX, normalize_message_line_endings
from aiosmtplib.typing import Default, SMTPStatus

from clearway.notify.adapters.base import DeliveryError, Recipient
from clearway.notify.domain.notices import RenderedNotice

log = logging.getLogger(__name__)

DEDUPE_HEADER = "X-Clearway-Dedupe"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    starttls: bool | None = True  # None: STARTTLS when the server offers it
    username: str | None = None
    password: str | None = None
    sender: str = "Clearway <notices@clearway.invalid>"
    timeout: float = 30.0

    def __repr__(self) -> str:
        return (
            f"SmtpSettings(host={self.host!r}, port={self.port}, starttls={self.starttls}, "
            f"username={'<set>' if self.username else None}, password=<redacted>, "
            f"sender={self.sender!r}, timeout={self.timeout})"
        )


def message_id_for(dedupe_key: str, sender: str) -> str:
    """A Message-ID that depends only on the dedupe key and the sender's domain.

    A resend after a crash carries the same Message-ID, so receiving systems (and
    people reading their mail) can recognise it as the same message.
    """
    _, address = parseaddr(sender)
    domain = address.rpartition("@")[2] or "clearway.invalid"
    digest = hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:40]
    return f"<notice.{digest}@{domain}>"


def sender_of(settings: SmtpSettings, notice: RenderedNotice) -> str | Address:
    """`From:`: the office's name at its own address, or at the SMTP sender's address."""
    office = notice.office
    if office is None:
        return settings.sender
    _, default_address = parseaddr(settings.sender)
    address = office.email_from or default_address or "notices@clearway.invalid"
    return Address(display_name=" ".join(office.name.split()), addr_spec=address)


def build_message(
    settings: SmtpSettings, to: Recipient, notice: RenderedNotice, dedupe_key: str
) -> EmailMessage:
    if not to.email or not to.email.strip():
        raise DeliveryError("recipient has no e-mail address", permanent=True)
    message = EmailMessage()
    message["From"] = sender_of(settings, notice)
    if notice.office is not None and notice.office.reply_to:
        message["Reply-To"] = Address(addr_spec=notice.office.reply_to)
    try:
        message["To"] = Address(addr_spec=to.email.strip())
    except (ValueError, IndexError) as exc:
        raise DeliveryError("recipient e-mail address is malformed", permanent=True) from exc
    message["Subject"] = notice.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id_for(dedupe_key, settings.sender)
    message["Auto-Submitted"] = "auto-generated"
    message[DEDUPE_HEADER] = dedupe_key
    message.set_content(notice.text, subtype="plain", charset="utf-8")
    message.add_alternative(notice.html, subtype="html", charset="utf-8")
    message["Content-Language"] = notice.language  # after set_content, which drops Content-*
    return message


def _classify(exc: BaseException) -> DeliveryError:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        permanent = bool(codes) and all(500 <= c < 600 for c in codes)
        return DeliveryError(
            f"SMTP recipient refused ({codes})",
            permanent=permanent,
            code=codes[0] if codes else None,
        )
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        # Our credentials, not the recipient: retrying once fixed can work.
        return DeliveryError(
            f"SMTP authentication failed ({exc.code})", permanent=False, code=exc.code
        )
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        permanent = 500 <= exc.code < 600
        return DeliveryError(f"SMTP server answered {exc.code}", permanent=permanent, code=exc.code)
    if isinstance(exc, (aiosmtplib.SMTPTimeoutError, asyncio.TimeoutError, TimeoutError)):
        return DeliveryError("SMTP timeout", permanent=False)
    if isinstance(exc, (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected, OSError)):
        return DeliveryError(f"SMTP connection failed ({type(exc).__name__})", permanent=False)
    # SMTPNotSupported (e.g. no STARTTLS) and anything else: configuration, retry later.
    return DeliveryError(f"SMTP error ({type(exc).__name__})", permanent=False)


BeforeData = Callable[[], Awaitable[None]]


class _SMTP(aiosmtplib.SMTP):
    """An SMTP client that awaits a hook once the server has answered DATA with 354 and
    before the content goes out: the last moment at which the server holds nothing.

    The hook sits after the DATA round trip, not before it, so the window in which a
    crash leaves the outcome in doubt is one round trip (content, final reply) instead of
    two. If the hook fails, the connection is closed with the content unsent, and the
    server drops the transaction. (Built on aiosmtplib 5.1's protocol: `write`,
    `read_response`; the exact pin in constraints.txt keeps that stable.)"""

    before_data: BeforeData | None = None

    async def data(self, message, /, *, timeout=Default.token):  # type: ignore[no-untyped-def, override]
        if self.before_data is None or self.protocol is None:
            return await super().data(message, timeout=timeout)
        await self._ehlo_or_helo_if_needed()
        wait = self.timeout if timeout is Default.token else timeout
        if isinstance(message, str):
            message = message.encode("ascii")
        content = PERIOD_REGEX.sub(b"..", normalize_message_line_endings(message)) + b".\r\n"
        start = await self.execute_command(b"DATA", timeout=wait)
        if start.code != SMTPStatus.start_input:
            raise aiosmtplib.SMTPDataError(start.code, start.message)
        await self.before_data()
        if self.protocol is None:
            raise aiosmtplib.SMTPServerDisconnected("Connection lost")
        try:
            self.protocol.write(content)
            response = await self.protocol.read_response(timeout=wait)
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError):
            self.close()
            raise
        if response.code != SMTPStatus.completed:
            raise aiosmtplib.SMTPDataError(response.code, response.message)
        return response


class EmailChannel:
    """Sends a notice as e-mail.

    Returns the Message-ID (derived from ``dedupe_key``) as the provider message id.
    4xx replies, timeouts and connection errors are transient; 5xx replies are
    permanent, except an authentication failure (our credentials), which is transient.

    ``before_data``, when given, is awaited after the server accepted the sender, the
    recipient and the DATA command, before the content goes out: an error it raises
    aborts the send with nothing delivered.
    Once it has returned, a timeout or a dropped connection leaves the outcome unknown
    (the server may have the message: RFC 1047); such errors carry no reply ``code``.
    """

    name = "email"
    resend_safe = False  # SMTP has no idempotency: a second send is a second message
    has_handover_hook = True  # send(..., before_data=...) marks the point of no return

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._closing: set[asyncio.Task[None]] = set()

    async def send(
        self,
        to: Recipient,
        notice: RenderedNotice,
        dedupe_key: str,
        *,
        before_data: BeforeData | None = None,
    ) -> str:
        message = build_message(self.settings, to, notice, dedupe_key)
        s = self.settings
        client = _SMTP(
            hostname=s.host,
            port=s.port,
            username=s.username,
            password=s.password,
            start_tls=s.starttls,
            timeout=s.timeout,
        )
        client.before_data = before_data
        try:
            await client.connect()
            try:
                await client.send_message(message)
            except BaseException:
                client.close()
                raise
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            error = _classify(exc)
            log.warning(
                "email delivery failed",
                extra={
                    "channel": self.name,
                    "permanent": error.permanent,
                    "code": error.code,
                    "error": type(exc).__name__,
                },
            )
            raise error from exc
        # The server has the message: return now, so the caller records it without waiting
        # another round trip for QUIT (the window in which a crash leaves it in doubt).
        self._quit_later(client)
        message_id = str(message["Message-ID"])
        log.info("email delivered", extra={"channel": self.name, "message_id": message_id})
        return message_id

    def _quit_later(self, client: aiosmtplib.SMTP) -> None:
        task = asyncio.get_running_loop().create_task(self._quit(client))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _quit(self, client: aiosmtplib.SMTP) -> None:
        try:
            await asyncio.wait_for(client.quit(), self.settings.timeout)
        except Exception:  # the message is delivered; a lost QUIT changes nothing
            pass
        finally:
            client.close()
