"""Options shared by every command, so each is spelled and explained once."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer


class DoseFormat(str, Enum):
    table = "table"
    json = "json"


class PlanFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    ics = "ics"
    jsonl = "jsonl"  # only with --roster: one plan per line


class ListFormat(str, Enum):
    table = "table"
    json = "json"


FORMAT_HELP = "table: a readable table (plain text when stdout is not a terminal); json: one JSON object for scripts."

OutputOption = typer.Option(
    None,
    "--output",
    "-o",
    help="Write to this file instead of stdout ('-' for stdout). Never overwrites without --force.",
)
ForceOption = typer.Option(False, "--force", help="Allow --output to replace an existing file.")


def output_path(value: str | None) -> Path | None:
    if value is None or value == "-":
        return None
    return Path(value)
