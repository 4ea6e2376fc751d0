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
    if rule.titration_levels_mg_per_kg:
        return _level_titration(request, rule, rule.titration_levels_mg_per_kg, first, count)
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


def _level_titration(
    request: PlanRequest, rule: WeightDose, levels: list[float], first: dosing.WeightBasedDose, count: int
) -> tuple[list[dosing.WeightBasedDose], list[tuple[str, ...]]]:
    """Response-guided steps through fixed levels (KADS: 0.5, 0.6, 0.75, 0.9 mg/kg): at most one step
    a session, each only when improvement is under 50% and the previous dose was tolerated."""
    ahead = [level for level in levels if level > first.mg_per_kg]
    doses = [first]
    notes: list[tuple[str, ...]] = [()]
    current = first
    for _ in range(1, count):
        if ahead:
            level = ahead.pop(0)
            current = weight_dose(request, rule, level)
            notes.append(
                (
                    f"Titration step: {level:g} mg/kg only if improvement since baseline is under 50% and the "
                    "previous dose was tolerated (clinician confirms); otherwise repeat the previous dose.",
                )
            )
        else:
            notes.append(())
        doses.append(current)
    return doses, notes


def titration_start_warning(rule: WeightDose, start_mg_per_kg: float) -> str | None:
    """A titrated course that starts above the trial's first step."""
    if rule.titration_levels_mg_per_kg:
        first_step = rule.titration_levels_mg_per_kg[0]
    elif rule.titration_step_mg_per_kg is not None:
        first_step = rule.default_mg_per_kg
    else:
        return None
    if start_mg_per_kg <= first_step:
        return None
    return (
        f"The course starts at {start_mg_per_kg:g} mg/kg, above the titration's first step ({first_step:g} mg/kg): "
        f"the trial started every course at {first_step:g} mg/kg and stepped up only when response was incomplete."
    )


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


OLDER_REGIMEN_NOTE = (
    "Ex-US regimen for 65 or over (EU SmPC): 28, 56 or 84 mg, every change in 28 mg steps; not the US label."
)


def _older(request: PlanRequest) -> bool:
    return request.age is not None and request.age >= dosing.OLDER_ADULT_AGE


def _esketamine_first_dose(request: PlanRequest, rule: FixedDose, warnings: list[str]) -> int:
    protocol = request.protocol
    first = rule.first_dose_mg
    asked = request.first_dose_mg
    if asked is None or asked == rule.first_dose_mg:
        if _older(request) and rule.older_adult_first_dose_mg and rule.older_adult_first_dose_mg != first:
            warnings.append(
                f"Age {request.age}: {rule.older_adult_note or 'consider the starting dose for older adults.'}"
            )
        return first
    if asked == rule.older_adult_first_dose_mg and _older(request):
        warnings.append(
            f"First dose {asked} mg at age {request.age}: ketplan follows the ex-US regimen for the whole course "
            f"(28, 56 or 84 mg; every change in 28 mg steps), which is outside the US label. "
            f"{rule.older_adult_note or ''}".strip()
        )
        return asked
    if asked == rule.older_adult_first_dose_mg:
        raise UnsafeDoseError(
            f"{ref('first_dose')} {asked} mg is only for patients aged 65 or over (give {ref('age')}); "
            f"{protocol.id} starts at {rule.first_dose_mg} mg",
            "first_dose",
        )
    raise UnsafeDoseError(
        f"{ref('first_dose')} {asked} mg is not allowed for {protocol.id}; the first dose is {rule.first_dose_mg} mg"
        + (f" ({rule.older_adult_first_dose_mg} mg possible at 65 or over)" if rule.older_adult_first_dose_mg else ""),
        "first_dose",
    )


def _later_dose(request: PlanRequest, rule: FixedDose, older_regimen: bool) -> int:
    later = rule.default_mg if request.dose_mg is None else request.dose_mg
    if later == dosing.ESKETAMINE_OLDER_ADULT_MG and not older_regimen:
        raise UnsafeDoseError(
            f"{ref('dose')} 28 mg is only part of the ex-US regimen for 65 or over (give {ref('first_dose')} 28 "
            f"with {ref('age')} 65 or more); use " + "/".join(str(d) for d in rule.allowed_mg) + " mg",
            "dose",
        )
    allowed = (
        tuple(sorted({*rule.allowed_mg, dosing.ESKETAMINE_OLDER_ADULT_MG})) if older_regimen else tuple(rule.allowed_mg)
    )
    return dosing.check_esketamine_dose(later, allowed)


def esketamine_doses(request: PlanRequest, rule: FixedDose, count: int, warnings: list[str]) -> list[SessionDose]:
    protocol = request.protocol
    if request.mg_per_kg is not None:
        raise InputError(
            f"{ref('mg_per_kg')} applies to weight-based protocols; {protocol.id} uses fixed esketamine doses ({ref('dose')})",
            "mg_per_kg",
        )
    if rule.label_indication == "mdsi" and _older(request):
        warnings.append(
            f"Age {request.age}: esketamine dosing for MDD with acute suicidal ideation or behaviour is not "
            "established at 65 or over (the ex-US label gives it for adults under 65)."
        )
    first = _esketamine_first_dose(request, rule, warnings)
    older_regimen = first == dosing.ESKETAMINE_OLDER_ADULT_MG
    later = _later_dose(request, rule, older_regimen)
    doses: list[SessionDose] = []
    previous: int | None = None
    for n in range(1, count + 1):
        notes: tuple[str, ...] = ()
        if n == 1:
            mg = first
        elif older_regimen and previous is not None and later > previous + dosing.ESKETAMINE_MG_PER_DEVICE:
            mg = previous + dosing.ESKETAMINE_MG_PER_DEVICE
            notes = (f"{later} mg is reached in 28 mg steps: this session is {mg} mg.",)
        elif rule.escalate_only_after_first and later > 56 and previous is not None and previous < 56:
            mg = 56
            notes = (f"{later} mg only after a 56 mg dose: this session is 56 mg.",)
        else:
            mg = later
        if older_regimen:
            notes = (*notes, OLDER_REGIMEN_NOTE)
        doses.append((float(mg), dosing.esketamine_devices(mg), notes))
        previous = mg
    return doses


def _verify_fixed(protocol: Protocol, rule: FixedDose, sessions: Sequence[PlannedSession]) -> None:
    """28 mg only in the warned older-adult regimen (then 28 mg steps), 84 mg first only for MDSI."""
    older_regimen = bool(sessions) and int(sessions[0].dose_mg) == dosing.ESKETAMINE_OLDER_ADULT_MG
    if older_regimen and rule.older_adult_first_dose_mg != dosing.ESKETAMINE_OLDER_ADULT_MG:
        raise UnsafeDoseError(f"session 1: 28 mg is not a starting dose of {protocol.id}", "first_dose")
    previous: int | None = None
    for session in sessions:
        mg = int(session.dose_mg)
        allowed = set(rule.allowed_mg) | {rule.first_dose_mg}
        if older_regimen:
            allowed.add(dosing.ESKETAMINE_OLDER_ADULT_MG)
        if session.n == 2 and rule.escalate_only_after_first:
            allowed.add(56)
        if mg != session.dose_mg or mg not in allowed or mg not in dosing.ESKETAMINE_DOSES_MG:
            raise UnsafeDoseError(
                f"session {session.n}: {session.dose_mg:g} mg is outside {protocol.id}'s doses", "dose"
            )
        if session.n == 1 and mg == 84 and rule.label_indication != "mdsi":
            raise UnsafeDoseError("session 1: 84 mg is a first dose only for the MDSI indication", "first_dose")
        if older_regimen and previous is not None and abs(mg - previous) > dosing.ESKETAMINE_MG_PER_DEVICE:
            raise UnsafeDoseError(f"session {session.n}: the ex-US regimen changes doses in 28 mg steps", "dose")
        previous = mg


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
    if isinstance(protocol.dose, FixedDose):
        _verify_fixed(protocol, protocol.dose, sessions)
        return
    for session in sessions:
        _verify_weight(protocol, protocol.dose, session, dose)
