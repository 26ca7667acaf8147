"""How the benchmark reports repeated eligibility runs (pure; no broker)."""
from __future__ import annotations

from bench.run import _runs_note, median_run, tracing_cost


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


def test_tracing_cost_sets_each_turns_run_with_tracing_on_beside_the_run_off() -> None:
    def run(rate: float, cpu: float, spans: int = 0) -> dict[str, float]:
        return {**_run(rate), "cpu_us_per_record": cpu, "spans_exported": spans}

    off = [run(9_000.0, 100.0), run(6_000.0, 110.0), run(8_000.0, 104.0)]
    on = [run(8_800.0, 102.0, 1_700), run(6_300.0, 121.0, 1_780), run(7_800.0, 106.0, 1_750)]
    cost = tracing_cost(off, on)
    assert (cost["off_records_per_s"], cost["on_records_per_s"]) == (8_000.0, 7_800.0)
    assert cost["runs_on_over_off"] == [8_800 / 9_000, 6_300 / 6_000, 7_800 / 8_000]
    assert cost["runs_cpu_on_over_off"] == [1.02, 121 / 110, 106 / 104]
    assert cost["cpu_on_over_off"] == 1.02  # the middle of the turns' ratios
    assert (cost["off_cpu_us_per_record"], cost["on_cpu_us_per_record"]) == (104.0, 106.0)
    assert cost["spans_exported"] == 1_750
