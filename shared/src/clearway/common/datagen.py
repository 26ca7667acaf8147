"""Synthetic California court record events (contract section 2) for demos, fixtures and load.

Everything here is made up: names are drawn from small built-in lists and combined at
random, phone numbers are in the fictional 555-0100..0199 range, e-mail addresses use the
reserved ``example.*`` domains. No real person is described.

The generator is pure and deterministic: the same arguments give the same events, byte for
byte, on every machine. It streams: :func:`generate_events` is a generator that keeps only a
few counters (one per court), so 10k, 125k or 1M cases take the same memory. It is also
prefix-stable: the first N cases of a larger run with the same seed are the events of a run
of N cases (except that the last person of the smaller run may have fewer cases).

Each event is a plain ``dict`` ready for JSON and valid for :class:`~clearway.common.events.
RecordEvent`. A person's events are emitted together, in date order: their dispositions (one
per case), a PC 290 ``registration`` after a registrable conviction for a small share, and
a ``death`` last for a tiny share.

The mix, roughly: ~40% of cases in ``CA-LA``; about three in four cases carry an
HS 11357-11360 count; felonies and misdemeanors (and 11357(b) infractions from 2011);
mostly convicted, some dismissed, pending or acquitted; offense dates 1975-2020 with a few
after Proposition 64 (2016-11-09); repeat offenders of the same section; ~1% of people with
a super-strike conviction (PC 187, PC 664/187(a), PC 261(a)(2)) and ~1.5% with a PC 290
registration; sentences with end dates, a few of them after 2026; statutes in the spellings
real court data uses (``HS 11359(b)``, ``11359(B) HS``, ``H&S 11359 (b)``, ``HS11359B``,
``11358 HS-CULTIVATE MARIJUANA``, ``PC 664/187(a)``, ``187(A) PC``) and, rarely, one that no
parser should accept (``11359/MJ``, ``H5 11360``).

CSV (:data:`CSV_COLUMNS`, :func:`csv_rows`): one row per count of a disposition event;
the event's fields repeat on each of its rows and rows of one event are adjacent. Dates are
ISO 8601 (``YYYY-MM-DD``), ``occurred_at`` RFC 3339, booleans ``true``/``false``, and an
empty cell means absent. Registrations and deaths are not in the CSV format.
"""
from __future__ import annotations

import bisect
import datetime as dt
import random
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "COURT_CODES",
    "CSV_COLUMNS",
    "DOJ_COLUMNS",
    "LANGUAGES",
    "csv_rows",
    "doj_lines",
    "generate_events",
    "sample_events",
]

#: Columns of the CSV format, in order: one row per count of a disposition event.
CSV_COLUMNS: tuple[str, ...] = (
    "event_id",
    "event_type",
    "court",
    "occurred_at",
    "subject_id",
    "first_name",
    "last_name",
    "date_of_birth",
    "email",
    "phone",
    "language",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "case_number",
    "count",
    "statute",
    "description",
    "level",
    "offense_date",
    "disposition",
    "disposition_date",
    "sentence_kind",
    "sentence_end_date",
    "grams",
    "plants",
    "involved_minor",
    "environmental_violation",
    "imported",
)

#: Columns of the DOJ research file (AB 1793), in order: one row per count per step.
DOJ_COLUMNS: tuple[str, ...] = (
    "RECORD_ID", "SUBJECT_STATUS", "SUBJECT_ID", "REQ_SEG_SEP", "REQ_CII_NUMBER",
    "REQ_NAME", "REQ_GENDER", "REQ_DOB", "REQ_CDL", "REQ_SSN", "PII_SEG_SEP",
    "CII_NUMBER", "PRI_NAME", "GENDER", "PRI_DOB", "PRI_SSN", "PRI_CDL", "PRI_IDN",
    "PRI_INN", "FBI_NUMBER", "PDR_SEG_SEP", "RACE_CODE", "RACE_DESCR", "EYE_COLOR_CODE",
    "EYE_COLOR_DESCR", "HAIR_COLOR_CODE", "HAIR_COLOR_DESCR", "HEIGHT", "WEIGHT",
    "SINGLE_SOURCE", "MULTI_SOURCE", "POB_CODE", "POB_NAME", "POB_TYPE",
    "CITIZENSHIP_LIST", "CYC_SEG_SEP", "CYC_ORDER", "CYC_DATE", "STP_SEG_SEP",
    "STP_ORDER", "STP_EVENT_DATE", "STP_TYPE_CODE", "STP_TYPE_DESCR", "STP_ORI_TYPE",
    "STP_ORI_TYPE_DESCR", "STP_ORI_CODE", "STP_ORI_DESCR", "STP_ORI_CNTY_CODE",
    "STP_ORI_CNTY_NAME", "CNT_SEG_SEP", "CNT_ORDER", "DISP_DATE", "OFN", "OFFENSE_CODE",
    "OFFENSE_DESCR", "OFFENSE_TOC", "OFFENSE_QUAL_LST", "DISP_OFFENSE_CODE",
    "DISP_OFFENSE_DESCR", "DISP_OFFENSE_TOC", "DISP_OFFENSE_QUAL_LST",
    "CONV_OFFENSE_ORDER", "CONV_OFFENSE_CODE", "CONV_OFFENSE_DESCR", "CONV_OFFENSE_TOC",
    "CONV_OFFENSE_QUAL_LST", "FE_NUM_ORDER", "FE_NUM_ARR_AGY", "FE_NUM_BNCH_WARR",
    "FE_NUM_CITE", "FE_NUM_DOCKET", "FE_NUM_INCIDENT", "FE_NUM_BOOKING",
    "FE_NUM_NUMBER", "FE_NUM_REMAND", "FE_NUM_OOS_INN", "FE_NUM_CRT_CASE",
    "FE_NUM_WARRANT", "DISP_ORDER", "DISP_CODE", "DISP_DESCR", "CONV_STAT_CODE",
    "CONV_STAT_DESCR", "SENT_SEG_SEP", "SENT_ORDER", "SENT_LOC_CODE", "SENT_LOC_DESCR",
    "SENT_LENGTH", "SENT_TIME_CODE", "SENT_TIME_DESCR", "CYC_AGE", "CII_TYPE",
    "CII_TYPE_ALPHA", "COMMENT_TEXT", "END_OF_REC",
)

PROP64_DATE = dt.date(2016, 11, 9)
_FIRST_DAY = dt.date(1975, 1, 1).toordinal()
_LAST_OFFENSE = dt.date(2020, 6, 30).toordinal()
_LAST_DISPOSITION = dt.date(2020, 12, 31).toordinal()
_LAST_DEATH = dt.date(2025, 6, 30).toordinal()
_FUTURE_FROM = dt.date(2027, 1, 1).toordinal()
_FUTURE_TO = dt.date(2035, 12, 31).toordinal()
_INFRACTIONS_FROM = dt.date(2011, 1, 1).toordinal()
_BUSIEST_YEAR = dt.date(2003, 1, 1).toordinal()  # mode of the first offense dates
_CANNABIS_WORD_FROM = dt.date(2017, 1, 1).toordinal()


class _Pick:
    """A weighted choice drawn with one ``random()`` call (faster than ``random.choices``)."""

    __slots__ = ("cumulative", "items", "total")

    def __init__(self, pairs: Sequence[tuple[Any, float]]) -> None:
        self.items = [item for item, _ in pairs]
        self.cumulative: list[float] = []
        total = 0.0
        for _, weight in pairs:
            total += weight
            self.cumulative.append(total)
        self.total = total

    def __call__(self, rng: random.Random) -> Any:
        index = bisect.bisect_right(self.cumulative, rng.random() * self.total)
        return self.items[min(index, len(self.items) - 1)]


# --- courts and places ------------------------------------------------------------------


@dataclass(frozen=True)
class _Court:
    code: str
    weight: float
    places: tuple[tuple[str, str], ...]  # (city, first three digits of its ZIP codes)
    area_codes: tuple[str, ...]
    case_prefixes: tuple[str, ...] = ()  # LA style: two letters + 6 digits

    @property
    def short(self) -> str:
        return self.code.split("-", 1)[1]


_COURTS = (
    _Court(
        "CA-LA", 40,
        (("Los Angeles", "900"), ("Long Beach", "908"), ("Pasadena", "911"),
         ("Van Nuys", "914"), ("Glendale", "912"), ("Compton", "902"),
         ("Lancaster", "935"), ("Pomona", "917"), ("Inglewood", "903"),
         ("Torrance", "905")),
        ("213", "323", "310", "818", "626", "562", "661"),
        ("BA", "LA", "VA", "GA", "KA", "MA", "NA", "PA", "SA", "TA", "YA"),
    ),
    _Court("CA-SD", 10, (("San Diego", "921"), ("Chula Vista", "919"), ("Oceanside", "920"),
                         ("El Cajon", "920"), ("Escondido", "920")), ("619", "858", "760")),
    _Court("CA-OR", 9, (("Santa Ana", "927"), ("Anaheim", "928"), ("Irvine", "926"),
                        ("Garden Grove", "928"), ("Huntington Beach", "926")),
           ("714", "949", "657")),
    _Court("CA-RIV", 8, (("Riverside", "925"), ("Moreno Valley", "925"), ("Corona", "928"),
                         ("Indio", "922"), ("Temecula", "925")), ("951", "760")),
    _Court("CA-SB", 8, (("San Bernardino", "924"), ("Fontana", "923"), ("Ontario", "917"),
                        ("Victorville", "923"), ("Rialto", "923")), ("909", "760", "442")),
    _Court("CA-ALA", 6, (("Oakland", "946"), ("Berkeley", "947"), ("Hayward", "945"),
                         ("Fremont", "945")), ("510", "341")),
    _Court("CA-SAC", 6, (("Sacramento", "958"), ("Elk Grove", "957"),
                         ("Citrus Heights", "956")), ("916", "279")),
    _Court("CA-SF", 5, (("San Francisco", "941"),), ("415", "628")),
    _Court("CA-SCL", 5, (("San Jose", "951"), ("Santa Clara", "950"), ("Sunnyvale", "940"),
                         ("Gilroy", "950")), ("408", "669", "650")),
    _Court("CA-FRE", 3, (("Fresno", "937"), ("Clovis", "936"), ("Sanger", "936")), ("559",)),
)
COURT_CODES: tuple[str, ...] = tuple(c.code for c in _COURTS)
_pick_court = _Pick([(c, c.weight) for c in _COURTS])

_STREETS = (
    "Main St", "Broadway", "E 1st St", "Vermont Ave", "Figueroa St", "Olive Ave",
    "Mission St", "University Ave", "Magnolia Ave", "Sunset Blvd", "Central Ave",
    "Pacific Ave", "Lincoln Ave", "Harbor Blvd", "El Camino Real", "3rd Ave", "Oak St",
    "Elm St", "Chestnut St", "Valley Blvd", "Whittier Blvd", "Cesar E Chavez Ave",
    "Colorado Blvd", "Euclid Ave", "Alvarado St", "Brand Blvd", "Garvey Ave",
    "Bolsa Ave", "Tully Rd", "Stockton Blvd",
)
_EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example")

# --- names --------------------------------------------------------------------------------

LANGUAGES: tuple[str, ...] = ("en", "es", "zh", "ko", "vi", "tl", "hy")


@dataclass(frozen=True)
class _Group:
    weight: float
    male: tuple[str, ...]
    female: tuple[str, ...]
    last: tuple[str, ...]
    language: str  # the group's language besides English
    share_language: float  # share of the group whose preferred language it is


_GROUPS = (
    _Group(
        42,
        ("Jose", "Juan", "Luis", "Carlos", "Jesus", "Miguel", "Francisco", "Jorge",
         "Alejandro", "Ricardo", "Roberto", "Manuel", "Eduardo", "Fernando", "Javier",
         "Raul", "Oscar", "Sergio", "Hector", "Armando", "José", "Ramón"),
        ("Maria", "Guadalupe", "Rosa", "Ana", "Veronica", "Leticia", "Alejandra",
         "Yesenia", "Marisol", "Claudia", "Adriana", "Gabriela", "María"),
        ("Garcia", "Hernandez", "Lopez", "Martinez", "Rodriguez", "Gonzalez", "Perez",
         "Sanchez", "Ramirez", "Flores", "Torres", "Rivera", "Gomez", "Diaz", "Cruz",
         "Reyes", "Morales", "Gutierrez", "Ortiz", "Chavez", "Ramos", "Ruiz", "Alvarez",
         "Mendoza", "Vasquez", "Castillo", "Jimenez", "Moreno", "Romero", "Herrera",
         "Medina", "Aguilar", "Vargas", "Guzman", "Salazar", "Delgado", "Cervantes",
         "Contreras", "Nunez", "Núñez", "Ochoa", "Peña", "De La Cruz"),
        "es", 0.55,
    ),
    _Group(
        38,
        ("James", "Michael", "Robert", "John", "David", "William", "Richard", "Joseph",
         "Thomas", "Christopher", "Daniel", "Anthony", "Kevin", "Brian", "Jason", "Marcus",
         "Terrell", "Andre", "DeShawn", "Darnell", "Tyrone", "Cody", "Travis"),
        ("Jennifer", "Lisa", "Michelle", "Kimberly", "Jessica", "Tanisha", "Ashley",
         "Sarah", "Latoya", "Nicole", "Amber", "Crystal"),
        ("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
         "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "White", "Harris", "Martin",
         "Thompson", "Robinson", "Clark", "Lewis", "Walker", "Hall", "Young", "Allen",
         "Wright", "King", "Scott", "Green", "Baker", "Adams", "Washington", "Jefferson",
         "O'Neal", "Carter-Hayes"),
        "en", 0.0,
    ),
    _Group(
        4,
        ("Wei", "Jian", "Ming", "Hong", "Jun", "Kevin", "Jason", "Tony"),
        ("Mei", "Ying", "Hui", "Xiao", "Li", "Jenny"),
        ("Chen", "Wang", "Li", "Zhang", "Liu", "Huang", "Wu", "Lin", "Zhou", "Yang", "Lee",
         "Wong", "Chan"),
        "zh", 0.4,
    ),
    _Group(
        3,
        ("Min-jun", "Ji-hoon", "Hyun", "Sung", "Dong-hyun", "Daniel"),
        ("Seo-yeon", "Ji-woo", "Eun-ji", "Soo-jin", "Young"),
        ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim"),
        "ko", 0.4,
    ),
    _Group(
        4,
        ("Minh", "Tuan", "Thanh", "Hung", "Duc", "Quang", "Peter"),
        ("Linh", "Huong", "Lan", "Trang", "Thao"),
        ("Nguyen", "Tran", "Le", "Pham", "Hoang", "Phan", "Vu", "Dang", "Bui", "Do"),
        "vi", 0.45,
    ),
    _Group(
        5,
        ("Mark", "Ramon", "Rogelio", "Arnel", "Jun", "Ferdinand", "Rey"),
        ("Jocelyn", "Maricel", "Rowena", "Analyn", "Cristina"),
        ("Santos", "Reyes", "Cruz", "Bautista", "Ocampo", "Dela Cruz", "Villanueva",
         "Aquino", "Pascual", "Manalo", "Mendoza"),
        "tl", 0.3,
    ),
    _Group(
        4,
        ("Armen", "Aram", "Hovhannes", "Tigran", "Vahe", "Narek", "Gevorg", "Arthur"),
        ("Ani", "Lusine", "Anahit", "Nare", "Hasmik", "Lilit"),
        ("Petrosyan", "Sargsyan", "Hovhannisyan", "Grigoryan", "Harutyunyan", "Khachatryan",
         "Avetisyan", "Karapetyan", "Mkrtchyan", "Ghazaryan", "Babayan", "Davtyan",
         "Manukyan", "Hakobyan"),
        "hy", 0.4,
    ),
)
_pick_group = _Pick([(g, g.weight) for g in _GROUPS])

# --- offenses -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Offense:
    code: str  # HS, PC, VC
    section: str  # 11359, 664/187
    sub: tuple[str, ...]  # ("b",), ("a", "1"), ()
    description: str
    levels: _Pick
    grams: tuple[float, float] | None = None  # range for facts.grams
    cannabis: bool = False


def _levels(felony: float, misdemeanor: float, infraction: float = 0) -> _Pick:
    pairs = [("felony", felony), ("misdemeanor", misdemeanor), ("infraction", infraction)]
    return _Pick([p for p in pairs if p[1] > 0])


def _hs(section: str, sub: str, desc: str, levels: _Pick, grams=None) -> _Offense:
    return _Offense("HS", section, (sub,) if sub else (), desc, levels, grams, True)


_CANNABIS = _Pick([
    (_hs("11357", "a", "POSSESS CONCENTRATED MARIJUANA", _levels(35, 65), (1, 60)), 7),
    (_hs("11357", "b", "POSSESS MARIJUANA 28.5 GRAMS OR LESS", _levels(0, 70, 30),
         (0.5, 28.5)), 20),
    (_hs("11357", "c", "POSSESS MARIJUANA OVER 28.5 GRAMS", _levels(0, 1), (28.6, 900)), 7),
    (_hs("11357", "d", "POSSESS MARIJUANA ON SCHOOL GROUNDS", _levels(0, 1), (0.5, 28.5)),
     2.5),
    (_hs("11357", "e", "MINOR POSSESS MARIJUANA ON SCHOOL GROUNDS", _levels(0, 1),
         (0.5, 28.5)), 0.5),
    (_hs("11357", "", "POSSESS MARIJUANA", _levels(20, 80), (0.5, 200)), 4),
    (_hs("11358", "", "CULTIVATE MARIJUANA", _levels(85, 15), (50, 20000)), 12),
    (_hs("11359", "", "POSSESS MARIJUANA FOR SALE", _levels(90, 10), (30, 9000)), 15),
    (_hs("11359", "b", "POSSESS MARIJUANA FOR SALE", _levels(60, 40), (30, 9000)), 8),
    (_hs("11360", "a", "TRANSPORT/SELL MARIJUANA", _levels(90, 10), (5, 5000)), 12),
    (_hs("11360", "b", "GIVE AWAY MARIJUANA 28.5 GRAMS OR LESS", _levels(0, 80, 20),
         (0.5, 28.5)), 3),
    (_hs("11360", "", "TRANSPORT/SELL MARIJUANA", _levels(1, 0), (5, 5000)), 3),
])


def _o(code: str, section: str, sub: str, desc: str, levels: _Pick) -> _Offense:
    parts = tuple(p for p in sub.split(",") if p)
    return _Offense(code, section, parts, desc, levels)


_OTHER = _Pick([
    (_o("VC", "23152", "a", "DUI ALCOHOL/DRUGS", _levels(5, 95)), 14),
    (_o("VC", "23152", "b", "DUI .08 BLOOD ALCOHOL", _levels(5, 95)), 8),
    (_o("PC", "459", "", "BURGLARY", _levels(70, 30)), 8),
    (_o("PC", "484", "a", "PETTY THEFT", _levels(0, 1)), 8),
    (_o("PC", "488", "", "PETTY THEFT", _levels(0, 1)), 3),
    (_o("HS", "11350", "a", "POSSESS NARCOTIC CONTROLLED SUBSTANCE", _levels(70, 30)), 10),
    (_o("HS", "11377", "a", "POSSESS CONTROLLED SUBSTANCE", _levels(60, 40)), 8),
    (_o("HS", "11364", "", "POSSESS DRUG PARAPHERNALIA", _levels(0, 1)), 6),
    (_o("HS", "11550", "a", "UNDER INFLUENCE CONTROLLED SUBSTANCE", _levels(0, 1)), 5),
    (_o("HS", "11351", "", "POSSESS NARCOTIC FOR SALE", _levels(1, 0)), 3),
    (_o("HS", "11352", "a", "TRANSPORT/SELL NARCOTIC", _levels(1, 0)), 2),
    (_o("HS", "11378", "", "POSSESS CONTROLLED SUBSTANCE FOR SALE", _levels(1, 0)), 2),
    (_o("PC", "148", "a,1", "RESIST/OBSTRUCT PEACE OFFICER", _levels(0, 1)), 5),
    (_o("PC", "245", "a,1", "ASSAULT WITH DEADLY WEAPON", _levels(85, 15)), 3),
    (_o("PC", "273.5", "a", "INFLICT CORPORAL INJURY ON SPOUSE", _levels(60, 40)), 3),
    (_o("PC", "496", "a", "RECEIVE STOLEN PROPERTY", _levels(50, 50)), 3),
    (_o("PC", "647", "f", "DISORDERLY CONDUCT: INTOXICATION", _levels(0, 1)), 4),
    (_o("PC", "12025", "a,1", "CARRY CONCEALED WEAPON IN VEHICLE", _levels(50, 50)), 2),
    (_o("VC", "14601.1", "a", "DRIVE WITH SUSPENDED LICENSE", _levels(0, 1)), 5),
    (_o("VC", "10851", "a", "TAKE VEHICLE WITHOUT OWNER CONSENT", _levels(80, 20)), 2),
])

_SUPER_STRIKES = _Pick([
    (_o("PC", "187", "a", "MURDER", _levels(1, 0)), 30),
    (_o("PC", "664/187", "a", "ATTEMPTED MURDER", _levels(1, 0)), 45),
    (_o("PC", "261", "a,2", "RAPE BY FORCE/FEAR", _levels(1, 0)), 25),
])
# PC 290 registrable; PC 261 is both a super strike and registrable.
_REGISTRABLE = _Pick([
    (_o("PC", "261", "a,2", "RAPE BY FORCE/FEAR", _levels(1, 0)), 20),
    (_o("PC", "647.6", "a", "ANNOY/MOLEST CHILD", _levels(10, 90)), 30),
    (_o("PC", "311.11", "a", "POSSESS CHILD PORNOGRAPHY", _levels(60, 40)), 20),
    (_o("PC", "243.4", "a", "SEXUAL BATTERY", _levels(40, 60)), 20),
    (_o("PC", "314", "1", "INDECENT EXPOSURE", _levels(10, 90)), 10),
])

_STATUTE_SHORT_DESC = {
    "11357": "POSS MARIJUANA",
    "11358": "CULTIVATE MARIJUANA",
    "11359": "POSS MARIJUANA FOR SALE",
    "11360": "TRANSPORT MARIJUANA",
}


def _spell(offense: _Offense, style: int, when: int) -> str:
    """The statute as one court system or another writes it (see the module docstring)."""
    code, section, sub = offense.code, offense.section, offense.sub
    paren_lower = "".join(f"({p})" for p in sub)
    if style == 0:  # HS 11359(b)
        return f"{code} {section}{paren_lower}"
    if style == 1:  # 11359(B) HS
        return f"{section}{paren_lower.upper()} {code}"
    if style == 2:  # H&S 11359 (b)
        prefix = "H&S" if code == "HS" else code
        return f"{prefix} {section} {paren_lower}".rstrip()
    if style == 3:  # HS11359B
        return f"{code}{section}{''.join(sub).upper()}"
    if style == 4:  # 11358 HS-CULTIVATE MARIJUANA (only for statutes without subsection)
        if sub:
            return f"{code} {section}{paren_lower}"
        short = _STATUTE_SHORT_DESC.get(section, offense.description)[:40]
        if when >= _CANNABIS_WORD_FROM:
            short = short.replace("MARIJUANA", "CANNABIS")
        return f"{section} {code}-{short}"
    # style 5: garbled, the way a bad extract sometimes looks; mentions the section only
    if not offense.cannabis:
        return f"{code} {section}{paren_lower}"
    return f"H5 {section}" if section == "11360" else f"{section}/MJ"


_pick_style = _Pick([(0, 45), (1, 20), (2, 12), (3, 12), (4, 10.7), (5, 0.3)])

# --- dates and times ----------------------------------------------------------------------


def _nth_sunday(year: int, month: int, n: int) -> int:
    """Ordinal of the n-th Sunday of a month (n = -1: the last one)."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first.toordinal() + (6 - first.weekday()) % 7 + 7 * (n - 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1).toordinal() - 1
    return nxt - (dt.date.fromordinal(nxt).weekday() + 1) % 7


def _pacific_offset(ordinal: int) -> str:
    """UTC offset of California on that day (US daylight-saving rules since 1976)."""
    year = dt.date.fromordinal(ordinal).year
    if year >= 2007:
        start, end = _nth_sunday(year, 3, 2), _nth_sunday(year, 11, 1)
    elif year >= 1987:
        start, end = _nth_sunday(year, 4, 1), _nth_sunday(year, 10, -1)
    else:
        start, end = _nth_sunday(year, 4, -1), _nth_sunday(year, 10, -1)
    return "-07:00" if start <= ordinal < end else "-08:00"


def _timestamp(rng: random.Random, ordinal: int) -> str:
    """An RFC 3339 timestamp on that day, mostly in Pacific time, sometimes in UTC."""
    hour, minute, second = rng.randint(7, 18), rng.randrange(60), rng.randrange(60)
    day = dt.date.fromordinal(ordinal).isoformat()
    if rng.random() < 0.15:
        return f"{day}T{hour + 5:02d}:{minute:02d}:{second:02d}Z"
    return f"{day}T{hour:02d}:{minute:02d}:{second:02d}{_pacific_offset(ordinal)}"


def _iso(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).isoformat()


# --- identifiers --------------------------------------------------------------------------

_SUBJECT_SPACE = 10**9
_SUBJECT_STEP = 387_420_489  # 3**18: coprime with 10**9, so i -> step*i + b is a bijection
_CASE_SPACE = 10**6
_CASE_STEP = 177_147  # 3**11: coprime with 10**6


def _subject_id(index: int, offset: int) -> str:
    if index >= _SUBJECT_SPACE:
        return f"CII{index:012d}"
    return f"CII{(_SUBJECT_STEP * index + offset) % _SUBJECT_SPACE:09d}"


def _case_digits(n: int, offset: int) -> str:
    if n >= _CASE_SPACE:
        return f"{n:09d}"
    return f"{(_CASE_STEP * n + offset) % _CASE_SPACE:06d}"


class _Ids:
    """Per-court counters: event ids and case numbers are unique per court."""

    def __init__(self, seed: int) -> None:
        self.events = {c.code: 0 for c in _COURTS}
        self.cases = {c.code: 0 for c in _COURTS}
        self.subject_offset = (seed * 2_654_435_761 + 12_345) % _SUBJECT_SPACE
        self.case_offset = (seed * 40_503 + 7_919) % _CASE_SPACE

    def event_id(self, court: _Court) -> str:
        self.events[court.code] += 1
        return f"{court.code}-{self.events[court.code]:09d}"

    def case_number(self, court: _Court, felony: bool, when: int) -> str:
        n = self.cases[court.code]
        self.cases[court.code] += 1
        if court.case_prefixes:  # LA: BA123456
            k = len(court.case_prefixes)
            prefix = n % k  # each prefix numbers its own cases, from its own offset
            digits = _case_digits(n // k, (self.case_offset + prefix * 104_729) % _CASE_SPACE)
            return f"{court.case_prefixes[prefix]}{digits}"
        year = dt.date.fromordinal(when).year % 100
        kind = "F" if felony else "M"
        return f"{court.short}{year:02d}{kind}{_case_digits(n, self.case_offset)}"


# --- people -------------------------------------------------------------------------------

_pick_cases = _Pick([(1, 58), (2, 22), (3, 10), (4, 5), (5, 3), (6, 1.5), (7, 0.5)])
_pick_counts = _Pick([(1, 55), (2, 28), (3, 12), (4, 5)])
_pick_age = _Pick([((15, 17), 3), ((18, 20), 22), ((21, 25), 30), ((26, 35), 28),
                   ((36, 50), 14), ((51, 65), 3)])

_SHARE_SUPER_STRIKE = 0.011
_SHARE_REGISTRANT = 0.014
_SHARE_DEATH = 0.004
_SHARE_REPEAT = 0.05  # repeat offenders of one cannabis section (three or more cases)


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def _contact(rng: random.Random, group: _Group, court: _Court, first: str, last: str):
    contact: dict[str, Any] = {}
    if rng.random() < 0.5:
        domain = _EMAIL_DOMAINS[rng.randrange(len(_EMAIL_DOMAINS))]
        contact["email"] = f"{_ascii(first)}.{_ascii(last)}{rng.randint(1, 99)}@{domain}"
    if rng.random() < 0.4:
        area = court.area_codes[rng.randrange(len(court.area_codes))]
        contact["phone"] = f"+1{area}55501{rng.randrange(100):02d}"
    if rng.random() < 0.88:
        city, zip3 = court.places[rng.randrange(len(court.places))]
        address: dict[str, Any] = {
            "line1": f"{rng.randint(100, 19999)} {_STREETS[rng.randrange(len(_STREETS))]}",
        }
        roll = rng.random()
        if roll < 0.12:
            address["line2"] = f"Apt {rng.randint(1, 40)}"
        elif roll < 0.2:
            address["line2"] = f"Unit {rng.randint(1, 9)}{'ABCD'[rng.randrange(4)]}"
        elif roll < 0.23:
            address["line2"] = None
        address.update(city=city, state="CA", postal_code=f"{zip3}{rng.randrange(100):02d}")
        contact["postal_address"] = address
    if rng.random() < 0.92:
        if group.share_language and rng.random() < group.share_language:
            contact["language"] = group.language
        else:
            contact["language"] = "es" if rng.random() < 0.02 else "en"
    return contact or None


def _copy_contact(contact: dict[str, Any]) -> dict[str, Any]:
    """Each event gets its own dicts, so a consumer that edits one event edits only it."""
    copy = dict(contact)
    if "postal_address" in copy:
        copy["postal_address"] = dict(copy["postal_address"])
    return copy


@dataclass
class _Case:
    court: _Court
    conduct: int  # ordinal of the offense date
    kind: str  # regular, super_strike, registrable


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.ids = _Ids(seed)

    # one person, all of their events --------------------------------------------------
    def person(self, index: int, max_cases: int) -> list[dict[str, Any]]:
        rng = self.rng
        group: _Group = _pick_group(rng)
        male = rng.random() < 0.84
        names = group.male if male else group.female
        first = names[rng.randrange(len(names))]
        last = group.last[rng.randrange(len(group.last))]
        home: _Court = _pick_court(rng)
        contact = _contact(rng, group, home, first, last)

        repeat = rng.random() < _SHARE_REPEAT
        n_cases = rng.randint(3, 6) if repeat else _pick_cases(rng)
        kinds = ["regular"] * n_cases
        super_strike = rng.random() < _SHARE_SUPER_STRIKE
        registrant = rng.random() < _SHARE_REGISTRANT
        registrable_case = registrant and rng.random() < 0.6
        dies = rng.random() < _SHARE_DEATH
        if super_strike:
            kinds.insert(rng.randint(0, len(kinds)), "super_strike")
        if registrable_case:
            kinds.insert(rng.randint(0, len(kinds)), "registrable")
        kinds = kinds[:max_cases]

        # the timeline: first conduct date, then gaps
        first_day = int(rng.triangular(_FIRST_DAY, _LAST_OFFENSE, _BUSIEST_YEAR))
        low, high = _pick_age(rng)
        age = rng.randint(low, high)
        dob = dt.date.fromordinal(first_day) - dt.timedelta(days=365 * age + rng.randrange(365))
        dob_ord = max(dob.toordinal(), dt.date(1925, 1, 1).toordinal())
        cases: list[_Case] = []
        day = first_day
        for i, kind in enumerate(kinds):
            if i:
                day += int(rng.triangular(60, 365 * 8, 365))
                if day > _LAST_OFFENSE:
                    break  # the rest of this life's record lies after our data ends
            court = home if rng.random() < 0.85 else _pick_court(rng)
            cases.append(_Case(court, day, kind))

        subject_id = _subject_id(index, self.ids.subject_offset)
        subject = {
            "subject_id": subject_id,
            "first_name": first,
            "last_name": last,
            "date_of_birth": _iso(dob_ord),
        }
        favourite: _Offense = _CANNABIS(rng)
        events: list[tuple[int, dict[str, Any]]] = []
        last_day = first_day
        registrable_day: int | None = None
        for case in cases:
            event, disposed_on = self.disposition(case, subject, contact, favourite, repeat)
            events.append((disposed_on, event))
            last_day = max(last_day, disposed_on)
            if case.kind == "registrable" and registrable_day is None:
                registrable_day = disposed_on
        if registrant:
            if registrable_day is not None:
                reg_day = registrable_day + rng.randint(1, 30)
            else:
                adult = max(_FIRST_DAY, dob_ord + 365 * 18)
                reg_day = rng.randint(adult, max(adult, _LAST_DISPOSITION))
            reg_court = cases[0].court if cases else home
            events.append((reg_day, {
                "event_id": self.ids.event_id(reg_court),
                "event_type": "registration",
                "court": reg_court.code,
                "occurred_at": _timestamp(rng, reg_day),
                "subject": dict(subject),
                "registration": {"statute": _spell(_PC290, _pick_style(rng) % 4, reg_day),
                                 "date": _iso(reg_day)},
            }))
            last_day = max(last_day, reg_day)
        events.sort(key=lambda pair: pair[0])
        if dies:
            death_day = rng.randint(min(last_day + 30, _LAST_DEATH), _LAST_DEATH)
            court = home
            events.append((death_day, {
                "event_id": self.ids.event_id(court),
                "event_type": "death",
                "court": court.code,
                "occurred_at": _timestamp(rng, death_day + rng.randint(10, 120)),
                "subject": dict(subject),
                "death": {"date": _iso(death_day)},
            }))
        return [event for _, event in events]

    # one case: one disposition event ------------------------------------------------------
    def disposition(self, case: _Case, subject, contact, favourite: _Offense, repeat: bool):
        rng = self.rng
        n_counts = _pick_counts(rng)
        offenses: list[_Offense] = []
        if case.kind == "super_strike":
            offenses.append(_SUPER_STRIKES(rng))
        elif case.kind == "registrable":
            offenses.append(_REGISTRABLE(rng))
        elif repeat or rng.random() < 0.72:
            offenses.append(favourite if repeat or rng.random() < 0.5 else _CANNABIS(rng))
        else:
            offenses.append(_OTHER(rng))
        for _ in range(n_counts - 1):
            offenses.append(_CANNABIS(rng) if rng.random() < 0.5 else _OTHER(rng))

        roll = rng.random()
        pending_share = 0.06 if case.conduct >= PROP64_DATE.toordinal() else 0.02
        if case.kind != "regular" or roll >= 0.10 + pending_share + 0.01:
            outcome = "convicted"
        elif roll < 0.10:
            outcome = "dismissed"
        elif roll < 0.10 + pending_share:
            outcome = "pending"
        else:
            outcome = "acquitted"

        disposed_on = min(case.conduct + int(rng.triangular(7, 600, 60)), _LAST_DISPOSITION)
        with_offense_date = rng.random() < 0.92
        levels = [o.levels(rng) for o in offenses]
        for i, level in enumerate(levels):
            if level == "infraction" and case.conduct < _INFRACTIONS_FROM:
                levels[i] = "misdemeanor"
        felony = "felony" in levels
        sentence = self.sentence(levels[0], disposed_on, case.kind) if outcome == "convicted" \
            else None

        counts = []
        for number, (offense, level) in enumerate(zip(offenses, levels, strict=True), 1):
            if outcome == "convicted" and number > 1 and rng.random() < 0.55:
                disposition = "dismissed"  # the usual plea bargain
            else:
                disposition = outcome
            description = offense.description
            if case.conduct >= _CANNABIS_WORD_FROM:
                description = description.replace("MARIJUANA", "CANNABIS")
            count: dict[str, Any] = {
                "count": number,
                "statute": _spell(offense, _pick_style(rng), case.conduct),
                "description": description if rng.random() < 0.95 else None,
                "level": level,
            }
            if with_offense_date:
                count["offense_date"] = _iso(case.conduct)
            count["disposition"] = disposition
            count["disposition_date"] = _iso(disposed_on)
            if disposition == "convicted" and sentence is not None:
                count["sentence"] = dict(sentence)
            if offense.cannabis and rng.random() < 0.35:
                count["facts"] = self.facts(offense)
            counts.append(count)

        event = {
            "event_id": self.ids.event_id(case.court),
            "event_type": "disposition",
            "court": case.court.code,
            "occurred_at": _timestamp(rng, disposed_on + rng.randint(0, 20)),
            "subject": {**subject, "contact": _copy_contact(contact)} if contact
            else dict(subject),
            "case": {
                "case_number": self.ids.case_number(case.court, felony, case.conduct),
                "counts": counts,
            },
        }
        return event, disposed_on

    def sentence(self, level: str, disposed_on: int, kind: str) -> dict[str, Any] | None:
        rng = self.rng
        if rng.random() < 0.06:
            return None
        if kind == "super_strike":
            sentence_kind = "prison"
        elif level == "felony":
            sentence_kind = _FELONY_SENTENCES(rng)
        elif level == "misdemeanor":
            sentence_kind = _MISDEMEANOR_SENTENCES(rng)
        else:
            sentence_kind = "fine" if rng.random() < 0.9 else "none"
        sentence: dict[str, Any] = {"kind": sentence_kind}
        if sentence_kind == "none" or rng.random() < 0.08:
            return sentence  # no end date: none, or unknown
        if kind == "super_strike":
            end = disposed_on + rng.randint(365 * 7, 365 * 30)
        elif (sentence_kind in ("prison", "probation") and disposed_on >= 732_000  # ~2005
              and rng.random() < 0.03):
            end = rng.randint(_FUTURE_FROM, _FUTURE_TO)  # still serving
        elif sentence_kind == "prison":
            end = disposed_on + rng.randint(480, 365 * 6)
        elif sentence_kind == "jail":
            end = disposed_on + rng.randint(2, 365)
        elif sentence_kind == "probation":
            end = disposed_on + 365 * rng.randint(1, 5)
        else:  # fine: date due
            end = disposed_on + rng.randint(0, 180)
        sentence["end_date"] = _iso(end)
        return sentence

    def facts(self, offense: _Offense) -> dict[str, Any]:
        rng = self.rng
        facts: dict[str, Any] = {}
        if offense.section == "11358":
            facts["plants"] = rng.randint(1, 6) if rng.random() < 0.35 else rng.randint(7, 800)
            if rng.random() < 0.3:
                low, high = offense.grams or (0.5, 100)
                facts["grams"] = round(rng.uniform(low, high), 1)
            if rng.random() < 0.7:
                facts["environmental_violation"] = rng.random() < 0.1
        else:
            low, high = offense.grams or (0.5, 100)
            facts["grams"] = round(rng.uniform(low, high), 1) if rng.random() < 0.9 else None
        if rng.random() < 0.7:
            facts["involved_minor"] = rng.random() < 0.03
        if all(value is None for value in facts.values()):  # no fact known: no facts at all
            low, high = offense.grams or (0.5, 100)
            facts["grams"] = round(rng.uniform(low, high), 1)
        return facts


_PC290 = _o("PC", "290", "", "SEX OFFENDER REGISTRATION", _levels(1, 0))
_FELONY_SENTENCES = _Pick([("prison", 25), ("jail", 35), ("probation", 35), ("none", 5)])
_MISDEMEANOR_SENTENCES = _Pick([("jail", 30), ("probation", 45), ("fine", 20), ("none", 5)])


def generate_events(
    cases: int | None = None, *, people: int | None = None, seed: int = 0
) -> Iterator[dict[str, Any]]:
    """Yield record-event dicts, one person's events together, until the size is reached.

    Give exactly one size: ``cases`` (the number of ``disposition`` events, one per case;
    registrations and deaths come on top) or ``people`` (the number of people).
    """
    if (cases is None) == (people is None):
        raise ValueError("give exactly one of cases or people")
    size = cases if cases is not None else people
    assert size is not None
    if size < 0:
        raise ValueError("the size must not be negative")
    return _stream(size, by_cases=cases is not None, seed=seed)


def _stream(size: int, *, by_cases: bool, seed: int) -> Iterator[dict[str, Any]]:
    generator = _Generator(seed)
    emitted = 0  # disposition events so far
    index = 0  # people so far
    while (emitted if by_cases else index) < size:
        remaining = size - emitted if by_cases else _CASE_SPACE
        events = generator.person(index, remaining)
        index += 1
        for event in events:
            if event["event_type"] == "disposition":
                emitted += 1
            yield event


def sample_events(people: int = 300, seed: int = 7) -> list[dict[str, Any]]:
    """A small demo data set: the events of ``people`` people (a few hundred by default)."""
    return list(generate_events(people=people, seed=seed))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def csv_rows(event: dict[str, Any]) -> list[dict[str, str]]:
    """The CSV rows (keyed by :data:`CSV_COLUMNS`) of one disposition event; [] otherwise."""
    if event.get("event_type") != "disposition":
        return []
    subject = event["subject"]
    contact = subject.get("contact") or {}
    address = contact.get("postal_address") or {}
    head = {
        "event_id": event["event_id"],
        "event_type": "disposition",
        "court": event["court"],
        "occurred_at": event["occurred_at"],
        "subject_id": subject["subject_id"],
        "first_name": subject.get("first_name"),
        "last_name": subject.get("last_name"),
        "date_of_birth": subject.get("date_of_birth"),
        "email": contact.get("email"),
        "phone": contact.get("phone"),
        "language": contact.get("language"),
        "address_line1": address.get("line1"),
        "address_line2": address.get("line2"),
        "city": address.get("city"),
        "state": address.get("state"),
        "postal_code": address.get("postal_code"),
        "case_number": event["case"]["case_number"],
    }
    rows = []
    for count in event["case"]["counts"]:
        sentence = count.get("sentence") or {}
        facts = count.get("facts") or {}
        row = {
            **head,
            "count": count["count"],
            "statute": count["statute"],
            "description": count.get("description"),
            "level": count["level"],
            "offense_date": count.get("offense_date"),
            "disposition": count["disposition"],
            "disposition_date": count["disposition_date"],
            "sentence_kind": sentence.get("kind"),
            "sentence_end_date": sentence.get("end_date"),
            "grams": facts.get("grams"),
            "plants": facts.get("plants"),
            "involved_minor": facts.get("involved_minor"),
            "environmental_violation": facts.get("environmental_violation"),
            "imported": facts.get("imported"),
        }
        rows.append({column: _cell(row[column]) for column in CSV_COLUMNS})
    return rows


# --- the DOJ research file ----------------------------------------------------------------
#
# `doj_lines` writes people's criminal histories in the DOJ research file's layout
# (:data:`DOJ_COLUMNS`, one row per count per step): per arrest cycle an arrest step and,
# for most, a court step with its disposition (convicted, dismissed, acquitted, or none
# reported yet), sentences with a length and unit, priors, PC 290 registrations, deaths,
# counts whose charge is only in COMMENT_TEXT (`SEE COMMENT FOR CHARGE`), unreadable
# statutes, a few non-cannabis counts whose comment cites HS 11359, and a few bad rows
# (an impossible date, a county outside California, no level, no count number, no birth
# date, a row with cells missing) for an importer's rejects path. Courts are all 58
# counties, the demo's ten weighted as in :data:`COURT_CODES`. Identity numbers are
# never-issued forms (SSN area 000, `DL` + digits, `FK` FBI numbers): nothing is real.

_W = len(DOJ_COLUMNS)
_D = {name: i for i, name in enumerate(DOJ_COLUMNS)}


def _doj_courts() -> _Pick:
    from clearway.common.courts import COUNTIES

    weights = {c.code: c.weight for c in _COURTS}
    return _Pick([((code, name.upper()), weights.get(code, 0.3))
                  for code, name in COUNTIES.items()])


_ymd_cache: dict[int, str] = {}


def _ymd(ordinal: int) -> str:
    text = _ymd_cache.get(ordinal)
    if text is None:
        text = dt.date.fromordinal(ordinal).strftime("%Y%m%d")
        _ymd_cache[ordinal] = text
    return text


def _doj_statute(offense: _Offense, when: int) -> str:
    subs = "".join(f"({p.upper()})" for p in offense.sub)
    description = offense.description
    if when >= _CANNABIS_WORD_FROM:
        description = description.replace("MARIJUANA", "CANNABIS")
    return f"{offense.section}{subs} {offense.code}-{description}"


_DOJ_OUTCOMES = _Pick([("CONVICTED", 80), ("DISMISSED", 10), ("ACQUITTED", 1),
                       ("", 3)])
_DOJ_ARREST_ONLY = _Pick([("RELEASED/DETENTION ONLY", 1), ("PROS REJ-LACK OF SUFF EVIDENCE", 1),
                          ("", 1)])
_DOJ_BAD = ("date", "county", "level", "count", "dob", "cells")


class _DojGenerator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.courts = _doj_courts()
        self.case_counter: dict[str, int] = {}
        self.subject_offset = (seed * 2_654_435_761 + 12_345) % _SUBJECT_SPACE

    def person(self, index: int) -> list[list[str]]:
        rng = self.rng
        group: _Group = _pick_group(rng)
        male = rng.random() < 0.84
        names = group.male if male else group.female
        first = _upper_ascii(names[rng.randrange(len(names))])
        last = _upper_ascii(group.last[rng.randrange(len(group.last))])
        if rng.random() < 0.4:
            first += " " + "ABCDEFGHJKLMNPRSTW"[rng.randrange(18)]
        home = self.courts(rng)
        first_day = int(rng.triangular(_FIRST_DAY, _LAST_OFFENSE, _BUSIEST_YEAR))
        low, high = _pick_age(rng)
        dob = max(first_day - 365 * rng.randint(low, high) - rng.randrange(365),
                  dt.date(1925, 1, 1).toordinal())
        base = [""] * _W
        subject_number = (_SUBJECT_STEP * index + self.subject_offset) % _SUBJECT_SPACE
        base[_D["RECORD_ID"]] = str(index + 1)
        base[_D["SUBJECT_STATUS"]] = "ACTIVE"
        base[_D["SUBJECT_ID"]] = f"{subject_number:09d}"
        if rng.random() >= 0.03:  # a few people have no CII number: SUBJECT_ID stands in
            base[_D["CII_NUMBER"]] = f"A{subject_number:09d}"
        base[_D["PRI_NAME"]] = f"{last},{first}"
        base[_D["GENDER"]] = "M" if male else "F"
        base[_D["PRI_DOB"]] = _ymd(dob)
        base[_D["PRI_SSN"]] = f"000{subject_number % 1_000_000:06d}"  # area 000: never issued
        base[_D["PRI_CDL"]] = f"DL{subject_number % 10_000_000:07d}"
        base[_D["FBI_NUMBER"]] = f"{subject_number % 1_000_000}FK{rng.randrange(10)}"
        base[_D["RACE_DESCR"]] = "UNKNOWN"
        base[_D["END_OF_REC"]] = "Z"

        repeat = rng.random() < _SHARE_REPEAT
        n_cases = rng.randint(3, 6) if repeat else _pick_cases(rng)
        kinds = ["regular"] * n_cases
        if rng.random() < _SHARE_SUPER_STRIKE:
            kinds.insert(rng.randint(0, len(kinds)), "super_strike")
        registrant = rng.random() < _SHARE_REGISTRANT
        if registrant and rng.random() < 0.6:
            kinds.insert(rng.randint(0, len(kinds)), "registrable")
        favourite: _Offense = _CANNABIS(rng)
        rows: list[list[str]] = []
        day = first_day
        cycle = 0
        last_day = day
        for i, kind in enumerate(kinds):
            if i:
                day += int(rng.triangular(60, 365 * 8, 365))
                if day > _LAST_OFFENSE:
                    break
            cycle += 1
            court = home if rng.random() < 0.85 else self.courts(rng)
            last_day = max(last_day, self.cycle(rows, base, cycle, day, court, kind, favourite,
                                                repeat))
        if registrant:
            cycle += 1
            reg_day = rng.randint(max(_FIRST_DAY, dob + 365 * 18),
                                  max(_FIRST_DAY, dob + 365 * 18, _LAST_DISPOSITION))
            cells = self.step(base, cycle, 1, reg_day, "REGISTRATION", home, "SHERIFF")
            cells[_D["CNT_ORDER"]] = "1"
            cells[_D["OFFENSE_DESCR"]] = "290 PC-REGISTRATION OF SEX OFFENDER"
            rows.append(cells)
            last_day = max(last_day, reg_day)
        if rng.random() < _SHARE_DEATH:
            cycle += 1
            death = rng.randint(min(last_day + 30, _LAST_DEATH), _LAST_DEATH)
            cells = self.step(base, cycle, 1, death, "DECEASED", home, "CORONER")
            if rng.random() < 0.3:
                cells[_D["STP_ORI_CNTY_NAME"]] = ""  # the importer takes the person's court
            rows.append(cells)
        return rows

    def step(self, base: list[str], cycle: int, order: int, day: int, kind: str,
             court: tuple[str, str], agency: str) -> list[str]:
        cells = base.copy()
        cells[_D["CYC_ORDER"]] = str(cycle)
        cells[_D["CYC_DATE"]] = _ymd(day)
        cells[_D["STP_ORDER"]] = str(order)
        cells[_D["STP_EVENT_DATE"]] = _ymd(day)
        cells[_D["STP_TYPE_DESCR"]] = kind
        cells[_D["STP_ORI_DESCR"]] = f"{agency} {court[1]}"
        cells[_D["STP_ORI_CNTY_NAME"]] = court[1]
        return cells

    def cycle(self, rows: list[list[str]], base: list[str], cycle: int, day: int,
              court: tuple[str, str], kind: str, favourite: _Offense, repeat: bool) -> int:
        rng = self.rng
        if kind == "super_strike":
            offenses = [_SUPER_STRIKES(rng)]
        elif kind == "registrable":
            offenses = [_REGISTRABLE(rng)]
        elif repeat or rng.random() < 0.72:
            offenses = [favourite if repeat or rng.random() < 0.5 else _CANNABIS(rng)]
        else:
            offenses = [_OTHER(rng)]
        for _ in range(_pick_counts(rng) - 1):
            offenses.append(_CANNABIS(rng) if rng.random() < 0.5 else _OTHER(rng))
        levels = [o.levels(rng) for o in offenses]
        for i, level in enumerate(levels):
            if level == "infraction" and day < _INFRACTIONS_FROM:
                levels[i] = "misdemeanor"
        arrest_only = kind == "regular" and rng.random() < 0.12
        for number, offense in enumerate(offenses, 1):  # the arrest step
            cells = self.step(base, cycle, 1, day, "ARREST/DETAINED/CITED", court,
                              "POLICE DEPARTMENT")
            cells[_D["CNT_ORDER"]] = str(number)
            cells[_D["OFFENSE_DESCR"]] = _doj_statute(offense, day)
            cells[_D["OFFENSE_TOC"]] = levels[number - 1][0].upper()
            if arrest_only:
                cells[_D["DISP_DESCR"]] = _DOJ_ARREST_ONLY(rng)
            rows.append(cells)
        if arrest_only:
            return day
        disposed = min(day + int(rng.triangular(7, 600, 60)), _LAST_DISPOSITION)
        outcome = "CONVICTED" if kind != "regular" else _DOJ_OUTCOMES(rng)
        code, county = court
        n = self.case_counter.get(code, 0)
        self.case_counter[code] = n + 1
        felony = "felony" in levels
        case_number = (f"{code[3:]}{dt.date.fromordinal(day).year % 100:02d}"
                       f"{'F' if felony else 'M'}{_case_digits(n, self.subject_offset % 997)}")
        with_case = rng.random() < 0.93
        for number, (offense, level) in enumerate(zip(offenses, levels, strict=True), 1):
            cells = self.step(base, cycle, 2, disposed, "COURT ACTION", court,
                              "SUPERIOR COURT")
            cells[_D["CYC_DATE"]] = _ymd(day)
            cells[_D["STP_ORI_TYPE_DESCR"]] = "COURT"
            cells[_D["CNT_ORDER"]] = str(number)
            cells[_D["DISP_DATE"]] = _ymd(disposed)
            statute = _doj_statute(offense, day)
            roll = rng.random()
            if offense.cannabis and roll < 0.02:
                cells[_D["OFFENSE_DESCR"]] = "SEE COMMENT FOR CHARGE"
                cells[_D["COMMENT_TEXT"]] = "CHRG " + statute.split("-", 1)[0]
            elif offense.cannabis and roll < 0.023:
                garbled = f"{offense.section}/MJ" if offense.section != "11360" else "H5 11360"
                cells[_D["OFFENSE_DESCR"]] = f"{garbled}-{offense.description}"
            else:
                cells[_D["OFFENSE_DESCR"]] = statute
                if not offense.cannabis and roll < 0.006:
                    cells[_D["COMMENT_TEXT"]] = "ORIG CHRG 11359 HS AMENDED"
            cells[_D["OFFENSE_TOC"]] = level[0].upper()
            if with_case:
                cells[_D["FE_NUM_CRT_CASE"]] = case_number
            disposition = outcome
            if outcome == "CONVICTED" and number > 1 and rng.random() < 0.55:
                disposition = "DISMISSED"  # the usual plea bargain
            cells[_D["DISP_DESCR"]] = disposition
            if disposition == "CONVICTED":
                if rng.random() < 0.85:
                    cells[_D["CONV_STAT_DESCR"]] = level.upper()
                self.sentence(cells, level, kind)
            if rng.random() < 0.003:
                self.spoil(cells)
            rows.append(cells)
        return disposed

    def sentence(self, cells: list[str], level: str, kind: str) -> None:
        rng = self.rng
        if rng.random() < 0.08:
            return
        if kind == "super_strike":
            place, length, unit = "PRISON", rng.randint(7, 30), "Y"
        elif level == "felony":
            place = _FELONY_SENTENCES(rng)
            length, unit = ((rng.randint(16, 72), "M") if place == "prison" else
                            (rng.randint(1, 5), "Y") if place == "probation" else
                            (rng.randint(2, 365), "D"))
        elif level == "misdemeanor":
            place = _MISDEMEANOR_SENTENCES(rng)
            length, unit = ((rng.randint(1, 3), "Y") if place == "probation" else
                            (rng.randint(1, 180), "D"))
        else:
            place, length, unit = "fine", 0, ""
        if place == "none":
            return
        cells[_D["SENT_LOC_DESCR"]] = place.upper()
        if length:
            cells[_D["SENT_LENGTH"]] = str(length)
            cells[_D["SENT_TIME_CODE"]] = unit
            cells[_D["SENT_TIME_DESCR"]] = {"D": "DAYS", "M": "MONTHS", "Y": "YEARS"}[unit]

    def spoil(self, cells: list[str]) -> None:
        """A bad row, the way a real extract has a few."""
        flaw = _DOJ_BAD[self.rng.randrange(len(_DOJ_BAD))]
        if flaw == "date":
            cells[_D["STP_EVENT_DATE"]] = cells[_D["STP_EVENT_DATE"]][:4] + "1345"
        elif flaw == "county":
            cells[_D["STP_ORI_CNTY_NAME"]] = "OUT OF STATE"
        elif flaw == "level":
            cells[_D["CONV_STAT_DESCR"]] = cells[_D["OFFENSE_TOC"]] = ""
        elif flaw == "count":
            cells[_D["CNT_ORDER"]] = ""
        elif flaw == "dob":
            cells[_D["PRI_DOB"]] = "00000000"
        else:
            del cells[-3:]


def _upper_ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()


def _doj_text(cells: list[str], delimiter: str) -> str:
    if delimiter == "|":
        return "|".join(cells) + "\n"
    return ",".join(c if "," not in c and '"' not in c else '"' + c.replace('"', '""') + '"'
                    for c in cells) + "\n"


def doj_lines(
    people: int | None = None, *, rows: int | None = None, seed: int = 0,
    delimiter: str = "|", header: bool = True,
) -> Iterator[str]:
    """Lines of a synthetic DOJ research file (each ending in a newline): a header line of
    :data:`DOJ_COLUMNS` unless ``header`` is false, then the rows of ``people`` people, or
    exactly ``rows`` rows (the last person's record may be cut short). Deterministic by
    ``seed``; ``delimiter`` is ``|`` (as DOJ sends it) or ``,`` (quoted where needed)."""
    if (people is None) == (rows is None):
        raise ValueError("give exactly one of people or rows")
    if delimiter not in ("|", ","):
        raise ValueError("the delimiter is | or ,")
    if header:
        yield delimiter.join(DOJ_COLUMNS) + "\n"
    generator = _DojGenerator(seed)
    written = 0
    index = 0
    while (index < people) if people is not None else (written < (rows or 0)):
        person = generator.person(index)
        index += 1
        if rows is not None:
            person = person[:rows - written]
        written += len(person)
        for cells in person:
            yield _doj_text(cells, delimiter)
