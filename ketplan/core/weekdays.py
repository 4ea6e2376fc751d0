"""Session weekdays: the ones given, checked for spacing, or a pattern ketplan chooses."""

from __future__ import annotations

import functools
from datetime import date
from itertools import combinations, pairwise

from ketplan.core.errors import InputError, ref
from ketplan.core.schedule import WEEKDAY_NAMES, ClinicCalendar, PhaseSpec, check_weekday_spacing, first_session_day


def choose_weekdays(start: date, sessions_per_week: int, min_gap: int, closed: frozenset[int]) -> tuple[int, ...]:
    """A sensible pattern when the user gives none: the earliest open day on or after `start`
    that can anchor the week's sessions spread as evenly as the open days allow."""
    return _weekday_pattern(start.weekday(), sessions_per_week, min_gap, frozenset(closed))


# The pattern depends only on the start's weekday, the phase and the closed weekdays: a few hundred
# combinations at most, each searched once per process instead of once per patient.
@functools.lru_cache(maxsize=512)
def _weekday_pattern(
    first_weekday: int, sessions_per_week: int, min_gap: int, closed: frozenset[int]
) -> tuple[int, ...]:
    open_in_order = [d for d in ((first_weekday + i) % 7 for i in range(7)) if d not in closed]
    for first in open_in_order:
        best: tuple[tuple[int, ...], tuple] | None = None
        others = [d for d in range(7) if d not in closed and d != first]
        for rest in combinations(others, sessions_per_week - 1):
            offsets = sorted((d - first) % 7 for d in rest)
            points = [0, *offsets]
            gaps = [b - a for a, b in pairwise(points)] + [7 - points[-1]]
            if min(gaps) < min_gap:
                continue
            score = (-min(gaps), offsets)
            if best is None or score < best[1]:
                best = ((first, *((first + o) % 7 for o in offsets)), score)
        if best is not None:
            return best[0]
    raise InputError(
        f"the open weekdays cannot hold {sessions_per_week} sessions a week {min_gap} days apart; "
        f"set {ref('days')} or open more days ({ref('closed')})",
        "days",
    )


def plan_weekdays(
    start: date,
    given: tuple[int, ...] | None,
    phases: list[PhaseSpec],
    calendar: ClinicCalendar,
    warnings: list[str],
) -> tuple[tuple[int, ...], bool]:
    """The session weekdays (given, or chosen by ketplan), spaced for the busiest phase."""
    multi = max((p.sessions_per_week or 1) for p in phases)
    # Weekdays are spaced for the busiest phase; a weekly phase's own gap never constrains them.
    min_gap = max((p.min_gap_days for p in phases if (p.sessions_per_week or 1) == multi), default=1)
    if len(calendar.closed_weekdays) >= 7:
        raise InputError(
            f"{ref('closed')} closes every weekday; leave at least one open day (e.g. {ref('closed')} sat,sun)",
            "closed",
        )
    if given is None:
        # Anchored on the first open day on or after --start (a holiday start is not a session).
        first_open = first_session_day(start, range(7), calendar)
        weekdays = choose_weekdays(first_open, multi, min_gap, calendar.closed_weekdays)
    else:
        _check_weekdays(given)
        weekdays = tuple(given)
        _refuse_closed_weekdays(weekdays, calendar.closed_weekdays)
        # The order of --days does not matter (issue 13): any of them may anchor the course.
        check_weekday_spacing(weekdays, multi, min_gap)
    return weekdays, given is None


def _refuse_closed_weekdays(days: tuple[int, ...], closed: frozenset[int]) -> None:
    listed = [WEEKDAY_NAMES[d] for d in days if d in closed]
    if listed:
        open_days = ",".join(WEEKDAY_NAMES[d] for d in range(7) if d not in closed)
        raise InputError(
            f"{ref('days')} lists {','.join(listed)}, a day the clinic is closed (open days: {open_days}); "
            f"choose open days, or change the clinic's open days ({ref('closed')})",
            "days",
        )


def _check_weekdays(days) -> None:
    """Library callers pass weekdays as numbers: 0 (Monday) to 6 (Sunday), each at most once."""
    values = tuple(days)
    if not values or any(isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6 for d in values):
        raise InputError(f"{ref('days')} must list weekdays such as tue,fri (mon to sun)", "days")
    if len(set(values)) != len(values):
        raise InputError(f"{ref('days')} lists a weekday twice", "days")


def _check_weekday_gaps(days: tuple[int, ...], min_gap: int) -> None:
    if len(days) < 2:
        return
    points = sorted(days)
    gaps = [b - a for a, b in pairwise(points)] + [points[0] + 7 - points[-1]]
    if min(gaps) < min_gap:
        shown = ",".join(WEEKDAY_NAMES[d] for d in days)
        raise InputError(
            f"{ref('days')} {shown} puts sessions less than {min_gap} days apart; choose days such as tue,fri or mon,wed,fri",
            "days",
        )
