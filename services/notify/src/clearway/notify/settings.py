"""Notify's settings: `CLEARWAY_NOTIFY_*` environment variables (listed in the README)."""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import SettingsConfigDict

from clearway.common.pdf_fonts import FontSpec, parse_font_list
from clearway.common.settings import ServiceSettings
from clearway.notify.domain.offices import SendingOffice
from clearway.notify.domain.sms import fits_gsm7

# --- sending offices -------------------------------------------------------------------

COURT_CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,12}$")
_PHONE = re.compile(r"^\+?[0-9 ().-]+$")
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


def _https_url(value: str, field: str) -> str:
    value = value.strip()
    if not re.fullmatch(r"https://[A-Za-z0-9.-]+(:[0-9]+)?(/[^\s]*)?", value):
        raise ValueError(f"{field} must be an https:// address (got {value!r})")
    return value


class SendingOfficeConfig(BaseModel):
    """One court's sending office, as configured (`CLEARWAY_NOTIFY_SENDING_OFFICES`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Line = Field(description="full name: letterhead, e-mail sender, signature")
    short_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2,
                                                 max_length=20)] = Field(
        description="what each text message starts with, GSM-7 characters only, at most 20 "
        "(12 or fewer keeps every message in one segment)")
    address: tuple[Line, ...] = Field(
        min_length=2, max_length=3,
        description="return postal address, 2 or 3 lines (a list, or one string with '|')")
    phone: str = Field(description="the office's published phone number, as printed")
    website: str = Field(description="the office's website (https), where that number is listed")
    case_lookup_url: str | None = Field(
        default=None, description="the court's case lookup page (https)")
    email_from: str | None = Field(
        default=None, description="address the e-mails are sent from (default: SMTP_SENDER's)")
    reply_to: str | None = Field(default=None, description="Reply-To of the e-mails")

    @field_validator("address", mode="before")
    @classmethod
    def _address_lines(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split("|") if part.strip())
        return value

    @field_validator("short_name")
    @classmethod
    def _gsm7(cls, value: str) -> str:
        if not fits_gsm7(value):
            raise ValueError("short_name must use GSM-7 characters only (plain Latin letters, "
                             "digits, spaces), or every text message needs twice the room")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        value = value.strip()
        digits = sum(c.isdigit() for c in value)
        if not _PHONE.fullmatch(value) or not 7 <= digits <= 15 or len(value) > 20:
            raise ValueError("phone must be a phone number as printed, such as (213) 555-0100: "
                             f"7 to 15 digits, at most 20 characters (got {value!r})")
        return value

    @field_validator("website")
    @classmethod
    def _website(cls, value: str) -> str:
        return _https_url(value, "website")

    @field_validator("case_lookup_url")
    @classmethod
    def _lookup(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else _https_url(value, "case_lookup_url")

    @field_validator("email_from", "reply_to")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not _EMAIL.fullmatch(value):
            raise ValueError("must be a bare e-mail address such as da@example.gov "
                             f"(got {value!r})")
        return value

    def office(self) -> SendingOffice:
        return SendingOffice(
            name=self.name, short_name=self.short_name, address=tuple(self.address),
            phone=self.phone, website=self.website, case_lookup_url=self.case_lookup_url,
            email_from=self.email_from, reply_to=self.reply_to)


def _placeholder(county: str, short: str, area: str, lookup: str) -> dict[str, Any]:
    slug = county.lower().replace(" ", "-")
    return {
        "name": f"{county} County District Attorney (DEV PLACEHOLDER)",
        "short_name": f"{short} DA (dev)",
        "address": ["P.O. Box 0000 (placeholder)", f"{county} CA 90000"],
        "phone": f"({area}) 555-0100",
        "website": f"https://da.{slug}.example",
        "case_lookup_url": f"https://{lookup}.example/case-lookup",
    }


DEV_SENDING_OFFICES: Mapping[str, Mapping[str, Any]] = MappingProxyType({
    "CA-LA": _placeholder("Los Angeles", "LA Co", "213", "lacourt"),
    "CA-SD": _placeholder("San Diego", "SD Co", "619", "sdcourt"),
    "CA-OR": _placeholder("Orange", "OC", "714", "occourts"),
    "CA-RIV": _placeholder("Riverside", "Riv Co", "951", "riverside-court"),
    "CA-SB": _placeholder("San Bernardino", "SB Co", "909", "sb-court"),
    "CA-ALA": _placeholder("Alameda", "Ala Co", "510", "alameda-court"),
    "CA-SAC": _placeholder("Sacramento", "Sac Co", "916", "saccourt"),
    "CA-SF": _placeholder("San Francisco", "SF", "415", "sfsuperiorcourt"),
    "CA-SCL": _placeholder("Santa Clara", "SCC", "408", "scscourt"),
    "CA-FRE": _placeholder("Fresno", "Fresno", "559", "fresno-court"),
})
"""Placeholders for the demo's courts (`clearway.common.datagen`), for development only:
fictional 555-0100 numbers, `.example` websites, a P.O. Box 0000. The service warns at
start while they are in use; configure the real offices before any notice goes out."""


def _describe(error: ValidationError, court: str) -> str:
    problems = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "office"
        message = item["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {message}")
    return f"court {court}: " + "; ".join(problems)


def parse_sending_offices(raw: object) -> dict[str, SendingOffice]:
    """Court code -> its office, from a mapping, inline JSON, or a path to a JSON or YAML
    file holding the mapping. Raises ValueError naming the court and field at fault."""
    source = "CLEARWAY_NOTIFY_SENDING_OFFICES"
    data: object = raw
    if isinstance(raw, Path) or (isinstance(raw, str) and not raw.lstrip().startswith("{")):
        path = Path(str(raw).strip()).expanduser()
        source = f"{source} file {path}"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"{source}: cannot read it ({exc.strerror or exc})") from None
        try:
            data = (json.loads(text) if path.suffix.lower() == ".json"
                    else yaml.safe_load(text))
        except (ValueError, yaml.YAMLError) as exc:
            raise ValueError(f"{source}: not valid JSON or YAML ({exc})") from None
    elif isinstance(raw, str):
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise ValueError(f"{source}: not valid JSON ({exc})") from None
    if not isinstance(data, Mapping) or not data:
        raise ValueError(f"{source}: must map court codes (such as CA-LA) to offices")
    offices: dict[str, SendingOffice] = {}
    for court, entry in data.items():
        if not isinstance(court, str) or not COURT_CODE.fullmatch(court):
            raise ValueError(f"{source}: {court!r} is not a court code (such as CA-LA)")
        if not isinstance(entry, Mapping):
            raise ValueError(f"{source}: court {court}: must be a mapping of office fields "
                             "(name, short_name, address, phone, website, ...)")
        try:
            offices[court] = SendingOfficeConfig.model_validate(dict(entry)).office()
        except ValidationError as exc:
            raise ValueError(f"{source}: {_describe(exc, court)}") from None
    return offices


def split_list(value: str) -> tuple[str, ...]:
    """'a | b|c' -> ('a', 'b', 'c'); empty items are dropped."""
    return tuple(part.strip() for part in value.split("|") if part.strip())


class NotifySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CLEARWAY_NOTIFY_", extra="ignore")

    service_name: str = "notify"
    http_port: int = 8004

    # e-mail
    smtp_host: str | None = Field(default=None, description="no host: email is not offered")
    smtp_port: int = 587
    smtp_starttls: bool | None = Field(
        default=None,
        description="true: require STARTTLS; false: never; unset: use it when the server offers it",
    )
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_sender: str = "Clearway <notices@clearway.invalid>"
    smtp_timeout: float = 15.0

    # text messages
    sms_base_url: str | None = Field(default=None, description="no URL: SMS is not offered")
    sms_account_sid: str = "AC-dev"
    sms_auth_token: SecretStr = SecretStr("dev-token")
    sms_from_number: str = "+15550100000"
    sms_timeout: float = 15.0
    sms_provider_dedupes: bool = Field(
        default=True,
        description="the provider honours Idempotency-Key, so an interrupted send may be retried",
    )

    # letters
    letters_dir: Path | None = None
    letter_return_address: str = Field(
        default="Clearway|P.O. Box 0000|Los Angeles CA 90000",
        description="sender block printed top left, lines separated by '|'",
    )
    letter_fonts: str = Field(
        default="",
        description="Unicode TrueType fonts in fallback order, '|' separated, 'path#face' "
        "for a collection; empty: DejaVu Sans and Noto Sans CJK (the face of the letter's "
        "language) from the usual system folders",
    )

    # who sends the notices, per court
    sending_offices: str = Field(
        default="",
        description="court code -> sending office: inline JSON, or the path of a JSON or "
        "YAML file; empty: development placeholders for the demo courts",
    )

    # delivery
    max_attempts: int = Field(default=6, ge=1)
    retry_base_seconds: float = Field(default=2.0, gt=0)
    retry_max_seconds: float = Field(default=600.0, gt=0)
    send_concurrency: int = Field(default=4, ge=1, le=64)
    send_timeout_seconds: float = Field(default=60.0, gt=0)
    sending_lease_seconds: float = Field(
        default=120.0,
        description="after this long a `sending` row whose process died is recovered",
    )
    plan_delay_seconds: float = Field(
        default=2.0, ge=0,
        description="a new notice waits this long, so a death recorded at the same time wins",
    )
    contact_wait_seconds: float = Field(
        default=120.0, ge=0,
        description="how long a notice waits for the person's court record before unreachable",
    )
    dispatch_interval_seconds: float = Field(default=0.5, gt=0)

    _offices: Mapping[str, SendingOffice] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _lease_outlives_a_send(self) -> NotifySettings:
        if self.sending_lease_seconds <= self.send_timeout_seconds:
            raise ValueError("sending_lease_seconds must be longer than send_timeout_seconds")
        return self

    @model_validator(mode="after")
    def _load_sending_offices(self) -> NotifySettings:
        raw: object = self.sending_offices if self.sending_offices.strip() \
            else DEV_SENDING_OFFICES
        self._offices = MappingProxyType(parse_sending_offices(raw))
        return self

    def offices(self) -> Mapping[str, SendingOffice]:
        """Each court's sending office (a court missing here has its notices held)."""
        return self._offices

    def offices_are_placeholders(self) -> bool:
        """True while the development placeholders are in use (nothing configured)."""
        return not self.sending_offices.strip()

    def letters_path(self) -> Path:
        return self.letters_dir or self.data_dir / "letters"

    def return_address(self) -> tuple[str, ...]:
        return split_list(self.letter_return_address)

    def fonts(self) -> tuple[FontSpec, ...] | None:
        return parse_font_list(self.letter_fonts) or None
