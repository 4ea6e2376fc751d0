"""Exit codes: one enum, used by every command and documented from here (help epilogs,
`ketplan help exit-codes`, the man page, the README)."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    INTERNAL = 1
    INVALID = 2
    OUTPUT_FAILED = 3
    STORE = 3  # the same code (an alias): something outside ketplan could not be written or used
    HANGUP = 129
    INTERRUPTED = 130
    BROKEN_PIPE = 141
    TERMINATED = 143


MEANING = {
    ExitStatus.OK: "success: the output was written in full",
    ExitStatus.INTERNAL: "an unexpected internal failure (a bug): one line, a traceback with --debug",
    ExitStatus.INVALID: "invalid input, a refused dose, an invalid protocol file, a refused --output target, or "
    "(with --roster) a row that failed; a refused command writes nothing to stdout",
    ExitStatus.OUTPUT_FAILED: "the output could not be written in full: stdout closed or on a full disk or dead "
    "device, an --output file that could not be written, a stdout encoding that cannot carry the text "
    "(PYTHONIOENCODING=ascii), or stderr closed (ketplan then does not run: it could not report a problem); "
    "for `course` commands also a treatment store that cannot be used: missing, locked, read-only, full, "
    "damaged, a directory, or written by a newer ketplan (nothing was changed)",
    ExitStatus.HANGUP: "stopped by SIGHUP (128 + 1); no temporary file is left behind",
    ExitStatus.INTERRUPTED: "interrupted (Ctrl-C, 128 + SIGINT); no temporary file is left behind",
    ExitStatus.BROKEN_PIPE: "the reader of stdout went away before everything was written (ketplan ... | head -1): "
    "128 + SIGPIPE, whatever the format and size, nothing on stderr",
    ExitStatus.TERMINATED: "stopped by SIGTERM (128 + 15); no temporary file is left behind",
}


def exit_codes_help(invalid: str = "invalid input or refused dose", internal: str = "internal failure") -> str:
    """One line for help epilogs; a command names what makes it exit 2."""
    return (
        f"Exit codes: {ExitStatus.OK:d} success; {ExitStatus.INVALID:d} {invalid}; "
        f"{ExitStatus.OUTPUT_FAILED:d} output not written in full; {ExitStatus.BROKEN_PIPE:d} reader of stdout "
        f"went away; {ExitStatus.INTERNAL:d} {internal}."
    )


def exit_codes_table() -> list[tuple[int, str, str]]:
    """(code, name, meaning) for every exit status, in code order."""
    return [(status.value, status.name.lower(), MEANING[status]) for status in sorted(ExitStatus)]
