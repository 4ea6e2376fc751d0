"""The `table` format: rich tables for people, rendered to text (escape codes only for a terminal)."""

from __future__ import annotations

import io

from ketplan.export.formats import RenderOptions


def _render(print_function, obj, options: RenderOptions) -> str:
    from ketplan.export.table import make_console

    buffer = io.StringIO()
    print_function(obj, make_console(file=buffer, plain=options.to_file, color=options.color), options)
    return buffer.getvalue()


def render_plan(plan, options: RenderOptions) -> str:
    from ketplan.export.plan_table import print_plan

    return _render(print_plan, plan, options)


def render_dose(dose, options: RenderOptions) -> str:
    from ketplan.export.table import print_dose

    return _render(print_dose, dose, options)


def render_session(sheet, options: RenderOptions) -> str:
    from ketplan.export.table import print_session

    return _render(print_session, sheet, options)


def render_protocols(protocols, options: RenderOptions) -> str:
    from ketplan.export.protocol_table import print_protocol_list

    return _render(print_protocol_list, protocols, options)


def render_protocol(protocol, options: RenderOptions) -> str:
    from ketplan.export.protocol_table import print_protocol

    return _render(print_protocol, protocol, options)


# A roster as a table: one readable line per patient (streamed, so fixed-width columns).
ROSTER_TABLE_COLUMNS = (("id", 12), ("protocol", 26), ("first", 10), ("last", 10), ("sessions", 8), ("warnings", 8))


def _line(cells) -> str:
    return "  ".join(
        str(cell).ljust(width) for cell, (_, width) in zip(cells, ROSTER_TABLE_COLUMNS, strict=True)
    ).rstrip()


def roster_header() -> str:
    return _line(name for name, _ in ROSTER_TABLE_COLUMNS) + "\n"


def render_roster_row(plan, row_id: str, options: RenderOptions) -> str:
    """id, protocol, first and last session, number of sessions and of warnings."""
    from ketplan.export.text import day

    first, last = plan.sessions[0].date, plan.sessions[-1].date
    style = options.date_format
    cells = (row_id, plan.protocol.id, day(first, style), day(last, style), len(plan.sessions), len(plan.warnings))
    return _line(cells) + "\n"
