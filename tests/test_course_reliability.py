"""The treatment store under bad conditions, with real processes (the installed `ketplan` command).

kill -9 in the middle of writing, eight writers at once, and a store that is corrupt, locked,
read-only, missing, on a full disk or a directory: one `ketplan: error:` line, exit 3 (2 for bad
input), and nothing that was committed is lost.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

KETPLAN = Path(sys.executable).parent / ("ketplan.exe" if os.name == "nt" else "ketplan")
pytestmark = pytest.mark.skipif(not KETPLAN.exists(), reason="the ketplan console script is not installed")
NOW = "2030-01-01T12:00:00Z"  # every session of a 2027 course is in the past


def env_for(db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("KETPLAN_DEBUG", "KETPLAN_DB")}
    env.update({"KETPLAN_DB": str(db), "KETPLAN_NOW": NOW, "TZ": "UTC", "NO_COLOR": "1", **extra})
    return env


def ketplan(db: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(KETPLAN), *args], capture_output=True, text=True, timeout=120, env=env_for(db, **extra), check=False
    )


def one_error(result: subprocess.CompletedProcess, code: int) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ketplan: error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "store" / "ketplan.db"
    done = ketplan(
        path,
        "course",
        "new",
        "P01",
        "--route",
        "intranasal",
        "--start",
        "2027-01-04",
        "--days",
        "mon,thu",
        "--weeks",
        "52",
        "--every",
        "1",
        "--tz",
        "UTC",
    )
    assert done.returncode == 0, done.stderr
    return path


def given(db: Path) -> list[int]:
    status = json.loads(ketplan(db, "course", "status", "P01", "--format", "json").stdout)
    return sorted(s["n"] for s in status["sessions"] if s["status"] == "given")


def integrity(db: Path) -> str:
    connection = sqlite3.connect(db)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()


def test_eight_processes_recording_at_once_all_land(db):
    processes = []
    for worker in range(8):
        sessions = [str(worker + 1 + 8 * k) for k in range(4)]
        script = " && ".join(
            f"{KETPLAN} course record P01 --session {n} --given --by W{chr(65 + worker)}" for n in sessions
        )
        processes.append(subprocess.Popen(["sh", "-c", script], env=env_for(db), stderr=subprocess.PIPE, text=True))
    errors = [p.communicate(timeout=180)[1] for p in processes]
    assert [p.returncode for p in processes] == [0] * 8, errors
    assert given(db) == list(range(1, 33))
    log = json.loads(ketplan(db, "course", "log", "P01", "--format", "json").stdout)["entries"]
    assert [e["entry"] for e in log] == list(range(1, 34))  # creation + 32, numbered without gap or repeat
    assert integrity(db) == "ok"


WRITER = """
import sys, time
from ketplan.app.course import RecordOptions, record, now
from ketplan.io.store import open_store
store = open_store(sys.argv[1], create=False)
for n in range(1, 31):
    record(store, "P01", RecordOptions(given=True, session=n), moment=now())
    print("committed", n, flush=True)
with store.transaction(write=True):
    record(store, "P01", RecordOptions(given=True, session=31), moment=now())
    print("mid-transaction", flush=True)
    time.sleep(60)
"""


def test_kill_9_mid_write_loses_nothing_committed(db):
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)], env=env_for(db), stdout=subprocess.PIPE, text=True
    )
    committed = []
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("committed"):
            committed.append(int(line.split()[1]))
        if line.startswith("mid-transaction"):
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert committed == list(range(1, 31))
    assert integrity(db) == "ok"
    assert given(db) == committed  # session 31 was never committed: absent, not half-written
    again = ketplan(db, "course", "record", "P01", "--session", "31", "--given")  # the lock died with the process
    assert again.returncode == 0, again.stderr
    assert given(db) == [*committed, 31]


def test_kill_9_at_random_moments_keeps_the_store_readable(db, tmp_path):
    for index, delay in enumerate((0.05, 0.2, 0.4, 0.8)):
        copy = tmp_path / f"copy-{index}.db"
        shutil.copy(db, copy)
        child = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(copy)], env=env_for(copy), stdout=subprocess.PIPE, text=True
        )
        time.sleep(delay)
        os.kill(child.pid, signal.SIGKILL)
        out, _ = child.communicate(timeout=30)
        committed = [int(line.split()[1]) for line in out.splitlines() if line.startswith("committed")]
        assert integrity(copy) == "ok"
        assert given(copy)[: len(committed)] == committed  # everything reported committed is there


def test_a_locked_store_is_one_line_exit_3_and_nothing_written(db):
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        line = one_error(
            ketplan(db, "course", "record", "P01", "--session", "1", "--given", KETPLAN_DB_TIMEOUT="0.5"), 3
        )
        assert "locked" in line and "nothing was changed" in line
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert given(db) == []
    assert ketplan(db, "course", "record", "P01", "--session", "1", "--given").returncode == 0


@pytest.mark.parametrize(
    "damage",
    [b"this is not a database at all" * 10, b"SQLite format 3\x00" + b"\xff" * 5000],
    ids=["garbage", "damaged-pages"],
)
def test_a_corrupt_store_is_one_line_exit_3(tmp_path, damage):
    path = tmp_path / "ketplan.db"
    path.write_bytes(damage)
    for args in (["status", "P01"], ["record", "P01", "--session", "1", "--given"], ["list"]):
        line = one_error(ketplan(path, "course", *args), 3)
        assert "damaged" in line or "not a ketplan treatment store" in line
    assert path.read_bytes() == damage  # never "repaired" over the top


def test_a_missing_store_is_exit_3_and_not_created(tmp_path):
    path = tmp_path / "nowhere" / "ketplan.db"
    line = one_error(ketplan(path, "course", "status", "P01"), 3)
    assert "no treatment store" in line
    assert not path.parent.exists()


def test_a_directory_is_exit_3(tmp_path):
    line = one_error(ketplan(tmp_path, "course", "list"), 3)
    assert "is a directory" in line


def _make_read_only(path: Path) -> list[str]:
    if os.geteuid() != 0:
        path.chmod(0o444)
        return []
    if shutil.which("chattr") and subprocess.run(["chattr", "+i", str(path)], check=False).returncode == 0:
        return ["chattr", "-i", str(path)]
    pytest.skip("running as root without chattr: a read-only file cannot be made")


def test_a_read_only_store_refuses_writes_with_one_line(db):
    ketplan(db, "course", "record", "P01", "--session", "1", "--given")
    undo = _make_read_only(db)
    try:
        line = one_error(ketplan(db, "course", "record", "P01", "--session", "2", "--given"), 3)
        assert "read-only" in line or "cannot open" in line
    finally:
        if undo:
            subprocess.run(undo, check=True)
        db.chmod(0o600)
    assert given(db) == [1]


LIMITED = """
import resource, signal, subprocess, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
def limit():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), int(sys.argv[1])))
done = subprocess.run(sys.argv[2:], preexec_fn=limit, capture_output=True, text=True)
sys.stdout.write(done.stdout)
sys.stderr.write(done.stderr)
sys.exit(done.returncode)
"""


@pytest.mark.skipif(not hasattr(os, "setrlimit") and sys.platform == "win32", reason="needs RLIMIT_FSIZE")
def test_a_full_disk_is_one_line_exit_3_and_nothing_lost(db):
    ketplan(db, "course", "record", "P01", "--session", "1", "--given")
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    limit = 8192  # bytes any one file may grow to: the WAL cannot take a page
    result = subprocess.run(
        [sys.executable, "-c", LIMITED, str(limit), str(KETPLAN), "course", "import", "-"],
        input=_bulk_export(db),
        capture_output=True,
        text=True,
        env=env_for(db),
        timeout=120,
        check=False,
    )
    line = one_error(result, 3)
    assert "disk is full" in line  # or "full or failing": RLIMIT_FSIZE shows as an I/O error
    assert integrity(db) == "ok"
    assert given(db) == [1]
    labels = json.loads(ketplan(db, "course", "list", "--format", "json").stdout)["courses"]
    assert [c["label"] for c in labels] == ["P01"]


def _bulk_export(db: Path) -> str:
    document = json.loads(ketplan(db, "course", "export", "P01").stdout)
    course = document["courses"][0]
    document["courses"] = [{**course, "id": f"{i:016x}", "label": f"B{i:04d}"} for i in range(200)]
    return json.dumps(document)


def test_import_is_all_or_nothing(db, tmp_path):
    document = json.loads(ketplan(db, "course", "export", "P01").stdout)
    course = document["courses"][0]
    document["courses"] = [{**course, "id": "aaaaaaaaaaaaaaaa", "label": "N01"}, course]  # P01 exists: refused
    path = tmp_path / "dump.json"
    path.write_text(json.dumps(document))
    one_error(ketplan(db, "course", "import", str(path)), 2)
    labels = [c["label"] for c in json.loads(ketplan(db, "course", "list", "--format", "json").stdout)["courses"]]
    assert labels == ["P01"]
