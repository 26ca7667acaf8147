"""`make run`: start the embedded stack, push the shipped synthetic sample through the
ingest API, and print what came out: decisions by relief and court, motions written,
notices sent. Keeps running until Ctrl-C, then stops every process."""
from __future__ import annotations

import collections
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson
from kafka import KafkaConsumer

from clearway.common.datagen import sample_events
from clearway.common.devstack import SERVICES, Stack
from clearway.common.settings import kafka_client_kwargs
from clearway.common.topics import DECISIONS, DELIVERIES, MOTIONS

QUIET_SECONDS = 6.0


def _scale() -> dict[str, int]:
    return {name: int(os.environ.get(f"SCALE_{name.upper()}", "1")) for name in SERVICES}


def push_sample(stack: Stack, people: int) -> tuple[int, int]:
    events = sample_events(people=people)
    accepted = rejected = 0
    with httpx.Client(base_url=stack.url("ingest"), headers=stack.headers(), timeout=60) as client:
        for i in range(0, len(events), 500):
            report = client.post("/v1/records:batch", json=events[i:i + 500]).json()
            accepted += report["accepted"] + report["duplicates"]
            rejected += report["rejected"]
    return accepted, rejected


def watch_topics(bootstrap: str, expect_decisions: bool = True, limit_s: float = 90.0
                 ) -> dict[str, list[dict[str, object]]]:
    """Read the three output topics from the beginning until they go quiet."""
    consumer = KafkaConsumer(DECISIONS, MOTIONS, DELIVERIES, bootstrap_servers=bootstrap,
                             **kafka_client_kwargs("kafka-python"),
                             group_id=None, auto_offset_reset="earliest",
                             enable_auto_commit=False, consumer_timeout_ms=500)
    seen: dict[str, list[dict[str, object]]] = collections.defaultdict(list)
    last_new = time.monotonic()
    deadline = time.monotonic() + limit_s
    try:
        while time.monotonic() < deadline:
            got = 0
            for message in consumer:
                seen[message.topic].append(orjson.loads(message.value))
                got += 1
            if got:
                last_new = time.monotonic()
            elif (seen[DECISIONS] or not expect_decisions) and \
                    time.monotonic() - last_new > QUIET_SECONDS:
                break
    finally:
        consumer.close()
    return seen


def summary(seen: dict[str, list[dict[str, object]]], stack: Stack) -> str:
    latest: dict[tuple[object, ...], dict[str, object]] = {}
    for d in seen[DECISIONS]:
        key = (d["subject_id"], d["court"], d["case_number"], d["count"])
        if key not in latest or int(str(latest[key]["version"])) < int(str(d["version"])):
            latest[key] = d
    by = collections.Counter((str(d["court"]), str(d["relief"])) for d in latest.values())
    reliefs = sorted({r for _, r in by})
    courts = sorted({c for c, _ in by})
    width = max(len(r) for r in reliefs) if reliefs else 10
    lines = ["", "Decisions by relief and court (current version of each count)", ""]
    lines.append("court".ljust(8) + "".join(r.rjust(width + 2) for r in reliefs))
    for court in courts:
        lines.append(court.ljust(8) + "".join(str(by[(court, r)]).rjust(width + 2)
                                              for r in reliefs))
    lines.append("all".ljust(8) + "".join(str(sum(by[(c, r)] for c in courts)).rjust(width + 2)
                                          for r in reliefs))
    motions: dict[object, str] = {}
    for m in seen[MOTIONS]:
        if m.get("kind") == "motion":
            motions[m["motion_id"]] = str(m["status"])
    statuses = collections.Counter(motions.values())
    deliveries: dict[object, dict[str, object]] = {}
    for d in seen[DELIVERIES]:
        deliveries[d["delivery_id"]] = d
    sent = collections.Counter((str(d["channel"] or "no channel:"), str(d["status"]))
                               for d in deliveries.values())
    mails = len(list((stack.maildir / "new").glob("*")))
    letters = len(list(stack.letters_dir.rglob("*.pdf"))) if stack.letters_dir.exists() else 0
    pdfs = len(list((stack.workdir / "documents").rglob("*.pdf")))
    lines += ["", f"Motions: {len(motions)} written ({pdfs} PDF files); by status: " +
              ", ".join(f"{s} {n}" for s, n in sorted(statuses.items())),
              "Notices: " + ", ".join(f"{c} {s} {n}" for (c, s), n in sorted(sent.items())),
              f"  emails received by the local SMTP server: {mails} (Maildir {stack.maildir})",
              f"  letters in the print batch: {letters} ({stack.letters_dir})",
              f"  motion PDFs: {stack.workdir / 'documents'}"]
    return "\n".join(lines)


def main() -> int:
    people = int(os.environ.get("SAMPLE_PEOPLE", "300"))
    workdir = Path(os.environ.get("CLEARWAY_RUN_DIR") or tempfile.mkdtemp(prefix="clearway-run-"))
    stack = Stack(workdir, bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or None)
    stop = False

    def on_signal(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    started = time.monotonic()
    try:
        print(f"starting the embedded stack in {workdir} ...", flush=True)
        stack.start(scale=_scale())
        urls = ", ".join(f"{n} {p.url}" for n, ps in stack.services.items() for p in ps)
        print(f"broker {stack.bootstrap_servers}; services: {urls}", flush=True)
        print(f"API key for this run: {stack.api_key}", flush=True)
        accepted, rejected = push_sample(stack, people)
        print(f"pushed the sample through POST /v1/records:batch: {accepted} accepted, "
              f"{rejected} rejected; waiting for the pipeline ...", flush=True)
        seen = watch_topics(stack.bootstrap_servers or "")
        print(summary(seen, stack), flush=True)
        print(f"\nready in {time.monotonic() - started:.0f}s. The services keep running; "
              "press Ctrl-C to stop them.", flush=True)
        while not stop:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        print("\nstopping every process ...", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
