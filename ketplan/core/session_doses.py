"""The dose of every session of a plan: fixed esketamine sequences, weight-based racemic doses
(with titrations), and the last check that no session leaves the core outside its limits."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ketplan.core import dosing
from ketplan.core.errors import InputError, UnsafeDoseError, ref
from ketplan.core.protocol import FixedDose, Protocol, WeightDose

if TYPE_CHECKING:
    from ketplan.core.plan import PlannedSession, PlanRequest

# (dose in mg, esketamine devices or None, notes for the session)
SessionDose = tuple[float, int | None, tuple[str, ...]]


def weight_doses(
    request: PlanRequest, rule: WeightDose, count: int
) -> tuple[list[dosing.WeightBasedDose], list[tuple[str, ...]]]:
    """One dose per session: the same dose, or a titration that steps up to its target."""
    first = weight_dose(request, rule, None)
    if rule.titration_step_mg_per_kg is None or rule.titrate_to_mg_per_kg is None:
        return [first] * count, [()] * count
    step = rule.titration_step_mg_per_kg
    doses: list[dosing.WeightBasedDose] = []
    notes: list[tuple[str, ...]] = []
    by_level = {first.mg_per_kg: first}
    target = max(first.mg_per_kg, rule.titrate_to_mg_per_kg)
    for n in range(count):
        level = round(min(first.mg_per_kg + n * step, target), 3)
        if level not in by_level:
            by_level[level] = weight_dose(request, rule, level)
        doses.append(by_level[level])
        notes.append(
            (
                f"Titration: {level:g} mg/kg if the previous dose was tolerated and response is incomplete; "
                "otherwise repeat the previous dose (clinician decides).",
            )
            if n
            else ()
        )
    return doses, notes


def weight_dose(request: PlanRequest, rule: WeightDose, mg_per_kg: float | None) -> dosing.WeightBasedDose:
    protocol = request.protocol
    if request.dose_mg is not None or request.first_dose_mg is not None:
        raise InputError(
            f"{ref('dose')} and {ref('first_dose')} are esketamine doses; {protocol.id} is dosed in mg/kg ({ref('mg_per_kg')})",
            "dose",
        )
    if request.weight_kg is None:
        raise InputError(f"{ref('weight')} is required for {protocol.id}: its dose is weight-based (mg/kg)", "weight")
    if mg_per_kg is None:
        mg_per_kg = rule.default_mg_per_kg if request.mg_per_kg is None else request.mg_per_kg
    return dosing.weight_based_dose(
        weight_kg=request.weight_kg,
        weight_entered=request.weight_entered,
        weight_unit_assumed=request.weight_unit_assumed,
        mg_per_kg=mg_per_kg,
        route=protocol.route.value,
        basis=request.basis,
        height_cm=request.height_cm,
        sex=request.sex,
        age=request.age,
        minutes=rule.infusion_minutes,
        concentration_mg_per_ml=rule.concentration_mg_per_ml,
        final_volume_ml=rule.final_volume_ml,
        allowed_mg_per_kg=(rule.min_mg_per_kg, rule.max_mg_per_kg),
    )


def _esketamine_first_dose(request: PlanRequest, rule: FixedDose, warnings: list[str]) -> int:
    protocol = request.protocol
    first = rule.first_dose_mg
    older = request.age is not None and request.age >= dosing.OLDER_ADULT_AGE
    if request.first_dose_mg is not None and request.first_dose_mg != rule.first_dose_mg:
        if request.first_dose_mg == rule.older_adult_first_dose_mg and older:
            first = request.first_dose_mg
            warnings.append(
                f"First dose {first} mg for age {request.age}: outside the US label, which gives no separate "
                f"starting dose. {rule.older_adult_note or ''}".strip()
            )
        elif request.first_dose_mg == rule.older_adult_first_dose_mg:
            raise UnsafeDoseError(
                f"{ref('first_dose')} {request.first_dose_mg} mg is only for patients aged 65 or over (give {ref('age')}); "
                f"{protocol.id} starts at {rule.first_dose_mg} mg",
                "first_dose",
            )
        else:
            raise UnsafeDoseError(
                f"{ref('first_dose')} {request.first_dose_mg} mg is not allowed for {protocol.id}; the first dose is "
                f"{rule.first_dose_mg} mg"
                + (
                    f" ({rule.older_adult_first_dose_mg} mg possible at 65 or over)"
                    if rule.older_adult_first_dose_mg
                    else ""
                ),
                "first_dose",
            )
    elif older and rule.older_adult_first_dose_mg and rule.older_adult_first_dose_mg != first:
        warnings.append(f"Age {request.age}: {rule.older_adult_note or 'consider the starting dose for older adults.'}")
    return first


def esketamine_doses(request: PlanRequest, rule: FixedDose, count: int, warnings: list[str]) -> list[SessionDose]:
    protocol = request.protocol
    if request.mg_per_kg is not None:
        raise InputError(
            f"{ref('mg_per_kg')} applies to weight-based protocols; {protocol.id} uses fixed esketamine doses ({ref('dose')})",
            "mg_per_kg",
        )
    later = rule.default_mg if request.dose_mg is None else request.dose_mg
    dosing.check_esketamine_dose(later, tuple(rule.allowed_mg))
    first = _esketamine_first_dose(request, rule, warnings)
    doses: list[SessionDose] = []
    previous: int | None = None
    for n in range(1, count + 1):
        notes: tuple[str, ...] = ()
        if n == 1:
            mg = first
        elif rule.escalate_only_after_first and later > 56 and previous is not None and previous < 56:
            mg = 56
            notes = (f"{later} mg only after a 56 mg dose: this session is 56 mg.",)
        else:
            mg = later
        doses.append((float(mg), dosing.esketamine_devices(mg), notes))
        previous = mg
    return doses


def _verify_fixed(protocol: Protocol, rule: FixedDose, session: PlannedSession) -> None:
    allowed = set(rule.allowed_mg) | {rule.first_dose_mg}
    if rule.older_adult_first_dose_mg and session.n == 1:
        allowed.add(rule.older_adult_first_dose_mg)
    if session.n == 2 and rule.escalate_only_after_first:
        allowed.add(56)
    if int(session.dose_mg) not in allowed or int(session.dose_mg) not in dosing.ESKETAMINE_DOSES_MG:
        raise UnsafeDoseError(f"session {session.n}: {session.dose_mg:g} mg is outside {protocol.id}'s doses", "dose")


def _verify_weight(
    protocol: Protocol, rule: WeightDose, session: PlannedSession, dose: dosing.WeightBasedDose | None
) -> None:
    weight_kg = dose.dosing_weight_kg if dose is not None else None
    # dosing_weight_kg is rounded to 0.01 kg: allow for that rounding, nothing more.
    slack = 1e-6 + (0.005 * dosing.RACEMIC_MG_PER_KG_LIMITS[protocol.route.value][1] if dose is not None else 0.0)
    low, high = dosing.RACEMIC_MG_PER_KG_LIMITS[protocol.route.value]
    # The protocol's own range, never wider than the drug's hard range.
    low, high = max(low, rule.min_mg_per_kg), min(high, rule.max_mg_per_kg)
    if session.mg_per_kg is None or not math.isfinite(session.mg_per_kg) or not low <= session.mg_per_kg <= high:
        raise UnsafeDoseError(f"session {session.n}: dose outside {low:g}-{high:g} mg/kg", "mg_per_kg")
    if (
        weight_kg is None
        or not math.isfinite(session.dose_mg)
        or not (low * weight_kg - slack <= session.dose_mg <= high * weight_kg + slack)
    ):
        raise UnsafeDoseError(
            f"session {session.n}: {session.dose_mg:g} mg is outside {low:g}-{high:g} mg/kg", "mg_per_kg"
        )
    if session.drug_volume_ml is not None and dose is not None and dose.concentration_mg_per_ml:
        delivered = session.drug_volume_ml * dose.concentration_mg_per_ml
        if not low * weight_kg - slack <= delivered <= high * weight_kg + slack:
            raise UnsafeDoseError(
                f"session {session.n}: {session.drug_volume_ml:g} mL delivers {delivered:g} mg, outside "
                f"{low:g}-{high:g} mg/kg",
                "concentration",
            )


def verify_doses(
    protocol: Protocol, sessions: Sequence[PlannedSession], dose: dosing.WeightBasedDose | None = None
) -> None:
    """Last line of defence: no session leaves the core with a dose outside its limits (the
    drug's hard limits and the protocol's own, whatever a protocol file or a caller asked for)."""
    if not sessions:
        raise InputError(f"the plan holds no session; extend {ref('weeks')} or {ref('until')}", "weeks")
    for session in sessions:
        if isinstance(protocol.dose, FixedDose):
            _verify_fixed(protocol, protocol.dose, session)
        else:
            _verify_weight(protocol, protocol.dose, session, dose)
