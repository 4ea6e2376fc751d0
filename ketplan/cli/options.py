"""Options shared by every command, so each is spelled and explained once.

The `--format` choices of each command come from the format registry (ketplan.export.formats).
"""

from __future__ import annotations

from typing import Any

import typer

from ketplan.export import formats

# Help panels of `ketplan plan` (and the course commands that take plan options).
PATIENT, DOSE, CALENDAR, OUTPUT, ROSTER = "Patient", "Dose", "Clinic calendar", "Output", "Roster"

# Metavars a clinician reads, the same in every command.
METAVARS = {
    "route": "intranasal|iv|im|sc|oral",
    "start": "YYYY-MM-DD",
    "until": "YYYY-MM-DD",
    "skip": "YYYY-MM-DD",
    "weight": "KG|LB",
    "height": "CM|IN",
    "protocol": "ID|FILE",
    "days": "mon,wed,fri",
    "closed": "sat,sun",
    "time": "HH:MM",
    "tz": "AREA/CITY",
    "weeks": "WEEKS",
    "every": "WEEKS",
    "screen_every": "WEEKS",
    "dose": "MG",
    "first_dose": "MG",
    "mg_per_kg": "MG/KG",
    "age": "YEARS",
    "sex": "female|male",
    "dosing_weight": "actual|ideal|adjusted",
    "holidays": "CODE",
    "label": "LABEL",
    "output": "FILE",
    "output_dir": "DIR",
    "roster": "FILE.csv|-",
    "remind": "LIST",
    "stamp": "UTC-TIME",
    "minutes": "MIN",
    "concentration": "MG/ML",
    "final_volume": "ML",
}


def _names(*subjects: str) -> list[str]:
    return list(dict.fromkeys(name for subject in subjects for name in formats.names_for(subject)))


def format_option(*subjects: str, default: str | None, help: str | None = None, panel: str | None = None) -> Any:
    """`--format/-f` with the registry's formats for `subjects` as its choices."""
    names = _names(*subjects)

    def parse(value: str) -> str:
        if value not in names:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(map(repr, names))}.")
        return value

    return typer.Option(
        default,
        "--format",
        "-f",
        parser=parse,
        metavar="|".join(names),
        help=help or format_help(*subjects),
        autocompletion=lambda: names,
        show_default=default is not None,
        rich_help_panel=panel,
    )


def format_help(*subjects: str) -> str:
    """'table: a readable table (...); json: one JSON object for scripts.' for the formats of `subjects`."""
    return "; ".join(f"{name}: {formats.FORMATS[name].summary}" for name in _names(*subjects)) + "."


def plan_format_help() -> str:
    """One plan and a roster take different formats: say both, defaults first."""
    return (
        f"{formats.choices_text(formats.PLAN)}; with --roster: {formats.choices_text(formats.ROSTER)}. "
        + format_help(formats.PLAN, formats.ROSTER)
    )


def details_option(panel: str | None = None) -> Any:
    return typer.Option(
        False,
        "--details",
        rich_help_panel=panel,
        help="Tables: also each session's instructions and monitoring steps, and the full references "
        "(JSON and calendars always carry them).",
    )


DATE_FORMATS = ("iso", "us", "eu")


def date_format_option(panel: str | None = None) -> Any:
    def parse(value: str) -> str:
        if value not in DATE_FORMATS:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(map(repr, DATE_FORMATS))}.")
        return value

    return typer.Option(
        None,
        "--date-format",
        parser=parse,
        metavar="iso|us|eu",
        help="Dates in tables: iso (2026-12-01, the default), us (12/01/2026) or eu (01/12/2026). "
        "JSON, CSV and calendars stay ISO 8601.",
        autocompletion=lambda: list(DATE_FORMATS),
        rich_help_panel=panel,
    )


def table_settings(details: bool, date_format: str | None) -> dict[str, Any]:
    """The table-only options as given (None when not given), for the registry's guard and the renderer."""
    return {"details": details, "date_format": date_format}


def complete_protocol_ids(incomplete: str = "") -> list[str]:
    """Shell completion of --protocol: the shipped protocol ids."""
    from ketplan.io.catalog import shipped_ids

    return [i for i in shipped_ids() if i.startswith(incomplete)]


def complete_holiday_codes(incomplete: str = "") -> list[str]:
    """Shell completion of --holidays: countries and their subdivisions (US, US-NY, ...)."""
    from ketplan.io.holiday_codes import supported_codes

    return [code for code in supported_codes() if code.upper().startswith(incomplete.upper())]
