"""The `ketplan` command line: parses arguments, calls the core, hands results to an exporter.

Start-up matters (ketplan runs in shell loops), so command modules import exporters, rich
tables, icalendar and holidays inside the code path that needs them, never at the top.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from ketplan import __version__
from ketplan.app.exit_status import exit_codes_help
from ketplan.cli.errors import ERROR_STYLE, run_guarded

EXIT_CODES_HELP = exit_codes_help(internal="unexpected internal failure")


class KetplanGroup(TyperGroup):
    """Routes every failure through one handler: a one-line message and a documented exit code."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        argv = _debug_first(list(sys.argv[1:] if args is None else args))
        _show_flags_as_flags(self)
        ERROR_STYLE.json = _asks_for_json(argv)
        code = run_guarded(
            lambda: super(KetplanGroup, self).main(
                args=argv,
                prog_name=prog_name or "ketplan",
                complete_var=complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            ),
            debug=argv[:1] == ["--debug"] or os.environ.get("KETPLAN_DEBUG", "") not in ("", "0"),
        )
        if standalone_mode:
            sys.exit(code)
        return code


def _show_flags_as_flags(command: Any) -> None:
    """Help shows a flag as a flag (`--force`), not `--force <bool>`: an empty metavar on every
    flag of the command tree, the help option included."""
    for param in getattr(command, "params", []):
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    if not getattr(command, "_ketplan_help_flag", False):
        make_help_option = command.get_help_option

        def get_help_option(ctx: Any) -> Any:
            option = make_help_option(ctx)
            if option is not None and option.metavar is None:
                option.metavar = ""
            return option

        command.get_help_option = get_help_option
        command._ketplan_help_flag = True
    for sub in getattr(command, "commands", {}).values():
        _show_flags_as_flags(sub)


def _asks_for_json(argv: list[str]) -> bool:
    """`--format json` (or -f json, --format=json) anywhere before `--`: errors become JSON too."""
    end = argv.index("--") if "--" in argv else len(argv)
    words = argv[:end]
    for index, word in enumerate(words):
        if word in ("--format", "-f") and index + 1 < len(words) and words[index + 1] == "json":
            return True
        if word in ("--format=json", "-fjson"):
            return True
    return False


def _debug_first(argv: list[str]) -> list[str]:
    """`--debug` is a global option: accept it anywhere before a `--`, as people type it
    (`ketplan plan ... --debug`), by moving it in front of the command."""
    end = argv.index("--") if "--" in argv else len(argv)
    if "--debug" not in argv[:end]:
        return argv
    rest = [a for a in argv[:end] if a != "--debug"] + argv[end:]
    return ["--debug", *rest]


_app = typer.Typer(
    cls=KetplanGroup,
    name="ketplan",
    help=(
        "Plan ketamine and esketamine courses for treatment-resistant depression: weight-based "
        "doses a nurse can draw up, session calendars, iCalendar files.\n\n"
        "Clinical decision support only: not a substitute for clinical judgement or the product label. "
        + EXIT_CODES_HELP
    ),
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh and fish
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        print(f"ketplan {__version__}")
        raise typer.Exit(0)


def _print_man_page(ctx: typer.Context, value: bool) -> None:
    if value:
        from ketplan.cli.manpage import man_page

        root = ctx.find_root()
        print(man_page(root.command, root), end="")
        raise typer.Exit(0)


def _color_choice(value: str) -> str:
    from ketplan.cli.environment import COLOR_CHOICES

    if value not in COLOR_CHOICES:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(map(repr, COLOR_CHOICES))}.")
    return value


@_app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", "-V", callback=_print_version, is_eager=True, help="Show the version and exit."
    ),
    debug: bool = typer.Option(
        False, "--debug", help="Show a full traceback on an internal failure (or set KETPLAN_DEBUG=1)."
    ),
    color: str = typer.Option(
        "auto",
        "--color",
        parser=_color_choice,
        metavar="auto|always|never",
        help="Colour in tables: auto (the default: on a terminal, unless NO_COLOR is set or TERM=dumb; "
        "FORCE_COLOR forces it), always or never.",
        autocompletion=lambda: ["auto", "always", "never"],
    ),
    man: bool = typer.Option(
        False,
        "--man",
        callback=_print_man_page,
        is_eager=True,
        help="Print the manual page (roff) and exit: ketplan --man | man -l -",
    ),
    no_pager: bool = typer.Option(
        False, "--no-pager", help="Never page long tables (the pager is KETPLAN_PAGER, PAGER or less -FRX)."
    ),
) -> None:
    """ketplan: ketamine and esketamine treatment planner."""
    from ketplan.cli.environment import ENVIRONMENT

    ENVIRONMENT.color_choice = color
    ENVIRONMENT.pager_allowed = not no_pager


# The app a command module adds its command to, as it is: a command module imported on its own
# (`import ketplan.cli.plan`) must not register every other module from inside its own import.
root_app = _app

# Importing a command module registers its command. A run imports only the modules of the command it
# runs (start-up is ketplan's speed); `--help`, completion, an unknown command and every library use
# of `app` register them all, in this order (the order of `--help`).
COMMAND_MODULES = {
    "clinic": ("clinic", "load", "today"),
    "course": ("course", "outcomes"),
    "db": ("db",),
    "dose": ("dose",),
    "help": ("help",),
    "plan": ("plan",),
    "protocols": ("protocols",),
    "rems": ("rems",),
}
_registered: set[str] = set()
_registering = False
_running = False  # main() chose the modules: a module imported later (a helper) adds nothing more


def _register(commands: Iterable[str] | None = None) -> typer.Typer:
    """Import the modules of `commands` (all when None) so that they add themselves to the app."""
    import importlib

    global _registering
    was, _registering = _registering, True
    try:
        for command in COMMAND_MODULES if commands is None else commands:
            for module in COMMAND_MODULES[command]:
                if module not in _registered:
                    _registered.add(module)
                    importlib.import_module(f"ketplan.cli.{module}")
    finally:
        _registering = was
    return _app


def __getattr__(name: str) -> Any:
    """`ketplan.cli.app`: the whole command line (command modules registering get it as it is)."""
    if name == "app":
        return _app if _registering or _running else _register()
    raise AttributeError(name)


def _command_of(argv: list[str]) -> str | None:
    """The command a command line runs, when it is one ketplan knows (else None: register all)."""
    takes_value = {"--color"}
    words = iter(argv)
    for word in words:
        if word == "--":
            return None
        if word in takes_value:
            next(words, None)
        elif not word.startswith("-"):
            return word if word in COMMAND_MODULES else None
        elif word in ("--help", "-h", "--man", "--install-completion", "--show-completion"):
            return None
    return None


def main() -> None:
    """Console-script entry point."""
    global _running
    command = None if os.environ.get("_KETPLAN_COMPLETE") else _command_of(sys.argv[1:])
    _register([command] if command else None)
    _running = True
    typer.main.get_command(_app).main(prog_name="ketplan")
