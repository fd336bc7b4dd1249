"""The store's schema is versioned (Alembic, warning/migrations): a new database gets the
newest schema with no drift from the models; a store made before versioned migrations is
upgraded in place with its rows; `warning run` refuses an older schema and says the command;
read-only commands write no DDL; a URL without its driver, or a server that is down, is one
line."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, inspect, text

from tests.conftest import DATA, DATABASE, free_port, invoke, store_url, write_config
from warning import schema
from warning.models import DeliveryStatus
from warning.schema import HEAD, SchemaError, Standing
from warning.store import Store, engine_for, schema_of, upgrade_schema

OLD_SCHEMA = DATA / "schema"
T0 = "2026-11-30 08:00:00+00:00"
DDL = ("CREATE", "ALTER", "DROP")


def test_the_code_reads_the_newest_migration_script() -> None:
    assert schema.script_heads() == (HEAD,)


@pytest.mark.both_databases
def test_a_new_database_matches_the_models(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    store = Store(store_url(tmp_path))
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
    assert schema_of(store_url(tmp_path)).standing == Standing.current
    store.close()


def make_old_store(url: str, rows: bool = True) -> None:
    """A store as warning 0.1.0 made it (its DDL, dumped from main before migrations), with
    one alert owed to one channel, its attempt, a user, a silence and a source's memo."""
    engine = engine_for(url)
    script = (OLD_SCHEMA / f"0.1.0-{engine.dialect.name}.sql").read_text(encoding="utf-8")
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.connection.executescript(script)
        else:
            connection.exec_driver_sql(script)
        for statement in OLD_ROWS if rows else []:
            connection.execute(text(statement), {"t": T0})
    engine.dispose()


OLD_ROWS = [
    "INSERT INTO report (id, source, ref, url, title, text, content_hash, received_at, "
    "scored_at, language, signals, country, towns, outlet, canonical_url, event_id, places, "
    "retold) VALUES (1, 'inbox', 'seed.txt', '', 'Besieged', 'The town is besieged.', 'h1', "
    ":t, :t, 'en', 'siege', 'SY', 'Homs', 'Agency', '', 1, 'SY|Homs', FALSE)",
    "INSERT INTO event (id, created_at, updated_at, country, towns, signals, reports, "
    "sources, places) VALUES (1, :t, :t, 'SY', 'Homs', 'siege', 1, 1, 'SY|Homs')",
    "INSERT INTO alert (id, report_id, event_id, reports, sources, created_at, severity, "
    "severity_rank, place, title, url, signals, assessment, labels, acked_by) VALUES (1, 1, "
    "1, 1, 1, :t, 'critical', 4, 'Homs, SY', 'Besieged', '', 'siege', '{}', '{}', '')",
    "INSERT INTO delivery (id, alert_id, channel, status, attempts, created_at, "
    "next_attempt_at, failures, error, redact, kind, note, route, group_key, hold) VALUES "
    "(7, 1, 'duty-email', 'failed', 1, :t, :t, 1, 'refused', '', 'alert', '', 'root', "
    "'root', '')",
    "INSERT INTO attempt (id, delivery_id, at, ok, error) VALUES (1, 7, :t, FALSE, 'refused')",
    "INSERT INTO \"user\" (name, role, password_hash, created_at) VALUES ('ana', 'admin', 'x', :t)",
    "INSERT INTO silence (id, matchers, starts_at, ends_at, comment, author) VALUES (1, "
    "'[\"country=\\\"ML\\\"\"]', :t, :t, 'ended', 'ana')",
    "INSERT INTO sourcestate (name, last_error, failures, items_seen, items_new, total_new, "
    "etag, last_modified, cursor) VALUES ('inbox', '', 0, 3, 1, 9, 'e1', '', 'c1')",
]


def rows(url: str) -> dict[str, list[tuple]]:
    engine = engine_for(url)
    with engine.connect() as connection:
        found = {
            table: [tuple(r) for r in connection.execute(text(f'SELECT {cols} FROM "{table}"'))]
            for table, cols in KEPT.items()
        }
    engine.dispose()
    return found


KEPT = {
    "report": "id, content_hash, country, event_id, retold",
    "event": "id, reports, places",
    "alert": "id, severity, labels",
    "delivery": "id, status, attempts, error",
    "attempt": "id, delivery_id, ok",
    "user": "name, role",
    "silence": "id, comment",
    "sourcestate": "name, total_new, cursor",
}


@pytest.mark.both_databases
def test_a_store_made_by_0_1_0_is_refused_then_upgraded_with_its_rows(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    url = store_url(tmp_path)
    make_old_store(url)
    before = rows(url)
    assert all(before.values())

    with pytest.raises(SchemaError, match=r"warning db upgrade"):
        Store(url)
    refused = invoke("run", "--once", "-c", str(config))
    assert refused.code == 2
    assert "made before versioned migrations" in refused.stderr
    assert "back it up, then run `warning db upgrade`" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    current = invoke("db", "current", "-c", str(config))
    assert current.code == 1 and "made before versioned migrations" in current.stdout

    upgraded = invoke("db", "upgrade", "-c", str(config))
    assert upgraded.code == 0, upgraded.stderr
    assert f"revision {HEAD}" in upgraded.stdout and "was made before" in upgraded.stdout
    assert rows(url) == before
    assert invoke("db", "current", "-c", str(config)).code == 0
    again = invoke("db", "upgrade", "-c", str(config))
    assert again.code == 0 and "no change" in again.stdout

    store = Store(url)
    (claimed,) = store.claim_next(timedelta(minutes=1), now=datetime.now(UTC))
    assert (claimed.id, claimed.status) == (7, DeliveryStatus.sending)
    store.close()


def test_an_older_store_gains_the_columns_added_since_with_their_defaults(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    make_old_store(url, rows=False)
    with sqlite3.connect(tmp_path / "old.db") as db:
        db.execute("ALTER TABLE delivery DROP COLUMN failing_since")
        db.execute("ALTER TABLE delivery DROP COLUMN failures")
        db.execute("ALTER TABLE delivery DROP COLUMN kind")
    upgrade_schema(url)
    with sqlite3.connect(tmp_path / "old.db") as db:
        columns = {row[1]: row for row in db.execute("PRAGMA table_info(delivery)")}
    assert "failing_since" in columns and columns["failures"][4] == "0"
    assert columns["kind"][4] == "'alert'"
    assert schema_of(url).standing == Standing.current


def test_a_store_with_one_delivery_per_channel_is_rebuilt_with_its_rows(tmp_path: Path) -> None:
    """The oldest stores had UNIQUE (alert_id, channel) on deliveries."""
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    make_old_store(url, rows=False)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA foreign_keys=OFF")
        db.execute("DROP TABLE delivery")
        db.execute(
            "CREATE TABLE delivery (id INTEGER PRIMARY KEY, alert_id INTEGER NOT NULL "
            "REFERENCES alert(id), channel VARCHAR NOT NULL, status VARCHAR NOT NULL, "
            "attempts INTEGER NOT NULL, created_at DATETIME NOT NULL, last_attempt_at DATETIME, "
            "next_attempt_at DATETIME NOT NULL, UNIQUE (alert_id, channel))"
        )
        for statement in OLD_ROWS[:3]:
            db.execute(statement.replace(":t", "'2026-01-01 00:00:00'"))
        db.execute(
            "INSERT INTO delivery VALUES (7, 1, 'duty', 'pending', 0, '2026-01-01', NULL, "
            "'2026-01-01')"
        )
    upgrade_schema(url)
    store = Store(url)
    (kept,) = store.deliveries()
    assert (kept.id, kept.channel, kept.status, kept.kind) == (7, "duty", "pending", "alert")
    claimed = store.claim_next(timedelta(minutes=1))
    assert [d.id for d in claimed] == [7] and claimed[0].status == DeliveryStatus.sending
    with sqlite3.connect(path) as db:  # a second message to the same channel now fits
        db.execute(
            "INSERT INTO delivery (alert_id, channel, status, attempts, created_at, "
            "next_attempt_at, failures, error, redact, kind, note, route, group_key, hold) "
            "VALUES (1, 'duty', 'pending', 0, '2026-01-02', '2026-01-02', 0, '', '', 'update', "
            "'', '', '', '')"
        )
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        indexes = {row[1] for row in db.execute("PRAGMA index_list(delivery)")}
    assert {"ix_delivery_status", "ix_delivery_group", "ix_delivery_alert_id"} <= indexes


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """Every SQL statement any engine of this process runs, while the test runs."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        seen.append(statement.lstrip().upper())

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


READ_ONLY = [
    ("alerts",),
    ("alerts", "show", "1"),
    ("deliveries",),
    ("sources",),
    ("silence", "list"),
    ("user", "list"),
    ("rules", "precision"),
    ("db", "current"),
]


@pytest.mark.both_databases
def test_read_only_commands_write_no_ddl(tmp_path: Path, statements: list[str]) -> None:
    config = str(write_config(tmp_path))
    url = store_url(tmp_path)
    for command in READ_ONLY:  # on a new database: refused, nothing created
        done = invoke(*command, "-c", config)
        assert done.code in (1, 2) and "warning db upgrade" in done.stderr + done.stdout, command
    assert not [s for s in statements if s.startswith(DDL)]
    if DATABASE.url:
        engine = engine_for(url)
        assert inspect(engine).get_table_names() == []
        engine.dispose()
    else:
        assert not (tmp_path / "warning.db").exists()

    make_old_store(url)  # on an old one: refused, nothing altered
    statements.clear()
    for command in READ_ONLY:
        done = invoke(*command, "-c", config)
        assert done.code in (1, 2) and "warning db upgrade" in done.stderr + done.stdout, command
    assert not [s for s in statements if s.startswith(DDL)]
    assert schema_of(url).standing == Standing.legacy

    assert invoke("db", "upgrade", "-c", config).code == 0  # on the newest: they work
    statements.clear()
    for command in READ_ONLY:
        done = invoke(*command, "-c", config)
        assert done.code == 0, (command, done.stderr)
    assert statements and not [s for s in statements if s.startswith(DDL)]


def test_a_command_that_writes_creates_a_new_database(tmp_path: Path) -> None:
    config = str(write_config(tmp_path))
    done = invoke("silence", "add", "-m", 'country="ML"', "--for", "1h", "-c", config)
    assert done.code == 0, done.stderr
    assert schema_of(store_url(tmp_path)).standing == Standing.current


def test_a_database_upgraded_by_a_newer_version_is_refused(tmp_path: Path) -> None:
    config = str(write_config(tmp_path))
    url = store_url(tmp_path)
    Store(url).close()
    with sqlite3.connect(tmp_path / "warning.db") as db:
        db.execute("UPDATE alembic_version SET version_num = '9999'")
    for command in (("run", "--once"), ("alerts",), ("db", "upgrade")):
        done = invoke(*command, "-c", config)
        assert done.code == 2 and "revision 9999" in done.stderr, command
    assert "not downgraded" in done.stderr


def test_a_url_without_its_driver_or_server_is_one_line_and_hides_the_password(
    tmp_path: Path,
) -> None:
    secret = "s3cr3t-pw"
    for url, why in [
        (f"mysql://ana:{secret}@127.0.0.1:3306/warning", "'MySQLdb', is not installed"),
        (f"oracle+nosuch://ana:{secret}@127.0.0.1/w", "can't load plugin"),
        (f"postgresql://ana:{secret}@127.0.0.1:{free_port()}/w", "cannot reach the database"),
    ]:
        config = str(write_config(tmp_path, database={"url": url}))
        for command in (("alerts",), ("run", "--once"), ("db", "upgrade"), ("check",)):
            done = invoke(*command, "-c", config)
            if command == ("check",) and "cannot reach" in why:
                continue  # check reads the config; it does not connect
            assert done.code == (1 if command == ("check",) else 2), (url, command, done.stdout)
            line = done.stderr.strip()
            assert len(line.splitlines()) == 1 and why in line, (command, line)
            assert secret not in done.stderr + done.stdout and "***" in line


@pytest.mark.both_databases
def test_a_database_one_revision_behind_is_refused_then_upgraded(tmp_path: Path) -> None:
    config = str(write_config(tmp_path))
    url = store_url(tmp_path)
    engine = engine_for(url)
    schema.upgrade(engine, "0001")  # the schema as the first versioned release left it
    engine.dispose()
    refused = invoke("run", "--once", "-c", config)
    assert refused.code == 2
    assert refused.stderr.strip() == (
        f"the database's schema is revision 0001, older than {HEAD}: back it up, then run "
        "`warning db upgrade`"
    )
    assert invoke("db", "upgrade", "-c", config).code == 0
    assert invoke("run", "--once", "-c", config).code == 0
    assert schema_of(url).standing == Standing.current
