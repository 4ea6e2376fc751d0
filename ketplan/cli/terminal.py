"""What the views need from the command line's world, decided here and passed to the renderers
(which read no environment): the width, colour and today (all three from ketplan.cli.environment,
the one seam) and the clinic's contact details (from the clinic profile).
"""

from __future__ import annotations

from ketplan.cli.environment import ENVIRONMENT


def colour_allowed() -> bool:
    """--color always|never, NO_COLOR, FORCE_COLOR, TERM=dumb, then the terminal."""
    return ENVIRONMENT.color()


def width() -> int:
    return ENVIRONMENT.width()


def today(zone: str | None = None):
    return ENVIRONMENT.today(zone)


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
