"""The schedule engine: turns phases into session dates on a clinic's calendar.

Pure and deterministic: every date comes from the inputs (start date, weekdays, phases,
closures, horizon). There is no "today" in here.

Rules (issue 13: the order of the weekdays does not matter)
- The course's first session is on the first open session weekday on or after the start
  date (`first_session_day`); that weekday anchors the course: week k of the course begins
  k weeks after the first session.
- A phase with n sessions a week uses the first n session weekdays of each course week,
  counted from the anchor. A phase every w weeks falls on the anchor weekday of every w-th week.
- A session on a closed day moves. It stays on one of the session weekdays when it can: the
  first open session weekday (within 6 days) that still leaves the next planned session its
  minimum gap. When there is none it goes to the next open day. A later session on an open
  day moves only as far as it must to stay `min_gap_days` after the one before. A session
  that lands on a day that is not a session weekday is marked `off_weekdays`. No session is
  ever dropped.
- `schedule_warnings` says when the first session is later than the start date (and why),
  when a session had to leave the session weekdays, and when closures shortened or lengthened
  a gap between two sessions by `GAP_CHANGE_DAYS` or more.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise

from ketplan.core.errors import InputError, ref

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_LONG = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_SEARCH_DAYS = 60  # a closure run of this many days or more is a calendar mistake, not a plan
MAX_COURSE_WEEKS = 156
_Date = date  # the field `date` below shadows the type inside ScheduledSession
GAP_CHANGE_DAYS = 2  # a gap this many days shorter or longer than planned is flagged
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class PhaseSpec:
    name: str
    sessions_per_week: int | None = None
    interval_weeks: int | None = None
    weeks: int | None = None  # None: open-ended, runs to the horizon
    min_gap_days: int = 2

    def __post_init__(self) -> None:
        if (self.sessions_per_week is None) == (self.interval_weeks is None):
            raise ValueError("a phase has either sessions_per_week or interval_weeks")


@dataclass(frozen=True)
class ClinicCalendar:
    """When the clinic is closed: weekdays (0 = Monday), single dates, and named holidays.

    `holiday_name` is a pure function of the day (ketplan.io.clinic_calendar's are): a schedule
    is cached on its calendar, and two calendars are equal when their closed weekdays, closed dates
    with reasons and holiday lookup (the same function object) are."""

    closed_weekdays: frozenset[int] = frozenset({5, 6})
    closed_dates: Mapping[date, str] = field(default_factory=dict)
    holiday_name: Callable[[date], str | None] | None = None

    def closure(self, day: date) -> str | None:
        """Why the clinic is closed on `day`, or None when it is open."""
        if day in self.closed_dates:
            return self.closed_dates[day]
        if self.holiday_name is not None:
            name = self.holiday_name(day)
            if name:
                return f"public holiday ({name})"
        if day.weekday() in self.closed_weekdays:
            return f"clinic closed on {WEEKDAY_LONG[day.weekday()]}s"
        return None

    def __hash__(self) -> int:
        # Hashable (a cache key) although closed_dates is a dict; equal calendars hash alike.
        return hash((self.closed_weekdays, frozenset(self.closed_dates.items()), self.holiday_name))


@dataclass(frozen=True)
class ScheduledSession:
    n: int
    phase: str
    phase_session: int
    phase_sessions: int
    planned: _Date
    date: _Date
    reason: str | None = None
    off_weekdays: bool = False  # moved to a day that is not one of the session weekdays

    @property
    def moved_from(self) -> _Date | None:
        return self.planned if self.date != self.planned else None


def parse_weekdays(text: str, field_name: str = "days") -> tuple[int, ...]:
    """'tue,fri' -> (1, 4). Order is kept as typed, but the engine does not depend on it."""
    option = ref(field_name)
    parts = [p.strip().lower() for p in str(text).split(",")]
    if not text or not any(parts):
        raise InputError(f"{option} is empty; list weekdays such as tue,fri", field_name)
    days: list[int] = []
    for part in parts:
        key = part[:3]
        if not part or key not in WEEKDAY_NAMES or not WEEKDAY_LONG[WEEKDAY_NAMES.index(key)].lower().startswith(part):
            shown = part if len(part) <= 20 else part[:19] + "…"
            raise InputError(f"{option}: {shown!r} is not a weekday; use mon, tue, wed, thu, fri, sat, sun", field_name)
        day = WEEKDAY_NAMES.index(key)
        if day in days:
            raise InputError(f"{option}: {WEEKDAY_NAMES[day]} is listed twice", field_name)
        days.append(day)
    return tuple(days)


def course_first_day(start: date, first_weekday: int) -> date:
    """The first `first_weekday` on or after `start`."""
    return start + timedelta(days=(first_weekday - start.weekday()) % 7)


def first_weekday_on_or_after(start: date, weekdays: Sequence[int]) -> date:
    """The first day on or after `start` that falls on one of `weekdays` (in any order)."""
    if not weekdays:
        raise InputError(f"{ref('days')} lists no weekday", "days")
    # The earliest of course_first_day(start, d), with one date sum instead of one per weekday.
    return start + timedelta(days=min((d - start.weekday()) % 7 for d in weekdays))


def first_session_day(start: date, weekdays: Sequence[int], calendar: ClinicCalendar | None = None) -> date:
    """The first open session weekday on or after `start`, whatever the order of `weekdays`.

    When every session weekday is closed for MAX_SEARCH_DAYS (e.g. --days lists only closed
    weekdays), the first session weekday on or after `start`: the session then moves."""
    first = first_weekday_on_or_after(start, weekdays)
    if calendar is None:
        return first
    days = set(weekdays)
    candidate = start
    for _ in range(MAX_SEARCH_DAYS):
        if candidate.weekday() in days and calendar.closure(candidate) is None:
            return candidate
        candidate += ONE_DAY
    return first


def week_offsets(anchor: int, weekdays: Sequence[int]) -> list[int]:
    """Days from the anchor weekday to each session weekday, in course-week order."""
    return sorted({(d - anchor) % 7 for d in weekdays})


def check_weekday_spacing(weekdays: Sequence[int], per_week: int, min_gap: int) -> None:
    """Refuse weekdays that would put two sessions of a `per_week` phase less than `min_gap`
    days apart, whichever of them anchors the course."""
    if per_week < 2 or len(weekdays) < 2:
        return
    for anchor in set(weekdays):
        chosen = week_offsets(anchor, weekdays)[:per_week]
        points = [*chosen, 7]
        if min(b - a for a, b in pairwise(points)) < min_gap:
            shown = ",".join(WEEKDAY_NAMES[d] for d in sorted(set(weekdays)))
            raise InputError(
                f"{ref('days')} {shown} puts sessions less than {min_gap} days apart; choose days such as tue,fri or mon,wed,fri",
                "days",
            )


def planned_dates(
    start: date, weekdays: Sequence[int], phases: Sequence[PhaseSpec], horizon_end: date
) -> list[tuple[PhaseSpec, int, date]]:
    """(phase, week index, planned date) before any closure is applied, in date order.

    The course is anchored on the first session weekday on or after `start` (the caller
    passes the first session's date to anchor it there)."""
    day0 = first_weekday_on_or_after(start, weekdays)
    offsets = week_offsets(day0.weekday(), weekdays)
    out: list[tuple[PhaseSpec, int, date]] = []
    week = 0
    for phase in phases:
        if phase.sessions_per_week is not None and phase.sessions_per_week > len(offsets):
            raise InputError(
                f"{ref('days')} lists {len(offsets)} weekday(s) but phase {phase.name!r} needs "
                f"{phase.sessions_per_week} sessions a week",
                "days",
            )
        phase_weeks = phase.weeks
        if phase_weeks is None:
            remaining = (horizon_end - day0).days // 7 + 1 - week
            phase_weeks = max(0, remaining)
        step = phase.interval_weeks or 1
        # Made once, not once a session (a timedelta is made from its keywords at some cost).
        day_offsets = [timedelta(days=offset) for offset in offsets[: phase.sessions_per_week or 0]]
        for k in range(0, phase_weeks, step):
            week_start = day0 + timedelta(weeks=week + k)
            if phase.sessions_per_week is not None:
                for offset in day_offsets:
                    day = week_start + offset
                    if phase.weeks is not None or day <= horizon_end:
                        out.append((phase, week + k, day))
            elif phase.weeks is not None or week_start <= horizon_end:
                out.append((phase, week + k, week_start))
        week += phase_weeks
    return out


def schedule(
    start: date,
    weekdays: Sequence[int],
    phases: Sequence[PhaseSpec],
    calendar: ClinicCalendar,
    horizon_end: date,
) -> list[ScheduledSession]:
    """Session dates for a course, shifted around closures, keeping each phase's minimum gap."""
    if len(calendar.closed_weekdays) >= 7:
        raise InputError(f"{ref('closed')} closes every weekday; leave at least one open day", "closed")
    if horizon_end < start:
        raise InputError(f"the plan ends before it starts; check {ref('weeks')} or {ref('until')}", "until")
    if not weekdays:
        raise InputError(f"{ref('days')} lists no weekday", "days")
    return list(_schedule(start, tuple(weekdays), tuple(phases), calendar, horizon_end))


# Patients who start on the same day with the same protocol, weekdays, clinic calendar and
# horizon have the same session dates: a roster's patients share start days (new patients start
# on the clinic's session days), so each schedule is laid out once and its sessions (immutable)
# are shared. Bounded: a few hundred courses of at most 156 weeks stay a few megabytes.
@functools.lru_cache(maxsize=256)
def _schedule(
    start: date,
    weekdays: tuple[int, ...],
    phases: tuple[PhaseSpec, ...],
    calendar: ClinicCalendar,
    horizon_end: date,
) -> tuple[ScheduledSession, ...]:
    first_day = first_session_day(start, weekdays, calendar)
    if (horizon_end - first_day).days > MAX_COURSE_WEEKS * 7:
        raise InputError(f"a plan longer than {MAX_COURSE_WEEKS} weeks is not a plan ketplan makes", "weeks")
    plan = planned_dates(first_day, weekdays, phases, horizon_end)
    session_days = frozenset(weekdays)
    totals: dict[str, int] = {}
    for phase, _, _ in plan:
        totals[phase.name] = totals.get(phase.name, 0) + 1
    seen: dict[str, int] = {}
    sessions: list[ScheduledSession] = []
    previous: ScheduledSession | None = None
    for index, (phase, _, planned) in enumerate(plan):
        day, reasons = planned, []
        closure = calendar.closure(planned)
        if closure:
            reasons.append(closure)
        if previous is not None and (day - previous.date).days < phase.min_gap_days:
            day = previous.date + timedelta(days=phase.min_gap_days)
            reasons.append(f"keeps the {phase.min_gap_days}-day minimum gap after session {previous.n}")
            if calendar.closure(day) and calendar.closure(day) not in reasons:
                reasons.append(f"then {day.strftime('%a %d %b')}: {calendar.closure(day)}")
        if closure:
            # Moved off a closed day: onto a session weekday when one leaves the next session its gap.
            following = plan[index + 1] if index + 1 < len(plan) else None
            latest = day + timedelta(days=6)
            if following is not None:
                latest = min(latest, following[2] - timedelta(days=following[0].min_gap_days))
            day, off = landing_day(day, latest, session_days, calendar)
        else:
            # Pushed by the minimum gap only: as little as it must.
            day = _next_open_day(day, calendar)
            off = day.weekday() not in session_days
        reason = "; ".join(reasons) if day != planned else None
        seen[phase.name] = seen.get(phase.name, 0) + 1
        session = ScheduledSession(
            n=len(sessions) + 1,
            phase=phase.name,
            phase_session=seen[phase.name],
            phase_sessions=totals[phase.name],
            planned=planned,
            date=day,
            reason=reason,
            off_weekdays=off and day != planned,
        )
        sessions.append(session)
        previous = session
    return tuple(sessions)


def landing_day(day: date, latest: date, session_days: frozenset[int], calendar: ClinicCalendar) -> tuple[date, bool]:
    """Where a moved session lands: the first open session weekday from `day` to `latest`,
    else the first open day from `day` (then True: it is off the session weekdays)."""
    candidate = day
    while candidate <= latest:
        if candidate.weekday() in session_days and calendar.closure(candidate) is None:
            return candidate, False
        candidate += timedelta(days=1)
    landed = _next_open_day(day, calendar)
    return landed, landed.weekday() not in session_days


def _next_open_day(day: date, calendar: ClinicCalendar) -> date:
    candidate = day
    for _ in range(MAX_SEARCH_DAYS):
        if calendar.closure(candidate) is None:
            return candidate
        candidate += ONE_DAY
    raise InputError(
        f"no open clinic day within {MAX_SEARCH_DAYS} days of {day.isoformat()}; check {ref('closed')}, {ref('skip')} and {ref('holidays')}",
        "skip",
    )


def _day(day: date) -> str:
    return f"{day.strftime('%a')} {day.isoformat()}"


def late_start_note(start: date, weekdays: Sequence[int], calendar: ClinicCalendar, first: date) -> str | None:
    """Why the first session is later than `start`, or None when it is on `start`."""
    if first <= start:
        return None
    days = set(weekdays)
    closed = []
    day = start
    while day < first:
        if day.weekday() in days:
            closed.append(f"{_day(day)} is closed ({calendar.closure(day) or 'closed'})")
        day += timedelta(days=1)
    pattern = ",".join(WEEKDAY_NAMES[d] for d in sorted(days))
    gap = (first - start).days
    why = [f"the session weekdays are {pattern}", *closed]
    return (
        f"First session {_day(first)}, {gap} day{'s' if gap != 1 else ''} after --start {_day(start)}: "
        + "; ".join(why)
        + "."
    )


def gap_changes(sessions: Sequence[ScheduledSession]) -> list[tuple[ScheduledSession, ScheduledSession, int, int]]:
    """(earlier, later, actual days, planned days) for each pair of consecutive sessions whose
    gap closures changed by GAP_CHANGE_DAYS or more."""
    out = []
    for a, b in pairwise(sessions):
        actual, planned = (b.date - a.date).days, (b.planned - a.planned).days
        if abs(actual - planned) >= GAP_CHANGE_DAYS:
            out.append((a, b, actual, planned))
    return out


def schedule_warnings(
    start: date, weekdays: Sequence[int], calendar: ClinicCalendar, sessions: Sequence[ScheduledSession]
) -> list[str]:
    """What a coordinator must know about the dates: a late first session, sessions moved off
    the session weekdays, and gaps that closures shortened or lengthened."""
    if not sessions:
        return []
    out = []
    note = late_start_note(start, weekdays, calendar, sessions[0].date)
    if note:
        out.append(note)
    pattern = ",".join(WEEKDAY_NAMES[d] for d in sorted(set(weekdays)))
    off = [s for s in sessions if s.off_weekdays]
    if off:
        shown = ", ".join(f"{s.n} ({_day(s.date)})" for s in off[:8]) + (", ..." if len(off) > 8 else "")
        out.append(
            f"Moved off the session weekdays ({pattern}): session(s) {shown}; no open {pattern} day "
            "left the next session its minimum gap."
        )
    changes = gap_changes(sessions)
    if changes:
        parts = []
        for a, b, actual, planned in changes[:8]:
            kind = "shortened" if actual < planned else "lengthened"
            parts.append(f"sessions {a.n}-{b.n} {actual} days apart (planned {planned}, {kind})")
        more = ", ..." if len(changes) > 8 else ""
        out.append(f"Gaps changed by closures: {', '.join(parts)}{more}. Check them against the protocol.")
    return out
