"""`ketplan plan`: a dated, dosed course of sessions with its clinical checkpoints."""

from __future__ import annotations

import typer

from ketplan.cli import app
from ketplan.cli.options import PlanFormat

PLAN_EPILOG = (
    "Examples: ketplan plan --route intranasal --start 2026-12-01 --days tue,fri --tz Europe/Brussels; "
    "ketplan plan --route iv --weight 70kg --start 2026-12-07 --format ics --output p01.ics. "
    "Exit codes: 0 success; 2 invalid input or refused dose; 1 internal failure."
)


@app.command("plan", epilog=PLAN_EPILOG)
def plan_command(
    route: str | None = typer.Option(None, "--route", "-r", help="intranasal (esketamine), iv, im, sc or oral (racemic ketamine). Picks the route's default protocol."),
    start: str | None = typer.Option(None, "--start", "-s", help="First possible session date, YYYY-MM-DD. Required."),
    weight: str | None = typer.Option(None, "--weight", "-w", help="Body weight with unit (70kg, 154lb); required for weight-based (racemic) protocols."),
    protocol: str | None = typer.Option(None, "--protocol", "-p", help="A protocol id (see `ketplan protocols`) or a path to your own .toml protocol file."),
    days: str | None = typer.Option(None, "--days", help="Session weekdays, e.g. tue,fri or mon,wed,fri; the first listed day anchors weekly phases. Default: chosen from --start and shown."),
    time: str | None = typer.Option(None, "--time", help="Session start, 24-hour HH:MM (default 09:00). Times skipped by a DST change move forward by the gap; repeated times use the first occurrence."),
    tz: str | None = typer.Option(None, "--tz", help="IANA time zone, e.g. Europe/Brussels (default: this machine's zone)."),
    weeks: int | None = typer.Option(None, "--weeks", help="Length of the plan in weeks from the first session (default 26, at most 156)."),
    until: str | None = typer.Option(None, "--until", help="Last date of the plan, YYYY-MM-DD (instead of --weeks)."),
    dose: int | None = typer.Option(None, "--dose", help="Esketamine dose from session 2: 56 (default) or 84 mg; 84 mg only after a 56 mg start."),
    first_dose: int | None = typer.Option(None, "--first-dose", help="Esketamine first dose; 28 mg only with --age 65 or over (ex-US labels), with a warning."),
    every: int | None = typer.Option(None, "--every", help="Esketamine TRD from week 9: every 2 weeks (default) or every 1 week."),
    mg_per_kg: float | None = typer.Option(None, "--mg-per-kg", help="Racemic ketamine dose in mg/kg (protocol default, within the protocol's range; IV 0.1-1.0)."),
    age: int | None = typer.Option(None, "--age", help="Age in years: under 18 refused; 65 or over adds warnings."),
    height: str | None = typer.Option(None, "--height", help="Height with unit (170cm, 66in), for BMI and ideal/adjusted weight."),
    sex: str | None = typer.Option(None, "--sex", help="female or male (Devine ideal body weight)."),
    dosing_weight: str | None = typer.Option(None, "--dosing-weight", help="actual (default), ideal or adjusted."),
    closed: str | None = typer.Option(None, "--closed", help="Weekdays the clinic is closed (default sat,sun; 'none' for none)."),
    skip: list[str] | None = typer.Option(None, "--skip", help="A closed date, YYYY-MM-DD; repeat the option or separate dates with commas."),
    holidays: str | None = typer.Option(None, "--holidays", help="Close on public holidays of a country or subdivision: BE, NL, US, US-NY, GB, ..."),
    label: str | None = typer.Option(None, "--label", help="Pseudonymous patient label such as P01 (never a name)."),
    screen_every: int | None = typer.Option(None, "--screen-every", help="Weeks between urinary-symptom and misuse screens in maintenance (ketplan default 12)."),
    output_format: PlanFormat = typer.Option(PlanFormat.table, "--format", "-f", help="table, json (one object), csv (one row per session) or ics (iCalendar)."),
    output: str | None = typer.Option(None, "--output", "-o", help="Write to this file ('-' for stdout). Never overwrites without --force; writes atomically."),
    force: bool = typer.Option(False, "--force", help="Allow --output to replace an existing file."),
    remind: str = typer.Option("default", "--remind", help="ics reminders: default (evening before + 1 h before), none, or a list such as evening,2h,30m."),
    stamp: str | None = typer.Option(None, "--stamp", help="ics DTSTAMP as ISO 8601 UTC (e.g. 2026-11-01T00:00:00Z) for byte-identical files; or set SOURCE_DATE_EPOCH."),
) -> None:
    """Plan a course: dated sessions with doses, moved around closed days, with checkpoints and sources.

    Clinical decision support only: not a substitute for clinical judgement or the product label.
    """
    from ketplan.clinic import system_zone_name
    from ketplan.controller import PlanOptions, plan_from_text
    from ketplan.files import write_output

    options = PlanOptions(
        route=route, start=start, weight=weight, protocol=protocol, days=days, time=time, tz=tz,
        weeks=weeks, until=until, dose=dose, first_dose=first_dose, every=every, mg_per_kg=mg_per_kg,
        age=age, height=height, sex=sex, dosing_weight=dosing_weight, closed=closed, skip=list(skip or []),
        holidays=holidays, label=label, screen_every=screen_every,
    )
    reminders = stamp_value = None
    if output_format is PlanFormat.ics:
        import os
        from datetime import datetime, timezone

        from ketplan.export.ics import parse_reminders, stamp_from

        reminders = parse_reminders(remind)
        stamp_value = stamp_from(stamp, os.environ, datetime.now(timezone.utc))
    target = None if output in (None, "-") else _path(output)
    plan = plan_from_text(options, default_zone=system_zone_name())

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


def _path(text: str):
    from pathlib import Path

    from ketplan.core.errors import InputError

    if not text.strip() or "\x00" in text:
        raise InputError("--output is empty or not a usable file name", "output")
    return Path(text)
