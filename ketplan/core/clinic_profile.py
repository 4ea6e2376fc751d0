"""The clinic profile: one clinic's defaults, set once (`clinic.toml`), used by every plan.

Pure: this module validates values that were already read (a dict from TOML); finding and
reading the file is `ketplan.io.profile`, and merging the profile with the command line and
a roster row is `ketplan.app.settings`. Every value goes through the same parser as the
option of the same meaning (`--days`, `--time`, ...), so a profile accepts what the command
line accepts.

Keys (all optional):
    name, phone, address       shown on patient handouts
    opens, closes              opening hours, HH:MM (chair load, handouts)
    timezone                   IANA zone, e.g. America/New_York (`--tz`)
    open_days                  the clinic's days, e.g. "mon,tue,wed,thu,fri"; other weekdays are closed
    closed_dates               [{date = 2026-12-24, reason = "..."}, {date = 2026-12-28, until = 2027-01-01, reason = "..."}]
    holidays                   public-holiday code, e.g. US-NY (`--holidays`)
    time                       usual session start, HH:MM (`--time`)
    setting                    outpatient or inpatient
    concentration              IV vial strength, mg/mL (`--concentration`)
    final_volume               IV bag volume after dilution, mL (`--final-volume`)
    infusion_minutes           IV infusion length, minutes (`--minutes`)
    chairs                     treatment chairs (capacity)
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ketplan.core.dates import parse_clock
from ketplan.core.errors import InputError
from ketplan.core.schedule import WEEKDAY_NAMES, parse_weekdays

PROFILE_KEYS = (
    "name",
    "phone",
    "address",
    "opens",
    "closes",
    "timezone",
    "open_days",
    "closed_dates",
    "holidays",
    "time",
    "setting",
    "concentration",
    "final_volume",
    "infusion_minutes",
    "chairs",
)
MAX_CLOSURE_DAYS = 366


def _plain(error: InputError) -> str:
    """A core message without the option spelling: the profile names its own key."""
    return error.spelled(lambda field: field)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ValueError("give a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date; use YYYY-MM-DD")


class ClosedDates(BaseModel):
    """A date (or an inclusive range `date`..`until`) the clinic is closed, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: dt.date
    until: dt.date | None = None
    reason: str = Field(min_length=1, max_length=80)

    @model_validator(mode="before")
    @classmethod
    def _range_text(cls, data: Any) -> Any:
        # `date = "2026-12-28..2027-01-01"` is the same as date + until.
        if isinstance(data, dict) and isinstance(data.get("date"), str) and ".." in data["date"]:
            first, _, last = data["date"].partition("..")
            if "until" in data:
                raise ValueError("give a range either as date = 'A..B' or with until, not both")
            data = {**data, "date": first, "until": last}
        return data

    @field_validator("date", "until", mode="before")
    @classmethod
    def _dates(cls, value: Any) -> Any:
        return None if value is None else _date(value)

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        cleaned = value.strip()
        if not cleaned or any(ord(c) < 32 for c in cleaned):
            raise ValueError("reason must be printable text, e.g. 'staff training'")
        return cleaned

    @model_validator(mode="after")
    def _order(self) -> ClosedDates:
        if self.until is not None:
            if self.until < self.date:
                raise ValueError(f"until {self.until} is before date {self.date}")
            if (self.until - self.date).days >= MAX_CLOSURE_DAYS:
                raise ValueError(f"a closure longer than {MAX_CLOSURE_DAYS} days is not a closure")
        return self

    def days(self) -> list[dt.date]:
        last = self.until or self.date
        return [self.date + dt.timedelta(days=k) for k in range((last - self.date).days + 1)]


class ClinicProfile(BaseModel):
    """A validated clinic profile. Values are kept as the profile spells them (text), with
    parsed views for the planner; None means the profile does not set it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(None, max_length=120)
    phone: str | None = Field(None, max_length=40)
    address: str | None = Field(None, max_length=200)
    opens: str | None = None
    closes: str | None = None
    timezone: str | None = None
    open_days: str | None = None
    closed_dates: tuple[ClosedDates, ...] = ()
    holidays: str | None = None
    time: str | None = None
    setting: Literal["outpatient", "inpatient"] | None = None
    concentration: float | None = Field(None, gt=0, le=100)
    final_volume: float | None = Field(None, gt=0, le=1000)
    infusion_minutes: float | None = Field(None, gt=0, le=1440)
    chairs: int | None = Field(None, ge=1, le=500)

    @field_validator("open_days", mode="before")
    @classmethod
    def _open_days(cls, value: Any) -> Any:
        if isinstance(value, list):  # open_days = ["mon", "tue"] is fine too
            if not all(isinstance(v, str) for v in value):
                raise ValueError("list weekdays as text, e.g. 'mon,tue,wed,thu,fri'")
            value = ",".join(value)
        if isinstance(value, str):
            try:
                days = parse_weekdays(value, "open_days")
            except InputError as error:
                raise ValueError(_plain(error)) from None
            return ",".join(WEEKDAY_NAMES[d] for d in sorted(days))
        return value

    @field_validator("opens", "closes", "time", mode="before")
    @classmethod
    def _clock(cls, value: Any, info) -> Any:
        if isinstance(value, dt.time):
            value = value.strftime("%H:%M")
        if isinstance(value, str):
            try:
                return parse_clock(value, info.field_name).strftime("%H:%M")
            except InputError as error:
                raise ValueError(_plain(error)) from None
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from ketplan.core.plan import resolve_zone

        try:
            return resolve_zone(value).key
        except InputError as error:
            raise ValueError(_plain(error).removeprefix("tz ")) from None

    @field_validator("holidays", "name", "phone", "address")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        if value is None:
            return None
        cleaned = value.strip()
        if not cleaned:
            raise ValueError("is empty; leave the key out instead")
        if any(ord(c) < 32 and c not in "\n" for c in cleaned):
            raise ValueError("holds control characters")
        return cleaned

    @model_validator(mode="after")
    def _hours(self) -> ClinicProfile:
        if self.opens and self.closes and self.closes <= self.opens:
            raise ValueError(f"closes {self.closes} is not after opens {self.opens}")
        return self

    # Parsed views -----------------------------------------------------------------

    @property
    def open_weekdays(self) -> tuple[int, ...] | None:
        return None if self.open_days is None else parse_weekdays(self.open_days, "open_days")

    @property
    def closed_weekdays_text(self) -> str | None:
        """open_days as the equivalent `--closed` value."""
        days = self.open_weekdays
        if days is None:
            return None
        closed = [WEEKDAY_NAMES[d] for d in range(7) if d not in days]
        return ",".join(closed) if closed else "none"

    def closures(self) -> dict[dt.date, str]:
        out: dict[dt.date, str] = {}
        for item in self.closed_dates:
            for day in item.days():
                out.setdefault(day, item.reason)
        return out


def parse_profile(data: dict[str, Any]) -> ClinicProfile:
    """Validate a profile read from TOML (raises pydantic.ValidationError)."""
    return ClinicProfile.model_validate(data)
