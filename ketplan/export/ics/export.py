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

from ketplan import __version__
from ketplan.core import zones
from ketplan.core.checkpoints import Checkpoint
from ketplan.core.plan import Plan, PlannedSession
from ketplan.core.reminders import Reminder
from ketplan.core.zones import SteadyOffset
from ketplan.export.ics.text import PlanText, _escape, _hm, calendar_name, evening_trigger, span
from ketplan.export.ics.vtimezone import vtimezone_lines

PRODID = f"-//ketplan//ketplan {__version__}//EN"
CATEGORY_SESSION = "ketplan-session"
CATEGORY_CHECKPOINT = "ketplan-checkpoint"
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
    days = [s.date for s in plan.sessions] + [c.date for c in plan.checkpoints]
    # The years the VTIMEZONE covers, so both ask the zone data the same (cached) question.
    first_year, last_year = (min(days).year, max(days).year) if days else (plan.start.year, plan.start.year)
    # A UTC plan never changes offset (and asks the zone data nothing).
    steady = _always_steady if as_utc else SteadyOffset(zone, first_year - 1, last_year + 1).between
    words = PlanText(plan, steady)

    name = _escape(calendar_name(plan))
    description = words.shared.calendar_description
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
    head = f"DTSTAMP:{stamp_text}\r\nSEQUENCE:0\r\nCATEGORIES:"
    session_head = f"{head}{CATEGORY_SESSION}\r\n{_EVENT_CLASS}"
    checkpoint_head = f"{head}{CATEGORY_CHECKPOINT}\r\n{_EVENT_CLASS}"
    alarms = _Alarms(reminders)
    entries: list[tuple[tuple, list[str]]] = []
    for session in plan.sessions:
        key = (session.date, 0, session.n, "")
        entries.append((key, _session_event(words, session, as_utc, session_head, alarms)))
    ordinal: dict[str, int] = {}
    for checkpoint in plan.checkpoints:
        ordinal[checkpoint.id] = ordinal.get(checkpoint.id, 0) + 1
        key = (checkpoint.date, 1, checkpoint.session_n or 0, checkpoint.id)
        entries.append((key, _checkpoint_event(words, checkpoint, ordinal[checkpoint.id], checkpoint_head)))
    entries.sort(key=lambda item: item[0])
    if not as_utc and any(";TZID=" in event[4] or ";TZID=" in event[5] for _, event in entries):
        first = min(key[0] for key, _ in entries)
        last = max(key[0] for key, _ in entries)
        out += vtimezone_lines(zone, first.year, last.year)
    for _, event in entries:
        out += event
    out.append("END:VCALENDAR")
    return _folded(out)


def _always_steady(_begin: datetime, _end: datetime) -> bool:
    return True


_EVENT_CLASS = "CLASS:PRIVATE\r\nSTATUS:CONFIRMED"


class _Alarms:
    """The VALARMs of a plan's sessions. A reminder some minutes before is the same for every
    session; the evening before depends on the session's time of day only, where the offset
    does not change (PlanText.steady), so its trigger is worked out once per time of day."""

    def __init__(self, reminders: tuple[Reminder, ...]) -> None:
        self.reminders = reminders
        self._fixed = {r: -timedelta(minutes=r.minutes_before or 0) for r in reminders if not r.evening_before}
        self._by_time: dict[time, list[tuple[str, str | None]]] = {}

    def of(self, s: PlannedSession, steady: bool) -> list[tuple[str, str | None]]:
        """(TRIGGER value, how long before for the alarm's text or None for the evening
        before) per distinct trigger, earliest first."""
        key = s.start.time() if steady else None
        if key is not None:
            cached = self._by_time.get(key)
            if cached is not None:
                return cached
        chosen: dict[timedelta, Reminder] = {}
        for reminder in self.reminders:
            trigger = self._fixed.get(reminder)
            if trigger is None:
                trigger = evening_trigger(s, steady)
            if trigger >= timedelta(0):  # cannot happen (18:00 the day before is >= 6 h before); never a zero TRIGGER
                trigger = -timedelta(minutes=1)
            chosen.setdefault(trigger, reminder)
        out = [
            (_duration(trigger), None if chosen[trigger].evening_before else span(-trigger))
            for trigger in sorted(chosen)
        ]
        if key is not None:
            self._by_time[key] = out  # at most one per time of day in the plan
        return out


def _session_event(words: PlanText, s: PlannedSession, as_utc: bool, head: str, alarms: _Alarms) -> list[str]:
    steady = words.steady(s)
    title = words.session_title(s)
    start = _hm(s.start)
    lines = [
        "BEGIN:VEVENT",
        f"SUMMARY:{words.summary(title)}",
        f"UID:{words.identity.session_uid(s.n)}",
        head,
        _moment("DTSTART", s.start, as_utc, steady),
        _moment("DTEND", s.end, as_utc, steady),
        "TRANSP:OPAQUE",
        f"DESCRIPTION:{words.session_description(s, steady, title, start)}",
    ]
    for duration, before in alarms.of(s, steady):
        lines.append(
            f"BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:{duration}\r\n"
            f"DESCRIPTION:{words.alarm_text(s, before, title, start)}\r\nEND:VALARM"
        )
    lines.append("END:VEVENT")
    return lines


def _checkpoint_event(words: PlanText, c: Checkpoint, ordinal: int, head: str) -> list[str]:
    # Tied to a session: keyed by that session, so a moved session updates its checkpoint.
    # Otherwise keyed by its ordinal among checkpoints of the same kind.
    key = ("checkpoint", c.id, f"session-{c.session_n}") if c.session_n is not None else ("checkpoint", c.id, ordinal)
    return [
        "BEGIN:VEVENT",
        f"SUMMARY:{words.checkpoint_summary(c)}",
        f"UID:{words.identity.uid(*key)}",
        head,
        f"DTSTART;VALUE=DATE:{_date_text(c.date)}",
        f"DTEND;VALUE=DATE:{_date_text(c.date + timedelta(days=1))}",
        "TRANSP:TRANSPARENT",
        f"DESCRIPTION:{words.checkpoint_description(c)}",
        "END:VEVENT",
    ]


def _moment(name: str, moment: datetime, as_utc: bool, steady: bool) -> str:
    """DTSTART/DTEND: local time with the zone's TZID, or UTC for a UTC plan and for a wall
    time that occurs twice (the fall-back hour), which readers resolve differently. A steady
    moment (no offset change within a day of it) never occurs twice."""
    if as_utc or (not steady and _ambiguous(moment)):
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
