"""`ketplan help TOPIC`: reference pages that belong to no single command."""

from __future__ import annotations

import typer

from ketplan.cli import root_app as app

TOPICS = ("exit-codes", "formats")


def _topic(value: str) -> str:
    if value not in TOPICS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(map(repr, TOPICS))}.")
    return value


@app.command("help", epilog="Example: ketplan help exit-codes. See also: ketplan --man | man -l -")
def help_command(
    topic: str = typer.Argument(
        ..., metavar="|".join(TOPICS), parser=_topic, help="What to explain.", autocompletion=lambda: list(TOPICS)
    ),
) -> None:
    """Explain exit codes or output formats (for the commands, use COMMAND --help)."""
    if topic == "exit-codes":
        from ketplan.app.exit_status import exit_codes_table

        lines = ["Exit codes of every ketplan command:"]
        lines += [f"  {code:>3}  {name:<12} {meaning}" for code, name, meaning in exit_codes_table()]
    else:
        from ketplan.export.formats import FORMATS

        lines = ["Output formats (--format), with what each can write:"]
        for fmt in FORMATS.values():
            only = f"; only it takes {', '.join('--' + o.replace('_', '-') for o in fmt.only_options)}"
            lines.append(
                f"  {fmt.name:<6} {fmt.summary} ({', '.join(sorted(fmt.subjects))}{only if fmt.only_options else ''})"
            )
    print("\n".join(lines))
