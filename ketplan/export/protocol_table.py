"""Protocol summaries for `ketplan protocols`: plain-text summaries, JSON documents and rich output.

rich is imported only inside the print functions, so the JSON path stays fast. Output follows
ketplan/export/table.py: no colour when stdout is not a terminal; long lines wrap at word
boundaries and links are never broken.
"""

from __future__ import annotations

import math
from typing import Any

from ketplan.core.dosing import ESKETAMINE_REST_MINUTES, esketamine_administration_minutes, format_number
from ketplan.core.protocol import (
    CheckpointRule,
    CheckpointWhen,
    FixedDose,
    Phase,
    Protocol,
    Sourced,
    WeightDose,
)

WIDE_WIDTH = 120  # below this the list is printed as blocks rather than a table

_PER_WEEK = {1: "once weekly", 2: "twice weekly", 3: "three times weekly"}


# ---------------------------------------------------------------- plain-text summaries


def phase_rhythm(phase: Phase) -> str:
    if phase.sessions_per_week is not None:
        rhythm = _PER_WEEK.get(phase.sessions_per_week, f"{phase.sessions_per_week} times weekly")
    elif phase.interval_weeks == 1:
        rhythm = "once weekly"
    else:
        rhythm = f"every {phase.interval_weeks} weeks"
    if phase.interval_weeks_allowed:
        allowed = " or ".join(str(w) for w in phase.interval_weeks_allowed)
        rhythm += f" (every {allowed} weeks allowed)"
    if phase.open_ended:
        return f"{rhythm}, open-ended"
    return f"{rhythm} for {phase.weeks} week{'s' if phase.weeks != 1 else ''}"


def phases_summary(protocol: Protocol) -> str:
    return "; ".join(f"{p.name}: {phase_rhythm(p)}" for p in protocol.phases)


def phase_sessions(phase: Phase) -> int | None:
    """Sessions in a fixed-length phase (None when it is open-ended)."""
    if phase.open_ended or phase.weeks is None:
        return None
    if phase.sessions_per_week is not None:
        return phase.sessions_per_week * phase.weeks
    return math.ceil(phase.weeks / (phase.interval_weeks or 1))


def fixed_sessions(protocol: Protocol) -> int:
    """Sessions in the fixed-length part of the course (open-ended phases excluded)."""
    return sum(n for n in (phase_sessions(p) for p in protocol.phases) if n is not None)


def is_open_ended(protocol: Protocol) -> bool:
    return any(p.open_ended for p in protocol.phases)


def sessions_text(protocol: Protocol) -> str:
    text = str(fixed_sessions(protocol))
    return f"{text} + open-ended" if is_open_ended(protocol) else text


def _mg_list(values: list[int]) -> str:
    items = [f"{v}" for v in values]
    return (", ".join(items[:-1]) + " or " + items[-1] if len(items) > 1 else items[0]) + " mg"


def dose_rows(protocol: Protocol) -> list[tuple[str, str]]:
    dose = protocol.dose
    if isinstance(dose, FixedDose):
        rows = [
            ("First dose", f"{dose.first_dose_mg} mg"),
            ("Doses allowed", f"{_mg_list(dose.allowed_mg)} (default {dose.default_mg} mg)"),
        ]
        if dose.escalate_only_after_first:
            rows.append(("Escalation", f"higher doses only after the first dose of {dose.first_dose_mg} mg"))
        if dose.older_adult_first_dose_mg is not None:
            text = f"first dose {dose.older_adult_first_dose_mg} mg only as the clinician's explicit choice"
            if dose.older_adult_note:
                text += f": {dose.older_adult_note}"
            rows.append(("Age 65 or over", text))
        rows.append(
            (
                "Devices",
                f"{dose.mg_per_device} mg per device; rest {ESKETAMINE_REST_MINUTES} min after each device",
            )
        )
        return rows
    assert isinstance(dose, WeightDose)
    rows = [
        (
            "Dose",
            f"{format_number(dose.default_mg_per_kg)} mg/kg (allowed "
            f"{format_number(dose.min_mg_per_kg)}-{format_number(dose.max_mg_per_kg)} mg/kg)",
        )
    ]
    if dose.infusion_minutes is not None:
        rows.append(("Infusion", f"over {dose.infusion_minutes:g} min"))
    if dose.concentration_mg_per_ml is not None:
        rows.append(("Vial strength", f"{dose.concentration_mg_per_ml:g} mg/mL"))
    if dose.final_volume_ml is not None:
        rows.append(("Final volume", f"{dose.final_volume_ml:g} mL (local policy)"))
    if dose.titration_step_mg_per_kg is not None:
        rows.append(
            (
                "Titration",
                f"+{dose.titration_step_mg_per_kg:g} mg/kg a session up to {dose.titrate_to_mg_per_kg:g} mg/kg",
            )
        )
    if dose.titration_levels_mg_per_kg:
        levels = " -> ".join(f"{level:g}" for level in dose.titration_levels_mg_per_kg)
        rows.append(("Titration", f"{levels} mg/kg, one step at a time while response is incomplete"))
    return rows


def session_text(protocol: Protocol) -> str:
    session = protocol.session
    observation = f"observation {session.observation_minutes} min"
    if session.administration_from_devices and isinstance(protocol.dose, FixedDose):
        parts = [
            f"{mg} mg: {esketamine_administration_minutes(mg)} min" for mg in sorted(set(protocol.dose.allowed_mg))
        ]
        return f"administration by devices ({'; '.join(parts)}) + {observation}"
    minutes = session.administration_minutes or 0
    return f"administration {minutes} min + {observation} = {minutes + session.observation_minutes} min"


def checkpoint_when(rule: CheckpointRule) -> str:
    offset = f" ({rule.offset_days:+d} days)" if rule.offset_days else ""
    if rule.settings:
        offset += f" ({' and '.join(rule.settings)} settings only)"
    if rule.when is CheckpointWhen.before_first_session:
        return f"before the first session{offset}"
    if rule.when is CheckpointWhen.after_each_session:
        return f"after each session{offset}"
    if rule.when is CheckpointWhen.end_of_phase:
        return f"at the end of the {rule.phase} phase{offset}"
    if rule.when is CheckpointWhen.every_weeks:
        names = " and ".join(rule.phases or [])
        return f"every {rule.every_weeks} weeks during the {names} phase{'s' if len(rule.phases or []) > 1 else ''}{offset}"
    return f"at week {rule.weeks} of the course{offset}"


def basis_text(item: Sourced) -> str:
    parts = []
    if item.sources:
        parts.append("sources: " + ", ".join(item.sources))
    if item.ketplan_default:
        parts.append(f"ketplan default: {item.why}")
    return "[" + "; ".join(parts) + "]"


# ---------------------------------------------------------------- JSON documents


def list_entry(protocol: Protocol) -> dict[str, Any]:
    return {
        "id": protocol.id,
        "title": protocol.title,
        "drug": protocol.drug.value,
        "route": protocol.route.value,
        "evidence": protocol.evidence.value,
        "evidence_text": protocol.evidence_text,
        "off_label": protocol.off_label,
        "default_for_route": protocol.default_for_route,
        "indication": protocol.indication,
        "phases": [
            {
                "name": p.name,
                "sessions_per_week": p.sessions_per_week,
                "interval_weeks": p.interval_weeks,
                "weeks": p.weeks,
                "open_ended": p.open_ended,
                "sessions": phase_sessions(p),
                "summary": phase_rhythm(p),
            }
            for p in protocol.phases
        ],
        "phases_summary": phases_summary(protocol),
        "fixed_sessions": fixed_sessions(protocol),
        "open_ended": is_open_ended(protocol),
    }


def list_document(protocols: list[Protocol]) -> dict[str, Any]:
    from ketplan.export.text import DISCLAIMER

    return {"protocols": [list_entry(p) for p in protocols], "disclaimer": DISCLAIMER}


def protocol_document(protocol: Protocol) -> dict[str, Any]:
    from ketplan.export.text import DISCLAIMER

    document = protocol.model_dump(mode="json")
    for key, reference in protocol.references.items():
        document["references"][key]["link"] = reference.link
    document["evidence_text"] = protocol.evidence_text
    document["phases_summary"] = phases_summary(protocol)
    document["fixed_sessions"] = fixed_sessions(protocol)
    document["open_ended"] = is_open_ended(protocol)
    document["disclaimer"] = DISCLAIMER
    return document


# ---------------------------------------------------------------- rich output


def print_protocol_list(protocols: list[Protocol], console=None, options=None) -> None:
    from rich.table import Table
    from rich.text import Text

    from ketplan.export.table import make_console, print_wrapped
    from ketplan.export.text import DISCLAIMER

    console = console or make_console()
    if console.width >= WIDE_WIDTH:
        table = Table(title="Protocols", title_justify="left", show_lines=False)
        table.add_column("id", no_wrap=True, style="bold")
        table.add_column("route", no_wrap=True)
        table.add_column("drug", no_wrap=True)
        table.add_column("evidence", no_wrap=True)
        table.add_column("phases")
        table.add_column("sessions", justify="right", no_wrap=True)
        table.add_column("default", no_wrap=True)
        for p in protocols:
            table.add_row(
                p.id,
                p.route.value,
                p.drug.value,
                p.evidence.value,
                phases_summary(p),
                sessions_text(p),
                "default" if p.default_for_route else "",
            )
        console.print(table)
    else:
        console.print(Text("Protocols", style="bold"))
        for p in protocols:
            marker = f"  [default for {p.route.value}]" if p.default_for_route else ""
            console.print(Text(""))
            console.print(Text(f"{p.id}{marker}", style="bold"), soft_wrap=True)
            print_wrapped(console, f"  {p.drug.value}, {p.route.value}; evidence: {p.evidence.value}")
            print_wrapped(console, f"  phases: {phases_summary(p)}")
            print_wrapped(console, f"  sessions in the fixed part: {sessions_text(p)}")
    console.print(Text(""))
    print_wrapped(console, "Details: ketplan protocols show ID. " + DISCLAIMER, "dim")


class _Sections:
    """The printing steps of one protocol's page, sharing its console."""

    def __init__(self, console) -> None:
        self.console = console

    def heading(self, text: str) -> None:
        from rich.text import Text

        from ketplan.export.table import print_wrapped

        self.console.print(Text(""))
        print_wrapped(self.console, text, "bold")

    def item(self, text: str, basis: Sourced | None = None) -> None:
        from ketplan.export.table import print_wrapped

        line = f"- {text}"
        if basis is not None:
            line += f" {basis_text(basis)}"
        print_wrapped(self.console, line)


def _print_overview(console, protocol: Protocol) -> None:
    from ketplan.export.table import print_wrapped

    rows = [
        ("Id", protocol.id),
        ("Drug", protocol.drug.value),
        ("Route", protocol.route.value),
        ("Indication", protocol.indication),
        ("Evidence", protocol.evidence_text),
        ("Off-label", "yes" if protocol.off_label else "no"),
        ("Default for route", "yes" if protocol.default_for_route else "no"),
        ("Sessions", f"{sessions_text(protocol)} in the fixed part"),
    ]
    print_wrapped(console, protocol.title, "bold")
    for key, value in rows:
        print_wrapped(console, f"{key}: {value}")
    if protocol.evidence_note:
        print_wrapped(console, f"Evidence note: {protocol.evidence_note}")


def _print_dose_and_phases(out: _Sections, protocol: Protocol) -> None:
    out.heading("Dose")
    for key, value in dose_rows(protocol):
        out.item(f"{key}: {value}")
    out.item("Basis:", protocol.dose)

    out.heading("Phases")
    for phase in protocol.phases:
        count = phase_sessions(phase)
        sessions = f"; {count} sessions" if count is not None else ""
        gap = f"; at least {phase.min_gap_days} days apart" + (" (convention)" if phase.min_gap_is_convention else "")
        text = f"{phase.name}: {phase_rhythm(phase)}{sessions}{gap}"
        if phase.note:
            text += f". {phase.note}"
        out.item(text, phase)

    out.heading("Session")
    out.item(session_text(protocol), protocol.session)


def _print_care(out: _Sections, protocol: Protocol) -> None:
    """Instructions, monitoring, checkpoints and warnings."""
    from rich.text import Text

    from ketplan.export.table import print_warnings

    for title, entries in (("Patient instructions", protocol.instructions), ("Monitoring", protocol.monitoring)):
        if entries:
            out.heading(title)
            for entry in entries:
                when = ""
                before, at = getattr(entry, "before_minutes", None), getattr(entry, "at_minutes", None)
                if before is not None:
                    when = f"{before} min before: "
                elif at is not None:
                    when = f"at {at} min: "
                out.item(when + entry.text, entry)

    if protocol.checkpoints:
        out.heading("Checkpoints")
        for rule in protocol.checkpoints:
            text = f"{rule.title} ({rule.id}): {checkpoint_when(rule)}"
            if rule.detail:
                text += f". {rule.detail}"
            out.item(text, rule)

    if protocol.warnings:
        out.console.print(Text(""))
        print_warnings(out.console, [f"{w.text} {basis_text(w)}" for w in protocol.warnings])


def print_protocol(protocol: Protocol, console=None, options=None) -> None:
    from ketplan.export.table import make_console

    console = console or make_console()
    out = _Sections(console)
    _print_overview(console, protocol)
    _print_dose_and_phases(out, protocol)
    _print_care(out, protocol)
    _print_references(out, protocol)


def _print_references(out: _Sections, protocol: Protocol) -> None:
    from rich.text import Text

    from ketplan.export.table import print_line, print_wrapped
    from ketplan.export.text import DISCLAIMER

    console = out.console
    out.heading("References")
    for key, reference in protocol.references.items():
        print_line(console, f"- {key}: {reference.citation} {reference.link}")
        if reference.supports:
            print_wrapped(console, f"  supports: {reference.supports}")
    console.print(Text(""))
    print_line(console, DISCLAIMER, "dim")
