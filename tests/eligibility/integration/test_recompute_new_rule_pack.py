"""Re-deciding everyone under ca-prop64 1.1.0, over a store decided under 1.0.0 (issue #17):
`clearway-eligibility recompute` publishes a new version for exactly the counts whose decision
changed, and its table of old relief -> new relief counts them."""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

from clearway.common.db import insert_rows, make_engine
from clearway.common.devstack import console_script
from clearway.common.events import Decision, Reason, RecordEvent
from clearway.common.topics import DECISIONS, provision_topics
from clearway.eligibility.domain.versions import decision_id
from clearway.eligibility.settings import EligibilitySettings
from clearway.eligibility.store import EligibilityStore, decisions
from tests.e2e.topics import TopicReader

DECIDED_1_0 = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)


def disposition(subject: str, court: str, dob: str, number: str, statute: str,
                level: str = "felony", offense: str | None = "2010-03-01",
                disposed: str = "2010-06-01", **facts: Any) -> RecordEvent:
    count: dict[str, Any] = {"count": 1, "statute": statute, "level": level,
                             "disposition": "convicted", "disposition_date": disposed}
    if offense:
        count["offense_date"] = offense
    if facts:
        count["facts"] = facts
    return RecordEvent.model_validate({
        "event_id": f"{subject}-{number}", "event_type": "disposition", "court": court,
        "occurred_at": "2024-01-01T00:00:00Z",
        "subject": {"subject_id": subject, "first_name": "Lee", "last_name": "Park",
                    "date_of_birth": dob},
        "case": {"case_number": number, "counts": [count]}})


MURDER = {"number": "P1", "statute": "PC 187", "offense": "2001-01-01", "disposed": "2001-06-01"}
# subject: (court, birth date, earlier cases, the count, what 1.0.0 published, what 1.1.0 says)
PEOPLE: dict[str, tuple[str, str, list[dict], dict, tuple[str, str], str]] = {
    "R-JUVENILE": ("CA-SAC", "1996-01-15", [], {"statute": "HS 11359"},
                   ("reduce_to_misdemeanor", "FELONY_REDUCTION"), "needs_review"),
    "R-PLANTS-20": ("CA-SAC", "1990-01-15", [], {"statute": "HS 11358", "plants": 4},
                    ("reduce_to_misdemeanor", "FELONY_REDUCTION"), "reduce_to_infraction"),
    "R-PLANTS-MURDER": ("CA-SAC", "1980-01-15", [MURDER], {"statute": "HS 11358", "plants": 5},
                        ("not_eligible", "PRIOR_SUPER_STRIKE"), "dismiss_and_seal"),
    "R-NO-DATE": ("CA-SAC", "1980-01-15", [], {"statute": "HS 11359", "offense": None,
                                                "disposed": "2017-03-01"},
                  ("not_eligible", "AFTER_PROP64"), "needs_review"),
    "R-MISDEMEANOR": ("CA-SAC", "1980-01-15", [], {"statute": "HS 11359",
                                                    "level": "misdemeanor"},
                      ("dismiss_and_seal", "MISDEMEANOR_DISMISSAL"), "needs_review"),
    "R-FELONY": ("CA-SAC", "1980-01-15", [], {"statute": "HS 11359"},
                 ("reduce_to_misdemeanor", "FELONY_REDUCTION"), "reduce_to_misdemeanor"),
    "R-POSSESSION": ("CA-SAC", "1980-01-15", [], {"statute": "HS 11357", "level": "misdemeanor"},
                     ("dismiss_and_seal", "POSSESSION_ADULT"), "dismiss_and_seal"),
    "R-BARRED": ("CA-SAC", "1980-01-15", [MURDER], {"statute": "HS 11359"},
                 ("not_eligible", "PRIOR_SUPER_STRIKE"), "not_eligible"),
    "R-LA": ("CA-LA", "1980-01-15", [], {"statute": "HS 11359"},
             ("dismiss_and_seal", "DISMISS_ALL_POLICY"), "dismiss_and_seal"),
}
CHANGED = {s for s, p in PEOPLE.items() if p[4][0] != p[5]}


def decided_under_1_0(store: EligibilityStore) -> None:
    """The store as 1.0.0 left it: every person's events, and the versions it published."""
    events = []
    rows = []
    for subject, (court, dob, priors, target, (relief, code), _) in PEOPLE.items():
        events += [disposition(subject, court, dob, **prior) for prior in priors]
        events.append(disposition(subject, court, dob, "T1", **target))
        key = (court, "T1", 1)
        granted = relief not in ("not_eligible", "needs_review")
        d = Decision(
            decision_id=decision_id(subject, key, 1), subject_id=subject, court=court,
            case_number="T1", count=1, statute=target["statute"], relief=relief,
            procedure="application" if granted else None,
            reasons=[Reason(code=code, text="As ca-prop64 1.0.0 explained it.",
                            citation="HS 11361.8")],
            policy="dismiss-all" if court == "CA-LA" else "statewide", rule_pack="ca-prop64",
            rule_pack_version="1.0.0", version=1, supersedes=None, as_of=DECIDED_1_0.date(),
            decided_at=DECIDED_1_0)
        rows.append((subject, court, "T1", 1, 1, d.decision_id, relief,
                     d.model_dump_json().encode()))
    assert store.load_events(events) == len(events)
    with store.engine.begin() as conn:
        insert_rows(conn, decisions, ("subject_id", "court", "case_number", "count", "version",
                                      "decision_id", "relief", "payload"), rows)


def recompute(bootstrap: str, data_dir: Path) -> str:
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
           "CLEARWAY_ELIGIBILITY_DATA_DIR": str(data_dir)}
    done = subprocess.run([console_script("clearway-eligibility"), "recompute",
                           "--no-replay-topic"], env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    return done.stdout


def table_rows(printed: str) -> Counter[tuple[str, str]]:
    found: Counter[tuple[str, str]] = Counter()
    for old, new, n in re.findall(r"^(\S+) +-> (\S+) +(\d+)$", printed, re.MULTILINE):
        found[(old, new)] += int(n)
    return found


def test_recompute_under_1_1_0_publishes_exactly_the_changed_counts_and_tables_them(
        embedded_broker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bootstrap = embedded_broker.bootstrap_servers
    provision_topics(bootstrap, 4)
    settings = EligibilitySettings(data_dir=tmp_path)
    store = EligibilityStore(make_engine(settings.sqlalchemy_url()), settings.policies())
    decided_under_1_0(store)
    store.engine.dispose()

    printed = recompute(bootstrap, tmp_path)
    assert "ca-prop64 1.1.0" in printed
    assert f"{len(CHANGED)} decision(s) changed" in printed
    want = Counter((PEOPLE[s][4][0], PEOPLE[s][5]) for s in CHANGED)
    assert table_rows(printed) == want

    store = EligibilityStore(make_engine(settings.sqlalchemy_url()), settings.policies())
    for subject, (*_, new_relief) in PEOPLE.items():
        (current,) = store.current_decisions(subject)
        if subject in CHANGED:
            assert (current.version, current.relief, current.rule_pack_version) == (
                2, new_relief, "1.1.0"), subject
            assert current.supersedes == decision_id(subject, (current.court, "T1", 1), 1)
        else:
            assert (current.version, current.rule_pack_version) == (1, "1.0.0"), subject

    reader = TopicReader(bootstrap, DECISIONS)
    try:
        reader.wait_for(lambda r: len(r.messages) >= len(CHANGED), settle=2)
        published = reader.values(DECISIONS)
    finally:
        reader.close()
    assert sorted(d["subject_id"] for d in published) == sorted(CHANGED)
    assert {(d["version"], d["rule_pack_version"]) for d in published} == {(2, "1.1.0")}

    again = recompute(bootstrap, tmp_path)
    assert "0 decision(s) changed" in again and "no decision changed" in again
