"""`clearway-datagen`: write synthetic court record events as NDJSON or CSV, or a
synthetic DOJ research file.

    clearway-datagen --cases 125000 --seed 42 --format ndjson --out records.ndjson
    clearway-datagen --cases 10000 --format csv --out - | head
    clearway-datagen --format doj --people 10000 --out doj.txt
    clearway-datagen --format doj --rows 1000000 --delimiter , --no-header --out doj.csv

Streams: memory stays flat whatever ``--cases`` is. ``--out`` ending in ``.gz`` is gzipped.
Progress goes to stderr (on by default from 10,000 cases), data only to ``--out``.
"""
from __future__ import annotations

import contextlib
import csv
import enum
import gzip
import io
import os
import sys
from collections.abc import Iterator
from typing import Annotated, BinaryIO

import orjson
import typer
from tqdm import tqdm

from clearway.common.datagen import CSV_COLUMNS, csv_rows, doj_lines, generate_events

PROGRESS_FROM = 10_000

app = typer.Typer(
    add_completion=False,
    no_args_is_help=False,
    help="Write synthetic (made-up) California court record events, deterministic by seed.",
)


class Format(str, enum.Enum):
    ndjson = "ndjson"
    csv = "csv"
    doj = "doj"


@contextlib.contextmanager
def _open_binary(out: str) -> Iterator[BinaryIO]:
    if out == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    if out.endswith(".gz"):
        with gzip.open(out, "wb", compresslevel=6) as handle:
            yield handle  # type: ignore[misc]
        return
    with open(out, "wb", buffering=1 << 20) as handle:
        yield handle


@app.command()
def main(
    cases: Annotated[
        int,
        typer.Option(
            "--cases",
            min=0,
            help="Number of cases, i.e. disposition events; registrations and deaths come "
            "on top.",
        ),
    ] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same output.")] = 0,
    fmt: Annotated[
        Format,
        typer.Option(
            "--format",
            case_sensitive=False,
            help="ndjson: one record event per line (all event types). csv: one row per "
            "count of each disposition event, columns as clearway.common.datagen.CSV_COLUMNS. "
            "doj: the DOJ research file, one row per count per step (DOJ_COLUMNS).",
        ),
    ] = Format.ndjson,
    out: Annotated[
        str, typer.Option("--out", "-o", help="Output file, '-' for stdout; '.gz' compresses.")
    ] = "-",
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress",
            help=f"Progress bar on stderr (default: on from {PROGRESS_FROM:,} cases).",
        ),
    ] = None,
    people: Annotated[
        int | None,
        typer.Option("--people", min=0, help="doj: number of people (default: --cases)."),
    ] = None,
    rows: Annotated[
        int | None,
        typer.Option("--rows", min=0, help="doj: exactly this many rows instead of --people "
                     "(the last person's history may be cut short)."),
    ] = None,
    delimiter: Annotated[
        str, typer.Option("--delimiter", help="doj: | (as DOJ sends it) or , (quoted CSV).")
    ] = "|",
    header: Annotated[
        bool, typer.Option("--header/--no-header", help="doj: a first line naming the columns.")
    ] = True,
) -> None:
    """Generate --cases cases of synthetic people and write them to --out."""
    if fmt is Format.doj:
        _write_doj(out, people if people is not None or rows is not None else cases, rows,
                   seed, delimiter, header, progress)
        return
    show = progress if progress is not None else cases >= PROGRESS_FROM
    events = generate_events(cases, seed=seed)
    written = 0
    bar = tqdm(
        total=cases, unit="case", unit_scale=True, file=sys.stderr, disable=not show,
        mininterval=0.5, desc="clearway-datagen",
    )
    try:
        with bar, _open_binary(out) as sink:
            if fmt is Format.ndjson:
                written = _write_ndjson(events, sink, bar)
            else:
                written = _write_csv(events, sink, bar)
    except BrokenPipeError:  # e.g. `clearway-datagen ... | head`: not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(0) from None
    target = "stdout" if out == "-" else out
    typer.echo(f"wrote {written:,} {_unit(fmt)} for {cases:,} cases to {target}", err=True)


def _write_doj(out: str, people: int | None, rows: int | None, seed: int, delimiter: str,
               header: bool, progress: bool | None) -> None:
    if delimiter not in ("|", ","):
        raise typer.BadParameter("--delimiter must be | or ,")
    lines = doj_lines(None if rows is not None else people, rows=rows, seed=seed,
                      delimiter=delimiter, header=header)
    total = rows if rows is not None else None
    show = progress if progress is not None else (rows or people or 0) >= PROGRESS_FROM
    bar = tqdm(total=total, unit="row", unit_scale=True, file=sys.stderr, disable=not show,
               mininterval=0.5, desc="clearway-datagen")
    written = 0
    try:
        with bar, _open_binary(out) as sink:
            block: list[str] = []
            for line in lines:
                block.append(line)
                if len(block) == 2000:
                    sink.write("".join(block).encode())
                    bar.update(len(block))
                    written += len(block)
                    block = []
            sink.write("".join(block).encode())
            bar.update(len(block))
            written += len(block)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(0) from None
    written -= 1 if header else 0
    target = "stdout" if out == "-" else out
    people_text = f" for {people:,} people" if rows is None else ""
    typer.echo(f"wrote {written:,} DOJ rows{people_text} to {target}", err=True)


def _unit(fmt: Format) -> str:
    return "events" if fmt is Format.ndjson else "rows"


def _write_ndjson(events: Iterator[dict], sink: BinaryIO, bar: tqdm) -> int:
    written = 0
    pending = 0
    dumps = orjson.dumps
    for event in events:
        sink.write(dumps(event) + b"\n")
        written += 1
        if event["event_type"] == "disposition":
            pending += 1
            if pending == 1000:
                bar.update(pending)
                pending = 0
    bar.update(pending)
    return written


def _write_csv(events: Iterator[dict], sink: BinaryIO, bar: tqdm) -> int:
    text = io.TextIOWrapper(sink, encoding="utf-8", newline="", write_through=False)
    written = 0
    pending = 0
    try:
        writer = csv.DictWriter(text, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for event in events:
            rows = csv_rows(event)
            if not rows:
                continue
            writer.writerows(rows)
            written += len(rows)
            pending += 1
            if pending == 1000:
                bar.update(pending)
                pending = 0
        bar.update(pending)
        text.flush()
    finally:
        text.detach()  # leave the binary sink (stdout, file) to its owner
    return written


if __name__ == "__main__":  # pragma: no cover
    app()
