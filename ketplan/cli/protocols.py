"""`ketplan protocols`: list, show and check protocol files."""

from __future__ import annotations

import typer

from ketplan.cli import app
from ketplan.cli.options import FORMAT_HELP, ListFormat

EPILOG = "Exit codes: 0 success; 2 invalid input or invalid protocol file; 1 internal failure."

protocols_app = typer.Typer(
    help="List, show and check treatment protocols (the shipped ones or your own .toml files).",
    epilog=EPILOG,
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_list(output_format: ListFormat) -> None:
    from ketplan.io.catalog import shipped_protocols

    protocols = shipped_protocols()
    if output_format is ListFormat.json:
        from ketplan.export.jsonout import dumps
        from ketplan.export.protocol_table import list_document

        print(dumps(list_document(protocols)))
    else:
        from ketplan.export.protocol_table import print_protocol_list

        print_protocol_list(protocols)


@protocols_app.callback(invoke_without_command=True, epilog=EPILOG)
def protocols_root(
    ctx: typer.Context,
    output_format: ListFormat = typer.Option(ListFormat.table, "--format", "-f", help=FORMAT_HELP),
) -> None:
    """List, show and check treatment protocols. Without a subcommand: the list."""
    if ctx.invoked_subcommand is None:
        _print_list(output_format)


@protocols_app.command("list", epilog="Example: ketplan protocols list --format json. " + EPILOG)
def list_command(
    output_format: ListFormat = typer.Option(ListFormat.table, "--format", "-f", help=FORMAT_HELP),
) -> None:
    """List the shipped protocols: id, route, drug, evidence, phases, sessions, default for the route."""
    _print_list(output_format)


@protocols_app.command("show", epilog="Example: ketplan protocols show iv-racemic-twice-weekly. " + EPILOG)
def show_command(
    protocol: str = typer.Argument(
        ..., metavar="ID|FILE", help="A shipped protocol id (see 'ketplan protocols') or a path to a .toml file."
    ),
    output_format: ListFormat = typer.Option(ListFormat.table, "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Show one protocol in full: phases, dose rule, session, instructions, monitoring, checkpoints, warnings, references."""
    from ketplan.io.catalog import load_protocol

    loaded = load_protocol(protocol)
    if output_format is ListFormat.json:
        from ketplan.export.jsonout import dumps
        from ketplan.export.protocol_table import protocol_document

        print(dumps(protocol_document(loaded)))
    else:
        from ketplan.export.protocol_table import print_protocol

        print_protocol(loaded)


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

    for error in bad:
        say(error.message)
    raise typer.Exit(2)


app.add_typer(protocols_app, name="protocols")
