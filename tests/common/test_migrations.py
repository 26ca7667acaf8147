"""Schema migrations of every service's store (clearway.common.migrations): a new store is
built by the revisions and agrees with the service's tables; a store made before
migrations is adopted at the baseline with its rows; a store at head costs one query;
concurrent first starts migrate once; what cannot be upgraded is refused and left as it
was. Notify's upgrade from the build before court_contacts is in
tests/notify/integration/test_store_migrations.py."""
from __future__ import annotations

import importlib
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Engine, MetaData, String, event, func, inspect, select, text
from typer.testing import CliRunner

from clearway.common.db import create_schema, make_engine
from clearway.common.migrations import Migrations, SchemaError, schema_differences

SERVICES = ["ingest", "eligibility", "filing", "notify"]


def store_module(service: str) -> ModuleType:
    return importlib.import_module(f"clearway.{service}.store")


def migrations_of(service: str) -> Migrations:
    migrations: Migrations = store_module(service).MIGRATIONS
    return migrations


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def version_rows(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def add_key_and_message(engine: Engine, service: str) -> None:
    """A row in two tables every store has: an API key and an outbox message."""
    store = store_module(service)
    with engine.begin() as conn:
        conn.execute(store.api_keys.insert(), {
            "key_id": "k1", "secret_sha256": "0" * 64, "name": "integration",
            "scopes": "admin", "courts": "*", "created_at": 1.0, "revoked_at": None})
        conn.execute(store.outbox.insert(), {
            "topic": "t", "key": "person-1", "value": b"v", "headers": "[]",
            "created_at": 2.0})


def count(engine: Engine, table_name: str, service: str) -> int:
    table = store_module(service).metadata.tables[table_name]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.mark.parametrize("service", SERVICES)
def test_the_revisions_build_exactly_the_services_tables(service: str, engine: Engine) -> None:
    migrations = migrations_of(service)
    status = migrations.upgrade(engine, by_revisions=True)
    assert status.current is None and not status.unversioned_tables
    assert version_rows(engine) == [migrations.head()]
    with engine.connect() as conn:
        assert schema_differences(conn, migrations.metadata) == []


@pytest.mark.parametrize("service", SERVICES)
def test_a_store_made_before_migrations_is_adopted_at_the_baseline_with_its_rows(
        service: str, engine: Engine) -> None:
    """What the constructors' create_schema made, with one table missing (as a table added
    by the last build before migrations would be): the missing table is created, the others
    and their rows are kept, and the store is recorded at the baseline."""
    migrations = migrations_of(service)
    missing = migrations.metadata.sorted_tables[-1]
    tables = [t for t in migrations.metadata.sorted_tables if t is not missing]
    migrations.metadata.create_all(engine, tables=tables)
    add_key_and_message(engine, service)

    status = migrations.ensure_current(engine)

    assert status.current is None and status.unversioned_tables
    assert version_rows(engine) == [migrations.head()]  # the baseline, then any later ones
    assert missing.name in table_names(engine)
    assert (count(engine, "api_keys", service), count(engine, "outbox", service)) == (1, 1)
    with engine.connect() as conn:
        assert schema_differences(conn, migrations.metadata) == []


def test_a_store_made_by_todays_constructors_without_migrations_is_adopted(
        engine: Engine) -> None:
    migrations = migrations_of("eligibility")
    create_schema(engine, migrations.metadata)
    add_key_and_message(engine, "eligibility")
    migrations.ensure_current(engine)
    assert version_rows(engine) == ["0001"]
    assert count(engine, "outbox", "eligibility") == 1


@pytest.mark.parametrize("service", SERVICES)
def test_a_new_store_is_made_at_head_then_checked_with_one_query_and_never_changed_again(
        service: str, engine: Engine) -> None:
    """A new store is made the quick way (create_all, stamped): Alembic reads back the
    head, and the tables are those the revisions build (the test above)."""
    migrations = migrations_of(service)
    migrations.ensure_current(engine)
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == migrations.head()
        assert schema_differences(conn, migrations.metadata) == []
    add_key_and_message(engine, service)
    before = {t: [c["name"] for c in inspect(engine).get_columns(t)]
              for t in table_names(engine)}
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.strip().upper() not in ("BEGIN", "BEGIN IMMEDIATE"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert migrations.ensure_current(engine).at_head
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements == ["SELECT version_num FROM alembic_version"]

    assert migrations.upgrade(engine).at_head  # the full path, under the lock: nothing
    assert version_rows(engine) == [migrations.head()]
    assert {t: [c["name"] for c in inspect(engine).get_columns(t)]
            for t in table_names(engine)} == before
    assert count(engine, "outbox", service) == 1


LATER_REVISION = """\"\"\"deaths keep a note; the date may be unknown\"\"\"
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deaths") as batch_op:
        batch_op.add_column(sa.Column("note", sa.String(length=40), nullable=True))
        batch_op.alter_column("date", existing_type=sa.String(length=10), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("deaths") as batch_op:
        batch_op.alter_column("date", existing_type=sa.String(length=10), nullable=False)
        batch_op.drop_column("note")
"""


def test_a_later_revision_upgrades_a_store_in_place_keeping_its_rows(
        engine: Engine, tmp_path: Path) -> None:
    """A revision after the baseline (here notify's, with one written for the test: a
    column added and a NOT NULL dropped, which SQLite does by copying the table) is applied
    to a store at 0001 at its next start."""
    released = migrations_of("notify")
    released.ensure_current(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO deaths (subject_id, date) VALUES ('p1', '2024-01-20')"))
    location = tmp_path / "migrations"
    shutil.copytree(released.location, location)
    (location / "versions" / "0002_deaths_keep_a_note.py").write_text(LATER_REVISION)
    tables = MetaData()
    for table in released.metadata.sorted_tables:
        table.to_metadata(tables)
    tables.tables["deaths"].append_column(Column("note", String(40), nullable=True))
    tables.tables["deaths"].c.date.nullable = True
    later = Migrations("notify", location, tables)

    assert later.ensure_current(engine).current == "0001"

    assert version_rows(engine) == ["0002"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT subject_id, date, note FROM deaths")).all() == [
            ("p1", "2024-01-20", None)]
        assert schema_differences(conn, tables) == []


@pytest.mark.parametrize("made", ["new", "before migrations"])
def test_workers_starting_at_once_on_one_store_migrate_it_once(
        database_url: str, made: str) -> None:
    """Four starts on one store at the same moment, each with its own engine (its own
    writer-lock descriptors on SQLite, its own sessions on PostgreSQL): on a new store, and
    on one made before migrations (the Alembic path)."""
    migrations = migrations_of("notify")
    engines = [make_engine(database_url) for _ in range(4)]
    if made == "before migrations":
        create_schema(engines[0], migrations.metadata)
        add_key_and_message(engines[0], "notify")
    barrier, errors = threading.Barrier(len(engines)), []

    def start(engine: Engine) -> None:
        barrier.wait()
        try:
            migrations.ensure_current(engine)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert errors == []
        assert version_rows(engines[0]) == [migrations.head()]
        if made == "before migrations":
            assert count(engines[0], "outbox", "notify") == 1
        with engines[0].connect() as conn:
            assert schema_differences(conn, migrations.metadata) == []
    finally:
        for e in engines:
            e.dispose()


def test_a_store_older_than_the_baseline_is_refused_and_left_as_it_was(engine: Engine) -> None:
    """Filing's stores before 3f23fab had no facts_sha256 on motions (among others)."""
    migrations = migrations_of("filing")
    create_schema(engine, migrations.metadata)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE motions DROP COLUMN facts_sha256"))
    before = table_names(engine)

    with pytest.raises(SchemaError, match=r"motions\.facts_sha256"):
        migrations.ensure_current(engine)

    assert table_names(engine) == before  # no alembic_version, nothing created


def test_a_store_migrated_by_a_newer_build_is_refused(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    migrations = migrations_of("ingest")
    migrations.ensure_current(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(SchemaError, match="newer than this build"):
        migrations.ensure_current(engine)
    engine.dispose()


@pytest.mark.parametrize("service", SERVICES)
def test_the_head_named_by_the_file_names_is_alembics_one_head_on_one_line_of_history(
        service: str) -> None:
    migrations = migrations_of(service)
    script = ScriptDirectory.from_config(migrations.config(None))
    assert script.get_heads() == [migrations.head()]
    revisions = list(reversed(list(script.walk_revisions())))
    assert [r.revision for r in revisions] == [f"{n:04d}" for n in range(1, len(revisions) + 1)]
    for previous, revision in zip([None, *revisions], revisions, strict=False):
        assert revision.down_revision == (previous.revision if previous else None)
        assert Path(revision.path).name.startswith(f"{revision.revision}_")


def test_the_migrate_command_prints_the_revisions_writes_sql_and_upgrades_once(
        tmp_path: Path) -> None:
    from clearway.notify.cli import app

    env = {"CLEARWAY_NOTIFY_DATABASE_URL": f"sqlite:///{tmp_path / 'notify.db'}"}
    runner = CliRunner()
    sql = runner.invoke(app, ["migrate", "--sql"], env=env)
    assert sql.exit_code == 0, sql.output
    assert "current none (empty), target 0001" in sql.output
    assert "CREATE TABLE court_contacts" in sql.output
    first = runner.invoke(app, ["migrate"], env=env)
    assert first.exit_code == 0, first.output
    assert "now at 0001" in first.output
    again = runner.invoke(app, ["migrate"], env=env)
    assert "current 0001, target 0001" in again.output and "nothing to do" in again.output

