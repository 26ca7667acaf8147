"""Schema migrations: each service's store is brought to its build's schema by Alembic,
in place, at start (`Migrations.ensure_current`) or by `clearway-<service> migrate`.

Each service keeps an Alembic environment in its package (`clearway.<service>.migrations`:
`env.py`, `script.py.mako`, `versions/NNNN_<slug>.py`), driven from here: no alembic.ini.
The target is the service's own MetaData, shared tables (api_keys, outbox,
processed_events) included. Revision ids are four-digit numbers, one after another, so
this build's head is the highest-numbered file in `versions/`, found without loading
Alembic.

At start, when the store is already at head, one query (`SELECT version_num FROM
alembic_version`, on a read-only connection) is all it costs. Otherwise, in one
transaction that holds the store's write lock, the revision is read again (another
process may just have migrated), the missing revisions are applied and the store is
compared with this build's tables: a table or column still missing rolls everything
back. SQLite: the transaction begins IMMEDIATE in the writer's turn of
`clearway.common.sqlite`, so writers of every process wait for it; PostgreSQL: a
transaction-scoped advisory lock, one per service. DDL is transactional in both, so a
migration that fails leaves the store as it was.

A store made before migrations existed has tables and no alembic_version: the baseline
revision creates only the tables it lacks and the store is recorded at the baseline (each
baseline's docstring says what such a store is taken to be); later revisions follow, and
the store is then checked against this build's tables.

A new, empty store is made by `create_all` of this build's tables and stamped at head,
without loading Alembic: the revisions would build the same tables (a test per service
checks it on SQLite and PostgreSQL), and new stores are made by every test, demo and first
deployment, where running every revision cost 2-5 times as long.
"""
from __future__ import annotations

import hashlib
import io
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    inspect,
    text,
)
from sqlalchemy.exc import DBAPIError

from clearway.common.db import make_engine, reading

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

VERSION_TABLE = "alembic_version"
_REVISION_FILE = re.compile(r"^(\d{4})_\w+\.py$")


class SchemaError(RuntimeError):
    """The store cannot be brought to this build's schema."""


@dataclass(frozen=True)
class Status:
    current: str | None  # None: no alembic_version (a new store, or one made before)
    head: str
    unversioned_tables: bool = False  # tables present but no version

    @property
    def at_head(self) -> bool:
        return self.current == self.head


@dataclass(frozen=True)
class Migrations:
    """One service's migrations: `service` names its lock, `location` is the folder of its
    Alembic environment, `metadata` the tables of its store."""

    service: str
    location: Path
    metadata: MetaData

    # -- cheap ------------------------------------------------------------------------
    def head(self) -> str:
        """This build's head: the highest revision number in versions/."""
        numbers = [m.group(1) for name in _listdir(self.location / "versions")
                   if (m := _REVISION_FILE.match(name))]
        if not numbers:
            raise SchemaError(f"no revisions in {self.location / 'versions'}")
        return max(numbers)

    def current(self, engine: Engine) -> str | None:
        """The store's revision, or None when it has no alembic_version table."""
        try:
            with reading(engine) as conn:
                return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
        except DBAPIError:
            return None

    def ensure_current(self, engine: Engine) -> Status:
        """Bring the store to head; one read-only query when it is there already."""
        head = self.head()
        current = self.current(engine)
        if current == head:
            return Status(current, head)
        return self.upgrade(engine)

    # -- the upgrade ------------------------------------------------------------------
    def upgrade(self, engine: Engine, by_revisions: bool = False) -> Status:
        """Apply the missing revisions, under the store's write lock, in one transaction;
        the status before the upgrade. A new, empty store gets this build's tables and is
        recorded at head without loading Alembic, unless `by_revisions`."""
        head = self.head()
        with engine.connect() as conn, conn.begin():
            self._lock(conn)
            before = self._status(conn, head)  # again, in the lock: another may have done it
            if before.at_head:
                return before
            self._check_known(before)
            started = time.monotonic()
            if before.current is None and not before.unversioned_tables and not by_revisions:
                self._create_at_head(conn, head)
                log.info("store created", extra={"service": self.service, "revision": head})
                return before
            from alembic import command

            command.upgrade(self.config(conn), "head")
            if before.current is not None or before.unversioned_tables:
                self._check_schema(conn)
        log.info("store migrated", extra={
            "service": self.service, "from_revision": before.current or "none",
            "to_revision": head, "adopted": before.unversioned_tables,
            "seconds": round(time.monotonic() - started, 3)})
        return before

    def _create_at_head(self, conn: Connection, head: str) -> None:
        """A new store: create_all of this build's tables, stamped at head. The same tables
        as the revisions build (tests/common/test_migrations.py checks it for every service
        on both databases), in a fraction of the time: stores are made new by every test,
        demo and first deployment, and make test makes hundreds."""
        self.metadata.create_all(conn)
        version = _version_table()
        version.create(conn, checkfirst=True)
        conn.execute(version.insert(), {"version_num": head})

    def status(self, engine: Engine) -> Status:
        with reading(engine) as conn:
            return self._status(conn, self.head())

    def sql(self, engine: Engine) -> str:
        """The SQL `upgrade` would run from the store's revision to head (offline)."""
        from alembic import command

        status = self.status(engine)
        if status.at_head:
            return ""
        self._check_known(status)
        out = io.StringIO()
        cfg = self.config(None, output=out)
        cfg.attributes["url"] = engine.url
        start = status.current or "base"
        command.upgrade(cfg, f"{start}:head", sql=True)
        note = ("-- An unversioned store: `migrate` creates only the tables it lacks; this "
                "script creates them all.\n" if status.unversioned_tables else "")
        return note + out.getvalue()

    def config(self, connection: Connection | None, output: Any = None) -> Config:
        from alembic.config import Config

        cfg = Config(output_buffer=output)
        cfg.set_main_option("script_location", str(self.location))
        cfg.attributes["connection"] = connection
        cfg.attributes["metadata"] = self.metadata
        return cfg

    def new_revision(self, message: str) -> Path:
        """Write versions/NNNN_<slug>.py (the next number) with what autogenerate finds
        between the tables and a store at head (a scratch SQLite file): for developers,
        who read and complete it (data moves, PostgreSQL specifics) before committing."""
        import tempfile

        from alembic import command

        number = f"{int(self.head()) + 1:04d}"
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{folder}/scratch.db")
            try:
                self.upgrade(engine, by_revisions=True)
                with engine.connect() as conn, conn.begin():
                    script = command.revision(self.config(conn), message=message,
                                              autogenerate=True, rev_id=number)
            finally:
                engine.dispose()
        path = Path(script.path) if script is not None and not isinstance(script, list) else None
        if path is None:
            raise SchemaError("alembic wrote no revision")
        return path

    # -- helpers ----------------------------------------------------------------------
    def _status(self, conn: Connection, head: str) -> Status:
        names = set(inspect(conn).get_table_names())
        current = (conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
                   if VERSION_TABLE in names else None)
        if current is None:  # no version (or an empty version table: downgraded to base)
            return Status(None, head, bool(names & set(self.metadata.tables)))
        return Status(current, head)

    def _check_known(self, status: Status) -> None:
        if status.current is not None and status.current > status.head:
            raise SchemaError(
                f"the {self.service} store is at revision {status.current}, newer than this "
                f"build's {status.head}: run the build that migrated it (or a later one)")

    def _lock(self, conn: Connection) -> None:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                         {"key": advisory_key(self.service)})
        # SQLite: the transaction began IMMEDIATE in the writer's turn: the lock is held.

    def _check_schema(self, conn: Connection) -> None:
        """A table or column this build reads must be there after the upgrade (a store
        older than the baseline assumes, for instance): otherwise roll back."""
        missing = [d for d in schema_differences(conn, self.metadata)
                   if d[0] in ("add_table", "add_column")]
        if missing:
            raise SchemaError(
                f"the {self.service} store lacks what this build needs after migrating "
                f"({_describe(missing)}); nothing was changed. A store from a build older "
                f"than the baseline needs its tables brought to the baseline by hand.")


def _version_table() -> Table:
    """Alembic's own version table, as `alembic stamp` creates it."""
    return Table(VERSION_TABLE, MetaData(), Column("version_num", String(32), nullable=False),
                 PrimaryKeyConstraint("version_num", name=f"{VERSION_TABLE}_pkc"))


def schema_differences(conn: Connection, metadata: MetaData) -> list[Any]:
    """What Alembic's autogenerate finds between the database and `metadata`."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return _flatten(compare_metadata(context, metadata))


def _flatten(diffs: list[Any]) -> list[Any]:
    out: list[Any] = []
    for d in diffs:
        out.extend(_flatten(d) if isinstance(d, list) else [d])
    return out


def _describe(diffs: list[Any]) -> str:
    parts = []
    for d in diffs:
        if d[0] == "add_table":
            parts.append(f"table {d[1].name}")
        elif d[0] == "add_column":
            parts.append(f"column {d[2]}.{d[3].name}")
    return ", ".join(parts)


def advisory_key(service: str) -> int:
    """The PostgreSQL advisory lock key of a service's migrations (a signed 64-bit int)."""
    digest = hashlib.sha256(f"clearway-migrations:{service}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _listdir(path: Path) -> Iterator[str]:
    try:
        yield from (p.name for p in path.iterdir())
    except FileNotFoundError:
        return


# -- used by each service's env.py and baseline ---------------------------------------
def run_environment() -> None:
    """The body of every service's `env.py`: online on the connection `Migrations` hands
    over (inside its transaction), or offline (`--sql`) for the store's dialect."""
    from alembic import context

    cfg = context.config
    metadata = cfg.attributes["metadata"]
    common: dict[str, Any] = {"target_metadata": metadata, "render_as_batch": True,
                              "compare_type": True, "version_table": VERSION_TABLE}
    if context.is_offline_mode():
        context.configure(url=cfg.attributes["url"], literal_binds=True, **common)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = cfg.attributes["connection"]
    context.configure(connection=connection, **common)
    with context.begin_transaction():
        context.run_migrations()


def existing_tables() -> set[str]:
    """For a baseline: the tables the store has (none when writing SQL offline)."""
    from alembic import context, op

    if context.is_offline_mode():
        return set()
    return set(inspect(op.get_bind()).get_table_names())


# -- the CLI --------------------------------------------------------------------------
def add_migrate_commands(app: Any, migrations_of: Callable[[], Migrations],
                         engine_of: Callable[[], Engine]) -> None:
    """`migrate [--sql]` and `new-revision MESSAGE` on a service's CLI: its migrations and
    an engine on its store are made only when a command runs."""
    import typer

    @app.command()
    def migrate(sql: bool = typer.Option(
            False, "--sql", help="print the SQL the upgrade would run; change nothing")) -> None:
        """Bring the store's schema to this build's (as every start does); print the
        current and target revisions."""
        migrations, engine = migrations_of(), engine_of()
        try:
            status = migrations.status(engine)
            typer.echo(f"{migrations.service} store: current {_named(status)}, "
                       f"target {status.head}")
            if sql:
                typer.echo(migrations.sql(engine) or "-- nothing to do\n", nl=False)
                return
            if status.at_head:
                typer.echo("nothing to do")
                return
            migrations.upgrade(engine)
            typer.echo(f"now at {migrations.current(engine)}")
        except SchemaError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from None
        finally:
            engine.dispose()

    @app.command("new-revision", hidden=True)
    def new_revision(message: str = typer.Argument(..., help="what the revision changes")
                     ) -> None:
        """For developers: write the next revision from what autogenerate finds between the
        tables and a store at head; read and complete it before committing."""
        typer.echo(f"wrote {migrations_of().new_revision(message)}")


def _named(status: Status) -> str:
    if status.current is not None:
        return status.current
    return "none (tables made before migrations)" if status.unversioned_tables else "none (empty)"
