"""The storage contract on SQLite, plus what only SQLite does (file modes, triggers, migrations)."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest
from store_contract import *  # noqa: F403 (the contract's tests run here)
from store_contract import T0, _course

from ketplan.io.store import migrations
from ketplan.io.store.base import StoreError
from ketplan.io.store.sqlite import SQLiteStore


@pytest.fixture
def make_store(tmp_path):
    opened = []

    def make(create: bool = True):
        store = SQLiteStore.open(str(tmp_path / "store" / "ketplan.db"), create=create)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def test_new_store_folder_0700_file_0600(tmp_path, make_store):
    make_store()
    folder = tmp_path / "store"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "ketplan.db").stat().st_mode) == 0o600


def test_wal_and_foreign_keys(make_store):
    store = make_store()
    assert store.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"), store.transaction(write=True):
        store.connection.execute(
            "INSERT INTO entries (course_id, seq, kind, payload, recorded_at) VALUES ('nope', 1, 'x', '{}', 'now')"
        )


def test_entries_cannot_be_updated_or_deleted(make_store):
    store = make_store()
    from ketplan.core.course import NewEntry

    with store.transaction(write=True):
        store.create_course(_course())
        store.append_entry("c0ffee0000000001", NewEntry("missed", {}, 1, None), T0)
    for sql in ("UPDATE entries SET kind = 'given'", "DELETE FROM entries"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"), store.transaction(write=True):
            store.connection.execute(sql)
    with store.transaction(write=False):
        assert [e.kind for e in store.entries_for("c0ffee0000000001")] == ["missed"]


def test_status_queries_use_indexes_not_scans(make_store):
    store = make_store()
    for sql, args in (
        ("SELECT * FROM courses WHERE label = ?", ("P01",)),
        ("SELECT * FROM entries WHERE course_id = ? ORDER BY seq", ("x",)),
        ("SELECT * FROM revisions WHERE course_id = ? ORDER BY revision DESC LIMIT 1", ("x",)),
        ("SELECT COALESCE(MAX(seq), 0) + 1 FROM entries WHERE course_id = ?", ("x",)),
    ):
        plan = " ".join(row[-1] for row in store.connection.execute("EXPLAIN QUERY PLAN " + sql, args))
        assert "USING" in plan and "SCAN" not in plan.replace("USING COVERING INDEX", ""), (sql, plan)


def _make_version(path, version: int) -> None:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    connection.execute("INSERT INTO schema_version VALUES (0)")
    for number in range(1, version + 1):
        for statement in migrations.MIGRATIONS[number - 1] + migrations.SQLITE_EXTRA.get(number, ()):
            connection.execute(statement)
    connection.execute("UPDATE schema_version SET version = ?", (version,))
    connection.commit()
    connection.close()


@pytest.mark.parametrize("version", range(migrations.CURRENT))
def test_migrates_from_every_earlier_version(tmp_path, version):
    path = tmp_path / "old.db"
    if version:
        _make_version(path, version)
        if version >= 1:
            connection = sqlite3.connect(path)
            connection.execute(
                "INSERT INTO courses VALUES ('c1', 'P01', 'esketamine-trd', '{}', '2026-12-01T09:00:00Z')"
            )
            connection.commit()
            connection.close()
    store = SQLiteStore.open(str(path), create=True)
    try:
        assert store.schema_version() == migrations.CURRENT
        with store.transaction(write=False):
            labels = [row.label for row in store.list_courses()]
        assert labels == (["P01"] if version else [])
    finally:
        store.close()


def test_a_store_from_a_newer_ketplan_is_refused_unchanged(tmp_path):
    path = tmp_path / "new.db"
    _make_version(path, migrations.CURRENT)
    connection = sqlite3.connect(path)
    connection.execute("UPDATE schema_version SET version = 99")
    connection.execute("PRAGMA journal_mode = DELETE")
    connection.commit()
    connection.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer ketplan"):
        SQLiteStore.open(str(path), create=False)
    assert path.read_bytes() == before
    assert not os.path.exists(str(path) + "-wal")
