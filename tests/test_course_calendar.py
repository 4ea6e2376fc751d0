"""Course calendars that update: the same UID for the same session, SEQUENCE and DTSTAMP raised when a
session changes, STATUS:CANCELLED for one that no longer exists, given sessions marked given.

Checked with a second, independent iCalendar parser (vobject; ketplan writes with icalendar) and with
a real calendar program (khal; skipped when it is not installed).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from test_khal import KHAL, Khal

from ketplan.cli import app

vobject = pytest.importorskip("vobject", reason="vobject (the independent parser) is in the test extra")

NEW = [
    "--route",
    "intranasal",
    "--start",
    "2026-12-01",
    "--days",
    "tue,fri",
    "--tz",
    "Europe/Brussels",
    "--weeks",
    "20",
]


class Course:
    def __init__(self, runner, tmp_path: Path):
        self.runner, self.tmp, self.db = runner, tmp_path, tmp_path / "ketplan.db"

    def __call__(self, *args: str, now: str = "2026-12-20T10:00:00Z"):
        env = {"KETPLAN_DB": str(self.db), "KETPLAN_NOW": now, "TZ": "UTC"}
        result = self.runner.invoke(app, ["course", *args], env=env)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result

    def ics(self, name: str, label: str = "P01", now: str = "2026-12-20T10:00:00Z") -> Path:
        path = self.tmp / name
        self("show", label, "--format", "ics", "--output", str(path), now=now)
        return path


def events(path: Path) -> dict[str, dict]:
    """UID -> the fields that matter, read by vobject."""
    calendar = vobject.readOne(path.read_text(encoding="utf-8"))
    out = {}
    for event in calendar.vevent_list:
        uid = event.uid.value
        assert uid not in out, f"UID {uid} twice in one file"
        out[uid] = {
            "sequence": int(event.sequence.value),
            "dtstamp": event.dtstamp.value,
            "start": event.dtstart.value,
            "summary": event.summary.value,
            "status": event.status.value,
        }
    return out


@pytest.fixture
def course(runner, tmp_path):
    c = Course(runner, tmp_path)
    c("new", "P01", *NEW, "--every", "1")
    return c


def test_record_and_replan_update_events_instead_of_duplicating(course):
    v1 = events(course.ics("v1.ics"))
    course("record", "P01", "--session", "1", "--given", now="2026-12-20T10:01:00Z")
    course("record", "P01", "--session", "2", "--missed", now="2026-12-20T10:05:00Z")
    course("replan", "P01", "--from", "2026-12-21", "--every", "2", now="2026-12-20T10:10:00Z")
    v2 = events(course.ics("v2.ics"))
    assert set(v1) <= set(v2), "a session disappeared from the calendar instead of being cancelled"
    by_start = {e["start"]: uid for uid, e in v1.items()}
    unchanged = [u for u in v1 if v1[u] == v2[u]]
    changed = [u for u in v1 if v1[u] != v2[u]]
    assert unchanged and changed
    for uid in changed:
        assert v2[uid]["sequence"] > v1[uid]["sequence"]
        assert v2[uid]["dtstamp"] > v1[uid]["dtstamp"]
    first, second = (by_start[s] for s in sorted(by_start)[:2])
    assert v2[first]["summary"].startswith("GIVEN: ") and v2[first]["status"] == "CONFIRMED"
    assert v2[second]["summary"].startswith("MISSED: ")
    cancelled = [u for u, e in v2.items() if e["status"] == "CANCELLED"]
    assert cancelled and all(u in v1 for u in cancelled)  # every 2 weeks instead of weekly: fewer sessions
    assert all(v2[u]["sequence"] == v1[u]["sequence"] + 1 for u in cancelled)
    # nothing changed since: the same bytes again (DTSTAMP comes from the record, not the clock)
    assert course.ics("v3.ics", now="2027-02-01T08:00:00Z").read_bytes() == (course.tmp / "v2.ics").read_bytes()


def test_two_courses_never_share_a_uid(course):
    course("new", "P02", *NEW, "--every", "1")  # same protocol, start and options
    one, two = events(course.ics("p1.ics")), events(course.ics("p2.ics", label="P02"))
    assert len(one) == len(two) and not set(one) & set(two)


def test_uids_survive_export_and_import(course, runner, tmp_path):
    before = events(course.ics("before.ics"))
    dump = tmp_path / "dump.json"
    course("export", "P01", "--output", str(dump))
    other = Course(runner, tmp_path / "other")
    (tmp_path / "other").mkdir()
    other("import", str(dump))
    assert events(other.ics("after.ics")) == before


@pytest.mark.skipif(KHAL is None, reason="khal is not installed (pip install khal)")
def test_khal_import_record_replan_reimport_no_duplicate_no_loss(course, tmp_path):
    khal = Khal(tmp_path, "Europe/Brussels")
    first = course.ics("k1.ics")
    khal.import_file(first)
    assert khal.stored_events() == len(events(first))
    for n in (1, 2, 3):
        course("record", "P01", "--session", str(n), "--given")
    course("record", "P01", "--session", "4", "--missed")
    course("replan", "P01", "--make-up")
    second = course.ics("k2.ics")
    khal.import_file(second)
    latest = events(second)
    assert khal.stored_events() == len(latest)  # one stored event per UID: updated, not duplicated
    status = json.loads(course("status", "P01", "--format", "json").stdout)
    listing = khal.list(date(2026, 11, 24), date(2027, 5, 1))
    titles = Counter(row[3] for row in listing)
    assert all(count == 1 for count in titles.values()), [t for t, c in titles.items() if c > 1]
    for session in status["sessions"]:
        shown = [row for row in listing if row[0] == session["date"] and row[1]]
        assert len(shown) == 1, (session, shown)  # every session, given, missed or planned, is there once
    assert any(row[3].startswith("GIVEN: ") for row in listing)
    assert any(row[3].startswith("MISSED: ") for row in listing)
