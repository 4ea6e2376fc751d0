"""A course's calendar that updates: each session event's SEQUENCE and DTSTAMP from the course history.

Walks the record entry by entry (with the plan revision in force at each entry) and computes,
for every event UID, what the event showed at each step: an unchanged event keeps its SEQUENCE
and DTSTAMP; every change raises SEQUENCE by one and sets DTSTAMP (and LAST-MODIFIED) to the
time of the entry that changed it. A session that no longer exists keeps its UID and is written
with STATUS:CANCELLED. The output depends only on the stored course, never on the clock, so
exporting twice without a change gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ketplan.core.course import CoursePlan, SessionView, merge
from ketplan.core.identity import CourseIdentity
from ketplan.export.course_ics import EventState


def _fingerprint(view: SessionView) -> tuple:
    planned = view.planned
    return (
        view.status,
        view.date.isoformat(),
        planned.start.isoformat() if planned else None,
        planned.end.isoformat() if planned else None,
        view.dose_mg,
        view.phase,
        (planned.phase_session, planned.phase_sessions) if planned else None,
        view.given_date.isoformat() if view.given_date else None,
        view.given_time,
    )


def event_states(
    identity: CourseIdentity, revisions: Sequence, entries: Sequence, created_at: datetime
) -> dict[str, EventState]:
    """UID -> (sequence, stamp, view) for every session event the course ever had."""
    plans = sorted(revisions, key=lambda r: r.revision)
    states: dict[str, EventState] = {}
    fingerprints: dict[str, tuple] = {}
    for index, entry in enumerate(entries):
        current = [r for r in plans if (r.entry_seq or 0) <= entry.seq]
        if not current:
            continue
        plan = CoursePlan.from_dict(current[-1].plan)
        for view in merge(plan, entries[: index + 1]):
            uid = _uid(identity, view)
            fingerprint = _fingerprint(view)
            if uid not in states:
                states[uid] = EventState(uid, 0, entry.recorded_at, view)
            elif fingerprints[uid] != fingerprint:
                states[uid] = EventState(uid, states[uid].sequence + 1, entry.recorded_at, view)
            else:
                states[uid] = EventState(uid, states[uid].sequence, states[uid].stamp, view)
            fingerprints[uid] = fingerprint
    return states


def _uid(identity: CourseIdentity, view: SessionView) -> str:
    if view.extra:
        return identity.uid("extra", view.key)
    assert view.n is not None
    return identity.session_uid(view.n)


def course_calendar(loaded, revisions, *, reminders) -> bytes:
    from ketplan.app.course import options_from_document
    from ketplan.app.planning import plan_from_text
    from ketplan.export.course_ics import course_to_ics

    course = loaded.course
    identity = CourseIdentity(course.protocol_id, course.label, loaded.plan.first_day, course_id=course.id)
    states = event_states(identity, revisions, loaded.entries, course.created_at)
    # The protocol's texts (instructions, monitoring, references) come from rebuilding the original plan.
    base = plan_from_text(options_from_document(course.options), default_zone=loaded.plan.timezone)
    return course_to_ics(base, loaded.plan, states, reminders=reminders)


def current_plan(loaded, result):
    """The course's current plan as a core Plan (the latest revision's sessions on the original
    plan's protocol texts and checkpoints), and each planned session's status from the record,
    for the views that draw a plan (month grid, handout)."""
    import dataclasses
    from zoneinfo import ZoneInfo

    from ketplan.app.course import options_from_document
    from ketplan.app.planning import plan_from_text

    course = loaded.course
    base = plan_from_text(options_from_document(course.options), default_zone=loaded.plan.timezone)
    zone = ZoneInfo(loaded.plan.timezone)
    sessions = tuple(s.as_planned(zone) for s in loaded.plan.sessions)
    status = {view.n: view.status for view in result.sessions if view.n is not None and not view.extra}
    return dataclasses.replace(base, sessions=sessions), status
