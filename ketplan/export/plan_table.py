"""The plan as a terminal table: sessions, then a summary, warnings, checkpoints and sources."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ketplan.export.table import (
    NARROW_WIDTH,
    make_console,
    print_key_values,
    print_line,
    print_warnings,
    print_wrapped,
    wrap,
)
from ketplan.export.text import DISCLAIMER, devices, volume


def _dose_cell(session) -> str:
    # Fixed esketamine doses are whole devices (56 mg); weight-based doses carry 0.1 mg.
    return f"{session.dose_mg:g} mg" if session.devices is not None else f"{session.dose_mg:.1f} mg"


def _amount_cell(session) -> str:
    if session.devices is not None:
        return devices(session.devices)
    return volume(session.drug_volume_ml, missing="")


def _moved_cell(session) -> str:
    return f"from {session.moved_from.strftime('%d %b')}" if session.moved_from else ""


def _note_lines(session) -> list[str]:
    notes = []
    if session.moved_from is not None:
        notes.append(f"moved from {session.moved_from.strftime('%a %d %b %Y')}: {session.reason}")
    notes.extend(session.notes)
    return notes


def summary_rows(plan) -> list[tuple[str, str]]:
    protocol = plan.protocol
    by_phase: dict[str, int] = {}
    for s in plan.sessions:
        by_phase[s.phase] = by_phase.get(s.phase, 0) + 1
    rows = [
        ("Protocol", f"{protocol.id}: {protocol.title}"),
        ("Evidence", protocol.evidence_text),
    ]
    if plan.label:
        rows.append(("Label", plan.label))
    rows += [
        (
            "Course",
            f"{plan.sessions[0].date.isoformat()} to {plan.sessions[-1].date.isoformat()}"
            + (
                f" (open-ended phase planned to {plan.end.isoformat()})"
                if any(p.open_ended for p in protocol.phases)
                else ""
            ),
        ),
        (
            "Weekdays",
            ",".join(plan.weekday_names) + (" (chosen by ketplan)" if plan.weekdays_chosen_by_ketplan else ""),
        ),
        ("Time", f"{plan.time.strftime('%H:%M')} {plan.timezone}"),
        ("Sessions", f"{len(plan.sessions)} (" + ", ".join(f"{k} {v}" for k, v in by_phase.items()) + ")"),
        ("Cumulative dose", f"{plan.cumulative_dose_mg:g} mg"),
    ]
    if plan.every_weeks is not None:
        rows.append(("From week 9", f"every {plan.every_weeks} week{'s' if plan.every_weeks != 1 else ''}"))
    if plan.dose is not None:
        d = plan.dose
        text = f"{d.mg_per_kg:g} mg/kg x {d.dosing_weight_kg:.1f} kg ({d.dosing_weight_basis}) = {d.dose_mg:.1f} mg"
        levels = sorted({x.mg_per_kg for x in plan.sessions})
        if len(levels) > 1:
            text = (
                f"titration {levels[0]:g} -> {levels[-1]:g} mg/kg x {d.dosing_weight_kg:.1f} kg "
                f"({d.dosing_weight_basis}); first dose {d.dose_mg:.1f} mg"
            )
        rows.append(("Dose", text))
        if d.drug_volume_ml is not None:
            ml = f"{d.drug_volume_ml:.2f}" if d.drug_volume_ml < 1 else f"{d.drug_volume_ml:.1f}"
            first = " (first dose)" if len({x.mg_per_kg for x in plan.sessions}) > 1 else ""
            rows.append(
                (
                    "Draw up",
                    f"{ml} mL of {d.concentration_mg_per_ml:g} mg/mL (delivers {d.delivered_dose_mg:.1f} mg){first}",
                )
            )
        if d.pump_rate_ml_per_h is not None:
            rows.append(
                (
                    "Infusion",
                    f"{d.final_volume_ml:g} mL over {d.infusion_minutes:g} min = {d.pump_rate_ml_per_h:g} mL/h",
                )
            )
    return rows


# No time column: every session starts at the plan's --time (shown in the summary).
SESSION_HEADERS = ("#", "Date", "Day", "Phase", "Dose", "Amount", "Moved")


def _session_cells(session) -> tuple[str, ...]:
    marker = "*" if _note_lines(session) else ""
    return (
        f"{session.n}{marker}",
        session.date.isoformat(),
        session.weekday.capitalize(),
        f"{session.phase} {session.phase_session}/{session.phase_sessions}",
        _dose_cell(session),
        _amount_cell(session),
        _moved_cell(session),
    )


def print_plan(plan, console: Console | None = None) -> None:
    from rich import box

    console = console or make_console()
    title = f"{plan.protocol.title}"
    if plan.protocol.evidence.value == "preliminary":
        title += " [PRELIMINARY EVIDENCE]"
    rows = [_session_cells(s) for s in plan.sessions]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(SESSION_HEADERS)]
    # Every cell is shown whole or the layout changes: a dose is never cut or wrapped.
    if console.width < max(NARROW_WIDTH, sum(widths) + 3 * len(widths) + 1):
        # Plain lines, wrapped with a hanging indent; a dose, an amount or a date is never split.
        print_wrapped(console, title, "bold", fold=False)
        for s, cells in zip(plan.sessions, rows, strict=False):
            print_wrapped(console, " ".join(c for c in cells[:6] if c), indent="     ", fold=False)
            for note in _note_lines(s):
                print_wrapped(console, f"   {note}", indent="     ", fold=False)
    else:
        table = Table(title_justify="left", header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)
        for header, width in zip(SESSION_HEADERS, widths, strict=False):
            table.add_column(
                header, no_wrap=True, min_width=width, justify="right" if header in ("#", "Dose") else "left"
            )
        for s, cells in zip(plan.sessions, rows, strict=False):
            table.add_row(*cells, style="yellow" if s.moved_from else None)
        # The title wraps to the table's width, like rich's own title, but keeps numbers whole.
        table.title = Text(wrap(title, console.measure(table).maximum))
        console.print(table)
        for s in plan.sessions:
            for note in _note_lines(s):
                print_line(console, f"* {s.n}: {note}")
    print_key_values(console, "Summary", summary_rows(plan))
    print_warnings(console, plan.warnings)
    print_checkpoints(console, plan)
    print_sources(console, plan)
    print_line(console, DISCLAIMER, "dim")


def print_checkpoints(console: Console, plan) -> None:
    protocol = plan.protocol
    per_session = {
        c.id
        for c in plan.checkpoints
        if c.session_n is not None
        and c.id not in {r.id for r in protocol.checkpoints if r.when.value == "end-of-phase"}
    }
    console.print(Text("Checkpoints", style="bold"))
    for rule in protocol.checkpoints:
        if rule.id in per_session:
            count = sum(1 for c in plan.checkpoints if c.id == rule.id)
            print_line(console, f"- {rule.title}: {rule.offset_days} days after each session ({count} in this plan)")
    for c in plan.checkpoints:
        if c.id in per_session:
            continue
        default = " (ketplan default interval)" if c.ketplan_default else ""
        print_line(console, f"- {c.date.isoformat()} {c.title}{default}")
    console.print(Text("Each session", style="bold"))
    for item in protocol.instructions:
        print_line(console, f"- before: {item.text}")
    for item in protocol.monitoring:
        print_line(console, f"- {item.text}")


def print_sources(console: Console, plan) -> None:
    console.print(Text("References", style="bold"))
    for key, ref in plan.protocol.references.items():
        print_line(console, f"- [{key}] {ref.citation} {ref.link}")
