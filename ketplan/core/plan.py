"""Build a course of treatment: protocol + patient + clinic calendar -> dated, dosed sessions.

Pure: the protocol is already parsed, the clinic calendar (with any holiday lookup) is passed
in, and the time zone is an IANA name resolved with zoneinfo. Nothing here reads a clock.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ketplan.core import dosing
from ketplan.core.checkpoints import Checkpoint, protocol_checkpoints
from ketplan.core.errors import InputError, ref
from ketplan.core.identity import CourseIdentity
from ketplan.core.protocol import Protocol, WeightDose
from ketplan.core.schedule import (
    WEEKDAY_NAMES,
    ClinicCalendar,
    PhaseSpec,
    ScheduledSession,
    first_session_day,
    schedule,
    schedule_warnings,
)
from ketplan.core.session_doses import (
    SessionDose,
    esketamine_doses,
    titration_start_warning,
    verify_doses,
    weight_doses,
)
from ketplan.core.weekdays import choose_weekdays, plan_weekdays
from ketplan.core.zones import resolve_zone

__all__ = ["Checkpoint", "Plan", "PlanRequest", "PlannedSession", "build_plan", "choose_weekdays", "local_start"]

DEFAULT_WEEKS = 26
MIN_YEAR, MAX_YEAR = 1970, 2199
_Date = date  # field names `date` shadow the type inside the dataclasses below


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
    # racemic ketamine preparation (None: the protocol's value)
    concentration_mg_per_ml: float | None = None
    final_volume_ml: float | None = None
    infusion_minutes: float | None = None
    # "outpatient" (default) or "inpatient": REMS enrolment and monitoring forms are outpatient duties.
    setting: str = "outpatient"


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
    moved_from: _Date | None
    reason: str | None
    notes: tuple[str, ...] = ()

    @property
    def weekday(self) -> str:
        return WEEKDAY_NAMES[self.date.weekday()]


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
    setting: str = "outpatient"
    every_weeks_chosen_by_ketplan: bool = False

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


def build_plan(request: PlanRequest) -> Plan:
    protocol = request.protocol
    check_start(request.start)
    zone = resolve_zone(request.timezone)
    warnings: list[str] = []
    phases, every = _phase_specs(protocol, request.every_weeks)
    weekdays, chosen_by_ketplan = plan_weekdays(request.start, request.weekdays, phases, request.calendar, warnings)
    first_day = first_session_day(request.start, weekdays, request.calendar)
    end = _horizon_end(request, first_day)
    setting = check_setting(request.setting)
    scheduled = _cut_at_end(schedule(request.start, weekdays, phases, request.calendar, end), end, warnings)
    warnings.extend(schedule_warnings(request.start, weekdays, request.calendar, scheduled))
    session_doses, weight_doses = _session_doses(request, len(scheduled), warnings)
    weight_dose = weight_doses[0] if weight_doses else None
    sessions, clock_changed = _dated_sessions(request, zone, scheduled, session_doses, weight_doses)
    verify_doses(protocol, sessions, weight_dose)
    _schedule_warnings(request, zone, sessions, clock_changed, weekdays, chosen_by_ketplan, warnings)
    warnings.extend(note.text for note in protocol.warnings)
    _setting_warnings(protocol, setting, warnings)
    checkpoints = protocol_checkpoints(
        protocol, scheduled, request.screen_every_weeks, warnings, request.calendar, setting
    )
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
        setting=setting,
        every_weeks_chosen_by_ketplan=every is not None and request.every_weeks is None,
    )


SETTINGS = ("outpatient", "inpatient")


def check_setting(setting: str) -> str:
    if not isinstance(setting, str) or setting.strip().lower() not in SETTINGS:
        raise InputError(f"{ref('setting')} must be outpatient (the default) or inpatient", "setting")
    return setting.strip().lower()


def _cut_at_end(scheduled: list[ScheduledSession], end: date, warnings: list[str]) -> list[ScheduledSession]:
    """A plan ends where --weeks or --until says, even inside the protocol's fixed phases."""
    kept = [s for s in scheduled if s.planned <= end]
    if not kept:
        raise InputError(f"the plan holds no session; extend {ref('weeks')} or {ref('until')}", "weeks")
    if len(kept) < len(scheduled):
        cut = scheduled[len(kept)]
        warnings.append(
            f"Course cut short: the plan ends on {end.isoformat()} (--weeks/--until), during the "
            f"{cut.phase} phase; {len(kept)} of the protocol's {len(scheduled)} fixed sessions are planned."
        )
    return kept


def _setting_warnings(protocol: Protocol, setting: str, warnings: list[str]) -> None:
    if setting == "inpatient" and any(rule.settings for rule in protocol.checkpoints):
        warnings.append(
            "Inpatient setting: inpatient settings do not enrol patients in the REMS or submit Patient "
            "Monitoring Forms, so those checkpoints are left out (give --setting outpatient for an outpatient clinic)."
        )


def _session_doses(
    request: PlanRequest, count: int, warnings: list[str]
) -> tuple[list[SessionDose], list[dosing.WeightBasedDose]]:
    """The dose of each session, and for weight-based protocols each session's full dose."""
    rule = request.protocol.dose
    if isinstance(rule, WeightDose):
        doses, titration_notes = weight_doses(request, rule, count)
        # Each different dose's warnings once. The list repeats a few dose objects (one per
        # titration level): hashing a dose hashes all its fields, so the repeats go first.
        for dose in dict.fromkeys({id(d): d for d in doses}.values()):
            warnings.extend(dose.warnings)
        start_warning = titration_start_warning(rule, doses[0].mg_per_kg)
        if start_warning is not None:
            warnings.append(start_warning)
        return [(d.dose_mg, None, note) for d, note in zip(doses, titration_notes, strict=False)], doses
    warnings.extend(dosing.check_age(request.age, request.protocol.route.value))
    return esketamine_doses(request, rule, count, warnings), []


def _administration_minutes(protocol: Protocol, dose_mg: float, devices: int | None, weight_dose) -> int:
    if devices is not None and protocol.session.administration_from_devices:
        return dosing.esketamine_administration_minutes(int(dose_mg))
    if weight_dose is not None and weight_dose.infusion_minutes is not None:
        return round(weight_dose.infusion_minutes)
    return protocol.session.administration_minutes or 0


def _dated_sessions(
    request: PlanRequest,
    zone: ZoneInfo,
    scheduled: list[ScheduledSession],
    session_doses: list[SessionDose],
    weight_doses: list[dosing.WeightBasedDose],
) -> tuple[list[PlannedSession], list[int]]:
    """Scheduled days + doses -> sessions with their start and end times (and clock-change notes)."""
    protocol = request.protocol
    first_weight_dose = weight_doses[0] if weight_doses else None
    sessions = []
    clock_changed: list[int] = []
    wall_time = request.time.replace(tzinfo=None, fold=0)
    for index, (item, (dose_mg, devices, notes)) in enumerate(zip(scheduled, session_doses, strict=False)):
        session_dose = weight_doses[index] if weight_doses else None
        administration = _administration_minutes(protocol, dose_mg, devices, first_weight_dose)
        start, end, clock_note = _session_times(
            item.date, wall_time, zone, administration + protocol.session.observation_minutes
        )
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
                end=end,
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
    return sessions, clock_changed


# Sessions on the same day at the same time in the same zone, of the same length, start and end at
# the same instants: a roster's patients share most of them, so each is computed once. Bounded: a
# clinic's few zones and times over a few years of days fit, and a miss only costs the computation.
@functools.lru_cache(maxsize=8192)
def _session_times(day: date, wall_time: time, zone: ZoneInfo, minutes: int) -> tuple[datetime, datetime, str | None]:
    """A session's start, its end `minutes` later and its clock-change note: what `local_start`,
    `add_minutes` and `clock_change_note` give. `wall_time` has no tzinfo and fold 0: the start
    depends on nothing else of --time.

    On an ordinary day the trips through UTC are skipped (misses are common in a roster of many
    zones and times): a wall time with the same UTC offset for fold=0 and fold=1 neither falls in
    a gap nor occurs twice, so it is its own start (the round trip gives it back) and has no note;
    an end whose wall time is ordinary too, with the same offset, is the instant start + minutes,
    so the wall-clock sum is exact. Any other session takes the general rule."""
    wall = datetime.combine(day, wall_time)
    start = wall.replace(tzinfo=zone)
    offset = start.utcoffset()
    if offset == wall.replace(tzinfo=zone, fold=1).utcoffset():
        end = start + timedelta(minutes=minutes)
        if end.utcoffset() == offset == end.replace(fold=1).utcoffset():
            return start, end, None
    start = local_start(day, wall_time, zone)
    return start, add_minutes(start, minutes), clock_change_note(day, wall_time, zone, start)


def _schedule_warnings(
    request: PlanRequest,
    zone: ZoneInfo,
    sessions: list[PlannedSession],
    clock_changed: list[int],
    weekdays: tuple[int, ...],
    chosen_by_ketplan: bool,
    warnings: list[str],
) -> None:
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
        allowed = flexible[-1].interval_weeks_allowed or []
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
