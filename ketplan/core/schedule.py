"""The schedule engine: turns phases into session dates on a clinic's calendar.

Pure and deterministic: every date comes from the inputs (start date, weekdays, phases,
closures, horizon). There is no "today" in here.

Rules
- The course's first day is the first listed weekday on or after the start date; week k of
  the course begins k weeks after it.
- A phase with n sessions a week uses the first n listed weekdays of each of its weeks.
  A phase every w weeks falls on the first listed weekday of every w-th week.
- A session on a closed day moves to the next open day. A later session moves only as far
  as it must to stay `min_gap_days` after the one before. No session is ever dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from ketplan.core.errors import InputError, ref

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_LONG = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_SEARCH_DAYS = 60  # a closure run of this many days or more is a calendar mistake, not a plan
MAX_COURSE_WEEKS = 156


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
    """When the clinic is closed: weekdays (0 = Monday), single dates, and named holidays."""

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


@dataclass(frozen=True)
class ScheduledSession:
    n: int
    phase: str
    phase_session: int
    phase_sessions: int
    planned: date
    date: date
    reason: str | None = None

    @property
    def moved_from(self) -> date | None:
        return self.planned if self.date != self.planned else None


def parse_weekdays(text: str, field_name: str = "days") -> tuple[int, ...]:
    """'tue,fri' -> (1, 4). Order is kept: the first listed day anchors weekly phases."""
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
    return start + timedelta(days=(first_weekday - start.weekday()) % 7)


def planned_dates(
    start: date, weekdays: Sequence[int], phases: Sequence[PhaseSpec], horizon_end: date
) -> list[tuple[PhaseSpec, int, date]]:
    """(phase, week index, planned date) before any closure is applied, in date order."""
    if not weekdays:
        raise InputError(f"{ref('days')} lists no weekday", "days")
    day0 = course_first_day(start, weekdays[0])
    offsets = [(d - weekdays[0]) % 7 for d in weekdays]
    out: list[tuple[PhaseSpec, int, date]] = []
    week = 0
    for phase in phases:
        if phase.sessions_per_week is not None and phase.sessions_per_week > len(weekdays):
            raise InputError(
                f"{ref('days')} lists {len(weekdays)} weekday(s) but phase {phase.name!r} needs "
                f"{phase.sessions_per_week} sessions a week",
                "days",
            )
        phase_weeks = phase.weeks
        if phase_weeks is None:
            remaining = (horizon_end - day0).days // 7 + 1 - week
            phase_weeks = max(0, remaining)
        step = phase.interval_weeks or 1
        for k in range(0, phase_weeks, step):
            week_start = day0 + timedelta(weeks=week + k)
            if phase.sessions_per_week is not None:
                chosen = sorted(offsets[: phase.sessions_per_week])
                for offset in chosen:
                    day = week_start + timedelta(days=offset)
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
    first_day = course_first_day(start, weekdays[0]) if weekdays else start
    if (horizon_end - first_day).days > MAX_COURSE_WEEKS * 7:
        raise InputError(f"a plan longer than {MAX_COURSE_WEEKS} weeks is not a plan ketplan makes", "weeks")
    plan = planned_dates(start, weekdays, phases, horizon_end)
    totals: dict[str, int] = {}
    for phase, _, _ in plan:
        totals[phase.name] = totals.get(phase.name, 0) + 1
    seen: dict[str, int] = {}
    sessions: list[ScheduledSession] = []
    previous: ScheduledSession | None = None
    for phase, _, planned in plan:
        day, reasons = planned, []
        if calendar.closure(planned):
            reasons.append(calendar.closure(planned))
        if previous is not None and (day - previous.date).days < phase.min_gap_days:
            day = previous.date + timedelta(days=phase.min_gap_days)
            reasons.append(f"keeps the {phase.min_gap_days}-day minimum gap after session {previous.n}")
            if calendar.closure(day) and calendar.closure(day) not in reasons:
                reasons.append(f"then {day.strftime('%a %d %b')}: {calendar.closure(day)}")
        day = _next_open_day(day, calendar)
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
        )
        sessions.append(session)
        previous = session
    return sessions


def _next_open_day(day: date, calendar: ClinicCalendar) -> date:
    for offset in range(MAX_SEARCH_DAYS):
        candidate = day + timedelta(days=offset)
        if calendar.closure(candidate) is None:
            return candidate
    raise InputError(
        f"no open clinic day within {MAX_SEARCH_DAYS} days of {day.isoformat()}; check {ref('closed')}, {ref('skip')} and {ref('holidays')}",
        "skip",
    )
