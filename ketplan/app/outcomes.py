"""`course score`: outcome scores entered with a course (issue 14). One transaction; nothing written on refusal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ketplan.app.course import _load, parse_iso_date, today_in
from ketplan.core.course import NewEntry, check_by, check_note, course_status
from ketplan.core.errors import InputError, ref
from ketplan.core.outcomes import SCORE, ScoreText, check_scores
from ketplan.io.store.base import Store


@dataclass(eq=False, repr=False)
class ScoreResult:
    label: str
    entries: list[Any]
    status: Any
    alerts: list[Any]  # item 9 alerts raised by these scores


def score(
    store: Store,
    label: str,
    text: ScoreText,
    *,
    on: str | None,
    by: str | None,
    note: str | None,
    corrects: int | None,
    moment: datetime,
) -> ScoreResult:
    from ketplan.core.outcomes import item9_text

    if on is None:
        raise InputError(f"give {ref('date')} YYYY-MM-DD: the day the score was taken", "date")
    day = parse_iso_date(on, "date")
    scores = check_scores(text)
    cleaned_note = check_note(note)
    if corrects is not None and len(scores) != 1:
        raise InputError(f"{ref('corrects')} replaces one score: give one scale with it", "corrects")
    with store.transaction(write=True):
        loaded = _load(store, label)
        today = today_in(loaded.plan.timezone, moment)
        if day > today:
            raise InputError(
                f"{ref('date')} {day.isoformat()} is after today ({today.isoformat()}): a score in the future cannot be "
                "entered",
                "date",
            )
        if corrects is not None:
            target = next((e for e in loaded.entries if e.seq == corrects), None)
            if target is None or target.kind != SCORE:
                raise InputError(
                    f"{ref('corrects')} {corrects}: not a score entry (see ketplan course log)", "corrects"
                )
            if any(e.corrects == corrects for e in loaded.entries):
                raise InputError(f"{ref('corrects')} {corrects}: that entry is already superseded", "corrects")
            if target.payload.get("scale") != scores[0]["scale"]:
                raise InputError(
                    f"{ref('corrects')} {corrects}: entry {corrects} is a {target.payload.get('scale')} score, not "
                    f"{scores[0]['scale']}",
                    "corrects",
                )
        added = []
        entries = list(loaded.entries)
        for payload in scores:
            if cleaned_note is not None:
                payload = {**payload, "note": cleaned_note}
            entry = store.append_entry(
                loaded.course.id,
                NewEntry(SCORE, payload, session_date=day, by=check_by(by), corrects=corrects),
                moment,
            )
            entries.append(entry)
            added.append(entry)
        status = course_status(loaded.course.label, loaded.plan, entries, today)
    alerts = []
    for entry in added:
        items = entry.payload.get("items")
        if entry.payload["scale"] == "phq9" and items and items[8] > 0:
            alerts.append(item9_text(day, items[8]))
    return ScoreResult(loaded.course.label, added, status, alerts)
