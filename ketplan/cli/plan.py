"""`ketplan plan`: a dated, dosed course of sessions with its clinical checkpoints."""

from __future__ import annotations

from datetime import UTC

import typer

from ketplan.app.exit_status import ExitStatus
from ketplan.cli import app
from ketplan.cli.options import PlanFormat
from ketplan.cli.types import strict_decimal, strict_int

PLAN_EPILOG = (
    "Examples: ketplan plan --route intranasal --start 2026-12-01 --days tue,fri --tz Europe/Brussels; "
    "ketplan plan --route iv --weight 70kg --start 2026-12-07 --format ics --output p01.ics; "
    "ketplan plan --roster clinic.csv --format ics --output-dir calendars. "
    "Exit codes: 0 success; 2 invalid input, refused dose or (with --roster) any row failed; 1 internal failure."
)

ROSTER_HELP = (
    "Plan many patients in one run from a CSV file ('-' for stdin), one row per patient. Header: id, route, "
    "start (required) and any of weight, protocol, days, time, tz, weeks, until, dose, first_dose, every, "
    "mg_per_kg, age, height, sex, dosing_weight, closed, skip, holidays, label, screen_every (the options of "
    "the same names; an empty cell is an option not given); any other column is refused. id: 1-64 ASCII letters, "
    "digits, '.', '_' or '-' (it names the output file). Output streams row by row: --format jsonl "
    "(default; one plan per line with its id), csv (one row per session with an id column) or ics (one "
    "ID.ics per patient in --output-dir). A bad row is reported on stderr with its line and id and the "
    "others are still planned; the exit code is then 2. Not combinable with per-patient options."
)


@app.command("plan", epilog=PLAN_EPILOG)
def plan_command(
    route: str | None = typer.Option(
        None,
        "--route",
        "-r",
        help="intranasal (esketamine), iv, im, sc or oral (racemic ketamine). Picks the route's default protocol.",
    ),
    start: str | None = typer.Option(None, "--start", "-s", help="First possible session date, YYYY-MM-DD. Required."),
    weight: str | None = typer.Option(
        None,
        "--weight",
        "-w",
        help="Body weight with unit (70kg, 154lb); required for weight-based (racemic) protocols.",
    ),
    protocol: str | None = typer.Option(
        None,
        "--protocol",
        "-p",
        help="A protocol id (see `ketplan protocols`) or a path to your own .toml protocol file.",
    ),
    days: str | None = typer.Option(
        None,
        "--days",
        help="Session weekdays, e.g. tue,fri or mon,wed,fri; the first listed day anchors weekly phases. Default: chosen from --start and shown.",
    ),
    time: str | None = typer.Option(
        None,
        "--time",
        help="Session start, 24-hour HH:MM (default 09:00). Times skipped by a DST change move forward by the gap; repeated times use the first occurrence.",
    ),
    tz: str | None = typer.Option(
        None, "--tz", help="IANA time zone, e.g. Europe/Brussels (default: this machine's zone)."
    ),
    weeks: int | None = typer.Option(
        None,
        "--weeks",
        parser=strict_int("weeks"),
        help="Length of the plan in weeks from the first session (default 26, at most 156).",
    ),
    until: str | None = typer.Option(None, "--until", help="Last date of the plan, YYYY-MM-DD (instead of --weeks)."),
    dose: int | None = typer.Option(
        None,
        "--dose",
        parser=strict_int("dose"),
        help="Esketamine dose from session 2: 56 (default) or 84 mg; 84 mg only after a 56 mg start.",
    ),
    first_dose: int | None = typer.Option(
        None,
        "--first-dose",
        parser=strict_int("first_dose"),
        help="Esketamine first dose; 28 mg only with --age 65 or over (ex-US labels), with a warning.",
    ),
    every: int | None = typer.Option(
        None,
        "--every",
        parser=strict_int("every"),
        help="Esketamine TRD from week 9: every 2 weeks (default) or every 1 week.",
    ),
    mg_per_kg: float | None = typer.Option(
        None,
        "--mg-per-kg",
        parser=strict_decimal("mg_per_kg"),
        help="Racemic ketamine dose in mg/kg (protocol default, within the protocol's range; IV 0.1-1.0).",
    ),
    age: int | None = typer.Option(
        None, "--age", parser=strict_int("age"), help="Age in years: under 18 refused; 65 or over adds warnings."
    ),
    height: str | None = typer.Option(
        None, "--height", help="Height with unit (170cm, 66in), for BMI and ideal/adjusted weight."
    ),
    sex: str | None = typer.Option(None, "--sex", help="female or male (Devine ideal body weight)."),
    dosing_weight: str | None = typer.Option(None, "--dosing-weight", help="actual (default), ideal or adjusted."),
    closed: str | None = typer.Option(
        None, "--closed", help="Weekdays the clinic is closed (default sat,sun; 'none' for none)."
    ),
    skip: list[str] | None = typer.Option(
        None, "--skip", help="A closed date, YYYY-MM-DD; repeat the option or separate dates with commas."
    ),
    holidays: str | None = typer.Option(
        None, "--holidays", help="Close on public holidays of a country or subdivision: BE, NL, US, US-NY, GB, ..."
    ),
    label: str | None = typer.Option(None, "--label", help="Pseudonymous patient label such as P01 (never a name)."),
    screen_every: int | None = typer.Option(
        None,
        "--screen-every",
        parser=strict_int("screen_every"),
        help="Weeks between urinary-symptom and misuse screens in maintenance (ketplan default 12).",
    ),
    output_format: PlanFormat | None = typer.Option(
        None,
        "--format",
        "-f",
        help="table (default), json (one object), csv (one row per session) or ics (iCalendar); with --roster: jsonl (default), csv or ics.",
    ),
    output: str | None = typer.Option(
        None,
        "--output",
        "-o",
        help="Write to this file ('-' for stdout). Never overwrites without --force; writes atomically.",
    ),
    force: bool = typer.Option(
        False,
        "--force",
        help="Allow --output (with --roster --format ics: the files in --output-dir) to replace existing files.",
    ),
    remind: str = typer.Option(
        "default",
        "--remind",
        help="ics reminders: default (evening before + 1 h before), none, or a list such as evening,2h,30m.",
    ),
    stamp: str | None = typer.Option(
        None,
        "--stamp",
        help="ics DTSTAMP as ISO 8601 UTC (e.g. 2026-11-01T00:00:00Z) for byte-identical files; or set SOURCE_DATE_EPOCH.",
    ),
    roster: str | None = typer.Option(None, "--roster", help=ROSTER_HELP),
    output_dir: str | None = typer.Option(
        None,
        "--output-dir",
        help="With --roster --format ics: an existing folder that receives one ID.ics per patient (same no-clobber rules as --output).",
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
    )
    if roster is not None:
        _plan_roster(roster, options, output_format, output, output_dir, force, remind, stamp)
    else:
        _plan_one(options, output_format, output, output_dir, force, remind, stamp)


def _plan_one(options, output_format, output, output_dir, force, remind, stamp) -> None:
    from ketplan.app.planning import plan_from_text
    from ketplan.io.files import write_output

    _refuse_roster_only(output_format, output_dir)
    output_format = output_format or PlanFormat.table
    _refuse_ics_only(output_format, remind, stamp)
    reminders = stamp_value = None
    if output_format is PlanFormat.ics:
        reminders, stamp_value = _ics_settings(remind, stamp)
    target = None if output in (None, "-") else _path(output)
    plan = plan_from_text(options, default_zone=_default_zone())

    if output_format is PlanFormat.json:
        from ketplan.export.jsonout import dumps, plan_document

        write_output(dumps(plan_document(plan)) + "\n", target, force=force)
    elif output_format is PlanFormat.csv:
        from ketplan.export.csvout import plan_csv

        write_output(plan_csv(plan), target, force=force)
    elif output_format is PlanFormat.ics:
        from ketplan.export.ics import plan_to_ics

        write_output(plan_to_ics(plan, stamp=stamp_value, reminders=reminders), target, force=force)
    elif target is None:
        from ketplan.export.plan_table import print_plan

        print_plan(plan)
    else:
        import io

        from ketplan.export.plan_table import print_plan
        from ketplan.export.table import make_console

        buffer = io.StringIO()
        print_plan(plan, make_console(file=buffer, plain=True))
        write_output(buffer.getvalue(), target, force=force)


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


def _refuse_roster_only(output_format: PlanFormat | None, output_dir: str | None) -> None:
    from ketplan.core.errors import InputError

    if output_format is PlanFormat.jsonl:
        raise InputError("--format jsonl is for --roster (one plan per line); for one plan use --format json", "format")
    if output_dir is not None:
        raise InputError("--output-dir is for --roster --format ics; for one plan use --output FILE", "output_dir")


def _refuse_ics_only(output_format: PlanFormat, remind: str, stamp: str | None) -> None:
    """--remind and --stamp shape a calendar file: given with another format they would be
    silently ignored, so they are refused instead."""
    from ketplan.core.errors import InputError

    if output_format is PlanFormat.ics:
        return
    if remind != "default":
        raise InputError(
            f"--remind applies to --format ics (calendar reminders), not --format {output_format.value}", "remind"
        )
    if stamp is not None:
        raise InputError(
            f"--stamp applies to --format ics (the calendar's DTSTAMP), not --format {output_format.value}", "stamp"
        )


def _ics_settings(remind: str, stamp: str | None):
    import os
    from datetime import datetime

    from ketplan.export.ics import parse_reminders, stamp_from

    return parse_reminders(remind), stamp_from(stamp, os.environ, datetime.now(UTC))


def _plan_roster(roster, options, output_format, output, output_dir, force, remind, stamp) -> None:
    """`--roster`: many patients, one process; the rows carry the per-patient options."""
    from dataclasses import fields

    from ketplan.core.errors import InputError

    given = [f"--{f.name.replace('_', '-')}" for f in fields(options) if getattr(options, f.name) not in (None, [])]
    if given:
        raise InputError(
            f"--roster cannot be combined with {', '.join(given)}: per-patient values go in the roster's columns",
            "roster",
        )
    output_format = output_format or PlanFormat.jsonl
    if output_format in (PlanFormat.table, PlanFormat.json):
        raise InputError(
            f"--roster writes --format jsonl (the default), csv or ics, not {output_format.value}", "format"
        )
    _refuse_ics_only(output_format, remind, stamp)
    reminders = stamp_value = None
    target = folder = None
    if output_format is PlanFormat.ics:
        from ketplan.app.roster import check_output_dir

        if output is not None:
            raise InputError(
                "--roster --format ics writes one file per patient: give --output-dir DIR, not --output", "output"
            )
        if output_dir is None:
            raise InputError("--roster --format ics needs --output-dir DIR (one ID.ics per patient)", "output_dir")
        folder = check_output_dir(output_dir)
        reminders, stamp_value = _ics_settings(remind, stamp)
    else:
        if output_dir is not None:
            raise InputError(
                "--output-dir is only for --roster --format ics; jsonl and csv go to stdout or --output FILE",
                "output_dir",
            )
        target = None if output in (None, "-") else _path(output)

    from ketplan.app.roster import BatchResult, run_roster, summary
    from ketplan.cli.errors import say

    result = BatchResult()
    outcomes = run_roster(
        roster,
        output_format.value,
        output=target,
        output_dir=folder,
        force=force,
        stamp=stamp_value,
        reminders=reminders,
        default_zone=_default_zone(),
    )
    for outcome in outcomes:
        result.add(outcome)
        if not outcome.planned:
            say(f"roster line {outcome.line} ({outcome.who}): {outcome.error}")
    if result.failed:
        say(summary(result))  # one printable line, like every other error
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
