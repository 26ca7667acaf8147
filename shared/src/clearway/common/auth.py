"""API keys: `Authorization: Bearer cw_<key_id>_<secret>`. Only a SHA-256 of the secret is
stored (secrets are 256-bit random, so a fast hash is enough; no password stretching
needed). Each key has scopes and the court codes it may act for (`*` = every court)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import Column, Engine, Float, MetaData, String, Table, select, update

from clearway.common.db import create_schema, make_engine
from clearway.common.http import problem

SCOPES = {
    "records:write": "push court record events (ingest)",
    "records:read": "read where a pushed record stands (ingest)",
    "decisions:read": "read decisions and court summaries, evaluate dry runs (eligibility)",
    "motions:read": "list and download motions and bulk motions (filing)",
    "motions:write": "create and file bulk motions (filing)",
    "notices:read": "read deliveries, failed and unreachable lists (notify)",
    "notices:write": "resend notices, record opt-outs (notify)",
    "sealed:read": "read counts whose dismissal and sealing a court granted",
    "admin": "every scope",
}


def api_keys_table(metadata: MetaData) -> Table:
    return Table(
        "api_keys",
        metadata,
        Column("key_id", String(32), primary_key=True),
        Column("secret_sha256", String(64), nullable=False),
        Column("name", String(200), nullable=False),
        Column("scopes", String(500), nullable=False),
        Column("courts", String(2000), nullable=False),
        Column("created_at", Float, nullable=False),
        Column("revoked_at", Float, nullable=True),
    )


@dataclass(frozen=True)
class Principal:
    key_id: str
    name: str
    scopes: frozenset[str]
    courts: frozenset[str]

    def has(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes

    def may_act_for(self, court: str) -> bool:
        return "*" in self.courts or court in self.courts


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _split(token: str) -> tuple[str, str] | None:
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != "cw" or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


class KeyStore:
    def __init__(self, engine: Engine, table: Table) -> None:
        self.engine = engine
        self.table = table

    @classmethod
    def for_service(cls, engine: Engine, table: Table, bootstrap_key: str | None,
                    authority_url: str | None = None) -> KeyStore:
        """A service's key store, with the bootstrap admin key (dev, demo) registered: the
        shared key authority's when `authority_url` is set (CLEARWAY_KEYS_DATABASE_URL),
        otherwise the service's own table in its store."""
        keys = cls.resolve(authority_url, lambda: engine, table)
        if bootstrap_key:
            keys.ensure(bootstrap_key)
        return keys

    @classmethod
    def resolve(cls, authority_url: str | None, own_engine: Callable[[], Engine],
                table: Table) -> KeyStore:
        """The key authority when one is configured, else the service's own key table."""
        return cls.authority(authority_url) if authority_url else cls(own_engine(), table)

    @classmethod
    def authority(cls, url: str) -> KeyStore:
        """The key store every service shares: the api_keys table of the database at
        `url` (created when missing). Keys are read on every request, so a revocation
        reaches every service at once."""
        metadata = MetaData()
        table = api_keys_table(metadata)
        engine = make_engine(url)
        create_schema(engine, metadata)
        return cls(engine, table)

    def create(self, name: str, scopes: list[str], courts: list[str]) -> str:
        unknown = [s for s in scopes if s not in SCOPES]
        if unknown:
            raise ValueError(f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(SCOPES)}")
        if not courts:
            raise ValueError("a key needs at least one court code, or * for every court")
        key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        self._insert(key_id, secret, name, scopes, courts)
        return f"cw_{key_id}_{secret}"

    def ensure(self, token: str, name: str = "bootstrap") -> None:
        """Register a given token (the bootstrap key from settings) if it is not there."""
        parts = _split(token)
        if parts is None:
            raise ValueError("CLEARWAY_BOOTSTRAP_API_KEY must look like cw_<id>_<secret>")
        with self.engine.connect() as conn:
            found = conn.execute(select(self.table.c.key_id).where(self.table.c.key_id == parts[0]))
            if found.first():
                return
        try:
            self._insert(parts[0], parts[1], name, ["admin"], ["*"])
        except Exception:  # another process inserted it first
            pass

    def _insert(
        self, key_id: str, secret: str, name: str, scopes: list[str], courts: list[str]
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                self.table.insert().values(
                    key_id=key_id,
                    secret_sha256=_digest(secret),
                    name=name,
                    scopes=" ".join(sorted(set(scopes))),
                    courts=" ".join(sorted(set(courts))),
                    created_at=time.time(),
                )
            )

    def revoke(self, key_id: str) -> bool:
        with self.engine.begin() as conn:
            return (
                conn.execute(
                    update(self.table)
                    .where(self.table.c.key_id == key_id, self.table.c.revoked_at.is_(None))
                    .values(revoked_at=time.time())
                ).rowcount
                == 1
            )

    def list(self) -> list[dict[str, object]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(self.table).order_by(self.table.c.created_at))
            return [
                {
                    "key_id": r.key_id,
                    "name": r.name,
                    "scopes": r.scopes,
                    "courts": r.courts,
                    "revoked": r.revoked_at is not None,
                }
                for r in rows
            ]

    def authenticate(self, token: str) -> Principal | None:
        parts = _split(token)
        if parts is None:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(self.table).where(self.table.c.key_id == parts[0])).first()
        if row is None or row.revoked_at is not None:
            return None
        if not hmac.compare_digest(row.secret_sha256, _digest(parts[1])):
            return None
        return Principal(
            row.key_id, row.name, frozenset(row.scopes.split()), frozenset(row.courts.split())
        )


def require(scope: str) -> Callable[[Request], Principal]:
    """FastAPI dependency: a valid key (401 otherwise) holding `scope` (403 otherwise).
    Court checks happen where the court is known: `check_court`. Its `scopes` attribute
    marks the route as guarded (the OpenAPI document lists its 401 and 403)."""

    def dependency(request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise problem(401, "unauthenticated",
                          "send an API key as Authorization: Bearer <key>",
                          headers={"WWW-Authenticate": "Bearer"})
        keys: KeyStore = request.app.state.keys
        principal = keys.authenticate(token.strip())
        if principal is None:
            raise problem(401, "unauthenticated", "unknown or revoked API key",
                          headers={"WWW-Authenticate": "Bearer"})
        if not principal.has(scope):
            raise problem(403, "forbidden", f"this key lacks the {scope} scope")
        return principal

    dependency.scopes = (scope,)  # type: ignore[attr-defined]
    return dependency


def check_court(principal: Principal, court: str) -> None:
    if not principal.may_act_for(court):
        raise problem(403, "forbidden", "this key may not act for this court")
