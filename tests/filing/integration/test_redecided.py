"""A grant re-decided into review or not eligible (a new rule pack version) withdraws the
pending motion, whatever stage it reached before filing; a later grant makes a new one."""
from __future__ import annotations

import pytest

from clearway.common.db import make_engine
from clearway.filing.store import FilingStore
from tests.filing.builders import NOW, decision, disposition, stub_render


@pytest.fixture
def store(database_url: str) -> FilingStore:
    return FilingStore(make_engine(database_url))


@pytest.mark.parametrize("relief", ["needs_review", "not_eligible"])
def test_a_grant_now_under_review_or_not_eligible_withdraws_the_ready_motion(
        store: FilingStore, relief: str) -> None:
    first = decision(relief="reduce_to_misdemeanor")
    store.process([disposition()], [first], stub_render, NOW)
    assert [m.status for m in store.motions_of_case("CA-LA", "BA100")] == ["ready"]
    store.process([], [decision(relief=relief, version=2, supersedes=first.decision_id)],
                  stub_render, NOW)
    assert [m.status for m in store.motions_of_case("CA-LA", "BA100")] == ["withdrawn"]


def test_a_review_that_grants_again_makes_a_new_motion(store: FilingStore) -> None:
    first = decision(relief="reduce_to_misdemeanor")
    store.process([disposition()], [first], stub_render, NOW)
    review = decision(relief="needs_review", version=2, supersedes=first.decision_id)
    store.process([], [review], stub_render, NOW)
    store.process([], [decision(relief="dismiss_and_seal", version=3,
                                supersedes=review.decision_id)], stub_render, NOW)
    assert sorted(m.status for m in store.motions_of_case("CA-LA", "BA100")) == [
        "ready", "withdrawn"]
