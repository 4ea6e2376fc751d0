"""What the views need from the command line's world, decided here and passed to the renderers
(which read no environment): the width, colour (ketplan.cli.environment decides it), today and
the clinic's contact details.

The width is COLUMNS when set, else the terminal's, else 80 (a pipe or a file).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping


def colour_allowed() -> bool:
    """--color always|never, NO_COLOR, FORCE_COLOR, TERM=dumb, then the terminal: the one decision
    in ketplan.cli.environment."""
    from ketplan.cli.environment import ENVIRONMENT

    return ENVIRONMENT.color()


def width(stream=None, environ: Mapping[str, str] = os.environ, fallback: int = 80) -> int:
    columns = environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    stream = stream or sys.stdout
    try:
        if stream.isatty():
            return shutil.get_terminal_size((fallback, 24)).columns
    except (AttributeError, ValueError, OSError):
        pass
    return fallback


def today(zone: str | None = None, environ: Mapping[str, str] = os.environ):
    """Today's date in `zone` (the plan's), read here at the command line and passed to the
    renderers. SOURCE_DATE_EPOCH, when set, stands for now (reproducible output, as for ics)."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    now = datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else datetime.now(UTC)
    try:
        return now.astimezone(ZoneInfo(zone)).date() if zone else now.date()
    except (ValueError, OSError, KeyError):
        return now.date()


def clinic_contact(clinic_option: str | None = None):
    """The clinic's name, phone and address from the clinic profile, for the printable pages;
    None when there is no profile (or no profile support on this build)."""
    import importlib

    try:  # the clinic profile (issue 13), on builds that have it
        profiles = importlib.import_module("ketplan.io.profile")
    except ImportError:
        return None
    loaded = profiles.load(clinic_option)
    profile = getattr(loaded, "profile", None)
    if profile is None:
        return None
    from ketplan.export.html_page import ClinicContact

    contact = ClinicContact(
        getattr(profile, "name", None), getattr(profile, "phone", None), getattr(profile, "address", None)
    )
    return None if contact.empty else contact


def view_settings(format_name: str, *, zone: str | None = None, clinic_option: str | None = None) -> dict:
    """What the `month` and `html` formats need from the command line's world, as emit() settings:
    today, and in `extra` the width (month) or the clinic contact (html). Colour is emit()'s."""
    if format_name == "month":
        return {"today": today(zone), "extra": {"width": width()}}
    if format_name == "html":
        return {"today": today(zone), "extra": {"clinic": clinic_contact(clinic_option)}}
    return {}
