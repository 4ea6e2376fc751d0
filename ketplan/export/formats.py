"""The one registry of output formats.

A format is declared once, here: its name, the module that renders it (imported only when the
format is used: start-up matters), what it can render, and the options only it accepts.
`--format` choices, the "only with ics" guards and every dispatch read from this table.

Adding a format is one module and one line below. The module provides, for each subject it
lists, a function `render_<subject>(obj, options) -> str | bytes`; a format for rosters also
provides `roster_header() -> str` (may return "") and `render_roster_row(plan, row_id, options)`,
or sets `one_file_per_row` and renders each row with `render_plan`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ketplan.core.errors import InputError, ref

# What a format can render.
PLAN = "plan"  # one plan (`ketplan plan`)
ROSTER = "roster"  # many plans streamed from `ketplan plan --roster`
DOSE = "dose"  # one weight-based dose (`ketplan dose`)
SESSION = "session"  # one session of a stored course, prepared (`ketplan course sheet`)
PROTOCOLS = "protocols"  # the list of shipped protocols
PROTOCOL = "protocol"  # one protocol in full


@dataclass(frozen=True)
class OutputFormat:
    name: str
    module: str
    summary: str
    subjects: frozenset[str]
    # Options no other format accepts, with what they shape: {"remind": "calendar reminders"}.
    only_options: Mapping[str, str] = field(default_factory=dict)
    binary: bool = False
    one_file_per_row: bool = False  # a roster in this format is one file per patient
    for_one_plan: str | None = None  # a roster-only format: the format to use for one plan instead

    def renderer(self, subject: str) -> Callable[..., str | bytes]:
        return getattr(importlib.import_module(self.module), f"render_{subject}")

    def module_attr(self, name: str) -> Any:
        return getattr(importlib.import_module(self.module), name)


@dataclass(frozen=True)
class RenderOptions:
    """What a renderer may need beyond the object itself; every value is decided by the caller."""

    terminal: bool = False  # the output goes to a terminal
    color: bool = False  # escape sequences for colour and bold (decided by the caller)
    to_file: bool = False  # the output goes to a file (--output): plain, fixed width
    stamp: datetime | None = None  # ics DTSTAMP
    reminders: tuple[Any, ...] = ()  # ics alarms
    today: date | None = None
    details: bool = False  # tables: each session's instructions and the full references too
    date_format: str = "iso"  # tables: iso, us or eu (JSON, CSV and ics stay ISO 8601)
    extra: Mapping[str, Any] = field(default_factory=dict)


FORMATS: dict[str, OutputFormat] = {
    f.name: f
    for f in (
        OutputFormat(
            "table",
            "ketplan.export.table_format",
            "a readable table (plain text when stdout is not a terminal)",
            frozenset({PLAN, ROSTER, DOSE, SESSION, PROTOCOLS, PROTOCOL}),
            only_options={"details": "what the table shows", "date_format": "dates in tables"},
        ),
        OutputFormat(
            "json",
            "ketplan.export.jsonout",
            "one JSON object for scripts",
            frozenset({PLAN, DOSE, SESSION, PROTOCOLS, PROTOCOL}),
        ),
        OutputFormat("jsonl", "ketplan.export.jsonout", "one plan per line", frozenset({ROSTER}), for_one_plan="json"),
        OutputFormat("csv", "ketplan.export.csvout", "one row per session, header first", frozenset({PLAN, ROSTER})),
        OutputFormat(
            "ics",
            "ketplan.export.ics",
            "an iCalendar file for calendar programs",
            frozenset({PLAN, ROSTER}),
            only_options={"remind": "calendar reminders", "stamp": "the calendar's DTSTAMP"},
            binary=True,
            one_file_per_row=True,
        ),
        OutputFormat(
            "month",
            "ketplan.export.month",
            "month grids like cal, three side by side at 80 columns",
            frozenset({PLAN}),
        ),
        OutputFormat(
            "html",
            "ketplan.export.html_format",
            "a printable page: the patient handout for a plan, the preparation sheet for a dose or a course session",
            frozenset({PLAN, DOSE, SESSION}),
        ),
    )
}

DEFAULTS = {PLAN: "table", ROSTER: "jsonl", DOSE: "table", SESSION: "table", PROTOCOLS: "table", PROTOCOL: "table"}


def names_for(subject: str) -> list[str]:
    return [name for name, fmt in FORMATS.items() if subject in fmt.subjects]


def names() -> list[str]:
    return list(FORMATS)


def choose(name: str | None, subject: str, *, what: str) -> OutputFormat:
    """The format `name` (or the subject's default) for `subject`, refused with the choices when it
    does not render it. `what` says what is being rendered, for the message ('one plan')."""
    chosen = FORMATS.get(name or DEFAULTS[subject])
    if chosen is None:
        raise InputError(f"{ref('format')} {name!r} is not known; use one of {', '.join(FORMATS)}", "format")
    if subject in chosen.subjects:
        return chosen
    if subject == PLAN and chosen.for_one_plan:
        raise InputError(
            f"{ref('format')} {chosen.name} is for {ref('roster')} ({chosen.summary}); "
            f"for one plan use {ref('format')} {chosen.for_one_plan}",
            "format",
        )
    if subject == ROSTER:
        raise InputError(f"{ref('roster')} writes {ref('format')} {choices_text(ROSTER)}, not {chosen.name}", "format")
    raise InputError(f"{ref('format')} {chosen.name} cannot write {what}; use {choices_text(subject)}", "format")


def choices_text(subject: str) -> str:
    """'jsonl (the default), csv or ics': the formats for `subject`, its default marked."""
    shown = [f"{name} (the default)" if name == DEFAULTS[subject] else name for name in names_for(subject)]
    return ", ".join(shown[:-1]) + " or " + shown[-1] if len(shown) > 1 else shown[0]


def check_only_options(chosen: OutputFormat, given: Mapping[str, bool]) -> None:
    """Options that shape another format would be silently ignored: refuse them instead."""
    for fmt in FORMATS.values():
        if fmt is chosen:
            continue
        for option, shapes in fmt.only_options.items():
            if given.get(option) and option not in chosen.only_options:
                raise InputError(
                    f"{ref(option)} applies to {ref('format')} {fmt.name} ({shapes}), not {ref('format')} {chosen.name}",
                    option,
                )


def settings_for(chosen: OutputFormat, given: Mapping[str, Any]) -> dict[str, Any]:
    """The values of the options `chosen` accepts, leaving out those not given (None)."""
    return {key: value for key, value in given.items() if key in chosen.only_options and value is not None}


def render(chosen: OutputFormat, subject: str, obj: Any, options: RenderOptions | None = None) -> str | bytes:
    return chosen.renderer(subject)(obj, options or RenderOptions())
