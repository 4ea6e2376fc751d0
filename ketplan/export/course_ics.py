"""iCalendar for a stored course: the plan exporter's events, made to update in calendar programs.

A wrapper around export/ics.py (unchanged): the course's current sessions are rendered by
`plan_to_ics` and each event is then given the course's UID, its SEQUENCE and DTSTAMP from the
course history, and its status: given and missed sessions stay, marked as such (no reminders);
sessions that no longer exist are written with STATUS:CANCELLED; extra sessions appear as given.
Pure: everything comes in, bytes go out.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime

import icalendar

from ketplan.core.course import CoursePlan, SessionView
from ketplan.export.ics import plan_to_ics

EXTRA_BASE = 100000  # placeholder session numbers for extra sessions while the plan exporter renders them


@dataclass(frozen=True)
class EventState:
    uid: str
    sequence: int
    stamp: datetime
    view: SessionView


def course_to_ics(base_plan, plan: CoursePlan, states: dict[str, EventState], *, reminders) -> bytes:
    from zoneinfo import ZoneInfo

    from ketplan.core.plan import add_minutes, local_start

    zone = ZoneInfo(plan.timezone)
    by_n: dict[int, EventState] = {}
    sessions = []
    for state in states.values():
        view = state.view
        if view.extra:
            n = EXTRA_BASE + int(view.key[1:])
            day = view.given_date or view.date
            start = local_start(day, plan.time, zone)
            template = plan.sessions[-1] if plan.sessions else (plan.cancelled[-1] if plan.cancelled else None)
            assert template is not None, "a course always has planned or cancelled sessions"
            observation = template.observation_minutes
            sessions.append(
                dataclasses.replace(
                    template.as_planned(zone),
                    n=n,
                    phase="extra",
                    phase_session=1,
                    phase_sessions=1,
                    date=day,
                    start=start,
                    end=add_minutes(start, observation),
                    dose_mg=view.dose_mg,
                    devices=int(view.dose_mg) // 28 if plan.dose.kind == "fixed" else None,
                    moved_from=None,
                    reason=None,
                    notes=(),
                )
            )
        else:
            assert view.planned is not None and view.n is not None
            n = view.n
            session = view.planned.as_planned(zone)
            if view.status == "given" and view.dose_mg != session.dose_mg:
                devices = int(view.dose_mg) // 28 if plan.dose.kind == "fixed" else session.devices
                session = dataclasses.replace(session, dose_mg=view.dose_mg, devices=devices)
            sessions.append(session)
        by_n[n] = state
    sessions.sort(key=lambda s: (s.date, s.n))
    rendered = dataclasses.replace(base_plan, sessions=tuple(sessions), checkpoints=())
    placeholder = rendered.identity
    stamp = max((s.stamp for s in states.values()), default=datetime(1970, 1, 1, tzinfo=UTC))
    calendar = icalendar.Calendar.from_ical(plan_to_ics(rendered, stamp=stamp, reminders=reminders))
    uid_to_n = {placeholder.session_uid(s.n): s.n for s in sessions}
    for event in calendar.walk("VEVENT"):
        found = uid_to_n.get(str(event.get("uid")))
        if found is None:
            continue
        state = by_n[found]
        view = state.view
        _set(event, "uid", state.uid)
        _set(event, "sequence", state.sequence)
        _set(event, "dtstamp", state.stamp.astimezone(UTC).replace(microsecond=0))
        _set(event, "last-modified", state.stamp.astimezone(UTC).replace(microsecond=0))
        summary = str(event.get("summary"))
        description = str(event.get("description"))
        if view.status == "cancelled":
            _set(event, "status", "CANCELLED")
            _set(event, "summary", f"CANCELLED: {summary}")
            description = "This session is no longer part of the course (replanned).\n\n" + description
        elif view.status == "given":
            on = (view.given_date or view.date).isoformat()
            what = "Extra session given" if view.extra else "Given"
            _set(event, "summary", f"GIVEN: {summary}")
            description = (
                f"{what} on {on}"
                + (f" at {view.given_time}" if view.given_time else "")
                + f": {view.dose_mg:g} mg (record entry {', '.join(map(str, view.recorded))}).\n\n"
                + ("" if view.extra else description)
            )
        elif view.status == "missed":
            _set(event, "summary", f"MISSED: {summary}")
            description = f"Missed (record entry {', '.join(map(str, view.recorded))}).\n\n" + description
        if view.status != "planned":
            event.subcomponents = [c for c in event.subcomponents if c.name != "VALARM"]
        _set(event, "description", description)
    return calendar.to_ical()


def _set(component, name: str, value) -> None:
    if name in component:
        del component[name]
    component.add(name, value)
