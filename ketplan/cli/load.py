"""`ketplan clinic load`: the chairs a clinic's roster needs, day by day (see ketplan.app.load)."""

from __future__ import annotations

import typer

from ketplan.app.exit_status import ExitStatus, exit_codes_help
from ketplan.cli import root_app as app

LOAD_EPILOG = (
    "Examples: ketplan clinic load --roster clinic.csv --chairs 4 --opens 08:00 --closes 17:00; "
    "ketplan clinic load --roster clinic.csv --chairs 4 --from 2027-01-04 --to 2027-01-29 --stagger 30m; "
    "ketplan clinic load --roster clinic.csv --chairs 4 --format json. " + exit_codes_help()
)


def _clinic_group() -> typer.Typer:
    """The `ketplan clinic` group: the clinic profile's (ketplan/cli/clinic.py, issue 13) when this
    build has it, so `load` joins `show`, `init` and `holidays`; else a group of its own."""
    import importlib

    try:
        return importlib.import_module("ketplan.cli.clinic").clinic_app
    except ImportError:
        group = typer.Typer(
            name="clinic",
            help="The clinic as a whole: chair load of a roster.",
            no_args_is_help=True,
            add_completion=False,
        )
        app.add_typer(group, name="clinic")
        return group


clinic_app = _clinic_group()


def _profile(clinic: str | None):
    """The clinic profile in effect (its chairs, opens, closes), or None."""
    import importlib

    from ketplan.core.errors import InputError

    try:
        profiles = importlib.import_module("ketplan.io.profile")
    except ImportError:
        if clinic is not None:
            raise InputError(
                "--clinic: this ketplan has no clinic profiles; give --chairs, --opens, --closes", "clinic"
            ) from None
        return None
    loaded = profiles.load(clinic)
    return getattr(loaded, "profile", None)


@clinic_app.command("load", epilog=LOAD_EPILOG)
def load_command(
    roster: str | None = typer.Option(
        None,
        "--roster",
        help="The roster CSV ('-' for stdin), the same file as `ketplan plan --roster`: one row per patient.",
    ),
    courses: bool = typer.Option(
        False, "--courses", help="Instead of a roster: every course in the treatment store, as recorded and replanned."
    ),
    db: str | None = typer.Option(None, "--db", help="With --courses: the treatment store (default: KETPLAN_DB)."),
    chairs: int | None = typer.Option(
        None, "--chairs", help="Treatment chairs (patients in observation at once). Required."
    ),
    opens: str | None = typer.Option(None, "--opens", help="Opening time, HH:MM (ketplan default 08:00)."),
    closes: str | None = typer.Option(None, "--closes", help="Closing time, HH:MM (ketplan default 18:00)."),
    date_from: str | None = typer.Option(None, "--from", help="First day to report, YYYY-MM-DD."),
    date_to: str | None = typer.Option(None, "--to", help="Last day to report, YYYY-MM-DD."),
    stagger: str | None = typer.Option(
        None,
        "--stagger",
        help="Spread each day's patients over start times this far apart (30m, 45m, 1h) so that patients in "
        "chairs never exceed --chairs, within --opens/--closes; says which sessions cannot be placed.",
    ),
    output_format: str = typer.Option("table", "--format", "-f", help="table (a bar chart per day) or json."),
    clinic: str | None = typer.Option(
        None, "--clinic", help="Clinic profile (TOML) for chairs, opens and closes; the options above win."
    ),
) -> None:
    """Chair load of a roster or of the stored courses: per clinic day the sessions, chair-hours and peak patients in chairs.

    Chair-hours are administration + observation from each protocol; the peak comes from start times and
    session lengths; days over capacity are flagged. Use --stagger to spread start times within the hours.
    """
    from ketplan.app.load import DEFAULT_CLOSES, DEFAULT_OPENS, ClinicHours, load_from_roster, parse_step
    from ketplan.cli import terminal
    from ketplan.core.dates import parse_clock, parse_iso_date
    from ketplan.core.errors import InputError
    from ketplan.io.clinic_calendar import system_zone_name

    if (roster is None) == (not courses):
        raise InputError("give --roster FILE or --courses (the treatment store), one of the two", "roster")
    if db is not None and not courses:
        raise InputError("--db goes with --courses", "db")
    if output_format not in ("table", "json"):
        raise InputError(f"--format {output_format!r} is not known here; use table or json", "format")
    # Command line > clinic profile > ketplan defaults (hours only; chairs has no default).
    profile = _profile(clinic)
    chairs = chairs if chairs is not None else getattr(profile, "chairs", None)
    opens = opens if opens is not None else getattr(profile, "opens", None)
    closes = closes if closes is not None else getattr(profile, "closes", None)
    if chairs is None:
        raise InputError(
            "--chairs is required (the clinic's treatment chairs), e.g. --chairs 4, or set chairs in the clinic profile",
            "chairs",
        )
    hours = ClinicHours(
        chairs=chairs,
        opens=parse_clock(opens, "opens") if opens is not None else DEFAULT_OPENS,
        closes=parse_clock(closes, "closes") if closes is not None else DEFAULT_CLOSES,
        hours_are_default=opens is None and closes is None,
    )
    first = parse_iso_date(date_from, "from") if date_from is not None else None
    last = parse_iso_date(date_to, "to") if date_to is not None else None
    step = parse_step(stagger) if stagger is not None else None
    if courses:
        from ketplan.app.course import now
        from ketplan.app.load import load_from_courses
        from ketplan.cli.course import _store
        from ketplan.cli.plan import _load_protocol_models

        _load_protocol_models()
        with _store(db) as store:
            report = load_from_courses(store, hours, moment=now(), first=first, last=last, stagger_minutes=step)
    else:
        assert roster is not None
        report = load_from_roster(
            roster, hours, default_zone=system_zone_name(), first=first, last=last, stagger_minutes=step
        )
    from ketplan.io.files import write_output

    if output_format == "json":
        from ketplan.export.jsonout import dumps
        from ketplan.export.load_view import load_document

        write_output(dumps(load_document(report)) + "\n", None, force=False)
    else:
        from ketplan.export.load_view import render_load

        write_output(render_load(report, width=terminal.width(), colour=terminal.colour_allowed()), None, force=False)
    if report.errors:
        from ketplan.cli.errors import say

        say(f"{len(report.errors)} roster row(s) could not be planned; their sessions are not in the load")
        raise typer.Exit(ExitStatus.INVALID)
