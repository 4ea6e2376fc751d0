"""`ketplan dose` as a service: the options as typed in, one weight-based dose out."""

from __future__ import annotations

from dataclasses import dataclass

from ketplan.core.dosing import Sex, WeightBasedDose, WeightBasis


@dataclass
class DoseOptions:
    """Every `ketplan dose` option, as typed (units in text) or as Typer already converted it."""

    weight: str
    mg_per_kg: float = 0.5
    minutes: float = 40.0
    concentration: float = 10.0
    final_volume: float = 100.0
    height: str | None = None
    sex: Sex | None = None
    dosing_weight: WeightBasis = WeightBasis.actual
    age: int | None = None


def dose_from_text(options: DoseOptions) -> WeightBasedDose:
    from ketplan.core.dosing import weight_based_dose
    from ketplan.core.units import parse_height, parse_weight

    weight = parse_weight(options.weight)
    height = parse_height(options.height) if options.height is not None else None
    return weight_based_dose(
        weight_kg=weight.kg,
        weight_entered=weight.entered,
        weight_unit_assumed=weight.unit_assumed,
        mg_per_kg=options.mg_per_kg,
        route="iv",
        basis=options.dosing_weight,
        height_cm=height.cm if height else None,
        sex=options.sex,
        age=options.age,
        minutes=options.minutes,
        concentration_mg_per_ml=options.concentration,
        final_volume_ml=options.final_volume,
    )
