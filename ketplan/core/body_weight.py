"""The weight a mg/kg dose is multiplied by: actual, Devine ideal or adjusted body weight, and BMI."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from ketplan.core.errors import InputError, ref
from ketplan.core.units import CM_PER_INCH, MAX_HEIGHT_CM, MIN_HEIGHT_CM

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
        assert ideal is not None  # a non-actual basis needs height and sex (checked above)
        if actual_kg < ideal:
            used = WeightBasis.actual
            warnings.append(
                f"Actual weight {actual_kg:.1f} kg is below ideal body weight {ideal:.1f} kg: "
                "dosed on actual weight, the lower of the two."
            )
        else:
            kg = ideal
    elif basis is WeightBasis.adjusted:
        assert ideal is not None
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
