"""Checkpoint dates: what is due before, during and after a course, laid on the plan's sessions.

Something done before the course (enrolment, screening) falls on an open clinic day on or before
its date; periodic screens fall on the first session on or after they are due, since they are done
with the patient at a visit; deadlines (REMS forms) stay on their date.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ketplan.core.errors import InputError, ref
from ketplan.core.protocol import CheckpointRule, CheckpointWhen, Protocol
from ketplan.core.schedule import ONE_DAY, ClinicCalendar, ScheduledSession


@dataclass(frozen=True)
class Checkpoint:
    id: str
    date: date
    title: str
    detail: str
    sources: tuple[str, ...]
    ketplan_default: bool = False
    session_n: int | None = None


@dataclass(frozen=True)
class _Context:
    scheduled: Sequence[ScheduledSession]
    screen_every: int | None
    calendar: ClinicCalendar


def check_screen_every(screen_every: int | None) -> None:
    if screen_every is not None and (isinstance(screen_every, bool) or not 1 <= screen_every <= 52):
        raise InputError(f"{ref('screen_every')} must be 1-52 weeks", "screen_every")


def open_on_or_before(day: date, calendar: ClinicCalendar) -> date:
    candidate = day
    for _ in range(14):
        if calendar.closure(candidate) is None:
            return candidate
        candidate -= ONE_DAY
    return day


def _make(rule: CheckpointRule, day: date, session_n: int | None = None, title: str | None = None) -> Checkpoint:
    return Checkpoint(
        id=rule.id,
        date=day,
        title=title or rule.title,
        detail=rule.detail,
        sources=tuple(rule.sources),
        ketplan_default=rule.ketplan_default,
        session_n=session_n,
    )


def _before_first(rule: CheckpointRule, ctx: _Context, warnings: list[str]) -> Iterator[Checkpoint]:
    first = ctx.scheduled[0].date
    yield _make(rule, open_on_or_before(first + timedelta(days=rule.offset_days), ctx.calendar))


def _after_each(rule: CheckpointRule, ctx: _Context, warnings: list[str]) -> Iterator[Checkpoint]:
    # One per session: what `_make` gives, with the rule's fields read once for all of them.
    offset, sources = timedelta(days=rule.offset_days), tuple(rule.sources)
    for s in ctx.scheduled:
        yield Checkpoint(
            id=rule.id,
            date=s.date + offset,
            title=f"{rule.title} (session {s.n})",
            detail=rule.detail,
            sources=sources,
            ketplan_default=rule.ketplan_default,
            session_n=s.n,
        )


def _end_of_phase(rule: CheckpointRule, ctx: _Context, warnings: list[str]) -> Iterator[Checkpoint]:
    in_phase = [s for s in ctx.scheduled if s.phase == rule.phase]
    # A phase the plan cuts short has no end-of-phase review in it (the cut is warned about).
    if in_phase and in_phase[-1].phase_session == in_phase[-1].phase_sessions:
        last = in_phase[-1]
        yield _make(rule, last.date + timedelta(days=rule.offset_days), last.n)


def _every_weeks(rule: CheckpointRule, ctx: _Context, warnings: list[str]) -> Iterator[Checkpoint]:
    in_phases = [s for s in ctx.scheduled if s.phase in (rule.phases or [])]
    if not in_phases:
        return
    interval = ctx.screen_every if (ctx.screen_every is not None and rule.ketplan_default) else rule.every_weeks
    assert interval is not None  # the protocol model requires every_weeks for every-weeks rules
    due = in_phases[0].date + timedelta(weeks=interval)
    while due <= in_phases[-1].date:
        visit = next(s for s in in_phases if s.date >= due)
        yield _make(rule, visit.date, visit.n, f"{rule.title} (at session {visit.n})")
        due += timedelta(weeks=interval)


def _course_weeks(rule: CheckpointRule, ctx: _Context, warnings: list[str]) -> Iterator[Checkpoint]:
    assert rule.weeks is not None  # the protocol model requires weeks for course-weeks rules
    day = ctx.scheduled[0].date + timedelta(weeks=rule.weeks) + timedelta(days=rule.offset_days)
    yield _make(rule, day)
    if ctx.scheduled[-1].date > day:
        warnings.append(f"{rule.title}: the plan runs past week {rule.weeks}.")


_BY_WHEN = {
    CheckpointWhen.before_first_session: _before_first,
    CheckpointWhen.after_each_session: _after_each,
    CheckpointWhen.end_of_phase: _end_of_phase,
    CheckpointWhen.every_weeks: _every_weeks,
    CheckpointWhen.course_weeks: _course_weeks,
}


def plan_checkpoints(
    rules: Sequence[CheckpointRule],
    scheduled: Sequence[ScheduledSession],
    screen_every: int | None,
    warnings: list[str],
    calendar: ClinicCalendar,
    setting: str = "outpatient",
) -> list[Checkpoint]:
    """Every checkpoint of `rules` for these sessions (and this care setting), in date order."""
    check_screen_every(screen_every)
    ctx = _Context(scheduled, screen_every, calendar)
    applicable = [rule for rule in rules if not rule.settings or setting in rule.settings]
    out = [c for rule in applicable for c in _BY_WHEN[rule.when](rule, ctx, warnings)]
    out.sort(key=lambda c: (c.date, c.session_n or 0, c.id))
    return out


def protocol_checkpoints(
    protocol: Protocol,
    scheduled: Sequence[ScheduledSession],
    screen_every: int | None,
    warnings: list[str],
    calendar: ClinicCalendar,
    setting: str = "outpatient",
) -> list[Checkpoint]:
    return plan_checkpoints(protocol.checkpoints, scheduled, screen_every, warnings, calendar, setting)
