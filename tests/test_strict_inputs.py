"""Strict inputs (issue 12): one number parser, strict IANA zones from the tzdata package, and
error messages that do not contradict themselves."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources

import pytest
from helpers import assert_refused as _refused
from typer.testing import CliRunner

from ketplan.cli import app
from ketplan.core import zones
from ketplan.core.errors import InputError
from ketplan.core.numbers import parse_decimal, parse_int, shown
from ketplan.core.reminders import parse_reminders

runner = CliRunner()
NASAL = ["plan", "--route", "intranasal", "--start", "2026-12-01", "--tz", "UTC"]
DOSE = ["dose", "--weight", "70kg"]


def assert_refused(result, expected: str) -> str:
    line = _refused(result)
    assert expected in line, line
    return line


def invoke(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env={"TZ": "UTC", **(env or {})})


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize("text", ["8_4", "5_6", "１", "٨٤", "8 4", "0x38", "56.0", "", "+-5", "5" * 40])
def test_parse_int_refuses_what_python_int_accepts(text):
    with pytest.raises(InputError):
        parse_int(text, "dose")


@pytest.mark.parametrize("text", ["0_5", "０.5", "0.5_0", "1e", ".", "1,5", "0x1p-1", "５"])
def test_parse_decimal_refuses_separators_and_non_ascii_digits(text):
    with pytest.raises(InputError):
        parse_decimal(text, "mg_per_kg")


@pytest.mark.parametrize(("text", "value"), [("56", 56), ("+3", 3), (" 84 ", 84)])
def test_parse_int_reads_plain_integers(text, value):
    assert parse_int(text, "dose") == value


@pytest.mark.parametrize(("text", "value"), [("0.5", 0.5), (".5", 0.5), ("1e2", 100.0), ("40", 40.0)])
def test_parse_decimal_reads_plain_decimals(text, value):
    assert parse_decimal(text, "minutes") == value


@pytest.mark.parametrize(
    "args, option",
    [
        ([*NASAL, "--dose", "8_4"], "--dose"),
        ([*NASAL, "--weeks", "2_6"], "--weeks"),
        ([*NASAL, "--age", "７０"], "--age"),
        ([*DOSE, "--mg-per-kg", "0_5"], "--mg-per-kg"),
        ([*DOSE, "--minutes", "４0"], "--minutes"),
        ([*DOSE, "--concentration", "1_0"], "--concentration"),
        ([*DOSE, "--final-volume", "1_00"], "--final-volume"),
        ([*DOSE, "--age", "6_5"], "--age"),
    ],
)
def test_options_refuse_underscores_and_non_ascii_digits(args, option):
    result = invoke(*args)
    assert_refused(result, option)


def test_dose_8_4_is_not_84_mg():
    result = invoke(*NASAL, "--dose", "8_4", "--format", "json")
    assert result.exit_code == 2 and result.stdout == ""
    assert "'8_4' is not an integer" in result.stderr


@pytest.mark.parametrize("text", ["１h", "٩٠m", "1_0m", "１d"])
def test_reminders_refuse_non_ascii_digits_and_underscores(text):
    with pytest.raises(InputError):
        parse_reminders(text)


def test_roster_cells_use_the_same_strict_parser(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text(
        "id,route,start,tz,dose,weeks\nP01,intranasal,2026-12-01,UTC,8_4,\nP02,intranasal,2026-12-01,UTC,,２6\nP03,intranasal,2026-12-01,UTC,84,4\n"
    )
    result = invoke("plan", "--roster", str(roster))
    assert result.exit_code == 2
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["P03"]
    assert "dose '8_4'" in result.stderr and "weeks '２6'" in result.stderr


# ---------------------------------------------------------------- messages that do not contradict themselves


def test_shown_never_rounds_into_another_number():
    assert shown(1.0000000000000002) == "1.0000000000000002"
    assert shown(1.1) == "1.1" and shown(0.5) == "0.5" and shown(100.0) == "100"


def test_mg_per_kg_just_above_the_range_is_not_shown_as_inside_it():
    result = invoke(*DOSE, "--mg-per-kg", "1.0000000000000002")
    line = assert_refused(result, "--mg-per-kg")
    assert "1.0000000000000002 is outside 0.1–1.0" in line


def test_a_tiny_concentration_is_a_concentration_problem():
    result = invoke(*DOSE, "--concentration", "1e-300")
    line = assert_refused(result, "--concentration")
    assert "final" not in line and "1e-300 mg/mL is below 1 mg/mL" in line


def test_thousands_of_unknown_columns_are_cut_and_counted(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("id,route,start," + ",".join(f"c{i}" for i in range(5000)) + "\n")
    result = invoke("plan", "--roster", str(roster))
    line = assert_refused(result, "unknown column")
    assert len(line) < 700
    assert "and 4995 more (5000 unknown columns)" in line


# ---------------------------------------------------------------- zones


@pytest.mark.parametrize(
    "name, hint",
    [
        ("right/Europe/Brussels", "use Europe/Brussels"),
        ("posix/Europe/Brussels", "use Europe/Brussels"),
        ("Factory", "placeholder"),
        ("posixrules", "template"),
        ("localtime", "system file"),
        ("EST", "America/New_York"),
        ("MST", "America/Denver"),
        ("HST", "Pacific/Honolulu"),
        ("EST5EDT", "America/New_York"),
        ("PST8PDT", "America/Los_Angeles"),
        ("Etc/GMT+5", "UTC-05:00"),
        ("Etc/GMT-14", "UTC+14:00"),
        ("Europe/Nowhere", "not a known IANA time zone"),
        ("../etc/passwd", "not a known IANA time zone"),
    ],
)
def test_tz_accepts_only_real_iana_place_names(name, hint):
    line = assert_refused(invoke(*NASAL[:-1], name), "--tz")
    assert hint in line


@pytest.mark.parametrize("name", ["UTC", "Etc/UTC", "Europe/Brussels", "America/New_York", "Asia/Kolkata"])
def test_tz_accepts_iana_zones(name):
    result = invoke(*NASAL[:-1], name, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["timezone"] == name


@pytest.mark.parametrize("value", ["Foo/Bar", "EST5EDT", "right/Europe/Paris"])
def test_a_bad_tz_variable_is_reported_as_tz_not_as_the_option(value):
    result = invoke("plan", "--route", "intranasal", "--start", "2026-12-01", env={"TZ": value})
    line = assert_refused(result, "TZ environment variable")
    assert "--tz " + repr(value) not in line
    assert "or give --tz" in line or "use the city zone" in line or "use Europe/Paris" in line


def test_a_bad_tz_variable_does_not_matter_when_tz_is_given():
    result = invoke(*NASAL, env={"TZ": "Foo/Bar"})
    assert result.exit_code == 0, result.stderr


def test_tz_variable_forms():
    assert zones.environment_zone(":Europe/Brussels", "UTC") == "Europe/Brussels"
    assert zones.environment_zone("/usr/share/zoneinfo/Europe/Paris", "UTC") == "Europe/Paris"
    assert zones.environment_zone(None, "Asia/Tokyo") == "Asia/Tokyo"


def test_zone_data_comes_from_the_tzdata_package_not_the_system():
    import tzdata

    assert zones.tzdata_version() == tzdata.IANA_VERSION
    with resources.files("tzdata.zoneinfo").joinpath("Africa", "Casablanca").open("rb") as handle:
        from zoneinfo import ZoneInfo

        packaged = ZoneInfo.from_file(handle, key="Africa/Casablanca")
    ours = zones.resolve_zone("Africa/Casablanca")
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    while moment.year < 2029:
        assert moment.astimezone(ours).utcoffset() == moment.astimezone(packaged).utcoffset(), moment
        moment = moment.replace(day=1, month=moment.month % 12 + 1, year=moment.year + (moment.month == 12))


def test_json_reports_the_tzdata_version():
    result = invoke(*NASAL, "--format", "json")
    import tzdata

    assert json.loads(result.stdout)["tzdata_version"] == tzdata.IANA_VERSION
