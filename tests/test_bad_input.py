"""Bad input, option by option, for every command: a table of refusals.

Contract (issue 5, README "Errors and exit codes"): any bad input ends with exit code 2, nothing
on stdout (a script never reads a half result) and exactly ONE line on stderr,
`ketplan: error: ...`, that names the option (or file) that is wrong and says what would be
accepted. Never a traceback, never an internal failure (exit 1).

Each case is (args, fragments): every fragment must appear in the error line; the first one
names the option. `{name}` in an argument is replaced by the path of a prepared file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import as_error_line
from typer.testing import CliRunner

from ketplan.cli import app

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "protocols"
ENV = {"NO_COLOR": "1", "COLUMNS": "100", "TZ": "UTC", "KETPLAN_DEBUG": ""}

DOSE = ["dose", "--weight", "70kg"]
NASAL = ["plan", "--route", "intranasal", "--start", "2026-12-01", "--tz", "UTC"]
IV = ["plan", "--route", "iv", "--weight", "70kg", "--start", "2026-12-01", "--tz", "UTC"]
ORAL = ["plan", "--route", "oral", "--weight", "70kg", "--start", "2026-12-01", "--tz", "UTC"]
ICS = [*NASAL, "--format", "ics", "--stamp", "2026-11-01T00:00:00Z"]
LONG = "x" * 5000
MG_PER_KG_RANGE = "0.1–1.0 mg/kg"
SIXTY_ONE_DAYS = (
    ",".join(f"2026-12-{d:02d}" for d in range(1, 32)) + "," + ",".join(f"2027-01-{d:02d}" for d in range(1, 31))
)


def case(case_id: str, args: list[str], *fragments: str):
    return pytest.param(args, fragments, id=case_id)


DOSE_CASES = [
    # --weight
    case("dose-weight-missing", ["dose"], "--weight"),
    case("dose-weight-no-value", ["dose", "--weight"], "--weight", "requires an argument"),
    case("dose-weight-empty", ["dose", "--weight", ""], "--weight", "70kg"),
    case("dose-weight-blank", ["dose", "--weight", "   "], "--weight", "70kg"),
    case("dose-weight-nan", ["dose", "--weight", "nan"], "--weight", "70kg"),
    case("dose-weight-inf", ["dose", "--weight", "inf"], "--weight", "70kg"),
    case("dose-weight-minus-inf", ["dose", "--weight", "-inf"], "--weight"),
    case("dose-weight-1e309", ["dose", "--weight", "1e309"], "--weight", "70kg"),
    case("dose-weight-negative", ["dose", "--weight", "-70kg"], "--weight"),
    case("dose-weight-zero", ["dose", "--weight", "0"], "--weight", "add a unit: 0kg or 0lb"),
    case("dose-weight-bare-154", ["dose", "--weight", "154"], "--weight", "add a unit: 154kg or 154lb"),
    case("dose-weight-heavy-no-height", ["dose", "--weight", "130kg"], "--height", "120 kg", "ketplan default"),
    case("dose-weight-zero-kg", ["dose", "--weight", "0kg"], "--weight", "20–350 kg"),
    case("dose-weight-too-light", ["dose", "--weight", "19kg"], "--weight", "20–350 kg"),
    case("dose-weight-too-heavy", ["dose", "--weight", "351kg"], "--weight", "20–350 kg"),
    case("dose-weight-too-heavy-lb", ["dose", "--weight", "800lb"], "--weight", "20–350 kg"),
    case("dose-weight-decimal-comma", ["dose", "--weight", "70,5kg"], "--weight", "decimal point", "70.5kg"),
    case("dose-weight-full-width", ["dose", "--weight", "７０kg"], "--weight", "70kg"),
    case("dose-weight-unknown-unit", ["dose", "--weight", "70st"], "--weight", "kg or lb"),
    case("dose-weight-unit-twice", ["dose", "--weight", "70kgkg"], "--weight", "kg or lb"),
    case("dose-weight-two-units", ["dose", "--weight", "70 kg lb"], "--weight"),
    case("dose-weight-unit-only", ["dose", "--weight", "kg"], "--weight"),
    case("dose-weight-two-points", ["dose", "--weight", "70.5.5kg"], "--weight"),
    case("dose-weight-hex", ["dose", "--weight", "0x46"], "--weight"),
    case("dose-weight-underscore", ["dose", "--weight", "1_000"], "--weight"),
    case("dose-weight-shell-semicolon", ["dose", "--weight", "70kg; rm -rf /"], "--weight"),
    case("dose-weight-shell-subst", ["dose", "--weight", "$(reboot)"], "--weight"),
    case("dose-weight-backticks", ["dose", "--weight", "`id`kg"], "--weight"),
    case("dose-weight-control-char", ["dose", "--weight", "70\x01kg"], "--weight"),
    case("dose-weight-escape", ["dose", "--weight", "\x1b[31m70kg"], "--weight"),
    case("dose-weight-tab-inside", ["dose", "--weight", "70\tkg\tlb"], "--weight"),
    case("dose-weight-very-long", ["dose", "--weight", "7" * 5000], "--weight"),
    # --mg-per-kg
    case("dose-mgkg-empty", [*DOSE, "--mg-per-kg", ""], "--mg-per-kg", "number"),
    case("dose-mgkg-blank", [*DOSE, "--mg-per-kg", "  "], "--mg-per-kg", "number"),
    case("dose-mgkg-nan", [*DOSE, "--mg-per-kg", "nan"], "--mg-per-kg", "finite"),
    case("dose-mgkg-inf", [*DOSE, "--mg-per-kg", "inf"], "--mg-per-kg", "finite"),
    case("dose-mgkg-minus-inf", [*DOSE, "--mg-per-kg", "-inf"], "--mg-per-kg", "finite"),
    case("dose-mgkg-1e309", [*DOSE, "--mg-per-kg", "1e309"], "--mg-per-kg", "finite"),
    case("dose-mgkg-underflow", [*DOSE, "--mg-per-kg", "1e-400"], "--mg-per-kg", MG_PER_KG_RANGE),
    case("dose-mgkg-negative", [*DOSE, "--mg-per-kg", "-0.5"], "--mg-per-kg", MG_PER_KG_RANGE),
    case("dose-mgkg-zero", [*DOSE, "--mg-per-kg", "0"], "--mg-per-kg", MG_PER_KG_RANGE),
    case("dose-mgkg-below", [*DOSE, "--mg-per-kg", "0.09"], "--mg-per-kg", MG_PER_KG_RANGE),
    case("dose-mgkg-above", [*DOSE, "--mg-per-kg", "1.01"], "--mg-per-kg", MG_PER_KG_RANGE),
    case("dose-mgkg-issue-example", [*DOSE, "--mg-per-kg", "1.1"], "--mg-per-kg 1.1 is outside 0.1–1.0 mg/kg"),
    case("dose-mgkg-decimal-comma", [*DOSE, "--mg-per-kg", "0,5"], "--mg-per-kg", "number"),
    case("dose-mgkg-full-width", [*DOSE, "--mg-per-kg", "０.５"], "--mg-per-kg", "number"),
    case("dose-mgkg-with-unit", [*DOSE, "--mg-per-kg", "0.5mg"], "--mg-per-kg", "number"),
    case("dose-mgkg-word", [*DOSE, "--mg-per-kg", "half"], "--mg-per-kg", "number"),
    # --minutes
    case("dose-minutes-empty", [*DOSE, "--minutes", ""], "--minutes", "number"),
    case("dose-minutes-nan", [*DOSE, "--minutes", "nan"], "--minutes", "positive"),
    case("dose-minutes-inf", [*DOSE, "--minutes", "inf"], "--minutes", "positive"),
    case("dose-minutes-zero", [*DOSE, "--minutes", "0"], "--minutes", "positive"),
    case("dose-minutes-negative", [*DOSE, "--minutes", "-40"], "--minutes", "positive"),
    case("dose-minutes-1e309", [*DOSE, "--minutes", "1e309"], "--minutes"),
    case("dose-minutes-over-a-day", [*DOSE, "--minutes", "1441"], "--minutes", "2-100 minutes reported"),
    case("dose-minutes-word", [*DOSE, "--minutes", "forty"], "--minutes", "number"),
    # --concentration
    case("dose-concentration-empty", [*DOSE, "--concentration", ""], "--concentration", "number"),
    case("dose-concentration-nan", [*DOSE, "--concentration", "nan"], "--concentration", "10, 50 or 100"),
    case("dose-concentration-zero", [*DOSE, "--concentration", "0"], "--concentration", "10, 50 or 100"),
    case("dose-concentration-negative", [*DOSE, "--concentration", "-10"], "--concentration", "10, 50 or 100"),
    case("dose-concentration-1e309", [*DOSE, "--concentration", "1e309"], "--concentration"),
    case("dose-concentration-above-100", [*DOSE, "--concentration", "101"], "--concentration", "100 mg/mL"),
    case("dose-concentration-word", [*DOSE, "--concentration", "ten"], "--concentration", "number"),
    # --final-volume
    case("dose-final-volume-empty", [*DOSE, "--final-volume", ""], "--final-volume", "number"),
    case("dose-final-volume-nan", [*DOSE, "--final-volume", "nan"], "--final-volume", "positive"),
    case("dose-final-volume-zero", [*DOSE, "--final-volume", "0"], "--final-volume", "positive"),
    case("dose-final-volume-negative", [*DOSE, "--final-volume", "-100"], "--final-volume", "positive"),
    case("dose-final-volume-1e309", [*DOSE, "--final-volume", "1e309"], "--final-volume"),
    case("dose-final-volume-above-1000", [*DOSE, "--final-volume", "1001"], "--final-volume", "1000 mL"),
    case("dose-final-volume-below-drug", [*DOSE, "--final-volume", "2"], "--final-volume", "3.5 mL"),
    case(
        "dose-final-volume-undiluted",
        [*DOSE, "--concentration", "100", "--final-volume", "0.5"],
        "--final-volume",
        "1:1",
    ),
    case("dose-final-volume-with-unit", [*DOSE, "--final-volume", "100mL"], "--final-volume", "number"),
    # --height
    case("dose-height-empty", [*DOSE, "--height", ""], "--height", "170cm"),
    case("dose-height-no-unit", [*DOSE, "--height", "170"], "--height", "cm or in"),
    case("dose-height-nan", [*DOSE, "--height", "nan"], "--height", "170cm"),
    case("dose-height-feet", [*DOSE, "--height", "170ft"], "--height", "cm or in"),
    case("dose-height-feet-twelve-inches", [*DOSE, "--height", "5'12\""], "--height", "0-11"),
    case("dose-height-negative", [*DOSE, "--height", "-170cm"], "--height"),
    case("dose-height-zero", [*DOSE, "--height", "0cm"], "--height", "100–250 cm"),
    case("dose-height-too-short", [*DOSE, "--height", "99cm"], "--height", "100–250 cm"),
    case("dose-height-too-tall", [*DOSE, "--height", "251cm"], "--height", "100–250 cm"),
    case("dose-height-1e309", [*DOSE, "--height", "1e309cm"], "--height"),
    case("dose-height-decimal-comma", [*DOSE, "--height", "170,5cm"], "--height", "decimal point"),
    case("dose-height-full-width", [*DOSE, "--height", "１７０cm"], "--height"),
    # --sex, --dosing-weight, --age, --format
    case("dose-sex-unknown", [*DOSE, "--sex", "x"], "--sex", "female", "male"),
    case("dose-sex-empty", [*DOSE, "--sex", ""], "--sex", "female", "male"),
    case("dose-sex-other", [*DOSE, "--sex", "other"], "--sex", "female", "male"),
    case("dose-dosing-weight-unknown", [*DOSE, "--dosing-weight", "lean"], "--dosing-weight", "actual"),
    case("dose-dosing-weight-empty", [*DOSE, "--dosing-weight", ""], "--dosing-weight", "actual"),
    case(
        "dose-dosing-weight-ideal-alone", [*DOSE, "--dosing-weight", "ideal"], "--dosing-weight", "--height and --sex"
    ),
    case(
        "dose-dosing-weight-adjusted-no-sex",
        [*DOSE, "--height", "170cm", "--dosing-weight", "adjusted"],
        "--dosing-weight",
        "--sex",
    ),
    case("dose-age-minor", [*DOSE, "--age", "17"], "--age", "18"),
    case("dose-age-negative", [*DOSE, "--age", "-1"], "--age", "18"),
    case("dose-age-zero", [*DOSE, "--age", "0"], "--age", "18"),
    case("dose-age-too-old", [*DOSE, "--age", "121"], "--age", "120"),
    case("dose-age-huge", [*DOSE, "--age", "99999999999999999999999"], "--age", "120"),
    case("dose-age-float", [*DOSE, "--age", "18.5"], "--age", "integer"),
    case("dose-age-exponent", [*DOSE, "--age", "1e3"], "--age", "integer"),
    case("dose-age-empty", [*DOSE, "--age", ""], "--age", "integer"),
    case("dose-age-word", [*DOSE, "--age", "eighteen"], "--age", "integer"),
    case("dose-format-unknown", [*DOSE, "--format", "xml"], "--format", "table", "json"),
    case("dose-format-empty", [*DOSE, "--format", ""], "--format", "table", "json"),
    case("dose-format-csv", [*DOSE, "--format", "csv"], "--format", "table", "json"),
    case("dose-date-format-unknown", [*DOSE, "--date-format", "dmy"], "--date-format", "iso", "us"),
    case("dose-details-with-json", [*DOSE, "--details", "--format", "json"], "--details", "--format table"),
    # unknown options, extra arguments
    case("dose-unknown-option", [*DOSE, "--bogus"], "--bogus"),
    case("dose-plan-only-option", [*DOSE, "--force"], "--force"),
    case("dose-extra-argument", [*DOSE, "extra"], "extra"),
]

PLAN_CASES = [
    # --route
    case("plan-route-missing", ["plan", "--start", "2026-12-01"], "--route", "intranasal"),
    case(
        "plan-route-empty", ["plan", "--route", "", "--start", "2026-12-01"], "--route", "intranasal, iv, im, sc, oral"
    ),
    case(
        "plan-route-unknown",
        ["plan", "--route", "xyz", "--start", "2026-12-01"],
        "--route",
        "intranasal, iv, im, sc, oral",
    ),
    case("plan-route-upper-case", ["plan", "--route", "IV", "--start", "2026-12-01"], "--route", "iv"),
    case("plan-route-shell", ["plan", "--route", "iv;ls", "--start", "2026-12-01"], "--route"),
    case("plan-route-no-value", ["plan", "--route"], "--route", "requires an argument"),
    # --start
    case("plan-start-missing", ["plan", "--route", "intranasal"], "--start", "YYYY-MM-DD"),
    case("plan-start-empty", [*NASAL[:3], "--start", ""], "--start", "YYYY-MM-DD"),
    case("plan-start-feb-30", [*NASAL[:3], "--start", "2026-02-30"], "--start", "28 days"),
    case("plan-start-month-13", [*NASAL[:3], "--start", "2026-13-01"], "--start", "01-12"),
    case("plan-start-month-0", [*NASAL[:3], "--start", "2026-00-10"], "--start", "01-12"),
    case("plan-start-day-0", [*NASAL[:3], "--start", "2026-12-00"], "--start", "31 days"),
    case("plan-start-year-0", [*NASAL[:3], "--start", "0000-01-01"], "--start", "year 0"),
    case("plan-start-calendar-first-day", [*NASAL[:3], "--start", "0001-01-01"], "--start", "1970-2199"),
    case("plan-start-calendar-last-day", [*NASAL[:3], "--start", "9999-12-31"], "--start", "1970-2199"),
    case("plan-start-before-1970", [*NASAL[:3], "--start", "1969-12-31"], "--start", "1970-2199"),
    case("plan-start-after-2199", [*NASAL[:3], "--start", "2200-01-01"], "--start", "1970-2199"),
    case("plan-start-slashes", [*NASAL[:3], "--start", "2026/12/01"], "--start", "YYYY-MM-DD"),
    case("plan-start-day-first", [*NASAL[:3], "--start", "01-12-2026"], "--start", "YYYY-MM-DD"),
    case("plan-start-one-digit-day", [*NASAL[:3], "--start", "2026-12-1"], "--start", "YYYY-MM-DD"),
    case("plan-start-with-time", [*NASAL[:3], "--start", "2026-12-01T09:00"], "--start", "YYYY-MM-DD"),
    case("plan-start-full-width", [*NASAL[:3], "--start", "２０２６-１２-０１"], "--start", "YYYY-MM-DD"),
    case("plan-start-word", [*NASAL[:3], "--start", "tomorrow"], "--start", "YYYY-MM-DD"),
    case("plan-start-control", [*NASAL[:3], "--start", "2026-12-01\x07x"], "--start", "YYYY-MM-DD"),
    # --weight (weight-based protocols)
    case(
        "plan-weight-missing-iv",
        ["plan", "--route", "iv", "--start", "2026-12-01", "--tz", "UTC"],
        "--weight",
        "weight-based",
    ),
    case("plan-weight-empty", ["plan", "--route", "iv", "--weight", "", "--start", "2026-12-01"], "--weight", "70kg"),
    case("plan-weight-nan", ["plan", "--route", "iv", "--weight", "nan", "--start", "2026-12-01"], "--weight"),
    case("plan-weight-1e309", ["plan", "--route", "iv", "--weight", "1e309", "--start", "2026-12-01"], "--weight"),
    case("plan-weight-negative", ["plan", "--route", "iv", "--weight", "-70kg", "--start", "2026-12-01"], "--weight"),
    case(
        "plan-weight-zero",
        ["plan", "--route", "iv", "--weight", "0", "--start", "2026-12-01"],
        "--weight",
        "add a unit",
    ),
    case(
        "plan-weight-decimal-comma",
        ["plan", "--route", "iv", "--weight", "70,5kg", "--start", "2026-12-01"],
        "--weight",
        "70.5kg",
    ),
    case(
        "plan-weight-unknown-unit",
        ["plan", "--route", "sc", "--weight", "11st", "--start", "2026-12-01"],
        "--weight",
        "kg or lb",
    ),
    # --protocol
    case("plan-protocol-empty", ["plan", "--protocol", "", "--start", "2026-12-01"], "--protocol", ".toml"),
    case(
        "plan-protocol-unknown-id",
        ["plan", "--protocol", "nope", "--start", "2026-12-01"],
        "--protocol",
        "esketamine-trd",
    ),
    case("plan-protocol-very-long", ["plan", "--protocol", LONG, "--start", "2026-12-01"], "--protocol", "shipped id"),
    case(
        "plan-protocol-missing-file",
        ["plan", "--protocol", "/nonexistent/p.toml", "--start", "2026-12-01"],
        "--protocol",
        "no such file",
    ),
    case(
        "plan-protocol-folder", ["plan", "--protocol", "{folder}", "--start", "2026-12-01"], "--protocol", "directory"
    ),
    case(
        "plan-protocol-malformed",
        ["plan", "--protocol", "{malformed}", "--start", "2026-12-01"],
        "--protocol",
        "not valid TOML",
    ),
    case("plan-protocol-not-utf8", ["plan", "--protocol", "{latin1}", "--start", "2026-12-01"], "--protocol", "UTF-8"),
    case(
        "plan-protocol-wrong-type",
        ["plan", "--protocol", "{wrong_type}", "--start", "2026-12-01", "--weight", "70kg"],
        "--protocol",
        "session.observation_minutes",
    ),
    case(
        "plan-protocol-widens-limit",
        ["plan", "--protocol", "{widened}", "--start", "2026-12-01", "--weight", "70kg"],
        "--protocol",
        "0.1-1.0 mg/kg",
    ),
    case(
        "plan-protocol-bad-esketamine-dose",
        ["plan", "--protocol", "{bad_esketamine}", "--start", "2026-12-01"],
        "--protocol",
        "28, 56 or 84 mg",
    ),
    case(
        "plan-protocol-route-mismatch",
        ["plan", "--route", "iv", "--protocol", "esketamine-trd", "--start", "2026-12-01"],
        "--protocol",
        "intranasal",
    ),
    # --days
    case("plan-days-empty", [*NASAL, "--days", ""], "--days", "tue,fri"),
    case("plan-days-commas-only", [*NASAL, "--days", ",,"], "--days", "tue,fri"),
    case("plan-days-duplicate", [*NASAL, "--days", "tue,tue"], "--days", "twice"),
    case("plan-days-duplicate-spelling", [*NASAL, "--days", "tue,Tuesday"], "--days", "twice"),
    case("plan-days-unknown", [*NASAL, "--days", "tue,xyz"], "--days", "mon, tue, wed"),
    case("plan-days-numbers", [*NASAL, "--days", "1,4"], "--days", "mon, tue, wed"),
    case("plan-days-semicolon", [*NASAL, "--days", "tue;fri"], "--days", "mon, tue, wed"),
    case("plan-days-two-letters", [*NASAL, "--days", "tu,fr"], "--days", "mon, tue, wed"),
    case("plan-days-too-close", [*NASAL, "--days", "mon,tue"], "--days", "tue,fri"),
    case("plan-days-too-few", [*NASAL, "--days", "tue"], "--days", "2 sessions a week"),
    case("plan-days-escape", [*NASAL, "--days", "tue,\x1bfri"], "--days"),
    case("plan-days-very-long", [*NASAL, "--days", "tue,fri" + ",tue" * 2000], "--days"),
    # --time
    case("plan-time-empty", [*NASAL, "--time", ""], "--time", "HH:MM"),
    case("plan-time-25", [*NASAL, "--time", "25:00"], "--time", "00-23"),
    case("plan-time-24", [*NASAL, "--time", "24:00"], "--time", "00-23"),
    case("plan-time-60-minutes", [*NASAL, "--time", "09:60"], "--time", "00-59"),
    case("plan-time-am", [*NASAL, "--time", "9am"], "--time", "HH:MM"),
    case("plan-time-seconds", [*NASAL, "--time", "09:00:00"], "--time", "HH:MM"),
    case("plan-time-hour-only", [*NASAL, "--time", "9"], "--time", "HH:MM"),
    case("plan-time-negative", [*NASAL, "--time", "-1:00"], "--time", "HH:MM"),
    case("plan-time-full-width", [*NASAL, "--time", "０９:００"], "--time", "HH:MM"),
    case("plan-time-nan", [*NASAL, "--time", "nan"], "--time", "HH:MM"),
    # --tz
    case("plan-tz-empty", [*NASAL[:5], "--tz", ""], "--tz", "Europe/Brussels"),
    case("plan-tz-blank", [*NASAL[:5], "--tz", "   "], "--tz", "Europe/Brussels"),
    case("plan-tz-unknown", [*NASAL[:5], "--tz", "Mars/Olympus"], "--tz", "IANA"),
    case("plan-tz-path-escape", [*NASAL[:5], "--tz", "../../etc/passwd"], "--tz", "IANA"),
    case("plan-tz-absolute-path", [*NASAL[:5], "--tz", "/etc/localtime"], "--tz", "IANA"),
    case("plan-tz-offset", [*NASAL[:5], "--tz", "UTC+1"], "--tz", "IANA"),
    case("plan-tz-lower-case", [*NASAL[:5], "--tz", "europe/brussels"], "--tz", "IANA"),
    case("plan-tz-escape", [*NASAL[:5], "--tz", "Europe/\x1b[2J"], "--tz", "IANA"),
    case("plan-tz-very-long", [*NASAL[:5], "--tz", LONG], "--tz", "IANA"),
    # --weeks, --until: absurd horizons are bounded
    case("plan-weeks-empty", [*NASAL, "--weeks", ""], "--weeks", "integer"),
    case("plan-weeks-zero", [*NASAL, "--weeks", "0"], "--weeks", "1 or more"),
    case("plan-weeks-negative", [*NASAL, "--weeks", "-1"], "--weeks", "1 or more"),
    case("plan-weeks-157", [*NASAL, "--weeks", "157"], "--weeks", "156"),
    case("plan-weeks-huge", [*NASAL, "--weeks", "99999999999999999999"], "--weeks", "156"),
    case("plan-weeks-float", [*NASAL, "--weeks", "4.5"], "--weeks", "integer"),
    case("plan-weeks-exponent", [*NASAL, "--weeks", "1e3"], "--weeks", "integer"),
    case("plan-weeks-nan", [*NASAL, "--weeks", "nan"], "--weeks", "integer"),
    case("plan-weeks-and-until", [*NASAL, "--weeks", "4", "--until", "2027-01-01"], "--weeks", "--until"),
    case("plan-until-empty", [*NASAL, "--until", ""], "--until", "YYYY-MM-DD"),
    case("plan-until-feb-30", [*NASAL, "--until", "2026-02-30"], "--until", "28 days"),
    case("plan-until-calendar-first-day", [*NASAL, "--until", "0001-01-01"], "--until", "before the first session"),
    case("plan-until-calendar-last-day", [*NASAL, "--until", "9999-12-31"], "--until", "156 weeks"),
    case("plan-until-before-start", [*NASAL, "--until", "2026-11-30"], "--until", "before the first session"),
    case("plan-until-four-years", [*NASAL, "--until", "2030-12-01"], "--until", "156 weeks"),
    case("plan-until-word", [*NASAL, "--until", "soon"], "--until", "YYYY-MM-DD"),
    # esketamine doses: the allowed set is checked in the core
    case("plan-dose-70", [*NASAL, "--dose", "70"], "--dose", "56/84 mg"),
    case("plan-dose-28", [*NASAL, "--dose", "28"], "--dose", "56/84 mg"),
    case("plan-dose-zero", [*NASAL, "--dose", "0"], "--dose", "56/84 mg"),
    case("plan-dose-negative", [*NASAL, "--dose", "-56"], "--dose", "56/84 mg"),
    case("plan-dose-112", [*NASAL, "--dose", "112"], "--dose", "56/84 mg"),
    case("plan-dose-empty", [*NASAL, "--dose", ""], "--dose", "integer"),
    case("plan-dose-fraction", [*NASAL, "--dose", "56.5"], "--dose", "integer"),
    case("plan-dose-nan", [*NASAL, "--dose", "nan"], "--dose", "integer"),
    case("plan-dose-for-iv", [*IV, "--dose", "56"], "--dose", "--mg-per-kg"),
    case("plan-first-dose-84", [*NASAL, "--first-dose", "84"], "--first-dose", "56 mg"),
    case("plan-first-dose-28-without-age", [*NASAL, "--first-dose", "28"], "--first-dose", "65"),
    case("plan-first-dose-28-under-65", [*NASAL, "--first-dose", "28", "--age", "64"], "--first-dose", "65"),
    case("plan-first-dose-zero", [*NASAL, "--first-dose", "0"], "--first-dose", "56 mg"),
    case("plan-first-dose-with-unit", [*NASAL, "--first-dose", "56mg"], "--first-dose", "integer"),
    case("plan-first-dose-for-iv", [*IV, "--first-dose", "56"], "--dose", "--mg-per-kg"),
    case("plan-every-3", [*NASAL, "--every", "3"], "--every", "1 or 2"),
    case("plan-every-zero", [*NASAL, "--every", "0"], "--every", "1 or 2"),
    case("plan-every-negative", [*NASAL, "--every", "-1"], "--every", "1 or 2"),
    case("plan-every-empty", [*NASAL, "--every", ""], "--every", "integer"),
    case("plan-every-fixed-protocol", [*IV, "--every", "1"], "--every", "fixed"),
    # racemic mg/kg: hard and protocol limits
    case("plan-mgkg-above", [*IV, "--mg-per-kg", "1.1"], "--mg-per-kg", MG_PER_KG_RANGE),
    case("plan-mgkg-below", [*IV, "--mg-per-kg", "0.09"], "--mg-per-kg", MG_PER_KG_RANGE),
    case("plan-mgkg-zero", [*IV, "--mg-per-kg", "0"], "--mg-per-kg", MG_PER_KG_RANGE),
    case("plan-mgkg-negative", [*IV, "--mg-per-kg", "-0.5"], "--mg-per-kg", MG_PER_KG_RANGE),
    case("plan-mgkg-nan", [*IV, "--mg-per-kg", "nan"], "--mg-per-kg", "finite"),
    case("plan-mgkg-inf", [*IV, "--mg-per-kg", "inf"], "--mg-per-kg", "finite"),
    case("plan-mgkg-1e309", [*IV, "--mg-per-kg", "1e309"], "--mg-per-kg", "finite"),
    case("plan-mgkg-empty", [*IV, "--mg-per-kg", ""], "--mg-per-kg", "number"),
    case("plan-mgkg-decimal-comma", [*IV, "--mg-per-kg", "0,5"], "--mg-per-kg", "number"),
    case("plan-mgkg-oral-below", [*ORAL, "--mg-per-kg", "0.4"], "--mg-per-kg", "0.5–1.25 mg/kg"),
    case("plan-mgkg-oral-above", [*ORAL, "--mg-per-kg", "1.3"], "--mg-per-kg", "0.5–1.25 mg/kg"),
    case("plan-mgkg-for-esketamine", [*NASAL, "--mg-per-kg", "0.5"], "--mg-per-kg", "--dose"),
    # patient
    case("plan-age-minor", [*NASAL, "--age", "17"], "--age", "18"),
    case("plan-age-negative", [*NASAL, "--age", "-1"], "--age", "18"),
    case("plan-age-too-old", [*NASAL, "--age", "121"], "--age", "120"),
    case("plan-age-empty", [*NASAL, "--age", ""], "--age", "integer"),
    case("plan-age-exponent", [*NASAL, "--age", "1e3"], "--age", "integer"),
    case("plan-height-no-unit", [*IV, "--height", "170"], "--height", "cm or in"),
    case("plan-height-empty", [*IV, "--height", ""], "--height", "170cm"),
    case("plan-height-too-tall", [*IV, "--height", "251cm"], "--height", "100–250 cm"),
    case("plan-height-feet", [*IV, "--height", "170ft"], "--height", "cm or in"),
    case("plan-sex-unknown", [*IV, "--sex", "x"], "--sex", "female, male"),
    case("plan-sex-empty", [*IV, "--sex", ""], "--sex", "female, male"),
    case("plan-sex-both", [*IV, "--sex", "both"], "--sex", "female, male"),
    case("plan-dosing-weight-unknown", [*IV, "--dosing-weight", "x"], "--dosing-weight", "actual, ideal, adjusted"),
    case("plan-dosing-weight-empty", [*IV, "--dosing-weight", ""], "--dosing-weight", "actual, ideal, adjusted"),
    case("plan-dosing-weight-ideal-alone", [*IV, "--dosing-weight", "ideal"], "--dosing-weight", "--height and --sex"),
    # clinic calendar: closing every weekday is refused, never an endless search
    case("plan-closed-every-day", [*NASAL, "--closed", "mon,tue,wed,thu,fri,sat,sun"], "--closed", "every weekday"),
    case(
        "plan-closed-every-day-long-names",
        [*NASAL, "--closed", "sunday,saturday,friday,thursday,wednesday,tuesday,monday"],
        "--closed",
        "every weekday",
    ),
    case(
        "plan-closed-every-day-with-days",
        [*NASAL, "--closed", "mon,tue,wed,thu,fri,sat,sun", "--days", "tue,fri"],
        "--closed",
        "every weekday",
    ),
    case("plan-closed-every-day-iv", [*IV, "--closed", "mon,tue,wed,thu,fri,sat,sun"], "--closed", "every weekday"),
    case("plan-closed-empty", [*NASAL, "--closed", ""], "--closed", "none"),
    case("plan-closed-blank", [*NASAL, "--closed", "  "], "--closed", "none"),
    case("plan-closed-unknown", [*NASAL, "--closed", "xyz"], "--closed", "mon, tue"),
    case("plan-closed-duplicate", [*NASAL, "--closed", "mon,mon"], "--closed", "twice"),
    case("plan-closed-weekday-numbers", [*NASAL, "--closed", "6,7"], "--closed", "mon, tue"),
    case("plan-skip-empty", [*NASAL, "--skip", ""], "--skip", "YYYY-MM-DD"),
    case("plan-skip-commas-only", [*NASAL, "--skip", ",,,"], "--skip", "YYYY-MM-DD"),
    case("plan-skip-feb-30", [*NASAL, "--skip", "2026-02-30"], "--skip", "28 days"),
    case("plan-skip-word", [*NASAL, "--skip", "xmas"], "--skip", "YYYY-MM-DD"),
    case("plan-skip-one-bad-in-list", [*NASAL, "--skip", "2026-12-04,2026-13-01"], "--skip", "01-12"),
    case("plan-skip-very-long", [*NASAL, "--skip", LONG], "--skip", "YYYY-MM-DD"),
    case("plan-skip-sixty-one-days", [*NASAL, "--skip", SIXTY_ONE_DAYS], "--skip", "60 days"),
    case("plan-holidays-empty", [*NASAL, "--holidays", ""], "--holidays", "BE, US or US-NY"),
    case("plan-holidays-unknown", [*NASAL, "--holidays", "XX"], "--holidays", "no public-holiday table"),
    case("plan-holidays-unknown-3", [*NASAL, "--holidays", "ZZZ"], "--holidays", "no public-holiday table"),
    case("plan-holidays-unknown-subdivision", [*NASAL, "--holidays", "US-ZZ"], "--holidays"),
    case("plan-holidays-digit", [*NASAL, "--holidays", "B3"], "--holidays", "BE, US or US-NY"),
    case("plan-holidays-shell", [*NASAL, "--holidays", "BE;ls"], "--holidays", "BE, US or US-NY"),
    case("plan-holidays-control", [*NASAL, "--holidays", "BE\x01"], "--holidays", "BE, US or US-NY"),
    case("plan-holidays-very-long", [*NASAL, "--holidays", LONG], "--holidays", "BE, US or US-NY"),
    # --label: pseudonymous, CSV-safe
    case("plan-label-empty", [*NASAL, "--label", ""], "--label", "P01"),
    case("plan-label-blank", [*NASAL, "--label", "  "], "--label", "P01"),
    case("plan-label-formula", [*NASAL, "--label", "=cmd()"], "--label", "P01"),
    case("plan-label-plus", [*NASAL, "--label", "+1"], "--label", "P01"),
    case("plan-label-at", [*NASAL, "--label", "@x"], "--label", "P01"),
    case("plan-label-control", [*NASAL, "--label", "P\x01"], "--label", "control"),
    case("plan-label-delete", [*NASAL, "--label", "P\x7f"], "--label", "control"),
    case("plan-label-41", [*NASAL, "--label", "x" * 41], "--label", "1-40"),
    case("plan-label-very-long", [*NASAL, "--label", LONG], "--label", "1-40"),
    case("plan-screen-every-zero", [*NASAL, "--screen-every", "0"], "--screen-every", "1-52"),
    case("plan-setting-unknown", [*NASAL, "--setting", "home"], "--setting", "outpatient", "inpatient"),
    case("plan-setting-empty", [*NASAL, "--setting", ""], "--setting", "outpatient"),
    case("plan-weight-bare", [*IV[:4], "154", *IV[5:]], "--weight", "add a unit: 154kg or 154lb"),
    case("plan-iv-heavy-no-height", [*IV[:4], "150kg", *IV[5:]], "--height", "120 kg"),
    case("plan-dose-28-under-65", [*NASAL, "--dose", "28"], "--dose", "65"),
    case("plan-screen-every-53", [*NASAL, "--screen-every", "53"], "--screen-every", "1-52"),
    case("plan-screen-every-negative", [*NASAL, "--screen-every", "-1"], "--screen-every", "1-52"),
    case("plan-screen-every-word", [*NASAL, "--screen-every", "x"], "--screen-every", "integer"),
    # output
    case("plan-format-unknown", [*NASAL, "--format", "xml"], "--format", "json"),
    case("plan-format-empty", [*NASAL, "--format", ""], "--format", "json"),
    case("plan-format-jsonl-without-roster", [*NASAL, "--format", "jsonl"], "--format jsonl", "--format json"),
    case("plan-output-empty", [*NASAL, "--output", ""], "--output"),
    case("plan-output-blank", [*NASAL, "--output", "  "], "--output"),
    case(
        "plan-output-missing-folder",
        [*NASAL, "--output", "/nonexistent/dir/plan.json"],
        "/nonexistent/dir/plan.json",
        "does not exist",
    ),
    case("plan-output-folder", [*NASAL, "--output", "{folder}"], "--output", "folder"),
    case("plan-output-exists", [*NASAL, "--output", "{existing}"], "already exists", "--force"),
    case("plan-output-device", [*NASAL, "--output", "/dev/null", "--force"], "--output", "regular file"),
    case("plan-output-unwritable-folder", [*NASAL, "--output", "/proc/ketplan-plan.json"], "/proc/ketplan-plan.json"),
    case("plan-output-no-value", [*NASAL, "--output"], "--output", "requires an argument"),
    case("plan-force-with-value", [*NASAL, "--force=yes"], "--force", "does not take a value"),
    case("plan-date-format-unknown", [*NASAL, "--date-format", "mdy"], "--date-format", "iso", "us", "eu"),
    case("plan-date-format-empty", [*NASAL, "--date-format", ""], "--date-format", "iso"),
    case("plan-date-format-with-csv", [*NASAL, "--format", "csv", "--date-format", "us"], "--date-format", "table"),
    case("plan-details-with-ics", [*NASAL, "--format", "ics", "--details"], "--details", "--format table"),
    case("plan-details-with-value", [*NASAL, "--details", "yes"], "yes"),
    case("plan-remind-unknown", [*ICS, "--remind", "bogus"], "--remind", "90m, 2h"),
    case("plan-remind-empty", [*ICS, "--remind", ""], "--remind", "90m, 2h"),
    case("plan-remind-negative", [*ICS, "--remind", "-1h"], "--remind", "90m, 2h"),
    case("plan-remind-too-early", [*ICS, "--remind", "8d"], "--remind", "7d"),
    case("plan-remind-zero", [*ICS, "--remind", "0m"], "--remind", "1 minute"),
    case("plan-remind-twice", [*ICS, "--remind", "evening,evening"], "--remind", "twice"),
    case("plan-remind-1e309", [*ICS, "--remind", "1e309h"], "--remind", "90m, 2h"),
    case("plan-stamp-unknown", [*NASAL, "--format", "ics", "--stamp", "bogus"], "--stamp", "2026-11-01T00:00:00Z"),
    case("plan-stamp-empty", [*NASAL, "--format", "ics", "--stamp", ""], "--stamp", "2026-11-01T00:00:00Z"),
    case(
        "plan-stamp-month-13",
        [*NASAL, "--format", "ics", "--stamp", "2026-13-01T00:00:00Z"],
        "--stamp",
        "2026-11-01T00:00:00Z",
    ),
    case("plan-stamp-no-zone", [*NASAL, "--format", "ics", "--stamp", "2026-11-01"], "--stamp", "Z"),
    case("plan-stamp-year-1", [*NASAL, "--format", "ics", "--stamp", "0001-01-01T00:00:00Z"], "--stamp", "1970"),
    # --roster / --output-dir: refused combinations
    case("plan-roster-with-patient-options", ["plan", "--roster", "{roster}", "--route", "iv"], "--roster", "--route"),
    case("plan-roster-format-table", ["plan", "--roster", "{roster}", "--format", "table"], "--roster", "jsonl"),
    case("plan-roster-format-json", ["plan", "--roster", "{roster}", "--format", "json"], "--roster", "jsonl"),
    case("plan-roster-ics-without-dir", ["plan", "--roster", "{roster}", "--format", "ics"], "--output-dir"),
    case(
        "plan-roster-ics-missing-dir",
        ["plan", "--roster", "{roster}", "--format", "ics", "--output-dir", "/nonexistent/dir"],
        "--output-dir",
        "/nonexistent/dir",
    ),
    case("plan-roster-missing-file", ["plan", "--roster", "/nonexistent/roster.csv"], "--roster", "no such file"),
    case("plan-roster-folder", ["plan", "--roster", "{folder}"], "--roster", "folder"),
    case("plan-roster-empty-name", ["plan", "--roster", ""], "--roster", "CSV"),
    case("plan-output-dir-without-roster", [*NASAL, "--output-dir", "{folder}"], "--output-dir", "--roster"),
    # unknown options, extra arguments
    case("plan-unknown-option", [*NASAL, "--bogus"], "--bogus"),
    case("plan-extra-argument", [*NASAL, "extra"], "extra"),
]

PROTOCOL_CASES = [
    case("protocols-format-unknown", ["protocols", "--format", "xml"], "--format", "table", "json"),
    case("protocols-format-empty", ["protocols", "--format", ""], "--format", "table", "json"),
    case("protocols-unknown-subcommand", ["protocols", "bogus"], "bogus"),
    case("protocols-list-format-unknown", ["protocols", "list", "--format", "xml"], "--format", "table", "json"),
    case("protocols-list-format-upper", ["protocols", "list", "--format", "JSON"], "--format", "json"),
    case("protocols-list-extra-argument", ["protocols", "list", "extra"], "extra"),
    case("protocols-show-missing-id", ["protocols", "show"], "ID|FILE"),
    case("protocols-show-empty", ["protocols", "show", ""], "protocol", ".toml"),
    case("protocols-show-unknown-id", ["protocols", "show", "nope"], "nope", "esketamine-trd"),
    case("protocols-show-very-long", ["protocols", "show", LONG], "unknown protocol", "shipped id"),
    case("protocols-show-shell", ["protocols", "show", "esketamine-trd; rm -rf /"], "esketamine-trd; rm -rf /"),
    case(
        "protocols-show-format-unknown", ["protocols", "show", "esketamine-trd", "--format", "xml"], "--format", "json"
    ),
    case(
        "protocols-show-missing-file",
        ["protocols", "show", "/nonexistent/p.toml"],
        "/nonexistent/p.toml",
        "no such file",
    ),
    case("protocols-show-folder", ["protocols", "show", "{folder}"], "{folder}", "directory"),
    case("protocols-show-malformed", ["protocols", "show", "{malformed}"], "{malformed}", "not valid TOML"),
    case("protocols-show-not-utf8", ["protocols", "show", "{latin1}"], "{latin1}", "UTF-8"),
    case(
        "protocols-show-wrong-type",
        ["protocols", "show", "{wrong_type}"],
        "{wrong_type}",
        "session.observation_minutes",
    ),
    case("protocols-show-widened", ["protocols", "show", "{widened}"], "{widened}", "0.1-1.0 mg/kg"),
    case("protocols-check-missing-file-arg", ["protocols", "check"], "FILE"),
    case(
        "protocols-check-missing-file",
        ["protocols", "check", "/nonexistent/p.toml"],
        "/nonexistent/p.toml",
        "no such file",
    ),
    case("protocols-check-folder", ["protocols", "check", "{folder}"], "{folder}", "directory"),
    case("protocols-check-malformed", ["protocols", "check", "{malformed}"], "{malformed}", "not valid TOML"),
    case("protocols-check-unclosed-table", ["protocols", "check", "{unclosed}"], "{unclosed}", "not valid TOML"),
    case("protocols-check-not-utf8", ["protocols", "check", "{latin1}"], "{latin1}", "UTF-8", "byte 0xe9"),
    case("protocols-check-binary", ["protocols", "check", "{binary}"], "{binary}", "UTF-8"),
    case("protocols-check-nul-byte", ["protocols", "check", "{nul}"], "{nul}", "not valid TOML"),
    case("protocols-check-empty-file", ["protocols", "check", "{empty}"], "{empty}", "Field required"),
    case("protocols-check-too-large", ["protocols", "check", "{huge}"], "{huge}", "too large"),
    case(
        "protocols-check-wrong-type",
        ["protocols", "check", "{wrong_type}"],
        "{wrong_type}",
        "session.observation_minutes",
    ),
    case("protocols-check-string-for-number", ["protocols", "check", "{string_dose}"], "{string_dose}", "dose"),
    case("protocols-check-widened-limit", ["protocols", "check", "{widened}"], "{widened}", "dose", "0.1-1.0 mg/kg"),
    case("protocols-check-oral-widened", ["protocols", "check", "{oral_widened}"], "{oral_widened}", "0.5-1.25 mg/kg"),
    case(
        "protocols-check-bad-esketamine-dose",
        ["protocols", "check", "{bad_esketamine}"],
        "{bad_esketamine}",
        "28, 56 or 84 mg",
    ),
    case("protocols-check-unknown-key", ["protocols", "check", "{unknown_key}"], "{unknown_key}", "unknown key"),
    case("protocols-check-escape-in-name", ["protocols", "check", "\x1b[31mred.toml"], "red.toml", "no such file"),
]

ROOT_CASES = [
    case("root-unknown-command", ["bogus"], "bogus"),
    case("root-unknown-option", ["--bogus"], "--bogus"),
    case("root-debug-without-command", ["--debug"], "command"),
    case("root-debug-with-value", ["--debug=1"], "--debug", "does not take a value"),
    case("root-version-with-value", ["--version=1"], "--version", "does not take a value"),
]

ALL_CASES = DOSE_CASES + PLAN_CASES + PROTOCOL_CASES + ROOT_CASES


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("bad-input")
    iv = (SHIPPED / "iv-racemic-twice-weekly.toml").read_text(encoding="utf-8")
    oral = (SHIPPED / "oral-racemic.toml").read_text(encoding="utf-8")
    trd = (SHIPPED / "esketamine-trd.toml").read_text(encoding="utf-8")

    def mutated(text: str, old: str, new: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1).replace('id = "', 'id = "mutated-', 1)

    contents: dict[str, bytes | str] = {
        "malformed": "id = \n[[[",
        "unclosed": iv + "\n[dose\n",
        "latin1": "title = 'café'".encode("latin-1"),
        "binary": bytes(range(256)),
        "nul": b"id = 'a\x00b'\n",
        "empty": b"",
        "huge": b"#" * 1_500_000,
        "wrong_type": mutated(iv, "observation_minutes = 60", 'observation_minutes = "60"'),
        "string_dose": mutated(iv, "default_mg_per_kg = 0.5", 'default_mg_per_kg = "half"'),
        "widened": mutated(iv, "max_mg_per_kg = 1.0", "max_mg_per_kg = 5.0"),
        "oral_widened": mutated(oral, "max_mg_per_kg = 1.25", "max_mg_per_kg = 3.0"),
        "bad_esketamine": mutated(trd, "allowed_mg = [56, 84]", "allowed_mg = [56, 84, 112]"),
        "unknown_key": mutated(iv, "observation_minutes = 60", "observation_minutes = 60\nobservation_minuets = 60"),
        "roster": "id,route,start\nP01,intranasal,2026-12-01\n",
    }
    paths = {"folder": str(folder)}
    for name, data in contents.items():
        path = folder / (f"{name}.csv" if name == "roster" else f"{name}.toml")
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
        paths[name] = str(path)
    existing = folder / "existing.json"
    existing.write_text("keep me\n", encoding="utf-8")
    paths["existing"] = str(existing)
    return paths


def _fill(text: str, files: dict[str, str]) -> str:
    for name, path in files.items():
        text = text.replace("{" + name + "}", path)
    return text


def test_the_table_is_large_and_covers_every_option():
    """At least 150 cases, and every option of every command has at least one."""
    assert len(ALL_CASES) >= 150
    args_seen = {arg.split("=")[0] for param in ALL_CASES for arg in param.values[0] if arg.startswith("--")}
    from typer.main import get_command

    root = get_command(__import__("ketplan.cli", fromlist=["app"]).app)
    options = set()
    for name in ("dose", "plan"):
        for param in root.commands[name].params:
            options.update(o for o in param.opts if o.startswith("--"))
    for param in root.commands["protocols"].commands["show"].params:
        options.update(o for o in param.opts if o.startswith("--"))
    options -= {"--help"}
    missing = sorted(options - args_seen)
    assert not missing, f"options without a bad-input case: {missing}"
    commands = {
        param.values[0][0] if param.values[0][0] != "protocols" else " ".join(param.values[0][:2])
        for param in ALL_CASES
    }
    assert {"dose", "plan", "protocols show", "protocols check", "protocols list"} <= commands


@pytest.mark.parametrize("args, fragments", ALL_CASES)
def test_bad_input_is_refused_with_one_line(args, fragments, files, runner: CliRunner):
    args = [_fill(a, files) for a in args]
    fragments = [_fill(f, files) for f in fragments]
    result = runner.invoke(app, args, env=ENV)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.exit_code == 2, (result.exit_code, result.stderr[-500:])
    assert result.stdout == "", result.stdout[:500]
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = as_error_line(lines[0], exit_code=2)
    assert line.startswith("ketplan: error: ")
    assert result.stderr.endswith("\n")
    assert "internal failure" not in line
    assert line.isprintable(), repr(line)  # control characters from the input are escaped
    assert len(line) < 700, len(line)  # a 5000-character value is quoted shortened
    for fragment in fragments:
        assert fragment in line, (fragment, line)


def test_an_existing_output_file_is_left_untouched(files, runner: CliRunner):
    result = runner.invoke(app, [*NASAL, "--format", "json", "--output", files["existing"]], env=ENV)
    assert result.exit_code == 2
    assert Path(files["existing"]).read_text(encoding="utf-8") == "keep me\n"
    assert not [p for p in Path(files["folder"]).iterdir() if p.name.startswith(".existing")]


def test_several_bad_protocol_files_give_one_line_each(files, runner: CliRunner):
    result = runner.invoke(app, ["protocols", "check", files["malformed"], files["latin1"], files["widened"]], env=ENV)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 3 and all(line.startswith("ketplan: error: ") for line in lines)
    assert [files["malformed"] in lines[0], files["latin1"] in lines[1], files["widened"] in lines[2]] == [True] * 3


VERY_LONG_CASES = [
    case("long-dose-format", [*DOSE, "--format", LONG], "--format"),
    case("long-dose-sex", [*DOSE, "--sex", LONG], "--sex"),
    case("long-dose-height", [*DOSE, "--height", LONG], "--height"),
    case("long-dose-mgkg", [*DOSE, "--mg-per-kg", LONG], "--mg-per-kg"),
    case("long-plan-route", ["plan", "--route", LONG, "--start", "2026-12-01"], "--route"),
    case("long-plan-start", [*NASAL[:3], "--start", LONG], "--start"),
    case("long-plan-until", [*NASAL, "--until", LONG], "--until"),
    case("long-plan-time", [*NASAL, "--time", LONG], "--time"),
    case("long-plan-closed", [*NASAL, "--closed", LONG], "--closed"),
    case("long-plan-sex", [*IV, "--sex", LONG], "--sex"),
    case("long-plan-dosing-weight", [*IV, "--dosing-weight", LONG], "--dosing-weight"),
    case("long-plan-weeks", [*NASAL, "--weeks", "9" * 5000], "--weeks"),
    case("long-plan-format", [*NASAL, "--format", LONG], "--format"),
    case("long-plan-remind", [*ICS, "--remind", LONG], "--remind"),
    case("long-plan-stamp", [*NASAL, "--format", "ics", "--stamp", LONG], "--stamp"),
    case("long-plan-output", [*NASAL, "--output", "/nonexistent/" + LONG], "/nonexistent/"),
    case("long-plan-roster", ["plan", "--roster", "/nonexistent/" + LONG], "--roster"),
    case("long-protocols-check", ["protocols", "check", LONG + ".toml"], "xxxx"),
    case("long-unknown-option", ["--" + LONG], "--xxxx"),
]


@pytest.mark.parametrize("args, fragments", VERY_LONG_CASES)
def test_very_long_values_give_a_short_single_line(args, fragments, files, runner: CliRunner):
    test_bad_input_is_refused_with_one_line(args, fragments, files, runner)


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["dose", "--help"],
        ["plan", "--help"],
        ["protocols", "--help"],
        ["protocols", "list", "--help"],
        ["protocols", "show", "--help"],
        ["protocols", "check", "--help"],
    ],
    ids=lambda args: " ".join(args),
)
def test_every_help_lists_the_exit_codes(args, runner: CliRunner):
    result = runner.invoke(app, args, env={**ENV, "COLUMNS": "200"})
    assert result.exit_code == 0 and result.stderr == ""
    text = " ".join(result.stdout.split())
    assert "Exit codes: 0 success; 2 invalid input" in text, text[-300:]
    assert "1 internal failure" in text or "1 unexpected internal failure" in text
