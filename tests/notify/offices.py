"""Sending offices for notify's tests (issue #19): what a configured court looks like."""
from __future__ import annotations

from clearway.notify.domain.offices import SendingOffice

LA_OFFICE = SendingOffice(
    name="Los Angeles County District Attorney's Office",
    short_name="LA County DA",
    address=("211 W Temple St", "Los Angeles CA 90012"),
    phone="(213) 555-0142",
    website="https://da.lacounty.example",
    case_lookup_url="https://www.lacourt.example/case-lookup",
)
"""A sending office as configured for CA-LA: its name, return address, published phone,
website and the court's case lookup page (all fictional)."""

NEVER_ASK = {
    "en": "never ask for payment or personal info",
    "es": "nunca pedimos pagos ni",
    "zh": "絕不要求付款",
    "ko": "돈이나 개인 정보를",
    "vi": "đòi tiền hay thông tin cá nhân",
    "tl": "bayad o personal na",
    "hy": "վճարում կամ անձնական տվյալներ",
}
"""Per language, words of the "we never ask for payment or personal information" line
that every channel carries (the e-mail's and letter's full line, and the text message's
shorter one), compared case-insensitively."""
