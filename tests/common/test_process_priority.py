"""A service started at low priority yields the CPU to the others (bench/README.md: the
end-to-end phase runs filing and notify at nice 19). Each service runs in its own session,
and with the kernel's autogroup scheduling a session is its own scheduling group, so the
group's nice value must be lowered as well as the process's."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from clearway.common.devstack import lower_priority

AUTOGROUP = Path("/proc/self/autogroup")


def scheduled_by_autogroup() -> bool:
    """The file exists on any kernel built with autogroup, but it reads empty when the
    process sits in a cgroup of its own (as in a CI container): there the cgroup decides
    the CPU share and autogroup plays no part."""
    try:
        return bool(AUTOGROUP.read_text().strip())
    except OSError:
        return False


@pytest.fixture
def low_priority_session() -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)"],
        start_new_session=True, preexec_fn=lambda: lower_priority(19),
    )
    yield process
    process.kill()
    process.wait(10)


def test_a_low_priority_service_runs_at_the_nice_value_it_was_given(
    low_priority_session: subprocess.Popen[bytes],
) -> None:
    assert os.getpriority(os.PRIO_PROCESS, low_priority_session.pid) == 19


@pytest.mark.skipif(
    not scheduled_by_autogroup(), reason="autogroup scheduling does not apply to this process"
)
def test_a_low_priority_service_lowers_its_own_scheduling_group_too(
    low_priority_session: subprocess.Popen[bytes],
) -> None:
    group = Path(f"/proc/{low_priority_session.pid}/autogroup").read_text()
    mine = AUTOGROUP.read_text()
    assert group.split()[0] != mine.split()[0]  # a session of its own
    assert group.split()[-1] == "19"
