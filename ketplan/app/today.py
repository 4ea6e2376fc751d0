"""`clinic today`: the coordinator's first screen (issue 14). Every course's sessions that day, REMS forms
due or overdue, measures due, alerts from the last session and the label's step-back suggestions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ketplan.app.course import _load, parse_iso_date, today_in
from ketplan.core.course import course_status
from ketplan.io.store.base import Store

LISTED_ELSEWHERE = {"rems-form-overdue", "measure-overdue"}  # shown in their own sections
# Protocol checkpoints that have their own lines in the day's list (forms, enrolment, benefit).
CHECKPOINTS_LISTED_ELSEWHERE = {"rems-form", "rems-enrolment", "end-of-induction"}


def _protocol_screens(loaded, day: date) -> list[str]:
    """The protocol's checkpoints due on `day` (screening before session 1, urinary-symptom and
    misuse screens), from the course's stored plan options."""
    from ketplan.app.course import options_from_document
    from ketplan.app.planning import plan_from_text

    plan = plan_from_text(options_from_document(loaded.course.options), default_zone=loaded.plan.timezone)
    return [
        c.title + (" (ketplan default)" if c.ketplan_default else "")
        for c in plan.checkpoints
        if c.date == day and c.id not in CHECKPOINTS_LISTED_ELSEWHERE
    ]


@dataclass(eq=False, repr=False)
class TodaySession:
    time: str | None
    label: str
    protocol: str
    n: int | None
    dose_mg: float
    devices: int | None
    status: str
    setting: str
    key: str = ""  # what `--session` takes: "3", or "x7" for an extra session


@dataclass(eq=False, repr=False)
class Today:
    day: date | None  # None when each course's own today was used
    sessions: list[TodaySession] = field(default_factory=list)
    forms: list[Any] = field(default_factory=list)
    measures: list[tuple[str, Any]] = field(default_factory=list)
    screens: list[tuple[str, str]] = field(default_factory=list)
    alerts: list[tuple[str, Any]] = field(default_factory=list)
    suggestions: list[tuple[str, Any]] = field(default_factory=list)
    days: set[date] = field(default_factory=set)


def clinic_today(store: Store, *, on: str | None, moment: datetime) -> Today:
    from ketplan.core.outcomes import settings_from
    from ketplan.core.rems import forms

    fixed = parse_iso_date(on, "date") if on is not None else None
    out = Today(day=fixed)
    with store.transaction(write=False):
        loaded_all = [_load(store, row.label) for row in store.list_courses()]
    for loaded in loaded_all:
        plan, label = loaded.plan, loaded.course.label
        day = fixed or today_in(plan.timezone, moment)
        out.days.add(day)
        settings = settings_from(loaded.entries)
        status = course_status(label, plan, loaded.entries, day)
        for v in status.sessions:
            if v.date != day or v.status not in ("planned", "given"):
                continue
            planned = v.planned
            clock = v.given_time or (planned.start.strftime("%H:%M") if planned is not None else None)
            devices = planned.devices if planned is not None and planned.devices else None
            if plan.is_esketamine:
                devices = int(v.dose_mg // 28)
            out.sessions.append(
                TodaySession(
                    clock,
                    label,
                    plan.protocol_id,
                    v.n,
                    v.dose_mg,
                    devices,
                    v.status,
                    settings.setting_on(day),
                    v.session_key,
                )
            )
            if v.n == 1 and v.status == "planned" and plan.is_esketamine and settings.setting_on(day) == "outpatient":
                out.screens.append(
                    (label, "REMS: confirm the patient is enrolled before session 1 (outpatient setting)")
                )
        for form in forms(label, plan, loaded.entries, settings, day):
            if form.submitted_on is None and form.day <= day:
                out.forms.append(form)
        for measure in status.measures:
            if measure.status in ("due", "overdue"):
                out.measures.append((label, measure))
        out.screens.extend((label, text) for text in _protocol_screens(loaded, day))
        if status.benefit is not None and status.benefit.day == day:
            out.screens.append(
                (label, "Evaluate benefit at the end of induction (label checkpoint): " + status.benefit.text)
            )
        for alert in status.alerts:
            if alert.id not in LISTED_ELSEWHERE:
                out.alerts.append((label, alert))
        for suggestion in status.suggestions:
            out.suggestions.append((label, suggestion))
    out.sessions.sort(key=lambda s: (s.time or "99:99", s.label))
    out.forms.sort(key=lambda f: (not f.overdue, *f.order))
    return out
