"""County policies from configuration (contract 4.5): a YAML document named in the policy
table decides that court's people in the store; the same document inline in POST
/v1/evaluate decides without publishing; a malformed file stops the service with the file
and field named."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from clearway.common.db import make_engine
from clearway.common.events import RecordEvent
from clearway.eligibility.api import build_app
from clearway.eligibility.settings import EligibilitySettings
from clearway.eligibility.store import EligibilityStore
from tests.eligibility.integration.test_api import ADMIN, event

SACRAMENTO = {"name": "sacramento-2019", "version": 1,
              "baseline": {"HS 11357": "dismiss", "HS 11358": "dismiss",
                           "HS 11359": "reduce", "HS 11360": "reduce"},
              "misdemeanors": "dismiss", "bars": "needs_review",
              "additional_relief": {"years_since_conviction": 10}}
NOW = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)


def settings_with(tmp_path: Path, table: str) -> EligibilitySettings:
    folder = tmp_path / "policies"
    folder.mkdir(exist_ok=True)
    (folder / "sacramento.yaml").write_text(yaml.safe_dump(SACRAMENTO))
    return EligibilitySettings(data_dir=tmp_path, policy_files=str(folder), policy_table=table,
                               kafka_bootstrap_servers="127.0.0.1:1", bootstrap_api_key=ADMIN)


def test_a_county_document_in_the_policy_table_decides_that_courts_people(
        tmp_path: Path) -> None:
    settings = settings_with(tmp_path, '{"CA-SAC": "sacramento-2019"}')
    store = EligibilityStore(make_engine(settings.sqlalchemy_url()), settings.policies())
    decided = store.process([RecordEvent.model_validate(event(
        "e1", "CA-SAC", "HS 11359", "2010-01-01"))], NOW)
    assert [(d.policy, d.relief, [r.code for r in d.reasons]) for d in decided] == [
        ("sacramento-2019", "dismiss_and_seal", ["RELIEF_YEARS_SINCE_CONVICTION"])]


def test_an_inline_document_is_evaluated_without_publishing(tmp_path: Path) -> None:
    settings = EligibilitySettings(data_dir=tmp_path, kafka_bootstrap_servers="127.0.0.1:1",
                                   bootstrap_api_key=ADMIN)
    with TestClient(build_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {ADMIN}"
        events = [event("e1", "CA-SF", "HS 11359", "2010-01-01", level="misdemeanor")]
        answer = client.post("/v1/evaluate", json={"events": events, "policy": SACRAMENTO,
                                                   "as_of": "2024-06-01"})
        assert answer.status_code == 200, answer.text
        (d,) = answer.json()["decisions"]
        assert (d["policy"], d["relief"], d["reasons"][0]["code"]) == (
            "sacramento-2019", "dismiss_and_seal", "POLICY_DISMISS")
        bad = client.post("/v1/evaluate", json={"events": events, "policy": {
            **SACRAMENTO, "bars": "sometimes"}})
        assert bad.status_code == 422
        assert "sometimes" not in bad.text


def test_a_malformed_county_file_names_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "broken.yaml").write_text("name: broken\nversion: 1\nbaseline: {HS 11359: maybe}\n")
    settings = EligibilitySettings(data_dir=tmp_path, policy_files=str(folder))
    with pytest.raises(ValueError, match="broken.yaml"):
        settings.policies()
