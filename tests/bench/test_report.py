"""How the benchmark reports repeated eligibility runs (pure; no broker)."""
from __future__ import annotations

from bench.run import _runs_note, median_run


def _run(rate: float) -> dict[str, float]:
    return {"records_per_s": rate, "busy_s": 126_209 / rate}


def test_the_median_run_is_reported_with_every_runs_rate_in_the_order_run() -> None:
    reported = median_run([_run(13_350.0), _run(21_073.0), _run(17_016.0)])
    assert reported["records_per_s"] == 17_016.0
    assert reported["busy_s"] == 126_209 / 17_016.0
    assert reported["runs_records_per_s"] == [13_350.0, 21_073.0, 17_016.0]
    assert _runs_note(reported) == "; median of 3: 13,350 / 21,073 / 17,016"


def test_of_an_even_number_of_runs_the_lower_middle_one_is_reported() -> None:
    assert median_run([_run(4.0), _run(1.0), _run(3.0), _run(2.0)])["records_per_s"] == 2.0


def test_a_single_run_is_reported_as_it_is_without_a_note() -> None:
    reported = median_run([_run(9_000.0)])
    assert reported["records_per_s"] == 9_000.0 and _runs_note(reported) == ""
