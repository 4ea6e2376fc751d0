"""The label's missed-dose rules and replanning the rest of a course from what was given.

Pure: the course's plan revision, its record, the clinic calendar and `today` come in; advice
and a new plan revision go out. Every rule carries its sources.

Rules (SPRAVATO; J&J medical information on missed doses, the US label):
- missed session(s) in the first 4 weeks: continue the current dosing schedule. The remaining
  sessions stay as planned; the induction is not restarted. `make_up` adds one session at the
  end of the phase, as the clinician's explicit choice.
- missed session(s) during maintenance with worsening symptoms: per clinical judgement, consider
  returning to the previous dosing schedule (weekly -> twice weekly, every 2 weeks -> weekly).
  Offered as a suggestion; only `step_back` applies it, never silently.
- `every` and `dose` change the open-ended phase's interval and the dose from `from` on, with the
  checks of planning (intervals the protocol allows; 84 mg only after a 56 mg dose was given).
A stepped-back schedule runs to the end of the current phase (an open-ended phase: to the end of
the plan); the later phases follow as planned, moved to start after it.
"""

from __future__ import annotations

from collections.abc import Sequence

# Records are plain dataclasses without generated repr (and eq where unused), not frozen: each generated
# method costs an exec at import, and `course record`/`status` have a start-up budget. Treat them as immutable.
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING

from ketplan.core import dosing
from ketplan.core.course import (
    GIVEN,
    JNJ_MISSED_DOSES,
    MISSED,
    REPLAN,
    SESSION_KINDS,
    SPRAVATO_LABEL,
    Advice,
    CoursePlan,
    CourseSession,
    Entry,
    PhaseRule,
    SessionView,
    effective,
    in_first_weeks,
    merge,
)
from ketplan.core.errors import InputError, UnsafeDoseError, ref

if TYPE_CHECKING:
    from ketplan.core.schedule import ClinicCalendar

MAX_SEARCH_DAYS = 60


def frequency_text(per_week: int | None, interval: int | None) -> str:
    if per_week is not None:
        return {1: "once weekly", 2: "twice weekly", 3: "three times weekly"}.get(per_week, f"{per_week} times weekly")
    if interval == 1:
        return "weekly"
    return f"every {interval} weeks"


def phase_frequency(plan: CoursePlan, phase_name: str) -> tuple[int | None, int | None]:
    """(sessions a week, weeks between sessions) of a phase as this revision runs it."""
    override = dict(plan.overrides).get(phase_name)
    if override is not None:
        return override
    rule = _phase(plan, phase_name)
    if rule is None:
        return (None, 1)
    if rule.interval_weeks_allowed and plan.every_weeks is not None:
        return (None, plan.every_weeks)
    return (rule.sessions_per_week, rule.interval_weeks)


def step_back_target(plan: CoursePlan, per_week: int | None, interval: int | None) -> tuple[int | None, int | None]:
    """The previous (more frequent) dosing schedule: every 2 weeks -> weekly -> twice weekly."""
    if interval is not None and interval > 1:
        return (None, interval - 1)
    if interval is not None:
        busiest = max((p.sessions_per_week or 1 for p in plan.phases), default=1)
        if busiest > 1:
            return (busiest, None)
    raise InputError(
        f"{ref('step_back')}: the course already runs {frequency_text(per_week, interval)}, its most frequent "
        "schedule; there is no previous schedule to return to",
        "step_back",
    )


def _phase(plan: CoursePlan, name: str) -> PhaseRule | None:
    return next((p for p in plan.phases if p.name == name), None)


# --------------------------------------------------------------------------- advice for status


def missed_dose_advice(
    label: str, plan: CoursePlan, entries: Sequence[Entry], views: Sequence[SessionView], today: date
) -> tuple[list[Advice], list[Advice]]:
    """Alerts and suggestions for missed sessions not yet followed by a replan."""
    alerts: list[Advice] = []
    suggestions: list[Advice] = []
    standing = effective(entries)
    last_replan = max((e.seq for e in standing if e.kind == REPLAN), default=0)
    missed_entries = {
        e.session_n: e for e in standing if e.kind == MISSED and e.session_n is not None and e.seq > last_replan
    }
    made_up = {int(n) for e in standing if e.kind == REPLAN for n in (e.payload.get("made_up") or []) if n is not None}
    for view in views:
        if view.status != MISSED or view.n not in missed_entries:
            continue
        if not plan.is_esketamine:
            alerts.append(
                Advice(
                    "missed",
                    f"Session {view.n} ({view.date.isoformat()}) was missed. ketplan has no sourced missed-dose rule "
                    f"for {plan.protocol_id}: the clinician decides (ketplan course replan {label} --make-up adds one "
                    "session at the end of the phase).",
                )
            )
            continue
        if in_first_weeks(plan, view.date):
            alerts.append(
                Advice(
                    "missed-first-4-weeks",
                    f"Session {view.n} ({view.date.isoformat()}) was missed in the first 4 weeks: the label says "
                    "continue the current dosing schedule. The remaining sessions stay as planned; the induction is "
                    "not restarted.",
                    (JNJ_MISSED_DOSES,),
                )
            )
            if view.n not in made_up and not any(s.id == "make-up" for s in suggestions):
                suggestions.append(
                    Advice(
                        "make-up",
                        f"If you choose to, add one session at the end of the {view.phase} phase for the missed "
                        f"session {view.n} (not required by the label: it says continue the current schedule).",
                        (JNJ_MISSED_DOSES,),
                        command=f"ketplan course replan {label} --make-up",
                    )
                )
        else:
            per_week, interval = phase_frequency(plan, view.phase)
            try:
                target = frequency_text(*step_back_target(plan, per_week, interval))
            except InputError:
                target = None
            alerts.append(
                Advice(
                    "missed-maintenance",
                    f"Session {view.n} ({view.date.isoformat()}) was missed during maintenance "
                    f"({frequency_text(per_week, interval)}). If depressive symptoms have worsened, the label guidance "
                    "is to consider returning to the previous dosing schedule, per clinical judgement"
                    + (f" ({frequency_text(per_week, interval)} -> {target})." if target else "."),
                    (JNJ_MISSED_DOSES,),
                )
            )
            if target and not any(s.id == "step-back" for s in suggestions):
                suggestions.append(
                    Advice(
                        "step-back",
                        f"If symptoms have worsened: return to {target} dosing from the next session "
                        f"(now {frequency_text(per_week, interval)}). Applied only with this command, never silently.",
                        (JNJ_MISSED_DOSES, SPRAVATO_LABEL),
                        command=f"ketplan course replan {label} --step-back",
                    )
                )
    return alerts, suggestions


# --------------------------------------------------------------------------- replanning


@dataclass(eq=False, repr=False)
class ReplanRequest:
    from_date: date | None = None
    step_back: bool = False
    every: int | None = None
    dose_mg: int | None = None
    weekdays: tuple[int, ...] | None = None
    make_up: bool = False

    @property
    def changes(self) -> bool:
        return bool(self.step_back or self.make_up or self.every is not None or self.dose_mg is not None) or (
            self.weekdays is not None
        )


@dataclass(eq=False, repr=False)
class ReplanResult:
    plan: CoursePlan
    start: date
    applied: tuple[Advice, ...]
    moved: int
    added: int
    cancelled: int
    made_up: int | None = None

    @property
    def changed(self) -> bool:
        return bool(self.moved or self.added or self.cancelled)


@dataclass(eq=False, repr=False)
class _Segment:
    phase: str
    per_week: int | None
    interval: int | None
    count: int | None  # None: to the end of the plan
    min_gap: int


def replan_course(
    plan: CoursePlan,
    entries: Sequence[Entry],
    request: ReplanRequest,
    calendar: ClinicCalendar,
    today: date,
) -> ReplanResult:
    views = merge(plan, entries)
    standing = effective(entries)
    recorded = [d for v in views if v.status in SESSION_KINDS for d in (v.date, v.given_date) if d is not None]
    last_recorded = max(recorded, default=None)
    if request.from_date is not None:
        start = request.from_date
        if last_recorded is not None and start <= last_recorded:
            raise InputError(
                f"{ref('from')} {start.isoformat()} is not after the last recorded session ({last_recorded.isoformat()}): "
                "what was recorded stays as it is",
                "from",
            )
    else:
        start = today if last_recorded is None or today > last_recorded else last_recorded + timedelta(days=1)
    applied: list[Advice] = []
    last_replan = max((e.seq for e in standing if e.kind == REPLAN), default=0)
    new_missed = {e.session_n for e in standing if e.kind == MISSED and e.seq > last_replan}
    missed = [v for v in views if v.status == MISSED and v.n in new_missed]
    if plan.is_esketamine and any(in_first_weeks(plan, v.date) for v in missed) and not request.make_up:
        applied.append(
            Advice(
                "continue-schedule",
                "Missed session(s) in the first 4 weeks: the current dosing schedule continues; the remaining "
                "sessions stay as planned and the induction is not restarted.",
                (JNJ_MISSED_DOSES,),
            )
        )
    if not request.changes:
        applied.append(Advice("no-change", "No change requested: the remaining sessions stay as planned."))
        return ReplanResult(plan, start, tuple(applied), 0, 0, 0)

    kept = [s for s in plan.sessions if s.date < start]
    remaining = [s for s in plan.sessions if s.date >= start]
    weekdays = request.weekdays if request.weekdays is not None else plan.weekdays
    every = plan.every_weeks
    overrides = dict(plan.overrides)
    flexible = [p for p in plan.phases if p.interval_weeks_allowed]

    if request.every is not None:
        if not flexible:
            raise InputError(f"{ref('every')} does not apply to {plan.protocol_id}: its intervals are fixed", "every")
        allowed = flexible[-1].interval_weeks_allowed
        if isinstance(request.every, bool) or request.every not in allowed:
            shown = " or ".join(str(a) for a in allowed)
            raise InputError(
                f"{ref('every')} {request.every} is not allowed for {plan.protocol_id}; use {shown} (weeks between "
                "sessions)",
                "every",
            )
        every = request.every
        overrides.pop(flexible[-1].name, None)
        applied.append(
            Advice(
                "every",
                f"The {flexible[-1].name} phase runs every {every} week(s) from {start.isoformat()} "
                f"(allowed: {', '.join(map(str, allowed))}).",
                (SPRAVATO_LABEL,),
            )
        )

    base = replace(plan, every_weeks=every, overrides=tuple(overrides.items()))
    segments = _segments(base, remaining, kept)
    made_up = None
    if request.make_up:
        made_up = _make_up(base, standing, views, segments, applied)
    if request.step_back:
        _step_back(base, segments, overrides, applied, start)
    base = replace(base, overrides=tuple(overrides.items()))
    if request.weekdays is not None:
        _check_weekdays(base, weekdays, segments)
    dose = _replan_dose(base, standing, request, start, applied)

    dates = _dates(base, kept, segments, weekdays, start, calendar)
    sessions = _sessions(base, kept, remaining, dates, dose)
    old = {s.n: s for s in plan.sessions}
    moved = sum(
        1
        for s in sessions
        if s.n in old and (old[s.n].date, old[s.n].dose_mg, old[s.n].phase) != (s.date, s.dose_mg, s.phase)
    )
    added = sum(1 for s in sessions if s.n not in old)
    new_ns = {s.n for s in sessions}
    cancelled = [s for s in plan.sessions if s.n not in new_ns]
    still_cancelled = [s for s in plan.cancelled if s.n not in new_ns]
    new_plan = replace(
        base,
        weekdays=tuple(weekdays),
        sessions=tuple(sessions),
        cancelled=tuple(sorted([*still_cancelled, *cancelled], key=lambda s: s.n)),
    )
    return ReplanResult(new_plan, start, tuple(applied), moved, added, len(cancelled), made_up)


def _segments(plan: CoursePlan, remaining: Sequence[CourseSession], kept: Sequence[CourseSession]) -> list[_Segment]:
    counts: dict[str, int] = {}
    for s in remaining:
        counts[s.phase] = counts.get(s.phase, 0) + 1
    segments = []
    for rule in plan.phases:
        if rule.name not in counts and not (rule.open_ended and remaining):
            continue
        per_week, interval = phase_frequency(plan, rule.name)
        segments.append(
            _Segment(
                rule.name, per_week, interval, None if rule.open_ended else counts.get(rule.name, 0), rule.min_gap_days
            )
        )
    return segments


def _make_up(plan, standing, views, segments: list[_Segment], applied: list[Advice]) -> int:
    made = {int(n) for e in standing if e.kind == REPLAN for n in (e.payload.get("made_up") or [])}
    candidates = [v for v in views if v.status == MISSED and v.n is not None and v.n not in made]
    if not candidates:
        raise InputError(
            f"{ref('make_up')}: the record shows no missed session that has not been made up already", "make_up"
        )
    target = candidates[-1]
    rule = _phase(plan, target.phase)
    if rule is None or rule.open_ended:
        raise InputError(
            f"{ref('make_up')}: session {target.n} was missed in the open-ended {target.phase} phase, which has no end "
            "to add a session at; the schedule simply continues",
            "make_up",
        )
    segment = next((s for s in segments if s.phase == target.phase), None)
    if segment is None:
        per_week, interval = phase_frequency(plan, target.phase)
        segment = _Segment(target.phase, per_week, interval, 0, rule.min_gap_days)
        segments.insert(0, segment)
    segment.count = (segment.count or 0) + 1
    applied.append(
        Advice(
            "make-up",
            f"One session added at the end of the {target.phase} phase for missed session {target.n} (the "
            "clinician's choice; the label says continue the current dosing schedule). Later phases follow it.",
            (JNJ_MISSED_DOSES,),
        )
    )
    assert target.n is not None
    return target.n


def _step_back(plan: CoursePlan, segments: list[_Segment], overrides: dict, applied: list[Advice], start: date) -> None:
    if not segments:
        raise InputError(f"{ref('step_back')}: no planned session is left from {start.isoformat()}", "step_back")
    current = segments[0]
    per_week, interval = step_back_target(plan, current.per_week, current.interval)
    rule = _phase(plan, current.phase)
    before = frequency_text(current.per_week, current.interval)
    if current.count is not None and current.interval is not None and per_week is not None:
        current.count = current.count * current.interval * per_week  # the same weeks at the new frequency
    elif current.count is not None and current.interval is not None and interval is not None:
        current.count = -(-current.count * current.interval // interval)
    current.per_week, current.interval = per_week, interval
    if per_week is not None:
        busiest = max(plan.phases, key=lambda p: p.sessions_per_week or 0)
        current.min_gap = busiest.min_gap_days
    overrides[current.phase] = (per_week, interval)
    until = "the end of the plan" if rule is not None and rule.open_ended else f"the end of the {current.phase} phase"
    applied.append(
        Advice(
            "step-back",
            f"Stepped back from {before} to {frequency_text(per_week, interval)} dosing from {start.isoformat()} until "
            f"{until} (missed session(s) during maintenance with worsening symptoms: consider returning to the "
            "previous dosing schedule, per clinical judgement).",
            (JNJ_MISSED_DOSES, SPRAVATO_LABEL),
        )
    )


def _check_weekdays(plan: CoursePlan, weekdays: tuple[int, ...], segments: Sequence[_Segment]) -> None:
    need = max((s.per_week or 1 for s in segments), default=1)
    if len(weekdays) < need:
        raise InputError(
            f"{ref('days')} lists {len(weekdays)} weekday(s) but the remaining sessions need {need} a week", "days"
        )
    gap = max((s.min_gap for s in segments if (s.per_week or 1) == need), default=1)
    points = sorted(weekdays[:need])
    if len(points) > 1:
        gaps = [b - a for a, b in pairwise(points)] + [points[0] + 7 - points[-1]]
        if min(gaps) < gap:
            from ketplan.core.schedule import WEEKDAY_NAMES

            shown = ",".join(WEEKDAY_NAMES[d] for d in weekdays)
            raise InputError(
                f"{ref('days')} {shown} puts sessions less than {gap} days apart; choose days such as tue,fri", "days"
            )


def _replan_dose(plan, standing, request: ReplanRequest, start: date, applied: list[Advice]) -> int | None:
    if request.dose_mg is None:
        return None
    if plan.dose.kind != "fixed":
        raise InputError(
            f"{ref('dose')} is an esketamine dose; {plan.protocol_id} is dosed in mg/kg (record the given dose with "
            "ketplan course record --mg-per-kg)",
            "dose",
        )
    mg = dosing.check_esketamine_dose(request.dose_mg, tuple(plan.dose.allowed_mg))
    if plan.dose.escalate_only_after_first and mg > 56:
        given_56 = [
            e
            for e in standing
            if e.kind == GIVEN and float(e.payload.get("dose_mg", 0)) >= 56 and (e.session_date or date.max) < start
        ]
        if not given_56:
            raise UnsafeDoseError(
                f"{ref('dose')} {mg} mg only after a 56 mg dose has been given; the record shows none before "
                f"{start.isoformat()}",
                "dose",
            )
    applied.append(
        Advice(
            "dose",
            f"Dose {mg} mg from {start.isoformat()} (allowed: {'/'.join(map(str, plan.dose.allowed_mg))} mg; 84 mg only "
            "after a 56 mg dose).",
            (SPRAVATO_LABEL,),
        )
    )
    return mg


def _dates(
    plan: CoursePlan,
    kept: Sequence[CourseSession],
    segments: Sequence[_Segment],
    weekdays: tuple[int, ...],
    start: date,
    calendar: ClinicCalendar,
) -> list[tuple[str, date, date, str | None]]:
    """(phase, slot, date, reason) for every new session, in order."""
    out: list[tuple[str, date, date, str | None]] = []
    prev = kept[-1].date if kept else None
    prev_phase = kept[-1].phase if kept else None
    for segment in segments:
        slots = _slots(plan, segment, weekdays, start, prev, prev_phase)
        placed = 0
        for slot in slots:
            if segment.count is not None and placed >= segment.count:
                break
            if segment.count is None and slot > plan.horizon_end:
                break
            day, reasons = slot, []
            closure = calendar.closure(slot)
            if closure:
                reasons.append(closure)
            if prev is not None and (day - prev).days < segment.min_gap:
                day = prev + timedelta(days=segment.min_gap)
                reasons.append(f"keeps the {segment.min_gap}-day minimum gap")
            day = _next_open(day, calendar)
            out.append((segment.phase, slot, day, "; ".join(r for r in reasons if r) if day != slot else None))
            prev, prev_phase = day, segment.phase
            placed += 1  # noqa: SIM113 (an endless generator, stopped by count or horizon)
    return out


def _slots(plan: CoursePlan, segment: _Segment, weekdays, start: date, prev: date | None, prev_phase: str | None):
    if segment.per_week is not None:
        chosen = set(weekdays[: segment.per_week])
        day = start if prev is None else max(start, prev + timedelta(days=1))
        while True:
            if day.weekday() in chosen:
                yield day
            day += timedelta(days=1)
    interval = segment.interval or 1
    anchor = weekdays[0]
    if prev is None:
        base = start
    elif prev_phase == segment.phase:
        week = (prev - plan.first_day).days // 7
        base = max(start, plan.first_day + timedelta(weeks=week + interval))
    else:
        base = max(start, prev + timedelta(days=1))
    day = base + timedelta(days=(anchor - base.weekday()) % 7)
    while True:
        yield day
        day += timedelta(weeks=interval)


def _next_open(day: date, calendar: ClinicCalendar) -> date:
    for offset in range(MAX_SEARCH_DAYS):
        candidate = day + timedelta(days=offset)
        if calendar.closure(candidate) is None:
            return candidate
    raise InputError(f"no open clinic day within {MAX_SEARCH_DAYS} days of {day.isoformat()}", "skip")


def _sessions(
    plan: CoursePlan,
    kept: Sequence[CourseSession],
    remaining: Sequence[CourseSession],
    dates: Sequence[tuple[str, date, date, str | None]],
    dose: int | None,
) -> list[CourseSession]:
    from zoneinfo import ZoneInfo

    from ketplan.core.plan import add_minutes, clock_change_note, local_start

    zone = ZoneInfo(plan.timezone)
    templates = list(remaining) or list(kept[-1:])
    out = list(kept)
    for index, (phase, slot, day, reason) in enumerate(dates):
        n = len(kept) + index + 1
        same_phase = [s for s in templates if s.phase == phase]
        template = (
            remaining[index]
            if index < len(remaining) and remaining[index].phase == phase
            else (same_phase[-1] if same_phase else templates[-1])
        )
        mg = template.dose_mg
        devices = template.devices
        administration = template.administration_minutes
        if plan.dose.kind == "fixed":
            if n == 1:
                mg = float(plan.sessions[0].dose_mg)
            elif dose is not None:
                mg = float(dose)
            devices = dosing.esketamine_devices(int(mg))
            administration = dosing.esketamine_administration_minutes(int(mg))
        begin = local_start(day, plan.time, zone)
        notes = tuple(n_ for n_ in template.notes if "only after a 56 mg dose" not in n_ and "does not exist" not in n_)
        note = clock_change_note(day, plan.time, zone, begin)
        if note:
            notes = (*notes, note)
        out.append(
            CourseSession(
                n=n,
                phase=phase,
                phase_session=0,
                phase_sessions=0,
                date=day,
                start=begin,
                end=add_minutes(begin, administration + template.observation_minutes),
                dose_mg=mg,
                devices=devices,
                mg_per_kg=template.mg_per_kg,
                drug_volume_ml=template.drug_volume_ml,
                administration_minutes=administration,
                observation_minutes=template.observation_minutes,
                moved_from=slot if day != slot else None,
                reason=reason,
                notes=notes,
            )
        )
    totals: dict[str, int] = {}
    for s in out:
        totals[s.phase] = totals.get(s.phase, 0) + 1
    seen: dict[str, int] = {}
    numbered = []
    for s in out:
        seen[s.phase] = seen.get(s.phase, 0) + 1
        numbered.append(replace(s, phase_session=seen[s.phase], phase_sessions=totals[s.phase]))
    return numbered
