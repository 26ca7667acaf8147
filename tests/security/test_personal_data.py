"""Issue #9 (e): no personal data where it does not belong. After a full run of a few
hundred people through the four services (with a text-message API failing for a while
and some malformed records, so retry and rejection paths log too), no service log, no
/metrics page and no integrator topic (eligibility.decisions.v1, filing.motions.v1,
notify.deliveries.v1: keys, values and headers) holds a first name, last name, birth
date, e-mail address, phone number or street address of the dataset.

Names are matched as whole tokens, case-sensitively as the data writes them ("Ana" is not
found in "Analyn", "Le" not in "Leticia"); birth dates as ISO strings; phone numbers in
E.164 and as their ten national digits."""
from __future__ import annotations

import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx
import pytest
from kafka import KafkaConsumer

from clearway.common.datagen import generate_events
from clearway.common.devstack import SERVICES, Stack
from clearway.common.topics import DECISIONS, DELIVERIES, MOTIONS
from tests.chaos.harness import (
    FakeSmsProvider,
    Pusher,
    Topics,
    start_stack,
    wait_until_settled,
)

pytestmark = pytest.mark.e2e

PEOPLE = 300
# A person who exists only in rejected input: nothing of theirs may be kept anywhere.
REJECTED = {"first_name": "Xanthippe", "last_name": "Quillfeather",
            "date_of_birth": "1966-06-16", "email": "xanthippe.q@example.net",
            "phone": "+14155550177"}


def rejected_records() -> list[dict[str, Any]]:
    base = {"event_type": "disposition", "court": "CA-SF",
            "occurred_at": "2020-01-01T10:00:00-08:00",
            "case": {"case_number": "SFBAD1", "counts": [{
                "count": 1, "statute": "HS 11359", "level": "felony",
                "disposition": "convicted", "disposition_date": "2010-01-01"}]}}
    subject = {"subject_id": "CIIBAD0001", "first_name": REJECTED["first_name"],
               "last_name": REJECTED["last_name"], "date_of_birth": REJECTED["date_of_birth"],
               "contact": {"email": REJECTED["email"], "phone": REJECTED["phone"]}}
    return [
        {**base, "event_id": "BAD-1", "subject": {**subject, "date_of_birth": "16/06/1966"}},
        {**base, "event_id": "BAD-2", "subject": {**subject, "contact": {
            "email": REJECTED["email"], "phone": REJECTED["first_name"]}}},
        {**base, "event_id": "BAD-3", "court": REJECTED["last_name"], "subject": subject},
        {**base, "event_id": "BAD-4", "subject": {**subject, "nickname": REJECTED["first_name"]}},
    ]


class Needles:
    """What to look for, and how."""

    def __init__(self, events: Iterable[dict[str, Any]]) -> None:
        names: set[str] = {REJECTED["first_name"], REJECTED["last_name"]}
        self.literals: set[str] = {REJECTED["date_of_birth"], REJECTED["email"],
                                   REJECTED["phone"], REJECTED["phone"][2:]}
        for event in events:
            s = event["subject"]
            names.update(n for n in (s.get("first_name"), s.get("last_name")) if n)
            if s.get("date_of_birth"):
                self.literals.add(s["date_of_birth"])
            contact = s.get("contact") or {}
            if contact.get("email"):
                self.literals.add(contact["email"])
                self.literals.add(contact["email"].lower())
            if contact.get("phone"):
                self.literals.update({contact["phone"], contact["phone"][2:]})
            if (contact.get("postal_address") or {}).get("line1"):
                self.literals.add(contact["postal_address"]["line1"])
        # Whole tokens: not preceded or followed by a letter, digit, "_" or "-".
        self.names = re.compile(r"(?<![\w-])(?:" + "|".join(
            re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")(?![\w-])")
        self.literal = re.compile("|".join(re.escape(x) for x in sorted(
            self.literals, key=len, reverse=True)))
        self.name_count = len(names)

    def found(self, text: str) -> list[str]:
        hits = []
        for pattern in (self.names, self.literal):
            for m in pattern.finditer(text):
                hits.append(f"{m.group(0)!r} in …{text[max(0, m.start() - 60):m.end() + 60]}…")
        return hits


def topic_texts(bootstrap: str) -> dict[str, str]:
    consumer = KafkaConsumer(DECISIONS, MOTIONS, DELIVERIES, bootstrap_servers=bootstrap,
                             group_id=None, auto_offset_reset="earliest",
                             consumer_timeout_ms=1500)
    parts: dict[str, list[str]] = {DECISIONS: [], MOTIONS: [], DELIVERIES: []}
    try:
        for m in consumer:
            parts[m.topic].append((m.key or b"").decode(errors="replace"))
            parts[m.topic].append(m.value.decode(errors="replace"))
            parts[m.topic].extend(f"{k}={v.decode(errors='replace')}" for k, v in m.headers)
    finally:
        consumer.close()
    return {topic: "\n".join(lines) for topic, lines in parts.items()}


@pytest.mark.timeout(240)
def test_no_log_metrics_page_or_integrator_topic_holds_personal_data(
        tmp_path: Path, sms: FakeSmsProvider) -> None:
    events = list(generate_events(people=PEOPLE, seed=99))
    needles = Needles(events)
    sms.fail_with = 500  # retries, and their log lines, for the first part of the run
    stack: Stack = start_stack(tmp_path / "stack", sms)
    try:
        answer = httpx.post(f"{stack.url('ingest')}/v1/records:batch", json=rejected_records(),
                            headers=stack.headers(), timeout=30)
        assert answer.status_code == 200 and answer.json()["rejected"] == 4
        assert not needles.found(answer.text), "the rejection report repeats a value"
        single = httpx.post(f"{stack.url('ingest')}/v1/records", json=rejected_records()[0],
                            headers=stack.headers(), timeout=30)
        assert single.status_code == 422 and not needles.found(single.text)
        topics = Topics(stack.bootstrap_servers or "", (DECISIONS, DELIVERIES))
        pusher = Pusher(stack, events, batch=200)
        pusher.start()
        pusher.finish(timeout=120)
        deadline = time.monotonic() + 60
        while sms.refused < 20 and time.monotonic() < deadline:
            time.sleep(0.5)
        sms.fail_with = None
        wait_until_settled(stack, topics, timeout=180)
        topics.close()
        corpus = {f"{n} /metrics": httpx.get(f"{stack.url(n)}/metrics", timeout=10).text
                  for n in SERVICES}
        corpus.update(topic_texts(stack.bootstrap_servers or ""))
    finally:
        stack.stop()
    for log in sorted(stack.workdir.glob("*.log")):
        if log.stem.split("-")[0] in SERVICES:
            corpus[log.name] = log.read_text(errors="replace")

    assert sms.refused >= 1 and len(sms.accepted) > 0
    # The matcher finds what is there: e-mails to the people carry their names.
    mail = next((stack.maildir / "new").glob("*")).read_text(errors="replace")
    assert needles.found(mail), "the matcher finds nothing even where names belong"
    assert all(corpus.get(t) for t in (DECISIONS, MOTIONS, DELIVERIES)), "nothing to check"
    leaks = {where: needles.found(text)[:5] for where, text in corpus.items()}
    leaks = {where: hits for where, hits in leaks.items() if hits}
    sizes = {where: len(text) for where, text in corpus.items()}
    assert not leaks, f"personal data found: {leaks} (checked {needles.name_count} names, " \
                      f"{len(needles.literals)} dates/addresses/numbers in {sizes})"
