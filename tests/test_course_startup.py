"""`course record`, `course status` and `course list` start fast: they read the stored plan revision and
import nothing heavy (no protocol models or plan builder, no icalendar, holidays or rich)."""

from __future__ import annotations

import pytest
from test_startup import loaded

from ketplan.cli import app

HEAVY = {"icalendar", "holidays", "rich.table", "rich.console", "ketplan.core.protocol", "ketplan.core.plan", "tomllib"}


@pytest.fixture
def store(runner, tmp_path, monkeypatch):
    db = tmp_path / "ketplan.db"
    monkeypatch.setenv("KETPLAN_DB", str(db))
    monkeypatch.setenv("KETPLAN_NOW", "2027-01-20T10:00:00Z")
    created = runner.invoke(
        app, ["course", "new", "P01", "--route", "intranasal", "--start", "2026-12-01", "--tz", "UTC"]
    )
    assert created.exit_code == 0, created.stderr
    return db


@pytest.mark.parametrize(
    "args",
    [
        ["course", "record", "P01", "--session", "1", "--given"],
        ["course", "status", "P01"],
        ["course", "status", "P01", "--format", "json"],
        ["course", "list"],
        ["course", "log", "P01"],
    ],
)
def test_everyday_course_commands_import_nothing_heavy(store, args):
    report = loaded(*args)
    assert report["code"] == 0
    assert HEAVY & report["modules"] == set()


def test_plain_commands_do_not_import_the_store(store):
    report = loaded("dose", "--weight", "70kg", "--format", "json")
    assert not {m for m in report["modules"] if m.startswith("ketplan.io.store") or m == "sqlite3"}
