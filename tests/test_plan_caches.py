"""The per-process caches of planning (issue 12: a roster's planning cost per patient) never give a
stale or wrong result and stay bounded.

- ketplan.core.plan._session_times: a session's start, end and clock-change note, keyed on the day,
  the wall time, the zone and the session's length.
- ketplan.core.schedule._schedule: a course's session dates, keyed on the start, the weekdays, the
  phases, the clinic calendar (closed weekdays, closed dates with reasons, holiday lookup) and the
  horizon.
- ketplan.core.weekdays._weekday_pattern: the weekdays ketplan chooses, keyed on the start's weekday,
  the sessions a week, the minimum gap and the closed weekdays.
- ketplan.io.clinic_calendar.holiday_lookup: the holiday names read into a dict once per table.
- ketplan.io.catalog._shipped_dir: the shipped protocol folder, found once per process.

Each cached answer is checked against the computation it replaces, for rows that differ only in
what the cache keys on, in either order, with the cache cold and warm.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, datetime, time, timedelta

import holidays
import pytest

from ketplan.app.planning import PlanOptions, plan_from_text
from ketplan.core.errors import InputError
from ketplan.core.plan import PlanRequest, _session_times, add_minutes, build_plan, clock_change_note, local_start
from ketplan.core.schedule import ClinicCalendar, PhaseSpec, _schedule, schedule
from ketplan.core.weekdays import _weekday_pattern, choose_weekdays
from ketplan.core.zones import resolve_zone
from ketplan.io.catalog import load_protocol
from ketplan.io.clinic_calendar import clinic_calendar, holiday_lookup

TRD = load_protocol("esketamine-trd")
SUN, WED = 6, 2
# Brussels: clocks forward on 2027-03-28 (02:00 -> 03:00), back on 2027-10-31 (03:00 -> 02:00); New York:
# forward 2027-03-14, back 2027-11-07; Lord Howe changes by 30 minutes (2027-04-04, 2027-10-03).
ZONES = ("Europe/Brussels", "America/New_York", "Australia/Lord_Howe", "UTC")
TIMES = (time(1, 30), time(2, 30), time(9, 0))
CLOCK_CHANGE_SUNDAYS = ("2027-03-14", "2027-03-28", "2027-04-04", "2027-10-03", "2027-10-31", "2027-11-07")


def sunday_plan(start: str, at: time, zone: str, **changes):
    request = PlanRequest(
        protocol=TRD,
        start=date.fromisoformat(start),
        timezone=zone,
        time=at,
        weekdays=(SUN, WED),
        weeks=2,
        calendar=ClinicCalendar(closed_weekdays=frozenset()),
    )
    return build_plan(replace(request, **changes))


def uncached_times(session, at: time, zone: str):
    """What the sessions' times were before the cache: the DST rule applied afresh."""
    tz = resolve_zone(zone)
    start = local_start(session.date, at, tz)
    end = add_minutes(start, session.administration_minutes + session.observation_minutes)
    return start, end, clock_change_note(session.date, at, tz, start)


def check_times(plan, at: time, zone: str) -> None:
    for session in plan.sessions:
        start, end, note = uncached_times(session, at, zone)
        assert (session.start, session.end) == (start, end)
        assert session.start.tzinfo is end.tzinfo and session.start.fold == start.fold
        assert [n for n in session.notes if "(clocks go" in n] == ([note] if note else [])


@pytest.mark.parametrize("start", CLOCK_CHANGE_SUNDAYS)
def test_plans_that_differ_only_in_zone_or_time_each_get_their_own_times(start):
    """Same days, different zone or wall time: warm or cold cache, in either order, each plan has
    the instants and clock-change notes of its own zone and time."""
    combos = list(itertools.product(ZONES, TIMES))
    _session_times.cache_clear()
    cold = {}
    for zone, at in combos:
        _session_times.cache_clear()
        cold[zone, at] = sunday_plan(start, at, zone)
        check_times(cold[zone, at], at, zone)
    for order in (combos, combos[::-1]):
        for zone, at in order:
            warm = sunday_plan(start, at, zone)
            assert warm == cold[zone, at]
            check_times(warm, at, zone)
    starts = {(zone, at): cold[zone, at].sessions[0].start for zone, at in combos}
    assert len({s.utcoffset() for s in starts.values()}) > 1  # the zones really differ on these days


def test_plans_that_differ_only_in_session_length_get_their_own_end():
    """The same day, time and zone with a longer session (84 mg: three devices, 10 minutes more):
    the cache keys on the length, so each plan ends when its own session does."""
    short = sunday_plan("2027-03-28", time(1, 30), "Europe/Brussels", dose_mg=56)
    long = sunday_plan("2027-03-28", time(1, 30), "Europe/Brussels", dose_mg=84)
    again = sunday_plan("2027-03-28", time(1, 30), "Europe/Brussels", dose_mg=56)
    assert short == again
    for plan in (short, long):
        check_times(plan, time(1, 30), "Europe/Brussels")
    later = [s for s in long.sessions if s.administration_minutes != short.sessions[s.n - 1].administration_minutes]
    assert later and all(s.end > short.sessions[s.n - 1].end for s in later)


def test_a_time_with_fold_or_tzinfo_gives_the_times_of_the_plain_wall_time():
    """The key is the wall time without fold or tzinfo, which is all local_start uses of --time."""
    from datetime import UTC

    plain = sunday_plan("2027-10-31", time(2, 30), "Europe/Brussels")
    for at in (time(2, 30, fold=1), time(2, 30, tzinfo=UTC)):
        _session_times.cache_clear()
        other = sunday_plan("2027-10-31", at, "Europe/Brussels")
        assert [(s.start, s.end, s.notes) for s in other.sessions] == [
            (s.start, s.end, s.notes) for s in plain.sessions
        ]


def test_roster_rows_that_differ_only_in_tz_or_time_get_different_correct_plans():
    """Through plan_from_text, as a roster plans its rows one after the other in one process."""
    row = PlanOptions(
        route="intranasal",
        start="2027-03-28",
        days="sun,wed",
        tz="Europe/Brussels",
        time="02:30",
        weeks=2,
        closed="none",
    )
    rows = [row, replace(row, tz="America/New_York"), replace(row, time="09:00"), row]
    plans = [plan_from_text(replace(r, row_id=f"R{i}"), default_zone="UTC") for i, r in enumerate(rows)]
    assert plans[0].sessions[0].date == date(2027, 3, 28)
    assert plans[0].sessions[0].start.isoformat() == "2027-03-28T03:30:00+02:00"  # 02:30 does not exist
    assert plans[1].sessions[0].start.isoformat() == "2027-03-28T02:30:00-04:00"
    assert plans[2].sessions[0].start.isoformat() == "2027-03-28T09:00:00+02:00"
    assert [s.start for s in plans[3].sessions] == [s.start for s in plans[0].sessions]
    assert any("Clock change" in w for w in plans[0].warnings)
    assert not any("Clock change" in w for w in plans[1].warnings + plans[2].warnings)


# Zones whose clocks change at midnight (Havana, Santiago, Asia/Gaza), by 30 minutes (Lord Howe), twice a
# year around Ramadan (Casablanca), by 2 hours (Troll), or never (Kolkata).
EVERY_KIND_OF_ZONE = (
    "Europe/Brussels",
    "America/New_York",
    "Australia/Lord_Howe",
    "Africa/Casablanca",
    "America/Santiago",
    "America/Havana",
    "Asia/Gaza",
    "Antarctica/Troll",
    "Pacific/Chatham",
    "Asia/Kolkata",
)


@pytest.mark.parametrize("zone", EVERY_KIND_OF_ZONE)
def test_session_times_without_the_trip_through_utc_are_the_dst_rule_on_every_day(zone):
    """The ordinary-day shortcut of _session_times (uncached here) against local_start, add_minutes
    and clock_change_note: every day of 2026 (Casablanca's last clock changes in the tzdata release
    ketplan uses), a start every 15 minutes, sessions short and long enough to end across a change."""
    tz = resolve_zone(zone)
    compute = _session_times.__wrapped__
    starts = [time(h, m) for h in range(24) for m in (0, 15, 30, 45)]
    year = [date(2026, 1, 1) + timedelta(days=k) for k in range(365)]
    noon = [datetime.combine(day, time(12), tzinfo=tz).utcoffset() for day in year]
    # Two days either side of each clock change, and every fifth day.
    near = {k + j for k in range(1, 365) if noon[k] != noon[k - 1] for j in range(-3, 3)}
    changes = 0
    for day in (year[k] for k in range(365) if k in near or k % 5 == 0):
        for at in starts:
            for minutes in (125, 190):
                start = local_start(day, at, tz)
                expected = (start, add_minutes(start, minutes), clock_change_note(day, at, tz, start))
                got = compute(day, at, tz, minutes)
                assert got == expected, (day, at, minutes)
                assert [(t.tzinfo, t.fold) for t in got[:2]] == [(t.tzinfo, t.fold) for t in expected[:2]]
                changes += expected[2] is not None
    assert changes or zone == "Asia/Kolkata"


def test_the_session_times_cache_is_bounded():
    """A million-row roster over many zones, times and years keeps at most maxsize entries."""
    info = _session_times.cache_info()
    assert info.maxsize is not None and 0 < info.maxsize <= 100_000
    tz = resolve_zone("Europe/Brussels")
    day = date(2026, 1, 1)
    for k in range(info.maxsize + 500):
        _session_times(day + timedelta(days=k), time(9, 0), tz, 120)
    assert _session_times.cache_info().currsize == info.maxsize
    # An entry pushed out is computed again, the same.
    start, end, note = _session_times(day, time(9, 0), tz, 120)
    assert (start, end, note) == (local_start(day, time(9, 0), tz), add_minutes(start, 120), None)


# --- session dates -----------------------------------------------------------------------------------

INDUCTION = (PhaseSpec("induction", sessions_per_week=2, weeks=4), PhaseSpec("maintenance", interval_weeks=1))
EVERY_OTHER = (PhaseSpec("induction", sessions_per_week=2, weeks=4), PhaseSpec("maintenance", interval_weeks=2))
START = date(2026, 12, 1)  # a Tuesday
END = date(2027, 5, 31)


def calendars():
    """Calendars that differ in one thing each: closed weekdays, a closed date, its reason, holidays."""
    return {
        "weekend": clinic_calendar({5, 6}),
        "sundays": clinic_calendar({6}),
        "christmas week": clinic_calendar({5, 6}, [date(2026, 12, 22) + timedelta(days=k) for k in range(7)]),
        "one other date": clinic_calendar({5, 6}, [date(2026, 12, 4)]),
        "same date, other reason": ClinicCalendar(frozenset({5, 6}), {date(2026, 12, 4): "closed: staff training"}),
        "BE": clinic_calendar({5, 6}, [], "BE", (2026, 2030)),
        "US": clinic_calendar({5, 6}, [], "US", (2026, 2030)),
    }


def test_schedules_that_differ_in_one_input_each_get_their_own_dates():
    """Start, weekdays, phases, calendar or horizon: each combination's dates are the uncached
    layout's, whichever was cached before it, in either order."""
    cases = [
        (start, weekdays, phases, name, end)
        for start in (START, START + timedelta(days=1), START + timedelta(weeks=3))
        for weekdays in ((1, 4), (4, 1), (0, 3))
        for phases in (INDUCTION, EVERY_OTHER)
        for name in calendars()
        for end in (END, END + timedelta(weeks=1))
    ]
    by_name = calendars()
    _schedule.cache_clear()
    expected = {case: _schedule.__wrapped__(*case[:3], by_name[case[3]], case[4]) for case in cases}
    for order in (cases, cases[::-1]):
        for case in order:
            start, weekdays, phases, name, end = case
            # A new but equal calendar each time, as each roster row builds its own.
            assert schedule(start, list(weekdays), list(phases), calendars()[name], end) == list(expected[case])
    layouts = {name: expected[START, (1, 4), INDUCTION, name, END] for name in by_name}
    assert layouts["christmas week"] != layouts["weekend"] != layouts["one other date"]
    assert layouts["one other date"] != layouts["same date, other reason"]  # the reason is part of the key
    assert layouts["BE"] != layouts["weekend"]
    assert expected[START, (0, 3), INDUCTION, "BE", END] != expected[START, (0, 3), INDUCTION, "US", END]


def test_a_calendar_changed_after_use_is_not_answered_from_the_cache():
    """closed_dates is a dict: a change to it makes another key, never the old answer."""
    closed = {date(2026, 12, 4): "date skipped (--skip)"}
    calendar = ClinicCalendar(frozenset({5, 6}), closed)
    before = schedule(START, (1, 4), INDUCTION, calendar, END)
    closed[date(2026, 12, 8)] = "date skipped (--skip)"
    after = schedule(START, (1, 4), INDUCTION, calendar, END)
    assert after == list(_schedule.__wrapped__(START, (1, 4), INDUCTION, calendar, END)) != before
    assert after[2].moved_from == date(2026, 12, 8)


def test_a_schedule_is_a_new_list_each_time():
    first = schedule(START, (1, 4), INDUCTION, ClinicCalendar(), END)
    first.clear()
    assert len(schedule(START, (1, 4), INDUCTION, ClinicCalendar(), END)) > 20


def test_roster_rows_that_differ_only_in_start_skip_holidays_or_weeks_get_their_own_dates():
    """Through plan_from_text, one row after the other as a roster plans them: each plan is the one
    planned with the cache empty. (US and BE holidays fall on different Mondays.)"""
    row = PlanOptions(route="intranasal", start="2027-01-04", days="mon,thu", tz="Europe/Brussels", weeks=26)
    variants = [
        row,
        replace(row, start="2027-01-05"),
        replace(row, skip=["2027-01-07"]),
        replace(row, skip=["2027-01-07..2027-01-11"]),
        replace(row, holidays="BE"),
        replace(row, holidays="US"),
        replace(row, weeks=27),
        replace(row, days="tue,fri"),
        row,
    ]
    plans = [plan_from_text(options, default_zone="UTC") for options in variants]
    for options, plan in zip(variants, plans, strict=True):
        _schedule.cache_clear()
        assert plan == plan_from_text(options, default_zone="UTC"), options
    assert len({p.sessions for p in plans}) == len(variants) - 1


def test_the_schedule_cache_is_bounded():
    info = _schedule.cache_info()
    assert info.maxsize is not None and 0 < info.maxsize <= 10_000
    for k in range(info.maxsize + 50):
        schedule(START + timedelta(days=k), (1, 4), INDUCTION, ClinicCalendar(), END + timedelta(days=k))
    assert _schedule.cache_info().currsize == info.maxsize


# --- weekdays ketplan chooses ------------------------------------------------------------------------


CLOSED_SETS = [
    frozenset(),
    frozenset({5, 6}),
    frozenset({6}),
    frozenset({0, 5, 6}),
    frozenset({4, 5}),
    frozenset({1, 3}),
]


def test_chosen_weekdays_differ_by_start_weekday_and_closed_days_as_computed_afresh():
    """Starts that differ only in weekday, or calendars only in their closed days, get their own
    pattern: the cached answer is always the uncached search's, warm or cold."""
    cases = list(itertools.product(range(7), (1, 2, 3), (1, 2, 3), CLOSED_SETS))
    monday = date(2026, 11, 30)
    for order in (cases, cases[::-1]):
        for weekday, per_week, gap, closed in order:
            start = monday + timedelta(days=weekday)
            try:
                expected = _weekday_pattern.__wrapped__(weekday, per_week, gap, closed)
            except InputError as error:  # the same refusal, every time
                with pytest.raises(InputError, match="cannot hold") as again:
                    choose_weekdays(start, per_week, gap, closed)
                assert str(again.value) == str(error)
                continue
            assert choose_weekdays(start, per_week, gap, closed) == expected
            assert choose_weekdays(start, per_week, gap, set(closed)) == expected  # a set from a library caller
    assert choose_weekdays(date(2026, 12, 1), 2, 2, frozenset({5, 6})) == (1, 4)  # Tuesday start: tue,fri
    assert choose_weekdays(date(2026, 12, 2), 2, 2, frozenset({5, 6})) == (2, 4)  # Wednesday start: wed,fri
    info = _weekday_pattern.cache_info()
    assert info.maxsize is not None and info.currsize <= info.maxsize


# --- holiday names -----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["BE", "US", "US-NY", "GB"])
def test_holiday_names_are_the_tables_inside_and_outside_the_years_asked_for(code):
    """Every day from two years before to two years after the years asked for: the same name (or
    None) as the holidays package's own table, whose lookup adds a year when asked about it."""
    country, _, subdivision = code.partition("-")
    table = holidays.country_holidays(country, subdiv=subdivision or None, years=range(2026, 2031), language="en_US")
    lookup = holiday_lookup(code, 2026, 2030)
    day = date(2024, 1, 1)
    while day < date(2033, 1, 1):
        found = table.get(day)
        assert lookup(day) == (str(found) if found else None), day
        day += timedelta(days=1)
    assert lookup(date(2026, 12, 25)) == "Christmas Day"
    assert lookup(date(2025, 12, 25)) == "Christmas Day"  # before the years asked for: still found


def test_holiday_tables_differ_by_code_and_years():
    be, us = holiday_lookup("BE", 2026, 2030), holiday_lookup("US", 2026, 2030)
    assert be(date(2026, 7, 21)) == "National Day" and us(date(2026, 7, 21)) is None
    assert us(date(2026, 7, 4)) == "Independence Day" and be(date(2026, 7, 4)) is None
    later = holiday_lookup("BE", 2031, 2035)
    assert later is not be and later(date(2031, 7, 21)) == "National Day"
    info = holiday_lookup.cache_info()
    assert info.maxsize is not None and info.currsize <= info.maxsize


# --- the shipped protocol folder ---------------------------------------------------------------------


def test_the_shipped_folder_is_found_once_and_forgotten_by_clear_caches(monkeypatch, tmp_path):
    """One entry (the function takes no argument), the folder a fresh search finds; clear_caches
    forgets it, and a test that points shipped_dir elsewhere is still obeyed."""
    from ketplan.io import catalog

    assert catalog.shipped_dir() == catalog._shipped_dir.__wrapped__() and catalog.shipped_dir().is_dir()
    assert catalog._shipped_dir.cache_info().currsize == 1
    catalog.clear_caches()
    assert catalog._shipped_dir.cache_info().currsize == 0
    assert load_protocol("esketamine-trd").id == "esketamine-trd"
    monkeypatch.setattr(catalog, "shipped_dir", lambda: tmp_path)
    catalog.clear_caches()
    try:
        with pytest.raises(InputError, match="unknown protocol"):
            catalog.load_protocol("esketamine-trd")
    finally:
        catalog.clear_caches()
