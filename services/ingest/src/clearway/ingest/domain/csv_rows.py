"""CSV uploads: one row per count; the rows of one event (same event_id) form one
disposition event. Columns are `CSV_COLUMNS` of the data generator, the one definition."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from clearway.common.datagen import CSV_COLUMNS

REQUIRED = ("event_id", "court", "occurred_at", "subject_id", "case_number", "count",
            "statute", "level", "disposition", "disposition_date")


@dataclass
class GroupedEvent:
    rows: list[int] = field(default_factory=list)  # 1-based data row numbers (header = row 1)
    data: dict[str, Any] | None = None


def _blank(value: str | None) -> bool:
    return value is None or value.strip() == ""


def _opt(row: dict[str, str], name: str) -> str | None:
    value = row.get(name)
    return None if _blank(value) else value.strip()  # type: ignore[union-attr]


def _number(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return float(value) if "." in value else int(value)
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


def row_to_count(row: dict[str, str]) -> dict[str, Any]:
    count: dict[str, Any] = {
        "count": _number(_opt(row, "count")),
        "statute": _opt(row, "statute"),
        "description": _opt(row, "description"),
        "level": _opt(row, "level"),
        "offense_date": _opt(row, "offense_date"),
        "disposition": _opt(row, "disposition"),
        "disposition_date": _opt(row, "disposition_date"),
    }
    if _opt(row, "sentence_kind"):
        count["sentence"] = {"kind": _opt(row, "sentence_kind"),
                             "end_date": _opt(row, "sentence_end_date")}
    facts = {
        "grams": _number(_opt(row, "grams")),
        "plants": _number(_opt(row, "plants")),
        "involved_minor": _flag(_opt(row, "involved_minor")),
        "environmental_violation": _flag(_opt(row, "environmental_violation")),
    }
    if any(v is not None for v in facts.values()):
        count["facts"] = facts
    return count


def row_to_event(row: dict[str, str]) -> dict[str, Any]:
    contact: dict[str, Any] = {k: _opt(row, k) for k in ("email", "phone", "language")}
    if _opt(row, "address_line1"):
        contact["postal_address"] = {
            "line1": _opt(row, "address_line1"), "line2": _opt(row, "address_line2"),
            "city": _opt(row, "city"), "state": _opt(row, "state"),
            "postal_code": _opt(row, "postal_code"),
        }
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


def header_problems(header: Iterable[str] | None) -> list[str]:
    if header is None:
        return ["the upload is empty: expected a header row"]
    names = list(header)
    unknown = [h for h in names if h not in CSV_COLUMNS]
    missing = [h for h in REQUIRED if h not in names]
    problems = []
    if unknown:
        problems.append("unknown column(s): " + ", ".join(unknown))
    if missing:
        problems.append("missing column(s): " + ", ".join(missing))
    return problems


def group_rows(rows: Iterable[dict[str, str]]) -> dict[tuple[str, str], GroupedEvent]:
    """Group rows by (court, event_id); the first row gives the event and subject fields,
    every row adds one count. Insertion order follows the file."""
    groups: dict[tuple[str, str], GroupedEvent] = {}
    for number, row in enumerate(rows, start=2):
        key = (row.get("court") or "", row.get("event_id") or "")
        group = groups.setdefault(key, GroupedEvent())
        group.rows.append(number)
        if group.data is None:
            group.data = row_to_event(row)
        else:
            group.data["case"]["counts"].append(row_to_count(row))
    return groups
