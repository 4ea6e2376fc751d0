"""Weight-based racemic ketamine doses and fixed-dose esketamine, with their hard limits.

Every function here refuses (raises) rather than clamps: a number outside its limit never
becomes a dose. The limits live here, in the core, so that no caller (the CLI, a protocol
file, a batch roster, a library user) can step around them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ketplan.core import references as refs
from ketplan.core.body_weight import (
    ADJUSTED_WEIGHT_FACTOR,
    DEVINE_BASE_INCHES,
    DEVINE_BASE_KG,
    DEVINE_KG_PER_INCH,
    OBESE_BMI,
    DosingWeight,
    Sex,
    WeightBasis,
    adjusted_body_weight_kg,
    body_mass_index,
    choose_dosing_weight,
    ideal_body_weight_kg,
)
from ketplan.core.dose_warnings import (
    MAX_AGE,
    MIN_AGE,
    OLDER_ADULT_AGE,
    absolute_dose_alert,
    check_age,
    check_height_given,
    repeated_dose_warning,
)
from ketplan.core.errors import InputError, UnsafeDoseError, ref
from ketplan.core.numbers import shown
from ketplan.core.preparation import (
    CONVENTIONAL_MINUTES,
    MARKETED_CONCENTRATIONS_MG_PER_ML,
    MAX_FINAL_VOLUME_ML,
    MAX_INFUSION_MINUTES,
    MUST_DILUTE_MG_PER_ML,
    REPORTED_MINUTES,
    check_concentration,
    check_final_volume,
    check_minutes,
    drawable_volume_ml,
    round_dose_inside,
    round_drug_volume_ml,
)
from ketplan.core.units import MAX_WEIGHT_KG, MIN_WEIGHT_KG

__all__ = [
    "ADJUSTED_WEIGHT_FACTOR",
    "CONVENTIONAL_MINUTES",
    "DEVINE_BASE_INCHES",
    "DEVINE_BASE_KG",
    "DEVINE_KG_PER_INCH",
    "MARKETED_CONCENTRATIONS_MG_PER_ML",
    "MAX_AGE",
    "MAX_FINAL_VOLUME_ML",
    "MAX_INFUSION_MINUTES",
    "MIN_AGE",
    "MUST_DILUTE_MG_PER_ML",
    "OBESE_BMI",
    "OLDER_ADULT_AGE",
    "REPORTED_MINUTES",
    "DosingWeight",
    "Sex",
    "WeightBasedDose",
    "WeightBasis",
    "adjusted_body_weight_kg",
    "body_mass_index",
    "check_age",
    "choose_dosing_weight",
    "ideal_body_weight_kg",
    "round_drug_volume_ml",
    "weight_based_dose",
]

# Racemic ketamine: the hard range in mg/kg for each route, from the studies of that route; there
# is deliberately no override. IV: the doses Fava 2020 studied (0.1-1.0 mg/kg, each as a single
# infusion). IM: Loo 2016's titration (0.1-0.5 mg/kg). SC: Loo 2016's titration from 0.1 mg/kg and
# KADS (Loo 2023) up to 0.9 mg/kg. Oral: the range of the 2023 systematic review (Meshkat et al.,
# 0.5-1.25 mg/kg); oral evidence is preliminary.
RACEMIC_MG_PER_KG_LIMITS: dict[str, tuple[float, float]] = {
    "iv": (0.1, 1.0),
    "im": (0.1, 0.5),
    "sc": (0.1, 0.9),
    "oral": (0.5, 1.25),
}
RACEMIC_LIMIT_SOURCES = {
    "iv": "the doses Fava 2020 studied",
    "im": "Loo 2016's intramuscular titration",
    "sc": "Loo 2016's titration and KADS (Loo 2023)",
    "oral": "the range Meshkat 2023 reviewed",
}

ESKETAMINE_MG_PER_DEVICE = 28
ESKETAMINE_REST_MINUTES = 5  # after each device (SPRAVATO IFU)
ESKETAMINE_DOSES_MG = (28, 56, 84)
ESKETAMINE_OLDER_ADULT_MG = 28  # ex-US labels only, at 65 or over


def check_mg_per_kg(mg_per_kg: float, route: str, allowed: tuple[float, float] | None = None) -> float:
    """Refuse a mg/kg dose outside the drug's hard range, and outside a protocol's narrower one."""
    if route not in RACEMIC_MG_PER_KG_LIMITS:
        raise InputError(f"route {route!r} has no weight-based racemic ketamine dose", "route")
    low, high = mg_per_kg_range(route, allowed)
    if not isinstance(mg_per_kg, (int, float)) or isinstance(mg_per_kg, bool) or not math.isfinite(mg_per_kg):
        raise UnsafeDoseError(
            f"{ref('mg_per_kg')} must be a finite number within {format_number(low)}–{format_number(high)} mg/kg",
            "mg_per_kg",
        )
    if not low <= mg_per_kg <= high:  # inclusive and exact: no tolerance at a hard limit
        raise UnsafeDoseError(
            f"{ref('mg_per_kg')} {shown(mg_per_kg)} is outside {format_number(low)}–{format_number(high)} mg/kg, the range allowed for "
            f"{route.upper() if route != 'oral' else 'oral'} racemic ketamine here ({RACEMIC_LIMIT_SOURCES[route]})",
            "mg_per_kg",
        )
    return float(mg_per_kg)


def format_number(value: float) -> str:
    """0.1 -> '0.1', 1 -> '1.0', 1.25 -> '1.25': a limit always reads as a decimal."""
    text = f"{value:.3f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def check_esketamine_dose(dose_mg: int, allowed: tuple[int, ...] = ESKETAMINE_DOSES_MG) -> int:
    """Esketamine comes in 28 mg devices; only whole-device doses in the allowed set are given."""
    if isinstance(dose_mg, bool) or dose_mg not in allowed or dose_mg not in ESKETAMINE_DOSES_MG:
        shown = "/".join(str(d) for d in allowed if d in ESKETAMINE_DOSES_MG)
        raise UnsafeDoseError(
            f"{ref('dose')} {dose_mg} mg is not an allowed esketamine dose here; use {shown} mg", "dose"
        )
    return int(dose_mg)


def esketamine_devices(dose_mg: int) -> int:
    return check_esketamine_dose(dose_mg) // ESKETAMINE_MG_PER_DEVICE


def esketamine_administration_minutes(dose_mg: int) -> int:
    """Minimum time to give a dose: a 5-minute rest between devices (84 mg: 3 devices, 10 min).

    Observation starts after the last device, so the rest after it is part of observation.
    """
    return (esketamine_devices(dose_mg) - 1) * ESKETAMINE_REST_MINUTES


@dataclass(frozen=True)
class WeightBasedDose:
    """One racemic ketamine dose and everything needed to prepare it."""

    route: str
    weight_kg: float
    weight_entered: str
    weight_unit_assumed: bool
    dosing_weight_kg: float
    dosing_weight_basis: str
    dosing_weight_basis_requested: str
    ideal_body_weight_kg: float | None
    adjusted_body_weight_kg: float | None
    bmi: float | None
    height_cm: float | None
    sex: str | None
    age: int | None
    mg_per_kg: float
    mg_per_kg_range: tuple[float, float]
    dose_mg: float
    concentration_mg_per_ml: float | None
    drug_volume_ml: float | None
    delivered_dose_mg: float | None
    delivered_mg_per_kg: float | None
    infusion_minutes: float | None
    final_volume_ml: float | None
    pump_rate_ml_per_h: float | None
    dose_rate_mg_per_h: float | None
    dose_rate_mg_per_kg_per_h: float | None
    warnings: tuple[str, ...]
    references: tuple[refs.Reference, ...] = field(default=())


def weight_based_dose(
    *,
    weight_kg: float,
    mg_per_kg: float,
    route: str = "iv",
    weight_entered: str | None = None,
    weight_unit_assumed: bool = False,
    basis: WeightBasis = WeightBasis.actual,
    height_cm: float | None = None,
    sex: Sex | None = None,
    age: int | None = None,
    minutes: float | None = 40.0,
    concentration_mg_per_ml: float | None = 10.0,
    final_volume_ml: float | None = 100.0,
    allowed_mg_per_kg: tuple[float, float] | None = None,
) -> WeightBasedDose:
    """Compute a racemic ketamine dose for IV (infusion), IM/SC (injection) or oral use.

    IV gets an infusion (drug volume, final volume, pump rate); IM and SC a drawn volume;
    oral a dose in mg only.
    """
    check_weight_kg(weight_kg)
    if weight_unit_assumed:
        shown = weight_entered or f"{weight_kg:g}"
        raise InputError(f"{ref('weight')} {shown} has no unit; add a unit: {shown}kg or {shown}lb", "weight")
    mg_per_kg = check_mg_per_kg(mg_per_kg, route, allowed_mg_per_kg)
    low, high = mg_per_kg_range(route, allowed_mg_per_kg)
    warnings: list[str] = []
    warnings.extend(check_age(age, route))
    check_height_given(weight_kg, height_cm)
    dosing = choose_dosing_weight(weight_kg, basis, height_cm, sex)
    warnings.extend(dosing.warnings)
    dose_low, dose_high = low * dosing.kg, high * dosing.kg
    dose_mg = round_dose_inside(mg_per_kg * dosing.kg, dose_low, dose_high)
    for extra in (repeated_dose_warning(mg_per_kg, route), absolute_dose_alert(dose_mg, route)):
        if extra is not None:
            warnings.append(extra)
    drawn = _Drawn()
    if route in ("iv", "im", "sc"):
        drawn = _draw_up(dose_mg, dosing.kg, concentration_mg_per_ml, route, (dose_low, dose_high), warnings)
    infusion = _Infusion()
    if route == "iv":
        infusion = _infusion(minutes, final_volume_ml, drawn, dosing.kg, warnings)
    return WeightBasedDose(
        route=route,
        weight_kg=round(weight_kg, 2),
        weight_entered=weight_entered or f"{weight_kg:g}kg",
        weight_unit_assumed=weight_unit_assumed,
        dosing_weight_kg=round(dosing.kg, 2),
        dosing_weight_basis=dosing.basis_used.value,
        dosing_weight_basis_requested=dosing.basis_requested.value,
        ideal_body_weight_kg=None if dosing.ideal_kg is None else round(dosing.ideal_kg, 2),
        adjusted_body_weight_kg=None if dosing.adjusted_kg is None else round(dosing.adjusted_kg, 2),
        bmi=None if dosing.bmi is None else round(dosing.bmi, 1),
        height_cm=None if height_cm is None else round(height_cm, 1),
        sex=None if sex is None else Sex(sex).value,
        age=age,
        mg_per_kg=mg_per_kg,
        mg_per_kg_range=(low, high),
        dose_mg=dose_mg,
        concentration_mg_per_ml=drawn.concentration,
        drug_volume_ml=drawn.volume_ml,
        delivered_dose_mg=drawn.delivered_mg,
        delivered_mg_per_kg=drawn.delivered_mg_per_kg,
        infusion_minutes=infusion.minutes,
        final_volume_ml=infusion.final_volume_ml,
        pump_rate_ml_per_h=infusion.pump_rate_ml_per_h,
        dose_rate_mg_per_h=infusion.mg_per_h,
        dose_rate_mg_per_kg_per_h=infusion.mg_per_kg_per_h,
        warnings=tuple(warnings),
        references=_dose_references(route, basis, dosing, drawn.concentration, age),
    )


def check_weight_kg(weight_kg: float) -> None:
    if isinstance(weight_kg, bool) or not isinstance(weight_kg, (int, float)) or not math.isfinite(weight_kg):
        raise InputError(f"{ref('weight')} must be a number of kg", "weight")
    if not MIN_WEIGHT_KG <= weight_kg <= MAX_WEIGHT_KG:
        raise InputError(
            f"{ref('weight')} {weight_kg:g} kg is outside the plausible adult range {MIN_WEIGHT_KG:g}–{MAX_WEIGHT_KG:g} kg",
            "weight",
        )


def mg_per_kg_range(route: str, allowed: tuple[float, float] | None = None) -> tuple[float, float]:
    """The drug's hard range for the route, narrowed (never widened) by a protocol's own range."""
    low, high = RACEMIC_MG_PER_KG_LIMITS[route]
    if allowed is not None:
        low, high = max(low, allowed[0]), min(high, allowed[1])
    return low, high


@dataclass(frozen=True)
class _Drawn:
    concentration: float | None = None
    volume_ml: float | None = None
    delivered_mg: float | None = None
    delivered_mg_per_kg: float | None = None


@dataclass(frozen=True)
class _Infusion:
    minutes: float | None = None
    final_volume_ml: float | None = None
    pump_rate_ml_per_h: float | None = None
    mg_per_h: float | None = None
    mg_per_kg_per_h: float | None = None


def _draw_up(
    dose_mg: float,
    dosing_kg: float,
    concentration_mg_per_ml: float | None,
    route: str,
    dose_range_mg: tuple[float, float],
    warnings: list[str],
) -> _Drawn:
    """The volume to draw from the vial, and what it delivers at syringe precision."""
    concentration = check_concentration(concentration_mg_per_ml, route, warnings)
    volume = drawable_volume_ml(dose_mg, concentration, *dose_range_mg)
    delivered = round(volume * concentration, 2)
    if abs(delivered - dose_mg) >= max(0.5, 0.01 * dose_mg):
        warnings.append(
            f"Rounding: {volume:g} mL of {concentration:g} mg/mL delivers {delivered:g} mg "
            f"(calculated {dose_mg:g} mg); a lower concentration measures more finely."
        )
    return _Drawn(concentration, volume, delivered, round(delivered / dosing_kg, 3))


def _infusion(
    minutes: float | None, final_volume_ml: float | None, drawn: _Drawn, dosing_kg: float, warnings: list[str]
) -> _Infusion:
    """Infusion length, final volume and the pump and dose rates."""
    assert drawn.volume_ml is not None and drawn.concentration is not None and drawn.delivered_mg is not None
    minutes_out = check_minutes(minutes, warnings)
    final_volume = check_final_volume(final_volume_ml, drawn.volume_ml, drawn.concentration)
    hours = minutes_out / 60.0
    return _Infusion(
        minutes=minutes_out,
        final_volume_ml=final_volume,
        pump_rate_ml_per_h=round(final_volume / hours, 1),
        mg_per_h=round(drawn.delivered_mg / hours, 1),
        mg_per_kg_per_h=round(drawn.delivered_mg / dosing_kg / hours, 3),
    )


_ROUTE_REFERENCES = {
    "iv": (refs.FAVA_2020, refs.SINGH_2016, refs.ANDRADE_2017),
    "im": (refs.LOO_2016,),
    "sc": (refs.LOO_2016, refs.KADS_2023),
    "oral": (refs.MESHKAT_2023, refs.ANDRADE_2019),
}


def _dose_references(
    route: str, basis: WeightBasis, dosing: DosingWeight, concentration: float | None, age: int | None
) -> tuple[refs.Reference, ...]:
    chosen = list(_ROUTE_REFERENCES[route])
    if age is not None and age >= OLDER_ADULT_AGE:
        chosen += [r for r in (refs.FAVA_2020, refs.SINGH_2016, refs.YALE_BP_2024) if r not in chosen]
    if dosing.ideal_kg is not None or basis is not WeightBasis.actual:
        chosen.append(refs.DEVINE_1974)
    if dosing.bmi is not None:
        chosen.append(refs.WHO_BMI)
    if concentration is not None:
        chosen.append(refs.KETALAR_LABEL)
    return tuple(chosen)
