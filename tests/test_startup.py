"""Start-up: every command imports only what it uses (issue 6).

ketplan runs in shell loops, so its start-up is its speed. Each check runs the command in a
fresh interpreter and looks at sys.modules afterwards. Typer (with pydantic and, for --help,
rich) is the floor; icalendar, holidays, rich tables and the pydantic protocol models are
imported only by the code paths that need them. The timings themselves are measured by
benchmarks/run.py, not here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PROBE = """
import json, sys
from ketplan.cli import main
sys.argv = ["ketplan", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as exit:
    code = exit.code
try:
    import pydantic.plugin._loader as loader
    scanned = loader._plugins is not None
except Exception:
    scanned = None
sys.stdout.flush()
sys.stderr.write("\\nPROBE " + json.dumps({"code": code, "modules": sorted(sys.modules), "plugin_scan": scanned}) + "\\n")
"""

HEAVY = ("icalendar", "holidays", "rich.table", "ketplan.core.protocol", "tomllib", "dateutil")


def loaded(*args: str, cwd=None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("KETPLAN_DEBUG", "PYDANTIC_DISABLE_PLUGINS")}
    env.update({"NO_COLOR": "1", "TZ": "UTC", "SOURCE_DATE_EPOCH": "1798761600"})
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args))],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=cwd,
    )
    report = json.loads(done.stderr.rsplit("PROBE ", 1)[1])
    report["modules"] = set(report["modules"])
    return report


def heavy(modules: set[str]) -> set[str]:
    return {name for name in HEAVY if name in modules}


def test_importing_the_cli_imports_nothing_heavy():
    done = subprocess.run(
        [sys.executable, "-c", "import json, sys, ketplan.cli; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    modules = set(json.loads(done.stdout))
    assert heavy(modules) == set()
    assert not {name for name in modules if name == "rich" or name.startswith("rich.")}


def test_dose_json_imports_no_icalendar_holidays_or_rich_table():
    report = loaded("dose", "--weight", "70kg", "--format", "json")
    assert report["code"] == 0
    assert heavy(report["modules"]) == set()
    assert "rich.console" not in report["modules"]


def test_help_imports_no_icalendar_or_holidays():
    for args in (["--help"], ["plan", "--help"], ["dose", "--help"]):
        report = loaded(*args)
        assert report["code"] == 0
        assert {"icalendar", "holidays", "ketplan.core.protocol"} & report["modules"] == set(), args


@pytest.mark.parametrize(
    ("args", "absent", "present"),
    [
        (["--format", "json"], {"icalendar", "holidays", "rich.table"}, {"ketplan.core.protocol"}),
        (["--format", "csv"], {"icalendar", "holidays", "rich.table"}, set()),
        (["--format", "ics"], {"holidays", "rich.table", "icalendar"}, set()),  # ics is written without icalendar
        (["--format", "json", "--holidays", "BE"], {"icalendar", "rich.table"}, {"holidays"}),
    ],
)
def test_plan_imports_what_its_format_needs(args, absent, present):
    report = loaded("plan", "--route", "intranasal", "--start", "2026-12-01", "--weeks", "8", *args)
    assert report["code"] == 0
    assert absent & report["modules"] == set()
    assert present <= report["modules"]


def test_roster_jsonl_imports_no_icalendar_or_rich(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,route,start,weight\nP01,iv,2026-12-07,70kg\n", encoding="utf-8")
    report = loaded("plan", "--roster", str(roster))
    assert report["code"] == 0
    assert {"icalendar", "holidays", "rich.table", "rich.console"} & report["modules"] == set()


def test_plan_builds_the_protocol_models_without_pydantic_plugin_discovery(tmp_path):
    """pydantic's plugin discovery scans the entry points of every installed distribution
    (tens of ms); Typer turns it off for its adapters and ketplan for its protocol models."""
    report = loaded("plan", "--route", "iv", "--weight", "70kg", "--start", "2026-12-07", "--format", "json")
    assert report["code"] == 0
    assert report["plugin_scan"] is False
    roster = tmp_path / "roster.csv"
    roster.write_text("id,route,start,weight,weeks\nP01,iv,2026-12-07,70kg,4\n", encoding="utf-8")
    assert loaded("plan", "--roster", str(roster))["plugin_scan"] is False
