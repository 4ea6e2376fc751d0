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


def render_protocols(protocols, options: RenderOptions) -> str:
    from ketplan.export.protocol_table import print_protocol_list

    return _render(print_protocol_list, protocols, options)


def render_protocol(protocol, options: RenderOptions) -> str:
    from ketplan.export.protocol_table import print_protocol

    return _render(print_protocol, protocol, options)
