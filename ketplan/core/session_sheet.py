"""One session of a stored course, ready to prepare: what the nurse's preparation sheet shows.

Pure: the course's current plan revision, its record and the PlanRequest rebuilt from the
course's stored options come in. The dose is computed by the planning path itself
(`session_doses.weight_dose` -> `dosing.weight_based_dose`) at the session's own mg/kg (a
titration's step, not the course's first dose), with the course's weight, height, basis, vial
strength, final volume and infusion time, and it must agree with the dose the plan holds for
that session: a sheet is never printed for a dose that differs from the plan.

The record keeps no weight update: the weight is the one the course was created with, and the
sheet says so with its date. Esketamine is refused: it is not drawn up (28 mg nasal devices,
self-administered under supervision), so there is nothing for a preparation record to check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ketplan.core.course import GIVEN, MISSED, CoursePlan, CourseSession, Entry, effective, merge
from ketplan.core.dosing import ESKETAMINE_MG_PER_DEVICE, WeightBasedDose
from ketplan.core.errors import InputError, UnsafeDoseError, quoted, ref
from ketplan.core.plan import PlanRequest
from ketplan.core.protocol import WeightDose
from ketplan.core.session_doses import weight_dose

_TOLERANCE = 1e-6


@dataclass(frozen=True)
class SessionSheet:
    """A planned session of a weight-based course with its dose worked out for preparation."""

    label: str
    protocol_id: str
    protocol_title: str
    session_n: int
    session_count: int
    session_date: date
    start: datetime
    timezone: str
    phase: str
    phase_session: int
    phase_sessions: int
    status: str  # "planned", "given" or "missed" (from the record)
    dose: WeightBasedDose
    weight_recorded_on: date  # the day the course (and its weight) was recorded
    plan_revision: int
    cautions: tuple[str, ...]  # shown with the dose's warnings
    notes: tuple[str, ...]  # what this session is, from the plan and the record
    evidence: str | None = None  # the protocol's evidence level


def prepare_session(
    label: str,
    plan: CoursePlan,
    entries: Sequence[Entry],
    session_n: int,
    request: PlanRequest,
    *,
    weight_recorded_on: date,
    plan_revision: int,
) -> SessionSheet:
    """The sheet's content for session `session_n` of the course's current plan `plan`.

    Refuses a session number the plan does not hold (or one a replan cancelled), an esketamine
    course, and a session whose planned dose the course's inputs no longer give."""
    session = find_session(plan, session_n)
    if plan.is_esketamine or not isinstance(request.protocol.dose, WeightDose):
        devices = session.devices or int(session.dose_mg) // ESKETAMINE_MG_PER_DEVICE
        raise InputError(
            f"course {quoted(label)} session {session.n} is esketamine {session.dose_mg:g} mg ({devices} nasal spray "
            f"devices of {ESKETAMINE_MG_PER_DEVICE} mg, self-administered under supervision): nothing is drawn up, so "
            f"there is no preparation sheet; 'ketplan course show {label}' lists each session's dose and devices, and "
            f"'ketplan rems form {label} {ref('session')} {session.n}' is the session's monitoring worksheet once it "
            "is given",
            "session",
        )
    if session.mg_per_kg is None:
        raise InputError(f"session {session.n} has no mg/kg dose in the stored plan: the store is damaged", "session")
    if request.protocol.id != plan.protocol_id:
        raise InputError(
            f"course {quoted(label)} was planned with protocol {plan.protocol_id}, but its options now give "
            f"{request.protocol.id}: no sheet is printed from another protocol",
            "protocol",
        )
    rule = request.protocol.dose
    dose = weight_dose(request, rule, session.mg_per_kg)
    _check_agrees(label, plan, session, dose)
    views = merge(plan, entries)
    status = next((v.status for v in views if v.n == session.n and not v.extra), "planned")
    cautions: list[str] = []
    notes: list[str] = [
        f"Session {session.n} of {len(plan.sessions)} ({session.phase}), planned {session.date.isoformat()} at "
        f"{session.start.strftime('%H:%M')} ({plan.timezone}); plan revision {plan_revision}.",
        f"Weight {dose.weight_kg:g} kg was recorded with the course on {weight_recorded_on.isoformat()} and the "
        "record keeps no later weight: if today's weight differs, the prescriber re-plans the dose before it is "
        "prepared.",
    ]
    recorded = _recorded(entries, session.n)
    if recorded is not None:
        when = recorded.session_date.isoformat() if recorded.session_date else session.date.isoformat()
        cautions.append(
            f"Session {session.n} is already recorded as {recorded.kind} ({when}, entry {recorded.seq}): this sheet "
            "is a copy of the plan, not a new order."
        )
    if session.moved_from is not None:
        notes.append(
            f"Moved from {session.moved_from.isoformat()}" + (f": {session.reason}." if session.reason else ".")
        )
    cautions.extend(session.notes)  # the plan's word on this session (a titration step's condition)
    last = _last_given(entries, session)
    if last is not None:
        last_entry, last_mg_per_kg = last
        when = last_entry.session_date.isoformat() if last_entry.session_date else "?"
        which = f"session {last_entry.session_n}" if last_entry.session_n is not None else "an extra session"
        shown = f"{float(last_entry.payload.get('dose_mg', 0)):g} mg"
        if last_mg_per_kg is not None:
            shown += f" ({last_mg_per_kg:g} mg/kg)"
        notes.append(f"Last dose given: {which} on {when}, {shown}.")
        if last_mg_per_kg is not None:
            caution = _step_caution(rule, session.mg_per_kg, last_mg_per_kg, which)
            if caution:
                cautions.append(caution)
    return SessionSheet(
        label=label,
        protocol_id=plan.protocol_id,
        protocol_title=plan.protocol_title,
        session_n=session.n,
        session_count=len(plan.sessions),
        session_date=session.date,
        start=session.start,
        timezone=plan.timezone,
        phase=session.phase,
        phase_session=session.phase_session,
        phase_sessions=session.phase_sessions,
        status=status,
        dose=dose,
        weight_recorded_on=weight_recorded_on,
        plan_revision=plan_revision,
        cautions=tuple(cautions),
        notes=tuple(notes),
        evidence=request.protocol.evidence.value,
    )


def find_session(plan: CoursePlan, session_n: int) -> CourseSession:
    """Session `session_n` of the current plan, or a refusal that says which numbers exist."""
    if isinstance(session_n, bool) or not isinstance(session_n, int) or session_n < 1:
        raise InputError(f"{ref('session')} must be a session number, 1 or more", "session")
    session = plan.session(session_n)
    if session is not None:
        return session
    span = f"sessions 1-{plan.sessions[-1].n}" if plan.sessions else "no planned session"
    if any(s.n == session_n for s in plan.cancelled):
        raise InputError(
            f"{ref('session')} {session_n} was cancelled by a replan; the course now has {span}", "session"
        )
    raise InputError(f"{ref('session')} {session_n}: the course has {span}", "session")


def _check_agrees(label: str, plan: CoursePlan, session: CourseSession, dose: WeightBasedDose) -> None:
    """The dose worked out now must be the planned one (protocol, mg, mL, dosing weight): else refuse."""
    planned_weight = plan.dose.dosing_weight_kg
    differs = abs(dose.dose_mg - session.dose_mg) > _TOLERANCE or (
        planned_weight is not None and abs(dose.dosing_weight_kg - planned_weight) > 0.005 + _TOLERANCE
    )
    if session.drug_volume_ml is not None and dose.drug_volume_ml is not None:
        differs = differs or abs(dose.drug_volume_ml - session.drug_volume_ml) > _TOLERANCE
    if differs:

        def shown(mg: float, ml: float | None) -> str:
            return f"{mg:g} mg" + (f" ({ml:g} mL)" if ml is not None else "")

        raise UnsafeDoseError(
            f"session {session.n} of course {quoted(label)}: the course's inputs now give "
            f"{shown(dose.dose_mg, dose.drug_volume_ml)}, not the planned {shown(session.dose_mg, session.drug_volume_ml)}"
            "; no sheet is printed for a dose that differs from the plan (check the protocol and the course)",
            "session",
        )


def _recorded(entries: Sequence[Entry], session_n: int) -> Entry | None:
    return next(
        (e for e in effective(entries) if e.kind in (GIVEN, MISSED) and e.session_n == session_n),
        None,
    )


def _last_given(entries: Sequence[Entry], session: CourseSession) -> tuple[Entry, float | None] | None:
    """The latest dose given before this session's day (planned or extra), with its mg/kg."""
    given = [
        e
        for e in effective(entries)
        if e.kind == GIVEN
        and e.session_n != session.n
        and e.session_date is not None
        and e.session_date < session.date
        and "dose_mg" in e.payload
    ]
    if not given:
        return None
    last = max(given, key=lambda e: (e.session_date, e.seq))
    per_kg = last.payload.get("mg_per_kg")
    return last, None if per_kg is None else float(per_kg)


def _step_caution(rule: WeightDose, planned: float, last: float, which: str) -> str | None:
    """A planned mg/kg more than one titration step above the last dose given (or, without a
    titration, above it at all): the plan assumed steps that the record does not show."""
    confirm = "the prescriber confirms the dose before it is prepared."
    if rule.titration_levels_mg_per_kg:
        above = [level for level in rule.titration_levels_mg_per_kg if level > last + _TOLERANCE]
        ceiling, how = (min(above) if above else last), "the titration steps one level at a time"
    elif rule.titration_step_mg_per_kg is not None:
        step = rule.titration_step_mg_per_kg
        ceiling, how = round(last + step, 3), f"the titration steps {step:g} mg/kg at a time"
    else:
        if planned <= last + _TOLERANCE:
            return None
        return f"This session's planned {planned:g} mg/kg is above the last dose given ({last:g} mg/kg, {which}): {confirm}"
    if planned <= ceiling + _TOLERANCE:
        return None
    return (
        f"This session's planned {planned:g} mg/kg is more than one step above the last dose given "
        f"({last:g} mg/kg, {which}) and {how}: {confirm}"
    )
