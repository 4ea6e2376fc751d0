"""JSON documents for scripts. The keys are a contract documented in the README: add, never rename."""

from __future__ import annotations

import json
from typing import Any

from ketplan.core.dosing import WeightBasedDose
from ketplan.core.evidence import dose_evidence
from ketplan.core.references import Reference
from ketplan.export.text import DISCLAIMER


def reference_document(reference: Reference, key: str | None = None) -> dict[str, Any]:
    """A reference from the dose engine (which knows its key) or a protocol file (keyed by its table)."""
    return {
        "key": key or reference.key,
        "citation": reference.citation,
        "doi": reference.doi,
        "url": reference.link,
        "supports": reference.supports,
    }


def dose_document(dose: WeightBasedDose, evidence: str | None = None) -> dict[str, Any]:
    """`evidence`: the protocol's evidence level when the dose belongs to a plan."""
    return {
        "route": dose.route,
        "weight_kg": dose.weight_kg,
        "weight_entered": dose.weight_entered,
        "weight_unit_assumed": dose.weight_unit_assumed,
        "height_cm": dose.height_cm,
        "sex": dose.sex,
        "age": dose.age,
        "bmi": dose.bmi,
        "ideal_body_weight_kg": dose.ideal_body_weight_kg,
        "adjusted_body_weight_kg": dose.adjusted_body_weight_kg,
        "dosing_weight_kg": dose.dosing_weight_kg,
        "dosing_weight_basis": dose.dosing_weight_basis,
        "dosing_weight_basis_requested": dose.dosing_weight_basis_requested,
        "mg_per_kg": dose.mg_per_kg,
        "mg_per_kg_allowed": list(dose.mg_per_kg_range),
        "dose_mg": dose.dose_mg,
        "infusion_minutes": dose.infusion_minutes,
        "dose_rate_mg_per_h": dose.dose_rate_mg_per_h,
        "dose_rate_mg_per_kg_per_h": dose.dose_rate_mg_per_kg_per_h,
        "concentration_mg_per_ml": dose.concentration_mg_per_ml,
        "drug_volume_ml": dose.drug_volume_ml,
        "delivered_dose_mg": dose.delivered_dose_mg,
        "delivered_mg_per_kg": dose.delivered_mg_per_kg,
        "final_volume_ml": dose.final_volume_ml,
        "pump_rate_ml_per_h": dose.pump_rate_ml_per_h,
        "evidence": dose_evidence(dose.route, evidence),
        "warnings": list(dose.warnings),
        "references": [reference_document(r) for r in dose.references],
        "disclaimer": DISCLAIMER,
    }


def dumps(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2)


def _iso(value) -> str | None:
    return None if value is None else value.isoformat()


def protocol_summary(protocol) -> dict[str, Any]:
    return {
        "id": protocol.id,
        "title": protocol.title,
        "drug": protocol.drug.value,
        "route": protocol.route.value,
        "indication": protocol.indication,
        "evidence": protocol.evidence.value,
        "evidence_text": protocol.evidence_text,
        "evidence_note": protocol.evidence_note,
        "off_label": protocol.off_label,
    }


def session_document(session) -> dict[str, Any]:
    return {
        "n": session.n,
        "date": session.date.isoformat(),
        "weekday": session.weekday,
        "start": session.start.isoformat(),
        "end": session.end.isoformat(),
        "phase": session.phase,
        "phase_session": session.phase_session,
        "phase_sessions": session.phase_sessions,
        "dose_mg": session.dose_mg,
        "devices": session.devices,
        "mg_per_kg": session.mg_per_kg,
        "drug_volume_ml": session.drug_volume_ml,
        "administration_minutes": session.administration_minutes,
        "observation_minutes": session.observation_minutes,
        "moved_from": _iso(session.moved_from),
        "reason": session.reason,
        "notes": list(session.notes),
    }


def checkpoint_document(checkpoint) -> dict[str, Any]:
    return {
        "id": checkpoint.id,
        "date": checkpoint.date.isoformat(),
        "title": checkpoint.title,
        "detail": checkpoint.detail,
        "session": checkpoint.session_n,
        "sources": list(checkpoint.sources),
        "ketplan_default": checkpoint.ketplan_default,
    }


def _sourced(item, **extra) -> dict[str, Any]:
    return {"text": item.text, **extra, "sources": list(item.sources), "ketplan_default": item.ketplan_default}


def plan_document(plan) -> dict[str, Any]:
    from ketplan import __version__
    from ketplan.core.zones import tzdata_version

    protocol = plan.protocol
    by_phase: dict[str, int] = {}
    for session in plan.sessions:
        by_phase[session.phase] = by_phase.get(session.phase, 0) + 1
    return {
        "ketplan_version": __version__,
        "protocol": protocol_summary(protocol),
        "label": plan.label,
        "start": plan.start.isoformat(),
        "first_session": plan.sessions[0].date.isoformat(),
        "last_session": plan.sessions[-1].date.isoformat(),
        "horizon_end": plan.end.isoformat(),
        "timezone": plan.timezone,
        "tzdata_version": tzdata_version(),  # the IANA release the instants come from
        "time": plan.time.strftime("%H:%M"),
        "weekdays": list(plan.weekday_names),
        "weekdays_chosen_by_ketplan": plan.weekdays_chosen_by_ketplan,
        "every_weeks": plan.every_weeks,
        "summary": {
            "sessions": len(plan.sessions),
            "sessions_by_phase": by_phase,
            "cumulative_dose_mg": plan.cumulative_dose_mg,
            "moved_sessions": sum(1 for s in plan.sessions if s.moved_from),
        },
        "dose": dose_document(plan.dose, protocol.evidence.value) if plan.dose is not None else None,
        "warnings": list(plan.warnings),
        "instructions": [_sourced(i, before_minutes=i.before_minutes) for i in protocol.instructions],
        "monitoring": [_sourced(m, at_minutes=m.at_minutes) for m in protocol.monitoring],
        "checkpoints": [checkpoint_document(c) for c in plan.checkpoints],
        "sessions": [session_document(s) for s in plan.sessions],
        "references": [reference_document(ref, key) for key, ref in protocol.references.items()],
        "disclaimer": DISCLAIMER,
    }


# --------------------------------------------------------------------------- format registry


def render_plan(plan, options) -> str:
    return dumps(plan_document(plan)) + "\n"


def render_dose(dose, options) -> str:
    return dumps(dose_document(dose)) + "\n"


def sheet_document(sheet) -> dict[str, Any]:
    """A session of a stored course prepared (`ketplan course sheet`): the session, where its
    weight comes from, the cautions and notes, and the dose in the `dose` document's keys."""
    return {
        "label": sheet.label,
        "protocol": sheet.protocol_id,
        "protocol_title": sheet.protocol_title,
        "plan_revision": sheet.plan_revision,
        "session": {
            "n": sheet.session_n,
            "of": sheet.session_count,
            "date": sheet.session_date.isoformat(),
            "start": sheet.start.isoformat(),
            "timezone": sheet.timezone,
            "phase": sheet.phase,
            "phase_session": sheet.phase_session,
            "phase_sessions": sheet.phase_sessions,
            "status": sheet.status,
        },
        "weight_recorded_on": sheet.weight_recorded_on.isoformat(),
        "cautions": list(sheet.cautions),
        "notes": list(sheet.notes),
        "dose": dose_document(sheet.dose, sheet.evidence),
    }


def render_session(sheet, options) -> str:
    return dumps(sheet_document(sheet)) + "\n"


def render_protocols(protocols, options) -> str:
    from ketplan.export.protocol_table import list_document

    return dumps(list_document(protocols)) + "\n"


def render_protocol(protocol, options) -> str:
    from ketplan.export.protocol_table import protocol_document

    return dumps(protocol_document(protocol)) + "\n"


def roster_header() -> str:
    return ""


def render_roster_row(plan, row_id: str, options) -> str:
    """One compact line: the plan's document with the row's id first (jsonl)."""
    document = {"id": row_id, **plan_document(plan)}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"
