from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from clearway.common.devstack import Stack


@pytest.fixture(scope="session")
def stack(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The four services as separate OS processes over the broker, with an SMTP sink."""
    workdir = Path(tmp_path_factory.mktemp("stack"))
    s = Stack(workdir, bootstrap_servers=kafka_bootstrap)
    try:
        s.start()
        yield s
    finally:
        s.stop()
