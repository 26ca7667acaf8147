"""The DOJ research file (AB 1793, HS 11361.9): rows in, contract record events out.

Pure: no I/O. The file is one row per count per step of a person's criminal history, in
the columns of `clearway.common.datagen.DOJ_COLUMNS`, `|`- or comma-separated (told from
the first line), with or without a header line (told by its first cell, `RECORD_ID`).
Rows are numbered as the file's lines: the first line is row 1 (a header included).

What a row becomes (the mapping, documented in services/ingest/README.md):

- the person is CII_NUMBER, else SUBJECT_ID; names from PRI_NAME (`LAST,FIRST MIDDLE`:
  everything after the comma is the first name), the birth date from PRI_DOB. Dates are
  YYYYMMDD. SSN, CDL, FBI and the other identity numbers are never read.
- a court step (STP_TYPE_DESCR mentions COURT) whose DISP_DESCR starts with CONVICTED,
  DISMISS (or DISM) or ACQUITTED/NOT GUILTY is one count of a `disposition` event; one
  event per (person, court, case), one count per CNT_ORDER. The court is the county of
  STP_ORI_CNTY_NAME (else of the 1-58 STP_ORI_CNTY_CODE); the case is FE_NUM_CRT_CASE,
  else `DOJ-<person>-<CYC_ORDER>` (one arrest cycle is one case).
- a REGISTRATION step under PC 290 is a `registration` event, a DECEASED (or DEATH) step a
  `death` event; one per (court, date). When their county is missing, the person's first
  court is used.
- every other row (arrests, custody, probation steps, court steps without a final
  disposition, registrations under other statutes, a count given again by a later step)
  is history that carries no event: counted by reason, never dropped silently.
- rows that cannot be used are rejected with their row number and a reason that names
  the column, never its value.

Event ids are a hash of the event's content (`DOJ-<32 hex>`), so the same file imported
twice is one set of events, and a later file that changes a case sends a new event for
the same court and case number: a correction that replaces it (contract section 2).

A person's rows must be together, as DOJ files list them: the importer streams person by
person. Rows of a person met again after another person's are rejected."""
from __future__ import annotations

import calendar
import csv
import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

import orjson

from clearway.common.courts import COUNTIES
from clearway.common.datagen import DOJ_COLUMNS
from clearway.common.events import RecordEvent
from clearway.ingest.domain.validation import FieldError, parse_event

COLUMNS = DOJ_COLUMNS
WIDTH = len(COLUMNS)
_I = {name: i for i, name in enumerate(COLUMNS)}

#: The description prefix of a count whose COMMENT_TEXT cites HS 11357-11360 while its
#: statute is another section (eligibility sends such counts to review).
POSSIBLE_CANNABIS_PREFIX = "POSSIBLE CANNABIS COUNT: "
SEE_COMMENT = "SEE COMMENT FOR CHARGE"

#: Why a row carries no event (the import summary counts rows by these).
NO_EVENT_REASONS: dict[str, str] = {
    "non_court_step": "an arrest or other step that is not a court action (history only)",
    "no_final_disposition": "a court step without a conviction, dismissal or acquittal",
    "not_pc290_registration": "a registration under a statute other than PC 290",
    "superseded": "a count the case gives again in another step (the conviction, or the "
                  "later step, is imported)",
}

# County name (upper case, without "COUNTY") -> court code; the 58 of clearway.common.courts.
COURT_OF_COUNTY: dict[str, str] = {name.upper(): code for code, name in COUNTIES.items()}
# California's county codes 01-58 number the counties alphabetically.
_COURT_OF_COUNTY_CODE: dict[str, str] = {
    f"{n:02d}": COURT_OF_COUNTY[name] for n, name in enumerate(sorted(COURT_OF_COUNTY), 1)}

_SUBJECT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_CASE = re.compile(r"^[A-Za-z0-9._/-]{1,40}$")
_CASE_CHARS = re.compile(r"[^A-Za-z0-9._/-]+")
_PROP64_MENTION = re.compile(r"(?<![0-9])(?:1135[7-9]|11360)(?![0-9]|\.[0-9])")
# A statute cited inside free text: "11359 HS", "11357(C)HS", "664/187(A) PC", "HS 11360".
_CODES = r"HS|H&S|H/S|PC|VC|BP|B&P|WI|W&I"
_CITED = r"(?:664/)?\d{2,6}(?:\.\d{1,4})?(?:\s*\([A-Z0-9]{1,3}\))*"
_IN_TEXT = re.compile(rf"(?<![A-Z0-9])(?:(?:{_CITED})\s*(?:{_CODES})|(?:{_CODES})\s*(?:{_CITED}))"
                      rf"(?![A-Z0-9])", re.IGNORECASE)
_PC290 = re.compile(r"^\s*(?:PC\s*290(?![0-9])|290(?:\.[0-9]+)?(?:\s*\([A-Z0-9]{1,3}\))*\s*PC)",
                    re.IGNORECASE)


class LayoutError(ValueError):
    """The file as a whole cannot be read: its header is not the DOJ layout
    (`invalid_header`), or its first line is no DOJ row (`invalid_layout`)."""

    def __init__(self, message: str, errors: list[FieldError],
                 code: str = "invalid_header") -> None:
        super().__init__(message)
        self.errors = errors
        self.code = code


class Layout(NamedTuple):
    delimiter: str  # "|" or ","
    header: bool


def detect_layout(first_line: str) -> Layout:
    """The delimiter and whether the first line is a header; raises LayoutError for a
    header that is not the DOJ columns in order (named by position, never by text), or a
    first line that is no DOJ row either (the file is something else)."""
    line = first_line.lstrip("\ufeff").rstrip("\r\n")
    delimiter = "|" if line.count("|") >= line.count(",") and "|" in line else ","
    cells = _split(line, delimiter)
    if not cells or cells[0].strip().strip('"').upper() != "RECORD_ID":
        if len(cells) != WIDTH and not (len(cells) == WIDTH + 1 and not cells[-1].strip()):
            raise LayoutError(
                "the first line is neither the DOJ header nor a DOJ row",
                [{"field": "<row>", "type": "cell_count", "message":
                  f"the first line has {len(cells)} cells; a DOJ row has {WIDTH}, separated "
                  "by | or ,"}], code="invalid_layout")
        return Layout(delimiter, False)
    names = [c.strip().strip('"').upper() for c in cells]
    if names and names[-1] == "" and len(names) == WIDTH + 1:
        names.pop()
    problems = [{"field": "<header>", "type": "unknown_column",
                 "message": f"column {i} is not {expected}, the DOJ layout's column {i}"}
                for i, (name, expected) in enumerate(zip(names, COLUMNS, strict=False), 1)
                if name != expected]
    if len(names) != WIDTH:
        problems.append({"field": "<header>", "type": "column_count", "message":
                         f"the header has {len(names)} columns; the DOJ layout has {WIDTH}"})
    if problems:
        raise LayoutError("the header line is not the DOJ layout", problems)
    return Layout(delimiter, True)


def _split(line: str, delimiter: str) -> list[str]:
    if delimiter == "|":
        return line.split("|")
    try:
        return next(csv.reader([line]), [])
    except csv.Error:
        return line.split(",")


def read_rows(lines: Iterable[str], layout: Layout, first_number: int = 1
              ) -> Iterator[tuple[int, list[str] | None]]:
    """Numbered rows of the file's lines (from row `first_number`; the header, if any, is
    skipped when met as row 1). Blank lines yield nothing; a row that is not CSV yields
    None (rejected in its place)."""
    if layout.delimiter == "|":
        number = first_number - 1
        for line in lines:
            number += 1
            if number == 1 and layout.header:
                continue
            text = line.rstrip("\r\n")
            if number == 1:
                text = text.lstrip("\ufeff")
            if text.strip():
                yield number, text.split("|")
        return
    source = iter(lines)
    reader = csv.reader(source, strict=True)
    number = first_number
    consumed = 0  # lines read by the reader so far
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield number, None
            number += reader.line_num - consumed
            consumed = reader.line_num
            continue
        row = number
        number += reader.line_num - consumed
        consumed = reader.line_num
        if row == 1 and layout.header:
            continue
        if cells and row == 1:
            cells[0] = cells[0].lstrip("\ufeff")
        if cells and any(c.strip() for c in cells):
            yield row, cells


# --- one row -----------------------------------------------------------------------------


@dataclass(slots=True)
class Reject:
    row: int
    errors: list[FieldError]


@dataclass(slots=True)
class _Row:
    number: int
    kind: str  # count, registration, death
    step: tuple[str, str]  # (CYC_ORDER, STP_ORDER)
    date: dt.date  # the step's date
    court: str | None
    case_number: str = ""
    count: int = 0
    disposition: str = ""
    disposition_date: dt.date | None = None
    statute: str = ""
    description: str | None = None
    level: str = ""
    offense_date: dt.date | None = None
    sentence: tuple[str, dt.date | None] | None = None
    flagged: bool = False
    first_name: str | None = None
    last_name: str | None = None
    date_of_birth: dt.date | None = None


@lru_cache(maxsize=1 << 16)  # a file repeats a few thousand dates
def _date(text: str) -> dt.date | None:
    text = text.strip()
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def _error(column: str, kind: str, message: str) -> FieldError:
    return {"field": column, "type": kind, "message": message}


def court_of(county_name: str, county_code: str = "") -> str | None:
    """The court code of a county as the DOJ file names it (`LOS ANGELES`, `Los Angeles
    County`), else of its two-digit California county code (01 Alameda ... 58 Yuba)."""
    name = " ".join(county_name.upper().split())
    if name.endswith(" COUNTY"):
        name = name[:-7]
    court = COURT_OF_COUNTY.get(name)
    if court is None and county_code.strip():
        court = _COURT_OF_COUNTY_CODE.get(county_code.strip().zfill(2))
    return court


def statute_of(offense_descr: str, comment: str) -> tuple[str | None, bool]:
    """The statute (OFFENSE_DESCR before its first `-`, or the one COMMENT_TEXT cites when
    OFFENSE_DESCR is empty or SEE COMMENT FOR CHARGE) and whether it came from the comment.
    A comment citing nothing readable is kept as it is (its text before a `-`, at most 80
    characters): eligibility reviews an unreadable statute that mentions 11357-11360."""
    offense = offense_descr.strip()
    if offense and offense.upper() != SEE_COMMENT:
        statute = offense.split("-", 1)[0].strip()
        return (statute or None), False
    text = comment.strip()
    if not text:
        return None, True
    found = _IN_TEXT.search(text)
    if found:
        return " ".join(found.group(0).split()), True
    statute = text.split("-", 1)[0].strip()[:80].strip()
    return (statute or None), True


def level_of(conv_stat_descr: str, offense_toc: str) -> str | None:
    stat = conv_stat_descr.strip().upper()
    for prefix, level in (("FEL", "felony"), ("MIS", "misdemeanor"), ("INF", "infraction")):
        if stat.startswith(prefix):
            return level
    return {"F": "felony", "M": "misdemeanor", "I": "infraction"}.get(
        offense_toc.strip().upper())


def disposition_of(disp_descr: str) -> str | None:
    text = disp_descr.strip().upper()
    if text.startswith("CONVICTED"):
        return "convicted"
    if text.startswith(("DISMISS", "DISM")):
        return "dismissed"
    if text.startswith(("ACQUITTED", "NOT GUILTY")):
        return "acquitted"
    return None


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def sentence_of(location: str, length: str, unit: str, start: dt.date
                ) -> tuple[str, dt.date | None] | None:
    """(kind, end date) of a sentence of SENT_LENGTH SENT_TIME_CODE (D, M, Y) from the
    step's date; the end is unknown (None) for a length or unit that cannot be read. A
    length in an unnamed place is taken as jail (the kind decides nothing; the end does)."""
    place = location.strip().upper()
    length = length.strip()
    if not place and not length:
        return None
    kind = next((k for word, k in (("PRISON", "prison"), ("CDC", "prison"), ("JAIL", "jail"),
                                   ("PROB", "probation"), ("FINE", "fine"))
                 if word in place), "jail" if length else "none")
    if not length.isdigit():
        return kind, None
    n = int(length)
    code = unit.strip().upper()[:1]
    try:
        if code == "D":
            return kind, start + dt.timedelta(days=n)
        if code == "M":
            return kind, _add_months(start, n)
        if code == "Y":
            return kind, _add_months(start, 12 * n)
    except (OverflowError, ValueError):
        return kind, None
    return kind, None


def split_name(pri_name: str) -> tuple[str, str] | None:
    """`LAST,FIRST MIDDLE` -> (first, last) = (`FIRST MIDDLE`, `LAST`); None without both."""
    last, comma, first = pri_name.partition(",")
    last, first = " ".join(last.split()), " ".join(first.split())
    if not comma or not last or not first:
        return None
    return first, last


def person_of(cells: list[str]) -> str:
    return cells[_I["CII_NUMBER"]].strip() or cells[_I["SUBJECT_ID"]].strip()


def _classify(number: int, cells: list[str], person: str) -> _Row | Reject | str:
    """A row: the count, registration or death it carries, a reason it carries no event
    (a key of NO_EVENT_REASONS), or a Reject."""
    c = cells
    step_type = c[_I["STP_TYPE_DESCR"]].strip().upper()
    if "DECEASED" in step_type or "DEATH" in step_type:
        kind = "death"
    elif step_type.startswith("REGISTRATION"):
        kind = "registration"
    elif "COURT" in step_type:
        kind = "count"
    else:
        return "non_court_step"
    disposition = None
    statute = None
    from_comment = False
    if kind == "count":
        disposition = disposition_of(c[_I["DISP_DESCR"]])
        if disposition is None:
            return "no_final_disposition"
    if kind != "death":
        statute, from_comment = statute_of(c[_I["OFFENSE_DESCR"]], c[_I["COMMENT_TEXT"]])
        if kind == "registration" and (statute is None or not _PC290.match(statute)):
            return "not_pc290_registration"
    errors: list[FieldError] = []
    date = _date(c[_I["STP_EVENT_DATE"]])
    if date is None:
        errors.append(_error("STP_EVENT_DATE", "date", "STP_EVENT_DATE is not a date as "
                             "YYYYMMDD: the step cannot be dated"))
    county = c[_I["STP_ORI_CNTY_NAME"]]
    court = court_of(county, c[_I["STP_ORI_CNTY_CODE"]])
    if court is None and kind == "count":
        errors.append(_error("STP_ORI_CNTY_NAME", "county", "STP_ORI_CNTY_NAME is empty: the "
                             "court cannot be told" if not county.strip() else
                             "STP_ORI_CNTY_NAME is not one of California's 58 counties"))
    step = (c[_I["CYC_ORDER"]].strip(), c[_I["STP_ORDER"]].strip())
    names = split_name(c[_I["PRI_NAME"]])
    born = _date(c[_I["PRI_DOB"]])
    if kind != "count":
        if errors:
            return Reject(number, errors)
        assert date is not None
        return _Row(number, kind, step, date, court, statute=statute or "",
                    first_name=names[0] if names else None,
                    last_name=names[1] if names else None, date_of_birth=born)
    # a count of a disposition
    count_text = c[_I["CNT_ORDER"]].strip()
    count = int(count_text) if count_text.isdigit() else 0
    if not 1 <= count <= 999:
        errors.append(_error("CNT_ORDER", "count", "CNT_ORDER is not a count number from "
                             "1 to 999"))
    if statute is None:
        errors.append(_error("OFFENSE_DESCR", "statute", "no statute: OFFENSE_DESCR is empty "
                             "or SEE COMMENT FOR CHARGE, and COMMENT_TEXT is empty"))
    level = level_of(c[_I["CONV_STAT_DESCR"]], c[_I["OFFENSE_TOC"]])
    if level is None:
        errors.append(_error("OFFENSE_TOC", "level", "no level: CONV_STAT_DESCR is not FELONY, "
                             "MISDEMEANOR or INFRACTION and OFFENSE_TOC is not F, M or I"))
    disp_text = c[_I["DISP_DATE"]].strip()
    disposed = _date(disp_text) if disp_text else date
    if disp_text and disposed is None:
        errors.append(_error("DISP_DATE", "date", "DISP_DATE is not a date as YYYYMMDD"))
    if names is None:
        errors.append(_error("PRI_NAME", "name", "PRI_NAME is not LAST,FIRST: a disposition "
                             "needs the person's first and last names"))
    if born is None:
        errors.append(_error("PRI_DOB", "date", "PRI_DOB is not a date as YYYYMMDD: a "
                             "disposition needs the person's date of birth"))
    case_number = " ".join(c[_I["FE_NUM_CRT_CASE"]].split())
    if case_number:
        if not _CASE.match(case_number):
            case_number = _CASE_CHARS.sub("-", case_number).strip("-")
        if not _CASE.match(case_number):
            errors.append(_error("FE_NUM_CRT_CASE", "case_number", "FE_NUM_CRT_CASE is over 40 "
                                 "characters (letters, digits, `.`, `_`, `/`, `-`)"))
    else:
        case_number = synthetic_case_number(person, step[0])
    if errors:
        return Reject(number, errors)
    assert date is not None and statute is not None and level is not None and names
    description = c[_I["OFFENSE_DESCR"]].partition("-")[2].strip() or None
    comment = " ".join(c[_I["COMMENT_TEXT"]].split())
    flagged = bool(comment) and not _PROP64_MENTION.search(statute) and bool(
        _PROP64_MENTION.search(comment))
    if flagged:
        description = (POSSIBLE_CANNABIS_PREFIX + comment)[:200]
    elif description is not None:
        description = description[:200]
    sentence = None
    if disposition == "convicted":
        sentence = sentence_of(c[_I["SENT_LOC_DESCR"]], c[_I["SENT_LENGTH"]],
                               c[_I["SENT_TIME_CODE"]], date)
    cycle = _date(c[_I["CYC_DATE"]])
    disposed = disposed or date
    return _Row(number, "count", step, date, court, case_number, count, disposition or "",
                disposed, statute, description, level,
                cycle if cycle is not None and cycle <= disposed else None, sentence,
                flagged, names[0], names[1], born)


def synthetic_case_number(person: str, cycle: str) -> str:
    """`DOJ-<person>-<CYC_ORDER>` for a court step without FE_NUM_CRT_CASE (one arrest
    cycle is one case; RECORD_ID is not used: it is not documented as one per person).
    Over 40 characters, the person is replaced by a hash of it."""
    cycle = _CASE_CHARS.sub("", cycle) or "0"
    number = f"DOJ-{person}-{cycle}"
    if len(number) > 40 or not _CASE.match(number):
        number = f"DOJ-{hashlib.sha256(person.encode()).hexdigest()[:24]}-{cycle[:8]}"
    return number


# --- people -> events --------------------------------------------------------------------


@dataclass(slots=True)
class DojEvent:
    """One record event built from the DOJ file, the rows it came from, and the rows of
    its possible cannabis counts."""

    event: dict[str, Any]
    parsed: RecordEvent
    rows: list[int]
    flagged_rows: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Batch:
    """What a run of rows became: every row is in exactly one of events' rows, rejected
    or no_event."""

    events: list[DojEvent] = field(default_factory=list)
    rejected: list[Reject] = field(default_factory=list)
    no_event: list[tuple[int, str]] = field(default_factory=list)

    def extend(self, other: Batch) -> None:
        self.events += other.events
        self.rejected += other.rejected
        self.no_event += other.no_event

    @property
    def rows(self) -> int:
        return (sum(len(e.rows) for e in self.events) + len(self.rejected)
                + len(self.no_event))


def event_id_of(event: dict[str, Any]) -> str:
    """`DOJ-` and 32 hex digits of SHA-256 over the event's content (its id aside)."""
    content = orjson.dumps({k: v for k, v in event.items() if k != "event_id"},
                           option=orjson.OPT_SORT_KEYS)
    return "DOJ-" + hashlib.sha256(content).hexdigest()[:32]


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _subject(person: str, row: _Row) -> dict[str, Any]:
    subject: dict[str, Any] = {"subject_id": person}
    if row.first_name and row.last_name:
        subject["first_name"], subject["last_name"] = row.first_name, row.last_name
    if row.date_of_birth is not None:
        subject["date_of_birth"] = row.date_of_birth.isoformat()
    return subject


def _count(rows: list[_Row]) -> dict[str, Any]:
    row = rows[0]
    count: dict[str, Any] = {"count": row.count, "statute": row.statute}
    if row.description:
        count["description"] = row.description
    count["level"] = row.level
    if row.offense_date is not None:
        count["offense_date"] = row.offense_date.isoformat()
    count["disposition"] = row.disposition
    count["disposition_date"] = _iso(row.disposition_date)
    sentences = [r.sentence for r in rows if r.sentence is not None]
    if sentences:
        ends = [end for _, end in sentences if end is not None]
        sentence: dict[str, Any] = {"kind": sentences[0][0]}
        if ends:
            sentence["end_date"] = max(ends).isoformat()
        count["sentence"] = sentence
    return count


def _rank(rows: list[_Row]) -> tuple[int, dt.date, int]:
    row = rows[0]
    return (row.disposition == "convicted", row.date, row.number)


class _Person:
    def __init__(self, person: str) -> None:
        self.person = person
        self.rows: list[_Row] = []

    def build(self, batch: Batch) -> None:
        person = self.person
        cases: dict[tuple[str, str], dict[int, dict[tuple[str, str], list[_Row]]]] = {}
        others: dict[tuple[str, str | None, dt.date], list[_Row]] = {}
        first_court: str | None = None
        for row in self.rows:
            if row.kind == "count":
                assert row.court is not None
                first_court = first_court or row.court
                steps = cases.setdefault((row.court, row.case_number), {}).setdefault(
                    row.count, {})
                steps.setdefault(row.step, []).append(row)
            else:
                others.setdefault((row.kind, row.court, row.date), []).append(row)
        # (deaths last, date), event, rows, flagged rows, rows of each count
        built: list[tuple[tuple[bool, str], dict[str, Any], list[int], list[int],
                          list[list[int]]]] = []
        for (court, case_number), by_count in cases.items():
            counts: list[dict[str, Any]] = []
            rows: list[int] = []
            flagged: list[int] = []
            count_rows: list[list[int]] = []
            for number in sorted(by_count):
                ranked = sorted(by_count[number].values(), key=_rank)
                chosen = ranked[-1]
                for lost in ranked[:-1]:
                    batch.no_event += [(r.number, "superseded") for r in lost]
                counts.append(_count(chosen))
                numbers = [r.number for r in chosen]
                rows += numbers
                count_rows.append(numbers)
                flagged += [r.number for r in chosen if r.flagged]
            first = min((r for s in by_count.values() for rs in s.values() for r in rs),
                        key=lambda r: r.number)
            latest = max(c["disposition_date"] for c in counts)
            event = {"event_type": "disposition", "court": court,
                     "occurred_at": f"{latest}T12:00:00Z", "subject": _subject(person, first),
                     "case": {"case_number": case_number, "counts": counts}}
            built.append(((False, latest), event, sorted(rows), flagged, count_rows))
        for (kind, own_court, date), rows_of in others.items():
            step_court = own_court or first_court
            numbers = [r.number for r in rows_of]
            if step_court is None:
                batch.rejected += [Reject(n, [_error(
                    "STP_ORI_CNTY_NAME", "county", f"the {kind} step names no California "
                    "county and the person has no court step to take the court from")])
                    for n in numbers]
                continue
            event = {"event_type": kind, "court": step_court,
                     "occurred_at": f"{date.isoformat()}T12:00:00Z",
                     "subject": _subject(person, rows_of[0])}
            if kind == "registration":
                event["registration"] = {"statute": rows_of[0].statute,
                                         "date": date.isoformat()}
            else:
                event["death"] = {"date": date.isoformat()}
            built.append(((kind == "death", date.isoformat()), event, numbers, [], []))
        built.sort(key=lambda item: item[0])
        for _, event, rows, flagged, count_rows in built:
            event = {"event_id": event_id_of(event), **event}
            parsed = parse_event(event)
            if isinstance(parsed, RecordEvent):
                batch.events.append(DojEvent(event, parsed, rows, flagged))
                continue
            _reject_event(batch, parsed, rows, count_rows)


def _reject_event(batch: Batch, errors: list[FieldError], rows: list[int],
                  count_rows: list[list[int]]) -> None:
    """An event the contract refuses: each error goes to its count's rows (or to every row
    of the event), renamed to say which part of the event it is about."""
    by_row: dict[int, list[FieldError]] = {r: [] for r in rows}
    for error in errors:
        parts = str(error.get("field", "")).split(".")
        own = rows
        if parts[:2] == ["case", "counts"] and len(parts) > 2 and parts[2].isdigit() \
                and int(parts[2]) < len(count_rows):
            own = count_rows[int(parts[2])]
        for r in own:
            by_row[r].append(dict(error))
    for r in rows:
        batch.rejected.append(Reject(r, by_row[r] or [_error(
            "<event>", "invalid", "rejected with the rest of its event")]))


class DojParser:
    """Rows in file order -> events, person by person. `feed` returns the finished
    people's batch when a row starts a new person (so everything before that row is
    settled: a safe point to resume from); `finish` returns the rest."""

    def __init__(self) -> None:
        self.current: _Person | None = None
        self.current_id: str | None = None
        self.seen: set[str] = set()
        self.pending = Batch()

    def feed(self, number: int, cells: list[str] | None) -> Batch | None:
        if cells is None:
            self.pending.rejected.append(Reject(number, [_error(
                "<row>", "csv_syntax", "the row cannot be read as CSV (an unterminated "
                "quote?)")]))
            return None
        if len(cells) == WIDTH + 1 and cells[-1].strip() == "":
            cells = cells[:WIDTH]  # a trailing delimiter
        if len(cells) != WIDTH:
            self.pending.rejected.append(Reject(number, [_error(
                "<row>", "cell_count", f"the row has {len(cells)} cells; a DOJ row has "
                f"{WIDTH} (is one delimiter used throughout?)")]))
            return None
        person = person_of(cells)
        if not person:
            self.pending.rejected.append(Reject(number, [_error(
                "CII_NUMBER", "missing", "neither CII_NUMBER nor SUBJECT_ID is given: the "
                "person cannot be told")]))
            return None
        if not _SUBJECT_ID.match(person):
            self.pending.rejected.append(Reject(number, [_error(
                "CII_NUMBER", "subject_id", "the person's id (CII_NUMBER, else SUBJECT_ID) is "
                "over 64 characters or has characters other than letters, digits, `.`, `_`, "
                "`:` and `-`")]))
            return None
        done: Batch | None = None
        if person != self.current_id:
            done = self._flush()
            self.current_id = person
            if person in self.seen:
                self.current = None  # this block of the person's rows is refused
            else:
                self.seen.add(person)
                self.current = _Person(person)
        if self.current is None:
            self.pending.rejected.append(Reject(number, [_error(
                "CII_NUMBER", "person_not_together", "this person's rows came earlier, "
                "before another person's: a person's rows must be together")]))
            return done
        outcome = _classify(number, cells, person)
        if isinstance(outcome, _Row):
            self.current.rows.append(outcome)
        elif isinstance(outcome, Reject):
            self.pending.rejected.append(outcome)
        else:
            self.pending.no_event.append((number, outcome))
        return done

    def _flush(self) -> Batch | None:
        batch, self.pending = self.pending, Batch()
        if self.current is not None:
            self.current.build(batch)
            self.current = None
        return batch if batch.rows else None

    def finish(self) -> Batch:
        self.current_id = None
        return self._flush() or Batch()


def parse_text(text: str) -> Batch:
    """A whole DOJ file (its text) -> its events, rejects and rows without events. Raises
    LayoutError when the header line is not the DOJ layout."""
    lines = text.splitlines(keepends=True)
    if not lines:
        return Batch()
    layout = detect_layout(lines[0])
    parser = DojParser()
    out = Batch()
    for number, cells in read_rows(lines, layout):
        done = parser.feed(number, cells)
        if done is not None:
            out.extend(done)
    out.extend(parser.finish())
    return out


@dataclass
class Tally:
    """Totals of an import, for its summary: rows by outcome, no-event rows by reason, and
    the rows of possible cannabis counts."""

    imported: int = 0
    rejected: int = 0
    no_event: Counter[str] = field(default_factory=Counter)
    flagged_rows: list[int] = field(default_factory=list)

    def add(self, batch: Batch) -> None:
        self.imported += sum(len(e.rows) for e in batch.events)
        self.rejected += len(batch.rejected)
        self.no_event.update(reason for _, reason in batch.no_event)
        for e in batch.events:
            self.flagged_rows += e.flagged_rows

    @property
    def rows(self) -> int:
        return self.imported + self.rejected + sum(self.no_event.values())
