"""The course as month grids, like `cal`: as many months side by side as the width allows.

Pure: the caller passes today, the width and whether colour is allowed; nothing here reads a
clock, the environment or the terminal. Every mark is a character as well as a colour, so the
grid reads the same printed in black and white (NO_COLOR, a pipe, TERM=dumb):

    *  session                      +  given (once the course has a record)
    >  moved session (moved here)   x  missed
    #  session + checkpoint         -  cancelled
    !  checkpoint (no session)      @  today (when nothing else marks the day)

Each day is three characters, the mark and the day of the month ("*15", " 3"), so a month is
21 columns wide and three fit side by side in 80 columns. One mark per day: a recorded status
wins over a moved session, a moved session over a plain one, a session over a checkpoint, and
any of them over today (today is also shown in reverse video with colour, and named in the
legend). Checkpoints due after every session (the REMS form) are not marked day by day: they
would mark a second day for every session; the notes name them once.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

MONTH_WIDTH = 21  # 7 days x 3 characters
GAP = 2  # columns between months side by side
WEEKDAY_HEADER = " Mo Tu We Th Fr Sa Su"

# mark -> (meaning, ANSI SGR parameters)
MARKS: dict[str, tuple[str, str]] = {
    "*": ("session", "1;32"),
    ">": ("moved session", "1;33"),
    "#": ("session + checkpoint", "1;35"),
    "!": ("checkpoint", "35"),
    "+": ("given", "32"),
    "x": ("missed", "1;31"),
    "-": ("cancelled", "2"),
    "@": ("today", "7"),
}
STATUS_MARKS = {"given": "+", "missed": "x", "cancelled": "-"}
STATUSES = ("planned", "given", "missed", "cancelled")


@dataclass(frozen=True)
class DayMark:
    mark: str  # one of MARKS, or " "
    today: bool = False


def _sgr(code: str, text: str) -> str:
    return f"\x1b[{code}m{text}\x1b[0m"


def day_marks(plan, *, today: date | None = None, status: Mapping[int, str] | None = None) -> dict[date, DayMark]:
    """The mark of every marked day of the plan (and today), by the priority in the module doc."""
    status = dict(status or {})
    for n, value in status.items():
        if value not in STATUSES:
            raise ValueError(f"session {n}: status {value!r} is not one of {', '.join(STATUSES)}")
    checkpoint_days = {c.date for c in _grid_checkpoints(plan)}
    marks: dict[date, str] = dict.fromkeys(checkpoint_days, "!")
    for session in plan.sessions:
        recorded = STATUS_MARKS.get(status.get(session.n, "planned"))
        if recorded is not None:
            mark = recorded
        elif session.moved_from is not None:
            mark = ">"
        elif session.date in checkpoint_days:
            mark = "#"
        else:
            mark = "*"
        previous = marks.get(session.date)
        # Two sessions never share a day in a plan; a recorded extra session might: keep the stronger.
        if previous is None or _rank(mark) > _rank(previous):
            marks[session.date] = mark
    out = {day: DayMark(mark, today == day) for day, mark in marks.items()}
    if today is not None and today not in out:
        out[today] = DayMark("@", True)
    return out


def _rank(mark: str) -> int:
    return "!*#>-+x".index(mark)


def _grid_checkpoints(plan):
    per_session = _per_session_rules(plan)
    return [c for c in plan.checkpoints if c.id not in per_session]


def _per_session_rules(plan) -> dict[str, Any]:
    return {r.id: r for r in plan.protocol.checkpoints if r.when.value == "after-each-session"}


def months_spanned(plan, today: date | None = None) -> list[tuple[int, int]]:
    """(year, month) from the first marked day to the last session, every month in between."""
    days = [s.date for s in plan.sessions] + [c.date for c in _grid_checkpoints(plan)]
    first, last = min(days), max(days)
    out = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def month_lines(year: int, month: int, marks: Mapping[date, DayMark], colour: bool) -> list[str]:
    """One month: its title, the weekday header and one line per week, each 21 columns wide."""
    title = f"{calendar.month_name[month]} {year}".center(MONTH_WIDTH)
    if colour:  # bold on the words only, so the padding stays plain (and strippable)
        name = title.strip()
        title = title.replace(name, _sgr("1", name))
    lines = [title, WEEKDAY_HEADER]
    for week in calendar.Calendar(firstweekday=0).monthdayscalendar(year, month):
        cells = []
        for day in week:
            if day == 0:
                cells.append("   ")
                continue
            mark = marks.get(date(year, month, day))
            symbol = mark.mark if mark else " "
            cell = f"{symbol}{day}".rjust(3)  # the mark touches its own day: " *5", "*15"
            if colour and mark is not None:
                codes = []
                if symbol != "@":
                    codes.append(MARKS[symbol][1])
                if mark.today:
                    codes.append("7")
                cell = _sgr(";".join(codes), cell)
            cells.append(cell)
        lines.append("".join(cells))
    return lines


def _pad(line: str, width: int) -> str:
    visible = len(_strip_sgr(line))
    return line + " " * (width - visible)


def _strip_sgr(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def months_per_row(width: int) -> int:
    return max(1, (width + GAP) // (MONTH_WIDTH + GAP))


def render_month(
    plan,
    *,
    today: date | None = None,
    width: int = 80,
    colour: bool = False,
    status: Mapping[int, str] | None = None,
    notes: bool = True,
) -> str:
    """The plan as month grids `width` columns wide, then a legend and (with `notes`) one line
    per moved session and per checkpoint date. Ends with a newline."""
    marks = day_marks(plan, today=today, status=status)
    months = months_spanned(plan, today)
    per_row = months_per_row(width)
    out: list[str] = []
    title = plan.protocol.title if not plan.label else f"{plan.label}: {plan.protocol.title}"
    out.extend(_wrap(title, width))
    out.append("")
    for index in range(0, len(months), per_row):
        band = [month_lines(y, m, marks, colour) for y, m in months[index : index + per_row]]
        height = max(len(b) for b in band)
        for row in range(height):
            parts = [_pad(b[row] if row < len(b) else "", MONTH_WIDTH) for b in band]
            out.append((" " * GAP).join(parts).rstrip())
        out.append("")
    out.extend(_legend(marks, status, today, width, colour))
    if notes:
        out.extend(_notes(plan, width))
    return "\n".join(out).rstrip("\n") + "\n"


def _legend(marks: Mapping[date, DayMark], status, today: date | None, width: int, colour: bool) -> list[str]:
    used = {m.mark for m in marks.values()}
    shown = ["*", ">", "#", "!"]
    if status:
        shown += [m for m in ("+", "x", "-") if m in used]
    if today is not None:
        shown.append("@")
    items = []
    for mark in shown:
        # An item wider than the line (a very narrow terminal) wraps on its own lines.
        for piece in _wrap(f"{mark} {MARKS[mark][0]}", width, indent="  "):
            items.append(_sgr(MARKS[mark][1], piece) if colour else piece)
    lines = _join_items(items, width, "   ")
    if today is not None:
        lines.append(f"Today: {today.strftime('%a')} {today.day} {today.strftime('%b %Y')}")
    return lines


def _notes(plan, width: int) -> list[str]:
    """One line per moved session and per checkpoint date, in date order."""
    dated: list[tuple[date, int, str]] = []
    for session in plan.sessions:
        if session.moved_from is not None:
            text = f"> {_short(session.date)}: session {session.n}, moved from {_short(session.moved_from)}"
            dated.append((session.date, 0, f"{text}: {session.reason}" if session.reason else text))
    by_day: dict[date, list[str]] = {}
    for checkpoint in _grid_checkpoints(plan):
        by_day.setdefault(checkpoint.date, []).append(_title(checkpoint.title))
    for day, titles in by_day.items():
        dated.append((day, 1, f"! {_short(day)}: {'; '.join(dict.fromkeys(titles))}"))
    lines: list[str] = []
    for _, _, text in sorted(dated):
        lines.extend(_wrap(text, width, indent="    "))
    for rule in _per_session_rules(plan).values():
        lines.extend(_wrap(f"  {rule.title}: {rule.offset_days} days after each session", width, indent="    "))
    return lines


def _title(text: str) -> str:
    # "Screen ... (at session 13)": the session is already the marked day.
    head, sep, tail = text.rpartition(" (at session ")
    return head if sep and tail.endswith(")") else text


def _short(day: date) -> str:
    return f"{day.strftime('%a')} {day.day} {day.strftime('%b %Y')}"


def _join_items(items: list[str], width: int, sep: str) -> list[str]:
    lines, current, current_len = [], "", 0
    for item in items:
        length = len(_strip_sgr(item))
        if current and current_len + len(sep) + length > width:
            lines.append(current)
            current, current_len = "", 0
        if current:
            current += sep
            current_len += len(sep)
        current += item
        current_len += length
    if current:
        lines.append(current)
    return lines


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    # The table module's wrap: a day is never split from its month, nor a number from its unit.
    from ketplan.export.table import wrap

    return wrap(text, max(width, 1), indent=indent, fold=False).split("\n")


def render_plan(plan, options) -> str:
    """The `month` format (ketplan.export.formats): colour from `options.color`, today from
    `options.today`, the width and a course record from `options.extra` (all decided by the
    command line). A file gets plain text, 80 columns."""
    extra = dict(getattr(options, "extra", {}) or {})
    to_file = bool(getattr(options, "to_file", False))
    return render_month(
        plan,
        today=getattr(options, "today", None),
        width=80 if to_file else int(extra.get("width", 80)),
        colour=False if to_file else bool(getattr(options, "color", False)),
        status=extra.get("status"),
    )
