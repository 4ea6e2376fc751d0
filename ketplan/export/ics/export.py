"""iCalendar (RFC 5545) export of a plan: `ketplan plan --format ics`.

Pure: the plan, the DTSTAMP and the reminders come in, bytes go out. Nothing here reads a
clock, the environment or a file, and nothing is random, so the same inputs always give the
same bytes (events sorted by date, UIDs derived from the plan's identity).

The content lines are written here directly (RFC 5545 3.1 folding at 75 octets with CRLF,
3.3.11 TEXT escaping), not through icalendar's component objects: building those dominated a
roster to .ics (about 13 ms a patient) and importing icalendar a single plan's start-up.
icalendar stays the test suite's reference reader.

- Every text is first cleaned of forbidden characters (ketplan.core.text), so user text can
  never end its property or start a component in any reader.
- A wall-clock time that occurs twice (the fall-back hour, e.g. 01:30 on the first Sunday of
  November in New York) is written in UTC (`DTSTART:...Z`): readers disagree on which of the
  two a TZID time means, so such an instant would show an hour early or late in some.
- The full references are in the calendar's DESCRIPTION once; each event carries a short
  source line, and alarms one line each.
- X-WR-CALNAME/NAME contain no ',', ';' or '\\' (readers disagree on their escaping there).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ketplan import __version__
from ketplan.core import zones
from ketplan.core.plan import Checkpoint, Plan, PlannedSession
from ketplan.core.reminders import Reminder
from ketplan.export.ics.text import PlanText, _line, _text, calendar_description, calendar_name
from ketplan.export.ics.vtimezone import vtimezone_lines

PRODID = f"-//ketplan//ketplan {__version__}//EN"
CATEGORY_SESSION = "ketplan-session"
CATEGORY_CHECKPOINT = "ketplan-checkpoint"
EVENING_HOUR = 18
# Zones icalendar and calendar programs write as UTC (`Z`, no TZID, no VTIMEZONE).
UTC_KEYS = frozenset(
    {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu", "GMT", "Etc/GMT"}
    | {"Etc/GMT+0", "Etc/GMT-0", "Etc/GMT0", "GMT0", "GMT+0", "GMT-0", "Etc/Greenwich", "Greenwich"}
)


def plan_to_ics(plan: Plan, *, stamp: datetime, reminders: tuple[Reminder, ...]) -> bytes:
    """One VCALENDAR: a VTIMEZONE, one VEVENT per session (with alarms), one all-day VEVENT
    per checkpoint, in date order."""
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        raise ValueError("plan_to_ics: `stamp` must be timezone-aware (use stamp_from)")
    stamp_text = _utc_text(stamp.astimezone(UTC).replace(microsecond=0))
    zone = zones.zone(plan.timezone)
    reminders = tuple(dict.fromkeys(reminders))
    as_utc = zone.key in UTC_KEYS

    name = _escape(calendar_name(plan))
    description = _escape(_text(calendar_description(plan)))
    out = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{_escape(PRODID)}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"NAME:{name}",
        f"X-WR-CALNAME:{name}",
        f"DESCRIPTION:{description}",
        f"X-WR-CALDESC:{description}",
        f"X-WR-TIMEZONE:{_escape(plan.timezone)}",
    ]
    words = PlanText(plan)
    entries: list[tuple[tuple, list[str]]] = []
    for session in plan.sessions:
        key = (session.date, 0, session.n, "")
        entries.append((key, _session_event(words, session, zone, as_utc, stamp_text, reminders)))
    ordinal: dict[str, int] = {}
    for checkpoint in plan.checkpoints:
        ordinal[checkpoint.id] = ordinal.get(checkpoint.id, 0) + 1
        key = (checkpoint.date, 1, checkpoint.session_n or 0, checkpoint.id)
        entries.append((key, _checkpoint_event(words, checkpoint, ordinal[checkpoint.id], stamp_text)))
    entries.sort(key=lambda item: item[0])
    uses_tzid = any(line.startswith(("DTSTART;TZID=", "DTEND;TZID=")) for _, event in entries for line in event)
    if uses_tzid:
        first = min(key[0] for key, _ in entries)
        last = max(key[0] for key, _ in entries)
        out += vtimezone_lines(zone, first.year, last.year)
    for _, event in entries:
        out += event
    out.append("END:VCALENDAR")
    return _folded(out)


def _session_event(
    words: PlanText,
    s: PlannedSession,
    zone: ZoneInfo,
    as_utc: bool,
    stamp: str,
    reminders: tuple[Reminder, ...],
) -> list[str]:
    summary = words.prefixed(words.title(s))
    lines = _event_head(words.plan.identity.session_uid(s.n), stamp, summary, CATEGORY_SESSION)
    lines += [
        _moment("DTSTART", s.start, as_utc),
        _moment("DTEND", s.end, as_utc),
        "TRANSP:OPAQUE",
        f"DESCRIPTION:{_escape(_text(words.session_description(s)))}",
    ]
    alarms: dict[timedelta, Reminder] = {}
    for reminder in reminders:
        alarms.setdefault(_trigger(s, reminder, zone), reminder)
    for trigger in sorted(alarms):
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"TRIGGER:{_duration(trigger)}",
            f"DESCRIPTION:{_escape(_text(words.alarm_text(s, alarms[trigger], trigger)))}",
            "END:VALARM",
        ]
    lines.append("END:VEVENT")
    return lines


def _checkpoint_event(words: PlanText, c: Checkpoint, ordinal: int, stamp: str) -> list[str]:
    # Tied to a session: keyed by that session, so a moved session updates its checkpoint.
    # Otherwise keyed by its ordinal among checkpoints of the same kind.
    key = ("checkpoint", c.id, f"session-{c.session_n}") if c.session_n is not None else ("checkpoint", c.id, ordinal)
    lines = _event_head(words.plan.identity.uid(*key), stamp, words.prefixed(c.title), CATEGORY_CHECKPOINT)
    lines += [
        f"DTSTART;VALUE=DATE:{_date_text(c.date)}",
        f"DTEND;VALUE=DATE:{_date_text(c.date + timedelta(days=1))}",
        "TRANSP:TRANSPARENT",
        f"DESCRIPTION:{_escape(_text(words.checkpoint_description(c)))}",
        "END:VEVENT",
    ]
    return lines


def _event_head(uid: str, stamp: str, summary: str, category: str) -> list[str]:
    return [
        "BEGIN:VEVENT",
        f"SUMMARY:{_escape(_line(summary))}",
        f"UID:{_escape(uid)}",
        f"DTSTAMP:{stamp}",
        "SEQUENCE:0",
        f"CATEGORIES:{_escape(category)}",
        "CLASS:PRIVATE",
        "STATUS:CONFIRMED",
    ]


def _moment(name: str, moment: datetime, as_utc: bool) -> str:
    """DTSTART/DTEND: local time with the zone's TZID, or UTC for a UTC plan and for a wall
    time that occurs twice (the fall-back hour), which readers resolve differently."""
    if as_utc or _ambiguous(moment):
        return f"{name}:{_utc_text(moment.astimezone(UTC))}"
    key = getattr(moment.tzinfo, "key", None) or "UTC"
    return f"{name};TZID={_param(key)}:{_wall(moment)}"


def _ambiguous(moment: datetime) -> bool:
    other = moment.replace(fold=1 - moment.fold)
    return other.utcoffset() != moment.utcoffset()


def _wall(moment: datetime) -> str:
    return (
        f"{moment.year:04d}{moment.month:02d}{moment.day:02d}T{moment.hour:02d}{moment.minute:02d}{moment.second:02d}"
    )


def _utc_text(moment: datetime) -> str:
    return _wall(moment) + "Z"


def _date_text(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _duration(delta: timedelta) -> str:
    """RFC 5545 DURATION, e.g. -PT1H30M, -P1D, -P1DT30M (a TRIGGER before the start)."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{sign}P" + (f"{days}D" if days else "")
    clock = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{secs}S" if secs else "")
    if clock:
        text += "T" + clock
    return text if text not in ("P", "-P") else "-PT1M"


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


def _escape(text: str) -> str:
    """RFC 5545 3.3.11 TEXT: backslash, semicolon, comma and newline escaped."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _param(value: str) -> str:
    """A parameter value, quoted when it holds ':', ';' or ','."""
    return f'"{value}"' if any(c in value for c in ":;,") else value


def _folded(lines: list[str]) -> bytes:
    """The calendar's bytes, CRLF line ends, long lines folded. Encoded once and split, so a
    short line (most of them) costs no Python call of its own: one call a line was a fifth of a
    roster's ics time. Content lines hold no bare CR or LF: every text is cleaned and escaped."""
    encoded = "\r\n".join(lines).encode("utf-8").split(b"\r\n")
    return b"\r\n".join([line if len(line) <= 74 else _fold(line) for line in encoded]) + b"\r\n"


# A folded piece: at most 74 octets, preferably not ending with a backslash or caret (the start of
# an escape, which moves to the next piece) and never before a UTF-8 continuation octet (a
# character is never split). The later alternatives only keep the pieces covering every octet
# whatever the text (74 backslashes in a row): nothing is ever dropped.
_PIECE = re.compile(rb"(?s).{1,74}(?<![\\^])(?![\x80-\xbf])|.{1,74}(?![\x80-\xbf])|.{1,74}")


def _fold(data: bytes) -> bytes:
    """RFC 5545 3.1 folding of one encoded content line: pieces joined by CRLF + space."""
    if len(data) <= 74:
        return data
    return b"\r\n ".join(_PIECE.findall(data))
