"""The installed `ketplan` command as a real process: pipes, files, disks and internal failures.

What a shell sees, not what CliRunner sees:
- a reader that goes away (`ketplan plan ... | head -1`) ends ketplan quietly: exit 141
  (BROKEN_PIPE) when output was lost, 0 when the reader had it all, never a traceback;
- an internal failure is one short line and exit 1; the traceback only with --debug or
  KETPLAN_DEBUG=1 (a failure is provoked by patching a core function in `python -c`);
- --output never replaces an existing file without --force, writes through a temporary file
  in the same folder and leaves no temporary file behind, even when the disk is full.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import as_error_line

KETPLAN = Path(sys.executable).parent / ("ketplan.exe" if os.name == "nt" else "ketplan")

pytestmark = pytest.mark.skipif(
    not KETPLAN.exists(), reason=f"the ketplan console script is not installed next to {sys.executable}"
)

LONG_PLAN = [
    "plan",
    "--route",
    "intranasal",
    "--start",
    "2026-12-01",
    "--weeks",
    "156",
    "--every",
    "1",
    "--tz",
    "Europe/Brussels",
]
NASAL = ["plan", "--route", "intranasal", "--start", "2026-12-01", "--tz", "UTC"]
INTERNAL = "internal failure (RuntimeError: boom)"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("KETPLAN_DEBUG", "FORCE_COLOR", "COLUMNS")}
    env.update({"NO_COLOR": "1", "TZ": "UTC", "SOURCE_DATE_EPOCH": "1798761600"}, **extra)
    return env


def run(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(KETPLAN), *args], capture_output=True, text=True, encoding="utf-8", timeout=120, env=_env(**env), cwd=cwd
    )


def assert_one_error_line(process: subprocess.CompletedProcess, code: int) -> str:
    assert process.returncode == code, (process.returncode, process.stderr)
    assert process.stdout == ""
    assert "Traceback" not in process.stderr
    lines = [as_error_line(line, exit_code=code) for line in process.stderr.splitlines()]
    assert len(lines) == 1 and lines[0].startswith("ketplan: error: "), process.stderr
    return lines[0]


def leftovers(folder: Path) -> list[str]:
    """Temporary files a write could have left (ketplan's are hidden `.NAME.*.tmp`)."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".tmp")


# ---------------------------------------------------------------- broken pipes


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("head") is None, reason="needs bash and head")
@pytest.mark.parametrize("fmt", ["csv", "ics", "table"])
def test_head_1_closing_the_pipe_gives_no_traceback(fmt):
    """The issue's own example, through a real shell pipeline."""
    script = f'"{KETPLAN}" {" ".join(LONG_PLAN)} --format {fmt} | head -1; exit "${{PIPESTATUS[0]}}"'
    process = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120, env=_env())
    assert process.returncode in (0, 141), process.stderr
    assert "Traceback" not in process.stderr
    assert "Exception ignored" not in process.stderr
    assert process.stderr == ""  # a reader that leaves is not an error worth a message
    assert len(process.stdout.splitlines()) == 1
    if fmt == "csv":
        assert process.stdout.startswith("n,date,weekday,start,end,")


@pytest.mark.parametrize(
    "args",
    [
        [*NASAL, "--format", "csv"],
        [*NASAL, "--format", "ics"],
        NASAL,
        ["dose", "--weight", "70kg"],
        ["protocols", "show", "esketamine-trd"],
    ],
    ids=["csv", "ics", "table", "dose", "protocols-show"],
)
def test_a_reader_gone_before_the_first_write_ends_quietly_with_exit_141(args):
    """The read end is closed before ketplan writes anything: every write gets EPIPE."""
    process = subprocess.Popen([str(KETPLAN), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    process.stdout.close()
    stderr = process.stderr.read().decode("utf-8", "replace")
    process.stderr.close()
    assert process.wait(timeout=120) == 141, stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    assert stderr == ""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("args", [[*NASAL, "--format", "csv"], ["dose", "--weight", "70kg"]], ids=["plan-csv", "dose"])
def test_a_full_disk_on_stdout_is_one_line_and_exit_3(args):
    with open("/dev/full", "w") as full:
        process = subprocess.run(
            [str(KETPLAN), *args], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120, env=_env()
        )
    assert process.returncode == 3
    assert "Traceback" not in process.stderr
    lines = [as_error_line(line, exit_code=1) for line in process.stderr.splitlines()]
    assert lines == ["ketplan: error: cannot write the output: No space left on device"], process.stderr


# ---------------------------------------------------------------- internal failures and --debug


def _failing(args: list[str], target: str, **env: str) -> subprocess.CompletedProcess:
    """Run the real entry point with `target` (a core function) patched to raise RuntimeError."""
    module, name = target.rsplit(".", 1)
    code = textwrap.dedent(
        f"""
        import sys
        import {module} as patched

        def boom(*args, **kwargs):
            raise RuntimeError("boom")

        patched.{name} = boom
        sys.argv = ["ketplan", *{args!r}]
        from ketplan.cli import main
        main()
        """
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=_env(**env))


@pytest.mark.parametrize(
    "args, target",
    [
        (["dose", "--weight", "70kg"], "ketplan.core.dosing.weight_based_dose"),
        ([*NASAL, "--format", "json"], "ketplan.core.plan.build_plan"),
        (["protocols"], "ketplan.io.catalog.shipped_protocols"),
    ],
    ids=["dose", "plan", "protocols"],
)
def test_an_internal_failure_is_one_line_and_exit_1(args, target):
    line = assert_one_error_line(_failing(args, target), 1)
    assert INTERNAL in line
    assert "--debug" in line and "KETPLAN_DEBUG=1" in line


@pytest.mark.parametrize("how", ["--debug", "trailing --debug", "KETPLAN_DEBUG=1", "KETPLAN_DEBUG=yes"])
def test_debug_shows_the_traceback(how):
    args, env = ["dose", "--weight", "70kg"], {}
    if how == "--debug":
        args = ["--debug", *args]
    elif how == "trailing --debug":  # a global option, accepted where people type it
        args = [*args, "--debug"]
    else:
        env["KETPLAN_DEBUG"] = how.split("=", 1)[1]
    process = _failing(args, "ketplan.core.dosing.weight_based_dose", **env)
    assert process.returncode == 1
    assert process.stdout == ""
    assert "Traceback (most recent call last)" in process.stderr
    assert "RuntimeError: boom" in process.stderr
    assert as_error_line(process.stderr.splitlines()[-1], exit_code=1).startswith("ketplan: error: internal failure")


def test_ketplan_debug_0_or_empty_shows_no_traceback():
    for value in ("0", ""):
        process = _failing(["dose", "--weight", "70kg"], "ketplan.core.dosing.weight_based_dose", KETPLAN_DEBUG=value)
        assert_one_error_line(process, 1)


def test_debug_does_not_turn_bad_input_into_a_traceback():
    process = run("--debug", "dose", "--weight", "70kg", "--mg-per-kg", "1.1")
    line = assert_one_error_line(process, 2)
    assert "--mg-per-kg 1.1 is outside 0.1–1.0 mg/kg" in line
    process = run("plan", "--route", "intranasal", "--start", "2026-02-30", KETPLAN_DEBUG="1")
    assert "--start 2026-02-30" in assert_one_error_line(process, 2)


# ---------------------------------------------------------------- files: no clobber, atomic


def test_output_writes_a_new_file_and_nothing_on_stdout(tmp_path: Path):
    target = tmp_path / "plan.json"
    process = run(*NASAL, "--format", "json", "--output", str(target))
    assert process.returncode == 0, process.stderr
    assert process.stdout == "" and process.stderr == ""
    assert json.loads(target.read_text(encoding="utf-8"))["protocol"]["id"] == "esketamine-trd"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("fmt", ["json", "ics", "table"])
def test_an_existing_file_is_untouched_without_force_and_replaced_with_it(tmp_path: Path, fmt):
    target = tmp_path / f"plan.{fmt}"
    target.write_text("the clinician's own notes\n", encoding="utf-8")
    os.chmod(target, 0o640)
    before = target.stat()

    refused = run(*NASAL, "--format", fmt, "--output", str(target))
    line = assert_one_error_line(refused, 2)
    assert str(target) in line and "--force" in line
    assert target.read_text(encoding="utf-8") == "the clinician's own notes\n"
    assert target.stat().st_mtime_ns == before.st_mtime_ns and target.stat().st_ino == before.st_ino
    assert leftovers(tmp_path) == []

    replaced = run(*NASAL, "--format", fmt, "--output", str(target), "--force")
    assert replaced.returncode == 0, replaced.stderr
    assert replaced.stdout == "" and replaced.stderr == ""
    text = target.read_text(encoding="utf-8")
    assert "the clinician's own notes" not in text
    assert "2026-12-01" in text or "20261201" in text
    assert target.stat().st_mode & 0o777 == 0o640  # --force keeps the file's permissions
    assert target.stat().st_ino != before.st_ino  # a new file renamed into place, not rewritten in place
    assert leftovers(tmp_path) == []


def test_a_missing_folder_or_a_folder_as_target_is_refused(tmp_path: Path):
    line = assert_one_error_line(run(*NASAL, "--output", str(tmp_path / "missing" / "plan.txt")), 2)
    assert "does not exist" in line
    line = assert_one_error_line(run(*NASAL, "--output", str(tmp_path)), 2)
    assert "folder" in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user (root writes anywhere)"
)
def test_an_unwritable_folder_leaves_nothing(tmp_path: Path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        line = assert_one_error_line(run(*NASAL, "--output", str(folder / "plan.txt")), 2)
        assert "cannot write" in line
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def _full_disk(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run the entry point with every fsync failing as on a full disk (ENOSPC)."""
    code = textwrap.dedent(
        f"""
        import errno, os, sys

        def full(fd):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        os.fsync = full
        sys.argv = ["ketplan", *{args!r}]
        from ketplan.cli import main
        main()
        """
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=_env(), cwd=cwd
    )


def test_a_full_disk_leaves_no_partial_file(tmp_path: Path):
    target = tmp_path / "plan.ics"
    line = assert_one_error_line(_full_disk([*NASAL, "--format", "ics", "--output", str(target)], tmp_path), 3)
    assert f"cannot write {target}" in line and os.strerror(errno.ENOSPC) in line
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_with_force_keeps_the_old_file(tmp_path: Path):
    target = tmp_path / "plan.json"
    target.write_text('{"old": true}\n', encoding="utf-8")
    line = assert_one_error_line(
        _full_disk([*NASAL, "--format", "json", "--output", str(target), "--force"], tmp_path), 3
    )
    assert "cannot write" in line
    assert target.read_text(encoding="utf-8") == '{"old": true}\n'
    assert leftovers(tmp_path) == []


def test_bad_input_writes_no_file(tmp_path: Path):
    target = tmp_path / "plan.json"
    assert_one_error_line(run(*NASAL, "--dose", "70", "--format", "json", "--output", str(target)), 2)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(
    not Path("/sys/kernel").is_dir(), reason="needs Linux sysfs (a folder nobody, root included, can create files in)"
)
def test_a_folder_nobody_can_write_gives_one_line_and_no_file():
    line = assert_one_error_line(run(*NASAL, "--output", "/sys/ketplan-plan.txt"), 2)
    assert "device path" in line  # refused before any write
    assert not Path("/sys/ketplan-plan.txt").exists()
