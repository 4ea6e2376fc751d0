"""Chair load: peak concurrency from start times and lengths, capacity flags, --stagger that never
exceeds the chairs and says what it could not place, the bar chart, JSON, and the command."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from helpers import assert_refused
from hypothesis import given, settings
from hypothesis import strategies as st
from views_support import GOLDEN, check_golden, esketamine_plan, iv_plan

from ketplan.app.load import (
    ClinicHours,
    Visit,
    chair_load,
    load_from_roster,
    parse_step,
    peak_concurrency,
    visits_of,
)
from ketplan.cli import app
from ketplan.core.errors import InputError
from ketplan.export.load_view import bar, load_document, render_load

ROSTER = GOLDEN / "load-roster.csv"  # five esketamine patients and one IV, New York; one bad row
NY = ZoneInfo("America/New_York")


def visit(name: str, hh: int, mm: int, minutes: int, day: date = date(2026, 12, 1)) -> Visit:
    return Visit(name, 1, "esketamine-trd", datetime(day.year, day.month, day.day, hh, mm, tzinfo=NY), minutes)


def test_peak_is_computed_from_times_not_counted():
    # Three sessions on one day, but never more than two at once.
    visits = [visit("A", 9, 0, 125), visit("B", 10, 0, 125), visit("C", 11, 5, 125)]
    peak, at = peak_concurrency(visits)
    assert peak == 2
    assert at == datetime(2026, 12, 1, 10, 0, tzinfo=NY)


def test_a_chair_freed_at_a_time_takes_the_next_patient_at_that_time():
    assert peak_concurrency([visit("A", 9, 0, 125), visit("B", 11, 5, 125)])[0] == 1


def test_session_length_is_administration_plus_observation():
    plan = esketamine_plan(dose=84)
    minutes = {v.session: v.minutes for v in visits_of([("P01", plan)])}
    assert minutes[1] == 5 + 120  # 56 mg: two devices, one 5-minute rest
    assert minutes[3] == 10 + 120  # 84 mg: three devices
    iv = visits_of([("P02", iv_plan())])
    assert {v.minutes for v in iv} == {40 + 60}


def test_days_over_capacity_are_flagged():
    visits = [visit(name, 9, 0, 125) for name in "ABC"]
    report = chair_load(visits, ClinicHours(2))
    (day,) = report.days
    assert day.peak[0] == 3 and day.over_capacity
    assert report.over_days == [day]
    assert chair_load(visits, ClinicHours(3)).over_days == []


def test_chair_hours_over_the_day_are_flagged_even_when_staggered():
    # One chair, open 08:00-10:00 (2 chair-hours): two back-to-back 125-minute sessions need 4.2.
    visits = [visit("A", 8, 0, 125), visit("B", 10, 5, 125)]
    day = chair_load(visits, ClinicHours(1, time(8), time(10))).days[0]
    assert day.peak[0] == 1
    assert day.chair_minutes == 250 > day.capacity_minutes == 120
    assert day.over_capacity
    assert [v.id for v in day.outside_hours] == ["A", "B"]


def test_timeline_counts_patients_in_chairs_per_half_hour():
    visits = [visit("A", 9, 0, 125), visit("B", 10, 0, 60)]
    day = chair_load(visits, ClinicHours(2, time(8), time(12))).days[0]
    assert day.timeline() == [0, 0, 1, 1, 2, 2, 1, 0]  # A ends 11:05, B 11:00


def test_stagger_spreads_patients_and_keeps_each_one_time():
    plans = [(f"P{i}", esketamine_plan(label=f"P{i}")) for i in range(1, 5)]
    report = chair_load(visits_of(plans), ClinicHours(2, time(8), time(18)), stagger_minutes=30)
    assert not report.unplaced
    for day in report.days:
        assert day.peak[0] <= 2
        assert not day.outside_hours
    # Two patients keep 09:00; the other two get one later time each, the same on every day.
    times: dict[str, set[str]] = {}
    for day in report.days:
        for v in day.visits:
            times.setdefault(v.id, set()).add(v.start.strftime("%H:%M"))
    assert times["P1"] == {"09:00"} and times["P2"] == {"09:00"}
    assert times["P3"] == {"11:30"} and times["P4"] == {"11:30"}


def test_stagger_reports_what_it_cannot_place():
    visits = [visit(name, 9, 0, 125) for name in "ABCD"]
    report = chair_load(visits, ClinicHours(1, time(8), time(14)), stagger_minutes=30)
    placed = [(v.id, v.start.strftime("%H:%M")) for d in report.days for v in d.visits]
    # One chair, 08:00-14:00: 09:00-11:05 and 11:30-13:35; 08:00 would overlap 09:00.
    assert placed == [("A", "09:00"), ("B", "11:30")]
    assert {u.visit.id for u in report.unplaced} == {"C", "D"}
    assert all("chair" in u.reason for u in report.unplaced)
    text = render_load(report, width=100)
    assert "Could not be placed (2 session(s)):" in text
    assert "NOT PLACED" in text


@settings(max_examples=60, deadline=None)
@given(
    starts=st.lists(
        st.tuples(st.integers(6, 16), st.sampled_from([0, 15, 30, 45]), st.sampled_from([65, 100, 125, 130])),
        min_size=1,
        max_size=14,
    ),
    chairs=st.integers(1, 4),
    step=st.sampled_from([15, 30, 60]),
)
def test_stagger_never_exceeds_the_chairs_nor_the_hours(starts, chairs, step):
    visits = [visit(f"R{i}", h, m, minutes) for i, (h, m, minutes) in enumerate(starts)]
    hours = ClinicHours(chairs, time(8), time(17))
    report = chair_load(visits, hours, stagger_minutes=step)
    placed = [v for d in report.days for v in d.visits]
    assert len(placed) + len(report.unplaced) == len(visits)  # nothing dropped silently
    for day in report.days:
        assert day.peak[0] <= chairs
        assert not day.outside_hours


def test_window_and_bad_values():
    visits = visits_of([("P1", esketamine_plan())])
    report = chair_load(visits, ClinicHours(2), first=date(2026, 12, 3), last=date(2026, 12, 9))
    assert [d.day for d in report.days] == [date(2026, 12, 4), date(2026, 12, 8)]
    with pytest.raises(InputError):
        chair_load(visits, ClinicHours(2), first=date(2026, 12, 9), last=date(2026, 12, 3))
    with pytest.raises(InputError):
        ClinicHours(0)
    with pytest.raises(InputError):
        ClinicHours(2, time(17), time(8))
    assert parse_step("30m") == 30 and parse_step("1h") == 60 and parse_step("1h30m") == 90 and parse_step("45") == 45
    for bad in ("", "0m", "5h", "soon", "-30m"):
        with pytest.raises(InputError):
            parse_step(bad)


def test_bar():
    assert bar(3, 4) == "###."
    assert bar(6, 4) == "####!!"
    assert len(bar(40, 60)) == 30  # scaled


def _report(stagger=None):
    return load_from_roster(
        str(ROSTER),
        ClinicHours(3, time(8), time(17)),
        default_zone="UTC",
        first=date(2026, 12, 1),
        last=date(2026, 12, 31),
        stagger_minutes=stagger,
    )


def test_golden_load_table():
    check_golden("load-table.txt", render_load(_report(), width=80))


def test_golden_load_staggered_table():
    check_golden("load-stagger-table.txt", render_load(_report(30), width=80))


def test_golden_load_json():
    check_golden("load.json", json.dumps(load_document(_report(30)), indent=2) + "\n")


def test_table_fits_80_columns_and_reads_without_colour():
    import re

    plain = render_load(_report(), width=80)
    coloured = render_load(_report(), width=80, colour=True)
    assert "\x1b[" in coloured and "\x1b" not in plain
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain
    assert max(len(line) for line in plain.splitlines()) <= 80


def test_roster_errors_are_reported():
    report = _report()
    assert [(line, row_id) for line, row_id, _ in report.errors] == [(8, "BAD")]


# --------------------------------------------------------------------------- the command


def test_clinic_load_command(runner):
    result = runner.invoke(
        app,
        [
            "clinic",
            "load",
            "--roster",
            str(ROSTER),
            "--chairs",
            "3",
            "--opens",
            "08:00",
            "--closes",
            "17:00",
            "--from",
            "2026-12-01",
            "--to",
            "2026-12-31",
        ],
    )
    assert result.exit_code == 2  # one roster row failed
    assert result.stdout == render_load(_report(), width=80)
    assert result.stderr.startswith("ketplan: error: 1 roster row(s) could not be planned")


def test_clinic_load_json_command(runner, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("\n".join(ROSTER.read_text().splitlines()[:-1]) + "\n")
    result = runner.invoke(
        app,
        [
            "clinic",
            "load",
            "--roster",
            str(good),
            "--chairs",
            "3",
            "--format",
            "json",
            "--stagger",
            "30m",
            "--to",
            "2026-12-08",
        ],
    )
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["stagger"]["step_minutes"] == 30
    assert document["hours_are_ketplan_default"] is True
    assert all(day["peak"] <= 3 for day in document["days"])


@pytest.mark.parametrize(
    "args, field",
    [
        (["--chairs", "0"], "--chairs"),
        ([], "--chairs"),
        (["--chairs", "2", "--stagger", "soon"], "--stagger"),
        (["--chairs", "2", "--opens", "25:00"], "--opens"),
        (["--chairs", "2", "--from", "2026-12-09", "--to", "2026-12-01"], "--to"),
        (["--chairs", "2", "--format", "xml"], "--format"),
    ],
)
def test_clinic_load_refuses_bad_options(runner, args, field):
    result = runner.invoke(app, ["clinic", "load", "--roster", str(ROSTER), *args])
    assert field in assert_refused(result)


def test_clinic_load_missing_roster(runner, tmp_path):
    result = runner.invoke(app, ["clinic", "load", "--roster", str(tmp_path / "none.csv"), "--chairs", "2"])
    assert "no such file" in assert_refused(result)


def test_stagger_keeps_a_dst_day_in_local_time():
    day = date(2027, 3, 14)  # clocks go forward in New York at 02:00
    visits = [visit(n, 9, 0, 125, day) for n in "AB"]
    report = chair_load(visits, ClinicHours(1, time(8), time(18)), stagger_minutes=30)
    starts = sorted(v.start for d in report.days for v in d.visits)
    assert [s.strftime("%H:%M") for s in starts] == ["09:00", "11:30"]
    assert starts[1] - starts[0] == timedelta(hours=2, minutes=30)
    assert Path(ROSTER).exists()
