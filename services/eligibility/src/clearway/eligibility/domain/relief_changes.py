"""What a recompute changed, as the table an operator reads: old relief -> new relief,
with how many counts moved that way. Pure."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

NEW = "(none)"  # a count decided for the first time


def tally(pairs: Iterable[tuple[str | None, str]]) -> Counter[tuple[str, str]]:
    """(old relief or None, new relief) of each published version, counted."""
    return Counter((old or NEW, new) for old, new in pairs)


def render_table(counts: Counter[tuple[str, str]]) -> str:
    """A fixed-width table, largest moves first; one line saying so when nothing changed."""
    if not counts:
        return "no decision changed"
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    old_w = max(len("old relief"), *(len(o) for (o, _), _ in rows))
    new_w = max(len("new relief"), *(len(n) for (_, n), _ in rows))
    lines = [f"{'old relief':<{old_w}}    {'new relief':<{new_w}}  counts",
             f"{'-' * old_w}    {'-' * new_w}  ------"]
    lines += [f"{old:<{old_w}} -> {new:<{new_w}}  {n:>6}" for (old, new), n in rows]
    lines.append(f"{'total':<{old_w}}    {'':<{new_w}}  {sum(counts.values()):>6}")
    return "\n".join(lines)
