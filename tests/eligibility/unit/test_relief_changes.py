"""The recompute's table: old relief -> new relief, counted."""
from clearway.eligibility.domain.relief_changes import render_table, tally


def test_moves_are_counted_and_the_largest_comes_first() -> None:
    table = render_table(tally([("reduce_to_misdemeanor", "needs_review"),
                                ("not_eligible", "dismiss_and_seal"),
                                ("not_eligible", "dismiss_and_seal"), (None, "needs_review")]))
    lines = table.splitlines()
    assert lines[2].split() == ["not_eligible", "->", "dismiss_and_seal", "2"]
    assert ["(none)", "->", "needs_review", "1"] in [line.split() for line in lines]
    assert lines[-1].split() == ["total", "4"]


def test_nothing_changed_says_so() -> None:
    assert render_table(tally([])) == "no decision changed"
