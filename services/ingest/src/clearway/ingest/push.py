"""`clearway push FILE...`: send CSV, NDJSON or DOJ research files of court records to
ingest, for court staff.

The file is sent in chunks (NDJSON lines to POST /v1/records:batch, CSV rows to
POST /v1/records:csv, never splitting an event's rows); after each chunk is confirmed the
progress file next to the input (`FILE.progress.json`) records how far the file is done,
so an interrupted push resumes where it stopped. A chunk sent twice is harmless: ingest
answers repeats of an event as duplicates and publishes nothing new.

Rejected lines or rows go to a rejects file next to the input (`FILE.rejects.ndjson` or
`FILE.rejects.csv`) with their errors; the terminal shows only counts and field names,
never a value from the file.

A DOJ research file (`--format doj`, clearway.ingest.domain.doj) is read here, person by
person, into record events sent as NDJSON to POST /v1/records:batch; a chunk ends where a
person's rows end, so resuming never splits a person. Its rejects file lists the rows the
parser or ingest refused, with the reason (SSN, CDL and FBI numbers blanked: they are
never imported)."""
from __future__ import annotations

import csv
import hashlib
import io
import os
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import orjson
import typer
from tqdm import tqdm

from clearway.ingest.domain import doj

app = typer.Typer(help="Clearway tools for court staff.", no_args_is_help=True,
                  add_completion=False)

MAX_CHUNK = 1000  # ingest lists at most 1000 errors per answer
FINGERPRINT_BYTES = 64 * 1024


class PushError(Exception):
    """The push cannot go on; the progress file keeps what was confirmed."""


@dataclass
class Summary:
    file: Path
    format: str
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    resumed_from: int = 0  # lines (NDJSON) or rows (CSV) confirmed by earlier runs
    confirmed: int = 0  # lines or rows confirmed in all, from the top of the file
    by_field: Counter[str] = field(default_factory=Counter)
    complete: bool = False
    rejects_file: Path | None = None
    tally: doj.Tally | None = None  # DOJ files: rows by outcome


def progress_path(path: Path) -> Path:
    return path.with_name(path.name + ".progress.json")


def rejects_path(path: Path, fmt: str) -> Path:
    return path.with_name(path.name + (".rejects.ndjson" if fmt == "ndjson"
                                       else ".rejects.csv"))


FORMATS = ("csv", "ndjson", "doj")


def detect_format(path: Path, fmt: str | None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise PushError("--format must be csv, ndjson or doj")
        return fmt
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".ndjson", ".jsonl"):
        return "ndjson"
    raise PushError(f"cannot tell the format of {path.name} from its extension: "
                    "use --format csv, --format ndjson or --format doj")


def _fingerprint(path: Path, upto: int) -> str:
    with path.open("rb") as f:
        return hashlib.sha256(f.read(min(upto, FINGERPRINT_BYTES))).hexdigest()


def _generalise(field_name: str) -> str:
    """`case.counts.3.level` -> `case.counts.*.level`: counts by field, not by position."""
    return ".".join("*" if p.isdigit() else p for p in field_name.split("."))


# --- chunks ----------------------------------------------------------------------------


@dataclass
class Chunk:
    body: bytes
    numbers: list[int]  # file line (NDJSON) or row (CSV) of each item sent, in order
    raw: list[Any]  # what was sent for each item: the line, or the CSV cells
    end_offset: int  # byte offset just after the chunk
    next_number: int  # line or row number after the chunk


def _ndjson_chunks(f: IO[bytes], start: int, first_line: int, size: int) -> Iterator[Chunk]:
    f.seek(start)
    offset, number = start, first_line
    lines: list[bytes] = []
    numbers: list[int] = []
    while True:
        line = f.readline()
        if line:
            offset += len(line)
            if line.strip():
                lines.append(line.rstrip(b"\r\n"))
                numbers.append(number)
            number += 1
        if lines and (len(lines) >= size or not line):
            yield Chunk(b"\n".join(lines) + b"\n", numbers, lines, offset, number)
            lines, numbers = [], []
        if not line:
            return


class _Lines:
    """Decoded lines of a binary file with the byte offset consumed so far (csv.reader
    takes exactly the lines of each record it returns)."""

    def __init__(self, f: IO[bytes], offset: int) -> None:
        self.f = f
        self.offset = offset

    def __iter__(self) -> Iterator[str]:
        while True:
            line = self.f.readline()
            if not line:
                return
            self.offset += len(line)
            yield line.decode("utf-8-sig" if self.offset == len(line) else "utf-8")


def _csv_header(f: IO[bytes]) -> tuple[list[str], int]:
    f.seek(0)
    lines = _Lines(f, 0)
    try:
        header = next(csv.reader(iter(lines), strict=True))
    except StopIteration:
        raise PushError("the CSV is empty: expected a header row") from None
    except (csv.Error, UnicodeDecodeError):
        raise PushError("the CSV header cannot be read (is the file UTF-8 CSV?)") from None
    return header, lines.offset


def _csv_chunks(f: IO[bytes], header: list[str], start: int, first_row: int,
                size: int) -> Iterator[Chunk]:
    f.seek(start)
    lines = _Lines(f, start)
    reader = csv.reader(iter(lines), strict=True)
    names = [h.strip() for h in header]
    court_at = names.index("court") if "court" in names else None
    id_at = names.index("event_id") if "event_id" in names else None

    def key(cells: list[str]) -> tuple[str, str]:
        def cell(i: int | None) -> str:
            return cells[i].strip() if i is not None and i < len(cells) else ""
        return cell(court_at), cell(id_at)

    rows: list[list[str]] = []
    numbers: list[int] = []
    number = first_row - 1
    end_offset = start

    def chunk() -> Chunk:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        # Resuming starts right after the chunk's last row (with that row's number + 1).
        return Chunk(out.getvalue().encode(), list(numbers), list(rows), end_offset,
                     numbers[-1] + 1)

    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except (csv.Error, UnicodeDecodeError):
            raise PushError(f"the CSV cannot be read near row {number + 1} "
                            "(is it UTF-8 CSV?)") from None
        number += 1
        if not cells or all(not c.strip() for c in cells):
            continue
        # Flush at an event boundary only, so an event's rows travel together.
        if rows and len(rows) >= size and key(cells) != key(rows[-1]):
            yield chunk()
            rows, numbers = [], []
        rows.append(cells)
        numbers.append(number)
        end_offset = lines.offset
    if rows:
        yield chunk()


class _CountedLines:
    """Decoded lines of a binary file with the byte offset and the number of lines consumed
    so far. A line that is not UTF-8 is read as Latin-1 (older extracts)."""

    def __init__(self, f: IO[bytes], offset: int) -> None:
        self.f = f
        self.offset = offset
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        while True:
            line = self.f.readline()
            if not line:
                return
            self.offset += len(line)
            self.count += 1
            try:
                yield line.decode("utf-8")
            except UnicodeDecodeError:
                yield line.decode("latin-1")


def _path_name(f: IO[bytes]) -> str:
    return Path(str(getattr(f, "name", "the file"))).name


def _doj_layout(f: IO[bytes]) -> doj.Layout:
    f.seek(0)
    first = f.readline()
    if not first:
        raise PushError("the DOJ file is empty")
    try:
        return doj.detect_layout(first.decode("utf-8", errors="replace"))
    except doj.LayoutError as bad:
        where = "; ".join(e["message"] for e in bad.errors[:5])
        raise PushError(f"{_path_name(f)}: {bad} ({where})") from None


@dataclass
class _DojChunk(Chunk):
    batch: doj.Batch = field(default_factory=doj.Batch)
    cells: dict[int, list[str]] = field(default_factory=dict)  # row -> its cells


# Personal numbers the importer never reads: blanked in the rejects file.
_BLANKED = tuple(doj.COLUMNS.index(c) for c in (
    "REQ_CDL", "REQ_SSN", "PRI_SSN", "PRI_CDL", "PRI_IDN", "PRI_INN", "FBI_NUMBER"))


def _doj_chunks(f: IO[bytes], layout: doj.Layout, start: int, first_row: int,
                size: int) -> Iterator[_DojChunk]:
    """Chunks of at least `size` events (the last may be smaller), each ending where a
    person's rows end (the offset and row number to resume from)."""
    f.seek(start)
    lines = _CountedLines(f, start)
    parser = doj.DojParser()
    batch = doj.Batch()
    cells_of: dict[int, list[str]] = {}
    mark = (start, first_row)  # just after the last row read

    def chunk(end: tuple[int, int]) -> _DojChunk:
        body = b"".join(orjson.dumps(e.event) + b"\n" for e in batch.events)
        return _DojChunk(body, [], [], end[0], end[1], batch, cells_of)

    for number, cells in doj.read_rows(lines, layout, first_row):
        done = parser.feed(number, cells)
        if done is not None:
            batch.extend(done)
            if len(batch.events) >= size:
                yield chunk(mark)
                batch, cells_of = doj.Batch(), {}
        cells_of[number] = cells if cells is not None else []
        mark = (lines.offset, first_row + lines.count)
    batch.extend(parser.finish())
    if batch.rows:
        yield chunk(mark)


# --- the push --------------------------------------------------------------------------


class _Rejects:
    def __init__(self, path: Path, fmt: str, header: list[str] | None, fresh: bool) -> None:
        self.path = path
        self.fmt = fmt
        exists = path.exists() and not fresh
        self.f = path.open("a" if exists else "w", newline="", encoding="utf-8")
        self.writer = csv.writer(self.f) if fmt == "csv" else None
        if self.writer is not None and not exists:
            self.writer.writerow(["row", "errors", *(header or [])])
        self.written = 0

    def add(self, number: int, raw: Any, errors: list[dict[str, Any]],
            note: str | None = None) -> None:
        self.written += 1
        if self.writer is not None:
            text = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in errors)
            self.writer.writerow([number, text or note or "", *raw])
            return
        try:
            record: Any = orjson.loads(raw)
        except orjson.JSONDecodeError:
            record = raw.decode("utf-8", errors="replace")
        self.f.write(orjson.dumps({"line": number, "errors": errors, "record": record}).decode()
                     + "\n")

    def close(self) -> None:
        self.f.close()


def push_file(
    path: Path,
    client: httpx.Client,
    *,
    fmt: str | None = None,
    chunk_size: int = 500,
    restart: bool = False,
    show_progress: bool = True,
    retries: int = 5,
    sleep: Callable[[float], None] = time.sleep,
) -> Summary:
    """Push `path` through `client` (its base URL and key set); resumable. Raises PushError
    when it cannot go on (the progress file keeps what was confirmed)."""
    fmt = detect_format(path, fmt)
    chunk_size = max(1, min(chunk_size, MAX_CHUNK))
    size = path.stat().st_size
    summary = Summary(path, fmt, rejects_file=rejects_path(path, fmt))
    state = _load_progress(path, fmt, size) if not restart else None
    if state and state.get("complete"):
        summary.accepted, summary.duplicates, summary.rejected = (
            state["accepted"], state["duplicates"], state["rejected"])
        summary.confirmed = summary.resumed_from = state["confirmed"]
        summary.complete = True
        if fmt == "doj":
            summary.tally = doj.Tally()
            _restore_tally(summary.tally, state.get("doj") or {})
        return summary
    if fmt == "doj":
        return _push_doj(path, client, summary, state, size, chunk_size, show_progress,
                         retries, sleep)
    with path.open("rb") as f:
        header: list[str] | None = None
        if fmt == "csv":
            header, header_end = _csv_header(f)
            start, first = (state["offset"], state["next"]) if state else (header_end, 2)
            chunks = _csv_chunks(f, header, start, first, chunk_size)
            endpoint, content_type = "/v1/records:csv", "text/csv"
        else:
            start, first = (state["offset"], state["next"]) if state else (0, 1)
            chunks = _ndjson_chunks(f, start, first, chunk_size)
            endpoint, content_type = "/v1/records:batch", "application/x-ndjson"
        if state:
            summary.accepted, summary.duplicates, summary.rejected = (
                state["accepted"], state["duplicates"], state["rejected"])
            summary.confirmed = summary.resumed_from = state["confirmed"]
        rejects = _Rejects(rejects_path(path, fmt), fmt, header, fresh=state is None)
        bar = tqdm(total=size, initial=start, unit="B", unit_scale=True, unit_divisor=1024,
                   desc=path.name, disable=not show_progress, leave=False)
        try:
            offset, next_number = start, first
            for part in chunks:
                report = _send(client, endpoint, content_type, part.body, retries, sleep)
                _account(summary, report, part, rejects, fmt)
                summary.confirmed += len(part.numbers)
                bar.update(part.end_offset - offset)
                offset, next_number = part.end_offset, part.next_number
                _save_progress(path, fmt, size, offset, next_number, summary, complete=False)
            summary.complete = True
            _save_progress(path, fmt, size, offset, next_number, summary, complete=True)
        finally:
            bar.close()
            rejects.close()
    return summary


def _push_doj(path: Path, client: httpx.Client, summary: Summary, state: dict[str, Any] | None,
              size: int, chunk_size: int, show_progress: bool, retries: int,
              sleep: Callable[[float], None]) -> Summary:
    tally = summary.tally = doj.Tally()
    if state:
        summary.accepted, summary.duplicates, summary.rejected = (
            state["accepted"], state["duplicates"], state["rejected"])
        summary.confirmed = summary.resumed_from = state["confirmed"]
        _restore_tally(tally, state.get("doj") or {})
    with path.open("rb") as f:
        layout = _doj_layout(f)
        start, first = (state["offset"], state["next"]) if state else (0, 1)
        rejects = _Rejects(rejects_path(path, "doj"), "csv", list(doj.COLUMNS),
                           fresh=state is None)
        bar = tqdm(total=size, initial=start, unit="B", unit_scale=True, unit_divisor=1024,
                   desc=path.name, disable=not show_progress, leave=False)
        parts = _prefetched(_doj_chunks(f, layout, start, first, chunk_size))
        try:
            offset, next_number = start, first
            for part in parts:
                report: dict[str, Any] = {}
                if part.batch.events:
                    report = _send(client, "/v1/records:batch", "application/x-ndjson",
                                   part.body, retries, sleep)
                _account_doj(summary, tally, report, part, rejects)
                summary.confirmed += part.batch.rows
                bar.update(part.end_offset - offset)
                offset, next_number = part.end_offset, part.next_number
                _save_progress(path, "doj", size, offset, next_number, summary, complete=False)
            summary.complete = True
            _save_progress(path, "doj", size, offset, next_number, summary, complete=True)
        finally:
            parts.close()  # stops the reader thread before the file is closed
            bar.close()
            rejects.close()
    return summary


def _prefetched(chunks: Iterator[_DojChunk], depth: int = 2
                ) -> Generator[_DojChunk, None, None]:
    """The chunks, read and parsed in a thread up to `depth` ahead, so the file is parsed
    while ingest answers the previous chunk. Stops the thread when the caller stops."""
    ahead: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for part in chunks:
                if not hand(("chunk", part)):
                    return
            hand(("end", None))
        except BaseException as exc:  # handed to the caller  # noqa: BLE001
            hand(("error", exc))

    worker = threading.Thread(target=produce, name="doj-reader", daemon=True)
    worker.start()
    try:
        while True:
            kind, item = ahead.get()
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        stop.set()
        worker.join(5)


def _restore_tally(tally: doj.Tally, saved: dict[str, Any]) -> None:
    tally.imported = int(saved.get("imported", 0))
    tally.rejected = int(saved.get("rejected", 0))
    tally.no_event.update({str(k): int(v) for k, v in (saved.get("no_event") or {}).items()})
    tally.flagged_rows = [int(r) for r in saved.get("flagged_rows") or []]


def _account_doj(summary: Summary, tally: doj.Tally, report: dict[str, Any],
                 part: _DojChunk, rejects: _Rejects) -> None:
    """Counts and rejects of a confirmed chunk: the parser's rejects, then the events ingest
    refused (their rows move from imported to rejected)."""
    tally.add(part.batch)
    summary.accepted += int(report.get("accepted", 0))
    summary.duplicates += int(report.get("duplicates", 0))
    summary.rejected += int(report.get("rejected", 0))
    refused: list[tuple[int, list[dict[str, Any]]]] = [
        (r.row, r.errors) for r in part.batch.rejected]
    for entry in report.get("errors", []):
        index = int(entry.get("line", 0)) - 1
        if not 0 <= index < len(part.batch.events):
            continue
        event = part.batch.events[index]
        errors = list(entry.get("errors", []))
        tally.imported -= len(event.rows)
        tally.rejected += len(event.rows)
        tally.flagged_rows = [r for r in tally.flagged_rows if r not in event.flagged_rows]
        refused += [(row, errors) for row in event.rows]
    for row, errors in sorted(refused, key=lambda pair: pair[0]):
        for error in errors:
            summary.by_field[_generalise(str(error.get("field")))] += 1
        cells = list(part.cells.get(row, []))
        for i in _BLANKED:
            if i < len(cells):
                cells[i] = ""
        rejects.add(row, cells, errors)


def _send(client: httpx.Client, endpoint: str, content_type: str, body: bytes, retries: int,
          sleep: Callable[[float], None]) -> dict[str, Any]:
    delay = 1.0
    for attempt in range(retries + 1):
        try:
            answer = client.post(endpoint, content=body, headers={"Content-Type": content_type})
        except httpx.TransportError as exc:
            problem = f"ingest unreachable ({type(exc).__name__})"
        else:
            if answer.status_code == 200:
                return dict(answer.json())
            message = _message_of(answer)
            if answer.status_code in (401, 403):
                raise PushError(f"the API key was refused ({answer.status_code}): {message}")
            if answer.status_code == 413:
                raise PushError(f"ingest refused the chunk as too large: {message}; "
                                "try a smaller --chunk")
            if answer.status_code < 500 and answer.status_code != 429:
                raise PushError(f"ingest refused the file ({answer.status_code}): {message}")
            problem = f"ingest answered {answer.status_code}"
        if attempt == retries:
            raise PushError(f"{problem}; giving up for now")
        sleep(delay)
        delay = min(delay * 2, 30.0)
    raise AssertionError("unreachable")


def _message_of(answer: httpx.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return "no details"
    if not isinstance(body, dict):
        return "no details"
    detail = body.get("detail")  # a problem (RFC 9457); older answers had message, error
    text = str(detail if isinstance(detail, str) else
               body.get("message", body.get("error", "no details")))
    fields = [f"{e.get('field')} ({e.get('message')})" for e in body.get("errors") or []
              if isinstance(e, dict)]
    return text + (": " + "; ".join(fields[:10]) if fields else "")


def _account(summary: Summary, report: dict[str, Any], part: Chunk, rejects: _Rejects,
             fmt: str) -> None:
    summary.accepted += int(report.get("accepted", 0))
    summary.duplicates += int(report.get("duplicates", 0))
    summary.rejected += int(report.get("rejected", 0))
    for entry in report.get("errors", []):
        errors = entry.get("errors", [])
        for error in errors:
            summary.by_field[_generalise(str(error.get("field")))] += 1
        if fmt == "csv":
            # Rows in the answer count the chunk's header as row 1; the file's rows differ.
            chunk_rows = [int(r) for r in entry.get("rows") or [entry.get("row")]
                          if r is not None]
            in_file = {r: part.numbers[r - 2] for r in chunk_rows
                       if 0 <= r - 2 < len(part.numbers)}
            errors = [{**e, "row": in_file[e["row"]]} if e.get("row") in in_file else e
                      for e in errors]
            flagged = sorted({e["row"] for e in errors if e.get("row") is not None})
            for row, number in in_file.items():
                own = [e for e in errors if e.get("row") in (None, number)]
                note = "rejected with the rest of its event; see row " + ", ".join(
                    str(r) for r in flagged) if flagged else None
                rejects.add(number, part.raw[row - 2], own, note)
        else:
            index = int(entry.get("line", 0)) - 1
            if 0 <= index < len(part.numbers):
                rejects.add(part.numbers[index], part.raw[index], errors)


def _load_progress(path: Path, fmt: str, size: int) -> dict[str, Any] | None:
    progress = progress_path(path)
    if not progress.exists():
        return None
    try:
        state = orjson.loads(progress.read_bytes())
    except orjson.JSONDecodeError:
        raise PushError(f"{progress.name} is damaged; use --restart to push from the top "
                        "(repeats are harmless)") from None
    if (state.get("format") != fmt or state.get("offset", 0) > size
            or state.get("fingerprint") != _fingerprint(path, int(state.get("offset", 0)))):
        raise PushError(f"{path.name} changed since {progress.name} was written; use "
                        "--restart to push it from the top (repeats are harmless)")
    return dict(state)


def _save_progress(path: Path, fmt: str, size: int, offset: int, next_number: int,
                   summary: Summary, complete: bool) -> None:
    state: dict[str, Any] = {
        "file": path.name, "format": fmt, "size": size, "offset": offset,
        "next": next_number, "fingerprint": _fingerprint(path, offset),
        "confirmed": summary.confirmed, "accepted": summary.accepted,
        "duplicates": summary.duplicates, "rejected": summary.rejected, "complete": complete,
    }
    if summary.tally is not None:
        state["doj"] = {"imported": summary.tally.imported, "rejected": summary.tally.rejected,
                        "no_event": dict(summary.tally.no_event),
                        "flagged_rows": summary.tally.flagged_rows}
    target = progress_path(path)
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_bytes(orjson.dumps(state, option=orjson.OPT_INDENT_2))
    os.replace(temporary, target)


# --- the command -----------------------------------------------------------------------


@app.callback()
def main() -> None:
    """Clearway tools for court staff."""


@app.command()
def push(
    files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                       help="one or more .csv (one row per count), .ndjson "
                                       "or DOJ research files"),
    url: str = typer.Option("http://127.0.0.1:8001", envvar="CLEARWAY_URL",
                            help="ingest's base URL"),
    key: str = typer.Option(..., envvar="CLEARWAY_API_KEY", help="API key (records:write)"),
    fmt: str | None = typer.Option(None, "--format", help="csv, ndjson or doj (the DOJ "
                                   "research file; default: from the file's extension)"),
    chunk: int = typer.Option(500, min=1, max=MAX_CHUNK,
                              help="lines (NDJSON), rows (CSV) or events (DOJ) per request"),
    restart: bool = typer.Option(False, help="ignore the progress file; push from the top"),
    progress: bool = typer.Option(True, help="show a progress bar"),
    timeout: float = typer.Option(120.0, help="seconds to wait for each answer"),
) -> None:
    """Push CSV, NDJSON or DOJ research files of court records to ingest, one after another.

    Resumes where an interrupted push stopped (FILE.progress.json). Rejected lines or rows
    go to FILE.rejects.ndjson or FILE.rejects.csv with their errors; the terminal shows
    counts only."""
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=timeout) as client:
        for file in files:
            try:
                summary = push_file(file, client, fmt=fmt, chunk_size=chunk, restart=restart,
                                    show_progress=progress)
            except PushError as exc:
                typer.echo(f"push stopped: {exc}", err=True)
                _resume_hint(file)
                raise typer.Exit(1) from None
            except KeyboardInterrupt:
                typer.echo("interrupted", err=True)
                _resume_hint(file)
                raise typer.Exit(130) from None
            _print_summary(summary)


def _resume_hint(file: Path) -> None:
    progress = progress_path(file)
    if progress.exists():
        state = orjson.loads(progress.read_bytes())
        typer.echo(f"{state['confirmed']} {'lines' if state['format'] == 'ndjson' else 'rows'} "
                   f"confirmed so far ({progress.name}); run the same command again to resume",
                   err=True)


def _print_summary(summary: Summary) -> None:
    unit = "lines" if summary.format == "ndjson" else "rows"
    if summary.resumed_from and summary.confirmed == summary.resumed_from and summary.complete:
        typer.echo(f"{summary.file.name} was pushed completely before "
                   f"({progress_path(summary.file).name}); use --restart to push it again")
    elif summary.resumed_from:
        typer.echo(f"resumed after {summary.resumed_from} {unit} confirmed earlier")
    if summary.tally is not None:
        _print_doj(summary, summary.tally)
    else:
        typer.echo(f"{summary.file.name}: {summary.accepted} accepted, {summary.duplicates} "
                   f"already accepted before, {summary.rejected} rejected "
                   f"({summary.confirmed} {unit})")
    if summary.by_field:
        typer.echo("rejected by field: " + ", ".join(
            f"{name} ({n})" for name, n in summary.by_field.most_common(10)))
    if (summary.rejected or (summary.tally and summary.tally.rejected)) \
            and summary.rejects_file is not None:
        typer.echo(f"rejected {unit} and their errors: {summary.rejects_file}")


def _print_doj(summary: Summary, tally: doj.Tally) -> None:
    typer.echo(f"{summary.file.name}: {summary.accepted} events accepted, {summary.duplicates} "
               f"already accepted before, {summary.rejected} refused by ingest")
    without = sum(tally.no_event.values())
    typer.echo(f"rows: {summary.confirmed} read: {tally.imported} imported, {tally.rejected} "
               f"rejected, {without} without an event")
    for reason, n in sorted(tally.no_event.items()):
        typer.echo(f"  {n} {reason}: {doj.NO_EVENT_REASONS.get(reason, reason)}")
    if tally.flagged_rows:
        shown = ", ".join(str(r) for r in sorted(tally.flagged_rows)[:20])
        more = f" and {len(tally.flagged_rows) - 20} more" if len(tally.flagged_rows) > 20 \
            else ""
        typer.echo(f"possible cannabis counts (statute another section, comment citing HS "
                   f"11357-11360; description \"{doj.POSSIBLE_CANNABIS_PREFIX.strip()} ...\"): "
                   f"{len(tally.flagged_rows)}, rows {shown}{more}")
