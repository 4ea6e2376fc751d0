"""Step 1 of issue 11: the split core keeps its contracts (labels follow the protocol, no dead schema keys)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketplan.cli import app
from ketplan.core.errors import ProtocolError
from ketplan.core.protocol import parse_protocol

ROOT = Path(__file__).resolve().parent.parent
TRD = (ROOT / "protocols" / "esketamine-trd.toml").read_text(encoding="utf-8")
ENV = {"NO_COLOR": "1", "COLUMNS": "120", "TZ": "UTC", "KETPLAN_DEBUG": ""}


def _user_protocol(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_open_ended_phase_label_follows_the_protocol(tmp_path: Path):
    # A user protocol whose induction lasts 3 weeks: its flexible phase starts in week 8, not week 9.
    text = TRD.replace('id = "esketamine-trd"', 'id = "my-trd"').replace(
        "sessions_per_week = 2\nweeks = 4", "sessions_per_week = 2\nweeks = 3", 1
    )
    protocol = parse_protocol(text, "mine.toml")
    assert protocol.phase_start_week("continuation") == 8
    path = _user_protocol(tmp_path, text)
    args = ["plan", "--protocol", str(path), "--start", "2026-12-01", "--tz", "UTC", "--days", "tue,fri"]
    result = CliRunner().invoke(app, args, env=ENV)
    assert result.exit_code == 0, result.stderr
    assert "From week 8" in result.stdout
    assert "From week 9" not in result.stdout


def test_the_shipped_trd_protocol_still_says_week_9():
    protocol = parse_protocol(TRD, "esketamine-trd.toml")
    assert protocol.phase_start_week("continuation") == 9


def test_rest_minutes_per_device_is_not_a_protocol_key():
    # The 5-minute rest is a device fact (IFU) fixed in the core, not something a file may change.
    text = TRD.replace(
        "escalate_only_after_first = true", "escalate_only_after_first = true\nrest_minutes_per_device = 1"
    )
    with pytest.raises(ProtocolError, match="rest_minutes_per_device: unknown key"):
        parse_protocol(text, "mine.toml")
