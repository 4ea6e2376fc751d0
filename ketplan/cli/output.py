"""Render a result in the chosen format and write it: the one way command output leaves ketplan."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ketplan.export.formats import OutputFormat, RenderOptions, render


def emit(
    chosen: OutputFormat, subject: str, obj: Any, target: Path | None = None, *, force: bool = False, **settings: Any
) -> None:
    """Write `obj` rendered as `chosen` to stdout (`target` None) or atomically to `target`."""
    from ketplan.io.files import write_output

    options = RenderOptions(terminal=target is None and _stdout_is_terminal(), to_file=target is not None, **settings)
    write_output(render(chosen, subject, obj, options), target, force=force)


def _stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False
