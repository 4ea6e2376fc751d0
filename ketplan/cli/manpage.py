"""A man page generated from the command tree itself (`ketplan --man`), so it never drifts from --help.

roff, section 1: NAME, SYNOPSIS, DESCRIPTION, one COMMANDS entry per command with its options,
EXIT STATUS from the ExitStatus enum, ENVIRONMENT and FILES.
"""

from __future__ import annotations

from typing import Any

from ketplan import __version__
from ketplan.app.exit_status import exit_codes_table

ENVIRONMENT = (
    ("TZ", "the machine's time zone, used only when neither --tz nor a clinic profile sets one"),
    ("NO_COLOR", "any non-empty value: no colour or bold in tables"),
    ("FORCE_COLOR", "colour even when stdout is not a terminal (unless NO_COLOR is set)"),
    ("KETPLAN_PAGER, PAGER", "the pager for long tables on a terminal (empty or cat: none)"),
    ("KETPLAN_DEBUG", "1: a full traceback on an internal failure"),
    ("SOURCE_DATE_EPOCH", "the DTSTAMP of calendar files, for byte-identical output"),
)


def _escape(text: str) -> str:
    text = " ".join(str(text).split()).replace("\\", "\\\\").replace("-", "\\-")
    return "\\&" + text if text.startswith((".", "'")) else text


def _options(command: Any, ctx: Any) -> list[str]:
    lines: list[str] = []
    for param in command.get_params(ctx):
        if getattr(param, "param_type_name", "") != "option" or getattr(param, "hidden", False):
            continue
        record = param.get_help_record(ctx)
        if record is None:
            continue
        names, text = record
        lines += [".TP", f"\\fB{_escape(names)}\\fR", _escape(text)]
    return lines


def _walk(command: Any, ctx: Any, path: list[str]) -> list[str]:
    import typer.core  # noqa: F401 - Typer's command classes are what we walk

    lines: list[str] = []
    subcommands = getattr(command, "commands", None)
    if path:
        lines += [".SS " + _escape(" ".join(path)), _escape((command.help or "").split("\n\n")[0])]
        lines += _options(command, ctx)
    if subcommands:
        for name in sorted(subcommands):
            sub = subcommands[name]
            if getattr(sub, "hidden", False):
                continue
            sub_ctx = type(ctx)(sub, info_name=name, parent=ctx)
            lines += _walk(sub, sub_ctx, [*path, name])
    return lines


def man_page(root: Any, root_ctx: Any) -> str:
    lines = [
        f'.TH KETPLAN 1 "" "ketplan {__version__}" "User Commands"',
        ".SH NAME",
        "ketplan \\- plan ketamine and esketamine treatment courses for treatment\\-resistant depression",
        ".SH SYNOPSIS",
        "\\fBketplan\\fR [\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]...",
        ".SH DESCRIPTION",
        _escape(root.help or ""),
        ".SH OPTIONS",
        *_options(root, root_ctx),
        ".SH COMMANDS",
        *_walk(root, root_ctx, []),
        ".SH EXIT STATUS",
    ]
    for code, _name, meaning in exit_codes_table():
        lines += [".TP", f"\\fB{code}\\fR", _escape(meaning)]
    lines += [".SH ENVIRONMENT"]
    for name, text in ENVIRONMENT:
        lines += [".TP", f"\\fB{_escape(name)}\\fR", _escape(text)]
    lines += [
        ".SH NOTES",
        _escape("Clinical decision support only: not a substitute for clinical judgement or the product label."),
    ]
    return "\n".join(lines) + "\n"
