"""Weight-based racemic ketamine doses and fixed-dose esketamine, with their hard limits.

Every function here refuses (raises) rather than clamps: a number outside its limit never
becomes a dose. The limits live here, in the core, so that no caller (the CLI, a protocol
file, a batch roster, a library user) can step around them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum

from ketplan.core import references as refs
from ketplan.core.errors import InputError, UnsafeDoseError, ref
from ketplan.core.numbers import shown
from ketplan.core.units import CM_PER_INCH, MAX_HEIGHT_CM, MAX_WEIGHT_KG, MIN_HEIGHT_CM, MIN_WEIGHT_KG

# Racemic ketamine: the hard range in mg/kg for each route. IV/IM/SC: the range Fava 2020
# studied (0.1-1.0 mg/kg); there is deliberately no override. Oral: the range of the 2023
# systematic review (Meshkat et al., 0.5-1.25 mg/kg); oral evidence is preliminary.
RACEMIC_MG_PER_KG_LIMITS: dict[str, tuple[float, float]] = {
    "iv": (0.1, 1.0),
    "im": (0.1, 1.0),
    "sc": (0.1, 1.0),
    "oral": (0.5, 1.25),
}

ESKETAMINE_MG_PER_DEVICE = 28
ESKETAMINE_REST_MINUTES = 5  # after each device (SPRAVATO IFU)
ESKETAMINE_DOSES_MG = (28, 56, 84)

MARKETED_CONCENTRATIONS_MG_PER_ML = (10.0, 50.0, 100.0)
MIN_CONCENTRATION_MG_PER_ML = 1.0  # below any ketamine vial (10, 50, 100 mg/mL): a typo, not a strength
MUST_DILUTE_MG_PER_ML = 100.0
STUDIED_MINUTES = (40, 100)
MAX_INFUSION_MINUTES = 24 * 60
MAX_FINAL_VOLUME_ML = 1000.0
MIN_AGE, MAX_AGE, OLDER_ADULT_AGE = 18, 120, 65
OBESE_BMI = 30.0
DEVINE_BASE_KG = {"male": 50.0, "female": 45.5}
DEVINE_KG_PER_INCH = 2.3
DEVINE_BASE_INCHES = 60.0
ADJUSTED_WEIGHT_FACTOR = 0.4


class WeightBasis(str, Enum):
    actual = "actual"
    ideal = "ideal"
    adjusted = "adjusted"


class Sex(str, Enum):
    female = "female"
    male = "male"


@dataclass(frozen=True)
class DosingWeight:
    kg: float
    basis_requested: WeightBasis
    basis_used: WeightBasis
    actual_kg: float
    ideal_kg: float | None
    adjusted_kg: float | None
    bmi: float | None
    warnings: tuple[str, ...] = ()


def ideal_body_weight_kg(height_cm: float, sex: Sex) -> float:
    """Devine (1974). At or below 60 in the base value is returned, as most calculators do."""
    inches_over_60 = max(0.0, height_cm / CM_PER_INCH - DEVINE_BASE_INCHES)
    return DEVINE_BASE_KG[Sex(sex).value] + DEVINE_KG_PER_INCH * inches_over_60


def adjusted_body_weight_kg(actual_kg: float, ideal_kg: float) -> float:
    return ideal_kg + ADJUSTED_WEIGHT_FACTOR * (actual_kg - ideal_kg)


def body_mass_index(weight_kg: float, height_cm: float) -> float:
    metres = height_cm / 100.0
    return weight_kg / (metres * metres)


def choose_dosing_weight(
    actual_kg: float,
    basis: WeightBasis = WeightBasis.actual,
    height_cm: float | None = None,
    sex: Sex | None = None,
) -> DosingWeight:
    """The weight a mg/kg dose is multiplied by, with the reason for any substitution."""
    basis = WeightBasis(basis)
    if height_cm is not None and (
        isinstance(height_cm, bool)
        or not isinstance(height_cm, (int, float))
        or not math.isfinite(height_cm)
        or not MIN_HEIGHT_CM <= height_cm <= MAX_HEIGHT_CM
    ):
        raise InputError(
            f"{ref('height')} must lie within the plausible adult range {MIN_HEIGHT_CM:g}–{MAX_HEIGHT_CM:g} cm",
            "height",
        )
    warnings: list[str] = []
    bmi = body_mass_index(actual_kg, height_cm) if height_cm else None
    ideal = adjusted = None
    if height_cm is not None and sex is not None:
        ideal = ideal_body_weight_kg(height_cm, Sex(sex))
        adjusted = adjusted_body_weight_kg(actual_kg, ideal) if actual_kg > ideal else None
    if basis is not WeightBasis.actual:
        if height_cm is None or sex is None:
            raise InputError(
                f"{ref('dosing_weight')} {basis.value} needs {ref('height')} and {ref('sex')} (Devine ideal body weight)",
                "dosing_weight",
            )
        if height_cm / CM_PER_INCH <= DEVINE_BASE_INCHES:
            warnings.append(
                "Height is 60 in (152.4 cm) or less: Devine ideal body weight uses its base value "
                f"({DEVINE_BASE_KG[Sex(sex).value]:g} kg); confirm the weight basis."
            )
    used, kg = basis, actual_kg
    if basis is WeightBasis.ideal:
        if actual_kg < ideal:
            used = WeightBasis.actual
            warnings.append(
                f"Actual weight {actual_kg:.1f} kg is below ideal body weight {ideal:.1f} kg: "
                "dosed on actual weight, the lower of the two."
            )
        else:
            kg = ideal
    elif basis is WeightBasis.adjusted:
        if adjusted is None:
            used = WeightBasis.actual
            warnings.append(
                f"Actual weight {actual_kg:.1f} kg is not above ideal body weight {ideal:.1f} kg: "
                "adjusted weight does not apply; dosed on actual weight."
            )
        else:
            kg = adjusted
    if bmi is not None and bmi >= OBESE_BMI and used is WeightBasis.actual and basis is WeightBasis.actual:
        warnings.append(
            f"BMI {bmi:.1f} (obese, >= 30): dosed on actual weight. Confirm the dosing-weight basis "
            "(actual, ideal or adjusted): sources do not settle it, the clinician chooses."
        )
    return DosingWeight(
        kg=kg,
        basis_requested=basis,
        basis_used=used,
        actual_kg=actual_kg,
        ideal_kg=ideal,
        adjusted_kg=adjusted,
        bmi=bmi,
        warnings=tuple(warnings),
    )


def check_age(age: int | None) -> tuple[str, ...]:
    """Refuse minors; return the warnings an age carries."""
    if age is None:
        return ()
    if isinstance(age, bool) or not isinstance(age, int):
        raise InputError(f"{ref('age')} must be a whole number of years", "age")
    if age < MIN_AGE:
        raise InputError(
            f"{ref('age')} {age} is under {MIN_AGE}: ketamine and esketamine for depression are studied "
            "and approved in adults only",
            "age",
        )
    if age > MAX_AGE:
        raise InputError(f"{ref('age')} {age} is not a plausible age (at most {MAX_AGE})", "age")
    if age >= OLDER_ADULT_AGE:
        return (
            f"Age {age} (65 or over): higher drug exposure and larger blood-pressure rises are "
            "reported in older patients; monitor blood pressure closely.",
        )
    return ()


def check_mg_per_kg(mg_per_kg: float, route: str, allowed: tuple[float, float] | None = None) -> float:
    """Refuse a mg/kg dose outside the drug's hard range, and outside a protocol's narrower one."""
    if route not in RACEMIC_MG_PER_KG_LIMITS:
        raise InputError(f"route {route!r} has no weight-based racemic ketamine dose", "route")
    low, high = RACEMIC_MG_PER_KG_LIMITS[route]
    if allowed is not None:
        low, high = max(low, allowed[0]), min(high, allowed[1])
    if not isinstance(mg_per_kg, (int, float)) or isinstance(mg_per_kg, bool) or not math.isfinite(mg_per_kg):
        raise UnsafeDoseError(
            f"{ref('mg_per_kg')} must be a finite number within {format_number(low)}–{format_number(high)} mg/kg",
            "mg_per_kg",
        )
    if not low <= mg_per_kg <= high:  # inclusive and exact: no tolerance at a hard limit
        raise UnsafeDoseError(
            f"{ref('mg_per_kg')} {shown(mg_per_kg)} is outside {format_number(low)}–{format_number(high)} mg/kg, the range allowed for "
            f"{route.upper() if route != 'oral' else 'oral'} racemic ketamine here",
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


def round_drug_volume_ml(volume_ml: float) -> float:
    """Syringe precision: 0.01 mL below 1 mL, 0.1 mL from 1 mL on."""
    step = 0.01 if volume_ml < 1.0 else 0.1
    return _round_to_step(volume_ml, step)


def _round_to_step(value: float, step: float) -> float:
    # Decimal-safe half-up rounding to a step of 0.1 or 0.01.
    digits = 2 if step < 0.1 else 1
    return round(math.floor(value / step + 0.5 + 1e-9) * step, digits)


def _round_dose_inside(dose_mg: float, low_mg: float, high_mg: float) -> float:
    """Round to 0.1 mg, towards the inside of the range when plain rounding would step out of it."""
    rounded = _round_to_step(dose_mg, 0.1)
    if rounded > high_mg + 1e-9:
        rounded = math.floor(high_mg * 10 + 1e-9) / 10
    elif rounded < low_mg - 1e-9:
        rounded = math.ceil(low_mg * 10 - 1e-9) / 10
    return rounded


def _drawable_volume_ml(dose_mg: float, concentration: float, low_mg: float, high_mg: float) -> float:
    """Rounded volume whose delivered dose stays inside [low_mg, high_mg]: rounding never breaks a limit."""
    exact = dose_mg / concentration
    volume = round_drug_volume_ml(exact)
    step = 0.01 if volume < 1.0 else 0.1
    if volume * concentration > high_mg + 1e-9:
        volume = round(volume - step, 2)
    elif volume * concentration < low_mg - 1e-9:
        volume = round(volume + step, 2)
    if volume <= 0 or not low_mg - 1e-9 <= volume * concentration <= high_mg + 1e-9:
        raise UnsafeDoseError(
            f"{ref('concentration')} {concentration:g} mg/mL cannot measure {dose_mg:.1f} mg within the allowed range "
            "at syringe precision; use a lower concentration",
            "concentration",
        )
    return volume


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
    if isinstance(weight_kg, bool) or not isinstance(weight_kg, (int, float)) or not math.isfinite(weight_kg):
        raise InputError(f"{ref('weight')} must be a number of kg", "weight")
    if not MIN_WEIGHT_KG <= weight_kg <= MAX_WEIGHT_KG:
        raise InputError(
            f"{ref('weight')} {weight_kg:g} kg is outside the plausible adult range {MIN_WEIGHT_KG:g}–{MAX_WEIGHT_KG:g} kg",
            "weight",
        )
    mg_per_kg = check_mg_per_kg(mg_per_kg, route, allowed_mg_per_kg)
    low, high = RACEMIC_MG_PER_KG_LIMITS[route]
    if allowed_mg_per_kg is not None:
        low, high = max(low, allowed_mg_per_kg[0]), min(high, allowed_mg_per_kg[1])
    warnings: list[str] = []
    warnings.extend(check_age(age))
    if weight_unit_assumed:
        warnings.append(f"Weight {weight_entered or weight_kg} has no unit: read as kilograms.")
    dosing = choose_dosing_weight(weight_kg, basis, height_cm, sex)
    warnings.extend(dosing.warnings)
    dose_low, dose_high = low * dosing.kg, high * dosing.kg
    dose_mg = _round_dose_inside(mg_per_kg * dosing.kg, dose_low, dose_high)

    concentration = drug_volume = delivered = delivered_per_kg = None
    minutes_out = final_volume = pump_rate = rate_mg_h = rate_mg_kg_h = None
    if route in ("iv", "im", "sc"):
        concentration = _check_concentration(concentration_mg_per_ml, route, warnings)
        drug_volume = _drawable_volume_ml(dose_mg, concentration, dose_low, dose_high)
        delivered = round(drug_volume * concentration, 2)
        delivered_per_kg = round(delivered / dosing.kg, 3)
        if abs(delivered - dose_mg) >= max(0.5, 0.01 * dose_mg):
            warnings.append(
                f"Rounding: {drug_volume:g} mL of {concentration:g} mg/mL delivers {delivered:g} mg "
                f"(calculated {dose_mg:g} mg); a lower concentration measures more finely."
            )
    if route == "iv":
        minutes_out = _check_minutes(minutes, warnings)
        final_volume = _check_final_volume(final_volume_ml, drug_volume, concentration)
        hours = minutes_out / 60.0
        pump_rate = round(final_volume / hours, 1)
        rate_mg_h = round(delivered / hours, 1)
        rate_mg_kg_h = round(delivered / dosing.kg / hours, 3)
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
        concentration_mg_per_ml=concentration,
        drug_volume_ml=drug_volume,
        delivered_dose_mg=delivered,
        delivered_mg_per_kg=delivered_per_kg,
        infusion_minutes=minutes_out,
        final_volume_ml=final_volume,
        pump_rate_ml_per_h=pump_rate,
        dose_rate_mg_per_h=rate_mg_h,
        dose_rate_mg_per_kg_per_h=rate_mg_kg_h,
        warnings=tuple(warnings),
        references=_dose_references(route, basis, dosing, concentration),
    )


def _check_concentration(concentration: float | None, route: str, warnings: list[str]) -> float:
    if concentration is None:
        raise InputError(f"{ref('concentration')} is needed to work out the volume to draw", "concentration")
    if not math.isfinite(concentration) or concentration <= 0:
        raise InputError(f"{ref('concentration')} must be a positive number of mg/mL (10, 50 or 100)", "concentration")
    if concentration < MIN_CONCENTRATION_MG_PER_ML:
        raise InputError(
            f"{ref('concentration')} {shown(concentration)} mg/mL is below {MIN_CONCENTRATION_MG_PER_ML:g} mg/mL: "
            "give the vial strength (10, 50 or 100 mg/mL)",
            "concentration",
        )
    if concentration > MUST_DILUTE_MG_PER_ML:
        raise InputError(
            f"{ref('concentration')} {concentration:g} mg/mL is above the strongest marketed strength (100 mg/mL)",
            "concentration",
        )
    if concentration not in MARKETED_CONCENTRATIONS_MG_PER_ML:
        warnings.append(
            f"Concentration {concentration:g} mg/mL is not a marketed strength (10, 50, 100 mg/mL): check the vial."
        )
    if concentration >= MUST_DILUTE_MG_PER_ML and route == "iv":
        warnings.append(
            "100 mg/mL must not be given IV undiluted (Ketalar label): it is drawn here only to be "
            "added to the final infusion volume."
        )
    return float(concentration)


def _check_minutes(minutes: float | None, warnings: list[str]) -> float:
    if minutes is None or not math.isfinite(minutes) or minutes <= 0:
        raise InputError(f"{ref('minutes')} must be a positive number of minutes (40 is standard)", "minutes")
    if minutes > MAX_INFUSION_MINUTES:
        raise InputError(
            f"{ref('minutes')} {minutes:g} is longer than a day; infusions studied last 40-100 min", "minutes"
        )
    if not STUDIED_MINUTES[0] <= minutes <= STUDIED_MINUTES[1]:
        warnings.append(
            f"Infusion over {minutes:g} min is outside the 40-100 min reported in studies (40 min is standard)."
        )
    return float(minutes)


def _check_final_volume(final_volume: float | None, drug_volume: float, concentration: float) -> float:
    if final_volume is None or not math.isfinite(final_volume) or final_volume <= 0:
        raise InputError(
            f"{ref('final_volume')} must be a positive number of mL (100 is the ketplan default)", "final_volume"
        )
    if final_volume > MAX_FINAL_VOLUME_ML:
        raise InputError(
            f"{ref('final_volume')} {final_volume:g} mL is above {MAX_FINAL_VOLUME_ML:g} mL", "final_volume"
        )
    if final_volume < drug_volume:
        raise InputError(
            f"{ref('final_volume')} {final_volume:g} mL is less than the {drug_volume:g} mL of drug to draw",
            "final_volume",
        )
    if concentration >= MUST_DILUTE_MG_PER_ML and final_volume < 2 * drug_volume:
        raise InputError(
            f"{ref('final_volume')} {final_volume:g} mL does not dilute {drug_volume:g} mL of 100 mg/mL at least 1:1 "
            "(Ketalar label); use a larger final volume",
            "final_volume",
        )
    return float(final_volume)


def _dose_references(route: str, basis: WeightBasis, dosing: DosingWeight, concentration) -> tuple[refs.Reference, ...]:
    chosen = [refs.FAVA_2020, refs.SINGH_2016]
    if route == "iv":
        chosen.append(refs.ANDRADE_2017)
    if dosing.ideal_kg is not None or basis is not WeightBasis.actual:
        chosen.append(refs.DEVINE_1974)
    if dosing.bmi is not None:
        chosen.append(refs.WHO_BMI)
    if concentration is not None:
        chosen.append(refs.KETALAR_LABEL)
    return tuple(chosen)
