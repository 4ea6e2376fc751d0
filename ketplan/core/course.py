"""A treatment course that follows reality: its planned sessions merged with what was recorded.

Pure: a course plan snapshot (the planned sessions of its latest revision, with the dose
limits it was planned under) and the append-only record entries come in; statuses, the
next session due, the cumulative dose given and the label's advice go out. `today` is
always passed in (the application layer reads the clock in the course's time zone).

Entries are never changed: a correction is a new entry that names the one it supersedes
(`corrects`), and every reader works on the effective entries (those not superseded).
Entry kinds are open: later capabilities (monitoring data, scores, REMS form marks) add
kinds; the merge here only reads `given` and `missed` and ignores the others.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

# Records are plain dataclasses without generated repr (and eq where unused), not frozen: each generated
# method costs an exec at import, and `course record`/`status` have a start-up budget. Treat them as immutable.
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from ketplan.core import dosing
from ketplan.core.errors import InputError, UnsafeDoseError, quoted, ref
from ketplan.core.references import Reference

GIVEN, MISSED, CREATED, REPLAN = "given", "missed", "created", "replan"
SESSION_KINDS = (GIVEN, MISSED)
FIRST_WEEKS_DAYS = 28  # "the first 4 weeks of treatment"
BY_PATTERN = re.compile(r"[A-Za-z][A-Za-z.\-]{0,7}")
MAX_NOTE = 500
_Date = date  # the type, where a field named `date` shadows it

# Sources of the rules in this module and in replan.py (authoritative links, REFERENCE.md).
JNJ_MISSED_DOSES = Reference(
    key="jnj-missed-doses",
    citation="J&J Medical Information: SPRAVATO – management of missed dose(s) or reinitiation after "
    "discontinuation (manufacturer medical information, updated 10/10/2025)",
    url="https://www.jnjmedicalconnect.com/products/spravato/medical-content/dosage-and-administration-management-of-missed-dose-or-reinitiation-after-spravato-discontinuation",
    supports="Missed session(s) in the first 4 weeks: continue the current dosing schedule. Missed during "
    "maintenance with worsening symptoms: per clinical judgement, consider returning to the previous dosing "
    "schedule (e.g. weekly -> twice weekly).",
)
SPRAVATO_LABEL = Reference(
    key="spravato-pi",
    citation="SPRAVATO (esketamine) nasal spray, US prescribing information, section 2 (dosage and administration)",
    url="https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=d81a6a79-a74a-44b7-822c-0dfa3036eaed",
    supports="Induction twice weekly weeks 1-4 (day 1 56 mg, then 56 or 84 mg); weekly weeks 5-8; every 2 weeks "
    "or weekly from week 9; 84 mg only after a 56 mg starting dose",
)


# --------------------------------------------------------------------------- the plan snapshot


@dataclass(eq=False, repr=False)
class CourseSession:
    """One planned session of a plan revision (the stored snapshot of a PlannedSession)."""

    n: int
    phase: str
    phase_session: int
    phase_sessions: int
    date: date
    start: datetime
    end: datetime
    dose_mg: float
    devices: int | None = None
    mg_per_kg: float | None = None
    drug_volume_ml: float | None = None
    administration_minutes: int = 0
    observation_minutes: int = 0
    moved_from: _Date | None = None
    reason: str | None = None
    notes: tuple[str, ...] = ()

    def as_planned(self, zone: tzinfo | None = None):
        """The core PlannedSession this snapshot was made from, its times in `zone` when given
        (a snapshot keeps only their UTC offset), for the exporters that draw plans."""
        from ketplan.core.plan import PlannedSession

        start, end = (
            (self.start, self.end) if zone is None else (self.start.astimezone(zone), self.end.astimezone(zone))
        )
        return PlannedSession(
            n=self.n,
            phase=self.phase,
            phase_session=self.phase_session,
            phase_sessions=self.phase_sessions,
            date=self.date,
            start=start,
            end=end,
            dose_mg=self.dose_mg,
            devices=self.devices,
            mg_per_kg=self.mg_per_kg,
            drug_volume_ml=self.drug_volume_ml,
            administration_minutes=self.administration_minutes,
            observation_minutes=self.observation_minutes,
            moved_from=self.moved_from,
            reason=self.reason,
            notes=self.notes,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "phase": self.phase,
            "phase_session": self.phase_session,
            "phase_sessions": self.phase_sessions,
            "date": self.date.isoformat(),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "dose_mg": self.dose_mg,
            "devices": self.devices,
            "mg_per_kg": self.mg_per_kg,
            "drug_volume_ml": self.drug_volume_ml,
            "administration_minutes": self.administration_minutes,
            "observation_minutes": self.observation_minutes,
            "moved_from": None if self.moved_from is None else self.moved_from.isoformat(),
            "reason": self.reason,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CourseSession:
        return cls(
            n=int(d["n"]),
            phase=d["phase"],
            phase_session=int(d["phase_session"]),
            phase_sessions=int(d["phase_sessions"]),
            date=date.fromisoformat(d["date"]),
            start=datetime.fromisoformat(d["start"]),
            end=datetime.fromisoformat(d["end"]),
            dose_mg=float(d["dose_mg"]),
            devices=d.get("devices"),
            mg_per_kg=d.get("mg_per_kg"),
            drug_volume_ml=d.get("drug_volume_ml"),
            administration_minutes=int(d.get("administration_minutes") or 0),
            observation_minutes=int(d.get("observation_minutes") or 0),
            moved_from=date.fromisoformat(d["moved_from"]) if d.get("moved_from") else None,
            reason=d.get("reason"),
            notes=tuple(d.get("notes") or ()),
        )


@dataclass(eq=False, repr=False)
class PhaseRule:
    name: str
    sessions_per_week: int | None = None
    interval_weeks: int | None = None
    weeks: int | None = None
    open_ended: bool = False
    min_gap_days: int = 2
    interval_weeks_allowed: tuple[int, ...] = ()


@dataclass(eq=False, repr=False)
class DoseRule:
    """The dose limits a course was planned under (protocol and drug), kept with the course so
    that a recorded dose is checked exactly as in planning without rebuilding the plan."""

    kind: str  # "fixed" (esketamine) or "weight" (racemic, mg/kg)
    route: str
    first_dose_mg: int | None = None
    allowed_mg: tuple[int, ...] = ()
    older_adult_first_dose_mg: int | None = None
    escalate_only_after_first: bool = False
    min_mg_per_kg: float | None = None
    max_mg_per_kg: float | None = None
    dosing_weight_kg: float | None = None


@dataclass(eq=False, repr=False)
class CoursePlan:
    """One plan revision of a course: what ketplan planned, as stored."""

    protocol_id: str
    protocol_title: str
    drug: str
    route: str
    timezone: str
    time: time
    weekdays: tuple[int, ...]
    first_day: date
    horizon_end: date
    every_weeks: int | None
    phases: tuple[PhaseRule, ...]
    dose: DoseRule
    sessions: tuple[CourseSession, ...]
    cancelled: tuple[CourseSession, ...] = ()
    age: int | None = None
    # Phases run at another frequency than the protocol's (a step back): (phase, (per week, interval weeks)).
    overrides: tuple[tuple[str, tuple[int | None, int | None]], ...] = ()

    @property
    def is_esketamine(self) -> bool:
        return self.drug == "esketamine"

    def session(self, n: int) -> CourseSession | None:
        for s in self.sessions:
            if s.n == n:
                return s
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "protocol_id": self.protocol_id,
            "protocol_title": self.protocol_title,
            "drug": self.drug,
            "route": self.route,
            "timezone": self.timezone,
            "time": self.time.strftime("%H:%M"),
            "weekdays": list(self.weekdays),
            "first_day": self.first_day.isoformat(),
            "horizon_end": self.horizon_end.isoformat(),
            "every_weeks": self.every_weeks,
            "phases": [
                {
                    "name": p.name,
                    "sessions_per_week": p.sessions_per_week,
                    "interval_weeks": p.interval_weeks,
                    "weeks": p.weeks,
                    "open_ended": p.open_ended,
                    "min_gap_days": p.min_gap_days,
                    "interval_weeks_allowed": list(p.interval_weeks_allowed),
                }
                for p in self.phases
            ],
            "dose": {
                "kind": self.dose.kind,
                "route": self.dose.route,
                "first_dose_mg": self.dose.first_dose_mg,
                "allowed_mg": list(self.dose.allowed_mg),
                "older_adult_first_dose_mg": self.dose.older_adult_first_dose_mg,
                "escalate_only_after_first": self.dose.escalate_only_after_first,
                "min_mg_per_kg": self.dose.min_mg_per_kg,
                "max_mg_per_kg": self.dose.max_mg_per_kg,
                "dosing_weight_kg": self.dose.dosing_weight_kg,
            },
            "age": self.age,
            "overrides": {name: {"sessions_per_week": f[0], "interval_weeks": f[1]} for name, f in self.overrides},
            "sessions": [s.to_dict() for s in self.sessions],
            "cancelled": [s.to_dict() for s in self.cancelled],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CoursePlan:
        dose = d["dose"]
        return cls(
            protocol_id=d["protocol_id"],
            protocol_title=d["protocol_title"],
            drug=d["drug"],
            route=d["route"],
            timezone=d["timezone"],
            time=time.fromisoformat(d["time"]),
            weekdays=tuple(d["weekdays"]),
            first_day=date.fromisoformat(d["first_day"]),
            horizon_end=date.fromisoformat(d["horizon_end"]),
            every_weeks=d.get("every_weeks"),
            phases=tuple(
                PhaseRule(
                    name=p["name"],
                    sessions_per_week=p.get("sessions_per_week"),
                    interval_weeks=p.get("interval_weeks"),
                    weeks=p.get("weeks"),
                    open_ended=bool(p.get("open_ended")),
                    min_gap_days=int(p.get("min_gap_days") or 1),
                    interval_weeks_allowed=tuple(p.get("interval_weeks_allowed") or ()),
                )
                for p in d["phases"]
            ),
            dose=DoseRule(
                kind=dose["kind"],
                route=dose["route"],
                first_dose_mg=dose.get("first_dose_mg"),
                allowed_mg=tuple(dose.get("allowed_mg") or ()),
                older_adult_first_dose_mg=dose.get("older_adult_first_dose_mg"),
                escalate_only_after_first=bool(dose.get("escalate_only_after_first")),
                min_mg_per_kg=dose.get("min_mg_per_kg"),
                max_mg_per_kg=dose.get("max_mg_per_kg"),
                dosing_weight_kg=dose.get("dosing_weight_kg"),
            ),
            sessions=tuple(CourseSession.from_dict(s) for s in d["sessions"]),
            cancelled=tuple(CourseSession.from_dict(s) for s in d.get("cancelled") or ()),
            age=d.get("age"),
            overrides=tuple(
                (name, (f.get("sessions_per_week"), f.get("interval_weeks")))
                for name, f in (d.get("overrides") or {}).items()
            ),
        )


# --------------------------------------------------------------------------- the record


@dataclass(repr=False)
class Entry:
    """One append-only record entry. `seq` numbers the course's entries 1, 2, 3 ... (the ENTRY
    of `--corrects ENTRY`); `recorded_at` is an aware UTC time."""

    seq: int
    kind: str
    recorded_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    by: str | None = None
    corrects: int | None = None
    session_n: int | None = None
    session_date: date | None = None


def effective(entries: Iterable[Entry]) -> list[Entry]:
    """The entries that stand: every entry some later entry corrects is left out."""
    entries = list(entries)
    superseded = {e.corrects for e in entries if e.corrects is not None}
    return [e for e in entries if e.seq not in superseded]


@dataclass(eq=False, repr=False)
class SessionView:
    """A session as the record shows it: planned, given, missed or cancelled."""

    key: str  # "n3" for planned session 3, "x7" for the extra session first recorded by entry 7
    n: int | None
    date: date
    status: str
    phase: str
    dose_mg: float
    planned: CourseSession | None
    recorded: tuple[int, ...] = ()
    given_time: str | None = None
    given_date: _Date | None = None
    extra: bool = False
    note: str | None = None

    @property
    def session_key(self) -> str:
        """What `--session` takes for it: "3" for a planned session, "x7" for an extra one."""
        return self.key if self.extra else str(self.n)


# --------------------------------------------------------------------------- session keys
#
# A given session is named by its key: "3" for planned session 3 (`--session 3`), "x7" for the extra
# session first recorded by entry 7 (`--session x7`). A correction of an extra session that is itself an
# extra session keeps the key of the entry it corrects, so the key, and what refers to it (monitoring
# data, a REMS form mark: an `extra_entry` in their payload), outlive corrections.

EXTRA_ENTRY = "extra_entry"  # payload key of an entry about an extra session: the entry that first recorded it
_SESSION_NUMBER = re.compile(r"(?:([xX])|([+-]?))([0-9]+)", re.ASCII)


def extra_roots(entries: Iterable[Entry]) -> dict[int, int]:
    """Each entry that recorded a given extra session -> the entry that first recorded that session."""
    roots: dict[int, int] = {}
    for e in sorted(entries, key=lambda e: e.seq):  # a corrected entry comes before its correction
        if e.kind == GIVEN and e.session_n is None:
            roots[e.seq] = roots.get(e.corrects, e.seq) if e.corrects is not None else e.seq
    return roots


def extra_key(root: int) -> str:
    return f"x{root}"


def key_of(entry: Entry, roots: dict[int, int]) -> str | None:
    """The key of the session an entry is about ("3", "x7"), or None (not about one session)."""
    if entry.session_n is not None:
        return str(entry.session_n)
    if entry.seq in roots:
        return extra_key(roots[entry.seq])
    root = entry.payload.get(EXTRA_ENTRY)
    return extra_key(root) if isinstance(root, int) and not isinstance(root, bool) else None


def given_sessions(entries: Sequence[Entry]) -> dict[str, Entry]:
    """Every given session by its key: the standing `given` entry of each planned and extra session."""
    roots = extra_roots(entries)
    out: dict[str, Entry] = {}
    for e in effective(entries):
        if e.kind == GIVEN:
            key = key_of(e, roots)
            if key is not None:
                out[key] = e
    return out


def parse_session_key(value: int | str) -> str:
    """`--session` as typed: a planned session's number ("3") or an extra session's key ("x7")."""
    text = str(value).strip()
    number = _SESSION_NUMBER.fullmatch(text) if len(text) <= 32 else None
    if number is None:
        raise InputError(
            f"{ref('session')} {quoted(str(value))} is not a session: give a planned session's number (3) or an "
            "extra session's key (x7: the entry that recorded it; see ketplan course status)",
            "session",
        )
    if number[1]:
        return extra_key(int(number[3]))
    if int(number[2] + number[3]) < 1:
        raise InputError(f"{ref('session')} must be a session number, 1 or more", "session")
    return str(int(number[3]))


def planned_number(key: str) -> int | None:
    """3 for the key "3"; None for an extra session's key."""
    return None if key.startswith("x") else int(key)


def session_name(key: str) -> str:
    """The session named in messages: "session 3" or "extra session x7"."""
    return f"extra session {key}" if key.startswith("x") else f"session {key}"


def no_extra_session(key: str, entries: Sequence[Entry]) -> InputError:
    """The refusal of an extra session key the course does not have."""
    keys = [k for k in given_sessions(entries) if k.startswith("x")]
    known = f"its extra sessions: {', '.join(keys)}" if keys else "it has no extra session"
    return InputError(
        f"{ref('session')} {key}: the course has no extra session {key} ({known}; see ketplan course status)",
        "session",
    )


def merge(plan: CoursePlan, entries: Sequence[Entry]) -> list[SessionView]:
    """Planned sessions with the effective given/missed entries laid over them, extra sessions
    (given on a date without a planned one) and cancelled ones, in date order."""
    standing = effective(entries)
    roots = extra_roots(entries)
    chains: dict[int, list[int]] = {}
    for seq, root in roots.items():
        chains.setdefault(root, []).append(seq)
    by_n: dict[int, Entry] = {}
    recorded: dict[int, list[int]] = {}
    extras: list[Entry] = []
    for entry in entries:
        if entry.kind in SESSION_KINDS and entry.session_n is not None:
            recorded.setdefault(entry.session_n, []).append(entry.seq)
    for entry in standing:
        if entry.kind not in SESSION_KINDS:
            continue
        if entry.session_n is None:
            if entry.kind == GIVEN:
                extras.append(entry)
        else:
            by_n[entry.session_n] = entry
    views: list[SessionView] = []
    for s in plan.sessions:
        found = by_n.get(s.n)
        if found is None:
            views.append(SessionView(f"n{s.n}", s.n, s.date, "planned", s.phase, s.dose_mg, s, ()))
            continue
        entry = found
        given = entry.kind == GIVEN
        views.append(
            SessionView(
                key=f"n{s.n}",
                n=s.n,
                date=s.date,
                status=entry.kind,
                phase=s.phase,
                dose_mg=float(entry.payload.get("dose_mg", s.dose_mg)) if given else s.dose_mg,
                planned=s,
                recorded=tuple(recorded.get(s.n, ())),
                given_time=entry.payload.get("time") if given else None,
                given_date=entry.session_date if given else None,
                note=entry.payload.get("note"),
            )
        )
    for s in plan.cancelled:
        views.append(SessionView(f"n{s.n}", s.n, s.date, "cancelled", s.phase, s.dose_mg, s, ()))
    for entry in extras:
        assert entry.session_date is not None
        root = roots[entry.seq]
        views.append(
            SessionView(
                key=extra_key(root),
                n=None,
                date=entry.session_date,
                status=GIVEN,
                phase=str(entry.payload.get("phase") or "extra"),
                dose_mg=float(entry.payload["dose_mg"]),
                planned=None,
                recorded=tuple(sorted(chains[root])),
                given_time=entry.payload.get("time"),
                given_date=entry.session_date,
                extra=True,
                note=entry.payload.get("note"),
            )
        )
    views.sort(key=lambda v: (v.date, v.n or 0, v.key))
    return views


# --------------------------------------------------------------------------- status


@dataclass(eq=False, repr=False)
class Advice:
    """An alert or a suggestion with the sources of the rule behind it."""

    id: str
    text: str
    sources: tuple[Reference, ...] = ()
    command: str | None = None


@dataclass(eq=False, repr=False)
class CourseStatus:
    label: str
    plan: CoursePlan
    sessions: tuple[SessionView, ...]
    given: int
    missed: int
    remaining: int
    unrecorded: int
    next_due: date | None
    cumulative_dose_mg: float
    alerts: tuple[Advice, ...]
    suggestions: tuple[Advice, ...]
    # Issue 14 (core/monitoring.py, core/outcomes.py): outcome scores, measures due, end-of-induction benefit.
    outcomes: tuple[Any, ...] = ()
    measures: tuple[Any, ...] = ()
    benefit: Any = None


def in_first_weeks(plan: CoursePlan, day: date) -> bool:
    return day < plan.first_day + timedelta(days=FIRST_WEEKS_DAYS)


def course_status(label: str, plan: CoursePlan, entries: Sequence[Entry], today: date) -> CourseStatus:
    views = merge(plan, entries)
    given = [v for v in views if v.status == GIVEN]
    missed = [v for v in views if v.status == MISSED]
    open_views = [v for v in views if v.status == "planned"]
    upcoming = [v for v in open_views if v.date >= today]
    unrecorded = [v for v in open_views if v.date < today]
    alerts: list[Advice] = []
    suggestions: list[Advice] = []
    for v in unrecorded:
        alerts.append(
            Advice(
                "not-recorded",
                f"Session {v.n} on {v.date.isoformat()} has no record: record it as given or missed "
                f"(ketplan course record {label} --session {v.n} --given|--missed).",
            )
        )
    from ketplan.core.replan import missed_dose_advice  # pure; the rules live with replanning

    advice_alerts, advice_suggestions = missed_dose_advice(label, plan, entries, views, today)
    alerts.extend(advice_alerts)
    suggestions.extend(advice_suggestions)
    from ketplan.core.monitoring_status import record_advice  # monitoring alerts, scores, measures (issue 14)

    extra = record_advice(label, plan, entries, views, today)
    alerts.extend(extra.alerts)
    if not upcoming and plan.sessions:
        alerts.append(
            Advice(
                "plan-ended",
                f"No planned session on or after {today.isoformat()}: the plan ends on "
                f"{plan.sessions[-1].date.isoformat()}. If treatment goes on, plan a continuation as a new course "
                "(replan does not extend a plan's horizon).",
            )
        )
    return CourseStatus(
        label=label,
        plan=plan,
        sessions=tuple(views),
        given=len(given),
        missed=len(missed),
        remaining=len(upcoming),
        unrecorded=len(unrecorded),
        next_due=upcoming[0].date if upcoming else None,
        cumulative_dose_mg=round(sum(v.dose_mg for v in given), 1),
        alerts=tuple(alerts),
        suggestions=tuple(suggestions),
        outcomes=extra.outcomes,
        measures=extra.measures,
        benefit=extra.benefit,
    )


@dataclass(repr=False)
class Summary:
    """What `course list` shows, kept per course by each write (a cache; the record is the truth)."""

    first_session: date | None
    last_session: date | None
    given: int
    missed: int
    open_dates: tuple[date, ...]  # planned sessions without a record

    def remaining(self, today: date) -> int:
        return sum(1 for d in self.open_dates if d >= today)

    def next_due(self, today: date) -> date | None:
        return next((d for d in self.open_dates if d >= today), None)

    def unrecorded(self, today: date) -> int:
        return sum(1 for d in self.open_dates if d < today)


def summarize(plan: CoursePlan, entries: Sequence[Entry]) -> Summary:
    views = [v for v in merge(plan, entries) if v.status != "cancelled"]
    dates = [v.date for v in views]
    return Summary(
        first_session=min(dates) if dates else None,
        last_session=max(dates) if dates else None,
        given=sum(1 for v in views if v.status == GIVEN),
        missed=sum(1 for v in views if v.status == MISSED),
        open_dates=tuple(sorted(v.date for v in views if v.status == "planned")),
    )


# --------------------------------------------------------------------------- recording


@dataclass(eq=False, repr=False)
class RecordRequest:
    given: bool
    session_n: int | None = None
    day: date | None = None
    dose_mg: float | None = None
    mg_per_kg: float | None = None
    time: time | None = None
    note: str | None = None
    by: str | None = None
    corrects: int | None = None


@dataclass(eq=False, repr=False)
class NewEntry:
    """An entry checked and ready to append (the store gives it its `seq`)."""

    kind: str
    payload: dict[str, Any]
    session_n: int | None = None
    session_date: date | None = None
    by: str | None = None
    corrects: int | None = None
    message: str = ""


def check_by(by: str | None) -> str | None:
    if by is None:
        return None
    cleaned = by.strip()
    if not BY_PATTERN.fullmatch(cleaned):
        raise InputError(f"{ref('by')} must be initials: 1-8 letters (with '.' or '-'), such as AB", "by")
    return cleaned


def check_note(note: str | None) -> str | None:
    if note is None:
        return None
    cleaned = " ".join(note.split())
    if not cleaned:
        raise InputError(f"{ref('note')} is empty", "note")
    if len(cleaned) > MAX_NOTE or any(not ch.isprintable() for ch in cleaned):
        raise InputError(f"{ref('note')} must be at most {MAX_NOTE} printable characters", "note")
    return cleaned


def record_entry(plan: CoursePlan, entries: Sequence[Entry], request: RecordRequest, today: date) -> NewEntry:
    """Check what happened at a session and turn it into an entry; refuse the future, a session
    recorded twice (without --corrects), and a given dose outside the course's limits."""
    if request.session_n is None and request.day is None:
        raise InputError(f"give {ref('session')} N or {ref('date')} YYYY-MM-DD", "session")
    corrected = _corrected(entries, request.corrects)
    session = None
    if request.session_n is not None:
        session = plan.session(request.session_n)
        if session is None:
            last = plan.sessions[-1].n if plan.sessions else 0
            raise InputError(
                f"{ref('session')} {request.session_n}: the course has sessions 1-{last}; to record a session "
                f"given on a day without one, use {ref('date')}",
                "session",
            )
    elif request.day is not None:
        session = next((s for s in plan.sessions if s.date == request.day), None)
    day = request.day if request.day is not None else (session.date if session is not None else None)
    assert day is not None
    if day > today:
        what = f"session {session.n} is planned for" if session is not None and request.day is None else "the date is"
        raise InputError(
            f"{what} {day.isoformat()}, after today ({today.isoformat()}): a session in the future cannot be recorded"
            + (f"; if it was given on another day, add {ref('date')}" if request.day is None else ""),
            "date" if request.day is not None else "session",
        )
    if session is None and not request.given:
        raise InputError(
            f"no session is planned on {day.isoformat()}: only a given extra session can be recorded on a day "
            f"without one (use {ref('session')} N for a missed planned session)",
            "date",
        )
    standing = effective(entries)
    if session is not None:
        previous = next(
            (e for e in standing if e.kind in SESSION_KINDS and e.session_n == session.n and e.seq != request.corrects),
            None,
        )
        if previous is not None:
            raise InputError(
                f"session {session.n} is already recorded as {previous.kind} (entry {previous.seq}); to change it, "
                f"record again with {ref('corrects')} {previous.seq}",
                "corrects",
            )
    if (
        corrected is not None
        and session is not None
        and corrected.session_n is not None
        and corrected.session_n != session.n
    ):
        raise InputError(
            f"entry {corrected.seq} is about session {corrected.session_n}, not session {session.n}", "corrects"
        )
    payload: dict[str, Any] = {}
    if request.given:
        dose_mg, per_kg = _given_dose(plan, standing, session, request)
        payload["dose_mg"] = dose_mg
        if per_kg is not None:
            payload["mg_per_kg"] = per_kg
        if request.time is not None:
            payload["time"] = request.time.strftime("%H:%M")
    elif request.dose_mg is not None or request.mg_per_kg is not None:
        raise InputError(f"{ref('dose')} and {ref('mg_per_kg')} go with {ref('given')}, not {ref('missed')}", "dose")
    elif request.time is not None:
        raise InputError(f"{ref('time')} goes with {ref('given')}: the time the session was given", "time")
    note = check_note(request.note)
    if note is not None:
        payload["note"] = note
    kind = GIVEN if request.given else MISSED
    if session is None:
        payload["phase"] = "extra"
        message = f"recorded an extra session given on {day.isoformat()} (no session was planned that day)"
    else:
        message = f"recorded session {session.n} ({session.date.isoformat()}) as {kind}"
        if request.day is not None and request.day != session.date:
            message += f", given on {request.day.isoformat()}"
    return NewEntry(
        kind=kind,
        payload=payload,
        session_n=session.n if session is not None else None,
        session_date=day,
        by=check_by(request.by),
        corrects=request.corrects,
        message=message,
    )


def _corrected(entries: Sequence[Entry], seq: int | None) -> Entry | None:
    if seq is None:
        return None
    target = next((e for e in entries if e.seq == seq), None)
    if target is None:
        raise InputError(f"{ref('corrects')} {seq}: the course has no entry {seq} (see ketplan course log)", "corrects")
    if target.kind not in SESSION_KINDS:
        raise InputError(
            f"{ref('corrects')} {seq}: entry {seq} is a {target.kind} entry, not a recorded session", "corrects"
        )
    if any(e.corrects == seq for e in entries):
        later = next(e.seq for e in entries if e.corrects == seq)
        raise InputError(
            f"{ref('corrects')} {seq}: entry {seq} is already superseded by entry {later}; correct entry {later}",
            "corrects",
        )
    return target


def _given_dose(
    plan: CoursePlan, standing: Sequence[Entry], session: CourseSession | None, request: RecordRequest
) -> tuple[float, float | None]:
    rule = plan.dose
    if rule.kind == "fixed":
        if request.mg_per_kg is not None:
            raise InputError(
                f"{ref('mg_per_kg')} applies to weight-based protocols; {plan.protocol_id} uses fixed esketamine "
                f"doses ({ref('dose')})",
                "mg_per_kg",
            )
        planned = session.dose_mg if session is not None else None
        dose = request.dose_mg if request.dose_mg is not None else planned
        if dose is None:
            raise InputError(f"{ref('dose')} is required for an extra session (56 or 84 mg)", "dose")
        if isinstance(dose, float) and not dose.is_integer():
            raise UnsafeDoseError(f"{ref('dose')} {dose:g} mg is not a whole number of 28 mg devices", "dose")
        mg = int(dose)
        given_before = [
            e
            for e in standing
            if e.kind == GIVEN
            and (e.session_date or date.min) <= (request.day or date.max)
            and e.seq != request.corrects
        ]
        first = not given_before and (session is None or session.n == 1)
        allowed = set(rule.allowed_mg)
        if first and rule.first_dose_mg is not None:
            allowed = {rule.first_dose_mg}
            if rule.older_adult_first_dose_mg and plan.age is not None and plan.age >= dosing.OLDER_ADULT_AGE:
                allowed.add(rule.older_adult_first_dose_mg)
        if session is not None and planned is not None and int(planned) == mg:
            allowed.add(mg)  # the planned dose passed the planning checks
        if mg not in allowed or mg not in dosing.ESKETAMINE_DOSES_MG:
            shown = "/".join(str(d) for d in sorted(allowed))
            raise UnsafeDoseError(
                f"{ref('dose')} {mg} mg is outside {plan.protocol_id}'s doses for this session; use {shown} mg", "dose"
            )
        if (
            rule.escalate_only_after_first
            and mg > 56
            and not any(float(e.payload.get("dose_mg", 0)) >= 56 for e in given_before)
        ):
            raise UnsafeDoseError(
                f"{ref('dose')} {mg} mg only after a 56 mg dose has been given; the record shows none before", "dose"
            )
        return float(mg), None
    # weight-based racemic ketamine: the mg/kg range of the protocol within the drug's hard range
    weight = rule.dosing_weight_kg
    low, high = dosing.RACEMIC_MG_PER_KG_LIMITS.get(rule.route, (0.0, 0.0))
    if rule.min_mg_per_kg is not None and rule.max_mg_per_kg is not None:
        low, high = max(low, rule.min_mg_per_kg), min(high, rule.max_mg_per_kg)
    if request.mg_per_kg is not None and request.dose_mg is not None:
        raise InputError(f"give {ref('dose')} or {ref('mg_per_kg')}, not both", "dose")
    if request.mg_per_kg is not None:
        per_kg = dosing.check_mg_per_kg(request.mg_per_kg, rule.route, (low, high))
        if weight is None:
            raise InputError("this course has no dosing weight", "mg_per_kg")
        return round(per_kg * weight, 1), per_kg
    if request.dose_mg is not None:
        amount = float(request.dose_mg)
        if weight is None or not math.isfinite(amount) or not (low * weight - 1e-6 <= amount <= high * weight + 1e-6):
            raise UnsafeDoseError(
                f"{ref('dose')} {amount:g} mg is outside {dosing.format_number(low)}–{dosing.format_number(high)} mg/kg "
                f"of the course's dosing weight ({weight:g} kg)"
                if weight
                else f"{ref('dose')} {amount:g} mg cannot be checked: the course has no dosing weight",
                "dose",
            )
        return amount, round(amount / weight, 3)
    if session is None:
        raise InputError(f"{ref('dose')} or {ref('mg_per_kg')} is required for an extra session", "dose")
    return session.dose_mg, session.mg_per_kg


def with_sessions(plan: CoursePlan, sessions: Sequence[CourseSession], **changes: Any) -> CoursePlan:
    return replace(plan, sessions=tuple(sessions), **changes)
