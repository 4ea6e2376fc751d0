"""iCalendar (RFC 5545) export of a plan: `ketplan plan --format ics`.

Pure: the plan, the DTSTAMP and the reminders come in, bytes go out. Nothing here reads a
clock, the environment or a file, and nothing is random, so the same inputs always give the
same bytes (events sorted by date, UIDs derived from the plan).

Built on `icalendar` (>= 7.3): it writes DTSTAMP, TZID-qualified times, folding at 75
octets with CRLF and RFC 5545 text escaping. Three gaps in it are closed here:
X-WR-CALNAME/NAME are written as escaped TEXT (icalendar leaves unknown properties and its
own `calendar_name` unescaped); the VTIMEZONE is generated here with yearly RRULEs, which
Outlook needs (icalendar's RDATE lists are ignored by Outlook, and its from_tzinfo drops
some transitions); and every text is first stripped of control and line-separator
characters, so user text (label, closure reasons) can never end its property or start a
component in any reader.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar

from ketplan import __version__
from ketplan.core import zones
from ketplan.core.plan import Checkpoint, Plan, PlannedSession
from ketplan.core.reminders import Reminder
from ketplan.export.ics.text import (
    _alarm_text,
    _label,
    _line,
    _prefixed,
    _text,
    checkpoint_description,
    session_description,
    session_title,
)
from ketplan.export.ics.vtimezone import vtimezone
from ketplan.export.jsonout import DISCLAIMER

PRODID = f"-//ketplan//ketplan {__version__}//EN"
CATEGORY_SESSION = "ketplan-session"
CATEGORY_CHECKPOINT = "ketplan-checkpoint"
EVENING_HOUR = 18


def plan_to_ics(plan: Plan, *, stamp: datetime, reminders: tuple[Reminder, ...]) -> bytes:
    """One VCALENDAR: a VTIMEZONE, one VEVENT per session (with alarms), one all-day VEVENT
    per checkpoint, in date order."""
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        raise ValueError("plan_to_ics: `stamp` must be timezone-aware (use stamp_from)")
    stamp = stamp.astimezone(UTC).replace(microsecond=0)
    zone = zones.zone(plan.timezone)
    reminders = tuple(dict.fromkeys(reminders))

    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    label = _label(plan)
    name = _line(f"{label} – {plan.protocol.title}" if label else plan.protocol.title)
    cal.add("name", icalendar.vText(name))
    cal.add("x-wr-calname", icalendar.vText(name))
    cal.add("x-wr-caldesc", icalendar.vText(_text(f"ketplan plan: {plan.protocol.title}. {DISCLAIMER}")))
    cal.add("x-wr-timezone", icalendar.vText(plan.timezone))

    entries: list[tuple[tuple, icalendar.Event]] = []
    for session in plan.sessions:
        entries.append(((session.date, 0, session.n, ""), _session_event(plan, session, zone, stamp, reminders)))
    ordinal: dict[str, int] = {}
    for checkpoint in plan.checkpoints:
        ordinal[checkpoint.id] = ordinal.get(checkpoint.id, 0) + 1
        key = (checkpoint.date, 1, checkpoint.session_n or 0, checkpoint.id)
        entries.append((key, _checkpoint_event(plan, checkpoint, ordinal[checkpoint.id], stamp)))
    entries.sort(key=lambda item: item[0])
    for _, event in entries:
        cal.add_component(event)

    # icalendar writes times in UTC-like zones (UTC, Etc/UTC, GMT, ...) with a Z and no TZID.
    if zone.key in cal.get_used_tzids():
        first = min(key[0] for key, _ in entries)
        last = max(key[0] for key, _ in entries)
        cal.subcomponents.insert(0, vtimezone(zone, first, last))
    return _to_ical(cal)


def _to_ical(cal: icalendar.Calendar) -> bytes:
    """`cal.to_ical()`, byte for byte, with faster line folding: icalendar 7.3 folds every
    content line one character at a time, most of the export time of a long plan."""
    return b"\r\n".join(_fold(line) for line in cal.content_lines() if line) + b"\r\n"


def _fold(line: str) -> bytes:
    """RFC 5545 folding exactly as icalendar's `_foldline` does it: pieces of at most 74
    octets joined by CRLF + space, never splitting a UTF-8 character, and a piece never ends
    with a backslash or caret (the start of an escape), which moves to the next piece."""
    data = line.encode("utf-8")
    pieces = []
    start = 0
    while len(data) - start > 74:
        end = start + 74
        while data[end] & 0xC0 == 0x80:  # inside a UTF-8 character: fold before it
            end -= 1
        if data[end - 1] in b"\\^":
            end -= 1
        pieces.append(data[start:end])
        start = end
    pieces.append(data[start:])
    return b"\r\n ".join(pieces)


def _new_event(uid: str, stamp: datetime, summary: str, category: str) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("sequence", 0)
    event.add("summary", _line(summary))
    event.add("categories", [category])
    event.add("class", "PRIVATE")
    event.add("status", "CONFIRMED")
    return event


def _session_event(
    plan: Plan, s: PlannedSession, zone: ZoneInfo, stamp: datetime, reminders: tuple[Reminder, ...]
) -> icalendar.Event:
    summary = _prefixed(plan, session_title(plan, s))
    event = _new_event(plan.identity.session_uid(s.n), stamp, summary, CATEGORY_SESSION)
    event.add("dtstart", s.start)
    event.add("dtend", s.end)
    event.add("transp", "OPAQUE")
    event.add("description", _text(session_description(plan, s)))
    alarms: dict[timedelta, Reminder] = {}
    for reminder in reminders:
        alarms.setdefault(_trigger(s, reminder, zone), reminder)
    for trigger in sorted(alarms):
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", trigger)
        alarm.add("description", _text(_alarm_text(plan, s, alarms[trigger], trigger)))
        event.add_component(alarm)
    return event


def _checkpoint_event(plan: Plan, c: Checkpoint, ordinal: int, stamp: datetime) -> icalendar.Event:
    # Tied to a session: keyed by that session, so a moved session updates its checkpoint.
    # Otherwise keyed by its ordinal among checkpoints of the same kind.
    key = ("checkpoint", c.id, f"session-{c.session_n}") if c.session_n is not None else ("checkpoint", c.id, ordinal)
    event = _new_event(plan.identity.uid(*key), stamp, _prefixed(plan, c.title), CATEGORY_CHECKPOINT)
    event.add("dtstart", c.date)
    event.add("dtend", c.date + timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    event.add("description", _text(checkpoint_description(plan, c)))
    return event


def _trigger(s: PlannedSession, reminder: Reminder, zone: ZoneInfo) -> timedelta:
    """A negative duration before DTSTART. Evening = 18:00 local the day before, as exact
    elapsed time (so it stays 18:00 on the night of a DST change)."""
    if reminder.evening_before:
        evening = datetime.combine(s.date - timedelta(days=1), time(EVENING_HOUR), tzinfo=zone)
        delta = evening.astimezone(UTC) - s.start.astimezone(UTC)
    else:
        delta = -timedelta(minutes=reminder.minutes_before or 0)
    if delta >= timedelta(0):  # cannot happen (18:00 the day before is >= 6 h before); never emit a zero TRIGGER
        delta = -timedelta(minutes=1)
    return delta
