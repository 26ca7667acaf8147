"""Fixtures of the chaos suite. Sizes come from the environment: CHAOS_CASES (default
20000) and CHAOS_KILLS (kills per service, default 3) for the full runs (`make chaos`);
the short form (`-m chaos_short`, CI) has fixed sizes that finish within five minutes."""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.chaos.harness import FakeSmsProvider

CASES = int(os.environ.get("CHAOS_CASES", "20000"))
KILLS = int(os.environ.get("CHAOS_KILLS", "3"))


@pytest.fixture
def sms() -> Iterator[FakeSmsProvider]:
    provider = FakeSmsProvider()
    try:
        yield provider
    finally:
        provider.stop()
