"""`ketplan dose`: one IV racemic ketamine dose, ready to draw up."""

from __future__ import annotations

import typer

from ketplan.app.exit_status import exit_codes_help
from ketplan.cli import root_app as app
from ketplan.cli.options import METAVARS, date_format_option, details_option, format_option, table_settings
from ketplan.cli.types import strict_decimal, strict_int
from ketplan.core.dosing import Sex, WeightBasis
from ketplan.export import formats


@app.command(
    "dose",
    epilog="Example: ketplan dose --weight 70kg --mg-per-kg 0.5. " + exit_codes_help(),
)
def dose_command(
    weight: str = typer.Option(
        ...,
        "--weight",
        "-w",
        help="Body weight with its unit: 70kg, 154lb, '154 lb'. A bare number is refused (add kg or lb).",
        metavar=METAVARS["weight"],
    ),
    mg_per_kg: float = typer.Option(
        0.5,
        "--mg-per-kg",
        parser=strict_decimal("mg_per_kg"),
        help="Dose in mg per kg of dosing weight; allowed 0.1-1.0 (0.5 is standard; above 0.75 studied only as a single infusion). No override.",
        metavar=METAVARS["mg_per_kg"],
    ),
    minutes: float = typer.Option(
        40.0,
        "--minutes",
        parser=strict_decimal("minutes"),
        help="Infusion length in minutes (40 is conventional; 2-100 reported).",
        metavar=METAVARS["minutes"],
    ),
    concentration: float = typer.Option(
        10.0,
        "--concentration",
        parser=strict_decimal("concentration"),
        help="Vial strength in mg/mL: 10, 50 or 100 (100 must be diluted).",
        metavar=METAVARS["concentration"],
    ),
    final_volume: float = typer.Option(
        100.0,
        "--final-volume",
        parser=strict_decimal("final_volume"),
        help="Total infusion volume in mL after dilution (local policy; ketplan default 100).",
        metavar=METAVARS["final_volume"],
    ),
    height: str | None = typer.Option(
        None,
        "--height",
        help="Height with unit: 175cm, 66in, 5'9\" or 5ft 9in. Gives BMI; needed for ideal/adjusted weight and above 120 kg (ketplan default).",
        metavar=METAVARS["height"],
    ),
    sex: Sex | None = typer.Option(
        None,
        "--sex",
        case_sensitive=False,
        help="Sex for the Devine ideal-body-weight formula.",
        metavar=METAVARS["sex"],
    ),
    dosing_weight: WeightBasis = typer.Option(
        WeightBasis.actual,
        "--dosing-weight",
        case_sensitive=False,
        help="Weight the mg/kg dose is based on: actual, ideal (Devine) or adjusted (IBW + 0.4 x excess).",
        metavar=METAVARS["dosing_weight"],
    ),
    age: int | None = typer.Option(
        None,
        "--age",
        parser=strict_int("age"),
        help="Age in years: under 18 is refused; 65 and over adds a warning (trials enrolled 18-64 and 18-70).",
        metavar=METAVARS["age"],
    ),
    output_format: str = format_option(formats.DOSE, default="table"),
    details: bool = details_option(),
    date_format: str | None = date_format_option(),
) -> None:
    """Compute one IV racemic ketamine dose: mg, mL to draw, infusion volume and pump rate.

    Off-label use; clinical decision support only, not a substitute for clinical judgement.
    """
    from ketplan.app.dosing import DoseOptions, dose_from_text
    from ketplan.cli.output import emit

    chosen = formats.choose(output_format, formats.DOSE, what="a dose")
    options = DoseOptions(
        weight=weight,
        mg_per_kg=mg_per_kg,
        minutes=minutes,
        concentration=concentration,
        final_volume=final_volume,
        height=height,
        sex=sex,
        dosing_weight=dosing_weight,
        age=age,
    )
    table = table_settings(details, date_format)
    formats.check_only_options(chosen, {k: bool(v) for k, v in table.items()})
    from ketplan.cli.terminal import view_settings  # html: today and the clinic's name

    settings = {**formats.settings_for(chosen, table), **view_settings(chosen.name)}
    emit(chosen, formats.DOSE, dose_from_text(options), **settings)
