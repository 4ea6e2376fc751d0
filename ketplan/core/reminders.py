"""Session reminders as the user asks for them (`--remind`): input parsing, no calendar code.

`parse_reminders` turns the option text into `Reminder` values; the iCalendar exporter turns
each into a VALARM. Pure: no clock, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ketplan.core.errors import InputError

MAX_REMINDER_MINUTES = 7 * 24 * 60
REMIND_ACCEPTED = "use 'default', 'none' or a comma list of 'evening' and times before the session such as 90m, 2h, 1h30m, 1d (up to 7d)"


@dataclass(frozen=True)
class Reminder:
    """One DISPLAY alarm per session: `minutes_before` the start, or 18:00 local the day before."""

    minutes_before: int | None = None
    evening_before: bool = False

    def __post_init__(self) -> None:
        if self.evening_before == (self.minutes_before is not None):
            raise ValueError("a Reminder is either evening_before or minutes_before")
        if self.minutes_before is not None and not 0 < self.minutes_before <= MAX_REMINDER_MINUTES:
            raise ValueError("minutes_before must be 1 minute to 7 days")


DEFAULT_REMINDERS = (Reminder(evening_before=True), Reminder(minutes_before=60))

_DURATION = re.compile(r"(?:([0-9]{1,4})d)?(?:([0-9]{1,4})h)?(?:([0-9]{1,5})m(?:in)?)?", re.ASCII)


def parse_reminders(text: str) -> tuple[Reminder, ...]:
    """`--remind`: 'default' (evening before + 60 min before), 'none', or e.g. 'evening,90m,1d'."""
    if not isinstance(text, str):
        raise InputError(f"--remind: {REMIND_ACCEPTED}", "remind")
    value = text.strip().lower()
    if value == "default":
        return DEFAULT_REMINDERS
    if value == "none":
        return ()
    items = [item.strip() for item in value.split(",")]
    out: list[Reminder] = []
    for item in items:
        if item in ("default", "none"):
            raise InputError(f"--remind '{item}' cannot be combined with other reminders; {REMIND_ACCEPTED}", "remind")
        if item == "evening":
            reminder = Reminder(evening_before=True)
        else:
            match = _DURATION.fullmatch(item)
            if not item or not match or not any(match.groups()):
                shown = item or "(empty)"
                raise InputError(f"--remind {shown!r} is not a reminder; {REMIND_ACCEPTED}", "remind")
            days, hours, minutes = (int(g) if g else 0 for g in match.groups())
            total = days * 1440 + hours * 60 + minutes
            if total <= 0:
                raise InputError(
                    f"--remind {item!r} is zero; a reminder must come at least 1 minute before the session", "remind"
                )
            if total > MAX_REMINDER_MINUTES:
                raise InputError(f"--remind {item!r} is more than 7 days before the session; use 7d or less", "remind")
            reminder = Reminder(minutes_before=total)
        if reminder in out:
            raise InputError(
                f"--remind lists {item!r} twice (or the same time twice); give each reminder once", "remind"
            )
        out.append(reminder)
    return tuple(out)
