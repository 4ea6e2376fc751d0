"""VTIMEZONE components generated from the zone data (the tzdata package, ketplan.core.zones),
with yearly RRULEs where the zone has them. Standard library only."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from ketplan.core.zones import offset_changes


@functools.lru_cache(maxsize=64)
def vtimezone_lines(zone: ZoneInfo, first_year: int, last_year: int) -> tuple[str, ...]:
    """A VTIMEZONE for `zone` valid from January of the year before `first_year` to the end of
    the year after `last_year`, as content lines (cached: a roster reuses it).

    Written the classic way, one STANDARD and one DAYLIGHT observance with a yearly RRULE
    (e.g. BYMONTH=10;BYDAY=-1SU), whenever the zone follows one fixed rule over that span:
    Outlook reads only DTSTART, RRULE and the offsets of a VTIMEZONE and ignores RDATE
    ([MS-STANOICAL] 2.2.47), so the RDATE lists icalendar generates could put Outlook an
    hour out for part of the year. Zones whose rules change within the span get one
    observance per transition instead (explicit onsets). Onsets are local wall-clock times
    before the change (RFC 5545 3.6.5).
    """
    start = datetime(first_year - 1, 1, 1, tzinfo=UTC)
    transitions = offset_changes(zone, first_year - 1, last_year + 1)
    out = ["BEGIN:VTIMEZONE", f"TZID:{zone.key}", f"X-LIC-LOCATION:{zone.key}"]
    if not transitions:
        moment = start.astimezone(zone)
        offset = moment.utcoffset() or timedelta(0)
        out += _observance(False, datetime(1970, 1, 1), offset, offset, moment.tzname() or zone.key, None)
        return (*out, "END:VTIMEZONE")
    rules = _yearly_rules(transitions, first_year - 1, last_year + 1)
    if rules is None:
        # No fixed yearly rule (e.g. Africa/Casablanca): the state at the start, then one
        # observance per transition.
        moment = start.astimezone(zone)
        offset = moment.utcoffset() or timedelta(0)
        rules = [
            (
                (moment.dst() or timedelta(0)) > timedelta(0),
                moment.replace(tzinfo=None),
                offset,
                offset,
                moment.tzname() or zone.key,
                None,
            )
        ]
        for instant, offset_from, offset_to, daylight, name in transitions:
            rules.append((daylight, (instant + offset_from).replace(tzinfo=None), offset_from, offset_to, name, None))
    for daylight, onset, offset_from, offset_to, name, rrule in rules:
        out += _observance(daylight, onset, offset_from, offset_to, name, rrule)
    return (*out, "END:VTIMEZONE")


def _observance(
    daylight: bool, onset: datetime, offset_from: timedelta, offset_to: timedelta, name: str, rrule: dict | None
) -> list[str]:
    kind = "DAYLIGHT" if daylight else "STANDARD"
    lines = [f"BEGIN:{kind}", f"DTSTART:{onset.strftime('%Y%m%dT%H%M%S')}"]
    if rrule is not None:
        lines.append(f"RRULE:FREQ=YEARLY;BYDAY={rrule['byday']};BYMONTH={rrule['bymonth']}")
    lines += [
        f"TZOFFSETFROM:{_offset(offset_from)}",
        f"TZOFFSETTO:{_offset(offset_to)}",
        "TZNAME:" + name.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,"),
        f"END:{kind}",
    ]
    return lines


def _offset(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


def _yearly_rules(transitions, first_year: int, last_year: int):
    """One yearly RRULE per kind of transition, or None when the zone does not follow one
    fixed rule in every year from first_year to last_year."""
    groups: dict[tuple, list[datetime]] = {}
    for instant, offset_from, offset_to, daylight, name in transitions:
        onset = (instant + offset_from).replace(tzinfo=None)
        groups.setdefault((daylight, offset_from, offset_to, name), []).append(onset)
    if len(groups) != 2 or {key[0] for key in groups} != {True, False}:
        return None
    rules = []
    for (daylight, offset_from, offset_to, name), onsets in sorted(groups.items(), key=lambda item: item[1][0]):
        if [o.year for o in onsets] != list(range(first_year, last_year + 1)):
            return None
        if len({(o.month, o.time(), o.weekday()) for o in onsets}) != 1:
            return None
        day = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][onsets[0].weekday()]
        if all(o.day + 7 > _days_in_month(o) for o in onsets):
            byday = f"-1{day}"
        elif len({(o.day - 1) // 7 for o in onsets}) == 1 and onsets[0].day <= 28:
            byday = f"{(onsets[0].day - 1) // 7 + 1}{day}"
        else:
            return None
        rrule = {"freq": "yearly", "bymonth": onsets[0].month, "byday": byday}
        rules.append((daylight, onsets[0], offset_from, offset_to, name, rrule))
    return rules


def _days_in_month(moment: datetime) -> int:
    following = date(moment.year + (moment.month == 12), moment.month % 12 + 1, 1)
    return (following - timedelta(days=1)).day
