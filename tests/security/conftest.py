"""Fixtures of the security suite."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.chaos.harness import FakeSmsProvider


@pytest.fixture
def sms() -> Iterator[FakeSmsProvider]:
    provider = FakeSmsProvider()
    try:
        yield provider
    finally:
        provider.stop()
