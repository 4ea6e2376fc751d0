"""Build a course of treatment: protocol + patient + clinic calendar -> dated, dosed sessions.

Pure: the protocol is already parsed, the clinic calendar (with any holiday lookup) is passed
in, and the time zone is an IANA name resolved with zoneinfo. Nothing here reads a clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import combinations, pairwise
from zoneinfo import ZoneInfo

from ketplan.core import dosing
from ketplan.core.errors import InputError, UnsafeDoseError, ref
from ketplan.core.identity import CourseIdentity
from ketplan.core.protocol import CheckpointWhen, FixedDose, Protocol, WeightDose
from ketplan.core.schedule import (
    WEEKDAY_NAMES,
    ClinicCalendar,
    PhaseSpec,
    ScheduledSession,
    course_first_day,
    schedule,
)
from ketplan.core.zones import resolve_zone

DEFAULT_WEEKS = 26
MIN_YEAR, MAX_YEAR = 1970, 2199


@dataclass(frozen=True)
class PlanRequest:
    protocol: Protocol
    start: date
    timezone: str
    time: time = time(9, 0)
    weekdays: tuple[int, ...] | None = None
    weeks: int | None = None
    until: date | None = None
    calendar: ClinicCalendar = field(default_factory=ClinicCalendar)
    label: str | None = None
    # esketamine
    dose_mg: int | None = None
    first_dose_mg: int | None = None
    every_weeks: int | None = None
    # racemic ketamine
    weight_kg: float | None = None
    weight_entered: str | None = None
    weight_unit_assumed: bool = False
    mg_per_kg: float | None = None
    height_cm: float | None = None
    sex: dosing.Sex | None = None
    basis: dosing.WeightBasis = dosing.WeightBasis.actual
    age: int | None = None
    screen_every_weeks: int | None = None


@dataclass(frozen=True)
class PlannedSession:
    n: int
    phase: str
    phase_session: int
    phase_sessions: int
    date: date
    start: datetime
    end: datetime
    dose_mg: float
    devices: int | None
    mg_per_kg: float | None
    drug_volume_ml: float | None
    administration_minutes: int
    observation_minutes: int
    moved_from: date | None
    reason: str | None
    notes: tuple[str, ...] = ()

    @property
    def weekday(self) -> str:
        return WEEKDAY_NAMES[self.date.weekday()]


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
class Plan:
    protocol: Protocol
    label: str | None
    start: date
    first_day: date
    end: date
    timezone: str
    time: time
    weekdays: tuple[int, ...]
    weekdays_chosen_by_ketplan: bool
    every_weeks: int | None
    sessions: tuple[PlannedSession, ...]
    checkpoints: tuple[Checkpoint, ...]
    warnings: tuple[str, ...]
    dose: dosing.WeightBasedDose | None = None

    @property
    def cumulative_dose_mg(self) -> float:
        return round(sum(s.dose_mg for s in self.sessions), 1)

    @property
    def identity(self) -> CourseIdentity:
        return CourseIdentity(self.protocol.id, self.label, self.start)

    @property
    def weekday_names(self) -> tuple[str, ...]:
        return tuple(WEEKDAY_NAMES[d] for d in self.weekdays)


def local_start(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The session's start as an aware datetime.

    DST rule: a wall time that does not exist (spring forward) moves forward by the gap
    (02:30 -> 03:30); a wall time that occurs twice (fall back) is the first occurrence.
    """
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    aware = naive.replace(tzinfo=zone)
    round_trip = aware.astimezone(UTC).astimezone(zone)
    return round_trip


def _utc_offset(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def clock_change_note(day: date, at: time, zone: ZoneInfo, start: datetime) -> str | None:
    """Say so when `at` does not exist on `day` (clocks go forward) or occurs twice (clocks go
    back), and which start the DST rule of `local_start` gave; None on an ordinary day."""
    wall = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    requested = at.strftime("%H:%M")
    where = f"on {day.isoformat()} in {zone.key}"
    if start.replace(tzinfo=None) != wall:
        moved = start.strftime("%H:%M") if start.date() == day else start.strftime("%Y-%m-%d %H:%M")
        return (
            f"{requested} does not exist {where} (clocks go forward): starts {moved} "
            f"({_utc_offset(start)}), moved forward by the gap"
        )
    first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        return (
            f"{requested} occurs twice {where} (clocks go back): starts at the first {requested} ({_utc_offset(start)})"
        )
    return None


def add_minutes(start: datetime, minutes: int) -> datetime:
    """Elapsed-time arithmetic (through UTC), correct across a DST change."""
    return (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(start.tzinfo)


def choose_weekdays(start: date, sessions_per_week: int, min_gap: int, closed: frozenset[int]) -> tuple[int, ...]:
    """A sensible pattern when the user gives none: the earliest open day on or after `start`
    that can anchor the week's sessions spread as evenly as the open days allow."""
    open_in_order = [d for d in ((start.weekday() + i) % 7 for i in range(7)) if d not in closed]
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


def build_plan(request: PlanRequest) -> Plan:
    protocol = request.protocol
    check_start(request.start)
    zone = resolve_zone(request.timezone)
    warnings: list[str] = []
    phases, every = _phase_specs(protocol, request.every_weeks)

    multi = max((p.sessions_per_week or 1) for p in phases)
    # Weekdays are spaced for the busiest phase; a weekly phase's own gap never constrains them.
    min_gap = max((p.min_gap_days for p in phases if (p.sessions_per_week or 1) == multi), default=1)
    if len(request.calendar.closed_weekdays) >= 7:
        raise InputError(
            f"{ref('closed')} closes every weekday; leave at least one open day (e.g. {ref('closed')} sat,sun)",
            "closed",
        )
    chosen_by_ketplan = request.weekdays is None
    if request.weekdays is not None:
        _check_weekdays(request.weekdays)
    if request.weekdays is None:
        weekdays = choose_weekdays(request.start, multi, min_gap, request.calendar.closed_weekdays)
    else:
        weekdays = tuple(request.weekdays)
        _check_weekday_gaps(weekdays[:multi], min_gap)
    first_day = course_first_day(request.start, weekdays[0])
    end = _horizon_end(request, first_day)
    closed_listed = [WEEKDAY_NAMES[d] for d in weekdays if d in request.calendar.closed_weekdays]
    if closed_listed:
        warnings.append(
            f"--days lists {','.join(closed_listed)}, a day the clinic is closed: those sessions move to the next open day."
        )

    scheduled = schedule(request.start, weekdays, phases, request.calendar, end)
    if not scheduled:
        raise InputError(f"the plan holds no session; extend {ref('weeks')} or {ref('until')}", "weeks")

    weight_dose = None
    session_weight_doses: list[dosing.WeightBasedDose] = []
    if isinstance(protocol.dose, WeightDose):
        session_weight_doses, titration_notes = _weight_doses(request, protocol.dose, len(scheduled))
        weight_dose = session_weight_doses[0]
        for dose in dict.fromkeys(session_weight_doses):
            warnings.extend(dose.warnings)
        session_doses = [
            (d.dose_mg, None, note) for d, note in zip(session_weight_doses, titration_notes, strict=False)
        ]
    else:
        warnings.extend(dosing.check_age(request.age))
        session_doses = _esketamine_doses(request, protocol.dose, len(scheduled), warnings)

    sessions = []
    clock_changed: list[int] = []
    for index, (item, (dose_mg, devices, notes)) in enumerate(zip(scheduled, session_doses, strict=False)):
        session_dose = session_weight_doses[index] if session_weight_doses else None
        if devices is not None and protocol.session.administration_from_devices:
            administration = dosing.esketamine_administration_minutes(int(dose_mg))
        elif weight_dose is not None and weight_dose.infusion_minutes is not None:
            administration = round(weight_dose.infusion_minutes)
        else:
            administration = protocol.session.administration_minutes or 0
        start = local_start(item.date, request.time, zone)
        clock_note = clock_change_note(item.date, request.time, zone, start)
        if clock_note is not None:
            notes = (*notes, clock_note)
            clock_changed.append(item.n)
        sessions.append(
            PlannedSession(
                n=item.n,
                phase=item.phase,
                phase_session=item.phase_session,
                phase_sessions=item.phase_sessions,
                date=item.date,
                start=start,
                end=add_minutes(start, administration + protocol.session.observation_minutes),
                dose_mg=dose_mg,
                devices=devices,
                mg_per_kg=session_dose.mg_per_kg if session_dose else None,
                drug_volume_ml=session_dose.drug_volume_ml if session_dose else None,
                administration_minutes=administration,
                observation_minutes=protocol.session.observation_minutes,
                moved_from=item.moved_from,
                reason=item.reason,
                notes=notes,
            )
        )
    _verify_doses(protocol, sessions, weight_dose)

    moved = sum(1 for s in sessions if s.moved_from)
    if moved:
        warnings.append(f"{moved} session(s) moved off closed days; see each session's note.")
    if clock_changed:
        warnings.append(
            f"Clock change: --time {request.time.strftime('%H:%M')} does not exist or occurs twice in {zone.key} "
            f"on the day of session(s) {', '.join(map(str, clock_changed))}. A time that does not exist moves "
            "forward by the gap; a time that occurs twice is its first occurrence. See each session's note."
        )
    if chosen_by_ketplan:
        warnings.append(
            f"Weekdays chosen by ketplan: {','.join(WEEKDAY_NAMES[d] for d in weekdays)} (set --days to change)."
        )
    warnings.extend(note.text for note in protocol.warnings)
    checkpoints = _checkpoints(protocol, scheduled, request.screen_every_weeks, warnings, request.calendar)
    return Plan(
        protocol=protocol,
        label=request.label,
        start=request.start,
        first_day=first_day,
        end=end,
        timezone=zone.key,
        time=request.time,
        weekdays=weekdays,
        weekdays_chosen_by_ketplan=chosen_by_ketplan,
        every_weeks=every,
        sessions=tuple(sessions),
        checkpoints=tuple(checkpoints),
        warnings=tuple(dict.fromkeys(warnings)),
        dose=weight_dose,
    )


def check_start(start: date) -> None:
    if not MIN_YEAR <= start.year <= MAX_YEAR:
        raise InputError(
            f"{ref('start')} {start.isoformat()} is outside the years {MIN_YEAR}-{MAX_YEAR} ketplan plans for", "start"
        )


def _horizon_end(request: PlanRequest, first_day: date) -> date:
    if request.weeks is not None and request.until is not None:
        raise InputError(f"give {ref('weeks')} or {ref('until')}, not both", "weeks")
    if request.until is not None:
        if request.until < first_day:
            raise InputError(
                f"{ref('until')} {request.until.isoformat()} is before the first session ({first_day.isoformat()})",
                "until",
            )
        end = request.until
    else:
        weeks = DEFAULT_WEEKS if request.weeks is None else request.weeks
        if isinstance(weeks, bool) or not isinstance(weeks, int) or weeks < 1:
            raise InputError(f"{ref('weeks')} must be a whole number of weeks, 1 or more", "weeks")
        if weeks > 156:
            raise InputError(
                f"{ref('weeks')} {weeks} is longer than ketplan plans (at most 156 weeks, 3 years)", "weeks"
            )
        end = first_day + timedelta(weeks=weeks) - timedelta(days=1)
    if (end - first_day).days > 156 * 7:
        raise InputError(
            f"{ref('until')} is more than 156 weeks (3 years) after the first session; plan a shorter horizon", "until"
        )
    return end


def _phase_specs(protocol: Protocol, every: int | None) -> tuple[list[PhaseSpec], int | None]:
    flexible = [p for p in protocol.phases if p.interval_weeks_allowed]
    if every is not None:
        if not flexible:
            raise InputError(f"{ref('every')} does not apply to {protocol.id}: its intervals are fixed", "every")
        allowed = flexible[-1].interval_weeks_allowed
        if isinstance(every, bool) or every not in allowed:
            shown = " or ".join(str(a) for a in allowed)
            raise InputError(
                f"{ref('every')} {every} is not allowed for {protocol.id}; use {shown} (weeks between sessions)",
                "every",
            )
    specs = []
    chosen = None
    for phase in protocol.phases:
        interval = phase.interval_weeks
        if phase.interval_weeks_allowed:
            interval = every if every is not None else phase.interval_weeks
            chosen = interval
        specs.append(
            PhaseSpec(
                name=phase.name,
                sessions_per_week=phase.sessions_per_week,
                interval_weeks=interval,
                weeks=None if phase.open_ended else phase.weeks,
                min_gap_days=phase.min_gap_days,
            )
        )
    return specs, chosen


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


def _weight_doses(request: PlanRequest, rule: WeightDose, count: int):
    """One dose per session: the same dose, or a titration that steps up to its target."""
    first = _weight_dose(request, rule, None)
    if rule.titration_step_mg_per_kg is None:
        return [first] * count, [()] * count
    doses, notes, by_level = [], [], {first.mg_per_kg: first}
    target = max(first.mg_per_kg, rule.titrate_to_mg_per_kg)
    for n in range(count):
        level = round(min(first.mg_per_kg + n * rule.titration_step_mg_per_kg, target), 3)
        if level not in by_level:
            by_level[level] = _weight_dose(request, rule, level)
        doses.append(by_level[level])
        notes.append(
            (
                f"Titration: {level:g} mg/kg if the previous dose was tolerated and response is incomplete; "
                "otherwise repeat the previous dose (clinician decides).",
            )
            if n
            else ()
        )
    return doses, notes


def _weight_dose(request: PlanRequest, rule: WeightDose, mg_per_kg: float | None) -> dosing.WeightBasedDose:
    protocol = request.protocol
    if request.dose_mg is not None or request.first_dose_mg is not None:
        raise InputError(
            f"{ref('dose')} and {ref('first_dose')} are esketamine doses; {protocol.id} is dosed in mg/kg ({ref('mg_per_kg')})",
            "dose",
        )
    if request.weight_kg is None:
        raise InputError(f"{ref('weight')} is required for {protocol.id}: its dose is weight-based (mg/kg)", "weight")
    if mg_per_kg is None:
        mg_per_kg = rule.default_mg_per_kg if request.mg_per_kg is None else request.mg_per_kg
    return dosing.weight_based_dose(
        weight_kg=request.weight_kg,
        weight_entered=request.weight_entered,
        weight_unit_assumed=request.weight_unit_assumed,
        mg_per_kg=mg_per_kg,
        route=protocol.route.value,
        basis=request.basis,
        height_cm=request.height_cm,
        sex=request.sex,
        age=request.age,
        minutes=rule.infusion_minutes,
        concentration_mg_per_ml=rule.concentration_mg_per_ml,
        final_volume_ml=rule.final_volume_ml,
        allowed_mg_per_kg=(rule.min_mg_per_kg, rule.max_mg_per_kg),
    )


def _esketamine_doses(request: PlanRequest, rule: FixedDose, count: int, warnings: list[str]):
    protocol = request.protocol
    if request.mg_per_kg is not None:
        raise InputError(
            f"{ref('mg_per_kg')} applies to weight-based protocols; {protocol.id} uses fixed esketamine doses ({ref('dose')})",
            "mg_per_kg",
        )
    later = rule.default_mg if request.dose_mg is None else request.dose_mg
    dosing.check_esketamine_dose(later, tuple(rule.allowed_mg))
    first = rule.first_dose_mg
    older = request.age is not None and request.age >= dosing.OLDER_ADULT_AGE
    if request.first_dose_mg is not None and request.first_dose_mg != rule.first_dose_mg:
        if request.first_dose_mg == rule.older_adult_first_dose_mg and older:
            first = request.first_dose_mg
            warnings.append(
                f"First dose {first} mg for age {request.age}: outside the US label, which gives no separate "
                f"starting dose. {rule.older_adult_note or ''}".strip()
            )
        elif request.first_dose_mg == rule.older_adult_first_dose_mg:
            raise UnsafeDoseError(
                f"{ref('first_dose')} {request.first_dose_mg} mg is only for patients aged 65 or over (give {ref('age')}); "
                f"{protocol.id} starts at {rule.first_dose_mg} mg",
                "first_dose",
            )
        else:
            raise UnsafeDoseError(
                f"{ref('first_dose')} {request.first_dose_mg} mg is not allowed for {protocol.id}; the first dose is "
                f"{rule.first_dose_mg} mg"
                + (
                    f" ({rule.older_adult_first_dose_mg} mg possible at 65 or over)"
                    if rule.older_adult_first_dose_mg
                    else ""
                ),
                "first_dose",
            )
    elif older and rule.older_adult_first_dose_mg and rule.older_adult_first_dose_mg != first:
        warnings.append(f"Age {request.age}: {rule.older_adult_note or 'consider the starting dose for older adults.'}")
    doses = []
    previous = None
    for n in range(1, count + 1):
        notes: tuple[str, ...] = ()
        if n == 1:
            mg = first
        elif rule.escalate_only_after_first and later > 56 and previous is not None and previous < 56:
            mg = 56
            notes = (f"{later} mg only after a 56 mg dose: this session is 56 mg.",)
        else:
            mg = later
        doses.append((float(mg), dosing.esketamine_devices(mg), notes))
        previous = mg
    return doses


def _verify_doses(
    protocol: Protocol, sessions: list[PlannedSession], dose: dosing.WeightBasedDose | None = None
) -> None:
    """Last line of defence: no session leaves the core with a dose outside its limits (the
    drug's hard limits and the protocol's own, whatever a protocol file or a caller asked for)."""
    weight_kg = dose.dosing_weight_kg if dose is not None else None
    # dosing_weight_kg is rounded to 0.01 kg: allow for that rounding, nothing more.
    slack = 1e-6 + (0.005 * dosing.RACEMIC_MG_PER_KG_LIMITS[protocol.route.value][1] if dose is not None else 0.0)
    if not sessions:
        raise InputError(f"the plan holds no session; extend {ref('weeks')} or {ref('until')}", "weeks")
    for session in sessions:
        if isinstance(protocol.dose, FixedDose):
            allowed = set(protocol.dose.allowed_mg) | {protocol.dose.first_dose_mg}
            if protocol.dose.older_adult_first_dose_mg and session.n == 1:
                allowed.add(protocol.dose.older_adult_first_dose_mg)
            if session.n == 2 and protocol.dose.escalate_only_after_first:
                allowed.add(56)
            if int(session.dose_mg) not in allowed or int(session.dose_mg) not in dosing.ESKETAMINE_DOSES_MG:
                raise UnsafeDoseError(
                    f"session {session.n}: {session.dose_mg:g} mg is outside {protocol.id}'s doses", "dose"
                )
        else:
            low, high = dosing.RACEMIC_MG_PER_KG_LIMITS[protocol.route.value]
            # The protocol's own range, never wider than the drug's hard range.
            low, high = max(low, protocol.dose.min_mg_per_kg), min(high, protocol.dose.max_mg_per_kg)
            if (
                session.mg_per_kg is None
                or not math.isfinite(session.mg_per_kg)
                or not low <= session.mg_per_kg <= high
            ):
                raise UnsafeDoseError(f"session {session.n}: dose outside {low:g}-{high:g} mg/kg", "mg_per_kg")
            if (
                weight_kg is None
                or not math.isfinite(session.dose_mg)
                or not (low * weight_kg - slack <= session.dose_mg <= high * weight_kg + slack)
            ):
                raise UnsafeDoseError(
                    f"session {session.n}: {session.dose_mg:g} mg is outside {low:g}-{high:g} mg/kg", "mg_per_kg"
                )
            if session.drug_volume_ml is not None and dose is not None and dose.concentration_mg_per_ml:
                delivered = session.drug_volume_ml * dose.concentration_mg_per_ml
                if not low * weight_kg - slack <= delivered <= high * weight_kg + slack:
                    raise UnsafeDoseError(
                        f"session {session.n}: {session.drug_volume_ml:g} mL delivers {delivered:g} mg, outside "
                        f"{low:g}-{high:g} mg/kg",
                        "concentration",
                    )


def _open_on_or_before(day: date, calendar: ClinicCalendar) -> date:
    for back in range(14):
        candidate = day - timedelta(days=back)
        if calendar.closure(candidate) is None:
            return candidate
    return day


def _checkpoints(
    protocol: Protocol,
    scheduled: list[ScheduledSession],
    screen_every: int | None,
    warnings: list[str],
    calendar: ClinicCalendar,
):
    """Checkpoint dates. Something done before the course (enrolment) falls on an open day on or
    before its date; periodic screens fall on the first session on or after they are due, since
    they are done with the patient at a visit; deadlines (REMS forms) stay on their date."""
    if screen_every is not None and (isinstance(screen_every, bool) or not 1 <= screen_every <= 52):
        raise InputError(f"{ref('screen_every')} must be 1-52 weeks", "screen_every")
    out: list[Checkpoint] = []
    first_date = scheduled[0].date
    last_date = scheduled[-1].date
    for rule in protocol.checkpoints:
        common = {
            "id": rule.id,
            "title": rule.title,
            "detail": rule.detail,
            "sources": tuple(rule.sources),
            "ketplan_default": rule.ketplan_default,
        }
        if rule.when is CheckpointWhen.before_first_session:
            out.append(
                Checkpoint(date=_open_on_or_before(first_date + timedelta(days=rule.offset_days), calendar), **common)
            )
        elif rule.when is CheckpointWhen.after_each_session:
            for s in scheduled:
                out.append(
                    Checkpoint(
                        date=s.date + timedelta(days=rule.offset_days),
                        session_n=s.n,
                        **{**common, "title": f"{rule.title} (session {s.n})"},
                    )
                )
        elif rule.when is CheckpointWhen.end_of_phase:
            in_phase = [s for s in scheduled if s.phase == rule.phase]
            if in_phase:
                last = in_phase[-1]
                out.append(Checkpoint(date=last.date + timedelta(days=rule.offset_days), session_n=last.n, **common))
        elif rule.when is CheckpointWhen.every_weeks:
            in_phases = [s for s in scheduled if s.phase in (rule.phases or [])]
            if not in_phases:
                continue
            interval = screen_every if (screen_every is not None and rule.ketplan_default) else rule.every_weeks
            due = in_phases[0].date + timedelta(weeks=interval)
            while due <= in_phases[-1].date:
                visit = next(s for s in in_phases if s.date >= due)
                out.append(
                    Checkpoint(
                        date=visit.date,
                        session_n=visit.n,
                        **{**common, "title": f"{rule.title} (at session {visit.n})"},
                    )
                )
                due += timedelta(weeks=interval)
        elif rule.when is CheckpointWhen.course_weeks:
            day = first_date + timedelta(weeks=rule.weeks) + timedelta(days=rule.offset_days)
            out.append(Checkpoint(date=day, **common))
            if last_date > day:
                warnings.append(f"{rule.title}: the plan runs past week {rule.weeks}.")
    out.sort(key=lambda c: (c.date, c.session_n or 0, c.id))
    return out
