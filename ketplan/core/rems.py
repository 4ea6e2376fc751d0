"""SPRAVATO REMS Patient Monitoring Forms: which sessions need one, when each is due, and the worksheet.

Pure. Every given outpatient esketamine session needs a form, due within 7 days of the session
(J&J REMS form overview; FDA REMS page); an inpatient setting enrols no patient and submits no
form (SPRAVATO REMS, inpatient healthcare settings). A form is marked submitted by an entry of
kind `rems-submitted` (append-only; a correction supersedes it).

The worksheet mirrors the form's sections as read in the J&J overview of the form and two copies
of the 11/2021 form (secondary: manualspro and manuzoid mirrors); ketplan prepares it from the
record and leaves every patient-identifying field blank. ketplan never submits a form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ketplan.core.course import (
    EXTRA_ENTRY,
    MISSED,
    effective,
    extra_roots,
    given_sessions,
    key_of,
    no_extra_session,
    planned_number,
    session_name,
)
from ketplan.core.errors import InputError, ref
from ketplan.core.monitoring import CONCOMITANT, FDA_REMS, READING_NAMES, READINGS, REMS_FORM, Monitoring
from ketplan.core.outcomes import CourseSettings
from ketplan.core.references import Reference

SUBMITTED = "rems-submitted"  # entry kind
FORM_DAYS = 7
REMS_SETTINGS = Reference(
    key="rems-settings",
    citation="SPRAVATO REMS: inpatient and outpatient healthcare settings (inpatient settings do not enrol patients "
    "or submit Patient Monitoring Forms)",
    url="https://www.spravatorems.com/inpatient-hcs.html",
)
FORM_COPY = Reference(
    key="rems-form-copy",
    citation="SPRAVATO REMS Patient Monitoring Form - Outpatient Use Only (Janssen, 11/2021), field list as read in "
    "a secondary copy of the form",
    url="https://www.spravatorems.com",
)


@dataclass(eq=False, repr=False)
class FormDue:
    label: str
    n: int | None  # the planned session's number; None for an extra session
    day: date
    dose_mg: float
    due: date
    days_left: int
    submitted_on: date | None
    submitted_entry: int | None
    missing: tuple[str, ...]  # form fields the record lacks
    key: str = ""  # what `--session` takes: "3", or "x7" for an extra session (core.course.key_of)

    @property
    def overdue(self) -> bool:
        return self.submitted_on is None and self.days_left < 0

    @property
    def order(self) -> tuple[date, str, date, int, str]:
        """Forms in the order to do them: by due date, course, session date, then session."""
        return (self.due, self.label, self.day, self.n or 0, self.key)


def submissions(entries: Sequence[Any]) -> dict[str, Any]:
    """Each session key ("3", "x7") -> the standing entry that marks its form submitted."""
    roots = extra_roots(entries)
    out = {}
    for e in effective(entries):
        key = key_of(e, roots) if e.kind == SUBMITTED else None
        if key is not None:
            out[key] = e
    return out


def needs_form(plan: Any, settings: CourseSettings, day: date) -> bool:
    return plan.is_esketamine and settings.setting_on(day) == "outpatient"


def missing_fields(monitoring: Monitoring | None) -> tuple[str, ...]:
    m = monitoring or Monitoring()
    out = [f"BP {READING_NAMES[name]}" for name in READINGS if getattr(m, name) is None]
    if m.minutes is None:
        out.append("total monitoring time")
    if m.lot is None:
        out.append("lot number")
    if m.concomitant is None:
        out.append("concomitant medicines")
    return tuple(out)


def forms(label: str, plan: Any, entries: Sequence[Any], settings: CourseSettings, today: date) -> list[FormDue]:
    """Every given outpatient esketamine session of one course, planned or extra, with its form's due
    date and state, in session date order."""
    from ketplan.core.monitoring import session_monitoring

    marks = submissions(entries)
    monitoring = session_monitoring(entries)
    out = []
    for key, entry in given_sessions(entries).items():
        day = entry.session_date
        if day is None or not needs_form(plan, settings, day):
            continue
        due = day + timedelta(days=FORM_DAYS)
        mark = marks.get(key)
        found = monitoring.get(key)
        out.append(
            FormDue(
                label=label,
                n=planned_number(key),
                day=day,
                dose_mg=float(entry.payload.get("dose_mg", 0)),
                due=due,
                days_left=(due - today).days,
                submitted_on=date.fromisoformat(mark.payload["submitted_on"]) if mark is not None else None,
                submitted_entry=mark.seq if mark is not None else None,
                missing=missing_fields(found[0] if found else None),
                key=key,
            )
        )
    out.sort(key=lambda f: (f.day, f.n or 0, f.key))
    return out


def check_submission(
    plan: Any, entries: Sequence[Any], settings: CourseSettings, key: str, on: date, today: date, corrects: int | None
) -> dict[str, Any]:
    """Refuse marking a form that cannot exist or is already marked; the payload of the new entry
    (an extra session's mark names the entry that first recorded the session: `extra_entry`)."""
    session = form_session(plan, entries, settings, key)
    name = session_name(key)
    if on > today:
        raise InputError(f"{ref('date')} {on.isoformat()} is after today ({today.isoformat()})", "date")
    if on < session.session_date:
        raise InputError(
            f"{ref('date')} {on.isoformat()} is before {name} was given ({session.session_date.isoformat()})",
            "date",
        )
    marks = submissions(entries)
    if key in marks and marks[key].seq != corrects:
        raise InputError(
            f"the form of {name} is already marked submitted on {marks[key].payload['submitted_on']} (entry "
            f"{marks[key].seq}); to change it, add {ref('corrects')} {marks[key].seq}",
            "corrects",
        )
    if corrects is not None:
        target = next((e for e in entries if e.seq == corrects), None)
        if target is None or target.kind != SUBMITTED or key_of(target, extra_roots(entries)) != key:
            raise InputError(
                f"{ref('corrects')} {corrects}: not a form-submitted entry of {name} (see ketplan course log)",
                "corrects",
            )
    payload: dict[str, Any] = {"submitted_on": on.isoformat()}
    if planned_number(key) is None:
        payload[EXTRA_ENTRY] = int(key[1:])
    return payload


def form_session(plan: Any, entries: Sequence[Any], settings: CourseSettings, key: str) -> Any:
    """The standing `given` entry of the session `key` ("3" or "x7"), when it needs a form; else one
    clear refusal."""
    n = planned_number(key)
    name = session_name(key)
    given = given_sessions(entries).get(key)
    session = plan.session(n) if n is not None else None
    if n is not None:
        if session is None:
            last = plan.sessions[-1].n if plan.sessions else 0
            raise InputError(f"{ref('session')} {n}: the course has sessions 1-{last}", "session")
    elif given is None:
        raise no_extra_session(key, entries)
    if not plan.is_esketamine:
        raise InputError(
            f"{name} is {plan.drug} ({plan.protocol_id}): REMS Patient Monitoring Forms are for SPRAVATO "
            "(esketamine) sessions only",
            "session",
        )
    if given is None:
        missed = any(e.kind == MISSED and e.session_n == n for e in effective(entries))
        shown = f" ({session.date.isoformat()})" if session is not None else ""
        raise InputError(
            f"{name}{shown} "
            + ("was missed" if missed else "has not been recorded as given")
            + ": a monitoring form follows a given session",
            "session",
        )
    assert given.session_date is not None  # a given entry always carries its date
    if settings.setting_on(given.session_date) != "outpatient":
        raise InputError(
            f"{name} was given in an inpatient setting: inpatient settings do not submit REMS Patient Monitoring Forms",
            "session",
        )
    return given


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("Yes" if value else "No")


def worksheet(
    label: str, plan: Any, entries: Sequence[Any], settings: CourseSettings, key: str, today: date
) -> dict[str, Any]:
    """The form's sections filled from the record; identifying fields are None (left blank). `key` is the
    session's ("3", or "x7" for an extra session)."""
    from ketplan.core.monitoring import session_monitoring

    given = form_session(plan, entries, settings, key)
    found = session_monitoring(entries).get(key)
    m = found[0] if found else Monitoring()
    n = planned_number(key)
    session = plan.session(n) if n is not None else None
    dose = float(given.payload.get("dose_mg", session.dose_mg if session is not None else 0))
    first = not any(
        e.kind == "given" and e.session_date is not None and e.session_date < given.session_date
        for e in given_sessions(entries).values()
    )
    due = given.session_date + timedelta(days=FORM_DAYS)
    mark = submissions(entries).get(key)
    observed = {
        name: _yes_no(getattr(m, name)) if getattr(m, name) is not None else ("No" if found else None)
        for name in ("sedation", "dissociation", "respiratory_depression")
    }
    concomitant = (
        None if m.concomitant is None else {key: ("Yes" if key in m.concomitant else "No") for key in CONCOMITANT}
    )
    bp = {name: (None if getattr(m, name) is None else str(getattr(m, name))) for name in READINGS}
    sections = [
        {
            "id": "patient",
            "title": "Patient information",
            "fields": [
                {
                    "name": "First name, MI, last name",
                    "value": None,
                    "blank": "identifying: complete in the REMS system",
                },
                {"name": "Birthdate", "value": None, "blank": "identifying: complete in the REMS system"},
                {"name": "Sex", "value": None, "blank": "identifying: complete in the REMS system"},
                {"name": "First treatment session?", "value": "Yes" if first else "No"},
                {"name": "Course label (ketplan, not on the form)", "value": label},
            ],
        },
        {
            "id": "concomitant",
            "title": "Concomitant medication (may cause sedation, respiratory depression or blood pressure changes)",
            "fields": [
                {"name": CONCOMITANT[key], "value": None if concomitant is None else concomitant[key]}
                for key in CONCOMITANT
            ],
        },
        {
            "id": "provider",
            "title": "Healthcare provider conducting patient monitoring",
            "fields": [
                {"name": "Name, telephone, email", "value": None, "blank": "complete in the REMS system"},
            ],
        },
        {
            "id": "setting",
            "title": "Healthcare setting information",
            "fields": [
                {"name": "Setting", "value": settings.setting_on(given.session_date)},
                {"name": "Setting name and address", "value": None, "blank": "complete in the REMS system"},
            ],
        },
        {
            "id": "session",
            "title": "Patient treatment session (administration and monitoring)",
            "fields": [
                {"name": "Treatment date", "value": given.session_date.isoformat()},
                {"name": "Dose administered", "value": f"{dose:g} mg"},
                {"name": "Devices", "value": str(int(dose // 28))},
                {"name": "Lot number", "value": m.lot},
                {
                    "name": "Total time, minutes (first device to completion of monitoring; at least 2 hours)",
                    "value": None if m.minutes is None else str(m.minutes),
                },
                {
                    "name": "REMS evaluation question: when would the patient have been ready to leave without "
                    "the 2-hour minimum (minutes from start of administration)?",
                    "value": None,
                    "blank": "the monitoring clinician's answer",
                },
            ],
        },
        {
            "id": "vitals",
            "title": "Monitoring of blood pressure and vital signs",
            "fields": [{"name": f"Blood pressure {READING_NAMES[name]} (mmHg)", "value": bp[name]} for name in READINGS]
            + [
                {
                    "name": "Pulse oximetry (%) (ketplan record; not a form field)",
                    "value": None if m.pulse_ox is None else str(m.pulse_ox),
                },
                {
                    "name": "Vital signs in acceptable range before administration and before session completion?",
                    "value": None,
                    "blank": "the monitoring clinician's judgement",
                },
            ],
        },
        {
            "id": "effects",
            "title": "Sedation, dissociation and respiratory depression during monitoring",
            "fields": [
                {"name": "Sedation", "value": observed["sedation"]},
                {"name": "Dissociation", "value": observed["dissociation"]},
                {"name": "Respiratory depression", "value": observed["respiratory_depression"]},
                {
                    "name": "Resolved before discharge",
                    "value": ("Yes" if m.resolved else None) if m.observed else ("n/a" if found else None),
                },
            ],
        },
        {
            "id": "adverse-events",
            "title": "Adverse events",
            "fields": [
                {
                    "name": "Adverse events",
                    "value": "; ".join(m.adverse_events) if m.adverse_events else ("None recorded" if found else None),
                }
            ],
        },
    ]
    return {
        "label": label,
        "session": n,
        "session_key": key,
        "date": given.session_date.isoformat(),
        "due": due.isoformat(),
        "days_left": (due - today).days,
        "submitted_on": mark.payload["submitted_on"] if mark is not None else None,
        "missing": list(missing_fields(m if found else None)),
        "sections": sections,
        "prepared_not_submitted": "ketplan prepares this worksheet from the record; it does not submit the form. "
        "Complete the blank fields and submit the Patient Monitoring Form in the SPRAVATO REMS (www.spravatorems.com) "
        "within 7 days of the session.",
        "sources": [REMS_FORM, FDA_REMS, REMS_SETTINGS, FORM_COPY],
    }
