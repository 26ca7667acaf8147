"""`clearway-eligibility recompute`: replay court.records.v1 and re-decide under a new policy."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from clearway.common.devstack import console_script
from clearway.common.topics import DECISIONS, provision_topics
from tests.e2e.topics import TopicReader
from tests.eligibility.integration.test_pipeline import produce, record


def recompute(bootstrap: str, data_dir: Path, policy_table: str) -> str:
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
           "CLEARWAY_ELIGIBILITY_DATA_DIR": str(data_dir),
           "CLEARWAY_ELIGIBILITY_POLICY_TABLE": policy_table}
    done = subprocess.run([console_script("clearway-eligibility"), "recompute"], env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def test_recompute_replays_the_topic_and_reports_what_a_new_policy_changes(
        embedded_broker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bootstrap = embedded_broker.bootstrap_servers
    provision_topics(bootstrap, 4)
    produce(bootstrap, [
        record("R1", "r1-1", "SF1", "HS 11359", "2011-03-01", "2024-01-01T00:00:00Z"),
        record("R2", "r2-1", "SF2", "HS 11357(a)", "2012-03-01", "2024-01-01T00:00:00Z"),
    ])
    first = recompute(bootstrap, tmp_path, '{"CA-LA": "dismiss-all"}')
    assert "2 new event(s)" in first and "2 decision(s) changed" in first

    second = recompute(bootstrap, tmp_path, '{"CA-SF": "dismiss-all"}')
    assert "0 new event(s)" in second
    # the felony 11359 (reduced -> dismissed) and the 11357 (same relief, new policy/reason)
    assert "2 decision(s) changed" in second

    reader = TopicReader(bootstrap, DECISIONS)
    try:
        reader.wait_for(lambda r: len(r.messages) >= 4)
        r1 = sorted((d["version"], d["relief"], d["policy"]) for d in reader.values(DECISIONS)
                    if d["subject_id"] == "R1")
    finally:
        reader.close()
    assert r1 == [(1, "reduce_to_misdemeanor", "statewide"), (2, "dismiss_and_seal", "dismiss-all")]
