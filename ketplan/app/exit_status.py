"""Exit codes: one enum, used by every command and documented from here (help epilogs, README)."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    """Success: the output was written in full."""
    INTERNAL = 1
    """An unexpected internal failure, or output that could not be written (a full disk, a
    closed or broken stdout)."""
    INVALID = 2
    """Invalid input, a refused dose, an invalid protocol file, or (with --roster) any row failed;
    nothing is written to stdout for a refused command."""
    INTERRUPTED = 130
    """Interrupted (Ctrl-C)."""


def exit_codes_help(invalid: str = "invalid input or refused dose", internal: str = "internal failure") -> str:
    """One line for help epilogs; a command names what makes it exit 2."""
    return (
        f"Exit codes: {ExitStatus.OK:d} success; {ExitStatus.INVALID:d} {invalid}; {ExitStatus.INTERNAL:d} {internal}."
    )
