"""Adapters between the clinic's world and the pure core: public holidays and the system time zone.

Kept out of the core because they reach outside it (the `holidays` tables, /etc/localtime,
the TZ variable); the core only ever sees a ClinicCalendar and a zone name.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path

from ketplan.core.errors import InputError, ref
from ketplan.core.schedule import ClinicCalendar


@functools.lru_cache(maxsize=64)
def holiday_lookup(code: str, first_year: int, last_year: int) -> Callable[[date], str | None]:
    """Public holidays of a country (`BE`) or a subdivision (`US-NY`), via the `holidays` package.

    Cached per process (the arguments are the key): a roster builds each table once, not once
    per patient. The returned lookup only reads the table."""
    import holidays  # heavy: imported only when --holidays is used

    cleaned = str(code).strip().upper()
    country, _, subdivision = cleaned.partition("-")
    if not country.isascii() or not country.isalpha() or len(country) not in (2, 3) or len(cleaned) > 64:
        shown = repr(str(code)) if len(repr(str(code))) <= 30 else repr(str(code))[:28] + "…'"
        raise InputError(
            f"{ref('holidays')} {shown} is not a country code; use an ISO code such as BE, US or US-NY", "holidays"
        )
    from ketplan.io.holiday_codes import hint

    try:
        table = holidays.country_holidays(
            country, subdiv=subdivision or None, years=range(first_year, last_year + 1), language="en_US"
        )
    except NotImplementedError:
        raise InputError(
            f"{ref('holidays')} {cleaned}: no public-holiday table for that {'subdivision' if subdivision else 'country'}{hint(cleaned)}",
            "holidays",
        ) from None
    except (ValueError, KeyError) as error:
        raise InputError(f"{ref('holidays')} {cleaned}: {error}{hint(cleaned)}", "holidays") from None

    # The table's own lookup converts and checks its key on every call, several times a session:
    # the years asked for are read into a plain dict once. Other days (a checkpoint a week before a
    # January start) go to the table, which adds their year as it always did.
    names = {day: str(found) for day, found in table.items() if found}

    def name(day: date) -> str | None:
        if type(day) is date and first_year <= day.year <= last_year:
            return names.get(day)
        found = table.get(day)
        return str(found) if found else None

    return name


def clinic_calendar(
    closed_weekdays: Iterable[int],
    skip_dates: Iterable[date] = (),
    holidays_code: str | None = None,
    years: tuple[int, int] | None = None,
) -> ClinicCalendar:
    closed_dates: Mapping[date, str] = dict.fromkeys(skip_dates, "date skipped (--skip)")
    lookup = None
    if holidays_code:
        first, last = years or (2000, 2100)
        lookup = holiday_lookup(holidays_code, first, last)
    return ClinicCalendar(closed_weekdays=frozenset(closed_weekdays), closed_dates=closed_dates, holiday_name=lookup)


def system_zone_name(environ: Mapping[str, str] = os.environ) -> str:
    """The IANA name of this machine's zone, for --tz's default; UTC when it cannot be told."""
    tz = environ.get("TZ", "").strip().lstrip(":")
    if tz and "/" in tz and not tz.startswith("/"):
        return tz
    if tz in ("UTC", "GMT"):
        return "UTC"
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    try:
        name = Path("/etc/timezone").read_text(encoding="utf-8").strip()
        if name:
            return name
    except OSError:
        pass
    return "UTC"
