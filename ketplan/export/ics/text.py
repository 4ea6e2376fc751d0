"""The human text of calendar events: titles, descriptions, alarm texts, and TEXT cleaning."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from ketplan import __version__
from ketplan.core.plan import Checkpoint, Plan, PlannedSession
from ketplan.core.reminders import Reminder
from ketplan.core.schedule import WEEKDAY_LONG
from ketplan.core.text import FORBIDDEN_IN_MULTILINE
from ketplan.export.text import DISCLAIMER, elapsed, number, session_title


class PlanText:
    """The words of one plan's events. What every event of the plan shares (the label, the
    protocol line, warnings, instructions, the footer, each phase's source line) is worked out
    once here, not once per event: a roster writes thousands of calendars."""

    def __init__(self, plan: Plan) -> None:
        p = plan.protocol
        self.plan = plan
        self.label = _line(plan.label or "")
        self.total = len(plan.sessions)
        self.protocol_line = f"Protocol: {p.title} [{p.id}]. Evidence: {p.evidence_text}."
        self.warning_lines = ["", "WARNINGS", *(f"- {w}" for w in plan.warnings)] if plan.warnings else []
        timed = sorted((i for i in p.instructions if i.before_minutes), key=lambda i: -(i.before_minutes or 0))
        self.timed_instructions = [(-(i.before_minutes or 0), i.text) for i in timed]
        self.untimed_instructions = [f"- {i.text}" for i in p.instructions if not i.before_minutes]
        self.footer = ["", f"Planned with ketplan {__version__}. {DISCLAIMER}"]
        self._sources: dict[str, list[str]] = {}
        self._titles: dict[int, str] = {}

    def prefixed(self, text: str) -> str:
        return f"{self.label}: {text}" if self.label else text

    def title(self, s: PlannedSession) -> str:
        title = self._titles.get(s.n)
        if title is None:
            title = self._titles[s.n] = session_title(self.plan, s)
        return title

    def session_description(self, s: PlannedSession) -> str:
        p = self.plan.protocol
        lines = [f"{self.title(s)} (session {s.n} of {self.total} in this plan)."]
        if self.label:
            lines.append(f"Plan: {self.label}.")
        lines.append(self.protocol_line)
        lines.append(_dose_line(self.plan, s))
        lines.append(
            f"Time: {_hm(s.start)}–{_hm(s.end)} ({self.plan.timezone}): administration {s.administration_minutes} min "
            f"+ observation {s.observation_minutes} min."
        )
        if s.moved_from is not None:
            because = f" because: {s.reason}" if s.reason else ""
            lines.append(f"Moved from {_day(s.moved_from)}{because}.")
        lines += self.warning_lines
        if p.instructions:
            lines += ["", "BEFORE THE SESSION (patient)"]
            lines += [f"- {_hm(_shift(s.start, minutes))} {text}" for minutes, text in self.timed_instructions]
            lines += self.untimed_instructions
        if p.monitoring:
            lines += ["", "MONITORING"]
            for step in p.monitoring:
                when = f"{_hm(_shift(s.start, step.at_minutes))} " if step.at_minutes is not None else ""
                offset = f"(+{step.at_minutes} min) " if step.at_minutes else ""
                lines.append(f"- {when}{offset}{step.text}")
        if s.notes:
            lines += ["", "NOTES", *(f"- {n}" for n in s.notes)]
        lines += self._session_sources(s.phase)
        lines += self.footer
        return "\n".join(lines)

    def _session_sources(self, phase: str) -> list[str]:
        cited = self._sources.get(phase)
        if cited is None:
            p = self.plan.protocol
            items = [p.dose, p.session, *(ph for ph in p.phases if ph.name == phase), *p.instructions]
            cited = self._sources[phase] = _source_lines(self.plan, [*items, *p.monitoring, *p.warnings])
        return cited

    def checkpoint_description(self, c: Checkpoint) -> str:
        plan, p = self.plan, self.plan.protocol
        rule = next((r for r in p.checkpoints if r.id == c.id), None)
        lines = [f"{c.title}." if not c.title.endswith(".") else c.title]
        if c.detail:
            lines.append(c.detail)
        if c.session_n is not None:
            session = next((s for s in plan.sessions if s.n == c.session_n), None)
            if session is not None:
                lines.append(
                    f"Session {session.n} on {_day(session.date)} at {_hm(session.start)}: {self.title(session)}."
                )
        if self.label:
            lines.append(f"Plan: {self.label}.")
        lines.append(f"Protocol: {p.title} [{p.id}].")
        if c.ketplan_default and rule is not None and rule.why:
            lines.append(f"ketplan default (not a sourced rule): {rule.why}")
        lines += _source_lines(plan, [rule] if rule is not None else [], extra=c.sources)
        lines += self.footer
        return "\n".join(lines)

    def alarm_text(self, s: PlannedSession, reminder: Reminder, trigger: timedelta) -> str:
        """One line: when and what. The preparation is in the event's description, once."""
        title = self.prefixed(self.title(s))
        if reminder.evening_before:
            return f"Tomorrow {_day(s.date)} at {_hm(s.start)}: {title}. Preparation: see the event."
        return f"In {_span(-trigger)}, at {_hm(s.start)}: {title}. Preparation: see the event."


def session_description(plan: Plan, s: PlannedSession) -> str:
    return PlanText(plan).session_description(s)


def checkpoint_description(plan: Plan, c: Checkpoint) -> str:
    return PlanText(plan).checkpoint_description(c)


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


def _source_lines(plan: Plan, items: list, extra: tuple[str, ...] = ()) -> list[str]:
    """A short source line: the cited references by key; the full list is in the calendar's
    description (written once per calendar, not once per event)."""
    keys = _cited_keys(items, extra)
    cited = [k for k in plan.protocol.references if k in keys]
    if not cited:
        return []
    return ["", f"Sources: {', '.join(cited)} (full references: calendar description)."]


def calendar_description(plan: Plan) -> str:
    """The calendar's own description: what it is, the disclaimer, and every reference once."""
    p = plan.protocol
    lines = [f"ketplan plan: {p.title} [{p.id}]. Evidence: {p.evidence_text}.", DISCLAIMER]
    if p.references:
        lines += ["", "REFERENCES"]
        lines += [f"- [{k}] {r.citation}" + (f" {r.link}" if r.link else "") for k, r in p.references.items()]
    return "\n".join(lines)


def calendar_name(plan: Plan) -> str:
    """X-WR-CALNAME/NAME: one line without ',', ';' or '\\', whose escaping calendar programs
    disagree on (three of nine readers showed the backslash of an escaped comma)."""
    label = _label(plan)
    name = _line(f"{label} – {plan.protocol.title}" if label else plan.protocol.title)
    return " ".join(_NAME_UNSAFE.sub(" ", name).split())


_NAME_UNSAFE = re.compile(r"[,;\\]")


def _label(plan: Plan) -> str:
    return _line(plan.label or "")


def _shift(start: datetime, minutes: int) -> datetime:
    return (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(start.tzinfo)


def _hm(moment: datetime) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def _day(day: date) -> str:
    return f"{WEEKDAY_LONG[day.weekday()][:3]} {day.isoformat()}"


def _span(delta: timedelta) -> str:
    return elapsed(max(int(delta.total_seconds() // 60), 1))


def _num(value: float | None) -> str:
    return number(value, missing="")


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
