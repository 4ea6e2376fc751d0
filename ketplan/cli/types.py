"""Parsers for ketplan's numeric options: the strict parser of ketplan.core.numbers (no '_', no
non-ASCII digits), so `--dose 8_4` is refused instead of read as 84.

The Typer in use (0.29, with its own vendored click) exposes no click ParamType; its hook for a
custom conversion is `typer.Option(parser=...)`, and these are those parsers. A refusal is an
InputError naming the option, shown as one `ketplan: error:` line (exit 2).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ketplan.core.numbers import parse_decimal, parse_int


def strict_int(field: str) -> Callable[[Any], int]:
    """The parser of an integer option whose field (ref name) is `field`, e.g. "dose"."""

    def parse(value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return parse_int(value, field)

    return parse


def strict_decimal(field: str) -> Callable[[Any], float]:
    """The parser of a decimal option whose field (ref name) is `field`, e.g. "mg_per_kg"."""

    def parse(value: Any) -> float:
        if isinstance(value, float | int) and not isinstance(value, bool):
            return float(value)
        return parse_decimal(value, field)

    return parse
