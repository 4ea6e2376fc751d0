"""Fuzzing: random command lines built from valid and hostile atoms, and random protocols.

The oracle (issue 5):
- never a traceback, and the exit code is 0 or 2 (1, an internal failure, would be a bug the
  fuzzer found; the README allows it only for failures ketplan cannot foresee);
- exit 2: nothing on stdout and exactly one `ketplan: error:` line on stderr;
- exit 0: a valid answer. JSON parses and every dose in it is inside its limits (the drug's
  hard limits and the protocol's own); CSV and iCalendar are well formed; a table ends with
  the disclaimer.

A second part drives the core directly with random protocol data and random patients: a
protocol file (or a library caller) can narrow the limits but never widen them.
"""

from __future__ import annotations

import csv
import io
import json
import math
import tempfile
import tomllib
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from helpers import as_error_line
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ketplan.cli import app
from ketplan.core.dosing import ESKETAMINE_DOSES_MG, RACEMIC_MG_PER_KG_LIMITS
from ketplan.core.errors import InputError, KetplanError, ProtocolError, UnsafeDoseError
from ketplan.core.plan import PlanRequest, build_plan
from ketplan.core.protocol import FixedDose, WeightDose, protocol_from_data
from ketplan.core.schedule import ClinicCalendar
from ketplan.io.catalog import shipped_protocols

ROOT = Path(__file__).resolve().parent.parent
RUNNER = CliRunner()
ENV = {"NO_COLOR": "1", "COLUMNS": "100", "TZ": "UTC", "KETPLAN_DEBUG": "", "SOURCE_DATE_EPOCH": "1798761600"}
PROTOCOLS = {p.id: p for p in shipped_protocols()}
OUT_DIR = Path(tempfile.mkdtemp(prefix="ketplan-fuzz-"))
CLI_SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)

# ---------------------------------------------------------------- atoms

HOSTILE = [
    "",
    " ",
    "\t",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e309",
    "-1e309",
    "-1",
    "0",
    "-0",
    "0.0",
    "1e-400",
    "70,5",
    "70,5kg",
    "７０kg",
    "０.５",
    "٧٠",
    "70st",
    "70 stone",
    "$(id)",
    "`id`",
    "; rm -rf /",
    "a|b",
    "a&&b",
    "\x1b[31m",
    "\x01",
    "\x7f",
    "line\nbreak",
    "\u2028",
    "x" * 300,
    "2026-02-30",
    "2026-13-01",
    "0001-01-01",
    "9999-12-31",
    "0000-00-00",
    "25:00",
    "24:00",
    "9am",
    "Mars/Olympus",
    "../../etc/passwd",
    "tue,tue",
    "mon,tue,wed,thu,fri,sat,sun",
    "none",
    "--",
    "-",
    "--force",
    "--weight",
    ".",
    "..",
    "/",
    "-5",
    "99999999999999999999",
    "1.5",
    "57",
    "112",
    "3",
    "157",
    "XX",
    "=1+1",
    "@SUM(A1)",
    "%s%n",
    "{0}",
    "null",
    "true",
    "[]",
]

DOSE_VALUES = {
    "--weight": ["70kg", "154lb", "70", "250 lb", "20kg", "350kg", "45.5kg"],
    "--mg-per-kg": ["0.5", "0.1", "1.0", "1", "0.75", "0.33"],
    "--minutes": ["40", "100", "60", "39", "240"],
    "--concentration": ["10", "50", "100", "25"],
    "--final-volume": ["100", "50", "250", "1000"],
    "--height": ["170cm", "66in", "152cm", "200cm"],
    "--sex": ["female", "male", "Male"],
    "--dosing-weight": ["actual", "ideal", "adjusted"],
    "--age": ["18", "70", "65", "40", "120"],
    "--format": ["table", "json", "json", "json"],
}

PLAN_VALUES = {
    "--route": ["intranasal", "iv", "im", "sc", "oral"],
    "--start": [
        "2026-12-01",
        "2027-03-28",
        "2027-10-31",
        "2027-03-14",
        "2026-12-24",
        "1970-01-01",
        "2199-06-01",
        "2011-12-26",
    ],
    "--weight": ["70kg", "154lb", "120kg", "20kg", "350kg"],
    "--protocol": sorted(PROTOCOLS),
    "--days": ["tue,fri", "mon,wed,fri", "sun,wed", "wed", "mon,thu", "friday,tuesday", "sat,tue,thu"],
    "--time": ["09:00", "02:30", "01:30", "23:59", "00:00", "9:05"],
    "--tz": ["UTC", "Europe/Brussels", "America/New_York", "Asia/Kolkata", "Pacific/Apia", "Australia/Lord_Howe"],
    "--weeks": ["1", "4", "8", "26", "156"],
    "--until": ["2027-06-30", "2026-12-31", "2029-11-01"],
    "--dose": ["56", "84"],
    "--first-dose": ["56", "28"],
    "--every": ["1", "2"],
    "--mg-per-kg": ["0.5", "0.1", "1.0", "1.25", "0.9", "0.3"],
    "--age": ["18", "70", "65", "40"],
    "--height": ["170cm", "66in"],
    "--sex": ["female", "male"],
    "--dosing-weight": ["actual", "ideal", "adjusted"],
    "--closed": ["sat,sun", "none", "sun", "fri,sat,sun", "mon,tue,wed,thu,fri"],
    "--skip": ["2026-12-25", "2026-12-04,2026-12-08", "2027-01-01"],
    "--holidays": ["BE", "US", "US-NY", "GB", "NL"],
    "--label": ["P01", "trial-7", "Ünïcode 7"],
    "--screen-every": ["4", "12", "52"],
    "--format": ["table", "json", "json", "json", "json", "csv", "ics"],
    "--remind": ["default", "none", "evening,2h"],
    "--stamp": ["2026-11-01T00:00:00Z"],
    "--output": ["{out}", "{out}", "-"],
}
# A hostile value for --output must never name a file outside the fuzz folder.
OUTPUT_HOSTILE = ["", " ", "/", ".", "..", "/nonexistent/dir/x.json", "/dev/null", "{out}/x", "x" * 300]
FLAGS = {"plan": ["--force"], "dose": [], "protocols": []}
ALL_VALID = sorted({v for values in (*DOSE_VALUES.values(), *PLAN_VALUES.values()) for v in values})


def _value(option_values: list[str]):
    return st.one_of(
        st.sampled_from(option_values),
        st.sampled_from(option_values),
        st.sampled_from(HOSTILE),
        st.sampled_from(ALL_VALID),
    )


@st.composite
def command_lines(draw, command: str):
    values = DOSE_VALUES if command == "dose" else PLAN_VALUES
    args: list[str] = [command]
    if draw(st.integers(0, 3)):  # mostly start from a valid skeleton so that some runs succeed
        if command == "dose":
            args += ["--weight", draw(st.sampled_from(values["--weight"]))]
        else:
            route = draw(st.sampled_from(values["--route"]))
            args += ["--route", route, "--start", draw(st.sampled_from(values["--start"]))]
            if route != "intranasal":
                args += ["--weight", draw(st.sampled_from(values["--weight"]))]
    options = sorted(values)
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            args.append(draw(st.sampled_from(HOSTILE)))  # a stray token
        elif kind == 1 and FLAGS[command]:
            args.append(draw(st.sampled_from(FLAGS[command])))
        else:
            option = draw(st.sampled_from(options))
            if option == "--output":
                value = draw(st.sampled_from(values[option] + OUTPUT_HOSTILE))
            else:
                value = draw(_value(values[option]))
            args += [option, value]
    return args


@st.composite
def protocols_lines(draw):
    shape = draw(st.integers(0, 3))
    fmt = draw(
        st.sampled_from([[], ["--format", "json"], ["--format", "table"], ["--format", draw(st.sampled_from(HOSTILE))]])
    )
    if shape == 0:
        return ["protocols", *fmt]
    if shape == 1:
        return ["protocols", "list", *fmt]
    target = draw(st.one_of(st.sampled_from(sorted(PROTOCOLS)), st.sampled_from(HOSTILE)))
    if shape == 2:
        return ["protocols", "show", target, *fmt]
    files = draw(
        st.lists(
            st.one_of(
                st.sampled_from(sorted(str(p) for p in (ROOT / "protocols").glob("*.toml"))), st.sampled_from(HOSTILE)
            ),
            min_size=0,
            max_size=3,
        )
    )
    return ["protocols", "check", *files]


# ---------------------------------------------------------------- the oracle


def _limits(protocol_id: str) -> tuple[float, float] | None:
    protocol = PROTOCOLS[protocol_id]
    if not isinstance(protocol.dose, WeightDose):
        return None
    low, high = RACEMIC_MG_PER_KG_LIMITS[protocol.route.value]
    return max(low, protocol.dose.min_mg_per_kg), min(high, protocol.dose.max_mg_per_kg)


def check_dose_document(doc: dict) -> None:
    assert doc["route"] == "iv"
    low, high = RACEMIC_MG_PER_KG_LIMITS["iv"]
    assert doc["mg_per_kg_allowed"] == [low, high]
    kg = doc["dosing_weight_kg"]
    assert 20 <= doc["weight_kg"] <= 350
    assert 0 < kg <= doc["weight_kg"] + 1e-6
    assert low <= doc["mg_per_kg"] <= high
    slack = 0.005 * high + 1e-6  # dosing_weight_kg is rounded to 0.01 kg
    for mg in (doc["dose_mg"], doc["delivered_dose_mg"]):
        assert math.isfinite(mg)
        assert low * kg - slack <= mg <= high * kg + slack, (mg, kg)
    assert doc["drug_volume_ml"] > 0
    assert doc["drug_volume_ml"] <= doc["final_volume_ml"]
    assert doc["pump_rate_ml_per_h"] > 0


def check_plan_sessions(protocol_id: str, sessions: list[dict], dose: dict | None) -> None:
    assert sessions, "a plan with no session"
    limits = _limits(protocol_id)
    protocol = PROTOCOLS[protocol_id]
    previous = None
    for s in sessions:
        day = date.fromisoformat(s["date"])
        if previous is not None:
            assert day > previous
        previous = day
        mg = float(s["dose_mg"])
        assert math.isfinite(mg) and mg > 0
        if limits is None:
            assert int(mg) in ESKETAMINE_DOSES_MG and int(mg) == mg
            allowed = set(protocol.dose.allowed_mg) | {protocol.dose.first_dose_mg, 56}
            if int(s["n"]) == 1 and protocol.dose.older_adult_first_dose_mg:
                allowed.add(protocol.dose.older_adult_first_dose_mg)
            assert int(mg) in allowed, (s["n"], mg)
            assert int(s["devices"]) * 28 == mg
        else:
            low, high = limits
            assert low <= float(s["mg_per_kg"]) <= high
            if dose is not None:
                kg = dose["dosing_weight_kg"]
                slack = 0.005 * high + 1e-6
                assert low * kg - slack <= mg <= high * kg + slack, (mg, kg, limits)
                if s.get("drug_volume_ml") not in (None, "") and dose.get("concentration_mg_per_ml"):
                    delivered = float(s["drug_volume_ml"]) * dose["concentration_mg_per_ml"]
                    assert low * kg - slack <= delivered <= high * kg + slack


def check_plan_document(doc: dict) -> None:
    protocol_id = doc["protocol"]["id"]
    assert protocol_id in PROTOCOLS
    check_plan_sessions(protocol_id, doc["sessions"], doc["dose"])
    assert doc["summary"]["sessions"] == len(doc["sessions"])
    for s in doc["sessions"]:
        start = datetime.fromisoformat(s["start"])
        end = datetime.fromisoformat(s["end"])
        assert end > start and start.utcoffset() is not None
        if start.date().isoformat() != s["date"] or start.strftime("%H:%M") != doc["time"]:
            # only a clock change may move the start, and the session then says so
            assert any("clocks go" in note for note in s["notes"]), s
    if doc["dose"] is not None and doc["dose"]["route"] == "iv":
        check_dose_document(doc["dose"])


def check_csv(text: str) -> None:
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows
    protocol_id = rows[0]["protocol"]
    sessions = [{**r, "devices": r["devices"] or None} for r in rows]
    check_plan_sessions(protocol_id, sessions, None)


def _last(args: list[str], option: str, default: str | None = None) -> str | None:
    """The value the command saw: the last occurrence of a single-valued option wins."""
    positions = [i for i, a in enumerate(args[:-1]) if a == option]
    return args[positions[-1] + 1] if positions else default


def check_success(args: list[str], result) -> None:
    assert result.stderr == "", result.stderr
    output = _last(args, "--output")
    text = result.stdout
    if output not in (None, "-"):
        assert text == ""
        target = Path(output)
        assert target.parent == OUT_DIR, target
        text = target.read_text(encoding="utf-8")
        target.unlink()
    fmt = _last(args, "--format", "table")
    if args[0] == "protocols":
        if fmt == "json":
            json.loads(text)
        elif args[1:2] == ["check"]:
            assert all(line.startswith("ok: ") for line in text.splitlines())
        else:
            assert "Clinical decision support" in text
        return
    if fmt == "json":
        doc = json.loads(text)
        (check_dose_document if args[0] == "dose" else check_plan_document)(doc)
    elif fmt == "csv":
        check_csv(text)
    elif fmt == "ics":
        assert text.startswith("BEGIN:VCALENDAR") and text.rstrip().endswith("END:VCALENDAR")
    else:
        assert text.rstrip().endswith(
            "Clinical decision support only: not a substitute for clinical judgement or the product label."
        )


_COUNTER = iter(range(10**9))


def run_and_check(args: list[str]) -> None:
    out = str(OUT_DIR / f"out-{next(_COUNTER)}.txt")
    args = [a.replace("{out}", out) for a in args]
    result = RUNNER.invoke(app, args, env=ENV)
    event(f"exit {result.exit_code}")
    shown = (args, result.exit_code, result.stderr[-400:])
    assert "Traceback" not in result.stderr, shown
    assert result.exception is None or isinstance(result.exception, SystemExit), (shown, repr(result.exception))
    assert result.exit_code in (0, 2), shown  # 1 would be an internal failure: a bug
    if result.exit_code == 2:
        assert result.stdout == "", shown
        lines = [as_error_line(line, exit_code=2) for line in result.stderr.splitlines()]
        assert lines and all(line.startswith("ketplan: error: ") and line.isprintable() for line in lines), shown
        if args[:2] != ["protocols", "check"]:
            assert len(lines) == 1, shown
        return
    check_success(args, result)


# ---------------------------------------------------------------- CLI fuzz


@pytest.fixture(autouse=True, scope="module")
def _inside_the_fuzz_folder():
    """Run from the fuzz folder: a relative name that slips through can only land there."""
    import os
    import shutil

    before = os.getcwd()
    os.chdir(OUT_DIR)
    yield
    os.chdir(before)
    shutil.rmtree(OUT_DIR, ignore_errors=True)


@settings(CLI_SETTINGS, max_examples=150)
@given(args=command_lines("dose"))
def test_fuzz_dose(args):
    run_and_check(args)


@settings(CLI_SETTINGS, max_examples=250)
@given(args=command_lines("plan"))
def test_fuzz_plan(args):
    run_and_check(args)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(args=protocols_lines())
def test_fuzz_protocols(args):
    run_and_check(args)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    args=st.lists(
        st.sampled_from([*HOSTILE, "dose", "plan", "protocols", "--version", "--help", "--debug"]), max_size=4
    )
)
def test_fuzz_anything(args):
    result = RUNNER.invoke(app, args, env=ENV)
    assert "Traceback" not in result.stderr
    assert result.exit_code in (0, 2), (args, result.exit_code, result.stderr)
    if result.exit_code == 2:
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1


def test_fuzz_oracle_accepts_real_answers_and_catches_unsafe_ones():
    """The oracle itself: a real answer passes, a dose outside its limits fails."""
    ok = RUNNER.invoke(
        app, ["plan", "--route", "iv", "--weight", "70kg", "--start", "2026-12-01", "--format", "json"], env=ENV
    )
    doc = json.loads(ok.stdout)
    check_plan_document(doc)
    doc["sessions"][3]["dose_mg"] = 70.1  # 1.001 mg/kg
    with pytest.raises(AssertionError):
        check_plan_document(doc)
    dose = json.loads(RUNNER.invoke(app, ["dose", "--weight", "70kg", "--format", "json"], env=ENV).stdout)
    check_dose_document(dose)
    with pytest.raises(AssertionError):
        check_dose_document({**dose, "mg_per_kg": 1.1})


# ---------------------------------------------------------------- the core: protocol data and library callers


SHIPPED_DATA = {
    p.stem: tomllib.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "protocols").glob("*.toml"))
}
WEIGHT_STEMS = sorted(k for k, v in SHIPPED_DATA.items() if v["dose"]["kind"] == "weight")
FIXED_STEMS = sorted(k for k, v in SHIPPED_DATA.items() if v["dose"]["kind"] == "fixed")
MG_PER_KG = st.one_of(
    st.floats(-1, 3), st.sampled_from([0.1, 0.5, 1.0, 1.25, 1.0000001, 0.0999999, math.nan, math.inf, -math.inf])
)


@st.composite
def weight_protocol_data(draw):
    stem = draw(st.sampled_from(WEIGHT_STEMS))
    data = json.loads(json.dumps(SHIPPED_DATA[stem]))
    dose = data["dose"]
    dose["min_mg_per_kg"] = draw(MG_PER_KG)
    dose["max_mg_per_kg"] = draw(MG_PER_KG)
    dose["default_mg_per_kg"] = draw(MG_PER_KG)
    if "titrate_to_mg_per_kg" in dose and draw(st.booleans()):
        dose["titrate_to_mg_per_kg"] = draw(MG_PER_KG)
    if draw(st.booleans()):
        dose["concentration_mg_per_ml"] = draw(st.sampled_from([10, 50, 100, 1, 0.5, 37]))
    return data


@st.composite
def fixed_protocol_data(draw):
    data = json.loads(json.dumps(SHIPPED_DATA[draw(st.sampled_from(FIXED_STEMS))]))
    doses = st.sampled_from([0, 14, 28, 56, 84, 112, -56])
    dose = data["dose"]
    dose["first_dose_mg"] = draw(doses)
    dose["default_mg"] = draw(doses)
    dose["allowed_mg"] = draw(st.lists(doses, min_size=1, max_size=3))
    if draw(st.booleans()):
        dose["older_adult_first_dose_mg"] = draw(doses)
    return data


def _check_plan_limits(plan) -> None:
    protocol = plan.protocol
    if isinstance(protocol.dose, FixedDose):
        for s in plan.sessions:
            assert int(s.dose_mg) in ESKETAMINE_DOSES_MG and s.devices * 28 == s.dose_mg
            allowed = set(protocol.dose.allowed_mg) | {protocol.dose.first_dose_mg, 56}
            if s.n == 1 and protocol.dose.older_adult_first_dose_mg:
                allowed.add(protocol.dose.older_adult_first_dose_mg)
            assert int(s.dose_mg) in allowed
        return
    hard_low, hard_high = RACEMIC_MG_PER_KG_LIMITS[protocol.route.value]
    low, high = max(hard_low, protocol.dose.min_mg_per_kg), min(hard_high, protocol.dose.max_mg_per_kg)
    assert hard_low <= low <= high <= hard_high
    kg = plan.dose.dosing_weight_kg
    slack = 0.005 * high + 1e-6
    for s in plan.sessions:
        assert low <= s.mg_per_kg <= high
        assert low * kg - slack <= s.dose_mg <= high * kg + slack
        if s.drug_volume_ml is not None:
            delivered = s.drug_volume_ml * plan.dose.concentration_mg_per_ml
            assert low * kg - slack <= delivered <= high * kg + slack


@settings(max_examples=150, deadline=None)
@given(
    data=st.one_of(weight_protocol_data(), fixed_protocol_data()),
    weight=st.one_of(st.floats(1, 400), st.sampled_from([20.0, 350.0, math.nan, math.inf])),
    mg_per_kg=st.one_of(st.none(), MG_PER_KG),
    dose=st.one_of(st.none(), st.sampled_from([28, 56, 84, 112, 0])),
    first=st.one_of(st.none(), st.sampled_from([28, 56, 84])),
    age=st.one_of(st.none(), st.integers(10, 130)),
)
def test_random_protocols_and_patients_never_give_a_dose_outside_the_limits(data, weight, mg_per_kg, dose, first, age):
    try:
        protocol = protocol_from_data(data, "fuzz.toml")
    except ProtocolError:
        return  # refused on load: no plan can come from it
    request = PlanRequest(protocol=protocol, start=date(2026, 12, 1), timezone="UTC", weeks=8, age=age)
    if isinstance(protocol.dose, WeightDose):
        request = replace(request, weight_kg=weight, mg_per_kg=mg_per_kg)
    else:
        request = replace(request, dose_mg=dose, first_dose_mg=first)
    try:
        plan = build_plan(request)
    except KetplanError:
        return  # refused: fine
    _check_plan_limits(plan)


def test_a_protocol_built_around_validation_cannot_widen_the_hard_limits():
    """A library caller can skip pydantic (model_copy never re-validates): the core still refuses."""
    iv = PROTOCOLS["iv-racemic-twice-weekly"]
    widened = iv.model_copy(
        update={"dose": iv.dose.model_copy(update={"max_mg_per_kg": 5.0, "default_mg_per_kg": 3.0})}
    )
    with pytest.raises(UnsafeDoseError) as error:
        build_plan(PlanRequest(protocol=widened, start=date(2026, 12, 1), timezone="UTC", weight_kg=70.0))
    assert error.value.field == "mg_per_kg"
    with pytest.raises(UnsafeDoseError):
        build_plan(
            PlanRequest(protocol=widened, start=date(2026, 12, 1), timezone="UTC", weight_kg=70.0, mg_per_kg=2.0)
        )

    trd = PROTOCOLS["esketamine-trd"]
    for update in ({"allowed_mg": [56, 112], "default_mg": 112}, {"first_dose_mg": 112}, {"first_dose_mg": 14}):
        bad = trd.model_copy(update={"dose": trd.dose.model_copy(update=update)})
        with pytest.raises(UnsafeDoseError):
            build_plan(PlanRequest(protocol=bad, start=date(2026, 12, 1), timezone="UTC"))


def test_a_protocol_narrower_than_the_hard_limits_is_enforced_by_the_core():
    """The per-protocol limit holds even when the hard limit would allow the dose."""
    im = PROTOCOLS["im-racemic"]  # 0.1-0.5 mg/kg
    with pytest.raises(UnsafeDoseError):
        build_plan(PlanRequest(protocol=im, start=date(2026, 12, 1), timezone="UTC", weight_kg=70.0, mg_per_kg=0.6))
    # A broken titration target (past the protocol's max) is caught before any dose leaves the core.
    broken = im.model_copy(
        update={"dose": im.dose.model_copy(update={"titrate_to_mg_per_kg": 0.9, "titration_step_mg_per_kg": 0.3})}
    )
    with pytest.raises(UnsafeDoseError):
        build_plan(PlanRequest(protocol=broken, start=date(2026, 12, 1), timezone="UTC", weight_kg=70.0))


@pytest.mark.parametrize("weekdays", [(9,), (1, 1), (), (-1, 3), (True, 4)])
def test_library_callers_cannot_pass_impossible_weekdays(weekdays):
    trd = PROTOCOLS["esketamine-trd"]
    with pytest.raises(InputError) as error:
        build_plan(PlanRequest(protocol=trd, start=date(2026, 12, 1), timezone="UTC", weekdays=weekdays))
    assert error.value.field == "days"


def test_a_calendar_closed_every_weekday_is_refused_not_searched_forever():
    trd = PROTOCOLS["esketamine-trd"]
    for weekdays in (None, (1, 4)):
        with pytest.raises(InputError) as error:
            build_plan(
                PlanRequest(
                    protocol=trd,
                    start=date(2026, 12, 1),
                    timezone="UTC",
                    weekdays=weekdays,
                    calendar=ClinicCalendar(closed_weekdays=frozenset(range(7))),
                )
            )
        assert error.value.field == "closed"
    every_date = {date(2026, 12, 1) + timedelta(days=i): "closed" for i in range(400)}
    with pytest.raises(InputError) as error:
        build_plan(
            PlanRequest(
                protocol=trd,
                start=date(2026, 12, 1),
                timezone="UTC",
                calendar=ClinicCalendar(closed_weekdays=frozenset(), closed_dates=every_date),
            )
        )
    assert "60 days" in error.value.message
