"""Reading the dates and clock times a user types. Strict: ISO dates, 24-hour HH:MM."""

from __future__ import annotations

import calendar
import re
from datetime import date, time

from ketplan.core.errors import InputError, printable, ref

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})", re.ASCII)


def parse_iso_date(text: str, field: str = "start") -> date:
    """'2026-12-01' -> date. Impossible dates (2026-02-30, 2026-13-01) are refused with the reason."""
    option = ref(field)
    cleaned = str(text).strip()
    match = _ISO_DATE.fullmatch(cleaned)
    if match is None:
        raise InputError(f"{option} {printable(cleaned, 30)!r} is not a date; use YYYY-MM-DD, e.g. 2026-12-01", field)
    year, month, day = (int(g) for g in match.groups())
    if year < 1:
        raise InputError(f"{option} {cleaned}: year 0 does not exist", field)
    if not 1 <= month <= 12:
        raise InputError(f"{option} {cleaned}: there is no month {month}; months run 01-12", field)
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise InputError(
            f"{option} {cleaned} is not a real date: {calendar.month_name[month]} {year} has {last} days", field
        )
    return date(year, month, day)


def parse_clock(text: str, field: str = "time") -> time:
    """'09:00' -> time(9, 0). 24-hour clock."""
    option = ref(field)
    cleaned = str(text).strip()
    match = _CLOCK.fullmatch(cleaned)
    if match is None:
        raise InputError(f"{option} {printable(cleaned, 30)!r} is not a time; use 24-hour HH:MM, e.g. 09:00", field)
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise InputError(f"{option} {cleaned} is not a time of day; hours run 00-23 and minutes 00-59", field)
    return time(hour, minute)
