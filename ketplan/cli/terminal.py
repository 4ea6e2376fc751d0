"""What the views need to know about the terminal, decided once here and passed to the renderers
(which read no environment): the width, and whether colour is allowed.

Colour only on a terminal, never with NO_COLOR set (any non-empty value) or TERM=dumb; the width
is the terminal's (COLUMNS when set), 80 when stdout is not a terminal.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping


def colour_allowed(stream=None, environ: Mapping[str, str] = os.environ) -> bool:
    stream = stream or sys.stdout
    if environ.get("NO_COLOR") or environ.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def width(stream=None, environ: Mapping[str, str] = os.environ, fallback: int = 80) -> int:
    columns = environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    stream = stream or sys.stdout
    try:
        if stream.isatty():
            return shutil.get_terminal_size((fallback, 24)).columns
    except (AttributeError, ValueError, OSError):
        pass
    return fallback
