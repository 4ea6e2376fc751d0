"""Time zones: strict IANA names, resolved from the `tzdata` package ketplan depends on.

Why the package and not the machine's /usr/share/zoneinfo: the same command must give the same
instants on every machine. zoneinfo prefers the system copy, which may be years older (for
Africa/Casablanca in 2027 two copies differ by an hour), so ketplan reads the zone files of the
`tzdata` package itself (a known IANA release, reported as `tzdata_version` in JSON) and the
VTIMEZONE of a calendar is generated from the same data. When the package is missing (a broken
install) the system copy is used and TZDATA_VERSION says "system".

Accepted: the canonical and link names of the tzdata zone list, UTC among them. Refused, with
the zone to use: the right/ (leap-second) and posix/ trees, which put sessions seconds or an
hour off in calendar programs, `Factory`, `posixrules`, `localtime`, and the fixed-offset or
POSIX-rule names (EST, MST, HST, EST5EDT, ..., Etc/GMT+5), which either never change for
daylight saving or follow US rules in any country. Pure: names in, zones out.
"""

from __future__ import annotations

import bisect
import functools
import re
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ketplan.core.errors import InputError, quoted, ref

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9][A-Za-z0-9_+\-]*){0,2}", re.ASCII)
NOT_ZONES = {
    "Factory": "it is tzdata's placeholder zone ('-00'), not a place",
    "posixrules": "it is a template file of the zone database, not a place",
    "localtime": "it is the name of a system file, not a zone",
}
# Fixed offsets and POSIX-rule names, with the city zone to use instead.
CITY_FOR = {
    "EST": "America/New_York (EST never changes to EDT; America/Panama or America/Cancun keep -05:00 all year)",
    "MST": "America/Denver (MST never changes to MDT; America/Phoenix keeps MST all year)",
    "HST": "Pacific/Honolulu",
    "EST5EDT": "America/New_York",
    "CST6CDT": "America/Chicago",
    "MST7MDT": "America/Denver",
    "PST8PDT": "America/Los_Angeles",
}
_ETC_OFFSET = re.compile(r"Etc/GMT[+-][0-9]{1,2}", re.ASCII)


def _tzdata() -> tuple[str, frozenset[str]]:
    try:
        from importlib import resources

        import tzdata  # type: ignore[import-untyped]

        names = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
        return str(tzdata.IANA_VERSION), frozenset(names)
    except (ImportError, OSError, AttributeError):
        return "system", frozenset()


@functools.cache
def tzdata_info() -> tuple[str, frozenset[str]]:
    """(IANA release of the zone data in use, e.g. '2025b', or 'system'; the zone names)."""
    return _tzdata()


def tzdata_version() -> str:
    return tzdata_info()[0]


class EnvironmentZone(str):
    """A zone name that came from the environment (TZ, /etc/localtime), not from --tz: a bad
    one is reported under its own name."""

    source: str = "TZ"

    def __new__(cls, value: str, source: str = "TZ") -> EnvironmentZone:
        made = super().__new__(cls, value)
        made.source = source
        return made


def environment_zone(tz_variable: str | None, system_zone: str) -> str:
    """The default zone: the TZ variable when set (":Europe/Brussels" and a path into a zoneinfo
    folder are read as the zone name), else the machine's zone name `system_zone`."""
    if tz_variable is not None and tz_variable.strip():
        text = tz_variable.strip().removeprefix(":")
        if text.startswith("/") and "zoneinfo/" in text:
            text = text.split("zoneinfo/", 1)[1]
        return EnvironmentZone(text, "TZ")
    return EnvironmentZone(system_zone, "the system time zone")


def _whose(name: str) -> tuple[str, str]:
    if isinstance(name, EnvironmentZone):
        hint = " or give --tz" if name.source == "TZ" else "; give --tz"
        prefix = (
            f"the TZ environment variable {quoted(str(name))}"
            if name.source == "TZ"
            else f"{name.source} {quoted(str(name))}"
        )
        return prefix, hint
    return f"{ref('tz')} {quoted(name)}", ""


def check_zone_name(name: str) -> str:
    """The zone name, or InputError saying why it is not a usable IANA zone and what to use."""
    if not isinstance(name, str):
        raise InputError(f"{ref('tz')} must be an IANA time-zone name such as Europe/Brussels", "tz")
    who, hint = _whose(name)
    key = str(name).strip()
    fix = (
        f"set TZ to an IANA zone such as Europe/Brussels{hint}"
        if isinstance(name, EnvironmentZone)
        else "use an IANA zone such as Europe/Brussels or America/New_York"
    )
    if key.startswith(("right/", "posix/")):
        tree = key.split("/", 1)[0]
        rest = key.split("/", 1)[1]
        raise InputError(
            f"{who} is in the {tree}/ tree of the zone database, which calendar programs do not use "
            f"(right/ counts leap seconds); use {rest}",
            "tz",
        )
    if key in NOT_ZONES:
        raise InputError(f"{who} is not usable: {NOT_ZONES[key]}; {fix}", "tz")
    if key in CITY_FOR:
        raise InputError(
            f"{who} is a fixed-offset or US-rule abbreviation, not a place; use the city zone: {CITY_FOR[key]}",
            "tz",
        )
    if _ETC_OFFSET.fullmatch(key) and key not in ("Etc/GMT+0", "Etc/GMT-0"):
        offset = key[7:]
        real = ("-" if offset[0] == "+" else "+") + offset[1:].zfill(2)
        raise InputError(
            f"{who} is a fixed offset of UTC{real}:00 all year (the sign in Etc/ names is inverted) with no "
            "daylight saving; use the city zone, e.g. America/New_York or Europe/Brussels",
            "tz",
        )
    _version, names = tzdata_info()
    if not key or len(key) > 64 or not _NAME.fullmatch(key) or (names and key not in names):
        raise InputError(f"{who} is not a known IANA time zone; {fix}", "tz")
    return key


@functools.cache
def _load(key: str) -> ZoneInfo:
    try:
        from importlib import resources

        with resources.files("tzdata.zoneinfo").joinpath(*key.split("/")).open("rb") as handle:
            return ZoneInfo.from_file(handle, key=key)
    except (ImportError, OSError, ValueError):
        return ZoneInfo(key)  # no tzdata package: the system copy (TZDATA_VERSION says "system")


def resolve_zone(name: str) -> ZoneInfo:
    """The zone for a strict IANA name, from the tzdata package's data (cached per process)."""
    key = check_zone_name(name)
    try:
        return _load(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        who, _ = _whose(name)
        raise InputError(
            f"{who} is not a known IANA time zone (e.g. Europe/Brussels, America/New_York)", "tz"
        ) from None


def zone(key: str) -> ZoneInfo:
    """The zone object for a key already checked (a plan's `timezone`), from the same data."""
    return _load(key)


class OffsetChange(NamedTuple):
    instant: datetime  # UTC, the first second of the new offset
    offset_before: timedelta
    offset_after: timedelta
    forward: bool  # the clocks go forward (DAYLIGHT in a VTIMEZONE)
    name: str  # the abbreviation after the change, e.g. CEST


@functools.lru_cache(maxsize=64)
def offset_changes(zone: ZoneInfo, first_year: int, last_year: int) -> tuple[OffsetChange, ...]:
    """Every change of `zone`'s UTC offset from 1 January `first_year` to 1 January
    `last_year + 1` (UTC), in order. Cached: a roster asks for the same zones and years.

    Found by stepping a day at a time and bisecting to the second: transitions are months
    apart, and two within one day would cancel out unseen (no zone in the tzdata has that)."""

    def offset(second: int) -> timedelta:
        return datetime.fromtimestamp(second, tz=UTC).astimezone(zone).utcoffset() or timedelta(0)

    out = []
    step = 24 * 3600
    here = int(datetime(first_year, 1, 1, tzinfo=UTC).timestamp())
    stop = int(datetime(last_year + 1, 1, 1, tzinfo=UTC).timestamp())
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
            after = offset(hi)
            # Forward = the larger offset (tzdata calls Irish winter time "DST" with a negative
            # offset; calendar programs expect DAYLIGHT to be the larger offset).
            name = instant.astimezone(zone).tzname() or zone.key
            out.append(OffsetChange(instant, before, after, after > before, name))
            before = after
            here = hi
            continue
        here = there
    return tuple(out)


class SteadyOffset:
    """Whether `zone` keeps one UTC offset between two instants, for instants from 1 January
    `first_year` to 1 January `last_year + 1`: where it does, local times a few hours apart
    differ by exactly their elapsed time, and no wall-clock time in between occurs twice, so a
    calendar can do that arithmetic on wall-clock times (much cheaper than a zone conversion
    each). Outside the years it knows it answers False: the caller then converts exactly."""

    def __init__(self, zone: ZoneInfo, first_year: int, last_year: int) -> None:
        self._changes = [change.instant.timestamp() for change in offset_changes(zone, first_year, last_year)]
        self._first = datetime(first_year, 1, 1, tzinfo=UTC).timestamp()
        self._last = datetime(last_year + 1, 1, 1, tzinfo=UTC).timestamp()

    def between(self, begin: datetime, end: datetime) -> bool:
        """No change of offset in (begin, end]; both aware."""
        first, last = begin.timestamp(), end.timestamp()
        if first < self._first or last > self._last:
            return False
        after = bisect.bisect_right(self._changes, first)
        return after == len(self._changes) or self._changes[after] > last
