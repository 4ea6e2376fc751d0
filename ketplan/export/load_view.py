"""The chair load as a terminal table with bar charts, and as JSON for scripts.

Takes a load report (ketplan.app.load.LoadReport, duck-typed: the export layer imports no app
code) and explicit width and colour; reads no terminal. One line per clinic day:

    Day              Sess  Chair-h   Peak  Chairs (4)  08  10  12  14  16
    Tue  1 Dec 2026     5  10.4/40    3/4  ###.        ..3333332211........

"Chairs" is a bar of the peak, one cell per chair (`#` in use, `.` free, `!` over capacity);
the timeline is the number of patients in chairs in each half-hour slot (`.` none, `+` ten or
more). Every mark is a character, so the chart reads the same without colour.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

MAX_BAR = 30  # cells; above this many chairs the bar is scaled
SGR = re.compile(r"\x1b\[[0-9;]*m")


def _sgr(code: str, text: str, colour: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if colour and text else text


def _day(day: date) -> str:
    return f"{day.strftime('%a')} {day.day:>2} {day.strftime('%b %Y')}"


def _days_text(days: list[date]) -> str:
    """'Tue 1 Dec 2026' or '8 days, Tue 1 Dec 2026 to Mon 28 Dec 2026'."""
    if len(days) == 1:
        return _day(days[0]).replace("  ", " ")
    return f"{len(days)} days, {_day(days[0]).replace('  ', ' ')} to {_day(days[-1]).replace('  ', ' ')}"


def _hm(moment) -> str:
    return moment.strftime("%H:%M")


def bar(peak: int, chairs: int, colour: bool = False) -> str:
    """`###.` for 3 of 4 chairs, `####!!` for 6 of 4; scaled to MAX_BAR cells for large clinics."""
    scale = 1.0 if chairs <= MAX_BAR else MAX_BAR / chairs
    used = round(min(peak, chairs) * scale)
    free = round(chairs * scale) - used
    over = round(max(peak - chairs, 0) * scale) or (1 if peak > chairs else 0)
    return _sgr("32", "#" * used, colour) + "." * free + _sgr("1;31", "!" * over, colour)


def timeline_text(counts: list[int], chairs: int, colour: bool = False) -> str:
    out = []
    for count in counts:
        cell = "." if count == 0 else str(count) if count < 10 else "+"
        out.append(_sgr("1;31", cell, colour) if count > chairs else cell)
    return "".join(out)


def _hour_ruler(opens, slots: int, slot_minutes: int) -> str:
    """Hour marks over the timeline: '08 . 10 . 12' with one character per slot."""
    cells = [" "] * slots
    start = opens.hour * 60 + opens.minute
    k = 0
    while k < slots:
        minute = start + k * slot_minutes
        if minute % 120 == 0 and k + 2 <= slots:
            cells[k : k + 2] = list(f"{(minute // 60) % 24:02d}")
            k += 2
            continue
        k += 1
    return "".join(cells).rstrip()


def render_load(report, *, width: int = 80, colour: bool = False) -> str:
    """The report as text: a header, one line per day, what could not be placed, row errors."""
    hours = report.hours
    lines: list[str] = []
    default = " (ketplan default hours)" if hours.hours_are_default else ""
    lines.append(
        f"Chair load: {hours.chairs} chair(s), open {_hm(hours.opens)}-{_hm(hours.closes)}{default}"
        + (f", staggered every {report.stagger_minutes} min" if report.stagger_minutes else "")
    )
    if report.first or report.last:
        lines.append(
            f"Days {report.first.isoformat() if report.first else '...'} to "
            f"{report.last.isoformat() if report.last else '...'}"
        )
    if not report.days:
        lines.append("No session on a clinic day in this window.")
    else:
        slots = len(report.days[0].timeline())
        chairs_head = f"Chairs ({hours.chairs})"
        bar_width = max(len(bar(d.peak[0], hours.chairs)) for d in report.days)
        bar_width = max(bar_width, len(chairs_head))
        rows = []
        for d in report.days:
            flags: list[tuple[str, str | None]] = []  # (text, colour)
            if d.over_capacity:
                flags.append(("OVER", "1;31"))
            if d.outside_hours:
                flags.append(("HOURS", None))
            missing = sum(1 for u in report.unplaced if u.visit.day == d.day)
            if missing:
                flags.append((f"{missing} NOT PLACED", "1;31"))
            rows.append((d, flags))
        flag_width = max((len(" ".join(t for t, _ in flags)) for _, flags in rows), default=0)
        fixed = 15 + 2 + 4 + 2 + 7 + 2 + 5 + 2 + bar_width + (2 + flag_width if flag_width else 0)
        show_timeline = fixed + 2 + slots <= width
        head = f"{'Day':<15}  {'Sess':>4}  {'Chair-h':>7}  {'Peak':>5}  {chairs_head:<{bar_width}}"
        if show_timeline:
            head += "  " + _hour_ruler(hours.opens, slots, 30)
        lines.append(head.rstrip())
        for d, flags in rows:
            peak, _ = d.peak
            chair_h = f"{d.chair_minutes / 60:.1f}/{d.capacity_minutes / 60:g}"
            visible_bar = bar(peak, hours.chairs)
            cell_bar = bar(peak, hours.chairs, colour) + " " * (bar_width - len(visible_bar))
            line = f"{_day(d.day):<15}  {len(d.visits):>4}  {chair_h:>7}  {f'{peak}/{hours.chairs}':>5}  {cell_bar}"
            if show_timeline:
                line += "  " + timeline_text(d.timeline(), hours.chairs, colour)
            if flags:
                line += "  " + " ".join(_sgr(code, text, colour) if code else text for text, code in flags)
            lines.append(line.rstrip())
        over = report.over_days
        lines.append("")
        lines.append(
            f"{len(report.days)} clinic day(s), {sum(len(d.visits) for d in report.days)} session(s); "
            + (f"{len(over)} over capacity (OVER)." if over else "none over capacity.")
        )
        outside = sum(len(d.outside_hours) for d in report.days)
        if outside:
            lines.append(f"{outside} session(s) start before opening or end after closing (HOURS).")
        lines.append("Sess: sessions. Chair-h: needed/available. Peak: most in chairs at once.")
        lines.append("Chairs: # in use at the peak, . free, ! over capacity.")
        if show_timeline:
            lines.append("Timeline: patients in chairs in each half hour (. none).")
    if report.stagger_minutes is not None:
        if report.moved:
            lines.append("")
            lines.append(f"Start times changed by --stagger ({len(report.moved)} session(s)):")
            moved: dict[tuple[str, str, str], list[date]] = {}
            for planned, placed in report.moved:
                moved.setdefault((planned.id, _hm(planned.start), _hm(placed.start)), []).append(planned.day)
            for (row_id, before, after), days in moved.items():
                lines.append(f"  {row_id}: {before} -> {after} on {_days_text(days)}")
        if report.unplaced:
            lines.append("")
            lines.append(f"Could not be placed ({len(report.unplaced)} session(s)):")
            unplaced: dict[tuple[str, str], list[date]] = {}
            for item in report.unplaced:
                unplaced.setdefault((item.visit.id, item.reason), []).append(item.visit.day)
            for (row_id, reason), days in unplaced.items():
                lines.append(f"  {row_id} on {_days_text(days)}: {reason}")
    if report.errors:
        lines.append("")
        lines.append(f"Roster rows not planned ({len(report.errors)}):")
        for line_no, row_id, message in report.errors:
            lines.append(f"  line {line_no} ({'id ' + row_id if row_id else 'no id'}): {message}")
    return "\n".join(_fit(line, width) for line in lines) + "\n"


def _fit(line: str, width: int) -> str:
    if len(SGR.sub("", line)) <= width or "\x1b" in line:
        return line
    from ketplan.export.table import wrap

    return wrap(line, width, indent="    ", fold=False)


def _visit(v) -> dict[str, Any]:
    return {
        "id": v.id,
        "session": v.session,
        "protocol": v.protocol,
        "start": v.start.isoformat(),
        "end": v.end.isoformat(),
        "minutes": v.minutes,
    }


def load_document(report) -> dict[str, Any]:
    """JSON for scripts. Keys are a contract (add, never rename)."""
    hours = report.hours
    days = []
    for d in report.days:
        peak, at = d.peak
        days.append(
            {
                "date": d.day.isoformat(),
                "sessions": [_visit(v) for v in d.visits],
                "session_count": len(d.visits),
                "chair_hours": round(d.chair_minutes / 60, 2),
                "capacity_chair_hours": round(d.capacity_minutes / 60, 2),
                "peak": peak,
                "peak_at": at.isoformat() if at else None,
                "chairs": hours.chairs,
                "over_capacity": d.over_capacity,
                "outside_hours": [_visit(v) for v in d.outside_hours],
                "timeline": {"slot_minutes": 30, "from": _hm(hours.opens), "in_chairs": d.timeline()},
                "bar": bar(peak, hours.chairs),
            }
        )
    return {
        "chairs": hours.chairs,
        "opens": _hm(hours.opens),
        "closes": _hm(hours.closes),
        "hours_are_ketplan_default": hours.hours_are_default,
        "from": report.first.isoformat() if report.first else None,
        "to": report.last.isoformat() if report.last else None,
        "days": days,
        "over_capacity_days": [d.day.isoformat() for d in report.over_days],
        "stagger": None
        if report.stagger_minutes is None
        else {
            "step_minutes": report.stagger_minutes,
            "moved": [
                {"id": a.id, "session": a.session, "date": a.day.isoformat(), "from": _hm(a.start), "to": _hm(b.start)}
                for a, b in report.moved
            ],
            "unplaced": [
                {"id": u.visit.id, "session": u.visit.session, "date": u.visit.day.isoformat(), "reason": u.reason}
                for u in report.unplaced
            ],
        },
        "errors": [{"line": line, "id": row_id, "error": message} for line, row_id, message in report.errors],
    }
