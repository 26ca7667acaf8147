"""What every delivery channel has in common."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from clearway.notify.domain.notices import RenderedNotice


@dataclass(frozen=True)
class Recipient:
    """The one person a notice goes to.

    ``postal_address`` has the contract's keys: ``line1``, ``line2`` (optional),
    ``city``, ``state``, ``postal_code``.
    """

    subject_id: str
    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None
    postal_address: Mapping[str, str | None] | None = None

    def __repr__(self) -> str:  # never print personal data by accident
        return f"Recipient(subject_id=<redacted>, channels={self._available()})"

    def _available(self) -> list[str]:
        return [
            name
            for name, value in (
                ("email", self.email),
                ("phone", self.phone),
                ("postal_address", self.postal_address),
            )
            if value
        ]


class DeliveryError(Exception):
    """A send that did not go through.

    ``permanent`` is True when sending the same thing again cannot work (a rejected
    address, a 5xx SMTP reply, a 4xx API answer other than 429); False when a retry
    later may succeed (timeouts, connection errors, 4xx SMTP replies, HTTP 5xx/429).
    Messages never hold the recipient's address, phone number or the notice text.
    """

    def __init__(self, message: str, *, permanent: bool, code: int | str | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code

    @property
    def transient(self) -> bool:
        return not self.permanent


@runtime_checkable
class Channel(Protocol):
    name: str
    resend_safe: bool
    """True when sending again with the same ``dedupe_key`` cannot reach the person twice
    (the letter file already exists; the SMS provider honours the Idempotency-Key), so an
    attempt interrupted by a crash may simply be made again. False for e-mail: SMTP has no
    idempotency, a second send is a second message (with the same Message-ID).

    A channel that is not resend-safe may also set ``has_handover_hook = True`` and accept
    ``send(..., before_data=<async callable>)``: the callable is awaited at the last moment
    the provider holds nothing yet (e-mail: after DATA's 354, before the content). Without
    a hook, the dispatcher treats the whole send as past the point of no return."""

    async def send(self, to: Recipient, notice: RenderedNotice, dedupe_key: str) -> str:
        """Deliver ``notice`` to ``to``; return the provider's message id.

        Sending twice with the same ``dedupe_key`` must be recognisable (same id or
        provider-side idempotency) so a retry after a crash is not a second notice.
        Raises ``DeliveryError``.
        """
        ...
