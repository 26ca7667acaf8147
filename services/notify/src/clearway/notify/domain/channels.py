"""Which channels a notice goes out on. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ChannelName = Literal["email", "sms", "letter"]
CHANNELS: tuple[ChannelName, ...] = ("email", "sms", "letter")


@dataclass(frozen=True)
class ContactPoints:
    email: str | None
    phone: str | None
    has_postal_address: bool


def _present(value: str | None) -> bool:
    return value is not None and value.strip() != ""


def choose_channels(contact: ContactPoints, opted_out: frozenset[str]) -> list[str]:
    """The channels to send on, in the order email, sms, letter; ``[]`` means unreachable.

    - ``email`` when there is an e-mail address, ``sms`` when there is a phone number.
    - ``letter`` only when there is a postal address and no electronic channel is left,
      i.e. neither e-mail nor phone, or the person opted out of every one they have.
      A letter is the notice of last resort: opting out of e-mail and text messages is
      not read as opting out of being told at all (opt out of ``letter`` for that).
    - Any channel named in ``opted_out`` is never chosen.
    """
    chosen: list[str] = []
    if _present(contact.email) and "email" not in opted_out:
        chosen.append("email")
    if _present(contact.phone) and "sms" not in opted_out:
        chosen.append("sms")
    if not chosen and contact.has_postal_address and "letter" not in opted_out:
        chosen.append("letter")
    return chosen
