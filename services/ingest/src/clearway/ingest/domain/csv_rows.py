"""CSV uploads: one row per count; the rows of one event (same court and event_id) form one
disposition event. Columns are `CSV_COLUMNS` of the data generator, the one definition.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row
row 2 (a quoted cell spanning lines is still one row). Cells are trimmed; an empty cell
means absent. The event's own columns (everything but the count's) must agree on every
row of the event: a row that says otherwise is reported, never silently dropped."""
from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from clearway.common.datagen import CSV_COLUMNS

# Columns the header must have (a disposition needs the subject's names and birth date).
REQUIRED = ("event_id", "court", "occurred_at", "subject_id", "first_name", "last_name",
            "date_of_birth", "case_number", "count", "statute", "level", "disposition",
            "disposition_date")

# Columns describing one count; every other column describes the event and its subject.
COUNT_COLUMNS = ("count", "statute", "description", "level", "offense_date", "disposition",
                 "disposition_date", "sentence_kind", "sentence_end_date", "grams", "plants",
                 "involved_minor", "environmental_violation", "imported")
EVENT_COLUMNS = tuple(c for c in CSV_COLUMNS if c not in COUNT_COLUMNS)

COLUMN_HELP: dict[str, str] = {
    "event_id": "unique per court; rows sharing it form one event (required)",
    "event_type": "`disposition` (the only type the CSV carries; empty means disposition)",
    "court": "court code such as CA-LA (required)",
    "occurred_at": "RFC 3339 timestamp, e.g. 2024-03-01T09:30:00-08:00 (required)",
    "subject_id": "stable person id such as a CII number (required)",
    "first_name": "as on the court record (required)",
    "last_name": "as on the court record (required)",
    "date_of_birth": "YYYY-MM-DD (required)",
    "email": "optional",
    "phone": "optional, E.164 such as +12135550100",
    "language": "optional BCP 47 tag such as en or es",
    "address_line1": "optional postal address; when given, city, state, postal_code too",
    "address_line2": "optional",
    "city": "optional",
    "state": "optional",
    "postal_code": "optional",
    "case_number": "court case number (required)",
    "count": "count number within the case, 1-999, unique per event (required)",
    "statute": "as charged, e.g. HS 11359(b) (required)",
    "description": "optional",
    "level": "felony, misdemeanor or infraction (required)",
    "offense_date": "optional YYYY-MM-DD",
    "disposition": "convicted, dismissed, acquitted or pending (required)",
    "disposition_date": "YYYY-MM-DD (required)",
    "sentence_kind": "optional: prison, jail, probation, fine or none",
    "sentence_end_date": "optional YYYY-MM-DD (needs sentence_kind)",
    "grams": "optional number",
    "plants": "optional whole number",
    "involved_minor": "optional true/false",
    "environmental_violation": "optional true/false",
    "imported": "optional true/false (HS 11360: brought into or out of California)",
}

FieldError = dict[str, Any]


@dataclass
class GroupedEvent:
    """The rows of one event, in file order, and the event built from them."""

    rows: list[int] = field(default_factory=list)
    data: dict[str, Any] | None = None
    first: dict[Any, Any] | None = None
    errors: list[FieldError] = field(default_factory=list)


def _blank(value: str | None) -> bool:
    return value is None or value.strip() == ""


def _opt(row: Mapping[Any, Any], name: str) -> str | None:
    value = row.get(name)
    return None if value is None or value.strip() == "" else value.strip()


def _number(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return float(value) if "." in value or "e" in value.lower() else int(value)
    except ValueError:
        return value  # let the model reject it with a field message


def _flag(value: str | None) -> Any:
    if value is None:
        return None
    lowered = value.lower()
    if lowered in ("true", "yes", "1", "y"):
        return True
    if lowered in ("false", "no", "0", "n"):
        return False
    return value


def row_to_count(row: Mapping[Any, Any]) -> dict[str, Any]:
    count: dict[str, Any] = {
        "count": _number(_opt(row, "count")),
        "statute": _opt(row, "statute"),
        "description": _opt(row, "description"),
        "level": _opt(row, "level"),
        "offense_date": _opt(row, "offense_date"),
        "disposition": _opt(row, "disposition"),
        "disposition_date": _opt(row, "disposition_date"),
    }
    if _opt(row, "sentence_kind") or _opt(row, "sentence_end_date"):
        count["sentence"] = {"kind": _opt(row, "sentence_kind"),
                             "end_date": _opt(row, "sentence_end_date")}
    facts = {
        "grams": _number(_opt(row, "grams")),
        "plants": _number(_opt(row, "plants")),
        "involved_minor": _flag(_opt(row, "involved_minor")),
        "environmental_violation": _flag(_opt(row, "environmental_violation")),
        "imported": _flag(_opt(row, "imported")),
    }
    if any(v is not None for v in facts.values()):
        count["facts"] = facts
    return count


def row_to_event(row: Mapping[Any, Any]) -> dict[str, Any]:
    """The event of a row, with the row's count as its only count."""
    contact: dict[str, Any] = {k: _opt(row, k) for k in ("email", "phone", "language")}
    address = {
        "line1": _opt(row, "address_line1"), "line2": _opt(row, "address_line2"),
        "city": _opt(row, "city"), "state": _opt(row, "state"),
        "postal_code": _opt(row, "postal_code"),
    }
    if any(v is not None for v in address.values()):
        contact["postal_address"] = address
    subject: dict[str, Any] = {
        "subject_id": _opt(row, "subject_id"),
        "first_name": _opt(row, "first_name"),
        "last_name": _opt(row, "last_name"),
        "date_of_birth": _opt(row, "date_of_birth"),
    }
    contact = {k: v for k, v in contact.items() if v is not None}
    if contact:
        subject["contact"] = contact
    return {
        "event_id": _opt(row, "event_id"),
        "event_type": _opt(row, "event_type") or "disposition",
        "court": _opt(row, "court"),
        "occurred_at": _opt(row, "occurred_at"),
        "subject": subject,
        "case": {"case_number": _opt(row, "case_number"), "counts": [row_to_count(row)]},
    }


def header_problems(header: Iterable[str] | None) -> list[FieldError]:
    """What is wrong with the header row, one message per problem column."""
    if header is None:
        return [{"field": "<header>", "type": "missing",
                 "message": "the upload is empty: expected a header row"}]
    names = [h.strip() for h in header]
    # An unknown column is named by its position, not its text: a file without a header
    # row would have a person's data there.
    problems = [{"field": "<header>", "type": "unknown_column",
                 "message": f"column {i} is not a documented column"}
                for i, h in enumerate(names, start=1) if h not in CSV_COLUMNS]
    problems += [{"field": h, "type": "duplicate_column", "message": "column given twice"}
                 for h in sorted({h for h in names if names.count(h) > 1 and h in CSV_COLUMNS})]
    problems += [{"field": h, "type": "missing_column", "message": "required column missing"}
                 for h in REQUIRED if h not in names]
    return problems


def _disagreements(first: Mapping[Any, Any], row: Mapping[Any, Any],
                   first_number: int) -> list[FieldError]:
    return [
        {"field": column, "type": "inconsistent_rows",
         "message": f"differs from row {first_number}, the event's first row"}
        for column in EVENT_COLUMNS
        if _opt(first, column) != _opt(row, column)
    ]


class CsvSyntaxError(ValueError):
    """Text that is not CSV (an unterminated quote, an oversized cell)."""

    def __init__(self, line: int) -> None:
        super().__init__(f"unreadable CSV from line {line}")
        self.line = line


Row = dict[Any, Any]  # column -> cell (None: no cell); surplus cells under the key None


def read_rows(lines: Iterable[str]) -> tuple[list[str] | None, Iterator[tuple[int, Row]]]:
    """The header (None for an empty upload) and the data rows, numbered as a spreadsheet
    shows them: the header is row 1, blank lines count as rows but yield nothing. Raises
    CsvSyntaxError for text that is not CSV (the rows raise it as they are read)."""
    # strict: a stray quote is an error, not a cell swallowing the rest of the file.
    reader = csv.reader(lines, strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return None, iter(())
    except csv.Error:
        raise CsvSyntaxError(reader.line_num) from None

    def numbered() -> Iterator[tuple[int, list[str]]]:
        number = 1
        while True:
            starts_at = reader.line_num + 1  # the line the unreadable record starts on
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error:
                raise CsvSyntaxError(starts_at) from None
            number += 1
            yield number, cells

    def rows() -> Iterator[tuple[int, Row]]:
        for number, cells in numbered():
            if not cells or all(c.strip() == "" for c in cells):
                continue
            row: Row = dict(zip(header, cells, strict=False))
            for name in header[len(cells):]:
                row[name] = None
            if len(cells) > len(header):
                row[None] = cells[len(header):]
            yield number, row

    return header, rows()


def group_rows(rows: Iterable[tuple[int, Mapping[Any, Any]]]) -> list[GroupedEvent]:
    """Group numbered rows by (court, event_id) in file order: the first row gives the
    event and subject, every row adds one count. A row without court or event_id is an
    event of its own (it cannot be grouped; validation reports the missing field). A row
    with more cells than the header, or whose event columns disagree with the event's first
    row, is recorded in the group's `errors` (validation of the event still runs)."""
    groups: dict[tuple[str, str], GroupedEvent] = {}
    for number, row in rows:
        court, event_id = _opt(row, "court"), _opt(row, "event_id")
        key = (court, event_id) if court and event_id else ("", f"<row {number}>")
        group = groups.setdefault(key, GroupedEvent())
        group.rows.append(number)
        extra = row.get(None)
        if extra and any(not _blank(v) for v in extra):
            group.errors.append({"field": "<row>", "type": "extra_cells", "row": number,
                                 "message": "more cells than the header has columns"})
        if group.data is None:
            group.data, group.first = row_to_event(row), dict(row)
        else:
            assert group.first is not None
            group.errors += [{**e, "row": number}
                             for e in _disagreements(group.first, row, group.rows[0])]
            group.data["case"]["counts"].append(row_to_count(row))
    return list(groups.values())


def with_rows(errors: Iterable[FieldError], group: GroupedEvent) -> list[FieldError]:
    """Name the row of each error about one count (`case.counts.<i>...` is the i-th row of
    the event); errors about the event keep no row (they hold for every row)."""
    out = []
    for error in errors:
        parts = error["field"].split(".")
        if (len(parts) >= 3 and parts[:2] == ["case", "counts"] and parts[2].isdigit()
                and int(parts[2]) < len(group.rows) and "row" not in error):
            error = {**error, "row": group.rows[int(parts[2])]}
        out.append(error)
    return out
