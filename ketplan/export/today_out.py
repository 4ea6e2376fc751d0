"""`clinic today` as a JSON document and plain text (issue 14)."""

from __future__ import annotations

from typing import Any


def _sources(sources) -> list[dict[str, Any]]:
    return [{"key": s.key, "citation": s.citation, "url": s.link} for s in sources]


def today_document(today: Any) -> dict[str, Any]:
    return {
        "date": today.day.isoformat() if today.day else None,
        "dates": sorted(d.isoformat() for d in today.days),
        "sessions": [
            {
                "time": s.time,
                "label": s.label,
                "protocol": s.protocol,
                "session": s.n,
                "session_key": s.key,
                "dose_mg": s.dose_mg,
                "devices": s.devices,
                "status": s.status,
                "setting": s.setting,
            }
            for s in today.sessions
        ],
        "rems_forms": [
            {
                "label": f.label,
                "session": f.n,
                "session_key": f.key,
                "date": f.day.isoformat(),
                "due": f.due.isoformat(),
                "days_left": f.days_left,
                "overdue": f.overdue,
            }
            for f in today.forms
        ],
        "measures": [
            {
                "label": label,
                "id": m.id,
                "title": m.title,
                "due": m.due.isoformat(),
                "status": m.status,
                "ketplan_default": m.ketplan_default,
            }
            for label, m in today.measures
        ],
        "screens": [{"label": label, "text": text} for label, text in today.screens],
        "alerts": [
            {"label": label, "id": a.id, "text": a.text, "sources": _sources(a.sources)} for label, a in today.alerts
        ],
        "suggestions": [
            {"label": label, "id": s.id, "text": s.text, "command": s.command, "sources": _sources(s.sources)}
            for label, s in today.suggestions
        ],
    }


def today_text(today: Any) -> str:
    days = sorted(today.days)
    when = today.day.isoformat() if today.day else (", ".join(d.isoformat() for d in days) or "today")
    lines = [f"Clinic day {when}"]
    lines += ["", f"Sessions ({len(today.sessions)})"]
    if not today.sessions:
        lines.append("  none")
    for s in today.sessions:
        dose = f"{s.dose_mg:g} mg" + (f", {s.devices} device{'s' if s.devices != 1 else ''}" if s.devices else "")
        extra = "" if s.status == "planned" else f"  [{s.status}]"
        where = "" if s.setting == "outpatient" else f"  ({s.setting})"
        lines.append(f"  {s.time or '--:--'}  {s.label:<10} {s.protocol:<26} session {s.key:<3} {dose}{where}{extra}")
    lines += ["", f"REMS monitoring forms waiting ({len(today.forms)})"]
    if not today.forms:
        lines.append("  none")
    overdue: dict[str, list[Any]] = {}
    for f in today.forms:
        if f.overdue:
            overdue.setdefault(f.label, []).append(f)
    for label, group in overdue.items():
        numbers = ", ".join(f.key for f in group)
        oldest = max(-f.days_left for f in group)
        lines.append(
            f"  {label:<10} session{'s' if len(group) > 1 else ''} {numbers}: OVERDUE"
            + (f" (the oldest by {oldest} days)" if len(group) > 1 else f" by {oldest} day(s)")
        )
    for f in today.forms:
        if not f.overdue:
            lines.append(
                f"  {f.label:<10} session {f.key} of {f.day.isoformat()}: due {f.due.isoformat()} ({f.days_left} day(s) left)"
            )
    lines += ["", f"Screens and measures due ({len(today.screens) + len(today.measures)})"]
    if not today.screens and not today.measures:
        lines.append("  none")
    for label, text in today.screens:
        lines.append(f"  {label:<10} {text}")
    for label, m in today.measures:
        lines.append(
            f"  {label:<10} {m.title}: {m.status} (due {m.due.isoformat()})"
            + (" (ketplan default)" if m.ketplan_default else "")
        )
    lines += ["", f"Alerts ({len(today.alerts)})"]
    if not today.alerts:
        lines.append("  none")
    unrecorded: dict[str, list[Any]] = {}
    for label, a in today.alerts:
        if a.id == "not-recorded":
            unrecorded.setdefault(label, []).append(a)
    shown: set[str] = set()
    for label, a in today.alerts:
        if a.id == "not-recorded":
            if label in shown:
                continue
            shown.add(label)
            group = unrecorded[label]
            if len(group) > 1:
                lines.append(
                    f"  {label:<10} {len(group)} past sessions have no record (see ketplan course status {label})"
                )
                continue
        lines.append(f"  {label:<10} {a.text}")
        lines += [f"             source: {s.citation} {s.link}".rstrip() for s in a.sources]
    if today.suggestions:
        lines += ["", "The label suggests considering (never applied without the command)"]
        for label, s in today.suggestions:
            lines.append(f"  {label:<10} {s.text}")
            if s.command:
                lines.append(f"             $ {s.command}")
    lines += ["", "Clinical decision support only: not a substitute for clinical judgement or the product label."]
    return "\n".join(lines) + "\n"
