"""Exit codes: one enum, used by every command and documented from here (help epilogs, README)."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    """Success: the output was written in full."""
    INTERNAL = 1
    """An unexpected internal failure (a bug): one line on stderr, a traceback with --debug."""
    INVALID = 2
    """Invalid input, a refused dose, an invalid protocol file, a refused --output target, or (with
    --roster) any row failed; nothing is written to stdout for a refused command."""
    OUTPUT_FAILED = 3
    """The output could not be written in full: stdout closed or on a full disk or a dead device,
    an --output file that could not be written, a stdout encoding that cannot carry the text
    (PYTHONIOENCODING=ascii), or stderr closed (ketplan then does not run: it could not report a
    problem). One line on stderr when stderr is open."""
    HANGUP = 129
    """Stopped by SIGHUP (128 + 1); no temporary file is left behind."""
    INTERRUPTED = 130
    """Interrupted (Ctrl-C, 128 + SIGINT); no temporary file is left behind."""
    BROKEN_PIPE = 141
    """The reader of stdout went away before everything was written (`ketplan ... | head -1`):
    128 + SIGPIPE, as the shell reports for other commands; nothing on stderr. Whatever the
    format and size: a reader that leaves after ketplan has written everything sees exit 0."""
    TERMINATED = 143
    """Stopped by SIGTERM (128 + 15); no temporary file is left behind."""


def exit_codes_help() -> str:
    """One line for help epilogs."""
    return (
        f"Exit codes: {ExitStatus.OK:d} success; {ExitStatus.INVALID:d} invalid input or refused dose; "
        f"{ExitStatus.OUTPUT_FAILED:d} output not written in full; {ExitStatus.BROKEN_PIPE:d} reader of stdout "
        f"went away; {ExitStatus.INTERNAL:d} unexpected internal failure."
    )
