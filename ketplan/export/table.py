"""Terminal tables (rich). Imported only on the table path: rich tables are slow to import.

Colour follows the terminal: none when stdout is not a TTY, with NO_COLOR set or TERM=dumb.
Below NARROW_WIDTH columns the output is a plain "item: value" list, so that no number is
ever split across lines or cut with an ellipsis.

Text that has to wrap is wrapped here (`wrap`), not by rich: the same word wrap, except that a
number is never separated from its unit ("35.0 mg", "0.1-1.0 mg/kg", "2 devices") nor a day
from its month ("25 Dec 2026"), so a line break can never change what a number means.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence

from rich.cells import cell_len, chop_cells
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ketplan.core.dosing import WeightBasedDose
from ketplan.core.evidence import short_evidence
from ketplan.core.references import Reference
from ketplan.export.text import DISCLAIMER, number, volume

NARROW_WIDTH = 60

_UNITS = (
    r"(?:mg/kg/h|mg/kg|mg/mL|mg/h|mL/h|mg|mL|kg/m²|kg/m2|kg|cm|in|lb|minutes?|min|hours?|h|days?|weeks?"
    r"|devices?|sessions?|mmHg|years?|%)"
)
_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
# Each pattern's group 1 is a space that must not become a line break.
_GLUED_SPACES = (
    re.compile(rf"\d( ){_UNITS}(?![A-Za-z])"),  # 35.0 mg, 0.1-1.0 mg/kg, 2 devices, 40 min
    re.compile(rf"\b\d{{1,2}}( ){_MONTHS}\b"),  # 25 Dec
    re.compile(rf"\b{_MONTHS}( )\d{{4}}\b"),  # Dec 2026
    re.compile(r"[≥≤<>~±]( )\d"),  # >= 2 h
)
_WORD = re.compile(r"\s*\S+\s*")


def _glued(line: str) -> str:
    """`line` with every space that must not break replaced by a non-space of the same width."""
    chars = list(line)
    for pattern in _GLUED_SPACES:
        for match in pattern.finditer(line):
            chars[match.start(1)] = "\x00"
    return "".join(chars)


def _words(line: str, width: int, fold: bool) -> list[tuple[int, str]]:
    """(start, word) as rich's wrap sees them, with glued pairs as one word. When folding, a
    glued word too long for any line falls back to its own words, so that the fold never cuts
    inside a number; without folding it is kept whole, longer than the line."""
    glued = _glued(line)
    out: list[tuple[int, str]] = []
    for match in _WORD.finditer(glued):
        start, end = match.span()
        word = line[start:end]
        if fold and "\x00" in match.group() and cell_len(word.rstrip()) > width:
            out.extend((start + m.start(), m.group()) for m in _WORD.finditer(word))
        else:
            out.append((start, word))
    return out


def _break_offsets(line: str, width: int, fold: bool) -> list[int]:
    """Where rich's word wrap (rich._wrap.divide_line) breaks `line`, glued pairs kept whole."""
    breaks: list[int] = []
    offset = 0
    for start, word in _words(line, width, fold):
        length = cell_len(word.rstrip())
        if width - offset >= length:
            offset += cell_len(word)
        elif length > width:
            if fold:
                pieces = chop_cells(word, width)
                for index, piece in enumerate(pieces):
                    if start:
                        breaks.append(start)
                    if index == len(pieces) - 1:
                        offset = cell_len(piece)
                    else:
                        start += len(piece)
            else:
                if start:
                    breaks.append(start)
                offset = cell_len(word)
        elif offset and start:
            breaks.append(start)
            offset = cell_len(word)
    return breaks


def wrap(text: str, width: int, *, indent: str = "", fold: bool = True) -> str:
    """Word-wrap `text` to `width` cells as rich does, never splitting a number from its unit.

    Continuation lines start with `indent`. With fold=False a word longer than the line (a
    link) is kept whole on a line of its own rather than cut.
    """
    width = max(int(width), 1)
    out: list[str] = []
    for line in str(text).split("\n"):
        first = True
        while True:
            room = width if first else max(width - cell_len(indent), 1)
            breaks = _break_offsets(line, room, fold)
            if not breaks:
                out.append(line.rstrip() if first else indent + line.rstrip())
                break
            head, line = line[: breaks[0]], line[breaks[0] :].lstrip(" ")
            out.append(head.rstrip() if first else indent + head.rstrip())
            first = False
            if not line:
                break
    return "\n".join(out)


def print_wrapped(
    console: Console, text: str, style: str | None = None, *, indent: str = "", fold: bool = True
) -> None:
    """Print text wrapped by `wrap` at the console's width (rich then has nothing left to wrap)."""
    console.print(Text(wrap(text, console.width, indent=indent, fold=fold), style=style or ""), soft_wrap=True)


def print_line(console: Console, text: str, style: str | None = None) -> None:
    """A list line (checkpoint, instruction, reference). Wide: one line, however long, as the
    README shows it. Narrow: wrapped with a hanging indent, keeping links and numbers whole."""
    if console.width < NARROW_WIDTH:
        print_wrapped(console, text, style, indent="  ", fold=False)
    else:
        console.print(Text(text, style=style or ""), soft_wrap=True)


def _no_color() -> bool:
    return bool(os.environ.get("NO_COLOR")) or os.environ.get("TERM") == "dumb"


def make_console(file=None, plain: bool = False, color: bool | None = None) -> Console:
    """A console for stdout or `file`, or a plain 120-column one for writing a table to a file.

    `color` is the caller's decision (the CLI weighs --color, NO_COLOR, FORCE_COLOR, TERM and
    whether stdout is a terminal); None decides from NO_COLOR/TERM=dumb and the output itself, for
    library callers. No colour means no escape sequences at all, bold included.
    """
    if plain:
        return Console(file=file, width=120, no_color=True, color_system=None, highlight=False, emoji=False)
    if color is None:
        color = None if not _no_color() else False
    if color is False:
        console = Console(file=file or sys.stdout, highlight=False, no_color=True, color_system=None, emoji=False)
    else:
        console = Console(file=file or sys.stdout, highlight=False, emoji=False, force_terminal=True if color else None)
    if console.width < MIN_WIDTH:  # COLUMNS=0, a 5-column terminal: a table would print nothing useful
        console.width = FALLBACK_WIDTH
    return console


MIN_WIDTH, FALLBACK_WIDTH = 40, 80


def dose_rows(dose: WeightBasedDose) -> list[tuple[str, str]]:
    unit_note = " (no unit given: read as kg)" if dose.weight_unit_assumed else ""
    rows = [("Weight entered", f"{dose.weight_entered}{unit_note}"), ("Weight", number(dose.weight_kg, "kg", 1))]
    if dose.height_cm is not None:
        rows.append(("Height", number(dose.height_cm, "cm", 1)))
    if dose.bmi is not None:
        rows.append(("BMI", number(dose.bmi, "kg/m²", 1)))
    if dose.ideal_body_weight_kg is not None:
        rows.append(("Ideal body weight", number(dose.ideal_body_weight_kg, "kg", 1) + " (Devine)"))
    if dose.adjusted_body_weight_kg is not None:
        rows.append(("Adjusted body weight", number(dose.adjusted_body_weight_kg, "kg", 1)))
    basis = dose.dosing_weight_basis
    if dose.dosing_weight_basis_requested != basis:
        basis += f" ({dose.dosing_weight_basis_requested} asked; see warnings)"
    rows += [
        ("Dosing weight", f"{number(dose.dosing_weight_kg, 'kg', 1)} ({basis})"),
        ("Dose", f"{number(dose.mg_per_kg, 'mg/kg')} = {number(dose.dose_mg, 'mg', 1)}"),
    ]
    if dose.route == "iv":
        rows += [
            ("Infusion time", number(dose.infusion_minutes, "min")),
            (
                "Dose rate",
                f"{number(dose.dose_rate_mg_per_h, 'mg/h', 1)} = {number(dose.dose_rate_mg_per_kg_per_h, 'mg/kg/h', 3)}",
            ),
        ]
    if dose.concentration_mg_per_ml is not None:
        rows += [
            ("Vial strength", number(dose.concentration_mg_per_ml, "mg/mL")),
            ("Draw up", volume(dose.drug_volume_ml)),
            ("Delivers", f"{number(dose.delivered_dose_mg, 'mg', 1)} ({number(dose.delivered_mg_per_kg, 'mg/kg', 3)})"),
        ]
    if dose.route == "iv":
        rows += [
            ("Final volume", number(dose.final_volume_ml, "mL") + " (local policy)"),
            ("Pump rate", number(dose.pump_rate_ml_per_h, "mL/h", 1)),
        ]
    return rows


def print_dose(dose: WeightBasedDose, console: Console | None = None, options=None) -> None:
    """The dose a nurse draws up, its warnings, then its sources (in full with --details), so the
    "Draw up" line stays on a 24-line screen."""
    console = console or make_console()
    title = f"{dose.route.upper()} racemic ketamine dose (off-label; {short_evidence(dose.route)})"
    print_key_values(console, title, dose_rows(dose))
    print_warnings(console, dose.warnings)
    _print_sources(console, dose, options)


def print_session(sheet, console: Console | None = None, options=None) -> None:
    """A session of a stored course prepared (ketplan.core.session_sheet.SessionSheet): which
    session, its dose as `print_dose` shows one, the cautions with the warnings, then the notes."""
    from ketplan.export.text import day, weekday_and_day

    console = console or make_console()
    dose = sheet.dose
    when = f"{weekday_and_day(sheet.session_date)} {sheet.start.strftime('%H:%M')} ({sheet.timezone})"
    print_wrapped(console, f"Course {sheet.label}, session {sheet.session_n} of {sheet.session_count}: {when}", "bold")
    title = (
        f"{dose.route.upper()} racemic ketamine dose, {sheet.protocol_id} "
        f"(off-label; {short_evidence(dose.route, sheet.evidence)})"
    )
    rows = dose_rows(dose)
    rows.insert(2, ("Weight recorded", f"{day(sheet.weight_recorded_on)}, with the course"))
    print_key_values(console, title, rows)
    print_warnings(console, [*sheet.cautions, *dose.warnings])
    if sheet.notes:
        console.print(Text("This session", style="bold"))
        for note in sheet.notes:
            print_wrapped(console, f"• {note}", indent="  ", fold=False)
    _print_sources(console, dose, options)


def _print_sources(console: Console, dose: WeightBasedDose, options) -> None:
    if options is not None and options.details:
        print_references(console, dose.references)
    elif dose.references:
        keys = ", ".join(reference.key for reference in dose.references)
        print_wrapped(console, f"Sources: {keys} (in full: add --details, or --format json).")
    print_line(console, DISCLAIMER, "dim")


def print_key_values(console: Console, title: str, rows: Sequence[tuple[str, str]]) -> None:
    print_wrapped(console, title, "bold")
    if console.width < NARROW_WIDTH:
        for key, value in rows:
            print_wrapped(console, f"{key}: {value}", indent="  ", fold=False)
        return
    key_width = max(len(k) for k, _ in rows)
    # The value column gets what the key column and the two padding cells leave.
    value_width = max(console.width - key_width - 2, 1)
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column("item", style="bold", no_wrap=True, min_width=key_width)
    table.add_column("value", overflow="fold")
    for key, value in rows:
        table.add_row(key, Text(wrap(value, value_width)))
    console.print(table)


def print_warnings(console: Console, warnings: Sequence[str]) -> None:
    if not warnings:
        return
    if console.width < NARROW_WIDTH:
        console.print(Text("Warnings", style="bold"))
        for warning in warnings:
            print_wrapped(console, f"• {warning}", indent="  ", fold=False)
    else:
        body = "\n".join(f"• {w}" for w in warnings)
        # Inside the panel: the border and one cell of padding on each side.
        console.print(
            Panel(Text(wrap(body, console.width - 4)), title="Warnings", title_align="left", border_style="yellow")
        )


def print_references(console: Console, references: Sequence[Reference]) -> None:
    if not references:
        return
    console.print(Text("References", style="bold"))
    for reference in references:
        line = f"- {reference.citation}"
        if reference.link:
            line += f" {reference.link}"
        print_line(console, line)
