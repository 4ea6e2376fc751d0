"""`ketplan plan`: a dated, dosed course of sessions with its clinical checkpoints."""

from __future__ import annotations

from datetime import UTC

import typer

from ketplan.app.exit_status import ExitStatus, exit_codes_help
from ketplan.cli import root_app as app
from ketplan.cli.options import (
    CALENDAR,
    DOSE,
    METAVARS,
    OUTPUT,
    PATIENT,
    ROSTER,
    complete_holiday_codes,
    complete_protocol_ids,
    date_format_option,
    details_option,
    format_option,
    plan_format_help,
    table_settings,
)
from ketplan.cli.types import strict_decimal, strict_int
from ketplan.export import formats

PLAN_EPILOG = (
    "Examples:\n\n"
    "ketplan plan --route intranasal --start 2026-12-01 --days tue,fri --tz Europe/Brussels\n\n"
    "ketplan plan --route iv --weight 70kg --start 2026-12-07 --format ics --output p01.ics\n\n"
    "ketplan plan --roster clinic.csv --format ics --output-dir calendars\n\n"
    + exit_codes_help(invalid="invalid input, refused dose or (with --roster) any row failed")
)

ROSTER_HELP = (
    "Plan many patients in one run from a CSV file ('-' for stdin), one row per patient. Header: id, route, "
    "start (required) and any of weight (or weight_kg / weight_lb: the unit in the header, a plain number in the cells), protocol, days, time, tz, weeks, until, dose, first_dose, every, "
    "mg_per_kg, age, height, sex, dosing_weight, closed, skip, holidays, label, screen_every, setting, concentration, "
    "final_volume, minutes (the options of "
    "the same names; an empty cell is an option not given); any other column is refused. id: 1-64 ASCII letters, "
    "digits, '.', '_' or '-' (it names the output file). Output streams row by row: --format jsonl "
    "(default; one plan per line with its id), csv (one row per session with an id column and a warnings "
    "column), table (one line per patient) or ics (one ID.ics per patient in --output-dir). A row without a "
    "label is labelled with its id. A bad row is reported on stderr with its line and id and the others are "
    "still planned; the exit code is then 2. Clinic-wide options (--tz, --days, --closed, --skip, --holidays, "
    "--time, --concentration, --final-volume, --minutes, --clinic) apply to every row, over its cells; "
    "per-patient options are refused."
)


@app.command("plan", epilog=PLAN_EPILOG)
def plan_command(
    route: str | None = typer.Option(
        None,
        "--route",
        "-r",
        help="intranasal (esketamine), iv, im, sc or oral (racemic ketamine). Picks the route's default protocol.",
        rich_help_panel=PATIENT,
        metavar=METAVARS["route"],
    ),
    start: str | None = typer.Option(
        None,
        "--start",
        "-s",
        help="First possible session date, YYYY-MM-DD. Required.",
        rich_help_panel=CALENDAR,
        metavar=METAVARS["start"],
    ),
    weight: str | None = typer.Option(
        None,
        "--weight",
        "-w",
        help="Body weight with its unit (70kg, 154lb; a bare number is refused); required for weight-based (racemic) protocols.",
        rich_help_panel=PATIENT,
        metavar=METAVARS["weight"],
    ),
    protocol: str | None = typer.Option(
        None,
        "--protocol",
        "-p",
        help="A protocol id (see `ketplan protocols`) or a path to your own .toml protocol file.",
        autocompletion=complete_protocol_ids,
        rich_help_panel=PATIENT,
        metavar=METAVARS["protocol"],
    ),
    days: str | None = typer.Option(
        None,
        "--days",
        help="Session weekdays, e.g. tue,fri or mon,wed,fri, in any order; the first session is on the first of them "
        "on or after --start. Must be open days. Default: chosen from --start and shown.",
        rich_help_panel=CALENDAR,
        metavar=METAVARS["days"],
    ),
    time: str | None = typer.Option(
        None,
        "--time",
        help="Session start, 24-hour HH:MM (default 09:00). Times skipped by a DST change move forward by the gap; repeated times use the first occurrence.",
        rich_help_panel=CALENDAR,
        metavar=METAVARS["time"],
    ),
    tz: str | None = typer.Option(
        None,
        "--tz",
        help="IANA time zone, e.g. Europe/Brussels (default: the clinic profile's timezone, else this machine's "
        "zone, which TZ sets; the plan then warns).",
        rich_help_panel=CALENDAR,
        metavar=METAVARS["tz"],
    ),
    weeks: int | None = typer.Option(
        None,
        "--weeks",
        parser=strict_int("weeks"),
        help="Length of the plan in weeks from the first session (default 26, at most 156).",
        rich_help_panel=CALENDAR,
        metavar=METAVARS["weeks"],
    ),
    until: str | None = typer.Option(
        None,
        "--until",
        help="Last date of the plan, YYYY-MM-DD (instead of --weeks).",
        rich_help_panel=CALENDAR,
        metavar=METAVARS["until"],
    ),
    dose: int | None = typer.Option(
        None,
        "--dose",
        parser=strict_int("dose"),
        help="Esketamine dose from session 2: 56 (default) or 84 mg; 84 mg only after a 56 mg start.",
        rich_help_panel=DOSE,
        metavar=METAVARS["dose"],
    ),
    first_dose: int | None = typer.Option(
        None,
        "--first-dose",
        parser=strict_int("first_dose"),
        help="Esketamine first dose; 28 mg only with --age 65 or over: then the whole course follows the ex-US labels (28/56/84 mg, 28 mg steps), with a warning.",
        rich_help_panel=DOSE,
        metavar=METAVARS["first_dose"],
    ),
    every: int | None = typer.Option(
        None,
        "--every",
        parser=strict_int("every"),
        help="Weeks between sessions in the protocol's open-ended phase (esketamine TRD from week 9: 2, the ketplan default, or 1).",
        rich_help_panel=DOSE,
        metavar=METAVARS["every"],
    ),
    mg_per_kg: float | None = typer.Option(
        None,
        "--mg-per-kg",
        parser=strict_decimal("mg_per_kg"),
        help="Racemic ketamine dose in mg/kg (protocol default, within the protocol's range; IV 0.1-1.0).",
        rich_help_panel=DOSE,
        metavar=METAVARS["mg_per_kg"],
    ),
    age: int | None = typer.Option(
        None,
        "--age",
        parser=strict_int("age"),
        help="Age in years: under 18 refused; 65 or over adds warnings.",
        rich_help_panel=PATIENT,
        metavar=METAVARS["age"],
    ),
    height: str | None = typer.Option(
        None,
        "--height",
        help="Height with unit (175cm, 66in, 5'9\", 5ft 9in), for BMI and ideal/adjusted weight; required above 120 kg (ketplan default).",
        rich_help_panel=PATIENT,
        metavar=METAVARS["height"],
    ),
    sex: str | None = typer.Option(
        None,
        "--sex",
        help="female or male (Devine ideal body weight).",
        rich_help_panel=PATIENT,
        metavar=METAVARS["sex"],
    ),
    dosing_weight: str | None = typer.Option(
        None,
        "--dosing-weight",
        help="actual (default), ideal or adjusted.",
        rich_help_panel=PATIENT,
        metavar=METAVARS["dosing_weight"],
    ),
    closed: str | None = typer.Option(
        None,
        "--closed",
        help="Weekdays the clinic is closed (default: the clinic profile's open_days, else sat,sun; 'none' for none).",
        rich_help_panel=CALENDAR,
        metavar=METAVARS["closed"],
    ),
    skip: list[str] | None = typer.Option(
        None,
        "--skip",
        help="A date the clinic is closed, YYYY-MM-DD, or a range 2026-12-28..2027-01-01 (inclusive); repeat the "
        "option or separate with commas. Adds to the clinic profile's closed_dates.",
        rich_help_panel=CALENDAR,
        metavar=METAVARS["skip"],
    ),
    holidays: str | None = typer.Option(
        None,
        "--holidays",
        help="Close on public holidays of a country or subdivision: BE, NL, US, US-NY, GB, ... ('none': no holidays). "
        "See what a code closes: ketplan clinic holidays US-NY --year 2027.",
        autocompletion=complete_holiday_codes,
        rich_help_panel=CALENDAR,
        metavar=METAVARS["holidays"],
    ),
    label: str | None = typer.Option(
        None,
        "--label",
        help="Pseudonymous patient label such as P01 (never a name).",
        rich_help_panel=PATIENT,
        metavar=METAVARS["label"],
    ),
    screen_every: int | None = typer.Option(
        None,
        "--screen-every",
        parser=strict_int("screen_every"),
        help="Weeks between urinary-symptom and misuse screens in maintenance (ketplan default 12).",
        rich_help_panel=CALENDAR,
        metavar=METAVARS["screen_every"],
    ),
    output_format: str | None = format_option(
        formats.PLAN, formats.ROSTER, default=None, help=plan_format_help(), panel=OUTPUT
    ),
    setting: str | None = typer.Option(
        None,
        "--setting",
        help="outpatient (default) or inpatient. Inpatient settings do not enrol patients in the esketamine REMS or submit monitoring forms, so those checkpoints are left out.",
        rich_help_panel=CALENDAR,
        metavar="outpatient|inpatient",
    ),
    concentration: float | None = typer.Option(
        None,
        "--concentration",
        help="Vial strength in mg/mL for racemic ketamine (IV, IM, SC): 10, 50 or 100 (default: the clinic "
        "profile's, else the protocol's). Every session's volume to draw uses it.",
        rich_help_panel=DOSE,
        metavar=METAVARS["concentration"],
    ),
    final_volume: float | None = typer.Option(
        None,
        "--final-volume",
        help="IV: total infusion volume in mL after dilution (local policy; default: the clinic profile's, else 100).",
        rich_help_panel=DOSE,
        metavar=METAVARS["final_volume"],
    ),
    minutes: float | None = typer.Option(
        None,
        "--minutes",
        help="IV: infusion length in minutes (default: the clinic profile's, else 40).",
        rich_help_panel=DOSE,
        metavar=METAVARS["minutes"],
    ),
    clinic: str | None = typer.Option(
        None,
        "--clinic",
        help="Clinic profile (TOML) with the clinic's defaults; 'none' for none. Default: KETPLAN_CLINIC, else "
        "$XDG_CONFIG_HOME/ketplan/clinic.toml if it exists. See ketplan clinic show.",
        rich_help_panel=CALENDAR,
        metavar="FILE|none",
    ),
    skip_existing: bool = typer.Option(
        False,
        "--skip-existing",
        help="With --roster --format ics: plan only the rows whose ID.ics is not in --output-dir yet (resume a "
        "roster that was interrupted).",
        rich_help_panel=ROSTER,
    ),
    output: str | None = typer.Option(
        None,
        "--output",
        "-o",
        help="Write to this file ('-' for stdout). Never overwrites without --force; writes atomically.",
        rich_help_panel=OUTPUT,
        metavar=METAVARS["output"],
    ),
    force: bool = typer.Option(
        False,
        "--force",
        help="Allow --output (with --roster --format ics: the files in --output-dir) to replace existing files.",
        rich_help_panel=OUTPUT,
    ),
    remind: str = typer.Option(
        "default",
        "--remind",
        help="ics reminders: default (evening before + 1 h before), none, or a list such as evening,2h,30m.",
        rich_help_panel=OUTPUT,
        metavar=METAVARS["remind"],
    ),
    stamp: str | None = typer.Option(
        None,
        "--stamp",
        help="ics DTSTAMP as ISO 8601 UTC (e.g. 2026-11-01T00:00:00Z) for byte-identical files; or set SOURCE_DATE_EPOCH.",
        rich_help_panel=OUTPUT,
        metavar=METAVARS["stamp"],
    ),
    details: bool = details_option(OUTPUT),
    date_format: str | None = date_format_option(OUTPUT),
    roster: str | None = typer.Option(
        None, "--roster", help=ROSTER_HELP, rich_help_panel=ROSTER, metavar=METAVARS["roster"]
    ),
    output_dir: str | None = typer.Option(
        None,
        "--output-dir",
        help="With --roster --format ics: an existing folder that receives one ID.ics per patient (same no-clobber rules as --output).",
        rich_help_panel=ROSTER,
        metavar=METAVARS["output_dir"],
    ),
) -> None:
    """Plan a course: dated sessions with doses, moved around closed days, with checkpoints and sources.

    Clinical decision support only: not a substitute for clinical judgement or the product label.
    """
    _load_protocol_models()
    from ketplan.app.planning import PlanOptions

    options = PlanOptions(
        route=route,
        start=start,
        weight=weight,
        protocol=protocol,
        days=days,
        time=time,
        tz=tz,
        weeks=weeks,
        until=until,
        dose=dose,
        first_dose=first_dose,
        every=every,
        mg_per_kg=mg_per_kg,
        age=age,
        height=height,
        sex=sex,
        dosing_weight=dosing_weight,
        closed=closed,
        skip=list(skip or []),
        holidays=holidays,
        label=label,
        screen_every=screen_every,
        setting=setting,
        concentration=concentration,
        final_volume=final_volume,
        minutes=minutes,
    )
    table = table_settings(details, date_format)
    from ketplan.io.profile import load as load_profile

    profile = load_profile(clinic)
    if roster is not None:
        _plan_roster(
            roster, options, output_format, output, output_dir, force, remind, stamp, table, profile, skip_existing
        )
    else:
        if skip_existing:
            from ketplan.core.errors import InputError

            raise InputError("--skip-existing is for --roster --format ics (one file per patient)", "skip_existing")
        _plan_one(options, output_format, output, output_dir, force, remind, stamp, table, profile)


def _plan_one(options, output_format, output, output_dir, force, remind, stamp, table, profile=None) -> None:
    from ketplan.app.planning import plan_from_text
    from ketplan.cli.output import emit
    from ketplan.core.errors import InputError

    chosen = formats.choose(output_format, formats.PLAN, what="one plan")
    if output_dir is not None:
        raise InputError("--output-dir is for --roster --format ics; for one plan use --output FILE", "output_dir")
    formats.check_only_options(chosen, _given(remind, stamp, table))
    reminders, stamp_value = _format_settings(chosen, remind, stamp)
    target = None if output in (None, "-") else _path(output)
    plan = plan_from_text(options, default_zone=_default_zone(), profile=profile)
    settings = formats.settings_for(chosen, table)
    from ketplan.cli.terminal import view_settings  # month and html: today, width, colour, clinic

    settings.update(view_settings(chosen.name, zone=plan.timezone))
    emit(chosen, formats.PLAN, plan, target, force=force, stamp=stamp_value, reminders=reminders, **settings)


def _given(remind: str, stamp: str | None, table: dict) -> dict[str, bool]:
    """Which format-only options the command line gave."""
    return {"remind": remind != "default", "stamp": stamp is not None, **{k: bool(v) for k, v in table.items()}}


def _load_protocol_models() -> None:
    """Import the pydantic protocol models with pydantic's plugin discovery off, as Typer builds
    its own adapters. Otherwise building their validators scans the entry points of every
    installed distribution (30-40 ms per start in a small environment, more in a large one);
    ketplan's models have no use for pydantic plugins. A PYDANTIC_DISABLE_PLUGINS set by the
    user is left as it is."""
    import os
    import sys

    if "ketplan.core.protocol" in sys.modules or "PYDANTIC_DISABLE_PLUGINS" in os.environ:
        import ketplan.core.protocol

        return
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "1"
    try:
        import ketplan.core.protocol  # noqa: F401
    finally:
        os.environ.pop("PYDANTIC_DISABLE_PLUGINS", None)


def _format_settings(chosen, remind: str, stamp: str | None):
    """The settings of the options only a format accepts (ics reminders and DTSTAMP)."""
    if "remind" not in chosen.only_options:
        return (), None
    import os
    from datetime import datetime

    from ketplan.export.ics import parse_reminders, stamp_from

    return parse_reminders(remind), stamp_from(stamp, os.environ, datetime.now(UTC))


def _plan_roster(
    roster, options, output_format, output, output_dir, force, remind, stamp, table, profile=None, skip_existing=False
) -> None:
    """`--roster`: many patients, one process; the rows carry the per-patient options, the
    command line may give clinic-wide ones (they win over the rows' cells)."""
    from ketplan.app.planning import option_names
    from ketplan.app.settings import CLINIC_WIDE
    from ketplan.core.errors import InputError

    given = [
        f"--{name.replace('_', '-')}"
        for name in option_names()
        if name not in CLINIC_WIDE and getattr(options, name) not in (None, [])
    ]
    if given:
        raise InputError(
            f"--roster cannot be combined with {', '.join(given)}: per-patient values go in the roster's columns "
            "(clinic-wide options such as --tz, --days, --closed, --skip, --holidays, --time are accepted)",
            "roster",
        )
    chosen = formats.choose(output_format, formats.ROSTER, what="a roster")
    formats.check_only_options(chosen, _given(remind, stamp, table))
    if skip_existing and not chosen.one_file_per_row:
        raise InputError("--skip-existing is for --roster --format ics (one file per patient)", "skip_existing")
    target = folder = None
    if chosen.one_file_per_row:
        from ketplan.app.roster import check_output_dir

        if output is not None:
            raise InputError(
                f"--roster --format {chosen.name} writes one file per patient: give --output-dir DIR, not --output",
                "output",
            )
        if output_dir is None:
            raise InputError(
                f"--roster --format {chosen.name} needs --output-dir DIR (one ID.{chosen.name} per patient)",
                "output_dir",
            )
        folder = check_output_dir(output_dir)
    else:
        if output_dir is not None:
            raise InputError(
                "--output-dir is only for --roster --format ics; jsonl, csv and table go to stdout or --output FILE",
                "output_dir",
            )
        target = None if output in (None, "-") else _path(output)
    reminders, stamp_value = _format_settings(chosen, remind, stamp)

    from ketplan.cli.roster_view import run_roster_view
    from ketplan.export.formats import RenderOptions

    settings = formats.settings_for(chosen, table)
    failed = run_roster_view(
        roster,
        chosen,
        output=target,
        output_dir=folder,
        force=force,
        render_options=RenderOptions(stamp=stamp_value, reminders=reminders, **settings),
        default_zone=_default_zone(),
        command_line=options,
        profile=profile,
        skip_existing=skip_existing,
    )
    if failed:
        raise typer.Exit(ExitStatus.INVALID)


def _default_zone() -> str:
    """--tz's default: the TZ variable, else this machine's zone; a bad one is reported as such."""
    import os

    from ketplan.core.zones import environment_zone
    from ketplan.io.clinic_calendar import system_zone_name

    return environment_zone(os.environ.get("TZ"), system_zone_name())


def _path(text: str):
    from pathlib import Path

    from ketplan.core.errors import InputError

    if not text.strip() or "\x00" in text:
        raise InputError("--output is empty or not a usable file name", "output")
    return Path(text)
