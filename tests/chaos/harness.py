"""The chaos harness: the four services as processes (devstack.Stack, one process each),
a synthetic dataset pushed through ingest, faults injected at seeded random moments, and
the end state checked against the pure domain.

What "the end state" means (issue #9):
- every accepted record has exactly one current decision per in-scope count, equal to
  what `History.from_events` + `rules.decide` give for the same events;
- every case with granted relief has exactly one non-withdrawn motion, for exactly its
  granted counts, rendered (`ready`);
- every notice went out exactly once per channel: one e-mail per Message-ID in the
  Maildir, one letter file per delivery, one message per Idempotency-Key at the SMS
  provider, and `sent` as the latest status of each delivery on notify.deliveries.v1;
- no duplicate versions on the output topics: decisions (subject, court, case, count,
  version), motions (motion_id, status), deliveries (delivery_id, attempt, status).
"""
from __future__ import annotations

import collections
import datetime as dt
import email.parser
import json
import os
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import orjson
from kafka import KafkaAdminClient, KafkaConsumer

from clearway.common.datagen import COURT_CODES, generate_events
from clearway.common.devstack import SERVICES, ServiceProcess, Stack
from clearway.common.events import GRANTED_RELIEFS, RecordEvent
from clearway.common.settings import kafka_client_kwargs
from clearway.common.topics import DECISIONS, DELIVERIES, MOTIONS, RECORDS
from clearway.eligibility.domain.history import History
from clearway.eligibility.rulepacks import SHIPPED_POLICY_TABLE as DEFAULT_POLICY_TABLE
from clearway.eligibility.rulepacks.engine import Outcome, decide
from clearway.notify.adapters.email import message_id_for
from clearway.notify.domain.channels import ContactPoints, choose_channels

SEED = int(os.environ.get("CHAOS_SEED", "20261125"))
SENDER = "Clearway <notices@clearway.invalid>"  # notify's default smtp_sender

# Settings that make a SIGKILL cost seconds, not minutes, in a test: leases of rows a dead
# process held, send timeouts, retry back-off. The mechanisms are the production ones.
CHAOS_ENV = {
    **{f"CLEARWAY_{name.upper()}_OUTBOX_LEASE_SECONDS": "5" for name in SERVICES},
    "CLEARWAY_NOTIFY_SMTP_TIMEOUT": "5",
    "CLEARWAY_NOTIFY_SMS_TIMEOUT": "5",
    "CLEARWAY_NOTIFY_SEND_TIMEOUT_SECONDS": "8",
    "CLEARWAY_NOTIFY_SENDING_LEASE_SECONDS": "12",
    "CLEARWAY_NOTIFY_RETRY_BASE_SECONDS": "0.5",
    "CLEARWAY_NOTIFY_RETRY_MAX_SECONDS": "4",
    "CLEARWAY_NOTIFY_MAX_ATTEMPTS": "40",
    "CLEARWAY_NOTIFY_CONTACT_WAIT_SECONDS": "30",
}

GROUPS = {  # consumer group -> the topics it reads
    "clearway-eligibility": (RECORDS,),
    "clearway-filing": (RECORDS, DECISIONS),
    "clearway-notify": (RECORDS, DECISIONS),
}

CaseKey = tuple[str, str, str]  # subject_id, court, case_number
CountKey = tuple[str, str, str, int]


def log(message: str) -> None:
    print(f"[chaos {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- the data --------------------------------------------------------------------------


def dataset(cases: int, seed: int = SEED) -> list[dict[str, Any]]:
    """Synthetic record events of `cases` cases, with ids of this run's own (the session
    broker and stores are never shared, but the prefix keeps runs apart in logs)."""
    return list(generate_events(cases=cases, seed=seed))


@dataclass
class Expected:
    """What the pure domain says the pipeline must end with."""

    decisions: dict[CountKey, Outcome]
    granted: dict[CaseKey, set[int]]  # case -> granted count numbers
    notices: dict[CaseKey, list[str]]  # case of a living person -> channels
    deceased: set[str]
    people: int
    records: int

    @classmethod
    def of(cls, events: Iterable[dict[str, Any]], channels: frozenset[str],
           as_of: dt.date | None = None) -> Expected:
        as_of = as_of or dt.date.today()
        by_subject: dict[str, list[RecordEvent]] = collections.defaultdict(list)
        records = 0
        for raw in events:
            event = RecordEvent.model_validate(raw)
            by_subject[event.subject_id].append(event)
            records += 1
        decisions: dict[CountKey, Outcome] = {}
        granted: dict[CaseKey, set[int]] = collections.defaultdict(set)
        notices: dict[CaseKey, list[str]] = {}
        deceased = set()
        for subject, evs in by_subject.items():
            cases: set[CaseKey] = set()
            for o in decide(History.from_events(subject, evs), as_of, DEFAULT_POLICY_TABLE):
                decisions[(subject, o.court, o.case_number, o.count)] = o
                if o.relief in GRANTED_RELIEFS:
                    granted[(subject, o.court, o.case_number)].add(o.count)
                    cases.add((subject, o.court, o.case_number))
            if any(e.death is not None for e in evs):
                deceased.add(subject)
                continue
            with_contact = [e for e in evs if e.subject.contact is not None]
            contact = max(with_contact, key=lambda e: e.occurred_at).subject.contact \
                if with_contact else None
            points = ContactPoints(
                email=contact.email if contact and "email" in channels else None,
                phone=contact.phone if contact and "sms" in channels else None,
                has_postal_address=bool(contact and contact.postal_address)
                and "letter" in channels)
            chosen = choose_channels(points, frozenset())
            for key in cases:
                notices[key] = chosen
        return cls(decisions, dict(granted), notices, deceased, len(by_subject), records)


# --- a text-message provider -----------------------------------------------------------


class FakeSmsProvider:
    """An HTTP API shaped like Twilio's Messages API, deduplicating on Idempotency-Key as
    the real one does. `fail_with` makes it answer that status (500) until cleared; `hang`
    makes it hold each request without answering."""

    def __init__(self) -> None:
        provider = self
        self.lock = threading.Lock()
        self.accepted: dict[str, str] = {}  # Idempotency-Key -> sid
        self.requests: collections.Counter[str] = collections.Counter()
        self.refused = 0
        self.fail_with: int | None = None

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                key = self.headers.get("Idempotency-Key") or ""
                with provider.lock:
                    provider.requests[key] += 1
                    failing = provider.fail_with
                    if failing is None and not self.path.endswith("/Messages.json"):
                        failing = 404
                    if failing is None and not form.get("To"):
                        failing = 400
                    if failing is not None:
                        provider.refused += 1
                        sid = None
                    else:
                        sid = provider.accepted.setdefault(key, f"SM{uuid.uuid4().hex}")
                body = orjson.dumps({"sid": sid, "status": "queued"} if sid else
                                    {"code": 20500, "message": "unavailable"})
                self.send_response(201 if sid else (failing or 500))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- the stack ---------------------------------------------------------------------------


def restart(stack: Stack, name: str, kill: bool = True, timeout: float = 90.0
            ) -> ServiceProcess:
    """Stack.restart_service, then wait until the new process answers /healthz as itself."""
    proc = stack.restart_service(name, kill=kill)
    proc.wait_healthy(timeout)
    return proc


def start_stack(workdir: Path, sms: FakeSmsProvider | None = None,
                extra_env: dict[str, str] | None = None,
                database_urls: dict[str, str] | None = None) -> Stack:
    env = dict(CHAOS_ENV)
    if sms is not None:
        env["CLEARWAY_NOTIFY_SMS_BASE_URL"] = sms.url
    env.update(extra_env or {})
    stack = Stack(workdir, extra_env=env, database_urls=database_urls or {})
    try:
        stack.start()
    except BaseException:
        stack.stop()
        raise
    return stack


def chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


class Pusher(threading.Thread):
    """Posts the events through POST /v1/records:batch, in order, a batch at a time; a
    batch that gets no 200 (ingest killed mid-request, or restarting) is sent again until
    it is answered: `accepted + duplicates` then covers every event of it."""

    def __init__(self, stack: Stack, events: list[dict[str, Any]], batch: int = 250,
                 pace: float = 0.0) -> None:
        super().__init__(daemon=True, name="pusher")
        self.stack = stack
        self.events = events
        self.batch = batch
        self.pace = pace
        self.accepted = 0
        self.duplicates = 0
        self.rejected = 0
        self.retries = 0
        self.answers: collections.Counter[str] = collections.Counter()  # non-200 answers
        self.error: BaseException | None = None
        self.done_at: float | None = None

    def run(self) -> None:
        try:
            for body in chunks(self.events, self.batch):
                self._post(body)
                if self.pace:
                    time.sleep(self.pace)
        except BaseException as exc:  # reported by the test
            self.error = exc
        self.done_at = time.monotonic()

    def _post(self, body: list[dict[str, Any]]) -> None:
        deadline = time.monotonic() + 180
        while True:
            try:
                answer = httpx.post(f"{self.stack.url('ingest')}/v1/records:batch", json=body,
                                    headers=self.stack.headers(), timeout=30)
                if answer.status_code == 200:
                    report = answer.json()
                    self.accepted += report["accepted"]
                    self.duplicates += report["duplicates"]
                    self.rejected += report["rejected"]
                    return
                self.answers[str(answer.status_code)] += 1
            except httpx.HTTPError as exc:
                self.answers[type(exc).__name__] += 1
            if time.monotonic() > deadline:
                raise TimeoutError("ingest did not accept a batch within 180 s")
            self.retries += 1
            time.sleep(0.3)

    def finish(self, timeout: float = 600) -> None:
        self.join(timeout)
        if self.is_alive():
            raise TimeoutError("the pusher did not finish")
        if self.error is not None:
            raise self.error


def kill_plan(kills_per_service: int, seed: int, window: float,
              services: Iterable[str] = SERVICES) -> list[tuple[float, str]]:
    """Seeded: each service `kills_per_service` times, in a shuffled order, spread over
    about `window` seconds: each kill 0.3-1.7 times the mean gap after the previous
    restart. Ingest is killed first once, while the records are still being pushed."""
    rng = random.Random(seed)
    names = [name for name in services for _ in range(kills_per_service)]
    rng.shuffle(names)
    if "ingest" in names:
        names.remove("ingest")
        names.insert(0, "ingest")
    gap = window / max(1, len(names))
    return [(round(rng.uniform(0.3, 1.7) * gap, 2), name) for name in names]


class FaultInjector(threading.Thread):
    """SIGKILLs a service at each planned moment and restarts it (Stack.restart_service),
    waiting until the new process answers /healthz before the next fault."""

    def __init__(self, stack: Stack, plan: list[tuple[float, str]]) -> None:
        super().__init__(daemon=True, name="faults")
        self.stack = stack
        self.plan = plan
        self.injected: list[tuple[float, str]] = []
        self.error: BaseException | None = None
        self._halt = threading.Event()
        self.started_at = time.monotonic()

    def run(self) -> None:
        try:
            for delay, name in self.plan:
                if self._halt.wait(delay):
                    return
                self.injected.append((time.monotonic() - self.started_at, name))
                log(f"SIGKILL {name} at +{self.injected[-1][0]:.1f}s")
                restart(self.stack, name)
        except BaseException as exc:
            self.error = exc

    def stop(self) -> None:
        self._halt.set()

    def finish(self, timeout: float = 900) -> None:
        self.join(timeout)
        if self.is_alive():
            raise TimeoutError("the fault injector did not finish")
        if self.error is not None:
            raise self.error

    def by_service(self) -> dict[str, int]:
        return dict(collections.Counter(name for _, name in self.injected))


# --- observing -----------------------------------------------------------------------------


class Topics:
    """Reads the contract topics from the beginning (as an integrator would), keeping what
    the checks need: values, headers, and each partition's end (the last offset seen + 1;
    ListOffsets LATEST is wrong on the embedded broker)."""

    def __init__(self, bootstrap: str, topics: Iterable[str] = (RECORDS, DECISIONS, MOTIONS,
                                                                  DELIVERIES)) -> None:
        self.bootstrap = bootstrap
        self.consumer = KafkaConsumer(*topics, bootstrap_servers=bootstrap, group_id=None,
                                      **kafka_client_kwargs("kafka-python"),
                                      auto_offset_reset="earliest", enable_auto_commit=False,
                                      consumer_timeout_ms=300, max_partition_fetch_bytes=4 << 20,
                                      fetch_max_bytes=32 << 20)
        self.values: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
        self.raw: dict[str, list[Any]] = collections.defaultdict(list)
        self.ends: dict[tuple[str, int], int] = {}
        self.last_new = time.monotonic()
        self.keep_raw = False

    def poll(self) -> int:
        got = 0
        for message in self.consumer:
            got += 1
            self.ends[(message.topic, message.partition)] = message.offset + 1
            if message.topic != RECORDS:
                self.values[message.topic].append(orjson.loads(message.value))
            if self.keep_raw:
                self.raw[message.topic].append(message)
        if got:
            self.last_new = time.monotonic()
        return got

    def output_count(self) -> int:
        return sum(len(self.values[t]) for t in (DECISIONS, MOTIONS, DELIVERIES))

    def close(self) -> None:
        self.consumer.close()


def group_lag(bootstrap: str, ends: dict[tuple[str, int], int]) -> dict[str, int]:
    """Each group's records still to consume: the ends seen minus its committed offsets."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="chaos-lag",
                             **kafka_client_kwargs("kafka-python"))
    try:
        lags = {}
        for group, topics in GROUPS.items():
            found = admin.list_group_offsets(group).get(group, {})
            committed = {(tp.topic, tp.partition): om.offset for tp, om in found.items()}
            lags[group] = sum(max(0, end - committed.get((topic, partition), 0))
                              for (topic, partition), end in ends.items() if topic in topics)
        return lags
    finally:
        admin.close()


_DEPTH = re.compile(rb"^clearway_outbox_depth (\S+)$", re.MULTILINE)


def outbox_depths(stack: Stack) -> dict[str, float]:
    depths = {}
    for name in SERVICES:
        try:
            page = httpx.get(f"{stack.url(name)}/metrics", timeout=5).content
            found = _DEPTH.search(page)
            depths[name] = float(found.group(1)) if found else -1.0
        except httpx.HTTPError:
            depths[name] = -1.0
    return depths


def filing_drafts(stack: Stack) -> int:
    with httpx.Client(base_url=stack.url("filing"), headers=stack.headers(), timeout=10) as c:
        return sum(c.get(f"/v1/courts/{court}/motions/summary").json()["by_status"].get("draft", 0)
                   for court in COURT_CODES)


def wait_until_settled(stack: Stack, topics: Topics, *, quiet: float = 8.0,
                       timeout: float = 600.0, busy: Callable[[], bool] = lambda: False,
                       expect_outputs: int = 1) -> float:
    """Until nothing is left anywhere: every outbox empty, every group caught up with every
    partition's end, no delivery pending/sending/retrying, no notice waiting, no draft
    motion, and no new message on any topic for `quiet` seconds. Returns the seconds it
    took. Every service process must stay alive meanwhile (unless `busy()`, the faults)."""
    started = time.monotonic()
    deadline = started + timeout
    state: dict[str, object] = {}
    while time.monotonic() < deadline:
        topics.poll()
        if busy():
            time.sleep(0.5)
            continue
        for name in SERVICES:
            proc = stack.services[name][0]
            if not proc.alive():
                raise AssertionError(f"{name} died on its own; see {proc.log_path}")
        if time.monotonic() - topics.last_new < quiet or topics.output_count() < expect_outputs:
            time.sleep(0.5)
            continue
        try:
            state = {"outboxes": outbox_depths(stack)}
            if any(v != 0 for v in state["outboxes"].values()):  # type: ignore[union-attr]
                time.sleep(1)
                continue
            state["lag"] = group_lag(topics.bootstrap, topics.ends)
            if any(state["lag"].values()):  # type: ignore[union-attr]
                time.sleep(1)
                continue
            state["notify"] = stack.notify_backlog()
            if any(state["notify"].values()):  # type: ignore[union-attr]
                time.sleep(1)
                continue
            state["drafts"] = filing_drafts(stack)
            if state["drafts"]:
                time.sleep(1)
                continue
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            state = {"error": repr(exc)}
            time.sleep(1)
            continue
        topics.poll()
        if time.monotonic() - topics.last_new >= quiet:
            return time.monotonic() - started
    raise AssertionError(f"not settled within {timeout:.0f}s; last state {state}")


# --- the operators' step for deliveries in doubt ------------------------------------------


def maildir_message_ids(maildir: Path) -> collections.Counter[str]:
    parser = email.parser.BytesHeaderParser()
    ids: collections.Counter[str] = collections.Counter()
    for path in (maildir / "new").glob("*"):
        with path.open("rb") as f:
            ids[str(parser.parse(f)["Message-ID"]).strip()] += 1
    return ids


def settle_deliveries_in_doubt(stack: Stack) -> dict[str, int]:
    """What notify documents for an e-mail whose SMTP DATA had begun when its process died
    (failed, `outcome_unknown`): look for its Message-ID at the mail server; found, record
    it as sent (mark-sent); not found, send it again (resend)."""
    done = {"mark_sent": 0, "resend": 0}
    with httpx.Client(base_url=stack.url("notify"), headers=stack.headers(), timeout=10) as c:
        failed = c.get("/v1/deliveries", params={"status": "failed",
                                                 "limit": 1000}).json()["deliveries"]
        in_doubt = [d for d in failed if d["last_error"] == "outcome_unknown"]
        if not in_doubt:
            return done
        arrived = maildir_message_ids(stack.maildir)
        for d in in_doubt:
            if message_id_for(d["delivery_id"], SENDER) in arrived:
                c.post(f"/v1/deliveries/{d['delivery_id']}/mark-sent").raise_for_status()
                done["mark_sent"] += 1
            else:
                c.post(f"/v1/deliveries/{d['delivery_id']}/resend").raise_for_status()
                done["resend"] += 1
    return done


# --- the checks -------------------------------------------------------------------------------


@dataclass
class Findings:
    decisions: int = 0
    motions: int = 0
    notices: int = 0
    emails: int = 0
    sms: int = 0
    letters: int = 0
    duplicates: dict[str, int] = field(default_factory=dict)
    lost: dict[str, int] = field(default_factory=dict)
    wrong: dict[str, list[str]] = field(default_factory=dict)

    def problem(self, kind: str, text: str) -> None:
        self.wrong.setdefault(kind, [])
        if len(self.wrong[kind]) < 10:
            self.wrong[kind].append(text)

    @property
    def total_duplicates(self) -> int:
        return sum(self.duplicates.values())

    @property
    def total_lost(self) -> int:
        return sum(self.lost.values())

    def assert_clean(self) -> None:
        assert not self.wrong and not self.total_duplicates and not self.total_lost, (
            f"duplicates {self.duplicates}, lost {self.lost}, wrong {json.dumps(self.wrong)}")


def duplicates_on_topics(topics: Topics, findings: Findings) -> None:
    keys = {
        DECISIONS: lambda d: (d["subject_id"], d["court"], d["case_number"], d["count"],
                              d["version"]),
        MOTIONS: lambda m: (m["kind"], m.get("motion_id") or m.get("bulk_motion_id"),
                            m["status"]),
        DELIVERIES: lambda d: (d["delivery_id"], d["attempt"], d["status"]),
    }
    for topic, key in keys.items():
        seen = collections.Counter(key(v) for v in topics.values[topic])
        twice = {k: n for k, n in seen.items() if n > 1}
        findings.duplicates[topic] = sum(n - 1 for n in twice.values())
        for k in list(twice)[:5]:
            findings.problem(f"{topic} duplicates", repr(k))


def latest_decisions(values: list[dict[str, Any]]) -> dict[CountKey, dict[str, Any]]:
    latest: dict[CountKey, dict[str, Any]] = {}
    for d in values:
        key = (d["subject_id"], d["court"], d["case_number"], d["count"])
        if key not in latest or latest[key]["version"] < d["version"]:
            latest[key] = d
    return latest


def check_decisions(latest: dict[CountKey, dict[str, Any]], expected: Expected,
                    findings: Findings) -> None:
    lost = 0
    for key, outcome in expected.decisions.items():
        got = latest.get(key)
        if got is None:
            lost += 1
            findings.problem("decision missing", repr(key))
            continue
        want = (outcome.statute, outcome.relief, outcome.procedure, list(outcome.reason_codes),
                outcome.policy)
        have = (got["statute"], got["relief"], got["procedure"],
                [r["code"] for r in got["reasons"]], got["policy"])
        if want != have:
            findings.problem("decision differs", f"{key}: want {want}, have {have}")
    for key, got in latest.items():
        if key not in expected.decisions and got["relief"] != "withdrawn":
            findings.problem("decision not expected", f"{key}: {got['relief']}")
    findings.lost["decisions"] = lost
    findings.decisions = sum(1 for d in latest.values() if d["relief"] != "withdrawn")


def check_versions_chain(values: list[dict[str, Any]], findings: Findings) -> None:
    """Versions of each count are 1..n, each superseding the one before."""
    by_count: dict[CountKey, dict[int, dict[str, Any]]] = collections.defaultdict(dict)
    for d in values:
        by_count[(d["subject_id"], d["court"], d["case_number"], d["count"])][d["version"]] = d
    for key, versions in by_count.items():
        if sorted(versions) != list(range(1, len(versions) + 1)):
            findings.problem("decision versions not 1..n", f"{key}: {sorted(versions)}")
            continue
        for n, d in versions.items():
            want = versions[n - 1]["decision_id"] if n > 1 else None
            if d["supersedes"] != want:
                findings.problem("decision supersedes", f"{key} v{n}")


def latest_motions(values: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The latest status of each motion, by topic order (one subject: one partition)."""
    latest: dict[str, dict[str, Any]] = {}
    for m in values:
        if m.get("kind") == "motion":
            latest[m["motion_id"]] = m
    return latest


def check_motions(motions: Iterable[dict[str, Any]], expected: Expected,
                  findings: Findings) -> None:
    """`motions`: each motion's current state (`motion_id`, `subject_id`, `court`,
    `case_number`, `status`, `counts` as numbers)."""
    live: dict[CaseKey, list[dict[str, Any]]] = collections.defaultdict(list)
    for m in motions:
        if m["status"] != "withdrawn":
            live[(m["subject_id"], m["court"], m["case_number"])].append(m)
    lost = 0
    for key, counts in expected.granted.items():
        found = live.get(key, [])
        if not found:
            lost += 1
            findings.problem("motion missing", repr(key))
        elif len(found) > 1:
            findings.problem("several live motions", f"{key}: {[m['motion_id'] for m in found]}")
        elif sorted(found[0]["counts"]) != sorted(counts):
            findings.problem("motion counts", f"{key}: {found[0]['counts']} != {sorted(counts)}")
        elif found[0]["status"] != "ready":
            findings.problem("motion not ready", f"{key}: {found[0]['status']}")
    for key in live:
        if key not in expected.granted:
            findings.problem("motion not expected", repr(key))
    findings.lost["motions"] = lost
    findings.motions = sum(len(v) for v in live.values())


def api_motions(stack: Stack) -> list[dict[str, Any]]:
    """Every motion of every court from filing's API, counts as numbers."""
    out = []
    with httpx.Client(base_url=stack.url("filing"), headers=stack.headers(), timeout=30) as c:
        for court in COURT_CODES:
            after = None
            while True:
                params: dict[str, Any] = {"limit": 1000}
                if after:
                    params["after"] = after
                page = c.get(f"/v1/courts/{court}/motions", params=params).json()
                for m in page["motions"]:
                    out.append({**m, "counts": [g["count"] for g in m["counts"]]})
                after = page["next_after"]
                if not after:
                    break
    return out


def letters_on_disk(letters_dir: Path) -> collections.Counter[str]:
    names: collections.Counter[str] = collections.Counter()
    if letters_dir.exists():
        for path in letters_dir.glob("*/*.pdf"):
            names[path.stem] += 1
    return names


def check_notices(stack: Stack, deliveries: list[dict[str, Any]], expected: Expected,
                  findings: Findings, sms: FakeSmsProvider | None) -> None:
    latest: dict[str, dict[str, Any]] = {}
    for d in deliveries:
        if d["channel"] is None:  # an `unreachable` notice: no delivery
            continue
        prior = latest.get(d["delivery_id"])
        if prior is None or (prior["attempt"], prior["status"] == "sent") <= \
                (d["attempt"], d["status"] == "sent"):
            latest[d["delivery_id"]] = d
    sent = {(d["subject_id"], d["court"], d["case_number"], d["channel"]): d
            for d in latest.values() if d["status"] == "sent"}
    wanted = {(*key, channel) for key, channels in expected.notices.items()
              for channel in channels}
    lost = 0
    for key in sorted(wanted - set(sent)):
        lost += 1
        findings.problem("notice not sent", repr(key))
    for key in sorted(set(sent) - wanted):
        findings.problem("notice not expected",
                         f"{key} ({'deceased' if key[0] in expected.deceased else 'alive'})")
    findings.lost["notices"] = lost
    findings.notices = len({k[:3] for k in sent})

    by_channel: dict[str, set[str]] = collections.defaultdict(set)
    for (_, _, _, channel), d in sent.items():
        by_channel[channel].add(d["delivery_id"])
    # e-mail: one message per Message-ID, one Message-ID per sent e-mail delivery
    mails = maildir_message_ids(stack.maildir)
    want_ids = {message_id_for(did, SENDER) for did in by_channel["email"]}
    findings.duplicates["emails"] = sum(n - 1 for n in mails.values() if n > 1)
    for mid, n in mails.items():
        if n > 1:
            findings.problem("e-mail sent twice", mid)
    for mid in set(mails) - want_ids:
        findings.problem("e-mail without a sent delivery", mid)
    for mid in want_ids - set(mails):
        findings.problem("sent e-mail not at the server", mid)
    findings.emails = len(mails)
    # letters: one file per delivery, in any day's batch folder
    letters = letters_on_disk(stack.letters_dir)
    findings.duplicates["letters"] = sum(n - 1 for n in letters.values() if n > 1)
    if set(letters) != by_channel["letter"]:
        findings.problem("letters", f"{len(set(letters) ^ by_channel['letter'])} differ")
    findings.letters = len(letters)
    # text messages: one accepted message per Idempotency-Key at the provider
    if sms is not None:
        if set(sms.accepted) != by_channel["sms"]:
            findings.problem("sms", f"{len(set(sms.accepted) ^ by_channel['sms'])} differ")
        findings.sms = len(sms.accepted)


def sample_api_decisions(stack: Stack, latest: dict[CountKey, dict[str, Any]],
                         findings: Findings, sample: int = 150, seed: int = SEED) -> None:
    """Eligibility's API lists exactly the current decision of each in-scope count."""
    by_subject: dict[str, dict[tuple[str, str, int], dict[str, Any]]] = \
        collections.defaultdict(dict)
    for (s, court, case, count), d in latest.items():
        if d["relief"] != "withdrawn":
            by_subject[s][(court, case, count)] = d
    subjects = sorted(by_subject)
    random.Random(seed).shuffle(subjects)
    with httpx.Client(base_url=stack.url("eligibility"), headers=stack.headers(),
                      timeout=10) as c:
        for subject in subjects[:sample]:
            answer = c.get(f"/v1/subjects/{subject}/decisions").json()
            got = {(d["court"], d["case_number"], d["count"]): d["decision_id"]
                   for d in answer["decisions"]}
            want = {k: d["decision_id"] for k, d in by_subject[subject].items()}
            if got != want:
                findings.problem("API decisions", subject)


def api_decisions(stack: Stack, subjects: Iterable[str]) -> dict[CountKey, dict[str, Any]]:
    """The current decisions eligibility's API lists for each of `subjects`."""
    latest = {}
    with httpx.Client(base_url=stack.url("eligibility"), headers=stack.headers(),
                      timeout=10) as c:
        for subject in subjects:
            answer = c.get(f"/v1/subjects/{subject}/decisions")
            if answer.status_code == 404:
                continue
            for d in answer.json()["decisions"]:
                latest[(subject, d["court"], d["case_number"], d["count"])] = d
    return latest


def check_everything(stack: Stack, topics: Topics, expected: Expected,
                     sms: FakeSmsProvider | None, *, from_topics: bool = True) -> Findings:
    """Every check. `from_topics=False` after a broker lost its data: the output topics
    then hold only what was published since, so decisions, motions and deliveries are read
    from the services' APIs (the stores), and the topics are checked for duplicates only."""
    findings = Findings()
    duplicates_on_topics(topics, findings)
    if from_topics:
        latest = latest_decisions(topics.values[DECISIONS])
        check_versions_chain(topics.values[DECISIONS], findings)
        sample_api_decisions(stack, latest, findings)
    else:
        latest = api_decisions(stack, sorted({k[0] for k in expected.decisions}))
    check_decisions(latest, expected, findings)
    from_api = api_motions(stack)
    check_motions(from_api, expected, findings)
    if from_topics:
        on_topic = [{**m, "counts": m["counts"]} for m in latest_motions(
            topics.values[MOTIONS]).values()]
        topic_findings = Findings()
        check_motions(on_topic, expected, topic_findings)
        for kind, texts in topic_findings.wrong.items():
            for text in texts:
                findings.problem(f"topic: {kind}", text)
        findings.lost["motions on topic"] = topic_findings.total_lost
    deliveries = topics.values[DELIVERIES] if from_topics else api_deliveries(
        stack, sorted({k[0] for k in expected.decisions}))
    check_notices(stack, deliveries, expected, findings, sms)
    return findings


def api_deliveries(stack: Stack, subjects: Iterable[str]) -> list[dict[str, Any]]:
    """Every delivery notify's store has for `subjects`, shaped like topic events (the
    per-person read: GET /v1/deliveries lists at most 1,000 and has no next page)."""
    out = []
    with httpx.Client(base_url=stack.url("notify"), headers=stack.headers(), timeout=30) as c:
        for subject in subjects:
            for d in c.get(f"/v1/subjects/{subject}/deliveries").json()["deliveries"]:
                out.append({**d, "attempt": d["attempts"]})
    return out


def summary_line(label: str, faults: int, detail: str, records: int, findings: Findings,
                 seconds: float) -> str:
    return (f"{label}: faults injected {faults} ({detail}), records in {records}, "
            f"decisions {findings.decisions}, motions {findings.motions}, notices "
            f"{findings.notices} (emails {findings.emails}, sms {findings.sms}, letters "
            f"{findings.letters}), duplicates {findings.total_duplicates}, lost "
            f"{findings.total_lost}, {seconds:.0f} s")


# --- a broker that lost everything ------------------------------------------------------------

def run_command(stack: Stack, name: str, argv: list[str], timeout: float = 300) -> str:
    """An operator command run with the service's own settings (its data dir, database)."""
    import subprocess

    done = subprocess.run(argv, env=stack.env_for(name, 0), capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(argv[:3])} failed: {done.stderr[-2000:]}")
    return done.stdout.strip()


def recover_lost_broker(stack: Stack, restart_consumers: bool = True) -> dict[str, float]:
    """The recovery docs/reliability.md describes, step by step, timed.

    1. While the new cluster has no topics, every relay waits (it never produces to a
       missing topic): mark every outbox for republishing, ingest's first (its accepted
       records are the system of record), then eligibility's, filing's and notify's (the
       decisions, motions and deliveries published before the loss: filing and notify
       may not have consumed all of those decisions yet, integrators lost them all).
    2. Provision the topics: each relay publishes its service's whole history again, in
       order, once.
    3. Restart the consuming services: a consumer of the lost cluster may still hold
       positions of the old partitions; a new process joins the new groups and reads
       from the beginning (every consumer dedupes what it has already applied)."""
    from clearway.common.devstack import console_script

    timings: dict[str, float] = {}
    started = time.monotonic()
    out = run_command(stack, "ingest", [console_script("clearway-ingest"), "replay",
                                        "--no-provision", "--no-wait"])
    log(f"recovery: clearway-ingest replay --no-provision --no-wait: {out.splitlines()[0]}")
    for name in ("eligibility", "filing", "notify"):
        out = run_command(stack, name, [console_script(f"clearway-{name}"), "republish",
                                        "--no-provision", "--no-wait"])
        log(f"recovery: clearway-{name} republish --no-provision --no-wait: "
            f"{out.splitlines()[0]}")
    timings["mark_s"] = time.monotonic() - started
    out = run_command(stack, "ingest", [console_script("clearway-topics"), "provision"])
    log(f"recovery: clearway-topics provision: {out}")
    assert "created 8 topic(s)" in out, "a topic existed before provisioning: auto-created?"
    timings["provision_s"] = time.monotonic() - started
    if restart_consumers:
        threads = [threading.Thread(target=lambda n=name: restart(stack, n, kill=False))
                   for name in ("eligibility", "filing", "notify")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        for name in ("eligibility", "filing", "notify"):
            stack.services[name][0].wait_ready(120)
        log("recovery: eligibility, filing and notify restarted and ready")
    timings["ready_s"] = time.monotonic() - started
    return timings
