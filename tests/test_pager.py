"""Long tables on a terminal go through a pager, as git and gh do; never into a pipe or a file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

KETPLAN = Path(sys.executable).parent / "ketplan"
LONG = ["plan", "--route", "intranasal", "--start", "2026-12-01", "--tz", "UTC", "--days", "tue,fri"]
SHORT = ["dose", "--weight", "70kg"]

pytestmark = pytest.mark.skipif(
    os.name != "posix" or not KETPLAN.exists(), reason="needs a POSIX pseudo-terminal and the installed command"
)


def _on_a_terminal(args, env, rows=24):
    """Run the installed command with stdout on a pseudo-terminal of `rows` lines."""
    import fcntl
    import struct
    import termios

    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, 80, 0, 0))
    base = {k: v for k, v in os.environ.items() if k not in ("PAGER", "KETPLAN_PAGER", "COLUMNS", "LINES", "NO_COLOR")}
    process = subprocess.Popen(
        [str(KETPLAN), *args], stdout=follower, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**base, **env}
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert process.wait(timeout=60) == 0, process.stderr.read()
    os.close(leader)
    return b"".join(chunks)


def _recording_pager(tmp_path):
    seen = tmp_path / "paged.txt"
    script = tmp_path / "pager.sh"
    script.write_text(f"#!/bin/sh\ncat > '{seen}'\n", encoding="utf-8")
    script.chmod(0o755)
    return str(script), seen


def test_a_long_table_on_a_terminal_goes_through_the_pager(tmp_path):
    pager, seen = _recording_pager(tmp_path)
    shown = _on_a_terminal(LONG, {"KETPLAN_PAGER": pager, "TERM": "xterm"})
    assert seen.exists(), "the pager was not started"
    paged = seen.read_text(encoding="utf-8")
    assert "2027-05-18" in paged and "Sessions" in paged
    assert b"2027-05-18" not in shown  # printed once, by the pager, not twice


def test_pager_order_and_opt_outs(tmp_path):
    pager, seen = _recording_pager(tmp_path)
    # PAGER is used when KETPLAN_PAGER is not set; KETPLAN_PAGER="" or cat turns paging off.
    _on_a_terminal(LONG, {"PAGER": pager, "TERM": "xterm"})
    assert seen.exists()
    seen.unlink()
    assert b"2027-05-18" in _on_a_terminal(LONG, {"PAGER": pager, "KETPLAN_PAGER": "", "TERM": "xterm"})
    assert b"2027-05-18" in _on_a_terminal(["--no-pager", *LONG], {"KETPLAN_PAGER": pager, "TERM": "xterm"})
    assert not seen.exists()


def test_short_output_and_pipes_are_never_paged(tmp_path):
    pager, seen = _recording_pager(tmp_path)
    assert b"Draw up" in _on_a_terminal(SHORT, {"KETPLAN_PAGER": pager, "TERM": "xterm"}, rows=60)
    assert not seen.exists()
    piped = subprocess.run([str(KETPLAN), *LONG], capture_output=True, env={**os.environ, "KETPLAN_PAGER": pager})
    assert piped.returncode == 0 and b"2027-05-18" in piped.stdout and not seen.exists()
