"""The installed `ketplan` command on a real PostgreSQL server (tests/pg_server.py): several workstations
writing at once, a clinic moving from SQLite, the server killed mid-transaction, and every bad condition
as one `ketplan: error:` line with exit 3, no password, no traceback, nothing half-written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pg_server import SUPERUSER, SUPERUSER_PASSWORD

KETPLAN = Path(sys.executable).parent / ("ketplan.exe" if os.name == "nt" else "ketplan")
pytestmark = pytest.mark.skipif(not KETPLAN.exists(), reason="the ketplan console script is not installed")
NOW = "2030-01-01T12:00:00Z"  # every session of a 2027 course is in the past
NEW = ["--route", "intranasal", "--start", "2027-01-04", "--days", "mon,thu", "--weeks", "52", "--every", "1"]
NEW += ["--tz", "UTC"]
PASSWORD = "Desk;pass'word-9"


def env_for(db: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KETPLAN_", "PG"))}
    env.update({"KETPLAN_DB": db, "KETPLAN_NOW": NOW, "TZ": "UTC", "NO_COLOR": "1", **extra})
    return env


def ketplan(db: str, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(KETPLAN), *args], capture_output=True, text=True, timeout=120, env=env_for(db, **extra), check=False
    )


def ok(db: str, *args: str, **extra: str) -> subprocess.CompletedProcess:
    done = ketplan(db, *args, **extra)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


def one_error(result: subprocess.CompletedProcess, code: int = 3) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ketplan: error: "), result.stderr
    assert "Traceback" not in result.stderr and PASSWORD not in result.stderr + result.stdout
    return lines[0]


def log_of(db: str, label: str) -> list[dict]:
    return json.loads(ok(db, "course", "log", label, "--format", "json").stdout)["entries"]


def given(db: str, label: str) -> list[int]:
    status = json.loads(ok(db, "course", "status", label, "--format", "json").stdout)
    return sorted(s["n"] for s in status["sessions"] if s["status"] == "given")


@pytest.fixture
def db(pg_url) -> str:
    ok(pg_url, "course", "new", "P01", *NEW)
    return pg_url


def test_course_commands_and_db_info_on_postgresql(db, pg_cluster):
    ok(db, "course", "record", "P01", "--session", "1", "--given", "--by", "AB", "--note", "x'; DROP TABLE entries;--")
    assert given(db, "P01") == [1]
    assert log_of(db, "P01")[-1]["payload"]["note"] == "x'; DROP TABLE entries;--"
    listed = json.loads(ok(db, "course", "list", "--format", "json").stdout)["courses"]
    assert [c["label"] for c in listed] == ["P01"]
    info = json.loads(ok(db, "db", "info", "--format", "json").stdout)
    assert info["backend"] == "postgresql" and info["schema_version"] == info["ketplan_schema_version"]
    assert info["counts"] == {"courses": 1, "entries": 2, "revisions": 1, "course_summary": 1}
    assert info["server"].startswith("PostgreSQL ") and info["user"] == "ketplan_admin"
    table = ok(db, "db", "info").stdout
    assert "backend         postgresql" in table and "entries         2" in table
    assert "up to date" in ok(db, "db", "migrate").stdout


def test_eight_workstations_recording_at_once_all_land(db):
    ok(db, "course", "new", "P02", *NEW)
    processes = []
    for worker in range(8):
        script = " && ".join(
            [
                f"{KETPLAN} course record P01 --session {worker + 1 + 8 * k} --given --by W{chr(65 + worker)}"
                for k in range(3)
            ]
            + [f"{KETPLAN} course record P02 --session {worker + 1} --missed"]
        )
        processes.append(subprocess.Popen(["sh", "-c", script], env=env_for(db), stderr=subprocess.PIPE, text=True))
    errors = [p.communicate(timeout=300)[1] for p in processes]
    assert [p.returncode for p in processes] == [0] * 8, errors
    assert given(db, "P01") == list(range(1, 25))
    assert [e["entry"] for e in log_of(db, "P01")] == list(range(1, 26))  # creation + 24, no gap, no repeat
    assert [e["entry"] for e in log_of(db, "P02")] == list(range(1, 10))
    listed = {c["label"]: c for c in json.loads(ok(db, "course", "list", "--format", "json").stdout)["courses"]}
    assert (listed["P01"]["given"], listed["P02"]["missed"]) == (24, 8)  # the list cache lost no update either


def _sqlite_clinic(path: str) -> None:
    for label in ("P01", "P02", "Q'3;x"):
        ok(path, "course", "new", label, *NEW)
    ok(path, "course", "record", "P01", "--sessions", "1-5", "--given", "--by", "NB")
    ok(path, "course", "record", "P01", "--session", "6", "--missed", "--note", "called in sick; 'flu'")
    ok(path, "course", "record", "P01", "--session", "5", "--given", "--dose", "84", "--corrects", "6")
    ok(path, "course", "replan", "P01", "--every", "2")
    ok(path, "course", "record", "P02", "--session", "1", "--missed")
    ok(path, "course", "record", "Q'3;x", "--session", "1", "--given", "--note", "a;b'c")


def _without_time(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "exported_at"}


def test_a_clinic_moves_from_sqlite_to_postgresql_with_nothing_lost(tmp_path, pg_url):
    sqlite_db = str(tmp_path / "clinic.db")
    _sqlite_clinic(sqlite_db)
    dump = tmp_path / "all.json"
    dump.write_text(ok(sqlite_db, "course", "export", "--all", "--format", "json").stdout)
    imported = ok(pg_url, "course", "import", str(dump))
    assert "3" in imported.stdout or "P01" in imported.stdout
    before = json.loads(dump.read_text())
    after = json.loads(ok(pg_url, "course", "export", "--all", "--format", "json").stdout)
    assert _without_time(after) == _without_time(before)  # every course, entry, correction and revision
    for args in (["log", "P01"], ["log", "Q'3;x"], ["status", "P01", "--format", "json"], ["show", "P01"]):
        assert ok(pg_url, "course", *args).stdout == ok(sqlite_db, "course", *args).stdout
    assert ok(pg_url, "course", "list").stdout == ok(sqlite_db, "course", "list").stdout
    # and back again, for a clinic that returns to one machine
    again = tmp_path / "again.db"
    back = tmp_path / "back.json"
    back.write_text(json.dumps(after))
    ok(str(again), "course", "import", str(back))
    assert _without_time(json.loads(ok(str(again), "course", "export", "--all", "--format", "json").stdout)) == (
        _without_time(before)
    )


# --------------------------------------------------------------------------- bad conditions


@pytest.fixture
def roles(pg_cluster, db):
    """A desk role that may record, a viewer that may only read; both log in with a password over TCP."""
    name = db.split("@/", 1)[1].split("?", 1)[0]
    with pg_cluster.admin(name) as connection:
        for role in ("desk", "viewer"):
            connection.execute(f"DROP ROLE IF EXISTS {role}_{name}")
            connection.execute(f"CREATE ROLE {role}_{name} LOGIN PASSWORD '{PASSWORD.replace(chr(39), chr(39) * 2)}'")
            connection.execute(f'GRANT CONNECT ON DATABASE "{name}" TO {role}_{name}')
            connection.execute(f"GRANT USAGE ON SCHEMA public TO {role}_{name}")
            connection.execute(
                f"GRANT SELECT ON courses, entries, revisions, course_summary, schema_version TO {role}_{name}"
            )
        connection.execute(f"GRANT INSERT, UPDATE ON courses, course_summary TO desk_{name}")
        connection.execute(f"GRANT INSERT ON entries, revisions TO desk_{name}")
    return {role: pg_cluster.tcp_url(name, f"{role}_{name}", PASSWORD) for role in ("desk", "viewer")}, name


def test_least_privilege_roles(roles):
    urls, _ = roles
    ok(urls["desk"], "course", "record", "P01", "--session", "1", "--given", "--note", "quote ' and ; fine")
    assert given(urls["viewer"], "P01") == [1]
    line = one_error(ketplan(urls["viewer"], "course", "record", "P01", "--session", "2", "--given"))
    assert "permission denied" in line and "nothing was changed" in line
    assert "viewer_" in line and "@127.0.0.1" in line  # the URL is shown without its password
    ok(urls["desk"], "db", "migrate")  # up to date: nothing to do, no privilege needed
    assert given(urls["desk"], "P01") == [1]
    info = ok(urls["viewer"], "db", "info")
    assert PASSWORD not in info.stdout and "viewer_" in info.stdout


def test_pgpass_and_libpq_variables_work_as_usual(pg_cluster, roles, tmp_path):
    _, name = roles
    bare = pg_cluster.tcp_url(name, f"desk_{name}")  # no password in the URL
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:{pg_cluster.port}:{name}:desk_{name}:{PASSWORD.replace(':', chr(92) + ':')}\n")
    pgpass.chmod(0o600)
    listed = ketplan(bare, "course", "list", "--format", "json", PGPASSFILE=str(pgpass))
    assert listed.returncode == 0, listed.stderr
    assert [c["label"] for c in json.loads(listed.stdout)["courses"]] == ["P01"]
    by_env = ketplan(bare, "course", "status", "P01", "--format", "json", PGPASSWORD=PASSWORD)
    assert by_env.returncode == 0, by_env.stderr
    # PGHOST / PGPORT / PGUSER / PGDATABASE alone, with the shortest URL
    parts = {"PGHOST": "127.0.0.1", "PGPORT": str(pg_cluster.port), "PGUSER": f"desk_{name}", "PGDATABASE": name}
    alone = ketplan("postgresql://", "db", "info", "--format", "json", PGPASSWORD=PASSWORD, **parts)
    assert alone.returncode == 0, alone.stderr
    assert json.loads(alone.stdout)["user"] == f"desk_{name}" and PASSWORD not in alone.stdout


def test_wrong_password_missing_database_unreachable_server(pg_cluster, roles):
    _, name = roles
    wrong = pg_cluster.tcp_url(name, f"desk_{name}", PASSWORD[::-1])
    line = one_error(ketplan(wrong, "course", "list"))
    assert "wrong or missing password" in line and PASSWORD[::-1] not in line
    line = one_error(ketplan(pg_cluster.tcp_url(name, f"desk_{name}"), "course", "list"))  # no password at all
    assert "wrong or missing password" in line
    line = one_error(ketplan(pg_cluster.tcp_url("no_such_db", SUPERUSER, SUPERUSER_PASSWORD), "course", "list"))
    assert "does not exist" in line and "createdb" in line
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = f"postgresql://desk:{PASSWORD}@127.0.0.1:{port}/clinic"
    line = one_error(ketplan(down, "course", "record", "P01", "--session", "1", "--given"))
    assert "cannot reach the database server" in line and "desk@127.0.0.1" in line
    # with the password given through PGPASSWORD the message does not show it either
    one_error(ketplan(wrong, "course", "list", PGPASSWORD=PASSWORD[::-1]))


def test_a_connection_dropped_mid_command_is_one_line_and_writes_nothing(pg_cluster, db):
    import psycopg

    name = db.split("@/", 1)[1].split("?", 1)[0]
    with psycopg.connect(db) as holder:  # another workstation holds the course row ...
        holder.execute("SELECT 1 FROM courses WHERE label = 'P01' FOR UPDATE")
        writer = subprocess.Popen(
            [str(KETPLAN), "course", "record", "P01", "--session", "1", "--given"],
            env=env_for(db),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        with pg_cluster.admin(name) as admin:  # ... ketplan waits for it, mid-command; its connection is cut
            for _ in range(200):
                found = admin.execute(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = 'ketplan' AND wait_event_type = 'Lock'"
                ).fetchall()
                if found:
                    break
                time.sleep(0.05)
            assert found, "ketplan never waited for the lock"
            admin.execute("SELECT pg_terminate_backend(%s)", (found[0][0],))
        out, err = writer.communicate(timeout=60)
    line = one_error(subprocess.CompletedProcess(writer.args, writer.returncode, out, err))
    assert "connection to the database server" in line and "nothing was changed" in line
    assert given(db, "P01") == []
    assert [e["entry"] for e in log_of(db, "P01")] == [1]


def test_an_old_schema_is_refused_until_db_migrate(pg_cluster, pg_url):
    import psycopg

    from ketplan.io.store import migrations

    with psycopg.connect(pg_url, autocommit=True) as connection:
        connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        connection.execute("INSERT INTO schema_version VALUES (1)")
        for statement in migrations.MIGRATIONS[0] + migrations.POSTGRES_EXTRA[1]:
            connection.execute(statement)
    line = one_error(ketplan(pg_url, "course", "list"))
    assert "run 'ketplan db migrate'" in line
    assert "upgraded from version 1 to" in ok(pg_url, "db", "migrate").stdout
    ok(pg_url, "course", "list")


# --------------------------------------------------------------------------- the server dies


WRITER = """
import sys, time
from ketplan.app.course import RecordOptions, record, now
from ketplan.io.store import open_store
store = open_store(sys.argv[1], create=False)
for n in range(1, 21):
    record(store, "P01", RecordOptions(given=True, session=n), moment=now())
    print("committed", n, flush=True)
with store.transaction(write=True):
    record(store, "P01", RecordOptions(given=True, session=21), moment=now())
    print("mid-transaction", flush=True)
    time.sleep(60)
"""


def test_the_server_killed_mid_transaction_loses_nothing_committed(pg_cluster, db):
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, db], env=env_for(db), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    committed = []
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("committed"):
            committed.append(int(line.split()[1]))
        if line.startswith("mid-transaction"):
            break
    pg_cluster.stop("immediate")  # like a power cut of the server process: no shutdown checkpoint
    try:
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=30)
    finally:
        pg_cluster.start()  # crash recovery replays the WAL
    assert committed == list(range(1, 21))
    assert given(db, "P01") == committed  # session 21 was never committed: absent, not half-written
    assert [e["entry"] for e in log_of(db, "P01")] == list(range(1, 22))
    name = db.split("@/", 1)[1].split("?", 1)[0]
    with pg_cluster.admin(name) as connection:
        connection.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
        indexes = connection.execute(
            "SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
        ).fetchall()
        assert len(indexes) >= 5
        for (index,) in indexes:
            connection.execute("SELECT bt_index_check(%s::regclass, true)", (index,))  # raises if damaged
        assert connection.execute("SELECT count(*) FROM entries").fetchone() == (21,)
    ok(db, "course", "record", "P01", "--session", "21", "--given")
    assert given(db, "P01") == [*committed, 21]


def test_a_course_command_blocked_when_the_server_stops_is_one_line(pg_cluster, db):
    import psycopg

    holder = psycopg.connect(db)
    holder.execute("SELECT 1 FROM courses WHERE label = 'P01' FOR UPDATE")
    writer = subprocess.Popen(
        [str(KETPLAN), "course", "record", "P01", "--session", "1", "--given"],
        env=env_for(db),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)
    pg_cluster.stop("immediate")
    holder.close()
    try:
        out, err = writer.communicate(timeout=60)
    finally:
        pg_cluster.start()
    line = one_error(subprocess.CompletedProcess(writer.args, writer.returncode, out, err))
    assert "lost" in line or "cannot reach" in line
    assert given(db, "P01") == []


def test_sqlite_commands_do_not_import_the_postgresql_driver(tmp_path):
    probe = (
        "import sys; from ketplan.cli import main; sys.argv = ['ketplan', 'course', 'list'];\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('PSYCOPG', any(m == 'psycopg' or m.startswith(('psycopg.', 'psycopg_')) for m in sys.modules))"
    )
    path = str(tmp_path / "s.db")
    ok(path, "course", "new", "P01", *NEW)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env_for(path), check=False)
    assert "PSYCOPG False" in done.stdout, (done.stdout, done.stderr)
