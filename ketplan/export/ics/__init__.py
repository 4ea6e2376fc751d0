"""iCalendar (RFC 5545) export of a plan: `ketplan plan --format ics`.

The parts: `export` (the VCALENDAR and its events), `vtimezone` (VTIMEZONE from the zone
data), `text` (titles, descriptions, TEXT cleaning), `stamp` (the DTSTAMP policy). Reminder
parsing is input parsing and lives in `ketplan.core.reminders`; it is re-exported here.
"""

from __future__ import annotations

from ketplan.core.reminders import DEFAULT_REMINDERS, MAX_REMINDER_MINUTES, REMIND_ACCEPTED, Reminder, parse_reminders
from ketplan.export.ics.export import CATEGORY_CHECKPOINT, CATEGORY_SESSION, PRODID, plan_to_ics
from ketplan.export.ics.stamp import stamp_from
from ketplan.export.ics.text import EVENING_HOUR
from ketplan.export.ics.vtimezone import vtimezone_lines
from ketplan.export.text import drug_name, session_title


def render_plan(plan, options) -> bytes:
    """The format registry's entry point (ketplan.export.formats)."""
    return plan_to_ics(plan, stamp=options.stamp, reminders=options.reminders)


__all__ = [
    "CATEGORY_CHECKPOINT",
    "CATEGORY_SESSION",
    "DEFAULT_REMINDERS",
    "EVENING_HOUR",
    "MAX_REMINDER_MINUTES",
    "PRODID",
    "REMIND_ACCEPTED",
    "Reminder",
    "drug_name",
    "parse_reminders",
    "plan_to_ics",
    "render_plan",
    "session_title",
    "stamp_from",
    "vtimezone_lines",
]
