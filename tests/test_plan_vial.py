"""Issue 13, "IV plans a nurse can follow": `plan` takes --concentration, --final-volume and
--minutes like `dose`, and every session in every format shows the volume to draw from the vial
actually used (the ics said 'draw up 3.7 mL of 10 mg/mL' whatever the vial)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from ketplan.cli import app

ENV = {"NO_COLOR": "1", "COLUMNS": "100", "TZ": "UTC", "KETPLAN_DEBUG": "", "KETPLAN_CLINIC": "none"}
IV = ["plan", "--route", "iv", "--weight", "74kg", "--start", "2027-01-04", "--tz", "UTC", "--weeks", "4"]


def run(runner, *args):
    result = runner.invoke(app, list(args), env=ENV)
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize(("concentration", "volume"), [("10", 3.7), ("50", 0.74), ("100", 0.37)])
def test_every_format_draws_from_the_vial_given(runner, concentration, volume):
    args = [*IV, "--concentration", concentration, "--final-volume", "50", "--minutes", "60"]
    document = json.loads(run(runner, *args, "--format", "json"))
    assert document["dose"]["concentration_mg_per_ml"] == float(concentration)
    assert document["dose"]["final_volume_ml"] == 50 and document["dose"]["infusion_minutes"] == 60
    assert {s["drug_volume_ml"] for s in document["sessions"]} == {volume}
    rows = list(csv.DictReader(io.StringIO(run(runner, *args, "--format", "csv"))))
    assert {r["drug_volume_ml"] for r in rows} == {f"{volume:g}"}
    calendar = (
        run(runner, *args, "--format", "ics", "--stamp", "2026-11-01T00:00:00Z").replace("\r\n ", "").replace("\n ", "")
    )
    lines = [line for line in calendar.splitlines() if "draw up" in line]
    assert len(lines) == len(document["sessions"])
    assert all(
        f"draw up {volume:g} mL of {concentration} mg/mL\\, final volume 50 mL\\, over 60 min" in line for line in lines
    )
    table = run(runner, *args)
    assert f"of {concentration} mg/mL" in table and "50 mL over 60 min" in table


def test_a_titration_calendar_shows_each_session_its_own_volume(runner):
    args = [
        "plan",
        "--route",
        "im",
        "--weight",
        "80kg",
        "--start",
        "2027-01-04",
        "--tz",
        "UTC",
        "--concentration",
        "10",
    ]
    document = json.loads(run(runner, *args, "--format", "json"))
    volumes = [s["drug_volume_ml"] for s in document["sessions"]]
    assert len(set(volumes)) > 1  # 0.1 -> 0.5 mg/kg
    calendar = (
        run(runner, *args, "--format", "ics", "--stamp", "2026-11-01T00:00:00Z").replace("\r\n ", "").replace("\n ", "")
    )
    shown = [line.split("draw up ", 1)[1].split(" mL", 1)[0] for line in calendar.splitlines() if "draw up" in line]
    assert shown == [f"{v:g}" for v in volumes]


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["plan", "--route", "intranasal", "--start", "2027-01-04", "--concentration", "10"], "--concentration"),
        (["plan", "--route", "oral", "--weight", "70kg", "--start", "2027-01-04", "--minutes", "40"], "--minutes"),
        (
            ["plan", "--route", "sc", "--weight", "70kg", "--start", "2027-01-04", "--final-volume", "50"],
            "--final-volume",
        ),
    ],
)
def test_a_preparation_option_for_another_route_is_refused_not_ignored(runner, args, option):
    result = runner.invoke(app, [*args, "--tz", "UTC"], env=ENV)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"ketplan: error: {option} applies to")
