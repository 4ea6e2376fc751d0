"""One place that turns every failure into a one-line message and an exit code.

0 success; 2 invalid input or refused dose (nothing on stdout); 1 unexpected internal failure
(a traceback only with --debug or KETPLAN_DEBUG=1).
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Callable

import typer

from ketplan.app.exit_status import ExitStatus
from ketplan.core.errors import KetplanError

EXIT_OK, EXIT_INTERNAL, EXIT_INVALID = ExitStatus.OK, ExitStatus.INTERNAL, ExitStatus.INVALID

# Typer's command-line errors, reached through its public BadParameter (Typer keeps its copy of
# Click in a private module): BadParameter < UsageError < ClickException.
_CLICK_ERRORS = {cls.__name__: cls for cls in typer.BadParameter.__mro__}
UsageError: type[Exception] = _CLICK_ERRORS["UsageError"]
ClickException: type[Exception] = _CLICK_ERRORS["ClickException"]
_CANNOT_WRITE = {code for code in (errno.ENOSPC, getattr(errno, "EDQUOT", None), errno.EFBIG, errno.EIO) if code}


MAX_WORD = 200  # a value echoed in a message is cut here: a 5000-character --format stays readable


def one_line(message: object) -> str:
    """The message as one printable line: whitespace runs (newlines too) become one space, any
    other control character is escaped, so a hostile value cannot break the line or drive the
    terminal, and a word longer than MAX_WORD characters is cut."""
    words = [w if len(w) <= MAX_WORD else w[: MAX_WORD - 1] + "…" for w in str(message).split()]
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in " ".join(words))


class _ErrorStyle:
    """How errors are written: one `ketplan: error:` line, or (with --format json) one JSON object
    per error, `{"error": ..., "option": ..., "exit_code": ...}`, for scripts."""

    json = False


ERROR_STYLE = _ErrorStyle()


def say(message: object, *, option: str | None = None, exit_code: int = EXIT_INVALID) -> None:
    """Print one error on stderr as one line (never raises)."""
    try:
        if ERROR_STYLE.json:
            import json

            document = {"error": one_line(message), "option": option, "exit_code": int(exit_code)}
            print(json.dumps(document, ensure_ascii=False), file=sys.stderr)
        else:
            print(f"ketplan: error: {one_line(message)}", file=sys.stderr)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _option_of(error) -> str | None:
    """The option a refusal is about: a KetplanError's field, or the parameter Typer rejected."""
    field = getattr(error, "field", None)
    if isinstance(field, str):
        from ketplan.core.errors import option_name

        return option_name(field)
    param = getattr(error, "param", None)
    opts = getattr(param, "opts", None)
    return opts[0] if opts else None


def _usage_message(error) -> str:
    message = error.format_message()
    ctx = getattr(error, "ctx", None)
    if ctx is not None:
        message += f" (see '{ctx.command_path} --help')"
    return message


def run_guarded(call: Callable[[], object], debug: bool = False) -> int:
    try:
        result = call()
    except KetplanError as error:
        say(error.message, option=_option_of(error))
        return EXIT_INVALID
    except UsageError as error:
        if type(error).__name__ == "NoArgsIsHelpError":
            return EXIT_OK  # bare `ketplan`: the help was shown, nothing went wrong
        say(_usage_message(error), option=_option_of(error))
        return EXIT_INVALID
    except ClickException as error:
        say(error.format_message())  # type: ignore[attr-defined]
        code = getattr(error, "exit_code", EXIT_INVALID)
        return code if code in (EXIT_INTERNAL, EXIT_INVALID) else EXIT_INVALID
    except typer.Abort:
        say("aborted", exit_code=EXIT_INTERNAL)
        return EXIT_INTERNAL
    except typer.Exit as error:
        return error.exit_code
    except SystemExit as error:  # a library giving up, e.g. on a broken pipe
        return error.code if isinstance(error.code, int) else EXIT_INTERNAL
    except KeyboardInterrupt:
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        _silence_broken_stdout()
        return EXIT_INTERNAL
    except OSError as error:
        if error.errno == errno.EPIPE:
            _silence_broken_stdout()
            return EXIT_INTERNAL
        if error.errno in _CANNOT_WRITE:
            # stdout on a full disk (`> /dev/full`) or a dead device: not a bug, not bad input.
            _silence_broken_stdout()
            if debug:
                import traceback

                traceback.print_exception(error, file=sys.stderr)
            say(f"cannot write the output: {error.strerror or error}", exit_code=EXIT_INTERNAL)
            return EXIT_INTERNAL
        return _internal(error, debug)
    except Exception as error:
        return _internal(error, debug)
    if isinstance(result, int) and not isinstance(result, bool):
        return result
    return EXIT_OK


def _internal(error: BaseException, debug: bool) -> int:
    if debug:
        import traceback

        traceback.print_exception(error, file=sys.stderr)
    say(
        f"internal failure ({type(error).__name__}: {error}); run with --debug or KETPLAN_DEBUG=1 for details",
        exit_code=EXIT_INTERNAL,
    )
    return EXIT_INTERNAL


def _silence_broken_stdout() -> None:
    # The reader went away (`ketplan ... | head -1`): point stdout at devnull so the
    # interpreter's final flush does not print a second error.
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
