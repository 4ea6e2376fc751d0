"""Course status, list and log as JSON documents (a contract: add keys, never rename) and plain text.

Plain text, not rich tables: `course status` and `course record` run many times a day and
their start-up is budgeted (rich tables are slow to import).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from ketplan.core.course import Advice, CourseStatus, Entry, SessionView
from ketplan.core.references import Reference

DISCLAIMER = "Clinical decision support only: not a substitute for clinical judgement or the product label."


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def source_document(reference: Reference) -> dict[str, Any]:
    return {"key": reference.key, "citation": reference.citation, "url": reference.link}


def advice_document(advice: Advice, *, command: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"id": advice.id, "text": advice.text}
    if command:
        out["command"] = advice.command
    out["sources"] = [source_document(s) for s in advice.sources]
    return out


def session_view_document(view: SessionView) -> dict[str, Any]:
    return {
        "n": view.n,
        "session_key": view.session_key,
        "date": view.date.isoformat(),
        "status": view.status,
        "phase": view.phase,
        "dose_mg": view.dose_mg,
        "recorded": list(view.recorded),
        "extra": view.extra,
        "given_on": _iso(view.given_date) if view.status == "given" else None,
        "time": view.given_time,
        "start": view.planned.start.isoformat() if view.planned is not None else None,
    }


def status_document(status: CourseStatus, today: date) -> dict[str, Any]:
    plan = status.plan
    return {
        "label": status.label,
        "protocol": plan.protocol_id,
        "protocol_title": plan.protocol_title,
        "timezone": plan.timezone,
        "today": today.isoformat(),
        "sessions": [session_view_document(v) for v in status.sessions],
        "given": status.given,
        "missed": status.missed,
        "remaining": status.remaining,
        "unrecorded": status.unrecorded,
        "next_due": _iso(status.next_due),
        "cumulative_dose_mg": status.cumulative_dose_mg,
        "alerts": [advice_document(a, command=False) for a in status.alerts],
        "suggestions": [advice_document(s, command=True) for s in status.suggestions],
        **_issue14_document(status),
        "disclaimer": DISCLAIMER,
    }


def _issue14_document(status: CourseStatus) -> dict[str, Any]:
    """`outcomes`, `measures` and `benefit` (issue 14; export/outcomes_out.py)."""
    from ketplan.export.outcomes_out import benefit_document, measure_document, outcome_document

    return {
        "outcomes": [outcome_document(o) for o in status.outcomes],
        "measures": [measure_document(m) for m in status.measures],
        "benefit": benefit_document(status.benefit),
    }


def entry_document(entry: Entry, superseded_by: int | None = None) -> dict[str, Any]:
    return {
        "entry": entry.seq,
        "kind": entry.kind,
        "session": entry.session_n,
        "date": _iso(entry.session_date),
        "recorded_at": entry.recorded_at.isoformat().replace("+00:00", "Z"),
        "by": entry.by,
        "corrects": entry.corrects,
        "superseded_by": superseded_by,
        "payload": entry.payload,
    }


def log_document(label: str, entries: Sequence[Entry]) -> dict[str, Any]:
    superseded = {e.corrects: e.seq for e in entries if e.corrects is not None}
    return {"label": label, "entries": [entry_document(e, superseded.get(e.seq)) for e in entries]}


# --------------------------------------------------------------------------- text


def _dose(mg: float) -> str:
    return f"{mg:g} mg"


def status_text(status: CourseStatus, today: date) -> str:
    plan = status.plan
    lines = [
        f"Course {status.label}: {plan.protocol_title} [{plan.protocol_id}], time zone {plan.timezone}, "
        f"today {today.isoformat()}",
        f"given {status.given}, missed {status.missed}, remaining {status.remaining}"
        + (f", not recorded {status.unrecorded}" if status.unrecorded else "")
        + f"; next due {_iso(status.next_due) or 'none'}; cumulative dose given {status.cumulative_dose_mg:g} mg",
        "",
        f"{'n':>3}  {'date':<10}  {'phase':<12}  {'dose':>7}  {'status':<9}  entries",
    ]
    for v in status.sessions:
        n = v.session_key  # "3", or "x7" for the extra session recorded by entry 7
        status_word = v.status  # an extra session says so in its key (x7) and its phase ("extra")
        if v.status == "planned" and v.date < today:
            status_word = "no record"
        entries = ",".join(map(str, v.recorded))
        extra = ""
        if v.given_date and v.given_date != v.date:
            extra = f" given on {v.given_date.isoformat()}"
        lines.append(
            f"{n:>3}  {v.date.isoformat():<10}  {v.phase:<12}  {_dose(v.dose_mg):>7}  {status_word:<9}  {entries}{extra}".rstrip()
        )
    from ketplan.export.outcomes_out import outcomes_text  # issue 14

    lines += outcomes_text(status)
    if status.alerts:
        lines += ["", "Alerts"]
        for a in status.alerts:
            lines.append(f"- {a.text}")
            lines += [f"    source: {s.citation} {s.link}" for s in a.sources]
    if status.suggestions:
        lines += ["", "The label suggests considering (never applied without the command)"]
        for s in status.suggestions:
            lines.append(f"- {s.text}")
            if s.command:
                lines.append(f"    $ {s.command}")
            lines += [f"    source: {r.citation} {r.link}" for r in s.sources]
    lines += ["", DISCLAIMER]
    return "\n".join(lines) + "\n"


def list_text(rows) -> str:
    if not rows:
        return "No courses in the store (create one with 'ketplan course new LABEL ...').\n"
    head = f"{'label':<12} {'protocol':<26} {'first':<10} {'last':<10} {'given':>5} {'missed':>6} {'left':>4} {'next due':<10}"
    lines = [head]
    for r in rows:
        lines.append(
            f"{r.label:<12} {r.protocol:<26} {_iso(r.first_session) or '-':<10} {_iso(r.last_session) or '-':<10} "
            f"{r.given:>5} {r.missed:>6} {r.remaining:>4} {_iso(r.next_due) or '-':<10}"
            + (f"  ({r.unrecorded} not recorded)" if r.unrecorded else "")
        )
    return "\n".join(lines) + "\n"


def list_document(rows) -> dict[str, Any]:
    return {
        "courses": [
            {
                "label": r.label,
                "protocol": r.protocol,
                "first_session": _iso(r.first_session),
                "last_session": _iso(r.last_session),
                "given": r.given,
                "missed": r.missed,
                "remaining": r.remaining,
                "unrecorded": r.unrecorded,
                "next_due": _iso(r.next_due),
            }
            for r in rows
        ]
    }


def log_text(label: str, entries: Sequence[Entry]) -> str:
    from ketplan.core.course import extra_roots, key_of

    superseded = {e.corrects: e.seq for e in entries if e.corrects is not None}
    roots = extra_roots(entries)
    lines = [f"Record of course {label} (append-only; a correction supersedes, nothing is erased)"]
    for e in entries:
        what = e.kind
        key = key_of(e, roots)
        if e.session_n is not None:
            what += f" session {e.session_n}"
        elif key is not None:
            what += f" extra session {key}"
        elif e.kind == "given":
            what += " extra session"
        if e.session_date is not None:
            what += f" on {e.session_date.isoformat()}"
        details = []
        if "dose_mg" in e.payload:
            details.append(f"{e.payload['dose_mg']:g} mg")
        if "mg_per_kg" in e.payload:
            details.append(f"{e.payload['mg_per_kg']:g} mg/kg")
        if e.payload.get("time"):
            details.append(f"at {e.payload['time']}")
        if e.kind == "replan":
            flags = [k for k in ("step_back", "make_up") if e.payload.get(k)]
            flags += [f"{k} {e.payload[k]}" for k in ("every", "dose", "days") if e.payload.get(k) is not None]
            details.append(f"from {e.payload.get('from')}" + (f" ({', '.join(flags)})" if flags else " (no change)"))
        details += _issue14_details(e)
        if e.payload.get("note"):
            details.append(f"note: {e.payload['note']}")
        line = f"{e.seq:>4}  {e.recorded_at.strftime('%Y-%m-%d %H:%M')}Z  {what}"
        if details:
            line += ": " + "; ".join(details)
        if e.by:
            line += f"  by {e.by}"
        if e.corrects is not None:
            line += f"  (supersedes entry {e.corrects})"
        if e.seq in superseded:
            line += f"  [superseded by entry {superseded[e.seq]}]"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _issue14_details(e: Entry) -> list[str]:
    """Log details of monitoring data, scores, settings and REMS form marks (issue 14)."""
    from ketplan.export.outcomes_out import entry_details

    return entry_details(e)


COURSE_CSV_COLUMNS = (
    "label",
    "protocol",
    "n",
    "date",
    "status",
    "phase",
    "dose_mg",
    "extra",
    "given_on",
    "time",
    "recorded",
)


def course_csv(status: CourseStatus) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COURSE_CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for v in status.sessions:
        writer.writerow(
            {
                "label": status.label,
                "protocol": status.plan.protocol_id,
                "n": "" if v.n is None else v.n,
                "date": v.date.isoformat(),
                "status": v.status,
                "phase": v.phase,
                "dose_mg": f"{v.dose_mg:g}",
                "extra": "yes" if v.extra else "",
                "given_on": _iso(v.given_date) or "",
                "time": v.given_time or "",
                "recorded": " ".join(map(str, v.recorded)),
            }
        )
    return buffer.getvalue()
