"""The published AsyncAPI document and JSON Schemas: up to date, well formed, true to the
models and the wire format, and never changed in a way that breaks consumers."""
from __future__ import annotations

import copy
import datetime as dt
import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
import yaml

from clearway.common import asyncapi
from clearway.common.asyncapi import (
    MESSAGES,
    breaking_changes,
    committed_breaking_changes,
    out_of_date,
    payload_schema,
)
from clearway.common.envelope import encode
from clearway.common.events import (
    BulkMotionEvent,
    Decision,
    DeliveryEvent,
    MotionEvent,
    Reason,
    RecordEvent,
)
from clearway.common.kafka import BatchConsumer
from clearway.common.topics import ALL_TOPICS, MOTIONS

ROOT = Path(__file__).resolve().parents[2]
REGENERATE = "python -m clearway.common.asyncapi"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docs" / "asyncapi.yaml").read_text(encoding="utf-8"))


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        assert isinstance(node, dict) and part in node, f"{ref} does not resolve"
        node = node[part]
    return node


# --- sample events, as the services write them --------------------------------------------

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
RECORD = RecordEvent.model_validate({
    "event_id": "LA-2024-000001", "event_type": "disposition", "court": "CA-LA",
    "occurred_at": "2024-03-01T09:30:00-08:00",
    "subject": {"subject_id": "CII00000001", "first_name": "Alex", "last_name": "Example",
                "date_of_birth": "1980-05-17",
                "contact": {"email": "alex@example.org", "language": "es"}},
    "case": {"case_number": "BA123456", "counts": [{
        "count": 1, "statute": "HS 11359(b)", "level": "felony", "disposition": "convicted",
        "disposition_date": "2010-02-01", "sentence": {"kind": "jail"},
        "facts": {"plants": None}}]},
})
DECISION = Decision(
    decision_id="5f0c1c9e-0000-5000-8000-000000000001", subject_id="CII00000001",
    court="CA-LA", case_number="BA123456", count=1, statute="HS 11359(b)",
    relief="dismiss_and_seal", procedure="application",
    reasons=[Reason(code="DISMISS_ALL", text="Dismissed under the DA's policy.",
                    citation="HS 11361.8(e)")],
    policy="dismiss-all", rule_pack="ca-prop64", rule_pack_version="1.0.0", version=1,
    supersedes=None, as_of=dt.date(2026, 11, 25), decided_at=NOW,
)
MOTION = MotionEvent(motion_id="m1", subject_id="CII00000001", court="CA-LA",
                     case_number="BA123456", status="ready", counts=[1],
                     decision_ids=[DECISION.decision_id], procedure="application",
                     document_sha256="ab" * 32, occurred_at=NOW)
BULK = BulkMotionEvent(bulk_motion_id="b1", court="CA-LA", status="filed", motion_count=3,
                       document_sha256="cd" * 32, csv_sha256="ef" * 32, occurred_at=NOW)
DELIVERY = DeliveryEvent(delivery_id="dl1", notice_id="n1", subject_id="CII00000001",
                         court="CA-LA", case_number="BA123456", notice_kind="relief_granted",
                         channel="email", status="sent", attempt=1, language="es",
                         occurred_at=NOW)
SAMPLES = [RECORD, DECISION, MOTION, BULK, DELIVERY]


# --- drift ----------------------------------------------------------------------------------


def test_the_committed_asyncapi_document_and_schemas_equal_a_fresh_generation() -> None:
    problems = out_of_date(ROOT)
    assert not problems, (
        "docs/asyncapi.yaml or docs/schemas/ do not match the models; run "
        f"`{REGENERATE}` and commit the result:\n" + "\n".join(problems)
    )


def test_the_committed_schemas_have_no_breaking_change_against_the_models() -> None:
    problems = committed_breaking_changes(ROOT)
    assert not problems, (
        "the models break the published contract (docs/schemas/), which allows only added "
        "optional fields:\n  " + "\n  ".join(problems) + "\nMake the change additive, or "
        f"publish a new topic version and run `{REGENERATE} --allow-breaking`."
    )


@pytest.fixture
def generated_root(tmp_path: Path) -> Path:
    assert asyncapi.main(["--root", str(tmp_path)]) == 0
    return tmp_path


def test_check_mode_passes_on_fresh_files_and_names_a_stale_one_with_a_diff_summary(
    generated_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert asyncapi.main(["--check", "--root", str(generated_root)]) == 0
    schema = generated_root / "docs" / "schemas" / "Decision.json"
    schema.write_text(schema.read_text().replace("Stable person id", "Person id"))
    (generated_root / "docs" / "schemas" / "Gone.json").write_text("{}\n")
    capsys.readouterr()

    assert asyncapi.main(["--check", "--root", str(generated_root)]) == 1

    err = capsys.readouterr().err
    assert re.search(r"docs/schemas/Decision\.json: out of date \(\+1 -1 lines\)", err)
    assert "Gone.json: not generated by any model (stale)" in err
    assert f"run `{REGENERATE}`" in err


def test_check_mode_reports_a_missing_document(
    generated_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (generated_root / "docs" / "asyncapi.yaml").unlink()
    assert asyncapi.main(["--check", "--root", str(generated_root)]) == 1
    assert "docs/asyncapi.yaml: missing" in capsys.readouterr().err


def test_regenerating_refuses_to_overwrite_schemas_with_a_breaking_change_unless_allowed(
    generated_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = generated_root / "docs" / "schemas" / "Decision.json"
    published = json.loads(path.read_text())
    published["properties"]["legacy_flag"] = {"type": "boolean"}  # the models "removed" it
    path.write_text(json.dumps(published))

    assert asyncapi.main(["--root", str(generated_root)]) == 2
    assert "Decision.legacy_flag: removed" in capsys.readouterr().err
    assert "legacy_flag" in path.read_text()

    assert asyncapi.main(["--root", str(generated_root), "--allow-breaking"]) == 0
    assert "legacy_flag" not in path.read_text()


def test_the_generator_runs_from_a_copy_of_the_repository_root(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    assert out_of_date(tmp_path) == []


# --- AsyncAPI 3 structure -------------------------------------------------------------------
# No light AsyncAPI 3 validator is on PyPI (the parsers there are code generators' object
# models, and jsonschema is not pinned), so the structure the spec requires is checked here.


def test_the_document_declares_asyncapi_3_with_info_and_both_servers(document: dict) -> None:
    assert document["asyncapi"] == "3.0.0"
    assert document["info"]["title"] and document["info"]["version"]
    assert document["defaultContentType"] == "application/json"
    assert set(document["servers"]) == {"dev", "production"}
    for server in document["servers"].values():
        assert server["protocol"] == "kafka"
        for variable in re.findall(r"\{(\w+)\}", server["host"]):
            assert "default" in server["variables"][variable]


def test_every_contract_topic_and_its_dead_letter_topic_is_a_channel_with_an_address(
    document: dict,
) -> None:
    addresses = {c["address"] for c in document["channels"].values()}
    assert addresses == set(ALL_TOPICS)
    for channel in document["channels"].values():
        assert channel["messages"], channel["address"]
        assert channel["bindings"]["kafka"]["topic"] == channel["address"]


def test_every_reference_in_the_document_resolves(document: dict) -> None:
    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            own = [node["$ref"]] if "$ref" in node else []
            return own + [r for v in node.values() for r in refs(v)]
        if isinstance(node, list):
            return [r for v in node for r in refs(v)]
        return []

    found = refs(document)
    assert found
    for ref in found:
        resolve(document, ref)


def test_operations_send_or_receive_messages_of_their_own_channel(document: dict) -> None:
    used_channels = set()
    for name, op in document["operations"].items():
        assert re.fullmatch(r"[A-Za-z0-9._-]+", name)
        assert op["action"] in ("send", "receive")
        channel_ref = op["channel"]["$ref"]
        resolve(document, channel_ref)
        used_channels.add(channel_ref)
        assert op["messages"], name
        for message in op["messages"]:
            assert message["$ref"].startswith(channel_ref + "/messages/"), name
            resolve(document, message["$ref"])
    assert used_channels == {f"#/channels/{c}" for c in document["channels"]}


def test_each_service_sends_and_receives_what_it_does_in_the_code(document: dict) -> None:
    def ops(service: str, action: str) -> set[str]:
        return {document["channels"][op["channel"]["$ref"].rsplit("/", 1)[1]]["address"]
                for op in document["operations"].values()
                if op["tags"] == [{"name": service}] and op["action"] == action}

    assert ops("ingest", "send") == {"court.records.v1"}
    assert ops("eligibility", "receive") == {"court.records.v1"}
    assert ops("eligibility", "send") == {"eligibility.decisions.v1", "court.records.v1.dlq"}
    assert ops("filing", "receive") == {"court.records.v1", "eligibility.decisions.v1"}
    assert "filing.motions.v1" in ops("filing", "send")
    assert "notify.deliveries.v1" in ops("notify", "send")
    assert ops("integrators", "receive") == {
        "eligibility.decisions.v1", "filing.motions.v1", "notify.deliveries.v1"}


def test_every_message_has_a_json_payload_cloudevents_headers_and_a_kafka_key(
    document: dict,
) -> None:
    messages = document["components"]["messages"]
    assert set(messages) == {spec.name for spec in MESSAGES} | {"DeadLetter"}
    for spec in MESSAGES:
        message = messages[spec.name]
        assert message["contentType"] == "application/json"
        assert resolve(document, message["payload"]["$ref"])["title"] == spec.name
        headers = resolve(document, message["headers"]["$ref"])
        assert headers["type"] == "object"
        assert {"ce_id", "ce_type", "ce_source", "ce_specversion", "ce_time",
                "content-type"} <= set(headers["required"])
        assert "traceparent" in headers["properties"]
        key = message["bindings"]["kafka"]["key"]
        assert key["type"] == "string" and key["description"]


def test_filing_motions_carries_motions_keyed_by_subject_and_bulk_motions_keyed_by_court(
    document: dict,
) -> None:
    (channel,) = [c for c in document["channels"].values() if c["address"] == MOTIONS]
    assert set(channel["messages"]) == {"MotionEvent", "BulkMotionEvent"}
    messages = document["components"]["messages"]
    assert messages["MotionEvent"]["bindings"]["kafka"]["key"]["description"].startswith(
        "`subject_id`")
    assert messages["BulkMotionEvent"]["bindings"]["kafka"]["key"]["description"].startswith(
        "`court`")


def test_dead_letter_headers_are_the_ones_the_consumer_helper_writes(document: dict) -> None:
    sent: list[dict[str, Any]] = []

    class Producer:
        async def send_and_wait(self, topic: str, **kwargs: Any) -> None:
            sent.append({"topic": topic, **kwargs})

    async def dead_letter() -> None:
        consumer = BatchConsumer(bootstrap_servers="127.0.0.1:1", group_id="g",
                                 topics={"t.v1": Decision}, handler=None,  # type: ignore[arg-type]
                                 producer=Producer(), client_id="c")  # type: ignore[arg-type]
        await consumer.dead_letter(SimpleNamespace(
            topic="t.v1", partition=3, offset=7, key=b"k", value=b"x" * 1_000_001,
            headers=[("ce_id", b"1")]), "undecodable: nope")

    import asyncio

    asyncio.run(dead_letter())
    written = {k for k, _ in sent[0]["headers"] if k.startswith("dlq_")}
    schema = document["components"]["schemas"]["DeadLetterHeaders"]
    declared = {k for k in schema["properties"] if k.startswith("dlq_")}
    assert written == declared  # dlq_truncated included: the value was over the limit
    assert set(schema["required"]) == declared - {"dlq_truncated"}


def test_the_headers_schemas_describe_what_the_envelope_writes(document: dict) -> None:
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    schemas = document["components"]["schemas"]
    for sample in SAMPLES:
        _, headers = encode(sample, source=next(
            s.source for s in MESSAGES if s.model is type(sample)))
        as_object = {k: v.decode() for k, v in headers}
        schema = schemas[f"{type(sample).__name__}Headers"]
        errors = [e.message for e in jsonschema_rs.validator_for(schema).iter_errors(as_object)]
        assert not errors, (type(sample).__name__, errors)


# --- payload schemas ------------------------------------------------------------------------


def test_the_published_schemas_are_valid_json_schema_and_accept_real_events() -> None:
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    for sample in SAMPLES:
        path = ROOT / "docs" / "schemas" / f"{type(sample).__name__}.json"
        schema = json.loads(path.read_text(encoding="utf-8"))
        jsonschema_rs.meta.validate(schema)
        instance = orjson.loads(encode(sample, source="test")[0])
        errors = [e.message for e in jsonschema_rs.validator_for(schema).iter_errors(instance)]
        assert not errors, (path.name, errors)


def test_the_published_schemas_reject_what_the_models_reject() -> None:
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    schema = json.loads((ROOT / "docs" / "schemas" / "Decision.json").read_text())
    decision = DECISION.model_dump(mode="json")
    validator = jsonschema_rs.validator_for(schema)
    assert not validator.is_valid({**decision, "relief": "pardon"})
    assert not validator.is_valid({k: v for k, v in decision.items() if k != "version"})
    assert not validator.is_valid({**decision, "reasons": []})


def test_the_published_schemas_let_consumers_accept_fields_added_later() -> None:
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    schema = json.loads((ROOT / "docs" / "schemas" / "Decision.json").read_text())
    decision = DECISION.model_dump(mode="json")
    later = {**decision, "appeal_deadline": "2027-01-01",
             "reasons": [{**decision["reasons"][0], "url": "https://example.org"}]}
    assert jsonschema_rs.validator_for(schema).is_valid(later)


def test_component_schemas_point_their_refs_at_components() -> None:
    text = json.dumps(asyncapi.component_schemas())
    assert "#/$defs/" not in text
    assert '"$ref": "#/components/schemas/Reason"' in text


# --- breaking_changes -----------------------------------------------------------------------


@pytest.fixture
def decision_schema() -> dict[str, Any]:
    return payload_schema(Decision)


def test_an_unchanged_schema_has_no_breaking_change() -> None:
    for spec in MESSAGES:
        schema = payload_schema(spec.model)
        assert breaking_changes(schema, copy.deepcopy(schema)) == []


def test_a_removed_field_is_a_breaking_change(decision_schema: dict) -> None:
    new = copy.deepcopy(decision_schema)
    del new["properties"]["policy"]
    new["required"].remove("policy")
    assert breaking_changes(decision_schema, new) == ["Decision.policy: removed"]


def test_a_retyped_field_is_a_breaking_change(decision_schema: dict) -> None:
    new = copy.deepcopy(decision_schema)
    new["properties"]["count"] = {"type": "string"}
    assert breaking_changes(decision_schema, new) == [
        "Decision.count: retyped from integer to string"]


def test_a_changed_date_format_or_nullability_is_a_retyped_field(decision_schema: dict) -> None:
    new = copy.deepcopy(decision_schema)
    new["properties"]["as_of"]["format"] = "date-time"
    new["properties"]["supersedes"] = {"type": "string"}
    assert sorted(breaking_changes(decision_schema, new)) == [
        "Decision.as_of: retyped from string(date) to string(date-time)",
        "Decision.supersedes: retyped from null|string to string",
    ]


def test_a_validation_only_format_may_give_way_to_a_pattern() -> None:
    old = {"title": "T", "type": "object", "properties": {
        "email": {"anyOf": [{"type": "string", "format": "email"}, {"type": "null"}]}}}
    new = {"title": "T", "type": "object", "properties": {
        "email": {"anyOf": [{"type": "string", "pattern": "^.+@.+$"}, {"type": "null"}]}}}
    assert breaking_changes(old, new) == []


def test_a_newly_required_field_is_a_breaking_change() -> None:
    old = payload_schema(MotionEvent)
    new = copy.deepcopy(old)
    new["required"].append("bulk_motion_id")
    new["properties"]["filed_by"] = {"type": "string"}
    new["required"].append("filed_by")
    assert breaking_changes(old, new) == [
        "MotionEvent.bulk_motion_id: now required (was optional)",
        "MotionEvent.filed_by: added as a required field",
    ]


def test_an_added_optional_field_is_allowed(decision_schema: dict) -> None:
    new = copy.deepcopy(decision_schema)
    new["properties"]["appeal_deadline"] = {
        "anyOf": [{"type": "string", "format": "date"}, {"type": "null"}], "default": None}
    new["$defs"]["Reason"]["properties"]["url"] = {"type": "string"}
    new["properties"]["relief"]["enum"].append("resentence")
    new["properties"]["court"]["description"] = "reworded"
    assert breaking_changes(decision_schema, new) == []


def test_changes_inside_nested_definitions_are_found() -> None:
    old = payload_schema(RecordEvent)
    new = copy.deepcopy(old)
    del new["$defs"]["Sentence"]["properties"]["end_date"]
    new["$defs"]["Facts"]["properties"]["plants"] = {"type": "number"}
    new["$defs"]["Count"]["required"].append("offense_date")
    assert sorted(breaking_changes(old, new)) == sorted([
        "RecordEvent.case.counts[].offense_date: now required (was optional)",
        "RecordEvent.case.counts[].sentence.end_date: removed",
        "RecordEvent.case.counts[].facts.plants: retyped from integer|null to number",
    ])


def test_a_value_no_longer_allowed_is_a_breaking_change(decision_schema: dict) -> None:
    new = copy.deepcopy(decision_schema)
    new["properties"]["relief"]["enum"].remove("withdrawn")
    assert breaking_changes(decision_schema, new) == [
        'Decision.relief: value(s) no longer allowed: "withdrawn"']


def test_breaking_changes_follow_component_references_as_in_the_asyncapi_document() -> None:
    components = asyncapi.component_schemas()
    old = {"title": "Decision", "components": {"schemas": components},
           **components["Decision"]}
    new = copy.deepcopy(old)
    del new["components"]["schemas"]["Reason"]["properties"]["citation"]
    assert breaking_changes(old, new) == ["Decision.reasons[].citation: removed"]
