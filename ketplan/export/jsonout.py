"""JSON documents for scripts. The keys are a contract documented in the README: add, never rename."""

from __future__ import annotations

import json
from typing import Any

from ketplan.core.dosing import WeightBasedDose
from ketplan.core.references import Reference

DISCLAIMER = "Clinical decision support only: not a substitute for clinical judgement or the product label."


def reference_document(reference: Reference) -> dict[str, Any]:
    return {
        "key": reference.key,
        "citation": reference.citation,
        "doi": reference.doi,
        "url": reference.link,
        "supports": reference.supports,
    }


def dose_document(dose: WeightBasedDose) -> dict[str, Any]:
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
        "evidence": "RCT (off-label in the US)",
        "warnings": list(dose.warnings),
        "references": [reference_document(r) for r in dose.references],
        "disclaimer": DISCLAIMER,
    }


def dumps(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2)
