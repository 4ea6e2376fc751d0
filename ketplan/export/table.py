"""Terminal tables (rich). Imported only on the table path: rich tables are slow to import.

Colour follows the terminal: none when stdout is not a TTY, with NO_COLOR set or TERM=dumb.
Below NARROW_WIDTH columns the output is a plain "item: value" list, so that no number is
ever split across lines or cut with an ellipsis.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ketplan.core.dosing import WeightBasedDose
from ketplan.core.references import Reference
from ketplan.export.jsonout import DISCLAIMER

NARROW_WIDTH = 60


def make_console(file=None, plain: bool = False) -> Console:
    """A console for stdout, or a plain 120-column one for writing a table to a file."""
    if plain:
        return Console(file=file, width=120, no_color=True, color_system=None, highlight=False, emoji=False)
    dumb = os.environ.get("TERM") == "dumb"
    return Console(file=file or sys.stdout, highlight=False, no_color=dumb or None, emoji=False)


def _fmt(value: float | None, unit: str = "", digits: int | None = None) -> str:
    if value is None:
        return "-"
    text = f"{value:.{digits}f}" if digits is not None else f"{value:g}"
    return f"{text} {unit}".strip()


def _volume(ml: float | None) -> str:
    if ml is None:
        return "-"
    return f"{ml:.2f} mL" if ml < 1 else f"{ml:.1f} mL"


def dose_rows(dose: WeightBasedDose) -> list[tuple[str, str]]:
    unit_note = " (no unit given: read as kg)" if dose.weight_unit_assumed else ""
    rows = [("Weight entered", f"{dose.weight_entered}{unit_note}"), ("Weight", _fmt(dose.weight_kg, "kg", 1))]
    if dose.height_cm is not None:
        rows.append(("Height", _fmt(dose.height_cm, "cm", 1)))
    if dose.bmi is not None:
        rows.append(("BMI", _fmt(dose.bmi, "kg/m²", 1)))
    if dose.ideal_body_weight_kg is not None:
        rows.append(("Ideal body weight", _fmt(dose.ideal_body_weight_kg, "kg", 1) + " (Devine)"))
    if dose.adjusted_body_weight_kg is not None:
        rows.append(("Adjusted body weight", _fmt(dose.adjusted_body_weight_kg, "kg", 1)))
    basis = dose.dosing_weight_basis
    if dose.dosing_weight_basis_requested != basis:
        basis += f" ({dose.dosing_weight_basis_requested} asked; see warnings)"
    rows += [
        ("Dosing weight", f"{_fmt(dose.dosing_weight_kg, 'kg', 1)} ({basis})"),
        ("Dose", f"{_fmt(dose.mg_per_kg, 'mg/kg')} = {_fmt(dose.dose_mg, 'mg', 1)}"),
    ]
    if dose.route == "iv":
        rows += [
            ("Infusion time", _fmt(dose.infusion_minutes, "min")),
            ("Dose rate", f"{_fmt(dose.dose_rate_mg_per_h, 'mg/h', 1)} = {_fmt(dose.dose_rate_mg_per_kg_per_h, 'mg/kg/h', 3)}"),
        ]
    if dose.concentration_mg_per_ml is not None:
        rows += [
            ("Vial strength", _fmt(dose.concentration_mg_per_ml, "mg/mL")),
            ("Draw up", _volume(dose.drug_volume_ml)),
            ("Delivers", f"{_fmt(dose.delivered_dose_mg, 'mg', 1)} ({_fmt(dose.delivered_mg_per_kg, 'mg/kg', 3)})"),
        ]
    if dose.route == "iv":
        rows += [
            ("Final volume", _fmt(dose.final_volume_ml, "mL") + " (local policy)"),
            ("Pump rate", _fmt(dose.pump_rate_ml_per_h, "mL/h", 1)),
        ]
    return rows


def print_dose(dose: WeightBasedDose, console: Console | None = None) -> None:
    console = console or make_console()
    title = "IV racemic ketamine dose (off-label; RCT evidence)"
    print_key_values(console, title, dose_rows(dose))
    print_warnings(console, dose.warnings)
    print_references(console, dose.references)
    console.print(Text(DISCLAIMER, style="dim"), soft_wrap=True)


def print_key_values(console: Console, title: str, rows: Sequence[tuple[str, str]]) -> None:
    if console.width < NARROW_WIDTH:
        console.print(Text(title, style="bold"))
        for key, value in rows:
            console.print(Text(f"{key}: {value}"), soft_wrap=True)
        return
    console.print(Text(title, style="bold"))
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column("item", style="bold", no_wrap=True, min_width=max(len(k) for k, _ in rows))
    table.add_column("value", overflow="fold")
    for key, value in rows:
        table.add_row(key, value)
    console.print(table)


def print_warnings(console: Console, warnings: Sequence[str]) -> None:
    if not warnings:
        return
    body = "\n".join(f"• {w}" for w in warnings)
    if console.width < NARROW_WIDTH:
        console.print(Text("Warnings", style="bold"))
        console.print(Text(body), soft_wrap=True)
    else:
        console.print(Panel(Text(body), title="Warnings", title_align="left", border_style="yellow"))


def print_references(console: Console, references: Sequence[Reference]) -> None:
    if not references:
        return
    console.print(Text("References", style="bold"))
    for reference in references:
        line = f"- {reference.citation}"
        if reference.link:
            line += f" {reference.link}"
        console.print(Text(line), soft_wrap=True)
