"""`ketplan clinic`: the clinic profile (clinic.toml) and the clinic's calendar.

Adding a subcommand is one function in any command module:

    from ketplan.cli.clinic import CLINIC_OPTION, clinic_app, load_clinic

    @clinic_app.command("today")
    def clinic_today(clinic: str | None = CLINIC_OPTION) -> None:
        \"\"\"One line of help.\"\"\"
        loaded = load_clinic(clinic)  # a LoadedProfile, or None when there is no profile
        ...
"""

from __future__ import annotations

import typer

from ketplan.cli import root_app as app

EPILOG = (
    "The profile is --clinic FILE, else KETPLAN_CLINIC, else $XDG_CONFIG_HOME/ketplan/clinic.toml "
    "(~/.config/ketplan/clinic.toml). Precedence: command line > roster cell > clinic profile > built-in defaults. "
    "Exit codes: 0 success; 2 invalid input or invalid profile; 1 internal failure."
)

clinic_app = typer.Typer(
    help="The clinic profile (clinic.toml: time zone, open days, closed dates, holidays, IV preparation, chairs) "
    "and the clinic's calendar.",
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(clinic_app, name="clinic")

CLINIC_OPTION = typer.Option(
    None,
    "--clinic",
    help="Clinic profile (TOML); 'none' for none. Default: KETPLAN_CLINIC, else $XDG_CONFIG_HOME/ketplan/clinic.toml.",
)


def load_clinic(clinic: str | None):
    """The clinic profile in effect (validated), or None when there is none."""
    from ketplan.io.profile import load

    return load(clinic)


@clinic_app.command("show", epilog=EPILOG)
def clinic_show(clinic: str | None = CLINIC_OPTION) -> None:
    """Show the clinic settings in effect and where each one comes from (like git config --show-origin)."""
    from ketplan.app.settings import clinic_settings
    from ketplan.io.clinic_calendar import system_zone_name
    from ketplan.io.profile import locate

    _, how = locate(clinic)
    loaded = load_clinic(clinic)
    if loaded is not None:
        print(f"clinic profile: {loaded.path} (from {loaded.found_by})")
    else:
        print(f"clinic profile: none ({how}); create one with: ketplan clinic init")
    rows, _ = clinic_settings(loaded, machine_zone=system_zone_name())
    width = max(len(r.key) for r in rows)
    value_width = min(max(len(r.value or "-") for r in rows), 44)
    for row in rows:
        value = row.value if row.value is not None else "-"
        print(f"{row.key.ljust(width)}  {value.ljust(value_width)}  {row.origin}")


@clinic_app.command("init", epilog=EPILOG)
def clinic_init(
    path: str | None = typer.Argument(
        None, help="Where to write the profile (default: KETPLAN_CLINIC, else $XDG_CONFIG_HOME/ketplan/clinic.toml)."
    ),
    force: bool = typer.Option(False, "--force", help="Replace an existing profile."),
) -> None:
    """Write a commented starter clinic profile (never overwrites one without --force)."""
    import os
    from pathlib import Path

    from ketplan.core.errors import InputError
    from ketplan.io.clinic_calendar import system_zone_name
    from ketplan.io.files import write_output
    from ketplan.io.profile import ENV_VARIABLE, default_path, starter_text

    if path is not None:
        target = Path(path)
    elif os.environ.get(ENV_VARIABLE, "").strip() and os.environ[ENV_VARIABLE].strip().lower() != "none":
        target = Path(os.environ[ENV_VARIABLE])
    else:
        target = default_path()
    if not str(target).strip() or "\x00" in str(target):
        raise InputError("the profile path is empty or not a usable file name", "clinic")
    if target.exists() and not force:
        raise InputError(f"{target} already exists; edit it, or give --force to replace it", "force")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot create {target.parent}: {error.strerror or error}", "clinic") from None
    write_output(starter_text(system_zone_name()), target, force=force)
    print(f"wrote {target}; edit it, then check it with: ketplan clinic show")


@clinic_app.command("holidays", epilog=EPILOG)
def clinic_holidays(
    code: str = typer.Argument(..., help="Country or subdivision code, e.g. BE, US, US-NY, GB-SCT."),
    year: int = typer.Option(..., "--year", help="The year to list, e.g. 2027."),
) -> None:
    """List the public holidays a --holidays code closes in one year (an unknown code gets close matches)."""
    from ketplan.core.errors import InputError
    from ketplan.io.holiday_codes import holidays_in_year

    if not 1970 <= year <= 2199:
        raise InputError(f"--year {year} is outside the years 1970-2199 ketplan plans for", "year")
    days = holidays_in_year(code, year)
    cleaned = code.strip().upper()
    print(f"{cleaned} {year}: {len(days)} public holiday{'s' if len(days) != 1 else ''}")
    for day, name in days:
        print(f"{day.isoformat()}  {day.strftime('%a')}  {name}")
