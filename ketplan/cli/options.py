"""Options shared by every command, so each is spelled and explained once.

The `--format` choices of each command come from the format registry (ketplan.export.formats).
"""

from __future__ import annotations

from enum import Enum

from ketplan.export import formats


def _format_enum(class_name: str, *subjects: str) -> type[Enum]:
    """A str Enum of the formats that render any of `subjects` (Typer shows and checks the choices)."""
    names = list(dict.fromkeys(name for subject in subjects for name in formats.names_for(subject)))
    return Enum(class_name, {name: name for name in names}, type=str)  # type: ignore[return-value]


DoseFormat = _format_enum("DoseFormat", formats.DOSE)
PlanFormat = _format_enum("PlanFormat", formats.PLAN, formats.ROSTER)
ListFormat = _format_enum("ListFormat", formats.PROTOCOLS, formats.PROTOCOL)


def format_help(*subjects: str) -> str:
    """'table: a readable table (...); json: one JSON object for scripts.' for the formats of `subjects`."""
    names = dict.fromkeys(name for subject in subjects for name in formats.names_for(subject))
    return "; ".join(f"{name}: {formats.FORMATS[name].summary}" for name in names) + "."


def plan_format_help() -> str:
    """One plan and a roster take different formats: say both, defaults first."""
    return (
        f"{formats.choices_text(formats.PLAN)}; with --roster: {formats.choices_text(formats.ROSTER)}. "
        + format_help(formats.PLAN, formats.ROSTER)
    )
