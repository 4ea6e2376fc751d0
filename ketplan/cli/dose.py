"""`ketplan dose`: one IV racemic ketamine dose, ready to draw up."""

from __future__ import annotations

import typer

from ketplan.cli import app
from ketplan.cli.options import FORMAT_HELP, DoseFormat
from ketplan.cli.types import strict_decimal, strict_int
from ketplan.core.dosing import Sex, WeightBasis


@app.command(
    "dose",
    epilog="Example: ketplan dose --weight 70kg --mg-per-kg 0.5. "
    "Exit codes: 0 success; 2 invalid input or refused dose; 1 internal failure.",
)
def dose_command(
    weight: str = typer.Option(
        ..., "--weight", "-w", help="Body weight with unit: 70kg, 154lb, '154 lb'. A bare number is read as kg."
    ),
    mg_per_kg: float = typer.Option(
        0.5,
        "--mg-per-kg",
        parser=strict_decimal("mg_per_kg"),
        help="Dose in mg per kg of dosing weight; allowed 0.1-1.0 (0.5 is standard). No override.",
    ),
    minutes: float = typer.Option(
        40.0,
        "--minutes",
        parser=strict_decimal("minutes"),
        help="Infusion length in minutes (studies: 40-100; 40 is standard).",
    ),
    concentration: float = typer.Option(
        10.0,
        "--concentration",
        parser=strict_decimal("concentration"),
        help="Vial strength in mg/mL: 10, 50 or 100 (100 must be diluted).",
    ),
    final_volume: float = typer.Option(
        100.0,
        "--final-volume",
        parser=strict_decimal("final_volume"),
        help="Total infusion volume in mL after dilution (local policy; ketplan default 100).",
    ),
    height: str | None = typer.Option(
        None, "--height", help="Height with unit: 170cm or 66in. Gives BMI; needed for ideal/adjusted weight."
    ),
    sex: Sex | None = typer.Option(
        None, "--sex", case_sensitive=False, help="Sex for the Devine ideal-body-weight formula."
    ),
    dosing_weight: WeightBasis = typer.Option(
        WeightBasis.actual,
        "--dosing-weight",
        case_sensitive=False,
        help="Weight the mg/kg dose is based on: actual, ideal (Devine) or adjusted (IBW + 0.4 x excess).",
    ),
    age: int | None = typer.Option(
        None, "--age", parser=strict_int("age"), help="Age in years: under 18 is refused; 65 and over adds a warning."
    ),
    output_format: DoseFormat = typer.Option(DoseFormat.table, "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Compute one IV racemic ketamine dose: mg, mL to draw, infusion volume and pump rate.

    Off-label use; clinical decision support only, not a substitute for clinical judgement.
    """
    from ketplan.core.dosing import weight_based_dose
    from ketplan.core.units import parse_height, parse_weight

    parsed_weight = parse_weight(weight)
    parsed_height = parse_height(height) if height is not None else None
    result = weight_based_dose(
        weight_kg=parsed_weight.kg,
        weight_entered=parsed_weight.entered,
        weight_unit_assumed=parsed_weight.unit_assumed,
        mg_per_kg=mg_per_kg,
        route="iv",
        basis=dosing_weight,
        height_cm=parsed_height.cm if parsed_height else None,
        sex=sex,
        age=age,
        minutes=minutes,
        concentration_mg_per_ml=concentration,
        final_volume_ml=final_volume,
    )
    if output_format is DoseFormat.json:
        from ketplan.export.jsonout import dose_document, dumps

        print(dumps(dose_document(result)))
    else:
        from ketplan.export.table import print_dose

        print_dose(result)
