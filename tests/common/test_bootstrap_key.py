"""Issue #19: no admin key is shipped; the first one is written once to a file, owner only,
and the services read it from there (CLEARWAY_BOOTSTRAP_API_KEY_FILE)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import MetaData

from clearway.common import bootstrap_key
from clearway.common.auth import KeyStore, api_keys_table
from clearway.common.db import create_schema, make_engine
from clearway.common.settings import ServiceSettings


def test_the_first_run_writes_a_new_random_key_readable_by_its_owner_only(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(bootstrap_key.KEY_ENV, raising=False)
    path = tmp_path / "secrets" / "bootstrap-api-key"
    assert bootstrap_key.main(["init", str(path)]) == 0
    key = bootstrap_key.read_key(path)
    assert bootstrap_key.key_id(key) is not None and len(key) > 40
    assert path.stat().st_mode & 0o777 == 0o600
    said = capsys.readouterr().out
    assert key.split("_", 2)[2] not in said  # the secret is never printed
    assert f"id {bootstrap_key.key_id(key)}" in said
    other = tmp_path / "other"
    bootstrap_key.init(other)
    assert bootstrap_key.read_key(other) != key  # random, not a default


def test_later_runs_keep_the_key_and_an_operators_key_replaces_it(tmp_path: Path) -> None:
    path = tmp_path / "bootstrap-api-key"
    outcome, first_id = bootstrap_key.init(path)
    first = bootstrap_key.read_key(path)
    assert outcome == "created"
    assert bootstrap_key.init(path) == ("kept", first_id)
    assert bootstrap_key.read_key(path) == first
    chosen = "cw_ops1_" + "q" * 40
    assert bootstrap_key.init(path, chosen) == ("replaced", "ops1")
    assert bootstrap_key.read_key(path) == chosen
    assert bootstrap_key.init(path, chosen) == ("kept", "ops1")
    for weak in ("change-me", "cw_devadmin_change-me-before-any-real-use"):
        with pytest.raises(ValueError, match="cw_<id>_<secret>"):
            bootstrap_key.init(path, weak)
    assert bootstrap_key.read_key(path) == chosen
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_service_registers_the_key_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bootstrap-api-key"
    bootstrap_key.init(path)
    settings = ServiceSettings(bootstrap_api_key_file=path, data_dir=tmp_path)
    key = bootstrap_key.read_key(path)
    assert settings.bootstrap_api_key == key
    engine = make_engine(settings.sqlalchemy_url())
    table = api_keys_table(MetaData())
    create_schema(engine, table.metadata)
    keys = KeyStore.for_service(engine, table, settings.bootstrap_api_key)
    principal = keys.authenticate(key)
    assert principal is not None and principal.has("admin") and "*" in principal.courts
    engine.dispose()


def test_a_key_given_directly_wins_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bootstrap-api-key"
    bootstrap_key.init(path)
    direct = "cw_direct_" + "d" * 40
    settings = ServiceSettings(bootstrap_api_key=direct, bootstrap_api_key_file=path)
    assert settings.bootstrap_api_key == direct


def test_a_missing_or_malformed_key_file_stops_the_service_with_a_clear_error(
        tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="CLEARWAY_BOOTSTRAP_API_KEY_FILE: cannot read"):
        ServiceSettings(bootstrap_api_key_file=tmp_path / "absent")
    bad = tmp_path / "bad"
    bad.write_text("change-me\n")
    with pytest.raises(ValidationError, match="does not hold a key"):
        ServiceSettings(bootstrap_api_key_file=bad)


def test_the_file_is_read_from_the_environment(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bootstrap-api-key"
    bootstrap_key.init(path)
    monkeypatch.delenv(bootstrap_key.KEY_ENV, raising=False)
    monkeypatch.setenv(bootstrap_key.FILE_ENV, os.fspath(path))
    assert ServiceSettings().bootstrap_api_key == bootstrap_key.read_key(path)
