"""The PostgreSQL store against SQLite (issue 15), on a throw-away local server (tests/pg_server.py, fsync on).

    python benchmarks/postgres.py            # full run (5,000 courses / 100,000 entries): a few minutes
    python benchmarks/postgres.py --quick    # proves the script works; the numbers mean nothing
    python benchmarks/run.py --postgresql    # the same, after run.py's own benchmarks

Needs `pip install 'ketplan[postgresql]'` and PostgreSQL's server binaries (initdb, pg_ctl).

- record: `ketplan course record P00000 --session 3 --given` as a fresh process on each backend, rounds
  interleaved (SQLite, PostgreSQL, SQLite ...), each run from the same one-course store (SQLite: a copy of a
  template file; PostgreSQL: a database created from a template database, outside the timing). Goal: the
  PostgreSQL median <= 1.5x the SQLite median. Also in-process (the store's own cost, without interpreter
  start-up and imports): the same record through app.course.record on an open store.
- list: `ketplan course list --format json` over 5,000 courses with 100,000 entries (the store run.py fills,
  copied into PostgreSQL with COPY). Goal: < 1 s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

import run  # noqa: E402  (benchmarks/run.py: Bench, COURSE_NEW, STORE_FILLER)

RECORD_GOAL = 1.5
LIST_GOAL_SECONDS = 1.0
RECORD = ["course", "record", "P00000", "--session", "3", "--given"]
TABLES = {
    "courses": "id, label, protocol_id, options, created_at",
    "entries": "course_id, seq, kind, session_n, session_date, payload, recorded_at, recorded_by, corrects",
    "revisions": "course_id, revision, entry_seq, created_at, plan",
    "course_summary": "course_id, first_session, last_session, given, missed, open_dates",
}
IN_PROCESS = """
import sys, time
from ketplan.app.course import RecordOptions, record, now
from ketplan.io.store import open_store
store = open_store(sys.argv[1], create=False)
t = time.perf_counter()
record(store, "P00000", RecordOptions(given=True, session=3), moment=now())
print(time.perf_counter() - t)
"""


def copy_into_postgres(sqlite_path: Path, url: str) -> None:
    import psycopg

    source = sqlite3.connect(sqlite_path)
    with psycopg.connect(url) as target:
        target.execute("ALTER TABLE entries DISABLE TRIGGER USER")  # a bulk load, not a record: no row-by-row checks
        for table, columns in TABLES.items():
            with target.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in source.execute(f"SELECT {columns} FROM {table}"):
                    copy.write_row(row)
        target.execute("ALTER TABLE entries ENABLE TRIGGER USER")
        target.execute("ANALYZE")
    source.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, help="record runs per backend (default 15; --quick 2)")
    parser.add_argument("--courses", type=int, help="courses in the big store (default 5000; --quick 20)")
    parser.add_argument("--entries", type=int, help="entries in the big store (default 100000; --quick 400)")
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is not met")
    args = parser.parse_args(argv)
    runs = args.runs or (2 if args.quick else 15)
    courses = args.courses or (20 if args.quick else 5000)
    entries = args.entries or (400 if args.quick else 100000)

    import pg_server

    try:
        cluster = pg_server.start_cluster(fsync=True)
    except BaseException as reason:  # pytest's skip/fail outcome: no server binaries or no psycopg
        print(f"benchmark: no PostgreSQL server: {reason}")
        return 1 if args.check else 0
    workdir = Path(tempfile.mkdtemp(prefix="ketplan-pgbench-"))
    try:
        bench = run.Bench(workdir, source=False)
        sqlite_env = dict(bench.env)
        bench.prepare_course_store()  # SQLite: course-template.db, sessions 1 and 2 recorded
        template = cluster.create_database("template")
        template_url = cluster.url(template)
        bench.env["KETPLAN_DB"] = template_url
        bench.run(bench.ketplan(run.COURSE_NEW))
        for n in ("1", "2"):
            bench.run(bench.ketplan(["course", "record", "P00000", "--session", n, "--given"]))
        bench.env.clear()
        bench.env.update(sqlite_env)

        def fresh_pg() -> str:
            name = f"rec_{time.monotonic_ns()}"
            with cluster.admin() as admin:
                admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            return cluster.url(name)

        times: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
        cpu: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
        for round_ in range(runs + 1):  # round 0 warms the bytecode cache and the server
            shutil.copy(workdir / "course-template.db", workdir / "course.db")
            bench.env["KETPLAN_DB"] = str(workdir / "course.db")
            sqlite_time = bench.run(bench.ketplan(RECORD))
            bench.env["KETPLAN_DB"] = fresh_pg()
            pg_time = bench.run(bench.ketplan(RECORD))
            if round_:
                for backend, (wall, used) in (("sqlite", sqlite_time), ("postgresql", pg_time)):
                    times[backend].append(wall)
                    cpu[backend].append(used)
        in_process: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
        for _ in range(max(3, runs // 3)):
            shutil.copy(workdir / "course-template.db", workdir / "course.db")
            for backend, location in (("sqlite", str(workdir / "course.db")), ("postgresql", fresh_pg())):
                done = subprocess.run(
                    [sys.executable, "-c", IN_PROCESS, location],
                    capture_output=True,
                    text=True,
                    env=bench.env,
                    check=True,
                )
                in_process[backend].append(float(done.stdout))
        bench.env.clear()
        bench.env.update(sqlite_env)

        # course list over the big store
        big = workdir / "big.db"
        per_course = entries // courses
        filled = subprocess.run(
            [
                sys.executable,
                "-c",
                run.STORE_FILLER,
                str(workdir / "course-template.db"),
                str(big),
                str(courses),
                str(per_course),
            ],
            env=bench.env,
            capture_output=True,
            text=True,
        )
        if filled.returncode != 0:
            raise SystemExit(f"benchmark: filling the store failed\n{filled.stderr}")
        big_url = cluster.url(cluster.create_database("big"))
        bench.env["KETPLAN_DB"] = big_url
        bench.run(bench.ketplan(["db", "migrate"]))
        copy_into_postgres(big, big_url)
        listing = ["course", "list", "--format", "json"]
        bench.run(bench.ketplan(listing))
        list_runs = [bench.run(bench.ketplan(listing)) for _ in range(max(1, min(runs, 5)))]
    finally:
        cluster.stop("fast")
        shutil.rmtree(cluster.root, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)

    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med["postgresql"] / med["sqlite"]
    mins = {k: min(v) for k, v in times.items()}
    inner = {k: statistics.median(v) for k, v in in_process.items()}
    list_median = statistics.median(wall for wall, _ in list_runs)
    list_cpu = statistics.median(used for _, used in list_runs)
    cpu_med = {k: statistics.median(v) for k, v in cpu.items()}
    record_met, list_met = ratio <= RECORD_GOAL, list_median < LIST_GOAL_SECONDS
    print("ketplan PostgreSQL store benchmark" + ("  [--quick: numbers are not meaningful]" if args.quick else ""))
    print(f"machine: {run.machine()}")
    print(
        f"  course record (fresh process): SQLite {med['sqlite'] * 1000:.1f} ms, PostgreSQL {med['postgresql'] * 1000:.1f} ms"
        f" (median of {runs}; min {mins['sqlite'] * 1000:.1f} / {mins['postgresql'] * 1000:.1f} ms): {ratio:.2f}x; "
        f"goal <= {RECORD_GOAL}x  {'met' if record_met else 'NOT MET'}; CPU {cpu_med['sqlite'] * 1000:.1f} / "
        f"{cpu_med['postgresql'] * 1000:.1f} ms ({cpu_med['postgresql'] / cpu_med['sqlite']:.2f}x)"
    )
    print(
        f"  course record in-process (store open, one transaction): SQLite {inner['sqlite'] * 1000:.1f} ms, "
        f"PostgreSQL {inner['postgresql'] * 1000:.1f} ms"
    )
    print(
        f"  course list --format json, {courses} courses / {courses * per_course} entries on PostgreSQL: "
        f"{list_median * 1000:.1f} ms (CPU {list_cpu * 1000:.1f} ms); goal < {LIST_GOAL_SECONDS:.0f} s  {'met' if list_met else 'NOT MET'}"
    )
    summary = {
        "record_ms": {k: round(v * 1000, 1) for k, v in med.items()},
        "record_min_ms": {k: round(v * 1000, 1) for k, v in mins.items()},
        "record_ratio": round(ratio, 3),
        "record_in_process_ms": {k: round(v * 1000, 2) for k, v in inner.items()},
        "record_cpu_ms": {k: round(v * 1000, 1) for k, v in cpu_med.items()},
        "list_ms": round(list_median * 1000, 1),
        "list_cpu_ms": round(list_cpu * 1000, 1),
        "courses": courses,
        "entries": courses * per_course,
        "goals_met": record_met and list_met,
    }
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 1 if args.check and not summary["goals_met"] else 0


if __name__ == "__main__":
    sys.exit(main())
