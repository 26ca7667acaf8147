"""Ingest's HTTP API in-process, over SQLite and PostgreSQL: keys and courts, validation
answers that name fields and never values, size limits, bulk reports, idempotency."""
from __future__ import annotations

import copy
from collections.abc import Iterator

import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from clearway.common.topics import RECORDS
from clearway.ingest.store import outbox
from tests.ingest.builders import changed, disposition, person, registration, to_csv
from tests.problems import problem

ROUTES = [("post", "/v1/records"), ("post", "/v1/records:batch"),
          ("post", "/v1/records:csv"), ("get", "/v1/records/LA-T-000001")]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def outbox_count(client) -> int:
    with client.app.state.store.engine.connect() as conn:
        return len(list(conn.execute(select(outbox.c.id))))


def ndjson(events) -> bytes:
    return b"".join(orjson.dumps(e) + b"\n" for e in events)


# --- keys and courts ---------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_a_request_without_a_key_is_401_and_says_how_to_send_one(client, method, path):
    answer = client.request(method, path, headers={"Authorization": ""},
                            content=orjson.dumps(disposition()))
    body = problem(answer, 401, "unauthenticated")
    assert answer.headers["www-authenticate"] == "Bearer"
    assert body["detail"] == "send an API key as Authorization: Bearer <key>"


@pytest.mark.parametrize("key", ["cw_nosuch_secret", "not-a-key", "cw__", "Basic abc"])
def test_an_unknown_or_malformed_key_is_401(client, key):
    answer = client.post("/v1/records", json=disposition(), headers=bearer(key))
    problem(answer, 401, "unauthenticated")


def test_a_revoked_key_is_401_and_a_wrong_secret_for_a_real_key_id_too(client):
    keys = client.app.state.keys
    key = keys.create("clerk", ["records:write"], ["CA-LA"])
    assert client.post("/v1/records", json=disposition(), headers=bearer(key)).status_code == 202
    key_id = key.split("_")[1]
    wrong = f"cw_{key_id}_{'x' * 43}"
    assert client.post("/v1/records", json=disposition(), headers=bearer(wrong)).status_code == 401
    assert keys.revoke(key_id)
    assert client.post("/v1/records", json=disposition(), headers=bearer(key)).status_code == 401


def test_a_key_without_the_write_scope_is_403(client):
    reader = client.app.state.keys.create("auditor", ["records:read"], ["*"])
    for method, path in ROUTES[:3]:
        answer = client.request(method, path, headers=bearer(reader),
                                content=orjson.dumps(disposition()))
        body = problem(answer, 403, "forbidden")
        assert body["detail"] == "this key lacks the records:write scope"
    assert outbox_count(client) == 0


def test_a_key_for_one_court_cannot_write_another_courts_records(client):
    la = bearer(client.app.state.keys.create("LA clerk", ["records:write"], ["CA-LA"]))
    sf_event = disposition("SF-1", court="CA-SF")

    single = client.post("/v1/records", json=sf_event, headers=la)
    assert problem(single, 403, "forbidden")["detail"] == "this key may not act for this court"

    batch = client.post("/v1/records:batch", json=[disposition("LA-1"), sf_event], headers=la)
    assert batch.json()["accepted"] == 1
    assert batch.json()["errors"] == [{"index": 1, "event_id": "SF-1", "errors": [
        {"field": "court", "type": "forbidden",
         "message": "this key may not write for this court"}]}]

    lines = client.post("/v1/records:batch", content=ndjson([sf_event]), headers={
        **la, "Content-Type": "application/x-ndjson"})
    assert lines.json()["rejected"] == 1 and lines.json()["errors"][0]["line"] == 1

    rows = client.post("/v1/records:csv", content=to_csv([sf_event]), headers={
        **la, "Content-Type": "text/csv"})
    assert rows.json()["rejected"] == 1
    assert rows.json()["errors"][0]["errors"][0]["type"] == "forbidden"

    store = client.app.state.store
    assert store.standing("SF-1", None) == [] and store.count() == 1


def test_a_key_for_one_court_cannot_see_another_courts_standing(client):
    client.post("/v1/records", json=disposition("X-1", court="CA-SF"))
    la = bearer(client.app.state.keys.create("LA clerk", ["records:write"], ["CA-LA"]))
    assert client.get("/v1/records/X-1", headers=la).status_code == 404
    assert client.get("/v1/records/X-1?court=CA-SF", headers=la).status_code == 403
    sf = bearer(client.app.state.keys.create("SF auditor", ["records:read"], ["CA-SF"]))
    assert client.get("/v1/records/X-1", headers=sf).json()["court"] == "CA-SF"


def test_without_a_valid_key_a_bad_body_is_401_not_a_validation_answer(client):
    bad = {"event_id": "x", "subject": {"first_name": "Zephyrine"}}
    assert client.post("/v1/records", json=bad, headers=bearer("nope")).status_code == 401
    assert client.post("/v1/records", content=b"{", headers={
        "Authorization": "", "Content-Type": "application/json"}).status_code == 401


# --- validation --------------------------------------------------------------------------


def test_an_invalid_event_is_422_naming_each_field_and_never_echoing_a_value(client):
    event = disposition(first_name="Zephyrine" * 15, date_of_birth="1961-02-30",
                        email="zephyrine.quillfeather@@example")
    event["subject"]["contact"].update(phone="213-555-0142", language="Quillfeatherish!")
    event["case"]["counts"][0]["level"] = "serious"
    answer = client.post("/v1/records", json=event)
    body = problem(answer, 422, "invalid")
    assert {e["field"] for e in body["errors"]} == {
        "subject.first_name", "subject.date_of_birth", "subject.contact.email",
        "subject.contact.phone", "subject.contact.language", "case.counts.0.level"}
    for value in ("Zephyrine", "zephyrine", "1961-02-30", "quillfeather", "Quillfeather",
                  "213-555-0142", "serious"):
        assert value not in answer.text
    assert outbox_count(client) == 0


def test_an_unknown_id_a_bad_body_and_a_missing_key_are_problems_that_repeat_nothing(client):
    problem(client.get("/v1/records/LA-NOSUCH-1"), 404, "not_found")

    event = disposition()
    event["subject"]["date_of_birth"] = "Quintessa Vandermolen"
    event["case"]["counts"][0]["count"] = "19610723"
    bad = problem(client.post("/v1/records", json=event), 422, "invalid",
                  never=("Quintessa", "Vandermolen", "19610723"))
    assert sorted((e["field"], e["type"]) for e in bad["errors"]) == [
        ("case.counts.0.count", "int_type"), ("subject.date_of_birth", "date_type")]

    del event["case"]["counts"][0]["count"]
    event["subject"]["date_of_birth"] = "1961-07-23"
    missing = problem(client.post("/v1/records", json=event), 422, "invalid",
                      never=("Zephyrine", "Quillfeather", "1961-07-23"))
    assert [(e["field"], e["type"]) for e in missing["errors"]] == [
        ("case.counts.0.count", "missing")]
    del event["subject"]["date_of_birth"]
    event["case"]["counts"][0]["count"] = 1
    missing = problem(client.post("/v1/records", json=event), 422, "invalid")
    assert [(e["field"], e["type"]) for e in missing["errors"]] == [
        ("subject.date_of_birth", "value_error")]

    problem(client.post("/v1/records", json=event, headers={"Authorization": ""}), 401,
            "unauthenticated", never=("Zephyrine",))
    assert outbox_count(client) == 0


def test_a_disposition_missing_name_and_birth_date_names_them(client):
    event = disposition()
    del event["subject"]["last_name"], event["subject"]["date_of_birth"]
    answer = client.post("/v1/records", json=event)
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["subject.last_name",
                                                              "subject.date_of_birth"]


def test_an_unknown_field_is_rejected_by_name(client):
    event = disposition()
    event["subject"]["ssn"] = "123-45-6789"
    answer = client.post("/v1/records", json=event)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "subject.ssn"
    assert "123-45-6789" not in answer.text


def test_a_body_that_is_not_json_is_400(client):
    answer = client.post("/v1/records", content=b'{"event_id": "Zephyrine',
                         headers={"Content-Type": "application/json"})
    assert problem(answer, 400, "invalid_json")["detail"] == "the body is not valid JSON"
    assert "Zephyrine" not in answer.text
    batch = client.post("/v1/records:batch", content=b"[{", headers={
        "Content-Type": "application/json"})
    problem(batch, 400, "invalid_json")


def test_a_batch_that_is_not_an_array_is_422(client):
    answer = client.post("/v1/records:batch", json=disposition())
    assert problem(answer, 422, "invalid")["errors"] == [{"field": "<body>", "type": "list_type",
                                        "message": "must be a JSON array"}]


def test_an_unsupported_content_type_is_415(client):
    problem(client.post("/v1/records:batch", content=b"[]",
                        headers={"Content-Type": "application/xml"}), 415,
            "unsupported_media_type")
    problem(client.post("/v1/records:csv", content=b"a,b",
                        headers={"Content-Type": "application/json"}), 415,
            "unsupported_media_type")


@pytest.mark.parametrize("media", ["text/plain", "text/csv", "application/xml",
                                   "application/x-www-form-urlencoded"])
def test_a_single_record_sent_as_another_content_type_than_json_is_415(client, media):
    answer = client.post("/v1/records", content=orjson.dumps(disposition()),
                         headers={"Content-Type": media})
    body = problem(answer, 415, "unsupported_media_type")
    assert "application/json" in body["detail"] and "Zephyrine" not in answer.text
    assert outbox_count(client) == 0


def test_a_single_record_without_a_content_type_is_415_too(client):
    answer = client.post("/v1/records", content=orjson.dumps(disposition()),
                         headers={"Content-Type": ""})
    problem(answer, 415, "unsupported_media_type")
    assert outbox_count(client) == 0


# --- size limits -------------------------------------------------------------------------


def test_a_body_over_the_limit_is_413_whether_announced_or_streamed(make_client):
    client = make_client(max_record_bytes=4096, max_body_bytes=8192)
    big = disposition(counts=60)
    assert len(orjson.dumps(big)) > 8192

    announced = client.post("/v1/records", json=big)
    assert "4096 bytes" in problem(announced, 413, "too_large")["detail"]

    def chunks(body: bytes) -> Iterator[bytes]:
        for i in range(0, len(body), 1000):
            yield body[i:i + 1000]

    streamed = client.post("/v1/records", content=chunks(orjson.dumps(big)),
                           headers={"Content-Type": "application/json"})
    problem(streamed, 413, "too_large")
    batch = client.post("/v1/records:batch", content=chunks(orjson.dumps([big, big])),
                        headers={"Content-Type": "application/json"})
    assert batch.status_code == 413
    upload = client.post("/v1/records:csv", content=chunks(to_csv([big]).encode()),
                         headers={"Content-Type": "text/csv"})
    assert upload.status_code == 413
    assert outbox_count(client) == 0
    # under the limit, the same route accepts
    assert client.post("/v1/records", json=disposition()).status_code == 202


def test_a_json_batch_over_the_item_limit_is_413_and_accepts_nothing(make_client):
    client = make_client(batch_limit=5)
    answer = client.post("/v1/records:batch", json=[person(i) for i in range(6)])
    problem(answer, 413, "too_many")
    assert outbox_count(client) == 0


# --- bulk --------------------------------------------------------------------------------


def test_a_batch_accepts_the_good_items_and_reports_each_bad_one_by_index(client):
    bad_date = person(2)
    bad_date["subject"]["date_of_birth"] = "1961-13-01"
    bad_count = person(3)
    bad_count["case"]["counts"][0]["disposition"] = "guilty"
    items = [person(0), person(1), bad_date, bad_count, "not an object", person(0)]
    answer = client.post("/v1/records:batch", json=items)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (2, 1, 3)
    assert body["errors_truncated"] is False
    assert [(e["index"], e.get("event_id"), [f["field"] for f in e["errors"]])
            for e in body["errors"]] == [
        (2, "LA-T-000002", ["subject.date_of_birth"]),
        (3, "LA-T-000003", ["case.counts.0.disposition"]),
        (4, None, ["<item>"]),
    ]
    assert "Xanthippe" not in answer.text and "1961-13-01" not in answer.text
    assert outbox_count(client) == 2


def test_an_event_with_one_bad_count_is_rejected_whole_never_half_accepted(client):
    event = disposition(counts=3)
    event["case"]["counts"][2]["statute"] = ""
    body = client.post("/v1/records:batch", json=[event]).json()
    assert (body["accepted"], body["rejected"]) == (0, 1)
    assert outbox_count(client) == 0


def test_ndjson_streamed_from_a_generator_is_accepted_in_chunks(make_client):
    client = make_client(ndjson_chunk=7, max_line_bytes=2048)
    sent = {"lines": 0}

    def stream() -> Iterator[bytes]:
        for i in range(40):
            sent["lines"] += 1
            if i == 5:
                yield b"{not json\n"
            elif i == 9:
                yield b"\n"  # blank lines are skipped
            elif i == 12:
                yield orjson.dumps(disposition(f"BIG-{i}", counts=30)) + b"\n"  # over 2 KiB
            elif i == 20:
                yield orjson.dumps(changed(person(20), date_of_birth="yesterday")) + b"\n"
            else:
                # split each line in two pieces, as a network would
                line = orjson.dumps(person(i)) + b"\n"
                yield line[:50]
                yield line[50:]

    answer = client.post("/v1/records:batch", content=stream(),
                         headers={"Content-Type": "application/x-ndjson"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert sent["lines"] == 40
    assert (body["accepted"], body["rejected"]) == (36, 3)
    assert [(e["line"], e["errors"][0]["type"]) for e in body["errors"]] == [
        (6, "json_invalid"), (13, "too_large"), (21, "date_type")]
    assert client.app.state.store.count() == 36
    # the same stream again: all duplicates, nothing new
    again = client.post("/v1/records:batch", content=stream(),
                        headers={"Content-Type": "application/x-ndjson"}).json()
    assert (again["accepted"], again["duplicates"]) == (0, 36)
    assert outbox_count(client) == 36


def test_a_csv_upload_groups_rows_into_one_event_per_event_id(client):
    events = [disposition("A", counts=3), disposition("B", counts=1, subject_id="CII2"),
              disposition("C", counts=2, subject_id="CII3")]
    events[2]["case"]["counts"][1]["level"] = "petty"
    answer = client.post("/v1/records:csv", content=to_csv(events),
                         headers={"Content-Type": "text/csv"})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["accepted"], body["rejected"]) == (2, 1)
    assert body["errors"] == [{"row": 6, "rows": [6, 7], "event_id": "C", "errors": [
        {"field": "case.counts.1.level", "type": "literal_error", "row": 7,
         "message": "Input should be 'felony', 'misdemeanor' or 'infraction'"}]}]
    (a,) = client.app.state.store.standing("A", None)
    assert a.event_type == "disposition"
    with client.app.state.store.engine.connect() as conn:
        values = [orjson.loads(v) for (v,) in conn.execute(select(outbox.c.value))]
    assert [len(v["case"]["counts"]) for v in values] == [3, 1]


def test_a_csv_uploaded_as_a_multipart_file_is_accepted(client):
    answer = client.post("/v1/records:csv", files={
        "file": ("records.csv", to_csv([disposition(counts=2)]), "text/csv")})
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 1
    missing = client.post("/v1/records:csv", files={"other": ("x.csv", "a", "text/csv")})
    assert problem(missing, 422, "invalid")["errors"][0]["field"] == "file"


def test_a_csv_with_a_bad_header_or_syntax_or_encoding_accepts_nothing(client):
    text = to_csv([disposition()])
    no_header = "\n".join(text.splitlines()[1:]) + "\n"
    answer = client.post("/v1/records:csv", content=no_header, headers={
        "Content-Type": "text/csv"})
    problem(answer, 422, "invalid_header")
    assert "Zephyrine" not in answer.text and "1961-07-23" not in answer.text

    stray_quote = text + 'B,disposition,CA-LA,"2024\n'
    answer = client.post("/v1/records:csv", content=stray_quote, headers={
        "Content-Type": "text/csv"})
    assert problem(answer, 422, "invalid_csv")["errors"][0]["message"] == (
        "unreadable from line 3")

    latin1 = text.replace("Zephyrine", "Zéphyrine").encode("latin-1")
    answer = client.post("/v1/records:csv", content=latin1, headers={"Content-Type": "text/csv"})
    problem(answer, 400, "invalid_encoding")
    assert outbox_count(client) == 0


# --- idempotency and standing ------------------------------------------------------------


def test_a_repeated_event_gets_the_original_answer_and_publishes_nothing_new(client):
    first = client.post("/v1/records", json=disposition())
    again = client.post("/v1/records", json=copy.deepcopy(disposition()))
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert outbox_count(client) == 1


def test_the_same_event_id_with_other_content_is_409_and_changes_nothing(client):
    client.post("/v1/records", json=disposition())
    answer = client.post("/v1/records", json=changed(disposition(), first_name="Other"))
    assert problem(answer, 409, "conflict")["event_id"] == "LA-T-000001"
    assert "Other" not in answer.text
    assert outbox_count(client) == 1


def test_the_same_instant_at_another_utc_offset_is_one_event_and_another_is_409(client):
    first = client.post("/v1/records", json={**disposition(),
                                             "occurred_at": "2024-03-01T09:30:00-08:00"})
    again = client.post("/v1/records", json={**disposition(),
                                             "occurred_at": "2024-03-01T17:30:00Z"})
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    later = client.post("/v1/records", json={**disposition(),
                                             "occurred_at": "2024-03-01T09:30:00Z"})
    problem(later, 409, "conflict")
    assert outbox_count(client) == 1


def test_get_shows_where_an_event_stands_accepted_then_published(client):
    client.post("/v1/records", json=registration())
    answer = client.get("/v1/records/LA-T-R00001")
    assert answer.status_code == 200
    standing = answer.json()
    assert standing == {"event_id": "LA-T-R00001", "court": "CA-LA",
                        "event_type": "registration", "status": "accepted",
                        "accepted_at": standing["accepted_at"], "topic": RECORDS,
                        "partition": None, "offset": None}
    with client.app.state.store.engine.begin() as conn:
        conn.execute(outbox.update().values(published_at=1.0, partition=2, offset=17))
    standing = client.get("/v1/records/LA-T-R00001").json()
    assert (standing["status"], standing["partition"], standing["offset"]) == (
        "published", 2, 17)


def test_get_an_unknown_event_is_404_and_an_id_two_courts_used_asks_which(client):
    problem(client.get("/v1/records/nope"), 404, "not_found")
    client.post("/v1/records:batch", json=[disposition("X-1", court="CA-LA"),
                                           disposition("X-1", court="CA-SF")])
    ambiguous = client.get("/v1/records/X-1")
    assert problem(ambiguous, 409, "ambiguous")["courts"] == ["CA-LA", "CA-SF"]
    assert client.get("/v1/records/X-1", params={"court": "CA-SF"}).json()["court"] == "CA-SF"


# --- metrics and documentation -----------------------------------------------------------


def metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.split(" ")[0] == name:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def labelled(text: str, name: str, label: str) -> float:
    for line in text.splitlines():
        if line.startswith(f"{name}{{") and label in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_accepted_and_rejected_by_reason_and_show_the_outbox(client):
    before = client.get("/metrics").text
    client.post("/v1/records:batch", json=[person(0), person(1), person(0)])
    client.post("/v1/records", json=changed(person(0), first_name="Other"))
    client.post("/v1/records", json={"event_id": "x"})
    client.post("/v1/records", json=person(5), headers=bearer("cw_no_key"))
    after = client.get("/metrics").text

    def grew(name: str, label: str) -> float:
        return labelled(after, name, label) - labelled(before, name, label)

    assert grew("clearway_ingest_records_total", 'status="accepted"') == 2
    assert grew("clearway_ingest_records_total", 'status="duplicate"') == 1
    assert grew("clearway_ingest_rejected_total", 'reason="conflict"') == 1
    assert grew("clearway_ingest_rejected_total", 'reason="invalid"') == 1
    assert grew("clearway_ingest_rejected_total", 'reason="unauthenticated"') == 1
    assert metric(after, "clearway_outbox_depth") == 2
    assert metric(after, "clearway_outbox_oldest_age_seconds") > 0
    with client.app.state.store.engine.begin() as conn:
        conn.execute(outbox.update().values(published_at=1.0))
    assert metric(client.get("/metrics").text, "clearway_outbox_depth") == 0


def test_the_openapi_documents_keys_examples_and_every_error_answer(client):
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    paths = schema["paths"]
    single = paths["/v1/records"]["post"]
    assert single["security"] == [{"apiKey": []}]
    assert set(single["responses"]) >= {"202", "400", "401", "403", "409", "413", "422"}
    examples = single["requestBody"]["content"]["application/json"]["examples"]
    assert {"disposition", "registration", "court_order"} <= set(examples)
    batch = paths["/v1/records:batch"]["post"]["requestBody"]["content"]
    assert set(batch) == {"application/json", "application/x-ndjson"}
    assert batch["application/x-ndjson"]["example"].count("\n") == 2
    csv_doc = paths["/v1/records:csv"]["post"]
    assert "text/csv" in csv_doc["requestBody"]["content"]
    for column in ("event_id", "date_of_birth", "sentence_end_date", "environmental_violation"):
        assert f"`{column}`" in csv_doc["description"]
    assert set(paths["/v1/records/{event_id}"]["get"]["responses"]) >= {"200", "401", "404"}


def test_a_store_that_is_away_is_503_without_the_events_details(client, monkeypatch):
    def away(events):
        raise OperationalError("INSERT ... ('Zephyrine', '1961-07-23')", {}, Exception("gone"))

    monkeypatch.setattr(client.app.state.store, "accept", away)
    answer = client.post("/v1/records", json=disposition())
    problem(answer, 503, "unavailable")
    assert answer.headers["retry-after"] == "5"
    assert "Zephyrine" not in answer.text and "1961" not in answer.text
