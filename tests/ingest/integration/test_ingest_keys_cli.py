"""`clearway-ingest keys create|list|revoke` over the service's store: keys are shown once,
stored hashed, limited to their courts, and revocable."""
from __future__ import annotations

from sqlalchemy import select
from typer.testing import CliRunner

from clearway.ingest.cli import app as ingest_cli
from clearway.ingest.store import api_keys
from tests.ingest.builders import disposition


def test_keys_are_created_listed_and_revoked_and_only_their_hash_is_stored(
    make_client, api_database_url, tmp_path
):
    env = {"CLEARWAY_INGEST_DATABASE_URL": api_database_url,
           "CLEARWAY_INGEST_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    created = runner.invoke(ingest_cli, ["keys", "create", "--name", "LA clerk",
                                         "--scope", "records:write", "--court", "CA-LA"], env=env)
    assert created.exit_code == 0, created.output
    token = created.output.strip()
    key_id, secret = token.split("_")[1], token.split("_", 2)[2]

    listed = runner.invoke(ingest_cli, ["keys", "list"], env=env)
    assert f"{key_id}\tactive\tLA clerk\trecords:write\tCA-LA" in listed.output
    assert secret not in listed.output

    client = make_client()
    with client.app.state.store.engine.connect() as conn:
        stored = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).one()
    assert secret not in stored.secret_sha256 and len(stored.secret_sha256) == 64

    key = {"Authorization": f"Bearer {token}"}
    assert client.post("/v1/records", json=disposition(), headers=key).status_code == 202
    other = client.post("/v1/records", json=disposition("SF-1", court="CA-SF"), headers=key)
    assert other.status_code == 403

    revoked = runner.invoke(ingest_cli, ["keys", "revoke", key_id], env=env)
    assert revoked.exit_code == 0
    assert client.post("/v1/records", json=disposition(), headers=key).status_code == 401
    assert "revoked" in runner.invoke(ingest_cli, ["keys", "list"], env=env).output
    assert runner.invoke(ingest_cli, ["keys", "revoke", key_id], env=env).exit_code == 1


def test_a_key_with_an_unknown_scope_is_refused(api_database_url, tmp_path):
    env = {"CLEARWAY_INGEST_DATABASE_URL": api_database_url,
           "CLEARWAY_INGEST_DATA_DIR": str(tmp_path)}
    result = CliRunner().invoke(ingest_cli, ["keys", "create", "--name", "x", "--scope",
                                             "records:everything", "--court", "CA-LA"], env=env)
    assert result.exit_code != 0
    assert "unknown scope" in result.output
