"""`ketplan clinic today`: the clinic's day (issue 14), registered on the `clinic` group of cli/clinic.py."""

from __future__ import annotations

import typer

from ketplan.cli.clinic import clinic_app
from ketplan.cli.course import STORE_EXIT, CourseFormat, DbOption, _json, _moment, _out, _store


@clinic_app.command("today", epilog=STORE_EXIT)
def clinic_today(
    on: str | None = typer.Option(None, "--date", help="The day, YYYY-MM-DD (default: today in each course's zone)."),
    output_format: CourseFormat = typer.Option(CourseFormat.table, "--format", "-f", help="table or json."),
    db: str | None = DbOption,
) -> None:
    """Every course's sessions that day, REMS forms due or overdue, screens and measures due, alerts from the last
    session (high BP, missed sessions, PHQ-9 item 9) and step-back suggestions."""
    from ketplan.app.today import clinic_today as build
    from ketplan.cli.plan import _load_protocol_models
    from ketplan.export.today_out import today_document, today_text

    _load_protocol_models()  # the protocols' screens are read from each course's plan
    moment = _moment()
    with _store(db) as store:
        today = build(store, on=on, moment=moment)
    if output_format is CourseFormat.json:
        _json(today_document(today))
    else:
        _out(today_text(today))
