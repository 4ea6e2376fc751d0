"""`ketplan rems ...`: SPRAVATO REMS Patient Monitoring Forms (issue 14). ketplan prepares, never submits."""

from __future__ import annotations

from enum import Enum

import typer

from ketplan.cli import root_app as app
from ketplan.cli.course import STORE_EXIT, CourseFormat, DbOption, _json, _moment, _out, _store

rems_app = typer.Typer(
    name="rems",
    help="SPRAVATO REMS Patient Monitoring Forms: which are due (within 7 days of each outpatient session), "
    "worksheets filled from the record, and marking them submitted. ketplan prepares the form; it does not submit it. "
    + STORE_EXIT,
    epilog=STORE_EXIT,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(rems_app, name="rems")


class FormFormat(str, Enum):
    table = "table"
    json = "json"
    html = "html"


@rems_app.command("due", epilog=STORE_EXIT)
def due_command(
    within: int | None = typer.Option(None, "--within", help="Only forms due within DAYS (overdue ones always)."),
    output_format: CourseFormat = typer.Option(CourseFormat.table, "--format", "-f", help="table or json."),
    db: str | None = DbOption,
) -> None:
    """Every given outpatient esketamine session whose form is not marked submitted, overdue first."""
    from ketplan.app.rems import forms_due
    from ketplan.export.rems_out import due_document, due_text

    moment = _moment()
    with _store(db) as store:
        forms = forms_due(store, within=within, moment=moment)
    if output_format is CourseFormat.json:
        _json(due_document(forms))
    else:
        _out(due_text(forms))


@rems_app.command("submitted", epilog=STORE_EXIT)
def submitted_command(
    label: str = typer.Argument(..., help="The course's label."),
    session: str = typer.Option(
        ...,
        "--session",
        metavar="N|xE",
        help="The session whose form was submitted: its number, or xE for an extra session (see rems due).",
    ),
    on: str | None = typer.Option(None, "--date", help="The day it was submitted, YYYY-MM-DD (default: today)."),
    by: str | None = typer.Option(None, "--by", help="Initials of who submitted it."),
    corrects: int | None = typer.Option(None, "--corrects", help="The submitted entry this one supersedes."),
    db: str | None = DbOption,
) -> None:
    """Mark a session's Patient Monitoring Form submitted (an append-only entry)."""
    from ketplan.app.rems import mark_submitted

    moment = _moment()
    with _store(db) as store:
        shown, _, message = mark_submitted(store, label, session, on=on, by=by, corrects=corrects, moment=moment)
    _out(f"{shown}: {message}.\n")


@rems_app.command("form", epilog=STORE_EXIT)
def form_command(
    label: str = typer.Argument(..., help="The course's label."),
    session: str = typer.Option(
        ...,
        "--session",
        metavar="N|xE",
        help="The given session: its number, or xE for an extra session (see rems due).",
    ),
    output_format: FormFormat = typer.Option(FormFormat.table, "--format", "-f", help="table, json or html."),
    output: str | None = typer.Option(
        None, "--output", "-o", help="Write to this file; never overwrites without --force."
    ),
    force: bool = typer.Option(False, "--force", help="Allow --output to replace an existing file."),
    db: str | None = DbOption,
) -> None:
    """A worksheet mirroring the Patient Monitoring Form, filled from the record; identifying fields left blank."""
    import json
    from pathlib import Path

    from ketplan.app.rems import form
    from ketplan.io.files import write_output

    moment = _moment()
    with _store(db) as store:
        sheet = form(store, label, session, moment=moment)
    if output_format is FormFormat.json:
        from ketplan.export.rems_out import form_document

        text = json.dumps(form_document(sheet), ensure_ascii=False, indent=2) + "\n"
    elif output_format is FormFormat.html:
        from ketplan.export.rems_form import form_html

        text = form_html(sheet)
    else:
        from ketplan.export.rems_out import form_text

        text = form_text(sheet)
    write_output(text, None if output in (None, "-") else Path(output), force=force)
