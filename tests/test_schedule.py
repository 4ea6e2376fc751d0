"""ketplan.core.schedule: the pure schedule engine (issue 3).

Every date here is fixed: the engine has no "today". Hand-checked calendar facts used below:
2026-12-01 is a Tuesday; in Belgium 2026-12-25 (Christmas) is a Friday and 2027-01-01
(New Year's Day) is a Friday. REFERENCE.md §1.2: esketamine TRD induction twice weekly in
weeks 1-4, once weekly in weeks 5-8, every 2 weeks (or weekly) from week 9.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from itertools import combinations, pairwise, permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketplan.core.errors import InputError
from ketplan.core.plan import choose_weekdays
from ketplan.core.schedule import (
    MAX_COURSE_WEEKS,
    MAX_SEARCH_DAYS,
    ClinicCalendar,
    PhaseSpec,
    course_first_day,
    first_session_day,
    gap_changes,
    late_start_note,
    parse_weekdays,
    planned_dates,
    schedule,
)

FAST = settings(max_examples=150, deadline=None)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
WEEKEND = frozenset({SAT, SUN})
ALL_OPEN = ClinicCalendar(closed_weekdays=frozenset())

# The phase shapes of the shipped protocols (protocols/*.toml), as the engine sees them.
TRD = (
    PhaseSpec("induction", sessions_per_week=2, weeks=4, min_gap_days=2),
    PhaseSpec("maintenance", interval_weeks=1, weeks=4, min_gap_days=2),
    PhaseSpec("continuation", interval_weeks=2, weeks=None, min_gap_days=2),
)
TRD_WEEKLY = (*TRD[:2], PhaseSpec("continuation", interval_weeks=1, weeks=None, min_gap_days=2))
MDSI = (PhaseSpec("treatment", sessions_per_week=2, weeks=4, min_gap_days=2),)
IV_TWICE = (PhaseSpec("series", sessions_per_week=2, weeks=4, min_gap_days=2),)
IV_ELEKTD = (PhaseSpec("series", sessions_per_week=2, weeks=3, min_gap_days=2),)
IV_THRICE = (PhaseSpec("series", sessions_per_week=3, weeks=4, min_gap_days=2),)
SHAPES = {
    "esketamine-trd": TRD,
    "esketamine-trd-every-1": TRD_WEEKLY,
    "esketamine-mdsi": MDSI,
    "iv-racemic-twice-weekly": IV_TWICE,
    "iv-racemic-elektd": IV_ELEKTD,
    "iv-racemic-thrice-weekly": IV_THRICE,
    "sc-racemic": (PhaseSpec("series", sessions_per_week=2, weeks=4, min_gap_days=2),),
    "im-racemic": (PhaseSpec("titration", interval_weeks=1, weeks=5, min_gap_days=7),),
    "oral-racemic": (PhaseSpec("trial", interval_weeks=1, weeks=6, min_gap_days=2),),
}


def d(text: str) -> date:
    return date.fromisoformat(text)


def horizon(first_day: date, weeks: int) -> date:
    """The last day of a plan of `weeks` weeks from the course's first day (as build_plan does)."""
    return first_day + timedelta(weeks=weeks) - timedelta(days=1)


def dates(sessions) -> list[str]:
    return [s.date.isoformat() for s in sessions]


@pytest.fixture(scope="module")
def be_calendar() -> ClinicCalendar:
    from ketplan.io.clinic_calendar import clinic_calendar

    return clinic_calendar(WEEKEND, holidays_code="BE", years=(2026, 2028))


# --- the issue's worked example --------------------------------------------------------------


def test_issue_example_2026_12_01_tue_fri_exactly():
    start = d("2026-12-01")
    sessions = schedule(start, (TUE, FRI), TRD, ClinicCalendar(), horizon(start, 26))
    by_phase = Counter(s.phase for s in sessions)
    assert by_phase == {"induction": 8, "maintenance": 4, "continuation": 9}
    # Weeks 1-4: twice weekly on the listed days.
    assert dates(sessions[:8]) == [
        "2026-12-01",
        "2026-12-04",
        "2026-12-08",
        "2026-12-11",
        "2026-12-15",
        "2026-12-18",
        "2026-12-22",
        "2026-12-25",
    ]
    # Weeks 5-8: the first listed weekday (Tuesday), counted from the course's first day.
    assert dates(sessions[8:12]) == ["2026-12-29", "2027-01-05", "2027-01-12", "2027-01-19"]
    # Week 9 starts 2027-01-26, then every 2 weeks up to the 26-week horizon (2027-05-31).
    assert dates(sessions[12:]) == [
        "2027-01-26",
        "2027-02-09",
        "2027-02-23",
        "2027-03-09",
        "2027-03-23",
        "2027-04-06",
        "2027-04-20",
        "2027-05-04",
        "2027-05-18",
    ]
    assert [s.n for s in sessions] == list(range(1, 22))
    assert [(s.phase_session, s.phase_sessions) for s in sessions[8:12]] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert all(s.moved_from is None and s.reason is None for s in sessions)


def test_every_1_week_continuation_is_weekly_from_week_9():
    start = d("2026-12-01")
    sessions = schedule(start, (TUE, FRI), TRD_WEEKLY, ClinicCalendar(), horizon(start, 12))
    cont = [s for s in sessions if s.phase == "continuation"]
    assert dates(cont) == ["2027-01-26", "2027-02-02", "2027-02-09", "2027-02-16"]


def test_until_bounds_the_open_ended_phase_inclusively():
    start = d("2026-12-01")
    sessions = schedule(start, (TUE, FRI), TRD, ClinicCalendar(), d("2027-02-23"))
    assert dates(sessions)[-3:] == ["2027-01-26", "2027-02-09", "2027-02-23"]
    sessions = schedule(start, (TUE, FRI), TRD, ClinicCalendar(), d("2027-02-22"))
    assert dates(sessions)[-1] == "2027-02-09"


def test_fixed_phases_are_not_cut_by_a_short_horizon():
    """--weeks/--until bound only the open-ended phase: induction and maintenance stay whole."""
    start = d("2026-12-01")
    sessions = schedule(start, (TUE, FRI), TRD, ClinicCalendar(), horizon(start, 2))
    assert Counter(s.phase for s in sessions) == {"induction": 8, "maintenance": 4}


# --- the course's first day ------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, days, first",
    [
        ("2026-12-01", (TUE, FRI), "2026-12-01"),  # start is a session weekday
        ("2026-12-02", (TUE, FRI), "2026-12-04"),  # Wednesday start: Friday (issue 13: not next Tuesday)
        ("2026-12-02", (FRI, TUE), "2026-12-04"),  # the order of --days does not matter
        ("2026-12-07", (MON, WED, FRI), "2026-12-07"),
        ("2026-12-08", (MON, WED, FRI), "2026-12-09"),  # Tuesday start: Wednesday, not next Monday
        ("2026-12-08", (FRI, WED, MON), "2026-12-09"),
        ("2026-12-31", (TUE, FRI), "2027-01-01"),  # across the year end
        ("2026-12-18", (MON, WED, FRI), "2026-12-18"),  # the issue's example: Friday, not Monday 21st
        ("2026-12-16", (MON, THU), "2026-12-17"),  # Wednesday with mon,thu: Thursday, not next Monday
    ],
)
def test_first_session_is_the_first_session_weekday_on_or_after_start_in_any_order(start, days, first):
    assert first_session_day(d(start), days) == d(first)
    assert first_session_day(d(start), tuple(reversed(days))) == d(first)
    sessions = schedule(
        d(start), days, IV_TWICE if len(days) == 2 else IV_THRICE, ALL_OPEN, d(start) + timedelta(weeks=8)
    )
    assert sessions[0].date == d(first)
    assert sessions[0].planned == d(first)


def test_first_session_weekday_anchors_weekly_phases_even_when_later_in_the_week():
    # --days tue,fri from Wednesday 2026-12-02: the course starts Friday 12-04, weekly phases on Fridays.
    start = d("2026-12-02")
    sessions = schedule(start, (TUE, FRI), TRD, ClinicCalendar(), horizon(d("2026-12-04"), 10))
    assert dates(sessions[:4]) == ["2026-12-04", "2026-12-08", "2026-12-11", "2026-12-15"]
    assert {s.date.weekday() for s in sessions if s.phase != "induction"} == {FRI}
    assert next(s for s in sessions if s.phase == "maintenance").date == d("2027-01-01")


def test_thrice_weekly_mon_wed_fri():
    start = d("2026-11-02")
    sessions = schedule(start, (MON, WED, FRI), IV_THRICE, ClinicCalendar(), start + timedelta(weeks=4))
    assert dates(sessions) == [
        "2026-11-02",
        "2026-11-04",
        "2026-11-06",
        "2026-11-09",
        "2026-11-11",
        "2026-11-13",
        "2026-11-16",
        "2026-11-18",
        "2026-11-20",
        "2026-11-23",
        "2026-11-25",
        "2026-11-27",
    ]
    assert all(s.phase_sessions == 12 for s in sessions)


def test_two_a_week_phase_uses_the_first_two_listed_days():
    start = d("2026-11-02")
    sessions = schedule(start, (MON, WED, FRI), IV_TWICE, ClinicCalendar(), start + timedelta(weeks=4))
    assert {s.date.weekday() for s in sessions} == {MON, WED}
    assert len(sessions) == 8


def test_planned_dates_do_not_depend_on_the_calendar():
    start = d("2026-12-01")
    plan = planned_dates(start, (TUE, FRI), TRD, horizon(start, 26))
    assert [p.isoformat() for _, _, p in plan][:9] == [
        "2026-12-01",
        "2026-12-04",
        "2026-12-08",
        "2026-12-11",
        "2026-12-15",
        "2026-12-18",
        "2026-12-22",
        "2026-12-25",
        "2026-12-29",
    ]
    assert [w for _, w, _ in plan][12:15] == [8, 10, 12]  # weeks counted from the first day (0-based)


# --- closures: holidays, closed weekdays, --skip ---------------------------------------------


def test_christmas_moves_friday_to_monday_and_cascades_to_tuesday(be_calendar):
    start = d("2026-12-01")
    sessions = schedule(start, (TUE, FRI), TRD, be_calendar, horizon(start, 26))
    s8, s9, s10 = sessions[7], sessions[8], sessions[9]
    # Friday 2026-12-25 is closed (Christmas); the weekend too: Monday 12-28.
    assert (s8.phase, s8.planned, s8.date, s8.moved_from) == (
        "induction",
        d("2026-12-25"),
        d("2026-12-28"),
        d("2026-12-25"),
    )
    assert s8.reason == "public holiday (Christmas Day)"
    # Tuesday 12-29 would be the day after: it moves only as far as the 2-day gap needs.
    assert (s9.phase, s9.date, s9.moved_from) == ("maintenance", d("2026-12-30"), d("2026-12-29"))
    assert s9.reason == "keeps the 2-day minimum gap after session 8"
    # Nothing after it moves.
    assert (s10.date, s10.moved_from, s10.reason) == (d("2027-01-05"), None, None)
    assert sum(1 for s in sessions if s.moved_from) == 2
    assert Counter(s.phase for s in sessions) == {"induction": 8, "maintenance": 4, "continuation": 9}


def test_induction_across_christmas_and_new_year_cascades(be_calendar):
    start = d("2026-12-08")
    sessions = schedule(start, (TUE, FRI), TRD, be_calendar, horizon(start, 12))
    got = [(s.planned.isoformat(), s.date.isoformat(), s.reason) for s in sessions[4:10]]
    assert got == [
        ("2026-12-22", "2026-12-22", None),
        ("2026-12-25", "2026-12-28", "public holiday (Christmas Day)"),
        ("2026-12-29", "2026-12-30", "keeps the 2-day minimum gap after session 6"),
        ("2027-01-01", "2027-01-04", "public holiday (New Year's Day)"),
        ("2027-01-05", "2027-01-06", "keeps the 2-day minimum gap after session 8"),
        ("2027-01-12", "2027-01-12", None),
    ]
    assert Counter(s.phase for s in sessions) == {"induction": 8, "maintenance": 4, "continuation": 2}


def test_thrice_weekly_cascade_over_the_year_end(be_calendar):
    """One closed Friday pushes four sessions: each moves only as far as the 2-day gap needs."""
    start = d("2026-12-07")
    sessions = schedule(start, (MON, WED, FRI), IV_THRICE, be_calendar, start + timedelta(weeks=4))
    got = [(s.planned.isoformat(), s.date.isoformat()) for s in sessions[8:]]
    assert got == [
        ("2026-12-25", "2026-12-28"),  # Christmas (Friday) -> Monday
        ("2026-12-28", "2026-12-30"),  # gap
        ("2026-12-30", "2027-01-04"),  # gap would give Friday 01-01: New Year's Day, then the weekend
        ("2027-01-01", "2027-01-06"),  # gap after Monday 01-04
    ]
    assert len(sessions) == 12
    assert all(s.reason for s in sessions[8:])


def test_skip_dates_move_sessions_and_say_why():
    start = d("2026-12-01")
    calendar = ClinicCalendar(closed_dates={d("2026-12-04"): "date skipped (--skip)"})
    sessions = schedule(start, (TUE, FRI), IV_TWICE, calendar, start + timedelta(weeks=4))
    assert (sessions[1].planned, sessions[1].date) == (d("2026-12-04"), d("2026-12-07"))
    assert sessions[1].reason == "date skipped (--skip)"
    assert (sessions[2].planned, sessions[2].date) == (d("2026-12-08"), d("2026-12-09"))
    assert sessions[2].reason.startswith("keeps the 2-day minimum gap")
    assert sessions[3].date == d("2026-12-11") and sessions[3].reason is None
    assert len(sessions) == 8


def test_skipping_a_tuesday_moves_only_that_session():
    start = d("2026-12-01")
    calendar = ClinicCalendar(closed_dates={d("2026-12-08"): "date skipped (--skip)"})
    sessions = schedule(start, (TUE, FRI), IV_TWICE, calendar, start + timedelta(weeks=4))
    moved = [s for s in sessions if s.moved_from]
    assert [(s.moved_from, s.date) for s in moved] == [(d("2026-12-08"), d("2026-12-09"))]


def test_skip_on_new_years_eve_and_holiday_year_end(be_calendar):
    from ketplan.io.clinic_calendar import clinic_calendar

    calendar = clinic_calendar(WEEKEND, [d("2026-12-31")], "BE", (2026, 2028))
    start = d("2026-12-28")  # a Monday; --days mon,thu
    sessions = schedule(start, (MON, THU), IV_TWICE, calendar, start + timedelta(weeks=4))
    first = sessions[:3]
    assert [(s.planned.isoformat(), s.date.isoformat(), s.reason) for s in first] == [
        ("2026-12-28", "2026-12-28", None),
        ("2026-12-31", "2027-01-04", "date skipped (--skip)"),  # 31st skipped, 1st holiday, weekend
        ("2027-01-04", "2027-01-06", "keeps the 2-day minimum gap after session 2"),
    ]
    assert be_calendar.closure(d("2027-01-01")) == "public holiday (New Year's Day)"


def test_listed_weekday_that_is_closed_moves_to_the_next_open_day():
    # --days sat,tue with the clinic closed at weekends (the engine still copes; `plan` refuses it):
    # the course starts on the first open session weekday, Tuesday 12-08; Saturdays move to Monday
    # (no open session weekday before the next Tuesday), Tuesdays keep the gap.
    start = d("2026-12-05")
    sessions = schedule(start, (SAT, TUE), IV_TWICE, ClinicCalendar(), start + timedelta(weeks=4))
    assert (sessions[0].planned, sessions[0].date) == (d("2026-12-08"), d("2026-12-08"))
    assert (sessions[1].planned, sessions[1].date) == (d("2026-12-12"), d("2026-12-14"))
    assert sessions[1].reason == "clinic closed on Saturdays" and sessions[1].off_weekdays
    assert (sessions[2].planned, sessions[2].date) == (d("2026-12-15"), d("2026-12-16"))
    assert len(sessions) == 8


def test_a_7_day_minimum_gap_carries_one_move_through_the_rest_of_a_weekly_course():
    """im-racemic: weekly, at least 7 days apart. One closed Tuesday moves every later session a day."""
    start = d("2026-12-01")
    phases = (PhaseSpec("titration", interval_weeks=1, weeks=5, min_gap_days=7),)
    calendar = ClinicCalendar(closed_dates={d("2026-12-08"): "date skipped (--skip)"})
    sessions = schedule(start, (TUE, FRI), phases, calendar, start + timedelta(weeks=5))
    assert dates(sessions) == ["2026-12-01", "2026-12-09", "2026-12-16", "2026-12-23", "2026-12-30"]
    assert [s.reason for s in sessions[2:]] == [f"keeps the 7-day minimum gap after session {n}" for n in (2, 3, 4)]


def test_a_shift_may_carry_the_last_session_past_the_horizon_rather_than_drop_it():
    start = d("2026-12-01")
    calendar = ClinicCalendar(closed_dates={d("2027-02-09"): "date skipped (--skip)"})
    sessions = schedule(start, (TUE, FRI), TRD, calendar, d("2027-02-09"))
    # The last session has no next one to crowd: it stays on a session weekday (Friday).
    assert (sessions[-1].planned, sessions[-1].date) == (d("2027-02-09"), d("2027-02-12"))
    assert not sessions[-1].off_weekdays


def test_closure_reason_prefers_skip_then_holiday_then_weekday(be_calendar):
    calendar = ClinicCalendar(
        closed_weekdays=WEEKEND,
        closed_dates={d("2026-12-25"): "date skipped (--skip)"},
        holiday_name=be_calendar.holiday_name,
    )
    assert calendar.closure(d("2026-12-25")) == "date skipped (--skip)"
    assert calendar.closure(d("2027-01-01")) == "public holiday (New Year's Day)"
    assert calendar.closure(d("2027-01-02")) == "clinic closed on Saturdays"
    assert calendar.closure(d("2027-01-04")) is None


# --- refusals --------------------------------------------------------------------------------


def test_all_weekdays_closed_is_refused():
    calendar = ClinicCalendar(closed_weekdays=frozenset(range(7)))
    with pytest.raises(InputError) as error:
        schedule(d("2026-12-01"), (TUE, FRI), TRD, calendar, d("2027-06-01"))
    assert error.value.field == "closed"


def test_every_listed_weekday_closed_moves_sessions_without_dropping_any():
    # Issue 3: closed days move sessions; only a calendar with no open weekday at all is refused.
    calendar = ClinicCalendar(closed_weekdays=frozenset({TUE, FRI}))
    sessions = schedule(d("2026-12-01"), (TUE, FRI), TRD, calendar, d("2027-06-01"))
    reference = schedule(d("2026-12-01"), (TUE, FRI), TRD, ClinicCalendar(closed_weekdays=frozenset()), d("2027-06-01"))
    assert len(sessions) == len(reference)
    assert all(s.date.weekday() not in (TUE, FRI) for s in sessions)
    assert sessions[0].date == d("2026-12-02") and sessions[0].reason == "clinic closed on Tuesdays"


def test_a_closure_run_longer_than_the_search_limit_is_refused():
    start = d("2027-01-05")
    closed = {start + timedelta(days=i): "date skipped (--skip)" for i in range(MAX_SEARCH_DAYS + 1)}
    with pytest.raises(InputError) as error:
        schedule(
            start, (TUE, FRI), TRD, ClinicCalendar(closed_weekdays=frozenset(), closed_dates=closed), d("2027-06-01")
        )
    assert error.value.field == "skip"
    assert f"{MAX_SEARCH_DAYS} days" in str(error.value)


def test_a_closure_run_just_inside_the_search_limit_is_bridged():
    start = d("2027-01-05")
    run = MAX_SEARCH_DAYS - 1
    # The run starts the day after the first session: the sessions planned inside it stack up after it.
    closed = {start + timedelta(days=1 + i): "date skipped (--skip)" for i in range(run)}
    sessions = schedule(
        start, (TUE, FRI), IV_TWICE, ClinicCalendar(closed_weekdays=frozenset(), closed_dates=closed), d("2027-02-05")
    )
    assert sessions[0].date == start
    sessions = sessions[1:]
    assert sessions[0].date == start + timedelta(days=run + 1)
    assert len(sessions) == 7
    gaps = [(b.date - a.date).days for a, b in pairwise(sessions)]
    assert gaps[:5] == [2] * 5  # the stacked sessions keep exactly the minimum gap
    assert sessions[-1].date.weekday() in (TUE, FRI)  # the last has no next session: a session weekday


def test_a_course_whose_start_is_closed_starts_on_the_next_open_session_weekday():
    start = d("2027-01-05")
    closed = {start + timedelta(days=i): "date skipped (--skip)" for i in range(10)}
    calendar = ClinicCalendar(closed_weekdays=frozenset(), closed_dates=closed)
    sessions = schedule(start, (TUE, FRI), IV_TWICE, calendar, d("2027-02-05"))
    assert sessions[0].date == sessions[0].planned == d("2027-01-15")  # Friday, the pattern anchors there
    assert not any(s.moved_from for s in sessions)
    note = late_start_note(start, (TUE, FRI), calendar, sessions[0].date)
    assert note.startswith("First session Fri 2027-01-15, 10 days after --start Tue 2027-01-05")
    assert "Tue 2027-01-05 is closed (date skipped (--skip))" in note and "Fri 2027-01-08 is closed" in note


def test_search_limit_error_names_the_date_the_search_started_from():
    start = d("2027-01-05")
    closed = {start + timedelta(days=i): "date skipped (--skip)" for i in range(MAX_SEARCH_DAYS + 10)}
    with pytest.raises(InputError) as error:
        schedule(
            start, (TUE, FRI), TRD, ClinicCalendar(closed_weekdays=frozenset(), closed_dates=closed), d("2027-06-01")
        )
    assert "2027-01-05" in str(error.value)


def test_too_few_listed_days_for_the_phase_is_refused():
    with pytest.raises(InputError) as error:
        schedule(d("2026-12-01"), (TUE, FRI), IV_THRICE, ClinicCalendar(), d("2027-01-01"))
    assert error.value.field == "days"


def test_empty_weekdays_are_refused():
    with pytest.raises(InputError):
        schedule(d("2026-12-01"), (), TRD, ClinicCalendar(), d("2027-01-01"))


def test_horizon_before_start_is_refused():
    with pytest.raises(InputError) as error:
        schedule(d("2026-12-01"), (TUE, FRI), TRD, ClinicCalendar(), d("2026-11-30"))
    assert error.value.field == "until"


def test_horizon_longer_than_the_course_limit_is_refused():
    start = d("2026-12-01")
    schedule(start, (TUE, FRI), TRD, ClinicCalendar(), start + timedelta(weeks=MAX_COURSE_WEEKS))
    with pytest.raises(InputError) as error:
        schedule(start, (TUE, FRI), TRD, ClinicCalendar(), start + timedelta(weeks=MAX_COURSE_WEEKS, days=1))
    assert error.value.field == "weeks"


def test_phase_spec_needs_exactly_one_rhythm():
    with pytest.raises(ValueError):
        PhaseSpec("x")
    with pytest.raises(ValueError):
        PhaseSpec("x", sessions_per_week=2, interval_weeks=1)


# --- parse_weekdays --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, days",
    [
        ("tue,fri", (TUE, FRI)),
        ("fri,tue", (FRI, TUE)),  # order is kept
        ("Mon, Wed, Fri", (MON, WED, FRI)),
        ("tuesday,FRIDAY", (TUE, FRI)),
        ("thurs", (THU,)),
        ("sun", (SUN,)),
    ],
)
def test_parse_weekdays_accepts(text, days):
    assert parse_weekdays(text) == days


@pytest.mark.parametrize(
    "text, words",
    [
        ("tue,foo", "not a weekday"),
        ("tu", "not a weekday"),  # too short to be unambiguous
        ("tuesdays", "not a weekday"),
        ("mon,xx,fri", "not a weekday"),
        ("tue,,fri", "not a weekday"),
        ("tue,tue", "listed twice"),
        ("tue,Tuesday", "listed twice"),
        ("", "empty"),
        (",", "empty"),
        (" , ", "empty"),
    ],
)
def test_parse_weekdays_refuses(text, words):
    with pytest.raises(InputError) as error:
        parse_weekdays(text)
    assert words in str(error.value)
    assert error.value.field == "days"
    assert str(error.value).startswith("--days")


def test_parse_weekdays_names_the_option_it_parses():
    with pytest.raises(InputError) as error:
        parse_weekdays("sat,sat", "closed")
    assert error.value.field == "closed"
    assert str(error.value).startswith("--closed")


def test_parse_weekdays_shortens_a_long_bad_value():
    with pytest.raises(InputError) as error:
        parse_weekdays("x" * 500)
    assert len(str(error.value)) < 200


# --- choose_weekdays (no --days) -------------------------------------------------------------


def test_choose_weekdays_tuesday_start_twice_weekly_is_tue_fri():
    assert choose_weekdays(d("2026-12-01"), 2, 2, WEEKEND) == (TUE, FRI)


def test_choose_weekdays_monday_start_thrice_weekly_is_mon_wed_fri():
    assert choose_weekdays(d("2026-12-07"), 3, 2, WEEKEND) == (MON, WED, FRI)


def test_choose_weekdays_weekend_start_begins_on_monday():
    chosen = choose_weekdays(d("2026-12-05"), 2, 2, WEEKEND)
    assert chosen[0] == MON
    assert chosen == (MON, THU)


def test_choose_weekdays_refuses_when_open_days_cannot_hold_the_pattern():
    # Open: tue, thu, fri. Three sessions a week 2 days apart cannot fit (thu-fri is 1 day).
    with pytest.raises(InputError) as error:
        choose_weekdays(d("2026-12-01"), 3, 2, frozenset({SAT, SUN, MON, WED}))
    assert error.value.field == "days"
    assert "--days" in str(error.value)


def _circular_gaps(days) -> list[int]:
    points = sorted(days)
    return [b - a for a, b in pairwise(points)] + [points[0] + 7 - points[-1]]


def _valid_patterns(n: int, gap: int, open_days) -> list[tuple[int, ...]]:
    return [c for c in combinations(sorted(open_days), n) if n == 1 or min(_circular_gaps(c)) >= gap]


@FAST
@given(
    start=st.dates(date(2000, 1, 1), date(2100, 12, 31)),
    per_week=st.integers(1, 3),
    closed=st.frozensets(st.integers(0, 6), max_size=6),
)
def test_choose_weekdays_properties(start, per_week, closed):
    gap = 2
    open_days = [x for x in range(7) if x not in closed]
    valid = _valid_patterns(per_week, gap, open_days)
    if not valid:
        with pytest.raises(InputError) as error:
            choose_weekdays(start, per_week, gap, closed)
        assert error.value.field == "days"
        return
    chosen = choose_weekdays(start, per_week, gap, closed)
    assert len(chosen) == per_week == len(set(chosen))
    assert not set(chosen) & closed
    # The first session: the earliest open day on or after --start that can anchor a valid pattern.
    in_order = [x for x in ((start.weekday() + i) % 7 for i in range(7)) if x not in closed]
    anchor = next(x for x in in_order if any(x in p for p in valid))
    assert chosen[0] == anchor
    if per_week > 1:
        gaps = _circular_gaps(chosen)
        assert min(gaps) >= gap  # never two consecutive days, not even across the weekend
        # As even as the open days allow for that anchor.
        assert min(gaps) == max(min(_circular_gaps(p)) for p in valid if anchor in p)


# --- properties of the engine ----------------------------------------------------------------


def _patterns(size: int, gap: int) -> list[tuple[int, ...]]:
    """Every ordered --days list of `size` weekdays whose circular gaps are all >= gap."""
    return [
        p for c in combinations(range(7), size) if size == 1 or min(_circular_gaps(c)) >= gap for p in permutations(c)
    ]


@st.composite
def phase_lists(draw):
    if draw(st.booleans()):
        return draw(st.sampled_from(sorted(SHAPES.values(), key=len)))
    phases = []
    for i in range(draw(st.integers(1, 3))):
        last = i == 2 or draw(st.booleans())
        open_ended = last and draw(st.booleans())
        gap = draw(st.integers(1, 2))
        if draw(st.booleans()):
            phases.append(
                PhaseSpec(
                    f"p{i}",
                    sessions_per_week=draw(st.integers(1, 3)),
                    weeks=None if open_ended else draw(st.integers(1, 6)),
                    min_gap_days=gap,
                )
            )
        else:
            phases.append(
                PhaseSpec(
                    f"p{i}",
                    interval_weeks=draw(st.integers(1, 4)),
                    weeks=None if open_ended else draw(st.integers(1, 8)),
                    min_gap_days=gap,
                )
            )
        if last:
            break
    return tuple(phases)


@st.composite
def courses(draw, with_holidays: bool = False):
    phases = draw(phase_lists())
    if with_holidays:
        start = draw(st.dates(date(2026, 1, 1), date(2033, 12, 31)))
    else:
        start = draw(st.dates(date(2000, 1, 1), date(2100, 12, 31)))
    need = max(p.sessions_per_week or 1 for p in phases)
    # --days keeps the phases' minimum gap (a weekly phase with a 7-day gap, as im-racemic, is always met).
    gap = max([p.min_gap_days for p in phases if p.min_gap_days <= 3] or [1])
    size = draw(st.integers(need, min(3, 7 // gap)))
    weekdays = draw(st.sampled_from(_patterns(size, gap)))
    closed = draw(st.frozensets(st.integers(0, 6), max_size=6))
    # Any closed set that leaves at least one weekday open, listed or not (issue 3).
    weeks = draw(st.integers(1, 60))
    end = horizon(first_session_day(start, weekdays), weeks)
    skip_offsets = draw(st.lists(st.integers(0, (end - start).days + 60), max_size=25, unique=True))
    skips = {start + timedelta(days=o): "date skipped (--skip)" for o in skip_offsets}
    return phases, start, weekdays, closed, skips, end


def _next_open(day: date, calendar: ClinicCalendar) -> date:
    while calendar.closure(day) is not None:
        day += timedelta(days=1)
    return day


def _has_long_closure(calendar: ClinicCalendar, start: date, last: date) -> bool:
    run = 0
    day = start
    while day <= last:
        run = run + 1 if calendar.closure(day) else 0
        if run >= MAX_SEARCH_DAYS:
            return True
        day += timedelta(days=1)
    return False


def check_schedule_properties(phases, start, weekdays, calendar, end):
    # The course is anchored on its first open session weekday (issue 13); from there the planned
    # dates are those of the same course on an always-open calendar.
    anchor = first_session_day(start, weekdays, calendar)
    end += anchor - first_session_day(start, weekdays)  # weeks count from the first session, as in build_plan
    reference = schedule(anchor, weekdays, phases, ALL_OPEN, end)
    try:
        sessions = schedule(start, weekdays, phases, calendar, end)
    except InputError as error:
        # Refused only for a closure run at least as long as the search limit.
        assert error.field == "skip"
        assert _has_long_closure(calendar, start, end + timedelta(days=7 * (len(reference) + 20)))
        return
    min_gap = {p.name: p.min_gap_days for p in phases}

    # Nothing is dropped: same sessions, same phases, same planned dates as with no closures.
    assert len(sessions) == len(reference)
    assert Counter(s.phase for s in sessions) == Counter(s.phase for s in reference)
    assert [(s.phase, s.planned) for s in sessions] == [(s.phase, s.planned) for s in reference]
    assert all(s.moved_from is None for s in reference)  # a valid --days pattern never needs a move
    for name, count in Counter(s.phase for s in sessions).items():
        in_phase = [s for s in sessions if s.phase == name]
        assert [s.phase_session for s in in_phase] == list(range(1, count + 1))
        assert all(s.phase_sessions == count for s in in_phase)
    assert [s.n for s in sessions] == list(range(1, len(sessions) + 1))

    previous = None
    for s in sessions:
        assert calendar.closure(s.date) is None  # every session is on an open day
        assert s.date >= s.planned
        if s.date != s.planned:
            assert s.moved_from == s.planned and s.moved_from < s.date
            assert s.reason
        else:
            assert s.moved_from is None and s.reason is None
        if previous is not None:
            assert s.date > previous.date  # strictly increasing
            assert (s.date - previous.date).days >= min_gap[s.phase]
            low = max(s.planned, previous.date + timedelta(days=min_gap[s.phase]))
        else:
            low = s.planned
        if calendar.closure(s.planned) is None:
            # Pushed by the gap only (or not moved): as far as it must, the first open day.
            assert s.date == _next_open(low, calendar)
        else:
            # Moved off a closed day (issue 13): the first open session weekday that leaves the next
            # planned session its gap, else the first open day.
            index = s.n - 1
            latest = low + timedelta(days=6)
            if index + 1 < len(sessions):
                following = sessions[index + 1]
                latest = min(latest, following.planned - timedelta(days=min_gap[following.phase]))
            on_weekdays = [
                low + timedelta(days=k)
                for k in range((latest - low).days + 1)
                if (low + timedelta(days=k)).weekday() in weekdays and calendar.closure(low + timedelta(days=k)) is None
            ]
            assert s.date == (on_weekdays[0] if on_weekdays else _next_open(low, calendar))
        assert s.off_weekdays == (s.date != s.planned and s.date.weekday() not in weekdays)
        previous = s
    # The first session is on the first open session weekday on or after the start, when there is one.
    open_session_days = [
        start + timedelta(days=k)
        for k in range(MAX_SEARCH_DAYS)
        if (start + timedelta(days=k)).weekday() in weekdays and calendar.closure(start + timedelta(days=k)) is None
    ]
    if open_session_days:
        assert sessions[0].date == sessions[0].planned == open_session_days[0]
        assert (late_start_note(start, weekdays, calendar, sessions[0].date) is None) == (sessions[0].date == start)
    # Every gap that closures changed by 2 days or more is reported, and only those.
    flagged = {(a.n, b.n) for a, b, _, _ in gap_changes(sessions)}
    assert flagged == {
        (a.n, b.n) for a, b in pairwise(sessions) if abs((b.date - a.date).days - (b.planned - a.planned).days) >= 2
    }


@FAST
@given(course=courses())
def test_schedule_properties_with_closed_weekdays_and_skips(course):
    phases, start, weekdays, closed, skips, end = course
    calendar = ClinicCalendar(closed_weekdays=closed, closed_dates=skips)
    check_schedule_properties(phases, start, weekdays, calendar, end)


@settings(max_examples=100, deadline=None)
@given(course=courses(with_holidays=True))
def test_schedule_properties_with_belgian_holidays(course, be_calendar_wide):
    phases, start, weekdays, closed, skips, end = course
    calendar = ClinicCalendar(closed_weekdays=closed, closed_dates=skips, holiday_name=be_calendar_wide.holiday_name)
    check_schedule_properties(phases, start, weekdays, calendar, end)


@pytest.fixture(scope="module")
def be_calendar_wide() -> ClinicCalendar:
    from ketplan.io.clinic_calendar import clinic_calendar

    return clinic_calendar(WEEKEND, holidays_code="BE", years=(2026, 2040))


@FAST
@given(
    start=st.dates(date(2000, 1, 1), date(2100, 12, 31)),
    shape=st.sampled_from(sorted(SHAPES)),
    weeks=st.integers(1, 40),
)
def test_no_closure_schedule_lands_on_planned_weekdays(start, shape, weeks):
    phases = SHAPES[shape]
    weekdays = (MON, WED, FRI) if shape == "iv-racemic-thrice-weekly" else (TUE, FRI)
    first = min(course_first_day(start, w) for w in weekdays)
    sessions = schedule(start, weekdays, phases, ALL_OPEN, horizon(first, weeks))
    assert sessions[0].date == first and first >= start and (first - start).days < 7
    for s in sessions:
        assert s.date.weekday() in weekdays
        if s.phase in ("maintenance", "continuation", "titration", "trial"):
            assert s.date.weekday() == first.weekday()  # the first session's weekday anchors the course
            assert (s.date - first).days % 7 == 0
    cont = [s for s in sessions if s.phase == "continuation"]
    step = 14 if shape == "esketamine-trd" else 7
    assert all((b.date - a.date).days == step for a, b in pairwise(cont))
    if cont:
        assert cont[0].date == first + timedelta(weeks=8)
        assert cont[-1].date <= horizon(first, weeks) < cont[-1].date + timedelta(days=step)


# --- issue 13: the order of --days, the late start note --------------------------------------


@FAST
@given(course=courses())
def test_the_order_of_the_weekdays_never_changes_a_schedule(course):
    phases, start, weekdays, closed, skips, end = course
    calendar = ClinicCalendar(closed_weekdays=closed, closed_dates=skips)
    try:
        sessions = schedule(start, weekdays, phases, calendar, end)
    except InputError as error:
        with pytest.raises(InputError) as again:
            schedule(start, tuple(reversed(weekdays)), phases, calendar, end)
        assert again.value.field == error.field
        return
    for order in set(permutations(weekdays)):
        assert schedule(start, order, phases, calendar, end) == sessions


@FAST
@given(course=courses())
def test_a_late_first_session_is_explained_day_by_day(course):
    _phases, start, weekdays, closed, skips, _end = course
    calendar = ClinicCalendar(closed_weekdays=closed, closed_dates=skips)
    first = first_session_day(start, weekdays, calendar)
    note = late_start_note(start, weekdays, calendar, first)
    if first == start:
        assert note is None
        return
    assert note.startswith(f"First session {first.strftime('%a')} {first.isoformat()}, ")
    # Every session weekday skipped before the first session is named with its closure.
    day = start
    while day < first:
        if day.weekday() in weekdays:
            assert f"{day.strftime('%a')} {day.isoformat()} is closed (" in note
        day += timedelta(days=1)


def test_the_issue_examples_start_on_the_requested_day():
    # --start 2026-12-18 (a Friday) --days mon,wed,fri: Friday 18th, not Monday 21st.
    assert schedule(d("2026-12-18"), (MON, WED, FRI), IV_THRICE, ClinicCalendar(), d("2027-01-31"))[0].date == d(
        "2026-12-18"
    )
    # --start on a Wednesday with --days mon,thu: that Thursday, not the next Monday.
    sessions = schedule(d("2026-12-16"), (MON, THU), IV_TWICE, ClinicCalendar(), d("2027-01-31"))
    assert [s.date for s in sessions[:3]] == [d("2026-12-17"), d("2026-12-21"), d("2026-12-24")]


def test_a_closed_weekly_session_stays_on_the_session_weekdays():
    # Weekly on Tuesdays with --days tue,fri; Tuesday 12-08 closed: Friday 12-11 (a session weekday,
    # still 4 days before the next Tuesday), not Wednesday 12-09.
    phases = (PhaseSpec("weekly", interval_weeks=1, weeks=3, min_gap_days=2),)
    calendar = ClinicCalendar(closed_dates={d("2026-12-08"): "staff training"})
    sessions = schedule(d("2026-12-01"), (TUE, FRI), phases, calendar, d("2026-12-31"))
    assert [s.date for s in sessions] == [d("2026-12-01"), d("2026-12-11"), d("2026-12-15")]
    assert not sessions[1].off_weekdays
    changes = gap_changes(sessions)
    assert [(a.n, b.n, actual, planned) for a, b, actual, planned in changes] == [(1, 2, 10, 7), (2, 3, 4, 7)]
    # With --days tue only, it must leave the session weekdays: Wednesday, and the plan says so.
    alone = schedule(d("2026-12-01"), (TUE,), phases, calendar, d("2026-12-31"))
    assert alone[1].date == d("2026-12-09") and alone[1].off_weekdays
    from ketplan.core.schedule import schedule_warnings

    warnings = schedule_warnings(d("2026-12-01"), (TUE,), calendar, alone)
    assert any(w.startswith("Moved off the session weekdays (tue): session(s) 2 (Wed 2026-12-09)") for w in warnings)
