"""What `course status` adds from issue 14: monitoring alerts of the last session, PHQ-9 item 9, REMS
forms overdue, outcome scores with response and remission, measures due, and the end-of-induction
benefit statement. Pure; called by core.course.course_status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ketplan.core.course import Advice, CoursePlan, Entry, SessionView
from ketplan.core.monitoring import REMS_FORM, last_session_alerts
from ketplan.core.outcomes import (
    BOXED_WARNING,
    Benefit,
    Measure,
    Outcome,
    benefit_statement,
    item9_alerts,
    item9_text,
    measures,
    outcomes,
    settings_from,
)


@dataclass(eq=False, repr=False)
class RecordAdvice:
    alerts: tuple[Advice, ...]
    outcomes: tuple[Outcome, ...]
    measures: tuple[Measure, ...]
    benefit: Benefit | None


def record_advice(
    label: str, plan: CoursePlan, entries: Sequence[Entry], views: Sequence[SessionView], today: date
) -> RecordAdvice:
    from ketplan.core.rems import forms

    settings = settings_from(entries)
    alerts: list[Advice] = []
    for alert in last_session_alerts(plan, entries, views):
        alerts.append(Advice(alert.id, alert.text, alert.sources))
    for day, answer, _ in item9_alerts(entries):
        alerts.append(Advice("phq9-item9", item9_text(day, answer), (BOXED_WARNING,)))
    overdue = [form for form in forms(label, plan, entries, settings, today) if form.overdue]
    if overdue:
        numbers = ", ".join(form.key for form in overdue)  # "1, 2" or "1, x7" (an extra session)
        alerts.append(
            Advice(
                "rems-form-overdue",
                f"REMS Patient Monitoring Form{'s' if len(overdue) > 1 else ''} of session{'s' if len(overdue) > 1 else ''} "
                f"{numbers} overdue (due within 7 days of the session; the oldest was due {overdue[0].due.isoformat()}) "
                f"and not marked submitted: ketplan rems form {label} --session N, then ketplan rems submitted "
                f"{label} --session N.",
                (REMS_FORM,),
            )
        )
    first = next((v.date for v in views if v.n == 1), plan.sessions[0].date if plan.sessions else None)
    results = outcomes(entries, first, settings)
    due = measures(plan, entries, settings, today)
    # Overdue measures become alerts once the course uses scores; the Measures list shows them either way.
    for measure in due if results else ():
        if measure.status == "overdue":
            alerts.append(
                Advice(
                    "measure-overdue",
                    f"{measure.title} was due {measure.due.isoformat()} and no depression score is recorded within "
                    f"7 days of it (ketplan course score {label} --date D ...)."
                    + (" (interval: ketplan default)" if measure.ketplan_default else ""),
                )
            )
    return RecordAdvice(tuple(alerts), tuple(results), tuple(due), benefit_statement(plan, results, today))
