"""The plan as a terminal table.

What a person came for stays on the last screen: a summary, the warnings and the checkpoints come
first, then the sessions, then one line naming the sources. `--details` adds each session's
instructions and monitoring steps and the full references (JSON and ics always carry them).
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ketplan.export.formats import RenderOptions
from ketplan.export.table import (
    NARROW_WIDTH,
    make_console,
    print_key_values,
    print_line,
    print_warnings,
    print_wrapped,
)
from ketplan.export.text import DISCLAIMER, day, devices, volume, weekday_and_day


def _dose_cell(session) -> str:
    # Fixed esketamine doses are whole devices (56 mg); weight-based doses carry 0.1 mg.
    return f"{session.dose_mg:g} mg" if session.devices is not None else f"{session.dose_mg:.1f} mg"


def _amount_cell(session) -> str:
    if session.devices is not None:
        return devices(session.devices)
    return volume(session.drug_volume_ml, missing="")


def _moved_cell(session, style: str) -> str:
    return day(session.moved_from, style) if session.moved_from else ""


def _note_lines(session, style: str = "iso") -> list[str]:
    notes = []
    if session.moved_from is not None:
        notes.append(f"moved from {weekday_and_day(session.moved_from, style)}: {session.reason}")
    notes.extend(session.notes)
    return notes


def summary_rows(plan, style: str = "iso") -> list[tuple[str, str]]:
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
            f"{day(plan.sessions[0].date, style)} to {day(plan.sessions[-1].date, style)}"
            + (
                f" (open-ended phase planned to {day(plan.end, style)})"
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
    flexible = protocol.flexible_phase
    if plan.every_weeks is not None and flexible is not None:
        rows.append(
            (
                f"From week {protocol.phase_start_week(flexible.name)}",
                f"every {plan.every_weeks} week{'s' if plan.every_weeks != 1 else ''}"
                + (
                    f" (ketplan default, within the label's every {' or '.join(map(str, flexible.interval_weeks_allowed or []))} weeks; --every)"
                    if plan.every_weeks_chosen_by_ketplan
                    else ""
                ),
            )
        )
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
SESSION_HEADERS = ("#", "Date", "Day", "Phase", "Dose", "Amount", "Moved from")


def _session_cells(session, style: str) -> tuple[str, ...]:
    marker = "*" if _note_lines(session) else ""
    return (
        f"{session.n}{marker}",
        day(session.date, style),
        session.weekday.capitalize(),
        f"{session.phase} {session.phase_session}/{session.phase_sessions}",
        _dose_cell(session),
        _amount_cell(session),
        _moved_cell(session, style),
    )


def print_plan(plan, console: Console | None = None, options: RenderOptions | None = None) -> None:
    console = console or make_console()
    options = options or RenderOptions()
    style = options.date_format
    title = f"{plan.protocol.title}"
    if plan.protocol.evidence.value == "preliminary":
        title += " [PRELIMINARY EVIDENCE]"
    print_wrapped(console, title, "bold", fold=False)
    print_key_values(console, "Summary", summary_rows(plan, style))
    print_warnings(console, plan.warnings)
    print_checkpoints(console, plan, style)
    if options.details:
        print_each_session(console, plan)
        print_sources(console, plan, details=True)
    print_sessions(console, plan, style)  # always last: the dates are on the last screen
    if not options.details:
        print_sources(console, plan)
    print_line(console, DISCLAIMER, "dim")


def print_sessions(console: Console, plan, style: str = "iso") -> None:
    from rich import box

    rows = [_session_cells(s, style) for s in plan.sessions]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(SESSION_HEADERS)]
    # Every cell is shown whole or the layout changes: a dose is never cut or wrapped.
    if console.width < max(NARROW_WIDTH, sum(widths) + 3 * len(widths) + 1):
        # Plain lines, wrapped with a hanging indent; a dose, an amount or a date is never split.
        console.print(Text("Sessions", style="bold"))
        for s, cells in zip(plan.sessions, rows, strict=True):
            print_wrapped(console, " ".join(c for c in cells[:6] if c), indent="     ", fold=False)
            for note in _note_lines(s, style):
                print_wrapped(console, f"   {note}", indent="     ", fold=False)
        return
    table = Table(
        title=Text("Sessions", style="bold"),
        title_justify="left",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for header, width in zip(SESSION_HEADERS, widths, strict=True):
        table.add_column(header, no_wrap=True, min_width=width, justify="right" if header in ("#", "Dose") else "left")
    for s, cells in zip(plan.sessions, rows, strict=True):
        table.add_row(*cells, style="yellow" if s.moved_from else None)
    console.print(table)
    for s in plan.sessions:
        for note in _note_lines(s, style):
            print_line(console, f"* {s.n}: {note}")


def print_checkpoints(console: Console, plan, style: str = "iso") -> None:
    """Every checkpoint with its date (and session); a rule due after each session is one line
    listing its dates, so a 26-week plan's 21 monitoring forms do not push the sessions away."""
    rules = {rule.id: rule for rule in plan.protocol.checkpoints}
    per_session: dict[str, list] = {}
    console.print(Text("Checkpoints", style="bold"))
    for c in plan.checkpoints:
        rule = rules.get(c.id)
        if rule is not None and rule.when.value == "after-each-session":
            per_session.setdefault(c.id, []).append(c)
            continue
        at_session = c.session_n is not None and f"session {c.session_n}" not in c.title
        where = f" (session {c.session_n})" if at_session else ""
        default = " (ketplan default)" if c.ketplan_default else ""
        print_line(console, f"- {day(c.date, style)} {c.title}{where}{default}")
    for rule_id, items in per_session.items():
        rule = rules[rule_id]
        default = " (ketplan default)" if rule.ketplan_default else ""
        dates = ", ".join(f"{day(c.date, style)} (#{c.session_n})" for c in items)
        print_wrapped(console, f"- {rule.title}{default}, one per session: {dates}", indent="  ")


def print_each_session(console: Console, plan) -> None:
    protocol = plan.protocol
    console.print(Text("Each session", style="bold"))
    for item in protocol.instructions:
        print_line(console, f"- before: {item.text}")
    for item in protocol.monitoring:
        print_line(console, f"- {item.text}")


def print_sources(console: Console, plan, *, details: bool = False) -> None:
    references = plan.protocol.references
    if details:
        console.print(Text("References", style="bold"))
        for key, ref in references.items():
            print_line(console, f"- [{key}] {ref.citation} {ref.link}")
        return
    keys = ", ".join(f"[{key}]" for key in references)
    print_wrapped(
        console,
        f"Sources: {keys}. Each session's instructions and monitoring, and the full references: add --details "
        f"(or: ketplan protocols show {plan.protocol.id}).",
    )
