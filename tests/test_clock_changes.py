"""Daylight saving: a session time that does not exist, or occurs twice, on a clock-change day.

The rule (ketplan/core/plan.py `local_start`, README "How ketplan plan lays out a course"): a
wall time that does not exist (clocks go forward) moves forward by the gap (02:30 -> 03:30);
a wall time that occurs twice (clocks go back) is the first occurrence. Whenever the rule is
used, the session says so in a note and the plan in a warning, in every output format.
"""

from __future__ import annotations

import json
from datetime import UTC, date, time

import pytest
from typer.testing import CliRunner

from ketplan.cli import app
from ketplan.core.plan import PlanRequest, build_plan
from ketplan.core.schedule import ClinicCalendar
from ketplan.io.catalog import load_protocol

TRD = load_protocol("esketamine-trd")
OPEN = ClinicCalendar(closed_weekdays=frozenset())
SUN, WED = 6, 2


def sunday_plan(start: str, at: time, zone: str):
    """Esketamine on Sundays and Wednesdays, the clinic open every day: session 1 on `start`."""
    return build_plan(
        PlanRequest(
            protocol=TRD,
            start=date.fromisoformat(start),
            timezone=zone,
            time=at,
            weekdays=(SUN, WED),
            weeks=2,
            calendar=OPEN,
        )
    )


def clock_notes(session) -> list[str]:
    return [n for n in session.notes if "(clocks go" in n]


def test_a_time_that_does_not_exist_moves_forward_and_says_so():
    plan = sunday_plan("2027-03-28", time(2, 30), "Europe/Brussels")
    s1 = plan.sessions[0]
    assert s1.start.isoformat() == "2027-03-28T03:30:00+02:00"
    assert clock_notes(s1) == [
        "02:30 does not exist on 2027-03-28 in Europe/Brussels (clocks go forward): starts 03:30 (UTC+02:00), "
        "moved forward by the gap"
    ]
    assert all(not clock_notes(s) for s in plan.sessions[1:])
    warning = next(w for w in plan.warnings if w.startswith("Clock change"))
    assert "--time 02:30" in warning and "Europe/Brussels" in warning and "session(s) 1." in warning
    assert "moves forward by the gap" in warning and "first occurrence" in warning


def test_a_time_that_occurs_twice_is_the_first_occurrence_and_says_so():
    plan = sunday_plan("2027-10-31", time(2, 30), "Europe/Brussels")
    s1 = plan.sessions[0]
    assert s1.start.isoformat() == "2027-10-31T02:30:00+02:00"
    assert s1.start.astimezone(UTC).isoformat() == "2027-10-31T00:30:00+00:00"
    assert clock_notes(s1) == [
        "02:30 occurs twice on 2027-10-31 in Europe/Brussels (clocks go back): starts at the first 02:30 (UTC+02:00)"
    ]
    assert any(w.startswith("Clock change: --time 02:30") for w in plan.warnings)


@pytest.mark.parametrize(
    "start, at, zone, begins, fragment",
    [
        ("2027-03-14", time(2, 30), "America/New_York", "2027-03-14T03:30:00-04:00", "does not exist"),
        ("2027-11-07", time(1, 30), "America/New_York", "2027-11-07T01:30:00-04:00", "occurs twice"),
        # Chile changes at midnight: 00:30 does not exist on the spring day.
        ("2026-09-06", time(0, 30), "America/Santiago", "2026-09-06T01:30:00-03:00", "does not exist"),
        # Lord Howe Island moves its clocks by 30 minutes: the gap is 30 minutes, not an hour.
        ("2026-10-04", time(2, 15), "Australia/Lord_Howe", "2026-10-04T02:45:00+11:00", "starts 02:45"),
        ("2027-04-04", time(1, 30), "Australia/Lord_Howe", "2027-04-04T01:30:00+11:00", "occurs twice"),
    ],
)
def test_other_zones_follow_the_same_rule(start, at, zone, begins, fragment):
    s1 = sunday_plan(start, at, zone).sessions[0]
    assert s1.start.isoformat() == begins
    assert len(clock_notes(s1)) == 1 and fragment in clock_notes(s1)[0]


def test_a_day_the_zone_skipped_entirely_is_named_with_its_date():
    """Samoa skipped 30 December 2011: the session starts the next calendar day, and says so."""
    plan = build_plan(
        PlanRequest(protocol=TRD, start=date(2011, 12, 27), timezone="Pacific/Apia", weekdays=(1, 4), weeks=2)
    )
    s = next(s for s in plan.sessions if s.date == date(2011, 12, 30))
    assert s.start.isoformat() == "2011-12-31T09:00:00+14:00"
    assert "starts 2011-12-31 09:00" in clock_notes(s)[0]


@pytest.mark.parametrize("at", [time(9, 0), time(1, 30), time(3, 0), time(0, 0)])
def test_ordinary_times_carry_no_note(at):
    """09:00 always exists; 01:30 and 03:00 exist on the Brussels spring day (01:30 spans the change)."""
    plan = sunday_plan("2027-03-28", at, "Europe/Brussels")
    assert all(not clock_notes(s) for s in plan.sessions)
    assert not any(w.startswith("Clock change") for w in plan.warnings)


def test_a_long_plan_at_0900_across_both_changes_has_no_clock_note():
    plan = build_plan(
        PlanRequest(
            protocol=TRD,
            start=date(2027, 1, 5),
            timezone="Europe/Brussels",
            weeks=52,
            every_weeks=1,
            weekdays=(SUN, WED),
            calendar=OPEN,
        )
    )
    assert all(not clock_notes(s) for s in plan.sessions)


ARGS = [
    "plan",
    "--route",
    "intranasal",
    "--start",
    "2027-03-28",
    "--days",
    "sun,wed",
    "--closed",
    "none",
    "--tz",
    "Europe/Brussels",
    "--time",
    "02:30",
    "--weeks",
    "2",
]
ENV = {"NO_COLOR": "1", "COLUMNS": "120", "SOURCE_DATE_EPOCH": "1798761600"}


def test_json_carries_the_note_and_the_warning():
    result = CliRunner().invoke(app, [*ARGS, "--format", "json"], env=ENV)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    s1 = doc["sessions"][0]
    assert s1["start"] == "2027-03-28T03:30:00+02:00"
    assert any("02:30 does not exist on 2027-03-28" in n for n in s1["notes"])
    assert any(w.startswith("Clock change: --time 02:30") for w in doc["warnings"])


def test_the_table_and_the_calendar_file_show_the_note():
    table = CliRunner().invoke(app, ARGS, env=ENV)
    assert table.exit_code == 0, table.stderr
    assert (
        "* 1: 02:30 does not exist on 2027-03-28 in Europe/Brussels (clocks go forward): starts 03:30" in table.stdout
    )
    assert any(line.lstrip().startswith("1*   2027-03-28") for line in table.stdout.splitlines())  # the row is marked
    ics = CliRunner().invoke(app, [*ARGS, "--format", "ics"], env=ENV)
    assert ics.exit_code == 0, ics.stderr
    unfolded = ics.stdout.replace("\r\n ", "").replace("\n ", "")
    assert "02:30 does not exist on 2027-03-28 in Europe/Brussels (clocks go forward)" in unfolded.replace("\\,", ",")
