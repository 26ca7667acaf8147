"""SMS channel over an HTTP API shaped like Twilio's Messages API.

``POST {base_url}/2010-04-01/Accounts/{account_sid}/Messages.json`` with form fields
``To``, ``From``, ``Body``, HTTP basic auth (account SID, auth token) and an
``Idempotency-Key`` header carrying the dedupe key; the answer's ``sid`` is the
provider message id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from clearway.notify.adapters.base import DeliveryError, Recipient
from clearway.notify.domain.notices import RenderedNotice

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsSettings:
    account_sid: str
    auth_token: str
    from_number: str
    base_url: str = "https://api.twilio.com"
    timeout: float = 15.0

    def __repr__(self) -> str:
        return (
            f"SmsSettings(account_sid={self.account_sid!r}, auth_token=<redacted>, "
            f"from_number={self.from_number!r}, base_url={self.base_url!r}, timeout={self.timeout})"
        )

    @property
    def messages_url(self) -> str:
        return (
            f"{self.base_url.rstrip('/')}/2010-04-01/Accounts/"
            f"{quote(self.account_sid, safe='')}/Messages.json"
        )


def _error_code(response: httpx.Response) -> int | str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


class SmsChannel:
    """Sends ``notice.sms`` as a text message.

    Network errors, timeouts, HTTP 429 and 5xx are transient; any other 4xx is
    permanent (bad number, unsubscribed recipient, ...). Pass an ``httpx.AsyncClient``
    to share a connection pool; without one, each send opens its own.
    """

    name = "sms"

    def __init__(self, settings: SmsSettings, client: httpx.AsyncClient | None = None,
                 provider_dedupes: bool = True) -> None:
        self.settings = settings
        self._client = client
        # The provider drops a second request with the same Idempotency-Key.
        self.resend_safe = provider_dedupes

    async def send(self, to: Recipient, notice: RenderedNotice, dedupe_key: str) -> str:
        if not to.phone or not to.phone.strip():
            raise DeliveryError("recipient has no phone number", permanent=True)
        if self._client is not None:
            return await self._post(self._client, to.phone.strip(), notice.sms, dedupe_key)
        async with httpx.AsyncClient(timeout=self.settings.timeout) as client:
            return await self._post(client, to.phone.strip(), notice.sms, dedupe_key)

    async def _post(self, client: httpx.AsyncClient, phone: str, body: str, dedupe_key: str) -> str:
        s = self.settings
        try:
            response = await client.post(
                s.messages_url,
                data={"To": phone, "From": s.from_number, "Body": body},
                auth=httpx.BasicAuth(s.account_sid, s.auth_token),
                headers={"Idempotency-Key": dedupe_key, "Accept": "application/json"},
                timeout=s.timeout,
            )
        except httpx.HTTPError as exc:  # connect/read/write/pool timeouts, network errors
            log.warning(
                "sms delivery failed", extra={"channel": self.name, "error": type(exc).__name__}
            )
            raise DeliveryError(
                f"SMS API unreachable ({type(exc).__name__})", permanent=False
            ) from exc

        status = response.status_code
        if status == 429 or status >= 500:
            log.warning("sms delivery failed", extra={"channel": self.name, "status": status})
            raise DeliveryError(f"SMS API answered {status}", permanent=False, code=status)
        if status >= 400:
            code = _error_code(response)
            log.warning(
                "sms delivery refused", extra={"channel": self.name, "status": status, "code": code}
            )
            raise DeliveryError(
                f"SMS API refused the message ({status}, code {code})",
                permanent=True,
                code=code if code is not None else status,
            )
        try:
            answer = response.json()
            sid = answer["sid"] if isinstance(answer, dict) else None
        except (ValueError, KeyError):
            sid = None
        if not isinstance(sid, str) or not sid:
            # Accepted but unreadable: retrying with the same Idempotency-Key is safe.
            log.warning("sms answer without sid", extra={"channel": self.name, "status": status})
            raise DeliveryError(
                f"SMS API answered {status} without a message sid", permanent=False, code=status
            )
        log.info("sms accepted", extra={"channel": self.name, "message_id": sid})
        return sid
