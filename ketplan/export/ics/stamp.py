"""The DTSTAMP policy: `--stamp`, else SOURCE_DATE_EPOCH, else the caller's clock.

The environment and the clock are passed in; nothing here reads them itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime

from ketplan.core.errors import InputError


def stamp_from(value: str | None, environ: Mapping[str, str], now: datetime) -> datetime:
    """The DTSTAMP: `--stamp` (ISO 8601 with Z or an offset), else SOURCE_DATE_EPOCH, else `now`.

    Output is an aware UTC datetime without microseconds. `now` must be aware (the caller's
    clock: `datetime.now(timezone.utc)`); the exporter never reads a clock itself.
    """
    if value is not None:
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise InputError(
                f"--stamp {value!r} is not an ISO 8601 date-time; use e.g. 2026-11-01T00:00:00Z", "stamp"
            ) from None
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            raise InputError(
                f"--stamp {value!r} has no time zone; add Z (UTC) or an offset, e.g. 2026-11-01T00:00:00Z", "stamp"
            )
        return _utc(parsed, "--stamp")
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and epoch.strip() != "":
        if not re.fullmatch(r"\d{1,12}", epoch.strip()):
            raise InputError(
                f"SOURCE_DATE_EPOCH {epoch!r} is not a whole number of seconds since 1970-01-01 UTC", "stamp"
            )
        try:
            moment = datetime.fromtimestamp(int(epoch.strip()), tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise InputError(f"SOURCE_DATE_EPOCH {epoch!r} is out of range", "stamp") from None
        return _utc(moment, "SOURCE_DATE_EPOCH")
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("stamp_from: `now` must be timezone-aware, e.g. datetime.now(timezone.utc)")
    return _utc(now, "the current time")


def _utc(moment: datetime, what: str) -> datetime:
    try:
        out = moment.astimezone(UTC).replace(microsecond=0)
    except (OverflowError, ValueError):
        raise InputError(f"{what} is out of range", "stamp") from None
    if out.year < 1970:
        raise InputError(f"{what} is before 1970", "stamp")
    return out
