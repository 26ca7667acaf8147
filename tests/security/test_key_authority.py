"""One key authority (issue #19): with CLEARWAY_KEYS_DATABASE_URL set, one key made once
works on every service its scopes allow, within its courts, and one revocation reaches them
all at once; the `clearway-keys` command manages it."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from fastapi.testclient import TestClient

from clearway.common.auth import KeyStore
from clearway.common.devstack import console_script
from tests.security.apps import build

# A read route of each service, and the scope it needs.
READS = {
    "ingest": ("/v1/records/NOPE", "records:read"),
    "eligibility": ("/v1/subjects/S0/decisions", "decisions:read"),
    "filing": ("/v1/courts/CA-SF/motions", "motions:read"),
    "notify": ("/v1/subjects/S0/deliveries", "notices:read"),
}


def test_one_key_works_on_every_service_and_one_revocation_stops_it_everywhere(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    clients = {name: TestClient(build(name, tmp_path / name, keys_database_url=url),
                                raise_server_exceptions=False) for name in READS}
    token = KeyStore.authority(url).create(
        "CA-SF integration", [scope for _, scope in READS.values()], ["CA-SF"])
    header = {"Authorization": f"Bearer {token}"}
    for name, (path, _) in READS.items():
        assert clients[name].get(path, headers=header).status_code not in (401, 403), name
    assert clients["filing"].get("/v1/courts/CA-LA/motions", headers=header).status_code == 403

    key_id = token.split("_")[1]
    assert KeyStore.authority(url).revoke(key_id)
    for name, (path, _) in READS.items():
        assert clients[name].get(path, headers=header).status_code == 401, name


def test_without_an_authority_each_service_keeps_its_own_keys(tmp_path: Path) -> None:
    ingest = TestClient(build("ingest", tmp_path / "ingest"), raise_server_exceptions=False)
    filing = TestClient(build("filing", tmp_path / "filing"), raise_server_exceptions=False)
    token = ingest.app.state.keys.create("ingest only", ["records:read", "motions:read"],  # type: ignore[attr-defined]
                                         ["*"])
    header = {"Authorization": f"Bearer {token}"}
    assert ingest.get("/v1/records/NOPE", headers=header).status_code != 401
    assert filing.get("/v1/courts/CA-SF/motions", headers=header).status_code == 401


def test_clearway_keys_creates_lists_and_revokes_in_the_authority(tmp_path: Path) -> None:
    env = {**os.environ, "CLEARWAY_KEYS_DATABASE_URL": f"sqlite:///{tmp_path / 'keys.db'}"}
    keys = console_script("clearway-keys")
    made = subprocess.run([keys, "create", "--name", "CA-SF integration", "--scope",
                           "records:write", "--court", "CA-SF"], env=env, capture_output=True,
                          text=True, timeout=60, check=True)
    token = next(w for w in made.stdout.split() if w.startswith("cw_"))
    listed = subprocess.run([keys, "list"], env=env, capture_output=True, text=True,
                            timeout=60, check=True).stdout
    assert token.split("_")[1] in listed and token.split("_")[2] not in listed
    revoked = subprocess.run([keys, "revoke", token.split("_")[1]], env=env,
                             capture_output=True, text=True, timeout=60)
    assert revoked.returncode == 0
    without = {k: v for k, v in env.items() if k != "CLEARWAY_KEYS_DATABASE_URL"}
    refused = subprocess.run([keys, "list"], env=without, capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode != 0 and "CLEARWAY_KEYS_DATABASE_URL" in refused.stderr
