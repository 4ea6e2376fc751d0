"""Preparing a racemic ketamine dose: syringe rounding that never breaks a limit, the vial strength,
the infusion length and the final volume, each checked against the label and the literature."""

from __future__ import annotations

import math

from ketplan.core.errors import InputError, UnsafeDoseError, ref
from ketplan.core.numbers import shown

MARKETED_CONCENTRATIONS_MG_PER_ML = (10.0, 50.0, 100.0)
MUST_DILUTE_MG_PER_ML = 100.0
CONVENTIONAL_MINUTES = 40  # Andrade 2017
REPORTED_MINUTES = (2, 100)  # Andrade 2017: sessions of 2-100 minutes reported
MAX_INFUSION_MINUTES = 24 * 60
MAX_FINAL_VOLUME_ML = 1000.0


def round_drug_volume_ml(volume_ml: float) -> float:
    """Syringe precision: 0.01 mL below 1 mL, 0.1 mL from 1 mL on."""
    step = 0.01 if volume_ml < 1.0 else 0.1
    return _round_to_step(volume_ml, step)


def _round_to_step(value: float, step: float) -> float:
    # Decimal-safe half-up rounding to a step of 0.1 or 0.01.
    digits = 2 if step < 0.1 else 1
    return round(math.floor(value / step + 0.5 + 1e-9) * step, digits)


def round_dose_inside(dose_mg: float, low_mg: float, high_mg: float) -> float:
    """Round to 0.1 mg, towards the inside of the range when plain rounding would step out of it."""
    rounded = _round_to_step(dose_mg, 0.1)
    if rounded > high_mg + 1e-9:
        rounded = math.floor(high_mg * 10 + 1e-9) / 10
    elif rounded < low_mg - 1e-9:
        rounded = math.ceil(low_mg * 10 - 1e-9) / 10
    return rounded


def drawable_volume_ml(dose_mg: float, concentration: float, low_mg: float, high_mg: float) -> float:
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


MIN_CONCENTRATION_MG_PER_ML = 1.0  # below any ketamine vial (10, 50, 100 mg/mL): a typo, not a strength


def check_concentration(concentration: float | None, route: str, warnings: list[str]) -> float:
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


def check_minutes(minutes: float | None, warnings: list[str]) -> float:
    if minutes is None or not math.isfinite(minutes) or minutes <= 0:
        raise InputError(f"{ref('minutes')} must be a positive number of minutes (40 is conventional)", "minutes")
    if minutes > MAX_INFUSION_MINUTES:
        raise InputError(
            f"{ref('minutes')} {minutes:g} is longer than a day; 40 minutes is conventional, 2-100 minutes reported",
            "minutes",
        )
    if minutes != CONVENTIONAL_MINUTES:
        where = "" if REPORTED_MINUTES[0] <= minutes <= REPORTED_MINUTES[1] else f" ({minutes:g} min is outside that)"
        warnings.append(
            f"Infusion over {minutes:g} min: 40 minutes is conventional; 2-100 minutes reported (Andrade 2017){where}."
        )
    return float(minutes)


def check_final_volume(final_volume: float | None, drug_volume: float, concentration: float) -> float:
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
