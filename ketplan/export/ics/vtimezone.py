"""VTIMEZONE components generated from the zone data, with yearly RRULEs where the zone has them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar


def vtimezone(zone: ZoneInfo, first: date, last: date) -> icalendar.Timezone:
    """A VTIMEZONE for `zone` valid from January of the year before `first` to the end of the
    year after `last`.

    Written the classic way, one STANDARD and one DAYLIGHT observance with a yearly RRULE
    (e.g. BYMONTH=10;BYDAY=-1SU), whenever the zone follows one fixed rule over that span:
    Outlook reads only DTSTART, RRULE and the offsets of a VTIMEZONE and ignores RDATE
    ([MS-STANOICAL] 2.2.47), so the RDATE lists icalendar generates could put Outlook an
    hour out for part of the year. Zones whose rules change within the span fall back to
    icalendar's own generator (explicit transitions). Onsets are local wall-clock times
    before the change (RFC 5545 3.6.5).
    """
    start = datetime(first.year - 1, 1, 1, tzinfo=UTC)
    end = datetime(last.year + 2, 1, 1, tzinfo=UTC)
    transitions = _transitions(zone, start, end)
    tz = icalendar.Timezone()
    tz.add("tzid", zone.key)
    tz.add("x-lic-location", zone.key)
    if not transitions:
        moment = start.astimezone(zone)
        fixed = icalendar.TimezoneStandard()
        fixed.add("dtstart", datetime(1970, 1, 1))
        fixed.add("tzoffsetfrom", moment.utcoffset())
        fixed.add("tzoffsetto", moment.utcoffset())
        fixed.add("tzname", moment.tzname() or zone.key)
        tz.add_component(fixed)
        return tz
    rules = _yearly_rules(transitions, first.year - 1, last.year + 1)
    if rules is None:
        # No fixed yearly rule (e.g. Africa/Casablanca): the state at the start, then one
        # observance per transition. (icalendar's Timezone.from_tzinfo is not used: in
        # 7.3.2 it drops some transitions, e.g. Casablanca's in 2027.)
        moment = start.astimezone(zone)
        rules = [
            (
                (moment.dst() or timedelta(0)) > timedelta(0),
                moment.replace(tzinfo=None),
                moment.utcoffset(),
                moment.utcoffset(),
                moment.tzname() or zone.key,
                None,
            )
        ]
        for instant, offset_from, offset_to, daylight, name in transitions:
            rules.append((daylight, (instant + offset_from).replace(tzinfo=None), offset_from, offset_to, name, None))
    for daylight, onset, offset_from, offset_to, name, rrule in rules:
        observance = icalendar.TimezoneDaylight() if daylight else icalendar.TimezoneStandard()
        observance.add("dtstart", onset)
        if rrule is not None:
            observance.add("rrule", rrule)
        observance.add("tzoffsetfrom", offset_from)
        observance.add("tzoffsetto", offset_to)
        observance.add("tzname", name)
        tz.add_component(observance)
    return tz


def _transitions(
    zone: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, timedelta, timedelta, bool, str]]:
    """Every UTC-offset change in [start, end): (UTC instant, offset before, offset after,
    clocks go forward, name after)."""

    def offset(second: int) -> timedelta:
        return datetime.fromtimestamp(second, tz=UTC).astimezone(zone).utcoffset() or timedelta(0)

    out = []
    step = 24 * 3600  # transitions are months apart; two within one day would cancel out unseen
    here, stop = int(start.timestamp()), int(end.timestamp())
    before = offset(here)
    while here < stop:
        there = here + step
        if offset(there) != before:
            lo, hi = here, there  # offset(lo) == before != offset(hi); transitions fall on whole seconds
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if offset(mid) == before:
                    lo = mid
                else:
                    hi = mid
            instant = datetime.fromtimestamp(hi, tz=UTC)
            local = instant.astimezone(zone)
            # DAYLIGHT = the clocks go forward. (tzdata calls Irish winter time "DST" with a
            # negative offset; calendar programs expect DAYLIGHT to be the larger offset.)
            after = offset(hi)
            out.append((instant, before, after, after > before, local.tzname() or zone.key))
            before = after
            here = hi
            continue
        here = there
    return out


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
