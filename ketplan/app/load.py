"""A clinic's chair load: how many chairs each clinic day needs, and when.

A clinic's real limit is chairs and observation time: every session holds a chair for its
administration and its observation (from the protocol: esketamine 56 mg is 5 min + 2 h). For
each clinic day this works out the sessions, the chair-hours they need, the chair-hours the
clinic has (`chairs` x opening hours), and the peak number of patients in chairs at once,
computed from the sessions' start times and lengths (a sweep over start and end instants, a
chair freed at 11:05 can take the next patient at 11:05), not just counted.

`stagger` spreads a day's patients over start times `step` minutes apart, within the clinic's
hours, so that patients in chairs never exceed `chairs`; what cannot be placed is reported, never
dropped silently. A patient keeps the start time they were given the day before when it still
fits, so most patients keep one time for the whole course.

Input is any iterable of (id, Plan): `plans_from_roster` reads a roster CSV through the same
path as `ketplan plan --roster`. The course store (issue 10) is the other source: a function
yielding (label, plan of the course with its record) plugs in here unchanged (`PlanSource`).

Pure apart from `plans_from_roster` (which reads the roster): no clock, no terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ketplan.core.errors import InputError, KetplanError, ref

PlanSource = Iterable[tuple[str, object]]  # (row id or course label, ketplan.core.plan.Plan)

DEFAULT_OPENS, DEFAULT_CLOSES = time(8, 0), time(18, 0)  # ketplan defaults, said so in the output
SLOT_MINUTES = 30  # the timeline's resolution
MAX_CHAIRS = 200


@dataclass(frozen=True)
class ClinicHours:
    chairs: int
    opens: time = DEFAULT_OPENS
    closes: time = DEFAULT_CLOSES
    hours_are_default: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.chairs, bool) or not isinstance(self.chairs, int) or not 1 <= self.chairs <= MAX_CHAIRS:
            raise InputError(f"{ref('chairs')} must be a whole number of chairs, 1-{MAX_CHAIRS}", "chairs")
        if self.closes <= self.opens:
            raise InputError(
                f"{ref('closes')} {self.closes.strftime('%H:%M')} is not after {ref('opens')} "
                f"{self.opens.strftime('%H:%M')}",
                "closes",
            )

    @property
    def open_minutes(self) -> int:
        return (self.closes.hour * 60 + self.closes.minute) - (self.opens.hour * 60 + self.opens.minute)


@dataclass(frozen=True)
class Visit:
    """One session of one patient: it holds a chair from `start` for `minutes`."""

    id: str
    session: int
    protocol: str
    start: datetime  # aware, in the plan's zone
    minutes: int  # administration + observation

    @property
    def day(self) -> date:
        return self.start.date()

    @property
    def end(self) -> datetime:
        from ketplan.core.plan import add_minutes

        return add_minutes(self.start, self.minutes)

    def at(self, start: datetime) -> Visit:
        return Visit(self.id, self.session, self.protocol, start, self.minutes)


@dataclass(frozen=True)
class Unplaced:
    visit: Visit
    reason: str


@dataclass
class DayLoad:
    day: date
    visits: list[Visit]
    hours: ClinicHours

    @property
    def chair_minutes(self) -> int:
        return sum(v.minutes for v in self.visits)

    @property
    def capacity_minutes(self) -> int:
        return self.hours.chairs * self.hours.open_minutes

    @property
    def peak(self) -> tuple[int, datetime | None]:
        return peak_concurrency(self.visits)

    @property
    def outside_hours(self) -> list[Visit]:
        return [v for v in self.visits if not _within_hours(v, self.hours)]

    @property
    def over_capacity(self) -> bool:
        return self.peak[0] > self.hours.chairs or self.chair_minutes > self.capacity_minutes

    def timeline(self, slot: int = SLOT_MINUTES) -> list[int]:
        """Patients in chairs in each `slot`-minute slot of the opening hours (the most at once)."""
        slots = -(-self.hours.open_minutes // slot)
        if not self.visits:
            return [0] * slots
        opens = _wall(self.day, self.hours.opens, self.visits[0].start.tzinfo)
        counts = []
        for k in range(slots):
            lo, hi = opens + timedelta(minutes=k * slot), opens + timedelta(minutes=(k + 1) * slot)
            counts.append(peak_of_intervals((max(v.start, lo), min(v.end, hi)) for v in self.visits)[0])
        return counts


@dataclass
class LoadReport:
    hours: ClinicHours
    days: list[DayLoad]
    first: date | None = None  # the --from/--to window asked for, if any
    last: date | None = None
    stagger_minutes: int | None = None
    moved: list[tuple[Visit, Visit]] = field(default_factory=list)  # (as planned, as staggered)
    unplaced: list[Unplaced] = field(default_factory=list)
    errors: list[tuple[int, str | None, str]] = field(default_factory=list)  # (roster line, id, message)

    @property
    def over_days(self) -> list[DayLoad]:
        return [d for d in self.days if d.over_capacity]


def _wall(day: date, at: time, zone) -> datetime:
    from ketplan.core.plan import local_start

    return local_start(day, at, zone if isinstance(zone, ZoneInfo) else ZoneInfo(str(zone)))


def _within_hours(visit: Visit, hours: ClinicHours) -> bool:
    opens = _wall(visit.day, hours.opens, visit.start.tzinfo)
    closes = _wall(visit.day, hours.closes, visit.start.tzinfo)
    return opens <= visit.start and visit.end <= closes


def peak_concurrency(visits: Iterable[Visit]) -> tuple[int, datetime | None]:
    """The most visits holding a chair at one instant, and the first instant it happens."""
    return peak_of_intervals((v.start, v.end) for v in visits)


def peak_of_intervals(intervals: Iterable[tuple[datetime, datetime]]) -> tuple[int, datetime | None]:
    """The most [start, end) intervals covering one instant, and the first such instant.

    An interval ending at 11:05 and one starting at 11:05 do not overlap: ends count first."""
    events: list[tuple[datetime, int]] = []
    for start, end in intervals:
        if end > start:
            events.append((start, 1))
            events.append((end, -1))
    events.sort(key=lambda item: (item[0], item[1]))
    current = best = 0
    when = None
    for instant, change in events:
        current += change
        if current > best:
            best, when = current, instant
    return best, when


def visits_of(plans: PlanSource) -> list[Visit]:
    out = []
    for row_id, plan in plans:
        for s in plan.sessions:  # type: ignore[attr-defined]
            out.append(
                Visit(
                    id=row_id,
                    session=s.n,
                    protocol=plan.protocol.id,  # type: ignore[attr-defined]
                    start=s.start,
                    minutes=s.administration_minutes + s.observation_minutes,
                )
            )
    return out


def _in_window(day: date, first: date | None, last: date | None) -> bool:
    return (first is None or day >= first) and (last is None or day <= last)


def chair_load(
    visits: Iterable[Visit],
    hours: ClinicHours,
    *,
    first: date | None = None,
    last: date | None = None,
    stagger_minutes: int | None = None,
) -> LoadReport:
    """The load of every clinic day with a session in [first, last], staggered when asked."""
    if first is not None and last is not None and last < first:
        raise InputError(f"{ref('to')} {last.isoformat()} is before {ref('from')} {first.isoformat()}", "to")
    chosen = sorted((v for v in visits if _in_window(v.day, first, last)), key=lambda v: (v.start, v.id, v.session))
    report = LoadReport(hours=hours, days=[], first=first, last=last, stagger_minutes=stagger_minutes)
    if stagger_minutes is not None:
        chosen, report.moved, report.unplaced = stagger(chosen, hours, stagger_minutes)
    by_day: dict[date, list[Visit]] = {}
    for v in chosen:
        by_day.setdefault(v.day, []).append(v)
    report.days = [DayLoad(day, sorted(vs, key=lambda v: (v.start, v.id)), hours) for day, vs in sorted(by_day.items())]
    return report


def stagger(
    visits: list[Visit], hours: ClinicHours, step: int
) -> tuple[list[Visit], list[tuple[Visit, Visit]], list[Unplaced]]:
    """Start times `step` minutes apart from opening time so that no more than `chairs` patients
    are in chairs at once and every visit ends by closing time.

    Greedy and deterministic: a day's visits in their planned order (start time, then id), each
    at the time its patient had on their last staggered day if that still fits, else at its
    planned time, else at the slot nearest the planned time that fits. Returns (placed visits, [(planned, placed) for those whose time changed], unplaced)."""
    if isinstance(step, bool) or not isinstance(step, int) or not 5 <= step <= 240:
        raise InputError(f"{ref('stagger')} must be 5 minutes to 4 hours, e.g. 30m", "stagger")
    placed: list[Visit] = []
    moved: list[tuple[Visit, Visit]] = []
    unplaced: list[Unplaced] = []
    usual: dict[str, time] = {}
    by_day: dict[date, list[Visit]] = {}
    for v in visits:
        by_day.setdefault(v.day, []).append(v)
    for day, day_visits in sorted(by_day.items()):
        today: list[Visit] = []
        for visit in day_visits:
            zone = visit.start.tzinfo
            opens = _wall(day, hours.opens, zone)
            closes = _wall(day, hours.closes, zone)
            if visit.end - visit.start > closes - opens:
                unplaced.append(
                    Unplaced(visit, f"a {visit.minutes}-minute session is longer than the clinic's opening hours")
                )
                continue
            # The patient's time from their last staggered day, then the planned time, then the
            # slots nearest the planned time (the later one first on a tie: nobody is asked to come
            # earlier than planned when a later slot is as near).
            candidates: list[datetime] = []
            if visit.id in usual:
                candidates.append(_wall(day, usual[visit.id], zone))
            candidates.append(visit.start)
            grid = []
            slot = opens
            while slot <= closes:
                grid.append(slot)
                slot += timedelta(minutes=step)
            candidates += sorted(grid, key=lambda t: (abs((t - visit.start).total_seconds()), t < visit.start))
            chosen = None
            for start in candidates:
                trial = visit.at(start)
                if start < opens or trial.end > closes:
                    continue
                if peak_concurrency([*today, trial])[0] <= hours.chairs:
                    chosen = trial
                    break
            if chosen is None:
                unplaced.append(
                    Unplaced(
                        visit,
                        f"all {hours.chairs} chair(s) are taken at every {step}-minute start between "
                        f"{hours.opens.strftime('%H:%M')} and {hours.closes.strftime('%H:%M')}",
                    )
                )
                continue
            today.append(chosen)
            usual[visit.id] = chosen.start.timetz().replace(tzinfo=None)
            if chosen.start != visit.start:
                moved.append((visit, chosen))
        placed.extend(today)
    return placed, moved, unplaced


def parse_step(text: str) -> int:
    """'30m', '30', '1h', '1h30m', '90min' -> minutes."""
    import re

    cleaned = str(text).strip().lower().replace(" ", "")
    match = re.fullmatch(r"(?:(\d{1,2})h)?(?:(\d{1,3})(?:m|min)?)?", cleaned)
    if not cleaned or match is None or not any(match.groups()):
        raise InputError(f"{ref('stagger')} {text!r} is not a time step such as 30m, 45m or 1h", "stagger")
    minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    if not 5 <= minutes <= 240:
        raise InputError(f"{ref('stagger')} must be 5 minutes to 4 hours, e.g. 30m", "stagger")
    return minutes


@dataclass(frozen=True)
class RosterPlan:
    """One roster row: its plan, or why it has none."""

    line: int
    id: str | None
    plan: object | None = None
    error: str | None = None


def plans_from_roster(spec: str, *, default_zone: str) -> Iterator[RosterPlan]:
    """Each roster row planned, with the same reading and validation as `ketplan plan --roster`."""
    from ketplan.app.planning import plan_from_text
    from ketplan.app.roster import iter_rows, open_roster, spell_in_roster

    stream, source = open_roster(spec)
    try:
        for row in iter_rows(stream, source):
            if row.error is not None:
                yield RosterPlan(row.line, row.id, error=row.error)
                continue
            try:
                yield RosterPlan(row.line, row.id, plan=plan_from_text(row.options, default_zone=default_zone))
            except KetplanError as error:
                yield RosterPlan(row.line, row.id, error=error.spelled(spell_in_roster))
    finally:
        if spec != "-":  # never close the process's stdin
            stream.close()


def load_from_roster(
    spec: str,
    hours: ClinicHours,
    *,
    default_zone: str,
    first: date | None = None,
    last: date | None = None,
    stagger_minutes: int | None = None,
) -> LoadReport:
    plans: list[tuple[str, object]] = []
    errors: list[tuple[int, str | None, str]] = []
    for row in plans_from_roster(spec, default_zone=default_zone):
        if row.plan is None or row.id is None:
            errors.append((row.line, row.id, row.error or "not planned"))
        else:
            plans.append((row.id, row.plan))
    report = chair_load(visits_of(plans), hours, first=first, last=last, stagger_minutes=stagger_minutes)
    report.errors = errors
    return report


def plans_from_courses(store, *, moment: datetime) -> list[tuple[str, object]]:
    """Every stored course's current plan (its latest revision), less the sessions the record
    shows as missed or cancelled: what the clinic's chairs hold."""
    import dataclasses

    from ketplan.app.course import show
    from ketplan.app.course_calendar import current_plan

    with store.transaction(write=False):
        labels = [row.label for row in store.list_courses()]
    plans: list[tuple[str, object]] = []
    for label in labels:
        loaded, _revisions, result = show(store, label, moment=moment)
        plan, status = current_plan(loaded, result)
        kept = tuple(s for s in plan.sessions if status.get(s.n) not in ("missed", "cancelled"))
        plans.append((label, dataclasses.replace(plan, sessions=kept)))
    return plans


def load_from_courses(
    store,
    hours: ClinicHours,
    *,
    moment: datetime,
    first: date | None = None,
    last: date | None = None,
    stagger_minutes: int | None = None,
) -> LoadReport:
    plans = plans_from_courses(store, moment=moment)
    return chair_load(visits_of(plans), hours, first=first, last=last, stagger_minutes=stagger_minutes)
