"""The storage contract every backend passes (SQLite: test_store_sqlite.py; PostgreSQL: add a module
with its own `make_store` fixture and `from store_contract import *`).

`make_store(create=True)` returns an open Store on a fresh, empty database for the test; calling it
again returns another connection to the same database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ketplan.core.course import Entry, NewEntry, Summary
from ketplan.io.store.base import CourseRecord, Revision, StoreError

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _course(label: str = "P01", course_id: str = "c0ffee0000000001") -> CourseRecord:
    return CourseRecord(course_id, label, "esketamine-trd", {"route": "intranasal", "start": "2026-12-01"}, T0)


def _plan() -> dict:
    return {"sessions": [], "note": "opaque to the store"}


def test_contract_create_get_and_list(make_store):
    store = make_store()
    with store.transaction(write=True):
        store.create_course(_course())
        store.add_revision("c0ffee0000000001", Revision(1, None, T0, _plan()))
    with store.transaction(write=False):
        got = store.get_course("P01")
        assert got == _course()
        assert store.get_course("P02") is None
        assert store.get_course_by_id("c0ffee0000000001") == _course()
        rows = store.list_courses()
    assert [(r.label, r.protocol_id, r.timezone) for r in rows] == [("P01", "esketamine-trd", None)]
    assert rows[0].summary is None
    assert got.created_at.tzinfo is not None


def test_contract_label_is_unique(make_store):
    store = make_store()
    with store.transaction(write=True):
        store.create_course(_course())
    with pytest.raises(StoreError), store.transaction(write=True):
        store.create_course(_course(course_id="c0ffee0000000002"))


def test_contract_append_numbers_entries_per_course_and_keeps_everything(make_store):
    store = make_store()
    with store.transaction(write=True):
        store.create_course(_course())
        store.create_course(_course("P02", "c0ffee0000000002"))
        a = store.append_entry("c0ffee0000000001", NewEntry("given", {"dose_mg": 56.0}, 1, date(2026, 12, 1), "AB"), T0)
        b = store.append_entry("c0ffee0000000002", NewEntry("missed", {}, 1, date(2026, 12, 1)), T0)
        c = store.append_entry(
            "c0ffee0000000001",
            NewEntry("given", {"dose_mg": 84.0, "note": "x'; DROP TABLE entries;--"}, 1, date(2026, 12, 1), corrects=1),
            T0 + timedelta(minutes=1),
        )
    assert (a.seq, b.seq, c.seq) == (1, 1, 2)
    with store.transaction(write=False):
        entries = store.entries_for("c0ffee0000000001")
    assert [e.seq for e in entries] == [1, 2]
    assert entries[0] == Entry(1, "given", T0, {"dose_mg": 56.0}, "AB", None, 1, date(2026, 12, 1))
    assert entries[1].corrects == 1 and entries[1].payload["note"] == "x'; DROP TABLE entries;--"
    assert entries[1].recorded_at == T0 + timedelta(minutes=1)


def test_contract_a_failed_transaction_writes_nothing(make_store):
    store = make_store()
    with store.transaction(write=True):
        store.create_course(_course())
    with pytest.raises(RuntimeError), store.transaction(write=True):
        store.append_entry("c0ffee0000000001", NewEntry("given", {"dose_mg": 56.0}, 1, date(2026, 12, 1)), T0)
        raise RuntimeError("boom")
    with store.transaction(write=False):
        assert store.entries_for("c0ffee0000000001") == []


def test_contract_revisions_in_order(make_store):
    store = make_store()
    with store.transaction(write=True):
        store.create_course(_course())
        store.add_revision("c0ffee0000000001", Revision(1, 1, T0, {"r": 1}))
        store.add_revision("c0ffee0000000001", Revision(2, 5, T0 + timedelta(days=1), {"r": 2}))
    with store.transaction(write=False):
        assert store.latest_revision("c0ffee0000000001").plan == {"r": 2}
        assert [r.revision for r in store.revisions_for("c0ffee0000000001")] == [1, 2]
        assert store.latest_revision("nope") is None


def test_contract_summary_is_replaced(make_store):
    store = make_store()
    first = Summary(date(2026, 12, 1), date(2027, 5, 1), 1, 0, (date(2026, 12, 4), date(2026, 12, 8)))
    second = Summary(date(2026, 12, 1), date(2027, 5, 1), 2, 1, ())
    with store.transaction(write=True):
        store.create_course(_course())
        store.put_summary("c0ffee0000000001", first)
        store.put_summary("c0ffee0000000001", second)
    with store.transaction(write=False):
        assert store.list_courses()[0].summary == second


def test_contract_export_import_round_trip(make_store):
    store = make_store()
    with store.transaction(write=True):
        store.create_course(_course())
        store.append_entry("c0ffee0000000001", NewEntry("created", {"options": {}}), T0)
        store.append_entry("c0ffee0000000001", NewEntry("given", {"dose_mg": 56.0}, 1, date(2026, 12, 1), "AB"), T0)
        store.add_revision("c0ffee0000000001", Revision(1, 1, T0, {"r": 1}))
    with store.transaction(write=False):
        (document,) = list(store.export_courses(None))
    with store.transaction(write=True):
        store.delete_course("c0ffee0000000001")
        assert store.get_course("P01") is None
        assert store.entries_for("c0ffee0000000001") == []
        store.import_course(document)
    with store.transaction(write=False):
        again = list(store.export_courses(["P01"]))
    assert again == [document]


def test_contract_a_second_connection_sees_committed_writes(make_store):
    first = make_store()
    with first.transaction(write=True):
        first.create_course(_course())
        first.append_entry("c0ffee0000000001", NewEntry("missed", {}, 2, date(2026, 12, 4)), T0)
    second = make_store()
    with second.transaction(write=False):
        assert [e.kind for e in second.entries_for("c0ffee0000000001")] == ["missed"]


def test_contract_schema_version_is_current(make_store):
    from ketplan.io.store.migrations import CURRENT

    store = make_store()
    assert store.schema_version() == CURRENT
