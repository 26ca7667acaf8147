"""The synthetic data generator: deterministic, valid, streaming, and a realistic mix."""
from __future__ import annotations

import collections
import csv
import inspect
import io
import itertools
import json
import re

import pytest
from typer.testing import CliRunner

from clearway.common.datagen import (
    COURT_CODES,
    CSV_COLUMNS,
    LANGUAGES,
    csv_rows,
    generate_events,
    sample_events,
)
from clearway.common.datagen_cli import app
from clearway.common.events import RecordEvent

CASES = 6_000


@pytest.fixture(scope="module")
def events() -> list[dict]:
    return list(generate_events(CASES, seed=11))


@pytest.fixture(scope="module")
def dispositions(events: list[dict]) -> list[dict]:
    return [e for e in events if e["event_type"] == "disposition"]


@pytest.fixture(scope="module")
def counts(dispositions: list[dict]) -> list[dict]:
    return [count for e in dispositions for count in e["case"]["counts"]]


@pytest.fixture(scope="module")
def people(dispositions: list[dict]) -> dict[str, dict]:
    return {e["subject"]["subject_id"]: e["subject"] for e in dispositions}


def subjects_with(events: list[dict], event_type: str) -> set[str]:
    return {e["subject"]["subject_id"] for e in events if e["event_type"] == event_type}


# --- determinism and streaming -------------------------------------------------------------


def test_the_same_seed_gives_the_same_events() -> None:
    assert list(generate_events(300, seed=5)) == list(generate_events(300, seed=5))


def test_a_different_seed_gives_different_events() -> None:
    assert list(generate_events(50, seed=5)) != list(generate_events(50, seed=6))


def test_generate_events_is_a_lazy_generator_so_any_size_streams() -> None:
    stream = generate_events(10**9, seed=1)
    assert inspect.isgenerator(stream)
    first = list(itertools.islice(stream, 5))
    assert len(first) == 5
    stream.close()


def test_a_larger_run_starts_with_the_people_of_a_smaller_run() -> None:
    small = list(generate_events(200, seed=3))
    large = list(generate_events(2_000, seed=3))
    last_subject = small[-1]["subject"]["subject_id"]
    complete = [e for e in small if e["subject"]["subject_id"] != last_subject]
    assert large[: len(complete)] == complete


def test_generate_events_wants_exactly_one_size() -> None:
    with pytest.raises(ValueError):
        generate_events()
    with pytest.raises(ValueError):
        generate_events(10, people=10)
    with pytest.raises(ValueError):
        generate_events(-1)


# --- validity and shape --------------------------------------------------------------------


def test_every_event_validates_as_a_record_event(events: list[dict]) -> None:
    for event in events:
        RecordEvent.model_validate(event)


def test_every_event_survives_a_json_round_trip(events: list[dict]) -> None:
    for event in events[:500]:
        assert RecordEvent.model_validate_json(json.dumps(event)) == RecordEvent.model_validate(
            event
        )


@pytest.mark.parametrize("size", [0, 1, 7, 501])
def test_the_cases_argument_is_the_exact_number_of_disposition_events(size: int) -> None:
    produced = [e for e in generate_events(size, seed=2) if e["event_type"] == "disposition"]
    assert len(produced) == size


def test_each_persons_events_are_emitted_together(events: list[dict]) -> None:
    runs = [key for key, _ in itertools.groupby(e["subject"]["subject_id"] for e in events)]
    assert len(runs) == len(set(runs))


def test_registrations_and_deaths_belong_to_people_who_also_have_cases(
    events: list[dict], people: dict[str, dict]
) -> None:
    extra = subjects_with(events, "registration") | subjects_with(events, "death")
    assert extra <= set(people)


def test_a_death_is_the_last_event_of_its_person(events: list[dict]) -> None:
    for subject_id, group in itertools.groupby(events, key=lambda e: e["subject"]["subject_id"]):
        types = [e["event_type"] for e in group]
        assert "death" not in types[:-1], subject_id


def test_event_ids_are_unique_and_carry_their_court(events: list[dict]) -> None:
    ids = [e["event_id"] for e in events]
    assert len(ids) == len(set(ids))
    assert all(e["event_id"].startswith(e["court"] + "-") for e in events)


def test_case_numbers_are_unique_per_court_and_look_like_court_numbers(
    dispositions: list[dict],
) -> None:
    keys = [(e["court"], e["case"]["case_number"]) for e in dispositions]
    assert len(keys) == len(set(keys))
    la = [number for court, number in keys if court == "CA-LA"]
    assert all(re.fullmatch(r"[A-Z]{2}\d{6}", number) for number in la)
    assert any(number.startswith("BA") for number in la)
    others = [(court, number) for court, number in keys if court != "CA-LA"]
    assert all(number.startswith(court.split("-")[1]) for court, number in others)


def test_subject_ids_are_cii_numbers(people: dict[str, dict]) -> None:
    assert all(re.fullmatch(r"CII\d{9}", subject_id) for subject_id in people)


def test_occurred_at_is_rfc3339_with_an_offset(events: list[dict]) -> None:
    pattern = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})")
    assert all(pattern.fullmatch(e["occurred_at"]) for e in events)
    offsets = {e["occurred_at"][19:] for e in events}
    assert {"-08:00", "-07:00"} <= offsets


# --- the mix -------------------------------------------------------------------------------


def test_los_angeles_has_the_largest_share_of_cases(dispositions: list[dict]) -> None:
    by_court = collections.Counter(e["court"] for e in dispositions)
    assert by_court.most_common(1)[0][0] == "CA-LA"
    assert 0.33 < by_court["CA-LA"] / len(dispositions) < 0.47
    assert set(by_court) == set(COURT_CODES)


def test_statutes_arrive_in_the_spellings_real_court_data_uses(counts: list[dict]) -> None:
    statutes = {count["statute"] for count in counts}
    for spelling in [
        r"HS 1135[789]\([a-e]\)",  # HS 11359(b)
        r"1135[7-9]\([A-E]\) HS",  # 11359(B) HS
        r"H&S 1135[7-9] \([a-e]\)",  # H&S 11359 (b)
        r"HS1135[7-9][A-E]",  # HS11359B
        r"1135[89] HS-[A-Z ]+",  # 11358 HS-CULTIVATE MARIJUANA
        r"HS 11360",
    ]:
        assert any(re.fullmatch(spelling, s) for s in statutes), spelling


def test_super_strikes_appear_in_several_spellings() -> None:
    statutes = {
        count["statute"]
        for e in generate_events(60_000, seed=4)
        if e["event_type"] == "disposition"
        for count in e["case"]["counts"]
        if "187" in count["statute"]
    }
    assert "PC 664/187(a)" in statutes
    assert "187(A) PC" in statutes


def test_every_prop64_section_and_other_offenses_appear(counts: list[dict]) -> None:
    text = " ".join(count["statute"] for count in counts)
    for section in ("11357", "11358", "11359", "11360", "23152", "459", "484", "11350"):
        assert section in text, section
    prop64 = [c for c in counts if re.search(r"1135[7-9]|11360", c["statute"])]
    assert 0.5 < len(prop64) / len(counts) < 0.85


def test_levels_and_dispositions_are_mixed_with_convictions_the_most_common(
    counts: list[dict],
) -> None:
    levels = collections.Counter(count["level"] for count in counts)
    assert set(levels) == {"felony", "misdemeanor", "infraction"}
    outcomes = collections.Counter(count["disposition"] for count in counts)
    assert outcomes.most_common(1)[0][0] == "convicted"
    assert {"dismissed", "pending", "acquitted"} <= set(outcomes)


def test_dates_run_from_1975_to_2020_with_a_few_after_prop64(counts: list[dict]) -> None:
    conduct = [count.get("offense_date") or count["disposition_date"] for count in counts]
    assert min(conduct) >= "1975-01-01"
    assert max(count["disposition_date"] for count in counts) <= "2020-12-31"
    after = sum(day >= "2016-11-09" for day in conduct) / len(conduct)
    assert 0.005 < after < 0.10


def test_some_people_repeat_the_same_section(dispositions: list[dict]) -> None:
    by_person: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for event in dispositions:
        for count in event["case"]["counts"]:
            match = re.search(r"1135[7-9]|11360", count["statute"])
            if match and count["disposition"] == "convicted":
                by_person[event["subject"]["subject_id"]][match.group()] += 1
    assert sum(1 for c in by_person.values() if max(c.values()) >= 3) > 10


def test_a_small_share_have_super_strikes_or_registrations_and_a_tiny_share_died(
    events: list[dict], people: dict[str, dict]
) -> None:
    strikers = {
        e["subject"]["subject_id"]
        for e in events
        if e["event_type"] == "disposition"
        and any(re.search(r"187|261", c["statute"]) for c in e["case"]["counts"])
    }
    registrants = subjects_with(events, "registration")
    dead = subjects_with(events, "death")
    assert 0.003 < len(strikers) / len(people) < 0.04
    assert 0.005 < len(registrants) / len(people) < 0.03
    assert 0 < len(dead) / len(people) < 0.01
    assert all(
        e["registration"]["statute"].replace(" ", "") in {"PC290", "290PC"}
        for e in events
        if e["event_type"] == "registration"
    )


def test_some_counts_carry_facts_and_some_sentences_end_after_2026(counts: list[dict]) -> None:
    facts = [count["facts"] for count in counts if "facts" in count]
    assert 0.1 < len(facts) / len(counts) < 0.5
    assert any(f.get("plants") is not None and f["plants"] <= 6 for f in facts)
    assert any(f.get("involved_minor") for f in facts)
    assert any(f.get("environmental_violation") for f in facts)
    ends = [c["sentence"].get("end_date") for c in counts if "sentence" in c]
    assert any(end and end > "2026-12-31" for end in ends)
    assert any(end is None for end in ends)


def test_contact_data_has_the_planned_shares_and_only_fictional_numbers(
    people: dict[str, dict],
) -> None:
    contacts = [subject.get("contact") or {} for subject in people.values()]
    email = sum("email" in c for c in contacts) / len(contacts)
    phone = sum("phone" in c for c in contacts) / len(contacts)
    postal = sum("postal_address" in c for c in contacts) / len(contacts)
    assert 0.45 < email < 0.55
    assert 0.35 < phone < 0.45
    assert postal > 0.75
    phones = [c["phone"] for c in contacts if "phone" in c]
    assert all(re.fullmatch(r"\+1\d{3}55501\d{2}", p) for p in phones)
    emails = [c["email"] for c in contacts if "email" in c]
    reserved = {"example.com", "example.org", "example.net", "mail.example"}
    assert {e.rsplit("@", 1)[1] for e in emails} <= reserved
    languages = collections.Counter(c.get("language") for c in contacts if c.get("language"))
    assert set(languages) == set(LANGUAGES)
    assert [lang for lang, _ in languages.most_common(2)] == ["en", "es"]


def test_names_include_hispanic_asian_and_armenian_names(people: dict[str, dict]) -> None:
    last_names = {subject["last_name"] for subject in people.values()}
    assert {"Garcia", "Nguyen", "Kim", "Chen"} & last_names
    assert any(name.endswith("yan") for name in last_names)  # Armenian


def test_sample_events_gives_a_few_hundred_people_deterministically() -> None:
    sample = sample_events()
    assert sample == sample_events(people=300, seed=7)
    assert len({e["subject"]["subject_id"] for e in sample}) == 300
    assert all(RecordEvent.model_validate(e) for e in sample)


# --- CSV -----------------------------------------------------------------------------------


def test_csv_rows_have_exactly_the_documented_columns_one_row_per_count(
    dispositions: list[dict],
) -> None:
    for event in dispositions[:300]:
        rows = csv_rows(event)
        assert len(rows) == len(event["case"]["counts"])
        for row, count in zip(rows, event["case"]["counts"], strict=True):
            assert tuple(row) == CSV_COLUMNS
            assert row["event_id"] == event["event_id"]
            assert row["count"] == str(count["count"])
            assert row["statute"] == count["statute"]
            assert row["sentence_kind"] == (count.get("sentence") or {}).get("kind", "")


def test_csv_rows_are_empty_for_registrations_and_deaths(events: list[dict]) -> None:
    others = [e for e in events if e["event_type"] != "disposition"]
    assert others
    assert all(csv_rows(e) == [] for e in others)


def test_csv_booleans_are_true_or_false_and_absent_values_are_empty(
    dispositions: list[dict],
) -> None:
    rows = [row for e in dispositions for row in csv_rows(e)]
    for column in ("involved_minor", "environmental_violation"):
        assert {row[column] for row in rows} == {"", "true", "false"}


# --- the CLI -------------------------------------------------------------------------------

runner = CliRunner()


def test_the_cli_writes_ndjson_that_matches_the_generator(tmp_path) -> None:
    out = tmp_path / "records.ndjson"
    result = runner.invoke(app, ["--cases", "40", "--seed", "9", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == list(generate_events(40, seed=9))


def test_the_cli_writes_csv_to_stdout_with_a_header_of_csv_columns() -> None:
    result = runner.invoke(app, ["--cases", "25", "--seed", "9", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert tuple(rows[0]) == CSV_COLUMNS
    expected = [row for e in generate_events(25, seed=9) for row in csv_rows(e)]
    assert [dict(zip(CSV_COLUMNS, r, strict=True)) for r in rows[1:]] == expected


def test_the_cli_gzips_when_the_file_name_ends_in_gz(tmp_path) -> None:
    import gzip

    out = tmp_path / "records.ndjson.gz"
    result = runner.invoke(app, ["--cases", "10", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with gzip.open(out, "rt", encoding="utf-8") as handle:
        assert sum(1 for _ in handle) >= 10


def test_the_cli_rejects_an_unknown_format() -> None:
    result = runner.invoke(app, ["--cases", "1", "--format", "xml"])
    assert result.exit_code == 2
