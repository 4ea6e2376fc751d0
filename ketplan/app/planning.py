"""Between the command line (or a roster row) and the core: text options in, a Plan out.

`ketplan plan` and the batch roster both come through `plan_from_text`, so a roster row is
validated exactly like the same options typed on the command line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from ketplan.core.dates import parse_clock, parse_iso_date
from ketplan.core.dosing import Sex, WeightBasis
from ketplan.core.errors import InputError, KetplanError, quoted, ref
from ketplan.core.schedule import parse_weekdays

ROUTES = ("intranasal", "iv", "im", "sc", "oral")
MAX_SKIP_RANGE_DAYS = 366
LABEL_PATTERN = re.compile(r"[^\x00-\x1f\x7f=+@-][^\x00-\x1f\x7f]{0,39}")  # no formula start: CSV-safe


@dataclass
class PlanOptions:
    """Every `ketplan plan` option as text (or None when not given), exactly as typed."""

    route: str | None = None
    start: str | None = None
    weight: str | None = None
    protocol: str | None = None
    days: str | None = None
    time: str | None = None
    tz: str | None = None
    weeks: int | None = None
    until: str | None = None
    dose: int | None = None
    first_dose: int | None = None
    every: int | None = None
    mg_per_kg: float | None = None
    age: int | None = None
    height: str | None = None
    sex: str | None = None
    dosing_weight: str | None = None
    closed: str | None = None
    skip: list[str] = field(default_factory=list)
    holidays: str | None = None
    label: str | None = None
    screen_every: int | None = None
    setting: str | None = None
    concentration: float | None = None
    final_volume: float | None = None
    minutes: float | None = None
    # Not an option: a roster row's id, the plan's label when the row gives none (so that two
    # rows never share calendar UIDs).
    row_id: str | None = field(default=None, compare=False)


# The fields of PlanOptions that are `ketplan plan` options.
def option_names() -> tuple[str, ...]:
    from dataclasses import fields

    return tuple(f.name for f in fields(PlanOptions) if f.name != "row_id")


def check_label(label: str | None) -> str | None:
    if label is None:
        return None
    cleaned = label.strip()
    from ketplan.core.text import describe, find_forbidden

    found = find_forbidden(cleaned)
    if found is not None:  # C1 controls, bidi overrides, U+2028, ESC: refused, never shown
        raise InputError(
            f"{ref('label')} contains the control or formatting character {describe(found[1])}; a label is "
            "1-40 printable characters: a pseudonymous label such as P01, never a patient's name",
            "label",
        )
    if not LABEL_PATTERN.fullmatch(cleaned):
        raise InputError(
            f"{ref('label')} must be 1-40 printable characters with no control characters: a pseudonymous "
            "label such as P01, never a patient's name",
            "label",
        )
    return cleaned


def _closed_weekdays(text: str | None) -> frozenset[int]:
    if text is None:
        return frozenset({5, 6})
    if not str(text).strip():
        # An empty value is most often an unset shell variable: never read it as "open every day".
        raise InputError(
            f"{ref('closed')} is empty; list weekdays such as sat,sun, or give 'none' for a clinic open every day",
            "closed",
        )
    if text.strip().lower() == "none":
        return frozenset()
    return frozenset(parse_weekdays(text, "closed"))


def _skip_dates(values: list[str]) -> list[date]:
    """--skip values: dates and inclusive ranges (2026-12-28..2027-01-01), comma-separated."""
    days: list[date] = []
    for value in values:
        parts = [part for part in str(value).split(",") if part.strip()]
        if not parts:
            raise InputError(
                f"{ref('skip')} is empty; give a closed date as YYYY-MM-DD, e.g. {ref('skip')} 2026-12-24", "skip"
            )
        for part in parts:
            if ".." in part:
                first_text, _, last_text = part.partition("..")
                first, last = parse_iso_date(first_text, "skip"), parse_iso_date(last_text, "skip")
                if last < first:
                    raise InputError(
                        f"{ref('skip')} {quoted(part.strip())}: the range ends before it starts (FIRST..LAST)", "skip"
                    )
                if (last - first).days >= MAX_SKIP_RANGE_DAYS:
                    raise InputError(
                        f"{ref('skip')} {quoted(part.strip())}: a closure of {MAX_SKIP_RANGE_DAYS} days or more is "
                        "not a closure ketplan plans around",
                        "skip",
                    )
                days.extend(first + timedelta(days=k) for k in range((last - first).days + 1))
            else:
                days.append(parse_iso_date(part, "skip"))
    return days


def _holidays(code: str | None) -> str | None:
    if code is not None and not str(code).strip():
        raise InputError(
            f"{ref('holidays')} is empty; give a country or subdivision code such as BE, US or US-NY, or none",
            "holidays",
        )
    if code is not None and str(code).strip().lower() == "none":
        return None  # e.g. to switch off the clinic profile's holidays for one plan
    return code


def resolve_protocol(route: str | None, reference: str | None):
    from ketplan.io import catalog

    if route is not None and route not in ROUTES:
        raise InputError(f"{ref('route')} {quoted(route)} is not known; use one of {', '.join(ROUTES)}", "route")
    if reference is None:
        if route is None:
            raise InputError(f"give {ref('route')} (intranasal, iv, im, sc or oral) or {ref('protocol')}", "route")
        return catalog.default_protocol(route)
    if not str(reference).strip():
        raise InputError(
            f"{ref('protocol')} is empty; give a protocol id (see 'ketplan protocols') or a path to a .toml file",
            "protocol",
        )
    try:
        protocol = catalog.load_protocol(reference)
    except KetplanError as error:
        # Name the option: `ketplan plan` refuses --protocol, `protocols check` the file itself.
        if not error.template.startswith(ref("protocol")):
            detail = error.template.removeprefix("unknown protocol ")
            error.template = f"{ref('protocol')} {detail}"
            error.args = (error.template,)
        error.field = "protocol"
        raise
    if route is not None and protocol.route.value != route:
        raise InputError(
            f"{ref('protocol')} {protocol.id} is for route {protocol.route.value}, not {ref('route')} {route}",
            "protocol",
        )
    return protocol


def plan_request_from_text(options: PlanOptions, *, default_zone: str, profile=None, origins=None):
    return _request(options, default_zone=default_zone, profile=profile, origins=origins)[0]


def _request(options: PlanOptions, *, default_zone: str, profile=None, origins=None):
    """The PlanRequest for `options` and the settings in effect (ketplan.app.settings)."""
    from ketplan.app.settings import resolve
    from ketplan.core.plan import PlanRequest, check_start
    from ketplan.core.protocol import WeightDose
    from ketplan.core.units import parse_height, parse_weight
    from ketplan.io.clinic_calendar import clinic_calendar

    protocol = resolve_protocol(options.route, options.protocol)
    iv = isinstance(protocol.dose, WeightDose) and protocol.route.value == "iv"
    effective = resolve(options, profile, machine_zone=default_zone, iv=iv, origins=origins)
    options = effective.options
    if options.start is None:
        raise InputError(f"{ref('start')} is required (YYYY-MM-DD)", "start")
    start = parse_iso_date(options.start, "start")
    check_start(start)
    until = parse_iso_date(options.until, "until") if options.until is not None else None
    weight = parse_weight(options.weight) if options.weight is not None else None
    height = parse_height(options.height) if options.height is not None else None
    sex = _enum(Sex, options.sex, "sex")
    basis = _enum(WeightBasis, options.dosing_weight, "dosing_weight") or WeightBasis.actual
    weekdays = parse_weekdays(options.days, "days") if options.days is not None else None
    clock = parse_clock(options.time, "time") if options.time is not None else parse_clock("09:00")
    skip = _skip_dates(options.skip)
    closed = _closed_weekdays(options.closed)
    # Holiday tables for the years a plan can reach (at most 156 weeks, plus shifts).
    calendar = clinic_calendar(closed, skip, _holidays(options.holidays), (start.year, start.year + 4))
    if effective.closures:
        # The profile's closed dates, with their reasons (a --skip on the same day wins).
        calendar = replace(
            calendar,
            closed_dates={**{d: f"closed: {r}" for d, r in effective.closures.items()}, **calendar.closed_dates},
        )
    label = check_label(options.label) if options.label is not None else options.row_id
    request = PlanRequest(
        protocol=protocol,
        start=start,
        timezone=options.tz if options.tz is not None else default_zone,
        time=clock,
        weekdays=weekdays,
        weeks=options.weeks,
        until=until,
        calendar=calendar,
        label=label,
        dose_mg=options.dose,
        first_dose_mg=options.first_dose,
        every_weeks=options.every,
        weight_kg=weight.kg if weight else None,
        weight_entered=weight.entered if weight else None,
        weight_unit_assumed=weight.unit_assumed if weight else False,
        mg_per_kg=options.mg_per_kg,
        height_cm=height.cm if height else None,
        sex=sex,
        basis=basis,
        age=options.age,
        screen_every_weeks=options.screen_every,
        setting=options.setting if options.setting is not None else "outpatient",
        concentration_mg_per_ml=options.concentration,
        final_volume_ml=options.final_volume,
        infusion_minutes=options.minutes,
    )
    return request, effective


def frozen_options(options: PlanOptions, *, default_zone: str, profile) -> PlanOptions:
    """`options` with the clinic profile's values in effect written in (its closed dates become
    --skip dates): what a stored course keeps, so that replaying it needs no profile."""
    from ketplan.app.settings import resolve
    from ketplan.core.protocol import WeightDose

    protocol = resolve_protocol(options.route, options.protocol)
    iv = isinstance(protocol.dose, WeightDose) and protocol.route.value == "iv"
    effective = resolve(options, profile, machine_zone=default_zone, iv=iv)
    closed_dates = sorted(day.isoformat() for day in effective.closures)
    return replace(effective.options, skip=[*effective.options.skip, *closed_dates])


def plan_from_text(options: PlanOptions, *, default_zone: str, profile=None, origins=None):
    """A Plan for `options` (command line or roster row), with the clinic profile `profile`
    (a LoadedProfile or None) filling in what they do not set."""
    from ketplan.core.plan import build_plan

    request, effective = _request(options, default_zone=default_zone, profile=profile, origins=origins)
    plan = build_plan(request)
    extra = [w for w in effective.warnings() if w not in plan.warnings]
    return replace(plan, warnings=(*plan.warnings, *extra)) if extra else plan


def _enum(kind, value: str | None, field_name: str):
    if value is None:
        return None
    try:
        return kind(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise InputError(f"{ref(field_name)} {quoted(value)} is not one of {allowed}", field_name) from None
