"""One place that turns every failure into a one-line message and an exit code.

The codes are ExitStatus (ketplan/app/exit_status.py): 0 success; 2 invalid input or refused
dose (nothing on stdout); 3 output not written in full (closed or full stdout, an encoding that
cannot carry the text, closed stderr); 141 the reader of stdout went away; 129/130/143 SIGHUP,
Ctrl-C, SIGTERM (temporary files removed); 1 unexpected internal failure (a traceback only
with --debug or KETPLAN_DEBUG=1).

For the real process, `run_guarded` replaces sys.stdout by the checked writer of
ketplan.io.files (every exporter writes through it) and flushes it before returning, so an
output error is never left to the interpreter's exit.
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
    """Print one error on stderr as one line (never raises; never on stdout, also when stderr is
    closed and sys.stderr is None, where print(file=None) would write to stdout)."""
    if sys.stderr is None:
        return
    try:
        if ERROR_STYLE.json:
            import json

            document = {"error": one_line(message), "option": option, "exit_code": int(exit_code)}
            sys.stderr.write(json.dumps(document, ensure_ascii=False) + "\n")
        else:
            sys.stderr.write(f"ketplan: error: {one_line(message)}\n")
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


class Stopped(BaseException):
    """SIGTERM or SIGHUP, raised where the program is, so every `finally` (temporary files) runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _real_process() -> bool:
    """True when ketplan runs as its own process (not inside CliRunner, which swaps the streams)."""
    return sys.stdout is sys.__stdout__ and sys.stderr is sys.__stderr__


def _install_process_guards() -> Callable[[], None]:
    """Checked stdout and SIGTERM/SIGHUP handlers for the real process; returns the undo."""
    import signal
    import threading

    from ketplan.io.files import CheckedStdout

    undo: list[Callable[[], None]] = []
    if threading.current_thread() is threading.main_thread():

        def stop(signum: int, _frame: object) -> None:
            raise Stopped(signum)

        for name in ("SIGTERM", "SIGHUP"):
            number = getattr(signal, name, None)
            if number is not None:
                previous = signal.signal(number, stop)

                def put_back(number: int = number, previous: object = previous) -> None:
                    signal.signal(number, previous)  # type: ignore[arg-type]

                undo.append(put_back)
    original = sys.stdout
    if original is not None:
        encoding = getattr(original, "encoding", None) or "utf-8"
        try:
            original.flush()
            interactive = original.isatty()
        except (OSError, ValueError):
            interactive = False
        checked: object = CheckedStdout(original.fileno(), encoding, interactive)
        sys.stdout = checked

        def restore() -> None:
            sys.stdout = original

        undo.append(restore)

    def undo_all() -> None:
        for step in reversed(undo):
            step()

    return undo_all


def run_guarded(call: Callable[[], object], debug: bool = False) -> int:
    if not _real_process():
        return _guarded(call, debug)
    from ketplan.io.files import stream_is_open

    if sys.stderr is None or not stream_is_open(2):
        # Nowhere to report a refused dose or a failed write: do nothing, say so by the code.
        return ExitStatus.OUTPUT_FAILED
    if sys.stdout is None or not stream_is_open(1):
        say(
            "cannot write the output: stdout is closed; redirect it to a file or use --output FILE",
            exit_code=ExitStatus.OUTPUT_FAILED,
        )
        return ExitStatus.OUTPUT_FAILED
    undo = _install_process_guards()
    try:
        code = _guarded(call, debug)
        if code == EXIT_OK or sys.stdout is not None:
            flushed = _guarded(lambda: sys.stdout.flush(), debug)
            if code == EXIT_OK:
                code = flushed
        return code
    finally:
        undo()


def _guarded(call: Callable[[], object], debug: bool) -> int:
    from ketplan.io.files import ReaderGone, WriteFailed

    try:
        result = call()
    except ReaderGone:
        _silence_broken_stdout()
        return ExitStatus.BROKEN_PIPE
    except WriteFailed as error:
        _discard_stdout()
        say(error.message, exit_code=ExitStatus.OUTPUT_FAILED)
        return ExitStatus.OUTPUT_FAILED
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
    except typer.Abort as error:
        if isinstance(error.__context__, KeyboardInterrupt):  # click turns Ctrl-C into Abort
            say("aborted", exit_code=ExitStatus.INTERRUPTED)
            return ExitStatus.INTERRUPTED
        say("aborted", exit_code=EXIT_INTERNAL)
        return EXIT_INTERNAL
    except typer.Exit as error:
        return error.exit_code
    except SystemExit as error:  # a library giving up, e.g. click on a broken pipe
        if type(sys.stdout).__name__ == "PacifyFlushWrapper":
            _silence_broken_stdout()
            return ExitStatus.BROKEN_PIPE
        return error.code if isinstance(error.code, int) else EXIT_INTERNAL
    except Stopped as stopped:
        _discard_stdout()
        return ExitStatus.HANGUP if stopped.signum == 1 else ExitStatus.TERMINATED
    except KeyboardInterrupt:
        _discard_stdout()
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        _silence_broken_stdout()
        return ExitStatus.BROKEN_PIPE
    except OSError as error:
        if error.errno == errno.EPIPE:
            _silence_broken_stdout()
            return ExitStatus.BROKEN_PIPE
        if error.errno in _CANNOT_WRITE:
            # stdout on a full disk (`> /dev/full`) or a dead device: not a bug, not bad input.
            _silence_broken_stdout()
            if debug:
                import traceback

                traceback.print_exception(error, file=sys.stderr)
            say(f"cannot write the output: {error.strerror or error}", exit_code=ExitStatus.OUTPUT_FAILED)
            return ExitStatus.OUTPUT_FAILED
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


def _discard_stdout() -> None:
    """Drop what the checked stdout still holds (it could not or should not be written)."""
    pending = getattr(sys.stdout, "_pending", None)
    if isinstance(pending, bytearray):
        pending.clear()


def _silence_broken_stdout() -> None:
    # The reader went away (`ketplan ... | head -1`): point stdout at devnull so the
    # interpreter's final flush does not print a second error.
    import os

    _discard_stdout()
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
