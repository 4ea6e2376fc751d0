"""Render a result in the chosen format and write it: the one way command output leaves ketplan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ketplan.cli.environment import ENVIRONMENT
from ketplan.export.formats import OutputFormat, RenderOptions, render


def emit(
    chosen: OutputFormat, subject: str, obj: Any, target: Path | None = None, *, force: bool = False, **settings: Any
) -> None:
    """Write `obj` rendered as `chosen` to stdout (`target` None) or atomically to `target`.
    A table longer than the terminal goes through the pager, as git and gh do."""
    from ketplan.io.files import write_output

    to_terminal = target is None and ENVIRONMENT.stdout_is_terminal()
    options = RenderOptions(
        terminal=to_terminal,
        color=target is None and not chosen.binary and ENVIRONMENT.color(),
        to_file=target is not None,
        **settings,
    )
    data = render(chosen, subject, obj, options)
    if to_terminal and isinstance(data, str) and _page(data):
        return
    write_output(data, target, force=force)


def _page(text: str) -> bool:
    """Show `text` through the pager when it is longer than the screen; False when it was not."""
    command = ENVIRONMENT.pager()
    if command is None or text.count("\n") < ENVIRONMENT.screen_lines():
        return False
    import subprocess
    import sys

    sys.stdout.flush()
    try:
        environ = dict(ENVIRONMENT.environ)
        environ.setdefault("LESS", "FRX")  # quit if one screen, keep colours, leave the screen as is
        with subprocess.Popen(command, stdin=subprocess.PIPE, env=environ) as pager:
            try:
                assert pager.stdin is not None
                pager.stdin.write(text.encode(sys.stdout.encoding or "utf-8", errors="replace"))
                pager.stdin.close()
            except BrokenPipeError:
                pass  # the reader quit the pager early: nothing is lost, they chose to stop
            pager.wait()
    except OSError:
        return False  # no such pager: print as usual
    return True
