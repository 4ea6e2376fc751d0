"""The plan as a person sees it: the installed command in a real terminal (tmux, 80x24)."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

KETPLAN = Path(sys.executable).parent / "ketplan"
PLAN = ["plan", "--route", "intranasal", "--start", "2026-12-01", "--days", "tue,fri", "--tz", "America/New_York"]

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None or not KETPLAN.exists(), reason="needs tmux and the installed command"
)


def _screen(args: list[str], env: dict[str, str]) -> list[str]:
    """Run `ketplan ARGS` in a detached 80x24 tmux session and return the visible screen."""
    session = f"ketplan-{uuid.uuid4().hex[:8]}"
    socket = f"ketplan-test-{os.getpid()}"
    command = " ".join(
        [*(f"{k}={shlex.quote(v)}" for k, v in env.items()), shlex.quote(str(KETPLAN)), *map(shlex.quote, args)]
    )
    # The shell prints the marker when the command is done, then waits so the pane stays readable.
    script = f"{command}; echo __done__; sleep 30"
    tmux = ["tmux", "-L", socket, "-f", "/dev/null"]
    subprocess.run([*tmux, "new-session", "-d", "-s", session, "-x", "80", "-y", "24", script], check=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            pane = subprocess.run(
                [*tmux, "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=True
            ).stdout
            if "__done__" in pane:
                return pane.splitlines()
            time.sleep(0.2)
        pytest.fail(f"ketplan did not finish in tmux; screen:\n{pane}")
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
    return []


def test_a_26_week_plan_shows_its_session_dates_on_the_last_screen():
    screen = _screen(["--no-pager", *PLAN], {"TERM": "xterm-256color", "LANG": "C.UTF-8"})
    doc = json.loads(subprocess.run([str(KETPLAN), *PLAN, "--format", "json"], capture_output=True).stdout)
    visible = "\n".join(screen)
    assert doc["sessions"][-1]["date"] in visible
    assert sum(1 for s in doc["sessions"] if s["date"] in visible) >= 10
    assert all(len(line) <= 80 for line in screen)


def test_a_dose_keeps_draw_up_on_the_screen():
    screen = _screen(["dose", "--weight", "70kg", "--mg-per-kg", "0.5"], {"TERM": "xterm-256color", "LANG": "C.UTF-8"})
    assert any("Draw up" in line and "3.5 mL" in line for line in screen)
