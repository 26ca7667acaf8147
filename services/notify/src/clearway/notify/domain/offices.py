"""The office a court's notices come from. Pure: no I/O.

A person told by an unknown sender that a conviction is cleared may well take the notice
for a scam. So every notice names the district attorney's or public defender's office
that sends it for the court: its name on the letterhead, as the e-mail's sender and in
the text message, its published phone number and website to check the notice with, and
the court's own case lookup page when there is one. The offices are configured per court
(`NotifySettings.sending_offices`, validated there) and handed to `render_notice` in
`NoticeFacts.office`; the domain never reads settings.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SendingOffice:
    name: str
    """Full name, e.g. "Los Angeles County District Attorney's Office" (letterhead, e-mail
    sender, signature)."""
    short_name: str
    """A few characters the text messages start with, e.g. "LA County DA"."""
    address: tuple[str, ...]
    """Return postal address, one line each (street or P.O. box, then city, state, ZIP)."""
    phone: str
    """The office's published phone number, as printed, e.g. "(213) 555-0100"."""
    website: str
    """The office's website (https), where the person can find the same phone number."""
    case_lookup_url: str | None = None
    """The court's case lookup page, where the person can look the case up themselves."""
    email_from: str | None = None
    """The e-mail address notices are sent from (default: the SMTP sender's address)."""
    reply_to: str | None = None
    """Where replies to an e-mail go (default: no Reply-To)."""
