"""`ketplan course score` and `ketplan course settings` (issue 14): outcome scores and course settings."""

from __future__ import annotations

import typer

from ketplan.cli.course import STORE_EXIT, CourseFormat, DbOption, _json, _moment, _out, _store, course_app

SCORE_HELP = (
    "PHQ-9 and GAD-7 are free to use (Pfizer); MADRS is entered as a total only. Response: >= 50 % reduction from "
    "baseline; remission: PHQ-9 < 5, MADRS <= 10 (ESCAPE-TRD, KADS) or <= 12 (TRANSFORM; course settings)."
)


@course_app.command("score", epilog=SCORE_HELP + " " + STORE_EXIT)
def score_command(
    label: str = typer.Argument(..., help="The course's label."),
    on: str | None = typer.Option(None, "--date", help="The day the score was taken, YYYY-MM-DD. Required."),
    phq9: str | None = typer.Option(
        None, "--phq9", help="The nine PHQ-9 items, 0-3 each, in order: 2,2,1,3,1,2,1,1,0."
    ),
    phq9_total: int | None = typer.Option(None, "--phq9-total", help="PHQ-9 total, 0-27 (item 9 then unknown)."),
    madrs: int | None = typer.Option(None, "--madrs", help="MADRS total, 0-60."),
    qids: int | None = typer.Option(None, "--qids", help="QIDS-SR16 total, 0-27."),
    gad7: str | None = typer.Option(None, "--gad7", help="The seven GAD-7 items, 0-3 each, in order."),
    gad7_total: int | None = typer.Option(None, "--gad7-total", help="GAD-7 total, 0-21."),
    by: str | None = typer.Option(None, "--by", help="Initials of who enters it (kept in the audit trail)."),
    note: str | None = typer.Option(
        None, "--note", help="Free-text note. Do NOT put names, birth dates or other identifiers in it."
    ),
    corrects: int | None = typer.Option(None, "--corrects", help="The score entry this one supersedes."),
    output_format: CourseFormat = typer.Option(CourseFormat.table, "--format", "-f", help="table or json."),
    db: str | None = DbOption,
) -> None:
    """Enter outcome scores (PHQ-9 items or total, MADRS, QIDS-SR16, GAD-7); shows change, response and remission."""
    from ketplan.app.outcomes import score
    from ketplan.core.outcomes import ScoreText
    from ketplan.export.course_out import entry_document
    from ketplan.export.outcomes_out import outcome_document

    text = ScoreText(phq9=phq9, phq9_total=phq9_total, madrs=madrs, qids=qids, gad7=gad7, gad7_total=gad7_total)
    moment = _moment()
    with _store(db) as store:
        result = score(store, label, text, on=on, by=by, note=note, corrects=corrects, moment=moment)
    scales = {e.payload["scale"] for e in result.entries}
    shown = [o for o in result.status.outcomes if o.scale.key in scales]
    if output_format is CourseFormat.json:
        _json(
            {
                "label": result.label,
                "entries": [entry_document(e) for e in result.entries],
                "alerts": [{"id": "phq9-item9", "text": t} for t in result.alerts],
                "outcomes": [outcome_document(o) for o in shown],
            }
        )
        return
    from ketplan.core.outcomes import BOXED_WARNING, band

    for entry in result.entries:
        _out(
            f"{result.label}: entry {entry.seq}: {entry.payload['scale']} {entry.payload['total']} on "
            f"{entry.session_date.isoformat() if entry.session_date else '?'}"
            + (f" (supersedes entry {entry.corrects})" if entry.corrects else "")
            + ".\n"
        )
    for text_ in result.alerts:
        _out(f"ALERT: {text_}\n    source: {BOXED_WARNING.citation} {BOXED_WARNING.link}\n")
    for o in shown:
        severity = band(o.scale, o.latest.total)
        parts = [f"{o.scale.name}: baseline {o.baseline.total} ({o.baseline.day.isoformat()}), latest {o.latest.total}"]
        if severity:
            parts.append(severity)
        if o.change_pct is not None:
            parts.append(f"change {o.change_pct:+g} %")
        if o.response is not None:
            parts.append("response" if o.response else "no response (< 50 % reduction)")
        if o.remission is not None:
            parts.append(("remission" if o.remission else "no remission") + f" [{o.threshold}]")
        _out("  " + "; ".join(parts) + "\n")
        for s in o.sources:
            _out(f"    source: {s.citation} {s.link}\n")


@course_app.command("settings", epilog=STORE_EXIT)
def settings_command(
    label: str = typer.Argument(..., help="The course's label."),
    setting: str | None = typer.Option(
        None, "--setting", help="outpatient or inpatient (inpatient: no REMS enrolment or monitoring forms)."
    ),
    start: str | None = typer.Option(None, "--from", help="With --setting: the first day it applies (default: all)."),
    measure_every: int | None = typer.Option(
        None, "--measure-every", help="Weeks between depression scores after induction (ketplan default 4)."
    ),
    madrs_remission: int | None = typer.Option(
        None, "--madrs-remission", help="MADRS remission threshold: 10 (ESCAPE-TRD, KADS) or 12 (TRANSFORM)."
    ),
    by: str | None = typer.Option(None, "--by", help="Initials of who changes it."),
    output_format: CourseFormat = typer.Option(CourseFormat.table, "--format", "-f", help="table or json."),
    db: str | None = DbOption,
) -> None:
    """Show or change a course's settings (setting, measure interval, MADRS remission); each change is an entry."""
    from ketplan.app.rems import change_settings, current_settings, settings_payload

    payload = settings_payload(setting, measure_every, madrs_remission, start)
    moment = _moment()
    with _store(db) as store:
        if payload:
            entry, current = change_settings(store, label, payload, by=by, moment=moment)
            shown_label = label.strip()
        else:
            entry = None
            shown_label, current = current_settings(store, label)
    document = {
        "label": shown_label,
        "entry": entry.seq if entry is not None else None,
        "setting": [{"from": None if d.year == 1 else d.isoformat(), "setting": s} for d, s in current.setting_changes]
        or [{"from": None, "setting": "outpatient"}],
        "measure_every_weeks": current.measure_every_weeks,
        "measure_every_default": current.measure_every_default,
        "madrs_remission": current.madrs_remission,
        "madrs_remission_default": current.madrs_default,
    }
    if output_format is CourseFormat.json:
        _json(document)
        return
    if entry is not None:
        _out(f"{shown_label}: entry {entry.seq}: settings changed.\n")
    for change in document["setting"]:
        _out(f"  setting: {change['setting']}" + (f" from {change['from']}" if change["from"] else "") + "\n")
    _out(
        f"  measures every {current.measure_every_weeks} weeks after induction"
        + (" (ketplan default)" if current.measure_every_default else "")
        + "\n"
    )
    _out(
        f"  MADRS remission <= {current.madrs_remission} "
        + ("(ESCAPE-TRD, KADS)" if current.madrs_remission == 10 else "(SPRAVATO TRANSFORM)")
        + (" (ketplan default)" if current.madrs_default else "")
        + "\n"
    )
