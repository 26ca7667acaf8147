"""The services' garbage-collector settings, in a fresh interpreter (they are global)."""
from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = r"""
import gc, json
from clearway.common.datagen import generate_events
from clearway.common.events import RecordEvent
from clearway.common.http import tune_garbage_collector

raw = [RecordEvent.model_validate(e).model_dump_json() for e in generate_events(cases=5000, seed=3)]
tune_garbage_collector()
before = gc.get_stats()[0]["collections"]
batch = [RecordEvent.model_validate_json(v) for v in raw[:5000]]  # held, as until a commit
during_batch = gc.get_stats()[0]["collections"] - before
del batch

class Node:
    def __init__(self):
        self.me = self  # garbage only the collector can free
before = gc.get_stats()[0]["collections"]
for _ in range(600_000):
    Node()
print(json.dumps({"during_batch": during_batch,
                  "for_cycles": gc.get_stats()[0]["collections"] - before}))
"""


def run() -> dict[str, int]:
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         check=True, timeout=120)
    return json.loads(out.stdout)


def test_a_batch_of_5000_decoded_events_held_until_commit_sets_off_no_collection() -> None:
    assert run()["during_batch"] == 0


def test_reference_cycles_are_still_collected_so_memory_stays_bounded() -> None:
    assert run()["for_cycles"] >= 2
