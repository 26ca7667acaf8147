"""When to try a failed delivery again: exponential backoff with full jitter."""
from __future__ import annotations

import random


def next_delay(attempts: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds before attempt `attempts + 1`; `attempts` already made (>= 1)."""
    ceiling = min(cap, base * (2 ** (attempts - 1)))
    return (rng or random).uniform(ceiling / 2, ceiling)
