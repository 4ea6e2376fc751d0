"""CSV for spreadsheets and shell scripts: one row per session, header first.

Every cell is neutralised before it is written (`safe_cell`): a cell that starts with '=',
'+', '-', '@', a tab or a carriage return is what a spreadsheet program runs as a formula
(CSV injection), so it gets a leading apostrophe, which the programs show as text. No cell
ketplan itself writes starts so (dates, numbers, ids); phase names, closure reasons and
labels from protocol files and users could. Forbidden characters (ketplan.core.text) become
spaces.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from ketplan.core.text import FORBIDDEN

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: numbers as they are, text neutralised."""
    if not isinstance(value, str):
        return value
    text = FORBIDDEN.sub(" ", value) if FORBIDDEN.search(value) else value
    return "'" + text if value.startswith(FORMULA_START) else text


def safe_record(values: Iterable[object]) -> list[object]:
    return [safe_cell(v) for v in values]


SESSION_COLUMNS = (
    "n",
    "date",
    "weekday",
    "start",
    "end",
    "phase",
    "phase_session",
    "phase_sessions",
    "dose_mg",
    "devices",
    "mg_per_kg",
    "drug_volume_ml",
    "moved_from",
    "reason",
    "protocol",
    "evidence",
    "label",
)


def session_rows(plan, extra: dict[str, str] | None = None):
    for s in plan.sessions:
        row = {
            "n": s.n,
            "date": s.date.isoformat(),
            "weekday": s.weekday,
            "start": s.start.isoformat(),
            "end": s.end.isoformat(),
            "phase": s.phase,
            "phase_session": s.phase_session,
            "phase_sessions": s.phase_sessions,
            "dose_mg": f"{s.dose_mg:g}",
            "devices": "" if s.devices is None else s.devices,
            "mg_per_kg": "" if s.mg_per_kg is None else f"{s.mg_per_kg:g}",
            "drug_volume_ml": "" if s.drug_volume_ml is None else f"{s.drug_volume_ml:g}",
            "moved_from": s.moved_from.isoformat() if s.moved_from else "",
            "reason": s.reason or "",
            "protocol": plan.protocol.id,
            "evidence": plan.protocol.evidence.value,
            "label": plan.label or "",
        }
        if extra:
            row = {**extra, **row}
        yield {key: safe_cell(value) for key, value in row.items()}


def plan_csv(plan) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SESSION_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(session_rows(plan))
    return buffer.getvalue()


def _text(records) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(safe_record(record) for record in records)
    return buffer.getvalue()


# --------------------------------------------------------------------------- format registry

ROSTER_COLUMNS = ("id", *SESSION_COLUMNS, "warnings")  # warnings: on each patient's first session row


def render_plan(plan, options) -> str:
    return plan_csv(plan)


def roster_header() -> str:
    return _text([ROSTER_COLUMNS])


def render_roster_row(plan, row_id: str, options) -> str:
    """The plan's sessions, each row starting with the roster row's id; the plan's warnings
    (joined with ' | ') in the last column of its first session row."""
    records = []
    for index, row in enumerate(session_rows(plan, extra={"id": row_id})):
        row["warnings"] = " | ".join(plan.warnings) if index == 0 else ""
        records.append([row.get(name, "") for name in ROSTER_COLUMNS])
    return _text(records)
