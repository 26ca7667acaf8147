"""The words of every notice, in the person's language. Pure: no I/O.

The English text lives here as gettext ``msgid`` strings marked ``N_()``; translations
live in ``locale/<lang>/LC_MESSAGES/notify.po`` (see ``locale/README.md``). Wording is
aimed at about a sixth-grade reading level: short sentences, common words, legal
terms explained once.

A notice only ever carries the facts handed to ``render_notice`` (one person, one
case), so it cannot hold anyone else's data.

Every notice names the office that sends it for the court (``NoticeFacts.office``, a
district attorney's or public defender's office from the settings): the e-mail and the
letter end with a block saying how to check the notice is real (the office's published
phone number, the court's case lookup page) and that nothing is ever asked of the person
(no payment, no personal information, no code), then the office's signature; every text
message starts with the office's short name and ends with its phone number and the same
promise, in one segment whenever a variant fits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from jinja2 import BaseLoader, Environment, StrictUndefined

from clearway.notify.domain.i18n import (
    AVAILABLE_LANGUAGES,
    SOURCE_LANGUAGE,
    choose_language,
    translate,
)
from clearway.notify.domain.offices import SendingOffice
from clearway.notify.domain.sms import fits_one_segment, fold_to_gsm7, sms_segments

__all__ = [
    "AVAILABLE_LANGUAGES",
    "NOTICE_KINDS",
    "NoticeFacts",
    "NoticeKind",
    "RELIEF_WORDS",
    "RenderedNotice",
    "SMS_ACCENT_FOLDING",
    "SendingOffice",
    "choose_language",
    "render_notice",
]

NoticeKind = Literal["relief_granted", "order_granted", "order_denied"]
NOTICE_KINDS: tuple[str, ...] = ("relief_granted", "order_granted", "order_denied")
RELIEFS: tuple[str, ...] = ("dismiss_and_seal", "reduce_to_misdemeanor", "reduce_to_infraction")

# Languages whose SMS may drop accents GSM-7 lacks (á -> a) so the text stays in
# one 160-character segment. Not for languages where accents carry meaning
# (Vietnamese tones): those go out as UCS-2.
SMS_ACCENT_FOLDING = frozenset({"en", "es", "tl"})


def N_(message: str) -> str:  # the gettext marker name extractors look for
    """Mark a string for extraction into the catalog; translation happens at render time."""
    return message


@dataclass(frozen=True)
class NoticeFacts:
    kind: NoticeKind
    first_name: str
    court: str
    court_name: str
    case_number: str
    reliefs: tuple[str, ...]
    language: str | None
    office: SendingOffice
    """Who sends the notice for this court (named on every channel, with how to check)."""


@dataclass(frozen=True)
class RenderedNotice:
    language: str
    subject: str
    text: str
    html: str
    sms: str
    office: SendingOffice | None = None
    """The sending office: the letter's letterhead and return address, the e-mail's sender."""
    english: RenderedNotice | None = field(default=None, compare=False, repr=False)
    """The same notice in English when ``language`` is not English, for channels that
    cannot show the language (a letter printed without a font for its script)."""

    @property
    def sms_segments(self) -> int:
        return sms_segments(self.sms)


# --- the words --------------------------------------------------------------

HELLO_NAMED = N_("Hello {first_name},")
HELLO = N_("Hello,")
HEADING_YOUR_CASE = N_("Your case")
COURT_LINE = N_("Court: {court_name}")
CASE_LINE = N_("Case number: {case_number}")
FOOTER = N_(
    "This notice is about clearing old cannabis convictions under Proposition 64, "
    "a California law. Please keep this notice."
)
NOTHING_TO_DO = N_("You do not need to do anything.")
COPY_OF_ORDER = N_(
    "Ask the clerk of the {court_name} for a copy of the court order. "
    "Give the clerk your case number: {case_number}."
)

# Who sent the notice, and how to check it is real (every notice, every channel).
HEADING_CHECK = N_("How to check this notice")
CHECK_CALL = N_(
    "To check that this notice is real, call {phone}. "
    "This number is on the office's website: {website}"
)
CHECK_COURT = N_("You can also look up your case on the court's website: {case_lookup_url}")
NEVER_ASK = N_(
    "We never ask for payment or personal information. We never ask for a code "
    "or a password. If someone asks you for these, it is not us."
)
SENT_BY = N_("Sent by: {office_name}")
PHONE_LINE = N_("Phone: {phone}")
WEBSITE_LINE = N_("Website: {website}")

# relief_granted: eligible; the court has not decided yet.
GRANTED_SUBJECT = N_("Good news about your cannabis case {case_number}")
GRANTED_LEAD = N_("Good news. Your cannabis (marijuana) conviction is being cleared.")
GRANTED_NO_COST = N_("You do not need to go to court. You do not need to pay anything.")
HEADING_DECIDED = N_("What was decided")
GRANTED_RELIEF = {
    "dismiss_and_seal": N_(
        "You qualify to have your conviction dismissed and your record sealed. "
        "Dismissed means the conviction is taken away. "
        "Sealed means most people can no longer see it."
    ),
    "reduce_to_misdemeanor": N_(
        "You qualify to have your felony changed to a misdemeanor. "
        "A misdemeanor is less serious than a felony."
    ),
    "reduce_to_infraction": N_(
        "You qualify to have your conviction changed to an infraction. "
        "An infraction is the least serious kind of offense, like a traffic ticket."
    ),
}
GRANTED_WHY = N_("This is because of Proposition 64, a California law about cannabis.")
HEADING_NEXT = N_("What happens next")
GRANTED_NEXT = N_(
    "The court will review your case. This can take some time. "
    "We will tell you when the court decides."
)

# order_granted: the court granted the relief.
ORDER_GRANTED_SUBJECT = N_("Good news: the court ruled on your cannabis case {case_number}")
ORDER_GRANTED_LEAD = N_("Good news from the court about your cannabis (marijuana) case.")
ORDER_GRANTED_RELIEF = {
    "dismiss_and_seal": N_("The court dismissed your conviction and sealed your record."),
    "reduce_to_misdemeanor": N_("The court changed your felony to a misdemeanor."),
    "reduce_to_infraction": N_("The court changed your conviction to an infraction."),
}
HEADING_MEANING = N_("What this means for you")
JOBS = {
    "dismiss_and_seal": N_(
        "Jobs: When a job asks if you were convicted of a crime, you can say no for this case. "
        "A few jobs, like police work, may still see it."
    ),
    "reduce_to_misdemeanor": N_(
        "Jobs: Your record now shows a misdemeanor, not a felony. "
        "If a job asks about felonies, this case is no longer one."
    ),
    "reduce_to_infraction": N_(
        "Jobs: Your record now shows an infraction. An infraction is not a felony or a misdemeanor."
    ),
}
HOUSING = {
    "dismiss_and_seal": N_("Housing: A landlord may not use this case against you."),
    "reduce_to_misdemeanor": N_(
        "Housing: When a landlord checks your record, this case now shows as a misdemeanor."
    ),
    "reduce_to_infraction": N_(
        "Housing: When a landlord checks your record, this case now shows as an infraction."
    ),
}
IMMIGRATION = N_(
    "Immigration: If you are not a U.S. citizen, this may not fix immigration problems "
    "caused by the conviction. Talk to an immigration lawyer."
)
HEADING_COPY = N_("How to get a copy of the court order")
COPY_HELPS = N_("A copy can help if an employer or landlord asks.")

# order_denied: the court did not grant it.
DENIED_SUBJECT = N_("The court ruled on your cannabis case {case_number}")
DENIED_LEAD = N_(
    "The court did not grant the request to clear your cannabis (marijuana) conviction."
)
DENIED_RELIEF = {
    "dismiss_and_seal": N_(
        "The court did not agree to dismiss your conviction and seal your record."
    ),
    "reduce_to_misdemeanor": N_("The court did not agree to change your felony to a misdemeanor."),
    "reduce_to_infraction": N_(
        "The court did not agree to change your conviction to an infraction."
    ),
}
DENIED_NOTHING_NEW = N_("This decision does not add anything new to your record.")
HEADING_WHAT_YOU_CAN_DO = N_("What you can do")
DENIED_HELP = N_(
    "Talk to the public defender's office or a lawyer. They can explain why and tell you "
    "your options. The public defender may help you for free."
)

# SMS: "<office short name>: " + one of the messages + one of the check lines. The
# first (message, check line) pair that fits one segment is sent, trying every check line
# with the first message before the next message. A variant with {county} is skipped when
# the court name names no county.
SMS: dict[tuple[str, str | None], tuple[str, ...]] = {
    ("relief_granted", None): (
        N_(
            "Good news. Your cannabis case {case_number} is being cleared. "
            "You do not need to do anything."
        ),
        N_("Your cannabis case {case_number} is being cleared. Nothing to do."),
        N_("Your cannabis case {case_number} is being cleared."),
    ),
    ("order_granted", "dismiss_and_seal"): (
        N_(
            "Good news. The court dismissed and sealed your cannabis case "
            "{case_number} ({county} County). You do not need to do anything."
        ),
        N_(
            "Good news. The court dismissed and sealed your cannabis case "
            "{case_number}. You do not need to do anything."
        ),
        N_("Your cannabis case {case_number} is dismissed and sealed."),
    ),
    ("order_granted", "reduce_to_misdemeanor"): (
        N_(
            "Good news. In your cannabis case {case_number} ({county} County), "
            "the court changed your felony to a misdemeanor."
        ),
        N_(
            "Good news. In your cannabis case {case_number}, the court changed "
            "your felony to a misdemeanor."
        ),
        N_("Cannabis case {case_number}: your felony is now a misdemeanor."),
    ),
    ("order_granted", "reduce_to_infraction"): (
        N_(
            "Good news. In your cannabis case {case_number} ({county} County), "
            "the court changed your conviction to an infraction."
        ),
        N_(
            "Good news. In your cannabis case {case_number}, the court changed "
            "your conviction to an infraction."
        ),
        N_("Cannabis case {case_number}: your conviction is now an infraction."),
    ),
    ("order_granted", None): (
        N_(
            "Good news. The court ruled for you in your cannabis case "
            "{case_number} ({county} County). You do not need to do anything."
        ),
        N_(
            "Good news. The court ruled for you in your cannabis case "
            "{case_number}. You do not need to do anything."
        ),
        N_("The court ruled for you in your cannabis case {case_number}."),
    ),
    ("order_denied", None): (
        N_(
            "The court did not clear your cannabis case {case_number} "
            "({county} County). A public defender or lawyer can help you."
        ),
        N_(
            "The court did not clear your cannabis case {case_number}. "
            "A public defender or lawyer can help you."
        ),
        N_("Your cannabis case {case_number} was not cleared. A lawyer can help."),
        N_("Your cannabis case {case_number} was not cleared."),
    ),
}
SMS_CHECK: tuple[str, ...] = (
    N_(
        "To check this message, call {phone}. "
        "We never ask for payment or personal information."
    ),
    N_("To check, call {phone}. We never ask for payment or personal info."),
    N_("Check: {phone}. We never ask for payment or personal info."),
)
"""How to check a text message, and that nothing is asked: every SMS ends with one."""

RELIEF_WORDS = GRANTED_RELIEF
"""English explanation of each relief, keyed by the contract's relief code."""


# --- structure ---------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    heading: str | None = None
    paragraphs: tuple[str, ...] = ()
    bullets: tuple[str, ...] = ()


_HTML = Environment(loader=BaseLoader(), autoescape=True, undefined=StrictUndefined).from_string(
    """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ subject }}</title>
</head>
<body style="margin:0;padding:16px;font-family:Arial,Helvetica,sans-serif;
font-size:17px;line-height:1.5;color:#1b1b1b;background:#ffffff;">
<div style="max-width:600px;">
{%- for block in blocks %}
{%- if block.heading %}
<h2 style="font-size:19px;margin:24px 0 8px;">{{ block.heading }}</h2>
{%- endif %}
{%- for p in block.paragraphs %}
<p style="margin:0 0 12px;">{{ p }}</p>
{%- endfor %}
{%- if block.bullets %}
<ul style="margin:0 0 12px;padding-left:20px;">
{%- for b in block.bullets %}
<li style="margin:0 0 8px;">{{ b }}</li>
{%- endfor %}
</ul>
{%- endif %}
{%- endfor %}
<hr style="border:0;border-top:1px solid #cccccc;margin:24px 0 12px;">
<p style="font-size:15px;margin:0 0 12px;">
{%- for line in signature %}{{ line }}{% if not loop.last %}<br>{% endif %}{% endfor -%}
</p>
<p style="font-size:14px;color:#555555;margin:0;">{{ footer }}</p>
</div>
</body>
</html>
"""
)


def _text(blocks: Iterable[_Block], signature: Iterable[str], footer: str) -> str:
    parts: list[str] = []
    for block in blocks:
        lines: list[str] = []
        if block.heading:
            lines.append(block.heading)
        lines.extend(block.paragraphs)
        lines.extend(f"- {b}" for b in block.bullets)
        parts.append("\n".join(lines))
    parts.append("--\n" + "\n".join(signature))
    parts.append(footer)
    return "\n\n".join(parts) + "\n"


def _display_name(first_name: str) -> str:
    name = " ".join(first_name.split())
    # Court records often spell names in capitals: "MARIA" reads better as "Maria".
    if name.isupper():
        name = re.sub(r"[^\W\d_]+", lambda m: m.group().capitalize(), name)
    return name


_COUNTY = re.compile(r"\bCounty of\s+(?P<county>[^,]+?)\s*$", re.IGNORECASE)


def _county(court_name: str) -> str | None:
    match = _COUNTY.search(court_name.strip())
    return match.group("county") if match else None


def _unique(reliefs: Iterable[str]) -> tuple[str, ...]:
    seen: list[str] = []
    for relief in reliefs:
        if relief not in RELIEFS:
            raise ValueError(f"a notice cannot be written for relief {relief!r}")
        if relief not in seen:
            seen.append(relief)
    return tuple(seen)


def _office_values(office: SendingOffice) -> dict[str, str]:
    return {
        "office_name": _one_line(office.name),
        "phone": _one_line(office.phone),
        "website": _one_line(office.website),
        "case_lookup_url": _one_line(office.case_lookup_url or ""),
    }


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _check_block(office: SendingOffice, lang: str) -> _Block:
    """How to check the notice is real without trusting it: the office's published number,
    the court's own case lookup, and that nothing is ever asked of the person."""
    values = _office_values(office)
    paragraphs = [translate(lang, CHECK_CALL, **values)]
    if office.case_lookup_url:
        paragraphs.append(translate(lang, CHECK_COURT, **values))
    paragraphs.append(translate(lang, NEVER_ASK, **values))
    return _Block(heading=translate(lang, HEADING_CHECK), paragraphs=tuple(paragraphs))


def _signature(office: SendingOffice, lang: str) -> tuple[str, ...]:
    values = _office_values(office)
    return (
        translate(lang, SENT_BY, **values),
        *(_one_line(line) for line in office.address if line.strip()),
        translate(lang, PHONE_LINE, **values),
        translate(lang, WEBSITE_LINE, **values),
    )


def _blocks(facts: NoticeFacts, lang: str, reliefs: tuple[str, ...]) -> tuple[str, list[_Block]]:
    def t(msgid: str) -> str:
        return translate(
            lang, msgid, case_number=facts.case_number.strip(), court_name=facts.court_name.strip()
        )

    name = _display_name(facts.first_name)
    hello = translate(lang, HELLO_NAMED, first_name=name) if name else t(HELLO)
    case_block = _Block(heading=t(HEADING_YOUR_CASE), paragraphs=(t(COURT_LINE), t(CASE_LINE)))

    if facts.kind == "relief_granted":
        subject = t(GRANTED_SUBJECT)
        blocks = [
            _Block(paragraphs=(hello,)),
            _Block(paragraphs=(t(GRANTED_LEAD), t(NOTHING_TO_DO), t(GRANTED_NO_COST))),
            _Block(
                heading=t(HEADING_DECIDED),
                paragraphs=tuple(t(GRANTED_RELIEF[r]) for r in reliefs) + (t(GRANTED_WHY),),
            ),
            _Block(heading=t(HEADING_NEXT), paragraphs=(t(GRANTED_NEXT),)),
            case_block,
        ]
    elif facts.kind == "order_granted":
        subject = t(ORDER_GRANTED_SUBJECT)
        meaning = (
            [t(JOBS[r]) for r in reliefs] + [t(HOUSING[r]) for r in reliefs] + [t(IMMIGRATION)]
        )
        blocks = [
            _Block(paragraphs=(hello,)),
            _Block(
                paragraphs=(
                    t(ORDER_GRANTED_LEAD),
                    *(t(ORDER_GRANTED_RELIEF[r]) for r in reliefs),
                    t(NOTHING_TO_DO),
                ),
            ),
            _Block(heading=t(HEADING_MEANING), bullets=tuple(meaning)),
            _Block(heading=t(HEADING_COPY), paragraphs=(t(COPY_OF_ORDER), t(COPY_HELPS))),
            case_block,
        ]
    elif facts.kind == "order_denied":
        subject = t(DENIED_SUBJECT)
        blocks = [
            _Block(paragraphs=(hello,)),
            _Block(
                paragraphs=(
                    t(DENIED_LEAD),
                    *(t(DENIED_RELIEF[r]) for r in reliefs),
                    t(DENIED_NOTHING_NEW),
                ),
            ),
            _Block(
                heading=t(HEADING_WHAT_YOU_CAN_DO), paragraphs=(t(DENIED_HELP), t(COPY_OF_ORDER))
            ),
            case_block,
        ]
    else:
        raise ValueError(f"unknown notice kind {facts.kind!r}")
    blocks.append(_check_block(facts.office, lang))
    return subject, blocks


def _sms(facts: NoticeFacts, lang: str, reliefs: tuple[str, ...]) -> str:
    key: tuple[str, str | None] = (facts.kind, None)
    if facts.kind == "order_granted" and len(reliefs) == 1:
        key = (facts.kind, reliefs[0])
    case_number = facts.case_number.strip()
    county = _county(facts.court_name)
    messages = [
        translate(lang, msgid, case_number=case_number, county=county or "")
        for msgid in SMS[key]
        if county or "{county}" not in msgid
    ]
    checks = [translate(lang, msgid, phone=_one_line(facts.office.phone)) for msgid in SMS_CHECK]
    sender = _one_line(facts.office.short_name)
    candidates = [
        # No space after a full-width stop (Chinese): it would cost a UCS-2 character.
        f"{sender}: {message}{'' if message.endswith('。') else ' '}{check}"
        for message in messages
        for check in checks
    ]
    if lang.split("-")[0] in SMS_ACCENT_FOLDING:
        candidates = [fold_to_gsm7(c) for c in candidates]
    for candidate in candidates:
        if fits_one_segment(candidate):
            return candidate
    return min(candidates, key=lambda c: (sms_segments(c), len(c)))


def _render(facts: NoticeFacts, lang: str) -> RenderedNotice:
    reliefs = _unique(facts.reliefs)
    if facts.kind in ("relief_granted", "order_granted") and not reliefs:
        raise ValueError(f"a {facts.kind} notice needs at least one relief")
    subject, blocks = _blocks(facts, lang, reliefs)
    signature = _signature(facts.office, lang)
    footer = translate(lang, FOOTER)
    html = _HTML.render(
        lang=lang, subject=subject, blocks=blocks, signature=signature, footer=footer
    )
    return RenderedNotice(
        language=lang,
        subject=subject,
        text=_text(blocks, signature, footer),
        html=html,
        sms=_sms(facts, lang, reliefs),
        office=facts.office,
    )


def render_notice(facts: NoticeFacts) -> RenderedNotice:
    """Write the notice for ``facts`` in the person's language (English when we lack it),
    from ``facts.office``: its name and phone in every channel, how to check the notice,
    and that nothing is ever asked of the person.

    ``relief_granted`` and ``order_granted`` need at least one relief; ``order_denied``
    may name the reliefs the court refused. Raises ``ValueError`` for an unknown kind
    or a relief that is not granted relief (``not_eligible``, ``needs_review``, ...).
    """
    if facts.kind not in NOTICE_KINDS:
        raise ValueError(f"unknown notice kind {facts.kind!r}")
    if not isinstance(facts.office, SendingOffice):
        raise ValueError("a notice needs the office that sends it (NoticeFacts.office)")
    lang = choose_language(facts.language, AVAILABLE_LANGUAGES)
    notice = _render(facts, lang)
    if lang != SOURCE_LANGUAGE:
        notice = RenderedNotice(
            language=notice.language,
            subject=notice.subject,
            text=notice.text,
            html=notice.html,
            sms=notice.sms,
            office=notice.office,
            english=_render(facts, SOURCE_LANGUAGE),
        )
    return notice
