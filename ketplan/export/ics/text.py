"""The human text of calendar events: titles, descriptions, alarm texts, and TEXT cleaning.

Every text here is returned escaped (RFC 5545 3.3.11), ready to follow `PROPERTY:`. A roster
writes thousands of calendars, so what events share is cleaned and escaped once: per protocol
(ProtocolText: instructions, sources, checkpoint texts, titles) or per plan (PlanText: label,
warnings, doses). Each event joins prepared pieces: a description is its lines, each cleaned
and escaped on its own, joined by the escaped line break.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from ketplan import __version__
from ketplan.core.checkpoints import Checkpoint
from ketplan.core.plan import Plan, PlannedSession
from ketplan.core.protocol import Protocol
from ketplan.core.schedule import WEEKDAY_LONG
from ketplan.core.text import FORBIDDEN_IN_MULTILINE
from ketplan.export.text import DISCLAIMER, elapsed, number, session_title

EVENING_HOUR = 18
_BREAK = "\\n"  # a line break inside an escaped TEXT value
# How far from its session's start an event's times reach: the evening before (at most 30 h
# before), the timed instructions (up to 48 h before, the protocol model's bound) and the
# monitoring steps (up to 12 h after); a day more each side also covers a wall time that
# occurs twice, which needs an offset change within hours of it.
_MARGIN = timedelta(days=1)
_EVENING_REACH = timedelta(hours=30)


class SessionTitle(NamedTuple):
    text: str
    escaped: str  # multi-line TEXT (a description, an alarm)
    line: str  # single-line TEXT (a SUMMARY)


class ProtocolText:
    """The escaped words that depend on the protocol alone: the same for every patient of a
    roster on that protocol, so they are prepared once per protocol (`protocol_text`)."""

    def __init__(self, protocol: Protocol) -> None:
        p = self.protocol = protocol
        self.protocol_part = _escaped(f"Protocol: {p.title} [{p.id}]. Evidence: {p.evidence_text}.")
        self.checkpoint_protocol_part = _escaped(f"Protocol: {p.title} [{p.id}].")
        self.calendar_description = _BREAK.join(_escaped(line) for line in _calendar_description_lines(p))
        timed = sorted((i for i in p.instructions if i.before_minutes), key=lambda i: -(i.before_minutes or 0))
        self._timed = [(-(i.before_minutes or 0), _escaped(i.text)) for i in timed]
        self._untimed = [_escaped(f"- {i.text}") for i in p.instructions if not i.before_minutes]
        self._monitoring = [(step.at_minutes, _escaped(step.text)) for step in p.monitoring]
        self.footer = ["", _escaped(f"Planned with ketplan {__version__}. {DISCLAIMER}")]
        reach_before = max([_EVENING_REACH, *(timedelta(minutes=-m) for m, _ in self._timed)])
        self.reach_before = reach_before + _MARGIN
        self.reach_after = timedelta(minutes=max([0, *(m or 0 for m, _ in self._monitoring)]))
        self._care: dict[tuple[int, int], str] = {}
        self._sources: dict[str, list[str]] = {}
        self._checkpoints: dict[tuple, tuple[list[str], list[str]]] = {}
        self._titles: dict[str, SessionTitle] = {}
        self._session_titles: dict[tuple, SessionTitle] = {}

    def care(self, start: datetime, steady: bool) -> str:
        """The patient's preparation and the monitoring steps with their local times: the same
        for every steady session starting at the same minute of the day."""
        key = (start.hour, start.minute)
        care = self._care.get(key) if steady else None
        if care is not None:
            return care
        at = _minute_clock(start) if steady else _zone_clock(start)
        parts = []
        if self.protocol.instructions:
            parts += ["", "BEFORE THE SESSION (patient)"]
            parts += [f"- {at(minutes)} {text}" for minutes, text in self._timed]
            parts += self._untimed
        if self._monitoring:
            parts += ["", "MONITORING"]
            for minutes, text in self._monitoring:
                when = f"{at(minutes)} " if minutes is not None else ""
                offset = f"(+{minutes} min) " if minutes else ""
                parts.append(f"- {when}{offset}{text}")
        care = _BREAK.join(parts)
        if steady:
            self._care[key] = care  # at most one per minute of the day
        return care

    def session_sources(self, phase: str) -> list[str]:
        cited = self._sources.get(phase)
        if cited is None:
            p = self.protocol
            items = [p.dose, p.session, *(ph for ph in p.phases if ph.name == phase), *p.instructions]
            lines = _source_lines(p, [*items, *p.monitoring, *p.warnings])
            cited = self._sources[phase] = [_escaped(line) for line in lines]
        return cited

    def session_title(self, plan: Plan, s: PlannedSession) -> SessionTitle:
        """A session's title (drug, dose, phase and place in it: nothing of the patient's)."""
        key = (s.dose_mg, s.devices, s.mg_per_kg, s.phase, s.phase_session, s.phase_sessions)
        title = self._session_titles.get(key)
        if title is None:
            title = self.title(session_title(plan, s))
            if len(self._session_titles) < _MAX_REMEMBERED:
                self._session_titles[key] = title
        return title

    def title(self, text: str) -> SessionTitle:
        title = self._titles.get(text)
        if title is None:
            title = SessionTitle(text, _escaped(text), _escape(_line(text)))
            if len(self._titles) < _MAX_REMEMBERED:
                self._titles[text] = title
        return title

    def checkpoint_pieces(self, c: Checkpoint) -> tuple[list[str], list[str]]:
        """The escaped lines before a checkpoint's session line, and those after its protocol
        line (the plan's label and the protocol line come between)."""
        key = (c.id, c.title, c.detail, c.sources, c.ketplan_default)
        pieces = self._checkpoints.get(key)
        if pieces is not None:
            return pieces
        rule = next((r for r in self.protocol.checkpoints if r.id == c.id), None)
        head = [f"{c.title}." if not c.title.endswith(".") else c.title]
        if c.detail:
            head.append(c.detail)
        tail = []
        if c.ketplan_default and rule is not None and rule.why:
            tail.append(f"ketplan default (not a sourced rule): {rule.why}")
        tail += _source_lines(self.protocol, [rule] if rule is not None else [], extra=c.sources)
        pieces = ([_escaped(line) for line in head], [*(_escaped(line) for line in tail), *self.footer])
        if len(self._checkpoints) < _MAX_REMEMBERED:
            self._checkpoints[key] = pieces
        return pieces


# Bounds the per-protocol memories (titles and checkpoint texts are a few dozen per protocol;
# the bound only keeps a hostile protocol file from growing them without end).
_MAX_REMEMBERED = 4096
_MAX_PROTOCOLS = 32
_PROTOCOL_TEXTS: dict[int, ProtocolText] = {}


def protocol_text(protocol: Protocol) -> ProtocolText:
    """The prepared words of `protocol` (a protocol is loaded once per process, so a roster
    asks for the same object; the entry keeps it alive, so its id is never reused meanwhile)."""
    text = _PROTOCOL_TEXTS.get(id(protocol))
    if text is None or text.protocol is not protocol:
        if len(_PROTOCOL_TEXTS) >= _MAX_PROTOCOLS:
            _PROTOCOL_TEXTS.clear()
        text = _PROTOCOL_TEXTS[id(protocol)] = ProtocolText(protocol)
    return text


class PlanText:
    """The escaped words of one plan's events: its protocol's shared words (ProtocolText) with
    the plan's own (label, warnings, doses, dates). Where the plan's zone keeps one UTC offset
    around a session (all but the few sessions near a clock change), its local times are
    wall-clock arithmetic and its time-dependent lines are shared."""

    def __init__(self, plan: Plan, steady_between: Callable[[datetime, datetime], bool]) -> None:
        """`steady_between(begin, end)`: whether the plan's zone keeps one UTC offset between
        the two instants (ketplan.core.zones.SteadyOffset.between)."""
        self.plan = plan
        self.shared = protocol_text(plan.protocol)
        self.identity = plan.identity
        self._steady_between = steady_between
        self.label = _line(plan.label or "")
        self.total = len(plan.sessions)
        self._label_part = [_escaped(f"Plan: {self.label}.")] if self.label else []
        self._zone_part = _escaped(plan.timezone)
        warnings = ["", "WARNINGS", *(f"- {w}" for w in plan.warnings)] if plan.warnings else []
        self._warnings = _BREAK.join(_escaped(line) for line in warnings)
        self._label_escaped = _escape(self.label)
        self._sessions = {s.n: s for s in plan.sessions}
        self._doses: dict[tuple, str] = {}

    def steady(self, s: PlannedSession) -> bool:
        """One UTC offset from the earliest to the latest time the session's event mentions."""
        shared = self.shared
        return self._steady_between(s.start - shared.reach_before, max(s.end, s.start + shared.reach_after) + _MARGIN)

    def session_title(self, s: PlannedSession) -> SessionTitle:
        return self.shared.session_title(self.plan, s)

    def summary(self, title: SessionTitle) -> str:
        """SUMMARY: one line, prefixed with the plan's label."""
        if not self._label_escaped:
            return title.line
        if title.line:
            return f"{self._label_escaped}: {title.line}"
        return _escape(_line(f"{self.label}: {title.text}"))

    def checkpoint_summary(self, c: Checkpoint) -> str:
        return self.summary(self.shared.title(c.title))

    # Sessions -----------------------------------------------------------------------------

    def session_description(self, s: PlannedSession, steady: bool, title: SessionTitle, start: str) -> str:
        """`start`: the session's local start, HH:MM."""
        shared = self.shared
        parts = [
            f"{title.escaped} (session {s.n} of {self.total} in this plan).",
            *self._label_part,
            shared.protocol_part,
            self._dose_part(s),
            f"Time: {start}–{_hm(s.end)} ({self._zone_part}): administration {s.administration_minutes} min "
            f"+ observation {s.observation_minutes} min.",
        ]
        if s.moved_from is not None:
            because = f" because: {s.reason}" if s.reason else ""
            parts.append(_escaped(f"Moved from {_day(s.moved_from)}{because}."))
        if self._warnings:
            parts.append(self._warnings)
        care = shared.care(s.start, steady)
        if care:
            parts.append(care)
        if s.notes:
            parts += ["", "NOTES", *(_escaped(f"- {n}") for n in s.notes)]
        parts += shared.session_sources(s.phase)
        parts += shared.footer
        return _BREAK.join(parts)

    def _dose_part(self, s: PlannedSession) -> str:
        key = (s.dose_mg, s.devices, s.mg_per_kg, s.drug_volume_ml)
        part = self._doses.get(key)
        if part is None:
            part = self._doses[key] = _escaped(_dose_line(self.plan, s))
        return part

    def alarm_text(self, s: PlannedSession, before: str | None, title: SessionTitle, start: str) -> str:
        """One line: when and what (`before`: how long before, e.g. '1 h'; None: the evening
        before). The preparation is in the event's description, once."""
        what = f"{self._label_escaped}: {title.escaped}" if self._label_escaped else title.escaped
        if before is None:
            return f"Tomorrow {_day(s.date)} at {start}: {what}. Preparation: see the event."
        return f"In {before}\\, at {start}: {what}. Preparation: see the event."

    # Checkpoints --------------------------------------------------------------------------

    def checkpoint_description(self, c: Checkpoint) -> str:
        head, tail = self.shared.checkpoint_pieces(c)
        parts = list(head)
        if c.session_n is not None:
            session = self._sessions.get(c.session_n)
            if session is not None:
                title = self.session_title(session).escaped
                parts.append(f"Session {session.n} on {_day(session.date)} at {_hm(session.start)}: {title}.")
        return _BREAK.join([*parts, *self._label_part, self.shared.checkpoint_protocol_part, *tail])


def evening_trigger(s: PlannedSession, steady: bool) -> timedelta:
    """18:00 local the day before, as exact elapsed time before the start (so it stays 18:00
    on the night of a DST change)."""
    if steady:  # one offset from that evening to the start: wall-clock difference
        evening = datetime.combine(s.date - timedelta(days=1), time(EVENING_HOUR))
        return evening - s.start.replace(tzinfo=None)
    evening_local = datetime.combine(s.date - timedelta(days=1), time(EVENING_HOUR), tzinfo=s.start.tzinfo)
    return evening_local.astimezone(UTC) - s.start.astimezone(UTC)


def _minute_clock(start: datetime):
    """Local HH:MM `minutes` after `start`, where the offset does not change: minute arithmetic."""
    base = start.hour * 60 + start.minute

    def at(minutes: int) -> str:
        hours, rest = divmod((base + minutes) % 1440, 60)
        return f"{hours:02d}:{rest:02d}"

    return at


def _zone_clock(start: datetime):
    """Local HH:MM `minutes` of elapsed time after `start`, through the zone (a clock change)."""

    def at(minutes: int) -> str:
        return _hm((start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(start.tzinfo))

    return at


def _dose_line(plan: Plan, s: PlannedSession) -> str:
    p = plan.protocol
    if s.devices is not None:
        per_device = getattr(p.dose, "mg_per_device", 28)
        devices = f"{s.devices} device" + ("s" if s.devices != 1 else "")
        return f"Dose: {_num(s.dose_mg)} mg {p.route.value} = {devices} of {per_device} mg."
    d = plan.dose
    text = f"Dose: {_num(s.dose_mg)} mg {p.route.value.upper()}"
    if d is not None:
        # This session's own dose and volume (a titration changes them), from the plan's vial.
        per_kg = s.mg_per_kg if s.mg_per_kg is not None else d.mg_per_kg
        volume = s.drug_volume_ml if s.drug_volume_ml is not None else d.drug_volume_ml
        text += f" = {_num(per_kg)} mg/kg × {_num(d.dosing_weight_kg)} kg ({d.dosing_weight_basis} body weight)"
        if volume is not None and d.concentration_mg_per_ml is not None:
            text += f"; draw up {_num(volume)} mL of {_num(d.concentration_mg_per_ml)} mg/mL"
        if d.final_volume_ml is not None:
            text += f", final volume {_num(d.final_volume_ml)} mL"
        if d.infusion_minutes is not None:
            text += f", over {_num(d.infusion_minutes)} min"
        if d.pump_rate_ml_per_h is not None:
            text += f" (pump {_num(d.pump_rate_ml_per_h)} mL/h)"
    elif s.mg_per_kg is not None:
        text += f" = {_num(s.mg_per_kg)} mg/kg"
    return text + "."


def _cited_keys(items: list, extra: tuple[str, ...] = ()) -> set[str]:
    keys: set[str] = set(extra)
    for item in items:
        keys.update(getattr(item, "sources", None) or ())
    return keys


def _source_lines(protocol: Protocol, items: list, extra: tuple[str, ...] = ()) -> list[str]:
    """A short source line: the cited references by key; the full list is in the calendar's
    description (written once per calendar, not once per event)."""
    keys = _cited_keys(items, extra)
    cited = [k for k in protocol.references if k in keys]
    if not cited:
        return []
    return ["", f"Sources: {', '.join(cited)} (full references: calendar description)."]


def _calendar_description_lines(p: Protocol) -> list[str]:
    """The calendar's own description: what it is, the disclaimer, and every reference once."""
    lines = [f"ketplan plan: {p.title} [{p.id}]. Evidence: {p.evidence_text}.", DISCLAIMER]
    if p.references:
        lines += ["", "REFERENCES"]
        lines += [f"- [{k}] {r.citation}" + (f" {r.link}" if r.link else "") for k, r in p.references.items()]
    return lines


def calendar_name(plan: Plan) -> str:
    """X-WR-CALNAME/NAME: one line without ',', ';' or '\\', whose escaping calendar programs
    disagree on (three of nine readers showed the backslash of an escaped comma)."""
    label = _line(plan.label or "")
    name = _line(f"{label} – {plan.protocol.title}" if label else plan.protocol.title)
    return " ".join(_NAME_UNSAFE.sub(" ", name).split())


_NAME_UNSAFE = re.compile(r"[,;\\]")


def _hm(moment: datetime) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def _day(day: date) -> str:
    return f"{WEEKDAY_LONG[day.weekday()][:3]} {day.isoformat()}"


def span(delta: timedelta) -> str:
    return elapsed(max(int(delta.total_seconds() // 60), 1))


def _num(value: float | None) -> str:
    return number(value, missing="")


def _escape(text: str) -> str:
    """RFC 5545 3.3.11 TEXT: backslash, semicolon, comma and newline escaped."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _escaped(value: str) -> str:
    """Multi-line TEXT, cleaned and escaped."""
    return _escape(_text(value))


_LINE_BREAK = re.compile(r"\r\n|[\r\x85\u2028\u2029]")


def _text(value: str) -> str:
    """Multi-line TEXT: every line break (CR LF, CR, NEL, U+2028/2029) becomes \\n, which is
    escaped on output; every other forbidden character (ketplan.core.text: Cc, Cf such as
    bidi overrides, ESC) becomes a space. RFC 5545 TEXT allows no control characters, and
    some readers split lines on the Unicode separators."""
    if value.replace("\n", "").isprintable():  # the common case, in C: nothing to remove
        return value
    return FORBIDDEN_IN_MULTILINE.sub(" ", _LINE_BREAK.sub("\n", value)).replace("\t", " ")


def _line(value: str) -> str:
    """Single-line TEXT (SUMMARY, calendar name): line breaks and control characters become
    spaces, runs of white space one space."""
    return " ".join(_text(value).split())
