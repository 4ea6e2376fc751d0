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

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar

from ketplan import __version__
from ketplan.core.errors import InputError
from ketplan.core.plan import Checkpoint, Plan, PlannedSession
from ketplan.core.schedule import WEEKDAY_LONG
from ketplan.export.text import DISCLAIMER, elapsed, number, session_title

PRODID = f"-//ketplan//ketplan {__version__}//EN"
CATEGORY_SESSION = "ketplan-session"
CATEGORY_CHECKPOINT = "ketplan-checkpoint"
EVENING_HOUR = 18
MAX_REMINDER_MINUTES = 7 * 24 * 60
REMIND_ACCEPTED = "use 'default', 'none' or a comma list of 'evening' and times before the session such as 90m, 2h, 1h30m, 1d (up to 7d)"


# --------------------------------------------------------------------------- reminders


@dataclass(frozen=True)
class Reminder:
    """One DISPLAY alarm per session: `minutes_before` the start, or 18:00 local the day before."""

    minutes_before: int | None = None
    evening_before: bool = False

    def __post_init__(self) -> None:
        if self.evening_before == (self.minutes_before is not None):
            raise ValueError("a Reminder is either evening_before or minutes_before")
        if self.minutes_before is not None and not 0 < self.minutes_before <= MAX_REMINDER_MINUTES:
            raise ValueError("minutes_before must be 1 minute to 7 days")


DEFAULT_REMINDERS = (Reminder(evening_before=True), Reminder(minutes_before=60))

_DURATION = re.compile(r"(?:(\d{1,4})d)?(?:(\d{1,4})h)?(?:(\d{1,5})m(?:in)?)?")


def parse_reminders(text: str) -> tuple[Reminder, ...]:
    """`--remind`: 'default' (evening before + 60 min before), 'none', or e.g. 'evening,90m,1d'."""
    if not isinstance(text, str):
        raise InputError(f"--remind: {REMIND_ACCEPTED}", "remind")
    value = text.strip().lower()
    if value == "default":
        return DEFAULT_REMINDERS
    if value == "none":
        return ()
    items = [item.strip() for item in value.split(",")]
    out: list[Reminder] = []
    for item in items:
        if item in ("default", "none"):
            raise InputError(f"--remind '{item}' cannot be combined with other reminders; {REMIND_ACCEPTED}", "remind")
        if item == "evening":
            reminder = Reminder(evening_before=True)
        else:
            match = _DURATION.fullmatch(item)
            if not item or not match or not any(match.groups()):
                shown = item or "(empty)"
                raise InputError(f"--remind {shown!r} is not a reminder; {REMIND_ACCEPTED}", "remind")
            days, hours, minutes = (int(g) if g else 0 for g in match.groups())
            total = days * 1440 + hours * 60 + minutes
            if total <= 0:
                raise InputError(
                    f"--remind {item!r} is zero; a reminder must come at least 1 minute before the session", "remind"
                )
            if total > MAX_REMINDER_MINUTES:
                raise InputError(f"--remind {item!r} is more than 7 days before the session; use 7d or less", "remind")
            reminder = Reminder(minutes_before=total)
        if reminder in out:
            raise InputError(
                f"--remind lists {item!r} twice (or the same time twice); give each reminder once", "remind"
            )
        out.append(reminder)
    return tuple(out)


# --------------------------------------------------------------------------- DTSTAMP


def stamp_from(value: str | None, environ: Mapping[str, str], now: datetime) -> datetime:
    """The DTSTAMP: `--stamp` (ISO 8601 with Z or an offset), else SOURCE_DATE_EPOCH, else `now`.

    Output is an aware UTC datetime without microseconds. `now` must be aware (the caller's
    clock: `datetime.now(timezone.utc)`); the exporter never reads a clock itself.
    """
    if value is not None:
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise InputError(
                f"--stamp {value!r} is not an ISO 8601 date-time; use e.g. 2026-11-01T00:00:00Z", "stamp"
            ) from None
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            raise InputError(
                f"--stamp {value!r} has no time zone; add Z (UTC) or an offset, e.g. 2026-11-01T00:00:00Z", "stamp"
            )
        return _utc(parsed, "--stamp")
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and epoch.strip() != "":
        if not re.fullmatch(r"\d{1,12}", epoch.strip()):
            raise InputError(
                f"SOURCE_DATE_EPOCH {epoch!r} is not a whole number of seconds since 1970-01-01 UTC", "stamp"
            )
        try:
            moment = datetime.fromtimestamp(int(epoch.strip()), tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise InputError(f"SOURCE_DATE_EPOCH {epoch!r} is out of range", "stamp") from None
        return _utc(moment, "SOURCE_DATE_EPOCH")
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("stamp_from: `now` must be timezone-aware, e.g. datetime.now(timezone.utc)")
    return _utc(now, "the current time")


def _utc(moment: datetime, what: str) -> datetime:
    try:
        out = moment.astimezone(UTC).replace(microsecond=0)
    except (OverflowError, ValueError):
        raise InputError(f"{what} is out of range", "stamp") from None
    if out.year < 1970:
        raise InputError(f"{what} is before 1970", "stamp")
    return out


# --------------------------------------------------------------------------- export


def plan_to_ics(plan: Plan, *, stamp: datetime, reminders: tuple[Reminder, ...]) -> bytes:
    """One VCALENDAR: a VTIMEZONE, one VEVENT per session (with alarms), one all-day VEVENT
    per checkpoint, in date order."""
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        raise ValueError("plan_to_ics: `stamp` must be timezone-aware (use stamp_from)")
    stamp = stamp.astimezone(UTC).replace(microsecond=0)
    zone = ZoneInfo(plan.timezone)
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


# --------------------------------------------------------------------------- VTIMEZONE


def vtimezone(zone: ZoneInfo, first: date, last: date) -> icalendar.Timezone:
    """A VTIMEZONE for `zone` valid from January of the year before `first` to the end of the
    year after `last`.

    Written the classic way, one STANDARD and one DAYLIGHT observance with a yearly RRULE
    (e.g. BYMONTH=10;BYDAY=-1SU), whenever the zone follows one fixed rule over that span:
    Outlook reads only DTSTART, RRULE and the offsets of a VTIMEZONE and ignores RDATE
    ([MS-STANOICAL] 2.2.47), so the RDATE lists icalendar generates could put Outlook an
    hour out for part of the year. Zones whose rules change within the span fall back to
    icalendar's own generator (explicit transitions). Onsets are local wall-clock times
    before the change (RFC 5545 3.6.5).
    """
    start = datetime(first.year - 1, 1, 1, tzinfo=UTC)
    end = datetime(last.year + 2, 1, 1, tzinfo=UTC)
    transitions = _transitions(zone, start, end)
    tz = icalendar.Timezone()
    tz.add("tzid", zone.key)
    tz.add("x-lic-location", zone.key)
    if not transitions:
        moment = start.astimezone(zone)
        observance = icalendar.TimezoneStandard()
        observance.add("dtstart", datetime(1970, 1, 1))
        observance.add("tzoffsetfrom", moment.utcoffset())
        observance.add("tzoffsetto", moment.utcoffset())
        observance.add("tzname", moment.tzname() or zone.key)
        tz.add_component(observance)
        return tz
    rules = _yearly_rules(transitions, first.year - 1, last.year + 1)
    if rules is None:
        # No fixed yearly rule (e.g. Africa/Casablanca): the state at the start, then one
        # observance per transition. (icalendar's Timezone.from_tzinfo is not used: in
        # 7.3.2 it drops some transitions, e.g. Casablanca's in 2027.)
        moment = start.astimezone(zone)
        rules = [
            (
                (moment.dst() or timedelta(0)) > timedelta(0),
                moment.replace(tzinfo=None),
                moment.utcoffset(),
                moment.utcoffset(),
                moment.tzname() or zone.key,
                None,
            )
        ]
        for instant, offset_from, offset_to, daylight, name in transitions:
            rules.append((daylight, (instant + offset_from).replace(tzinfo=None), offset_from, offset_to, name, None))
    for daylight, onset, offset_from, offset_to, name, rrule in rules:
        observance = icalendar.TimezoneDaylight() if daylight else icalendar.TimezoneStandard()
        observance.add("dtstart", onset)
        if rrule is not None:
            observance.add("rrule", rrule)
        observance.add("tzoffsetfrom", offset_from)
        observance.add("tzoffsetto", offset_to)
        observance.add("tzname", name)
        tz.add_component(observance)
    return tz


def _transitions(
    zone: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, timedelta, timedelta, bool, str]]:
    """Every UTC-offset change in [start, end): (UTC instant, offset before, offset after,
    clocks go forward, name after)."""

    def offset(second: int) -> timedelta | None:
        return datetime.fromtimestamp(second, tz=UTC).astimezone(zone).utcoffset()

    out = []
    step = 24 * 3600  # transitions are months apart; two within one day would cancel out unseen
    here, stop = int(start.timestamp()), int(end.timestamp())
    before = offset(here)
    while here < stop:
        there = here + step
        if offset(there) != before:
            lo, hi = here, there  # offset(lo) == before != offset(hi); transitions fall on whole seconds
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if offset(mid) == before:
                    lo = mid
                else:
                    hi = mid
            instant = datetime.fromtimestamp(hi, tz=UTC)
            local = instant.astimezone(zone)
            # DAYLIGHT = the clocks go forward. (tzdata calls Irish winter time "DST" with a
            # negative offset; calendar programs expect DAYLIGHT to be the larger offset.)
            after = local.utcoffset()
            out.append(
                (
                    instant,
                    before,
                    after,
                    bool(after is not None and before is not None and after > before),
                    local.tzname() or zone.key,
                )
            )
            before = local.utcoffset()
            here = hi
            continue
        here = there
    return out


def _yearly_rules(transitions, first_year: int, last_year: int):
    """One yearly RRULE per kind of transition, or None when the zone does not follow one
    fixed rule in every year from first_year to last_year."""
    groups: dict[tuple, list[datetime]] = {}
    for instant, offset_from, offset_to, daylight, name in transitions:
        onset = (instant + offset_from).replace(tzinfo=None)
        groups.setdefault((daylight, offset_from, offset_to, name), []).append(onset)
    if len(groups) != 2 or {key[0] for key in groups} != {True, False}:
        return None
    rules = []
    for (daylight, offset_from, offset_to, name), onsets in sorted(groups.items(), key=lambda item: item[1][0]):
        if [o.year for o in onsets] != list(range(first_year, last_year + 1)):
            return None
        if len({(o.month, o.time(), o.weekday()) for o in onsets}) != 1:
            return None
        day = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][onsets[0].weekday()]
        if all(o.day + 7 > _days_in_month(o) for o in onsets):
            byday = f"-1{day}"
        elif len({(o.day - 1) // 7 for o in onsets}) == 1 and onsets[0].day <= 28:
            byday = f"{(onsets[0].day - 1) // 7 + 1}{day}"
        else:
            return None
        rrule = {"freq": "yearly", "bymonth": onsets[0].month, "byday": byday}
        rules.append((daylight, onsets[0], offset_from, offset_to, name, rrule))
    return rules


def _days_in_month(moment: datetime) -> int:
    following = date(moment.year + (moment.month == 12), moment.month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


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


# --------------------------------------------------------------------------- text


def session_description(plan: Plan, s: PlannedSession) -> str:
    p = plan.protocol
    zone_note = plan.timezone
    lines = [f"{session_title(plan, s)} (session {s.n} of {len(plan.sessions)} in this plan)."]
    if _label(plan):
        lines.append(f"Plan: {_label(plan)}.")
    lines.append(f"Protocol: {p.title} [{p.id}]. Evidence: {p.evidence_text}.")
    lines.append(_dose_line(plan, s))
    lines.append(
        f"Time: {_hm(s.start)}–{_hm(s.end)} ({zone_note}): administration {s.administration_minutes} min "
        f"+ observation {s.observation_minutes} min."
    )
    if s.moved_from is not None:
        because = f" because: {s.reason}" if s.reason else ""
        lines.append(f"Moved from {_day(s.moved_from)}{because}.")
    if plan.warnings:
        lines += ["", "WARNINGS", *(f"- {w}" for w in plan.warnings)]
    if p.instructions:
        lines += ["", "BEFORE THE SESSION (patient)", *_instruction_lines(plan, s)]
    if p.monitoring:
        lines += ["", "MONITORING"]
        for step in p.monitoring:
            when = f"{_hm(_shift(s.start, step.at_minutes))} " if step.at_minutes is not None else ""
            offset = f"(+{step.at_minutes} min) " if step.at_minutes else ""
            lines.append(f"- {when}{offset}{step.text}")
    if s.notes:
        lines += ["", "NOTES", *(f"- {n}" for n in s.notes)]
    cited = [
        p.dose,
        p.session,
        *(ph for ph in p.phases if ph.name == s.phase),
        *p.instructions,
        *p.monitoring,
        *p.warnings,
    ]
    lines += _reference_lines(plan, cited)
    lines += ["", f"Planned with ketplan {__version__}. {DISCLAIMER}"]
    return "\n".join(lines)


def checkpoint_description(plan: Plan, c: Checkpoint) -> str:
    p = plan.protocol
    rule = next((r for r in p.checkpoints if r.id == c.id), None)
    lines = [f"{c.title}." if not c.title.endswith(".") else c.title]
    if c.detail:
        lines.append(c.detail)
    if c.session_n is not None:
        session = next((s for s in plan.sessions if s.n == c.session_n), None)
        if session is not None:
            lines.append(
                f"Session {session.n} on {_day(session.date)} at {_hm(session.start)}: {session_title(plan, session)}."
            )
    if _label(plan):
        lines.append(f"Plan: {_label(plan)}.")
    lines.append(f"Protocol: {p.title} [{p.id}].")
    if c.ketplan_default and rule is not None and rule.why:
        lines.append(f"ketplan default (not a sourced rule): {rule.why}")
    cited = [rule] if rule is not None else []
    lines += _reference_lines(plan, cited, extra=c.sources)
    lines += ["", f"Planned with ketplan {__version__}. {DISCLAIMER}"]
    return "\n".join(lines)


def _dose_line(plan: Plan, s: PlannedSession) -> str:
    p = plan.protocol
    if s.devices is not None:
        per_device = getattr(p.dose, "mg_per_device", 28)
        devices = f"{s.devices} device" + ("s" if s.devices != 1 else "")
        return f"Dose: {_number(s.dose_mg)} mg {p.route.value} = {devices} of {per_device} mg."
    d = plan.dose
    text = f"Dose: {_number(s.dose_mg)} mg {p.route.value.upper()}"
    if d is not None:
        # This session's own dose and volume (a titration changes them), from the plan's vial.
        per_kg = s.mg_per_kg if s.mg_per_kg is not None else d.mg_per_kg
        volume = s.drug_volume_ml if s.drug_volume_ml is not None else d.drug_volume_ml
        text += f" = {_number(per_kg)} mg/kg × {_number(d.dosing_weight_kg)} kg ({d.dosing_weight_basis} body weight)"
        if volume is not None and d.concentration_mg_per_ml is not None:
            text += f"; draw up {_number(volume)} mL of {_number(d.concentration_mg_per_ml)} mg/mL"
        if d.final_volume_ml is not None:
            text += f", final volume {_number(d.final_volume_ml)} mL"
        if d.infusion_minutes is not None:
            text += f", over {_number(d.infusion_minutes)} min"
        if d.pump_rate_ml_per_h is not None:
            text += f" (pump {_number(d.pump_rate_ml_per_h)} mL/h)"
    elif s.mg_per_kg is not None:
        text += f" = {_number(s.mg_per_kg)} mg/kg"
    return text + "."


def _instruction_lines(plan: Plan, s: PlannedSession) -> list[str]:
    """Timed instructions first, earliest first ('07:00 No food ...'), then the others in file order."""
    items = list(plan.protocol.instructions)
    timed = sorted((i for i in items if i.before_minutes), key=lambda i: -(i.before_minutes or 0))
    out = [f"- {_hm(_shift(s.start, -(i.before_minutes or 0)))} {i.text}" for i in timed]
    out += [f"- {i.text}" for i in items if not i.before_minutes]
    return out


def _alarm_text(plan: Plan, s: PlannedSession, reminder: Reminder, trigger: timedelta) -> str:
    title = _prefixed(plan, session_title(plan, s))
    if reminder.evening_before:
        head = f"Tomorrow {_day(s.date)} at {_hm(s.start)}: {title}."
    else:
        head = f"In {elapsed(max(int(-trigger.total_seconds() // 60), 1))}, at {_hm(s.start)}: {title}."
    lines = [head]
    if plan.protocol.instructions:
        lines += ["Prepare:", *_instruction_lines(plan, s)]
    return "\n".join(lines)


def _reference_lines(plan: Plan, items: list, extra: tuple[str, ...] = ()) -> list[str]:
    keys: set[str] = set(extra)
    for item in items:
        keys.update(getattr(item, "sources", None) or ())
    refs = [(k, r) for k, r in plan.protocol.references.items() if k in keys]
    if not refs:
        return []
    return ["", "REFERENCES", *(f"- {r.citation}" + (f" {r.link}" if r.link else "") for _, r in refs)]


def _label(plan: Plan) -> str:
    return _line(plan.label or "")


def _prefixed(plan: Plan, text: str) -> str:
    return f"{_label(plan)}: {text}" if _label(plan) else text


def _shift(start: datetime, minutes: int) -> datetime:
    return (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(start.tzinfo)


def _hm(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def _day(day: date) -> str:
    return f"{WEEKDAY_LONG[day.weekday()][:3]} {day.isoformat()}"


_LINE_BREAK = re.compile(r"\r\n|[\r\x85\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def _text(value: str) -> str:
    """Multi-line TEXT: every line break (CR LF, CR, NEL, U+2028/2029) becomes \\n, which
    icalendar escapes; every other control character becomes a space. RFC 5545 TEXT allows
    no control characters, and some readers split lines on the Unicode separators."""
    return _CONTROL.sub(" ", _LINE_BREAK.sub("\n", value))


def _line(value: str) -> str:
    """Single-line TEXT (SUMMARY, calendar name): line breaks and control characters become
    spaces, runs of white space one space."""
    return " ".join(_text(value).split())


def _number(value: float | None) -> str:
    return number(value, missing="")


# --------------------------------------------------------------------------- format registry


def render_plan(plan: Plan, options) -> bytes:
    return plan_to_ics(plan, stamp=options.stamp, reminders=options.reminders)
