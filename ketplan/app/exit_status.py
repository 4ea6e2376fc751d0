"""Exit codes: one enum, used by every command and documented from here (help epilogs,
`ketplan help exit-codes`, the man page, the README)."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    INTERNAL = 1
    INVALID = 2
    STORE = 3
    INTERRUPTED = 130


MEANING = {
    ExitStatus.OK: "success: the output was written in full",
    ExitStatus.INTERNAL: "an unexpected internal failure, or output that could not be written "
    "(a full disk, a closed or broken stdout)",
    ExitStatus.INVALID: "invalid input, a refused dose, an invalid protocol file, or (with --roster) a row that "
    "failed; a refused command writes nothing to stdout",
    ExitStatus.STORE: "the treatment store cannot be used (`course` commands): missing, locked, read-only, "
    "full, damaged, a directory, or written by a newer ketplan; nothing was changed",
    ExitStatus.INTERRUPTED: "interrupted (Ctrl-C)",
}


def exit_codes_help(invalid: str = "invalid input or refused dose", internal: str = "internal failure") -> str:
    """One line for help epilogs; a command names what makes it exit 2."""
    return (
        f"Exit codes: {ExitStatus.OK:d} success; {ExitStatus.INVALID:d} {invalid}; {ExitStatus.INTERNAL:d} {internal}."
    )


def exit_codes_table() -> list[tuple[int, str, str]]:
    """(code, name, meaning) for every exit status, in code order."""
    return [(status.value, status.name.lower(), MEANING[status]) for status in sorted(ExitStatus)]
