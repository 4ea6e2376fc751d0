"""`ketplan course ...`: treatment courses that follow reality (a thin layer over app/course.py)."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from enum import Enum
from typing import Any

import typer

from ketplan.app.exit_status import ExitStatus
from ketplan.cli import root_app as app
from ketplan.cli.types import strict_int

STORE_EXIT = (
    "Exit codes: 0 success; 2 invalid input, refused dose or unknown course; 3 the treatment store cannot be used "
    "(missing, locked, read-only, full, damaged, a directory, or from a newer ketplan; nothing was changed); "
    "1 internal failure."
)
DB_HELP = (
    "The treatment store: an SQLite file, or a postgresql://USER@HOST:PORT/DBNAME URL shared by several workstations "
    "(see 'ketplan db'). Default: $KETPLAN_DB, else $XDG_DATA_HOME/ketplan/ketplan.db "
    "(~/.local/share/ketplan/ketplan.db)."
)
NOTE_HELP = (
    "Free-text note kept in the record. Do NOT put names, birth dates or other identifiers in it: "
    "the course is known by its pseudonymous label only."
)

course_app = typer.Typer(
    name="course",
    help="Treatment courses that follow reality: record given and missed sessions, see what is due and what the "
    "label suggests, replan, and export calendars that update. " + STORE_EXIT,
    epilog=STORE_EXIT,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(course_app, name="course")


class CourseFormat(str, Enum):
    table = "table"
    json = "json"


class ShowFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    ics = "ics"
    month = "month"  # the registry's month and html formats, fed the course's current plan
    html = "html"


class ExportFormat(str, Enum):
    json = "json"


DbOption = typer.Option(None, "--db", help=DB_HELP)


@contextlib.contextmanager
def _store(db: str | None, *, create: bool = False, migrate: bool = False) -> Iterator:
    """Open the store (`db`, else KETPLAN_DB, else the default file); a StoreError anywhere
    inside becomes one line and exit 3. Every command that touches the store opens it here."""
    from ketplan.cli.errors import say
    from ketplan.io.store import StoreError, default_location, open_store

    try:
        store = open_store(db if db is not None else default_location(), create=create, migrate=migrate)
        try:
            yield store
        finally:
            store.close()
    except StoreError as error:
        say(error.message, exit_code=ExitStatus.STORE)
        raise typer.Exit(ExitStatus.STORE) from None


def _out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _json(document) -> None:
    _out(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def _moment():
    from ketplan.app.course import now

    return now()


# --------------------------------------------------------------------------- new


# The plan options of `course new` are `ketplan plan`'s own parameters (declaration, help panel,
# strict parser), so the two commands cannot drift: a course is planned exactly like a plan.
_PLAN_FIELDS = (
    "route", "start", "weight", "protocol", "days", "time", "tz", "weeks", "until", "dose", "first_dose", "every",
    "mg_per_kg", "age", "height", "sex", "dosing_weight", "closed", "skip", "holidays", "screen_every", "setting",
    "concentration", "final_volume", "minutes", "clinic",
)  # fmt: skip


def new_command(
    label: str,
    output_format: CourseFormat = CourseFormat.table,
    quiet: bool = False,
    db: str | None = None,
    measure_every: int | None = None,
    madrs_remission: int | None = None,
    **plan_values: Any,
) -> None:
    """Create a course: plan it exactly like `ketplan plan` and store its inputs and planned sessions.

    The clinic profile's values in effect are stored with the course, so a later change of the
    profile does not move its sessions. A label that exists is refused (exit 2).
    """
    from ketplan.app.course import new_course
    from ketplan.app.planning import PlanOptions
    from ketplan.cli.plan import _default_zone, _load_protocol_models
    from ketplan.io.profile import load as load_profile

    _load_protocol_models()
    clinic = plan_values.pop("clinic", None)
    plan_values["skip"] = list(plan_values.get("skip") or [])
    options = PlanOptions(**plan_values)
    profile = load_profile(clinic)
    settings = None
    if options.setting is not None or measure_every is not None or madrs_remission is not None:
        from ketplan.app.rems import settings_payload

        settings = settings_payload(options.setting, measure_every, madrs_remission, None)
    moment = _moment()
    with _store(db, create=True) as store:
        course, plan = new_course(
            store, label, options, default_zone=_default_zone(), moment=moment, profile=profile, settings=settings
        )
    if output_format is CourseFormat.json and not quiet:
        from ketplan.export.jsonout import plan_document

        _json({"label": course.label, "created": True, "plan": plan_document(plan)})
        return
    if not quiet:
        from ketplan.export.plan_table import print_plan

        print_plan(plan)
    first, last = plan.sessions[0].date.isoformat(), plan.sessions[-1].date.isoformat()
    _out(
        f"Course {course.label} created: {plan.protocol.id}, {len(plan.sessions)} planned sessions, {first} to {last}.\n"
    )


def _declare_new_command() -> None:
    import inspect

    from ketplan.cli.plan import plan_command

    plan_parameters = inspect.signature(plan_command).parameters
    own = [
        inspect.Parameter(
            "label",
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=typer.Argument(
                ..., metavar="LABEL", help="Pseudonymous label such as P01 (never a name); unique in the store."
            ),
            annotation="str",
        ),
        *(plan_parameters[name].replace(kind=inspect.Parameter.KEYWORD_ONLY) for name in _PLAN_FIELDS),
        inspect.Parameter(
            "output_format",
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(CourseFormat.table, "--format", "-f", help="table or json."),
            annotation="CourseFormat",
        ),
        inspect.Parameter(
            "quiet",
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(False, "--quiet", "-q", help="Print only the one-line confirmation, not the plan."),
            annotation="bool",
        ),
        inspect.Parameter("db", inspect.Parameter.KEYWORD_ONLY, default=DbOption, annotation="str | None"),
        inspect.Parameter(
            "measure_every",
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(
                None, "--measure-every", help="Weeks between depression scores after induction (ketplan default 4)."
            ),
            annotation="int | None",
        ),
        inspect.Parameter(
            "madrs_remission",
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(
                None,
                "--madrs-remission",
                help="MADRS remission threshold: 10 (ESCAPE-TRD, KADS; default) or 12 (TRANSFORM).",
            ),
            annotation="int | None",
        ),
    ]
    new_command.__signature__ = inspect.Signature(own, return_annotation=None)  # type: ignore[attr-defined]
    new_command.__annotations__ = {p.name: p.annotation for p in own} | {"return": "None"}
    course_app.command("new", epilog=STORE_EXIT)(new_command)


_declare_new_command()


# --------------------------------------------------------------------------- list


@course_app.command("list", epilog=STORE_EXIT)
def list_command(
    output_format: CourseFormat = typer.Option(CourseFormat.table, "--format", "-f", help="table or json."),
    db: str | None = DbOption,
) -> None:
    """Every course: protocol, first and last session, given / missed / remaining, next due."""
    from ketplan.app.course import list_courses
    from ketplan.export.course_out import list_document, list_text

    moment = _moment()
    with _store(db) as store:
        rows = list_courses(store, moment=moment)
    if output_format is CourseFormat.json:
        # One course per line (C JSON encoder per row): thousands of courses stay fast and greppable.
        courses = list_document(rows)["courses"]
        lines = ",\n".join("  " + json.dumps(c, ensure_ascii=False) for c in courses)
        _out('{"courses": [\n' + lines + ("\n" if courses else "") + "]}\n")
    else:
        _out(list_text(rows))


# --------------------------------------------------------------------------- record


@course_app.command("record", epilog=STORE_EXIT)
def record_command(
    label: str = typer.Argument(..., help="The course's label."),
    session: str | None = typer.Option(
        None,
        "--session",
        metavar="N|xE",
        help="The planned session number (see course status); with monitoring options alone, xE adds to the extra "
        "session recorded by entry E (its key in course status).",
    ),
    sessions: str | None = typer.Option(
        None, "--sessions", help="Several planned sessions at their planned doses, e.g. 1-8 or 1,2,5 (all or nothing)."
    ),
    on: str | None = typer.Option(
        None,
        "--date",
        help="The day, YYYY-MM-DD: the planned session that day, or with --given and no planned session an extra "
        "session; with --session, the day it was actually given.",
    ),
    given: bool = typer.Option(False, "--given", help="The session was given."),
    missed: bool = typer.Option(False, "--missed", help="The session was missed."),
    dose: float | None = typer.Option(
        None, "--dose", help="Dose given in mg (default: the planned dose); refused outside the course's limits."
    ),
    mg_per_kg: float | None = typer.Option(None, "--mg-per-kg", help="Racemic ketamine: dose given in mg/kg."),
    time: str | None = typer.Option(None, "--time", help="Time given, 24-hour HH:MM."),
    note: str | None = typer.Option(None, "--note", help=NOTE_HELP),
    by: str | None = typer.Option(None, "--by", help="Initials of who records it (kept in the audit trail)."),
    corrects: int | None = typer.Option(
        None, "--corrects", help="The entry this one supersedes (see course log); nothing is erased."
    ),
    bp_pre: str | None = typer.Option(None, "--bp-pre", help="Blood pressure before dosing, SYS/DIA mmHg (128/82)."),
    bp_40: str | None = typer.Option(None, "--bp-40", help="Blood pressure about 40 min after dosing, SYS/DIA."),
    bp_discharge: str | None = typer.Option(
        None, "--bp-discharge", help="Blood pressure before the session ended, SYS/DIA."
    ),
    pulse_ox: int | None = typer.Option(None, "--pulse-ox", help="Lowest oxygen saturation (pulse oximetry), %."),
    monitoring_minutes: int | None = typer.Option(
        None, "--monitoring-minutes", help="Minutes from the first device to the end of monitoring."
    ),
    monitoring_start: str | None = typer.Option(None, "--monitoring-start", help="Monitoring start, HH:MM."),
    monitoring_end: str | None = typer.Option(None, "--monitoring-end", help="Monitoring end, HH:MM."),
    sedation: bool = typer.Option(False, "--sedation", help="Sedation observed during monitoring."),
    dissociation: bool = typer.Option(False, "--dissociation", help="Dissociation observed during monitoring."),
    respiratory_depression: bool = typer.Option(
        False, "--respiratory-depression", help="Respiratory depression observed during monitoring."
    ),
    resolved: bool = typer.Option(False, "--resolved", help="The observed effects resolved before discharge."),
    ae: list[str] | None = typer.Option(
        None, "--ae", help="An adverse event (repeatable). No names or other identifiers."
    ),
    lot: str | None = typer.Option(None, "--lot", help="Device lot number."),
    concomitant: str | None = typer.Option(
        None,
        "--concomitant",
        help="Concomitant medicines the REMS form asks about: benzodiazepine,sedative-hypnotic,opioid,psychostimulant,"
        "maoi, or none.",
    ),
    output_format: CourseFormat = typer.Option(CourseFormat.table, "--format", "-f", help="table or json."),
    db: str | None = DbOption,
) -> None:
    """Record what happened at a session: given (with its dose and monitoring data) or missed. A session in the
    future is refused. Monitoring options without --given/--missed add to a session already recorded as given."""
    from ketplan.app.course import RecordOptions, record
    from ketplan.export.course_out import entry_document

    options = RecordOptions(
        given=given,
        missed=missed,
        session=session,
        date=on,
        dose=dose,
        mg_per_kg=mg_per_kg,
        time=time,
        note=note,
        by=by,
        corrects=corrects,
        sessions=sessions,
    )
    typed = (bp_pre, bp_40, bp_discharge, pulse_ox, monitoring_minutes, monitoring_start, monitoring_end, lot)
    if (
        any(v is not None for v in typed)
        or concomitant
        or ae
        or sedation
        or dissociation
        or respiratory_depression
        or resolved
    ):
        from ketplan.core.monitoring import MonitoringText  # issue 14: only when monitoring options are given

        options.monitoring = MonitoringText(
            bp_pre=bp_pre,
            bp_40=bp_40,
            bp_discharge=bp_discharge,
            pulse_ox=pulse_ox,
            monitoring_minutes=monitoring_minutes,
            monitoring_start=monitoring_start,
            monitoring_end=monitoring_end,
            sedation=sedation,
            dissociation=dissociation,
            respiratory_depression=respiratory_depression,
            resolved=resolved,
            ae=tuple(ae or ()),
            lot=lot,
            concomitant=concomitant,
        )
    moment = _moment()
    alerts: list = []
    with _store(db) as store:
        entry, message, status = record(store, label, options, moment=moment)
        if entry.kind == "monitoring" or entry.payload.get("monitoring"):
            from ketplan.app.rems import session_alerts  # issue 14: what this session's monitoring raises

            alerts = session_alerts(store, status.label, entry)
    if output_format is CourseFormat.json:
        from ketplan.export.course_out import source_document

        _json(
            {
                "label": status.label,
                "message": message,
                "entry": entry_document(entry),
                "next_due": _d(status),
                "alerts": [
                    {"id": a.id, "text": a.text, "sources": [source_document(s) for s in a.sources]} for a in alerts
                ],
            }
        )
        return
    _out(f"{status.label}: {message}. Next due: {_d(status) or 'none'}.\n")
    if alerts:
        from ketplan.core.monitoring import alerts_text

        for line in alerts_text(alerts):
            _out(line + "\n")
    for suggestion in status.suggestions:
        _out(f"Consider: {suggestion.text} ({suggestion.command})\n")


def _d(status) -> str | None:
    return status.next_due.isoformat() if status.next_due else None


# --------------------------------------------------------------------------- status


@course_app.command("status", epilog=STORE_EXIT)
def status_command(
    label: str = typer.Argument(..., help="The course's label."),
    output_format: CourseFormat = typer.Option(CourseFormat.table, "--format", "-f", help="table or json."),
    db: str | None = DbOption,
) -> None:
    """Planned vs given, missed, next due, cumulative dose given, and what the label says to consider now."""
    from ketplan.app.course import status, today_in
    from ketplan.export.course_out import status_document, status_text

    moment = _moment()
    with _store(db) as store:
        result = status(store, label, moment=moment)
    today = today_in(result.plan.timezone, moment)
    if output_format is CourseFormat.json:
        _json(status_document(result, today))
    else:
        _out(status_text(result, today))


# --------------------------------------------------------------------------- replan


@course_app.command("replan", epilog=STORE_EXIT)
def replan_command(
    label: str = typer.Argument(..., help="The course's label."),
    from_date: str | None = typer.Option(
        None, "--from", help="First day to replan, YYYY-MM-DD (default: today, after the last recorded session)."
    ),
    step_back: bool = typer.Option(
        False,
        "--step-back",
        help="Return to the previous dosing schedule (weekly -> twice weekly, every 2 weeks -> weekly) after missed "
        "maintenance sessions with worsening symptoms (label guidance, clinician's judgement).",
    ),
    every: int | None = typer.Option(None, "--every", help="Weeks between sessions in the open-ended phase (1 or 2)."),
    dose: int | None = typer.Option(None, "--dose", help="Esketamine dose from --from on: 56 or 84 mg."),
    days: str | None = typer.Option(None, "--days", help="New session weekdays from --from on, e.g. mon,thu."),
    make_up: bool = typer.Option(
        False, "--make-up", help="Add one session at the end of the phase for the last missed session."
    ),
    output_format: CourseFormat = typer.Option(CourseFormat.table, "--format", "-f", help="table or json."),
    db: str | None = DbOption,
) -> None:
    """Recompute the remaining sessions from what was actually given, keeping the phases and the clinic calendar."""
    from ketplan.app.course import ReplanOptions, replan
    from ketplan.cli.plan import _load_protocol_models
    from ketplan.export.course_out import advice_document
    from ketplan.io.clinic_calendar import system_zone_name

    _load_protocol_models()
    options = ReplanOptions(
        from_date=from_date, step_back=step_back, every=every, dose=dose, days=days, make_up=make_up
    )
    moment = _moment()
    with _store(db) as store:
        result, entry, after = replan(store, label, options, default_zone=system_zone_name(), moment=moment)
    summary = (
        f"{result.moved} session(s) moved or changed, {result.added} added, {result.cancelled} cancelled"
        if result.changed
        else "no session changed"
    )
    if output_format is CourseFormat.json:
        _json(
            {
                "label": after.label,
                "entry": entry.seq,
                "from": result.start.isoformat(),
                "moved": result.moved,
                "added": result.added,
                "cancelled": result.cancelled,
                "applied": [advice_document(a, command=False) for a in result.applied],
                "next_due": _d(after),
            }
        )
        return
    _out(f"{after.label}: replanned from {result.start.isoformat()} (entry {entry.seq}): {summary}.\n")
    for advice in result.applied:
        _out(f"- {advice.text}\n")
        for source in advice.sources:
            _out(f"    source: {source.citation} {source.link}\n")
    _out(f"Next due: {_d(after) or 'none'}.\n")


# --------------------------------------------------------------------------- show


@course_app.command("show", epilog=STORE_EXIT)
def show_command(
    label: str = typer.Argument(..., help="The course's label."),
    output_format: ShowFormat = typer.Option(
        ShowFormat.table,
        "--format",
        "-f",
        help="table, json, csv, ics (a calendar that updates on re-import), month (grids with given and missed "
        "sessions marked) or html (the printable patient handout).",
    ),
    output: str | None = typer.Option(
        None, "--output", "-o", help="Write to this file; never overwrites without --force."
    ),
    force: bool = typer.Option(False, "--force", help="Allow --output to replace an existing file."),
    remind: str = typer.Option("default", "--remind", help="ics reminders: default, none, or e.g. evening,2h."),
    db: str | None = DbOption,
) -> None:
    """The course's current plan with the record merged in."""
    from pathlib import Path

    from ketplan.app.course import show, today_in
    from ketplan.io.files import write_output

    moment = _moment()
    with _store(db) as store:
        loaded, revisions, result = show(store, label, moment=moment)
    today = today_in(result.plan.timezone, moment)
    target = None if output in (None, "-") else Path(output)
    if output_format is ShowFormat.json:
        from ketplan.export.course_out import status_document

        document = status_document(result, today)
        document["revision"] = loaded.revision.revision
        document["plan"] = {
            "weekdays": list(result.plan.weekdays),
            "time": result.plan.time.strftime("%H:%M"),
            "horizon_end": result.plan.horizon_end.isoformat(),
            "every_weeks": result.plan.every_weeks,
            "sessions": [s.to_dict() for s in result.plan.sessions],
        }
        write_output(json.dumps(document, ensure_ascii=False, indent=2) + "\n", target, force=force)
    elif output_format is ShowFormat.csv:
        from ketplan.export.course_out import course_csv

        write_output(course_csv(result), target, force=force)
    elif output_format is ShowFormat.ics:
        from ketplan.app.course_calendar import course_calendar
        from ketplan.cli.plan import _load_protocol_models
        from ketplan.export.ics import parse_reminders

        _load_protocol_models()
        reminders = parse_reminders(remind)
        write_output(course_calendar(loaded, revisions, reminders=reminders), target, force=force)
    elif output_format in (ShowFormat.month, ShowFormat.html):
        from ketplan.app.course_calendar import current_plan
        from ketplan.cli.output import emit
        from ketplan.cli.plan import _load_protocol_models
        from ketplan.cli.terminal import view_settings
        from ketplan.export.formats import FORMATS, PLAN

        _load_protocol_models()
        plan, status = current_plan(loaded, result)
        settings = view_settings(output_format.value, zone=plan.timezone)
        settings["today"] = today  # the course's today (KETPLAN_NOW in tests), not the wall clock
        settings["extra"] = {**settings.get("extra", {}), "status": status}
        emit(FORMATS[output_format.value], PLAN, plan, target, force=force, **settings)
    else:
        from ketplan.export.course_out import status_text

        write_output(status_text(result, today), target, force=force)


# --------------------------------------------------------------------------- sheet


def _sheet_format_option():
    from ketplan.cli.options import format_option
    from ketplan.export.formats import SESSION

    return format_option(SESSION, default="table")


@course_app.command("sheet", epilog=STORE_EXIT)
def sheet_command(
    label: str = typer.Argument(..., help="The course's label."),
    session: int = typer.Option(
        ...,
        "--session",
        metavar="N",
        parser=strict_int("session"),
        help="The session number in the course's current plan.",
    ),
    output_format: str = _sheet_format_option(),
    output: str | None = typer.Option(
        None, "--output", "-o", help="Write to this file; never overwrites without --force."
    ),
    force: bool = typer.Option(False, "--force", help="Allow --output to replace an existing file."),
    details: bool = typer.Option(False, "--details", help="Tables: the dose's references in full."),
    db: str | None = DbOption,
) -> None:
    """The nurse's preparation sheet for one session of a weight-based course (html: one printed page).

    The session's own mg/kg and dose from the current plan, worked out as 'ketplan dose' works
    them out, from the course's weight, weight basis and preparation. Esketamine is refused:
    nothing is drawn up."""
    from pathlib import Path

    from ketplan.app.course import session_sheet, today_in
    from ketplan.cli.output import emit
    from ketplan.cli.plan import _load_protocol_models
    from ketplan.cli.terminal import view_settings
    from ketplan.export import formats

    chosen = formats.choose(output_format, formats.SESSION, what="a session's sheet")
    formats.check_only_options(chosen, {"details": details})
    _load_protocol_models()
    moment = _moment()
    with _store(db) as store:
        sheet = session_sheet(store, label, session)
    settings = {**formats.settings_for(chosen, {"details": details or None}), **view_settings(chosen.name)}
    if chosen.name == "html":
        settings["today"] = today_in(sheet.timezone, moment)  # the course's today (KETPLAN_NOW in tests)
    emit(chosen, formats.SESSION, sheet, None if output in (None, "-") else Path(output), force=force, **settings)


# --------------------------------------------------------------------------- log


@course_app.command("log", epilog=STORE_EXIT)
def log_command(
    label: str = typer.Argument(..., help="The course's label."),
    output_format: CourseFormat = typer.Option(CourseFormat.table, "--format", "-f", help="table or json."),
    db: str | None = DbOption,
) -> None:
    """The whole audit trail: what, when recorded, by whom, and what each entry superseded."""
    from ketplan.app.course import log
    from ketplan.export.course_out import log_document, log_text

    with _store(db) as store:
        course, entries = log(store, label)
    if output_format is CourseFormat.json:
        _json(log_document(course.label, entries))
    else:
        _out(log_text(course.label, entries))


# --------------------------------------------------------------------------- export / import


@course_app.command("export", epilog=STORE_EXIT)
def export_command(
    labels: list[str] | None = typer.Argument(None, help="Labels of the courses to export."),
    all_courses: bool = typer.Option(False, "--all", help="Export every course."),
    output_format: ExportFormat = typer.Option(ExportFormat.json, "--format", "-f", help="json (the only format)."),
    output: str | None = typer.Option(
        None, "--output", "-o", help="Write to this file; never overwrites without --force."
    ),
    force: bool = typer.Option(False, "--force", help="Allow --output to replace an existing file."),
    db: str | None = DbOption,
) -> None:
    """A complete, versioned dump of courses with their record and plan revisions (backups, moving stores)."""
    from pathlib import Path

    from ketplan.app.course import export
    from ketplan.core.errors import InputError
    from ketplan.io.files import write_output

    if all_courses == bool(labels):
        raise InputError("give the labels of the courses to export, or --all", "all")
    moment = _moment()
    with _store(db) as store:
        document = export(store, None if all_courses else list(labels or []), moment=moment)
    target = None if output in (None, "-") else Path(output)
    write_output(json.dumps(document, ensure_ascii=False, indent=1) + "\n", target, force=force)


@course_app.command("import", epilog=STORE_EXIT)
def import_command(
    file: str = typer.Argument(..., help="A file written by 'ketplan course export' ('-' for stdin)."),
    replace: bool = typer.Option(False, "--replace", help="Replace courses whose label exists (default: refuse)."),
    db: str | None = DbOption,
) -> None:
    """Import courses from an export, all or nothing; a label that exists is refused unless --replace."""
    from ketplan.app.course import import_courses
    from ketplan.core.errors import InputError

    try:
        text = sys.stdin.read() if file == "-" else open(file, encoding="utf-8").read()  # noqa: SIM115
        document = json.loads(text)
    except OSError as error:
        raise InputError(f"cannot read {file}: {error.strerror or error}", "file") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise InputError(f"{file} is not JSON ({error})", "file") from None
    with _store(db, create=True) as store:
        labels = import_courses(store, document, replace_existing=replace)
    _out(f"imported {len(labels)} course(s): {', '.join(labels) if labels else '-'}\n")
