"""`ketplan protocols`: list, show and check protocol files."""

from __future__ import annotations

import typer

from ketplan.app.exit_status import ExitStatus, exit_codes_help
from ketplan.cli import root_app as app
from ketplan.cli.options import complete_protocol_ids, format_option
from ketplan.export import formats

EPILOG = exit_codes_help(invalid="invalid input or invalid protocol file")

protocols_app = typer.Typer(
    help="List, show and check treatment protocols (the shipped ones or your own .toml files).",
    epilog=EPILOG,
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_list(output_format: str) -> None:
    from ketplan.cli.output import emit
    from ketplan.io.catalog import shipped_protocols

    chosen = formats.choose(output_format, formats.PROTOCOLS, what="the protocol list")
    emit(chosen, formats.PROTOCOLS, shipped_protocols())


def _group_format(ctx: typer.Context, own: str | None) -> str:
    """A subcommand's --format, else the group's (`ketplan protocols --format json list`), else table."""
    group = ctx.parent.params.get("output_format") if ctx.parent is not None else None
    return own or group or "table"


@protocols_app.callback(invoke_without_command=True, epilog=EPILOG)
def protocols_root(
    ctx: typer.Context,
    output_format: str | None = format_option(formats.PROTOCOLS, default=None),
) -> None:
    """List, show and check treatment protocols. Without a subcommand: the list."""
    if ctx.invoked_subcommand is None:
        _print_list(output_format or "table")


@protocols_app.command("list", epilog="Example: ketplan protocols list --format json. " + EPILOG)
def list_command(
    ctx: typer.Context,
    output_format: str | None = format_option(formats.PROTOCOLS, default=None),
) -> None:
    """List the shipped protocols: id, route, drug, evidence, phases, sessions, default for the route."""
    _print_list(_group_format(ctx, output_format))


@protocols_app.command("show", epilog="Example: ketplan protocols show iv-racemic-twice-weekly. " + EPILOG)
def show_command(
    ctx: typer.Context,
    protocol: str = typer.Argument(
        ...,
        metavar="ID|FILE",
        help="A shipped protocol id (see 'ketplan protocols') or a path to a .toml file.",
        autocompletion=complete_protocol_ids,
    ),
    output_format: str | None = format_option(formats.PROTOCOLS, default=None),
) -> None:
    """Show one protocol in full: phases, dose rule, session, instructions, monitoring, checkpoints, warnings, references."""
    from ketplan.cli.output import emit
    from ketplan.io.catalog import load_protocol

    chosen = formats.choose(_group_format(ctx, output_format), formats.PROTOCOL, what="a protocol")
    emit(chosen, formats.PROTOCOL, load_protocol(protocol))


@protocols_app.command("check", epilog="Example: ketplan protocols check my-protocol.toml. " + EPILOG)
def check_command(
    files: list[str] = typer.Argument(..., metavar="FILE...", help="Protocol .toml files to validate."),
) -> None:
    """Validate protocol files: 'ok: FILE (id)' for each, or one error line per bad file and exit 2.

    When any file is bad nothing is printed on stdout.
    """
    from ketplan.core.errors import KetplanError
    from ketplan.io.catalog import read_protocol_file

    good: list[str] = []
    bad: list[KetplanError] = []
    for name in files:
        try:
            protocol = read_protocol_file(name)
        except KetplanError as error:
            bad.append(error)
        else:
            good.append(f"ok: {name} ({protocol.id})")
    if not bad:
        for line in good:
            print(line)
        return
    if len(bad) == 1:
        raise bad[0]  # the app prints it as one line and exits 2
    from ketplan.cli.errors import say

    for failure in bad:
        say(failure.message)
    raise typer.Exit(ExitStatus.INVALID)


app.add_typer(protocols_app, name="protocols")
