"""The storage contract on PostgreSQL (a real, throw-away server: tests/pg_server.py), plus what only
the server backend does: its triggers, its migrations under an advisory lock, the row lock that
serialises writers, and passwords kept out of what is shown."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import date

import pytest
from store_contract import *  # noqa: F403 (the contract's tests run here)
from store_contract import T0, _course

from ketplan.core.course import NewEntry
from ketplan.io.store import migrations, open_store
from ketplan.io.store.base import Revision, StoreError


@pytest.fixture
def make_store(pg_url):
    opened = []

    def make(create: bool = True):
        store = open_store(pg_url, create=create)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def test_the_backend_is_postgresql(make_store):
    store = make_store()
    assert store.backend == "postgresql"
    assert type(store).__name__ == "PostgresStore"


def test_entries_cannot_be_updated_or_deleted_and_courses_never_updated(make_store):
    import psycopg

    store = make_store()
    with store.transaction(write=True):
        store.create_course(_course())
        store.append_entry("c0ffee0000000001", NewEntry("missed", {}, 1, None), T0)
        store.add_revision("c0ffee0000000001", Revision(1, 1, T0, {"r": 1}))
    for sql in (
        "UPDATE entries SET kind = 'given'",
        "DELETE FROM entries",
        "UPDATE revisions SET plan = '{}'",
        "UPDATE courses SET label = 'P99'",
    ):
        with pytest.raises(psycopg.errors.RestrictViolation, match="append-only"), store.transaction(write=True):
            store.connection.execute(sql)
    with store.transaction(write=False):
        assert [e.kind for e in store.entries_for("c0ffee0000000001")] == ["missed"]
        assert store.get_course("P01") is not None
    with store.transaction(write=True):  # deleting the whole course (import --replace) is allowed
        store.delete_course("c0ffee0000000001")
    with store.transaction(write=False):
        assert store.get_course("P01") is None and store.entries_for("c0ffee0000000001") == []


def test_quotes_and_semicolons_are_data_not_sql(make_store):
    store = make_store()
    label = "O'Hara; DROP TABLE courses;--"
    with store.transaction(write=True):
        store.create_course(_course(label))
        store.append_entry(
            "c0ffee0000000001",
            NewEntry("given", {"note": "it's 50%; DELETE FROM entries; $$ \\' %s"}, 1, date(2026, 12, 1), "A'B"),
            T0,
        )
    with store.transaction(write=False):
        assert store.get_course(label).label == label
        (entry,) = store.entries_for("c0ffee0000000001")
        assert entry.payload["note"] == "it's 50%; DELETE FROM entries; $$ \\' %s" and entry.by == "A'B"
        assert [row.label for row in store.list_courses()] == [label]


def test_lookups_use_indexes(make_store):
    store = make_store()
    store.connection.execute("SET enable_seqscan = off")  # tiny tables: ask whether an index *can* serve
    for sql in (
        "SELECT * FROM courses WHERE label = 'P01'",
        "SELECT * FROM entries WHERE course_id = 'x' ORDER BY seq",
        "SELECT * FROM revisions WHERE course_id = 'x' ORDER BY revision DESC LIMIT 1",
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM entries WHERE course_id = 'x'",
    ):
        plan = " ".join(row[0] for row in store.connection.execute("EXPLAIN " + sql))
        assert "Index" in plan and "Seq Scan" not in plan, (sql, plan)


def test_list_is_in_the_same_order_as_sqlite(make_store):
    store = make_store()
    labels = ["b", "B", "a-2", "A_1", "é", "Z"]
    with store.transaction(write=True):
        for i, label in enumerate(labels):
            store.create_course(_course(label, f"c0ffee{i:010d}"))
    with store.transaction(write=False):
        assert [r.label for r in store.list_courses()] == sorted(labels)  # code point order, like SQLite's BINARY


def test_a_writer_waits_for_the_course_row_lock_and_then_numbers_after_it(make_store):
    first, second = make_store(), make_store()
    with first.transaction(write=True):
        first.create_course(_course())
    seqs = []
    with first.transaction(write=True):
        first.get_course("P01")  # takes the row lock
        seqs.append(first.append_entry("c0ffee0000000001", NewEntry("missed", {}, 1, None), T0).seq)

        def other():
            with second.transaction(write=True):
                course = second.get_course("P01")  # blocks until `first` commits
                seqs.append(second.append_entry(course.id, NewEntry("missed", {}, 2, None), T0).seq)

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive(), "the second writer did not wait for the row lock"
    thread.join(10)
    assert seqs == [1, 2]


def test_a_lock_held_too_long_is_one_clear_error(make_store, monkeypatch):
    monkeypatch.setenv("KETPLAN_DB_TIMEOUT", "0.3")
    first = make_store()
    with first.transaction(write=True):
        first.create_course(_course())
    second = make_store()
    with first.transaction(write=True):
        first.get_course("P01")
        locked = r"locked by another workstation .*waited 0.3 s.*nothing was changed"
        with pytest.raises(StoreError, match=locked), second.transaction(write=True):
            second.get_course("P01")


def test_a_fresh_database_is_set_up_only_when_creating(pg_url):
    with pytest.raises(StoreError, match="no ketplan treatment store yet: run 'ketplan db migrate'"):
        open_store(pg_url, create=False)
    store = open_store(pg_url, create=True)
    try:
        assert store.schema_version() == migrations.CURRENT
        assert store.migrated_from == 0
    finally:
        store.close()


def _at_version(pg_cluster, url: str, version: int) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        connection.execute("INSERT INTO schema_version VALUES (0)")
        for number in range(1, version + 1):
            for statement in migrations.MIGRATIONS[number - 1] + migrations.POSTGRES_EXTRA.get(number, ()):
                connection.execute(statement)
        connection.execute("UPDATE schema_version SET version = %s", (version,))
        if version >= 1:
            connection.execute(
                "INSERT INTO courses VALUES ('c1', 'P01', 'esketamine-trd', '{}', '2026-12-01T09:00:00Z')"
            )


@pytest.mark.parametrize("version", range(1, migrations.CURRENT))
def test_an_older_schema_needs_db_migrate_then_migrates(pg_cluster, pg_url, version):
    _at_version(pg_cluster, pg_url, version)
    with pytest.raises(StoreError, match=rf"has schema {version} .*run 'ketplan db migrate'"):
        open_store(pg_url, create=True)
    store = open_store(pg_url, create=False, migrate=True)
    try:
        assert (store.migrated_from, store.schema_version()) == (version, migrations.CURRENT)
        with store.transaction(write=False):
            assert [row.label for row in store.list_courses()] == ["P01"]
    finally:
        store.close()


def test_a_database_from_a_newer_ketplan_is_refused_unchanged(pg_cluster, pg_url):
    import psycopg

    _at_version(pg_cluster, pg_url, migrations.CURRENT)
    with psycopg.connect(pg_url, autocommit=True) as connection:
        connection.execute("UPDATE schema_version SET version = 99")
    for migrate in (False, True):
        with pytest.raises(StoreError, match="newer ketplan"):
            open_store(pg_url, create=True, migrate=migrate)
    with psycopg.connect(pg_url, autocommit=True) as connection:
        assert connection.execute("SELECT version FROM schema_version").fetchone() == (99,)


def test_a_failed_migration_leaves_nothing_behind(pg_url, monkeypatch):
    import psycopg

    broken = (*migrations.MIGRATIONS, ("CREATE TABLE extra (x INTEGER)", "SELECT no_such_function()"))
    monkeypatch.setattr(migrations, "MIGRATIONS", broken)
    monkeypatch.setattr(migrations, "CURRENT", len(broken))
    with pytest.raises(StoreError):
        open_store(pg_url, create=True)
    with psycopg.connect(pg_url, autocommit=True) as connection:
        tables = connection.execute("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()").fetchone()
    assert tables == (0,)  # not even schema_version: DDL is transactional


MIGRATE = """
import sys
from ketplan.io.store import open_store
store = open_store(sys.argv[1], create=True, migrate=True)
print(store.migrated_from, store.schema_version())
"""


def test_eight_workstations_migrating_at_once_all_succeed_once(pg_url):
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE, pg_url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(8)
    ]
    results = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0] * 8, results
    # exactly one did the work; the others found it done (under the lock, or already when they connected)
    starts = [out.split()[0] for out, _ in results]
    assert starts.count("0") == 1 and set(starts) <= {"0", "None", str(migrations.CURRENT)}, starts
    assert {out.split()[1] for out, _ in results} == {str(migrations.CURRENT)}


def test_the_password_is_never_shown(pg_cluster):
    from ketplan.io.store.postgres import redact

    url = pg_cluster.tcp_url("postgres", "ketplan_admin", "wrong;pass'word")
    with pytest.raises(StoreError) as caught:
        open_store(url, create=False)
    message = caught.value.message
    assert "wrong;pass" not in message and "pass%27word" not in message
    assert "wrong or missing password" in message and "ketplan_admin@127.0.0.1" in message
    assert redact("postgresql://u:p%40ss@h:5/d?sslmode=require&password=x") == "postgresql://u@h:5/d?sslmode=require"
    assert redact("postgresql://h/d") == "postgresql://h/d"
