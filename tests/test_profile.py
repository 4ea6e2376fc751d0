"""Issue 13: the clinic profile (clinic.toml), its errors, and the precedence
command line > roster cell > clinic profile > built-in defaults."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ketplan.app.planning import PlanOptions, plan_from_text
from ketplan.app.settings import overlay, resolve
from ketplan.cli import app
from ketplan.core.errors import InputError
from ketplan.io.profile import default_path, load, locate, read_profile

PROFILE = """\
name = "NY Ketamine Clinic"
timezone = "America/New_York"
open_days = "mon,tue,wed,thu,fri"
holidays = "US-NY"
time = "08:30"
setting = "outpatient"
concentration = 50
final_volume = 50
infusion_minutes = 45
chairs = 4

[[closed_dates]]
date = 2026-12-24
reason = "Christmas Eve"

[[closed_dates]]
date = 2026-12-28
until = 2027-01-01
reason = "year-end closure"
"""

ENV = {"NO_COLOR": "1", "COLUMNS": "100", "TZ": "UTC", "KETPLAN_DEBUG": ""}


@pytest.fixture
def profile_path(tmp_path) -> Path:
    path = tmp_path / "clinic.toml"
    path.write_text(PROFILE, encoding="utf-8")
    return path


def write(tmp_path: Path, text: str, name: str = "clinic.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refusal(path: Path) -> str:
    with pytest.raises(InputError) as error:
        read_profile(path)
    return str(error.value)


# --- finding the profile ---------------------------------------------------------------------


def test_the_profile_is_found_by_option_then_variable_then_xdg(tmp_path, profile_path):
    xdg = tmp_path / "xdg"
    (xdg / "ketplan").mkdir(parents=True)
    default = xdg / "ketplan" / "clinic.toml"
    default.write_text('timezone = "Europe/Brussels"\n', encoding="utf-8")
    env = {"XDG_CONFIG_HOME": str(xdg), "HOME": str(tmp_path)}
    assert default_path(env) == default
    assert locate(None, env) == (default, "default location")
    assert locate(None, {**env, "KETPLAN_CLINIC": str(profile_path)}) == (profile_path, "KETPLAN_CLINIC")
    assert locate(str(profile_path), {**env, "KETPLAN_CLINIC": "/elsewhere.toml"}) == (profile_path, "--clinic")
    assert locate("none", env)[0] is None
    assert locate(None, {**env, "KETPLAN_CLINIC": "none"})[0] is None
    assert load(None, env).profile.timezone == "Europe/Brussels"
    assert locate(None, {"HOME": str(tmp_path)}) == (None, f"no {tmp_path / '.config/ketplan/clinic.toml'}")


def test_a_named_profile_must_exist(tmp_path):
    with pytest.raises(InputError) as error:
        load(None, {"KETPLAN_CLINIC": str(tmp_path / "missing.toml")})
    assert "(KETPLAN_CLINIC): no such file" in str(error.value)


# --- validation: file, line and key ----------------------------------------------------------


def test_a_valid_profile_is_read_with_the_line_of_each_key(profile_path):
    loaded = read_profile(profile_path)
    p = loaded.profile
    assert (p.timezone, p.open_days, p.holidays, p.time, p.chairs) == (
        "America/New_York",
        "mon,tue,wed,thu,fri",
        "US-NY",
        "08:30",
        4,
    )
    assert p.closed_weekdays_text == "sat,sun"
    assert loaded.where("timezone") == f"{profile_path}:2"
    assert loaded.where("closed_dates", 1) == f"{profile_path}:16"
    closures = p.closures()
    assert closures[date(2026, 12, 24)] == "Christmas Eve"
    assert [d for d, r in closures.items() if r == "year-end closure"] == [date(2026, 12, d) for d in range(28, 32)] + [
        date(2027, 1, 1)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('name = "x"\nopen_days = "mon,xyz"\n', ":2: open_days: open_days: 'xyz' is not a weekday"),
        ('timezone = "Mars/Olympus"\n', ":1: timezone:"),
        ('time = "25:00"\n', ":1: time:"),
        ("chairs = 0\n", ":1: chairs:"),
        ("concentration = -5\n", ":1: concentration:"),
        ('setting = "home"\n', ":1: setting:"),
        ('tiemzone = "UTC"\n', ":1: tiemzone: unknown key; did you mean timezone?"),
        ('opens = "18:00"\ncloses = "08:00"\n', "closes 08:00 is not after opens 18:00"),
        ('holidays = "NY"\n', ":1: holidays: NY: no public-holiday table for that country; did you mean US-NY"),
        (
            '[[closed_dates]]\ndate = 2026-12-24\nreason = "a"\n\n[[closed_dates]]\ndate = 2026-12-30\nuntil = 2026-12-28\nreason = "b"\n',
            ":5: closed_dates.1: Value error, until 2026-12-28 is before date 2026-12-30",
        ),
        ("[[closed_dates]]\ndate = 2026-12-24\n", ":1: closed_dates.0.reason: is required"),
        ('[[closed_dates]]\ndate = "24/12/2026"\nreason = "x"\n', ":2: closed_dates.0.date:"),
        ("timezone = \n", ":1: not valid TOML"),
    ],
)
def test_a_bad_profile_names_the_file_the_line_and_the_key(tmp_path, text, expected):
    path = write(tmp_path, text)
    message = refusal(path)
    assert message.startswith(str(path)), message
    assert expected.replace("Value error, ", "") in message, message
    assert "\n" not in message


def test_inline_closed_dates_and_text_ranges_are_accepted(tmp_path):
    path = write(
        tmp_path,
        'closed_dates = [\n  { date = 2026-12-24, reason = "eve" },\n  { date = "2026-12-28..2026-12-31", reason = "year end" },\n]\n',
    )
    loaded = read_profile(path)
    assert len(loaded.profile.closures()) == 5
    assert loaded.where("closed_dates", 1) == f"{path}:3"
    bad = write(
        tmp_path, 'closed_dates = [\n  { date = 2026-12-24, reason = "eve" },\n  { date = 2026-12-28 },\n]\n', "b.toml"
    )
    assert ":3: closed_dates.1.reason" in refusal(bad)


# --- precedence ------------------------------------------------------------------------------

IV = {"route": "iv", "weight": "70kg", "start": "2027-01-04", "weeks": 2}


def test_the_profile_fills_in_what_the_command_line_does_not_set(profile_path):
    loaded = read_profile(profile_path)
    plan = plan_from_text(PlanOptions(**IV), default_zone="UTC", profile=loaded)
    assert plan.timezone == "America/New_York"
    assert plan.time.strftime("%H:%M") == "08:30"
    assert plan.dose.concentration_mg_per_ml == 50 and plan.dose.final_volume_ml == 50
    assert plan.dose.infusion_minutes == 45
    assert plan.sessions[0].drug_volume_ml == 0.7  # 35 mg of 50 mg/mL
    assert not any("machine's zone" in w for w in plan.warnings)


def test_the_command_line_wins_over_the_profile(profile_path):
    loaded = read_profile(profile_path)
    options = PlanOptions(**IV, tz="Europe/Brussels", time="10:00", concentration=10, final_volume=100, minutes=40)
    plan = plan_from_text(options, default_zone="UTC", profile=loaded)
    assert plan.timezone == "Europe/Brussels" and plan.time.strftime("%H:%M") == "10:00"
    assert (plan.dose.concentration_mg_per_ml, plan.dose.final_volume_ml, plan.dose.infusion_minutes) == (10, 100, 40)
    assert plan.sessions[0].drug_volume_ml == 3.5


def test_the_profile_closed_dates_add_to_skip_and_keep_their_reason(profile_path):
    loaded = read_profile(profile_path)
    options = PlanOptions(route="intranasal", start="2026-12-21", days="mon,thu", weeks=3, skip=["2027-01-04"])
    plan = plan_from_text(options, default_zone="UTC", profile=loaded)
    reasons = {s.moved_from: s.reason for s in plan.sessions if s.moved_from}
    assert reasons[date(2026, 12, 24)].startswith("closed: Christmas Eve")
    assert reasons[date(2026, 12, 28)].startswith("closed: year-end closure")
    assert reasons[date(2027, 1, 4)].startswith("date skipped (--skip)")


def test_a_roster_cell_wins_over_the_profile_and_the_command_line_over_the_cell(profile_path):
    loaded = read_profile(profile_path)
    row = PlanOptions(**IV, tz="Europe/Brussels", skip=["2027-01-07"])
    assert (
        resolve(row, loaded, machine_zone="UTC", origins={"tz": "roster line 2"}).settings["tz"].origin
        == "roster line 2"
    )
    assert plan_from_text(row, default_zone="UTC", profile=loaded).timezone == "Europe/Brussels"
    command_line = PlanOptions(tz="Asia/Tokyo", skip=["2027-01-11"])
    merged = overlay(row, command_line)
    assert merged.tz == "Asia/Tokyo" and merged.skip == ["2027-01-07", "2027-01-11"]
    assert merged.weight == "70kg"  # per-patient cells are untouched
    assert plan_from_text(merged, default_zone="UTC", profile=loaded).timezone == "Asia/Tokyo"


def test_built_in_defaults_when_nothing_sets_a_value_and_the_machine_zone_is_announced():
    plan = plan_from_text(PlanOptions(**IV), default_zone="Europe/Lisbon", profile=None)
    assert plan.timezone == "Europe/Lisbon"
    assert plan.time.strftime("%H:%M") == "09:00"
    assert plan.dose.concentration_mg_per_ml == 10 and plan.dose.final_volume_ml == 100
    assert any(w.startswith("Time zone Europe/Lisbon is this machine's zone") for w in plan.warnings)


def test_the_profile_iv_preparation_does_not_touch_other_routes(profile_path):
    loaded = read_profile(profile_path)
    sc = plan_from_text(
        PlanOptions(route="sc", weight="70kg", start="2027-01-04", weeks=2), default_zone="UTC", profile=loaded
    )
    assert sc.dose.concentration_mg_per_ml == 100  # the protocol's vial, not the clinic's IV vial
    nasal = plan_from_text(PlanOptions(route="intranasal", start="2027-01-04"), default_zone="UTC", profile=loaded)
    assert nasal.timezone == "America/New_York"


def test_days_outside_the_profile_open_days_are_refused(tmp_path):
    loaded = read_profile(write(tmp_path, 'open_days = "mon,tue,wed,thu"\n'))
    with pytest.raises(InputError) as error:
        plan_from_text(
            PlanOptions(route="intranasal", start="2027-01-04", days="tue,fri"), default_zone="UTC", profile=loaded
        )
    assert error.value.field == "days" and "fri, a day the clinic is closed" in str(error.value)


# --- the command line ------------------------------------------------------------------------


def test_plan_uses_the_profile_from_the_environment(runner, profile_path):
    result = runner.invoke(
        app,
        ["plan", "--route", "iv", "--weight", "70kg", "--start", "2027-01-04", "--weeks", "2", "--format", "json"],
        env={**ENV, "KETPLAN_CLINIC": str(profile_path)},
    )
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["timezone"] == "America/New_York" and document["time"] == "08:30"
    assert document["dose"]["concentration_mg_per_ml"] == 50
    none = runner.invoke(
        app,
        ["plan", "--route", "iv", "--weight", "70kg", "--start", "2027-01-04", "--clinic", "none", "--format", "json"],
        env={**ENV, "KETPLAN_CLINIC": str(profile_path)},
    )
    assert json.loads(none.stdout)["timezone"] == "UTC"
    assert any("this machine's zone (TZ)" in w for w in json.loads(none.stdout)["warnings"])


def test_clinic_show_names_the_origin_of_each_setting(runner, profile_path):
    result = runner.invoke(app, ["clinic", "show", "--clinic", str(profile_path)], env=ENV)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"clinic profile: {profile_path} (from --clinic)"
    by_key = {line.split("  ")[0]: line for line in lines[1:]}
    assert by_key["timezone"].endswith(f"{profile_path}:2 (timezone)") and "America/New_York" in by_key["timezone"]
    assert "sat,sun (open mon,tue,wed,thu,fri)" in by_key["closed weekdays"]
    assert any(
        "2026-12-28..2027-01-01: year-end closure" in line and line.endswith(f"{profile_path}:16") for line in lines
    )
    bare = runner.invoke(app, ["clinic", "show", "--clinic", "none"], env=ENV)
    assert bare.exit_code == 0
    assert "UTC" in bare.stdout and "this machine's zone (TZ)" in bare.stdout
    assert any(line.startswith("time") and line.endswith("built-in default") for line in bare.stdout.splitlines())


def test_clinic_init_writes_a_valid_commented_profile_and_never_overwrites(runner, tmp_path):
    target = tmp_path / "conf" / "clinic.toml"
    env = {**ENV, "TZ": "America/Chicago"}
    first = runner.invoke(app, ["clinic", "init", str(target)], env=env)
    assert first.exit_code == 0, first.stderr
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# ketplan clinic profile") and 'timezone = "America/Chicago"' in text
    assert read_profile(target).profile.timezone == "America/Chicago"  # the starter file is valid as written
    again = runner.invoke(app, ["clinic", "init", str(target)], env=env)
    assert again.exit_code == 2 and "already exists" in again.stderr and "--force" in again.stderr
    target.write_text("# mine\n", encoding="utf-8")
    assert runner.invoke(app, ["clinic", "init", str(target)], env=env).exit_code == 2
    assert target.read_text(encoding="utf-8") == "# mine\n"
    forced = runner.invoke(app, ["clinic", "init", str(target), "--force"], env=env)
    assert forced.exit_code == 0 and target.read_text(encoding="utf-8").startswith("# ketplan clinic profile")
    xdg = runner.invoke(app, ["clinic", "init"], env={**env, "XDG_CONFIG_HOME": str(tmp_path / "xdg")})
    assert xdg.exit_code == 0 and (tmp_path / "xdg" / "ketplan" / "clinic.toml").is_file()


def test_clinic_holidays_lists_what_a_code_closes_and_suggests_close_matches(runner):
    result = runner.invoke(app, ["clinic", "holidays", "US-NY", "--year", "2027"], env=ENV)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("US-NY 2027: ")
    assert "2027-11-25  Thu  Thanksgiving Day" in lines
    assert "2027-02-12  Fri  Lincoln's Birthday" in lines  # a New York holiday, not a federal one
    unknown = runner.invoke(app, ["clinic", "holidays", "NY", "--year", "2027"], env=ENV)
    assert unknown.exit_code == 2 and "did you mean US-NY" in unknown.stderr
    assert len(unknown.stderr.splitlines()) == 1


def test_a_roster_takes_clinic_wide_options_and_the_profile(runner, tmp_path, profile_path):
    roster = write(
        tmp_path, "id,route,start,weight,tz\nA1,iv,2027-01-04,70kg,\nA2,iv,2027-01-04,80kg,Europe/Brussels\n", "r.csv"
    )
    result = runner.invoke(
        app,
        ["plan", "--roster", str(roster), "--clinic", str(profile_path), "--days", "mon,thu", "--skip", "2027-01-07"],
        env=ENV,
    )
    assert result.exit_code == 0, result.stderr
    plans = [json.loads(line) for line in result.stdout.splitlines()]
    assert [p["timezone"] for p in plans] == ["America/New_York", "Europe/Brussels"]  # profile, then the cell
    assert all(p["weekdays"] == ["mon", "thu"] for p in plans)
    assert all(p["sessions"][1]["moved_from"] == "2027-01-07" for p in plans)
    assert [p["label"] for p in plans] == ["A1", "A2"]  # the id labels a row without a label column
    over = runner.invoke(
        app, ["plan", "--roster", str(roster), "--clinic", str(profile_path), "--tz", "Asia/Tokyo"], env=ENV
    )
    assert [json.loads(line)["timezone"] for line in over.stdout.splitlines()] == ["Asia/Tokyo", "Asia/Tokyo"]


def test_the_profile_setting_reaches_the_plan_and_the_command_line_wins(tmp_path):
    loaded = read_profile(write(tmp_path, 'setting = "inpatient"\n'))
    options = PlanOptions(route="intranasal", start="2027-01-04", tz="UTC")
    assert plan_from_text(options, default_zone="UTC", profile=loaded).setting == "inpatient"
    over = PlanOptions(route="intranasal", start="2027-01-04", tz="UTC", setting="outpatient")
    assert plan_from_text(over, default_zone="UTC", profile=loaded).setting == "outpatient"
    assert plan_from_text(options, default_zone="UTC", profile=None).setting == "outpatient"
