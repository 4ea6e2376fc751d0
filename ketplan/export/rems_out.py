"""REMS forms due and the Patient Monitoring Form worksheet as JSON values and plain text (issue 14)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ketplan.core.references import Reference

PREPARED = "ketplan prepares the worksheet; it does not submit the form."


def _source(s: Reference) -> dict[str, Any]:
    return {"key": s.key, "citation": s.citation, "url": s.link}


def due_document(forms: Sequence[Any]) -> dict[str, Any]:
    return {
        "forms": [
            {
                "label": f.label,
                "session": f.n,
                "session_key": f.key,
                "date": f.day.isoformat(),
                "dose_mg": f.dose_mg,
                "due": f.due.isoformat(),
                "days_left": f.days_left,
                "overdue": f.overdue,
                "missing": list(f.missing),
                "form_command": f"ketplan rems form {f.label} --session {f.key}",
            }
            for f in forms
        ],
        "rule": "A Patient Monitoring Form is due within 7 days of each outpatient SPRAVATO session; inpatient "
        "settings submit none. " + PREPARED,
    }


def due_text(forms: Sequence[Any]) -> str:
    if not forms:
        return "No REMS Patient Monitoring Form is waiting (every given outpatient esketamine session is marked submitted).\n"
    lines = [f"{'label':<12} {'n':>3}  {'session':<10}  {'due':<10}  {'days left':<12}  missing in the record"]
    for f in forms:
        left = f"OVERDUE {-f.days_left}d" if f.overdue else f"{f.days_left}"
        lines.append(
            f"{f.label:<12} {f.key:>3}  {f.day.isoformat():<10}  {f.due.isoformat():<10}  {left:<12}  "
            + (", ".join(f.missing) or "-")
        )
    lines += [
        "",
        "Print a worksheet: ketplan rems form LABEL --session N (xE for an extra session); after submitting it in "
        "the REMS: ketplan rems submitted LABEL --session N.",
        "Due within 7 days of the session (SPRAVATO REMS). " + PREPARED,
    ]
    return "\n".join(lines) + "\n"


def form_document(sheet: dict[str, Any]) -> dict[str, Any]:
    return {**sheet, "sources": [_source(s) for s in sheet["sources"]]}


def session_name(sheet: dict[str, Any]) -> str:
    """The worksheet's session: "session 3", or "extra session x7" (its `session` is None)."""
    return f"session {sheet['session']}" if sheet["session"] is not None else f"extra session {sheet['session_key']}"


def form_text(sheet: dict[str, Any]) -> str:
    lines = [
        f"SPRAVATO REMS Patient Monitoring Form: worksheet for course {sheet['label']}, {session_name(sheet)} "
        f"({sheet['date']})",
        f"Due {sheet['due']}"
        + (
            f" (submitted {sheet['submitted_on']})"
            if sheet["submitted_on"]
            else (
                f" ({sheet['days_left']} days left)"
                if sheet["days_left"] >= 0
                else f" (OVERDUE {-sheet['days_left']} days)"
            )
        ),
    ]
    for section in sheet["sections"]:
        lines += ["", section["title"]]
        for f in section["fields"]:
            value = f["value"]
            shown = value if value is not None else "________  (" + f.get("blank", "not in the record") + ")"
            lines.append(f"  {f['name']}: {shown}")
    if sheet["missing"]:
        lines += ["", "Not in the record yet: " + ", ".join(sheet["missing"])]
    lines += ["", sheet["prepared_not_submitted"], "Sources:"]
    lines += [f"  {s.citation} {s.link}" for s in sheet["sources"]]
    return "\n".join(lines) + "\n"
