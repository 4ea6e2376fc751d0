"""ketplan start-up and batch benchmark (issue 6). Standard library only.

    python benchmarks/run.py            # full run: ~2-4 minutes on a small machine
    python benchmarks/run.py --quick    # proves the script works (CI); the numbers mean nothing

Run it with the Python of the environment ketplan is installed in (e.g. .venv/bin/python).

Start-up: each command is a fresh process, timed with time.perf_counter around
subprocess.run. Commands are interleaved round by round (in a shuffled order), so a load
change on the machine hits every command alike; the median of the rounds is reported, as a
ratio to a minimal Typer "hello" app run by the same interpreter. Both programs start the way
an installed console script does (`from PACKAGE import main; main()`).

Bytecode: an installed wheel has its .pyc files compiled at install time. This script gives
every child process the same: PYTHONPYCACHEPREFIX points at a temporary folder (deleted at the
end; nothing in the repository or the environment is written) and PYTHONDONTWRITEBYTECODE is
cleared; one warm-up round fills it. --source measures instead with every module compiled from
source on every start (PYTHONDONTWRITEBYTECODE=1, no prefix), for comparison.

Batch: a generated roster of 26-week intranasal esketamine and 4-week IV racemic plans
(alternating rows) is planned with `ketplan plan --roster`; the cost per plan is compared with
one single `ketplan plan` invocation. Peak memory is the peak RSS of the ketplan process
(resource.getrusage(RUSAGE_CHILDREN) in a fresh wrapper process per run), for a small and a
large roster.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOALS = {
    "dose": 1.2,
    "help": 1.5,
    "ics": 1.5,
    "course_record": 1.3,
    "course_status": 1.3,
}  # ics: issue 12 (1.73x before)
ICS_GOAL_MS_PER_PATIENT = 5.0  # roster to --format ics, all-in per patient (issue 12; ~13 ms before)
ID_CHECK_GOAL_BYTES_PER_ROW = 40  # roster id-uniqueness check (issue 12; ~125 B/row before)
STORE_LIST_GOAL_SECONDS = 1.0  # `course list` over 5,000 courses / 100,000 entries
STORE_STATUS_GOAL_RATIO = 1.2  # status of one course in the big store vs a one-course store: "unaffected"
BATCH_GOAL_FRACTION = 0.01  # per-plan cost in a roster <= 1% of one `ketplan plan` invocation
MEMORY_GOAL_RATIO = 1.10  # "flat": peak RSS for the large roster <= 1.10 x the small one

HELLO_APP = '''import typer

app = typer.Typer(add_completion=False)


@app.command()
def hello(name: str = "world") -> None:
    """Say hello."""
    print(f"hello {name}")


def main() -> None:
    app()
'''
LAUNCHER = "import sys\nfrom {module} import main\nif __name__ == '__main__':\n    sys.exit(main())\n"

START_UP = {
    "hello": ("hello (baseline)", []),
    "dose": ("ketplan dose --weight 70kg --format json", ["dose", "--weight", "70kg", "--format", "json"]),
    "help": ("ketplan --help", ["--help"]),
    "ics": (
        "ketplan plan --route intranasal --start 2026-12-01 --weeks 52 --format ics",
        ["plan", "--route", "intranasal", "--start", "2026-12-01", "--weeks", "52", "--format", "ics"],
    ),
    "ics_dst": (
        "  the same with --tz Europe/Brussels (a DST zone: adds a VTIMEZONE)",
        [
            "plan",
            "--route",
            "intranasal",
            "--start",
            "2026-12-01",
            "--weeks",
            "52",
            "--format",
            "ics",
            "--tz",
            "Europe/Brussels",
        ],
    ),
    "esk": (
        "ketplan plan --route intranasal --start 2026-12-01 --weeks 26 --format json",
        ["plan", "--route", "intranasal", "--start", "2026-12-01", "--weeks", "26", "--format", "json"],
    ),
    "iv": (
        "ketplan plan --route iv --weight 70kg --start 2026-12-07 --weeks 4 --format json",
        ["plan", "--route", "iv", "--weight", "70kg", "--start", "2026-12-07", "--weeks", "4", "--format", "json"],
    ),
}

COURSE_NOW = "2027-03-01T12:00:00Z"  # KETPLAN_NOW of the course benchmarks: sessions of Dec 2026 are in the past
COURSE_NEW = [
    "course",
    "new",
    "P00000",
    "--route",
    "intranasal",
    "--start",
    "2026-12-01",
    "--days",
    "tue,fri",
    "--tz",
    "UTC",
]
START_UP["course_record"] = (
    "ketplan course record P00000 --session 3 --given",
    ["course", "record", "P00000", "--session", "3", "--given"],
)
START_UP["course_status"] = (
    "ketplan course status P00000 --format json",
    ["course", "status", "P00000", "--format", "json"],
)

MEASURE_RSS = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "elapsed = time.perf_counter() - t\n"
    "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(elapsed, rss * (1 if sys.platform == 'darwin' else 1024), r.returncode)\n"
    "sys.stderr.write(r.stderr.decode('utf-8', 'replace'))\n"
)


class Bench:
    def __init__(self, workdir: Path, source: bool) -> None:
        self.workdir = workdir
        (workdir / "hello_app.py").write_text(HELLO_APP, encoding="utf-8")
        (workdir / "hello_launch.py").write_text(LAUNCHER.format(module="hello_app"), encoding="utf-8")
        (workdir / "ketplan_launch.py").write_text(LAUNCHER.format(module="ketplan.cli"), encoding="utf-8")
        env = dict(os.environ)
        # The machine's own time zone is kept (the commands give no --tz); the ics_dst row
        # shows the cost of a zone with daylight saving time, whose VTIMEZONE is computed.
        env.update({"SOURCE_DATE_EPOCH": "1798761600", "NO_COLOR": "1", "COLUMNS": "100", "LC_ALL": "C.UTF-8"})
        env.pop("KETPLAN_DEBUG", None)
        env.update({"KETPLAN_DB": str(workdir / "course.db"), "KETPLAN_NOW": COURSE_NOW})
        if source:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
            env.pop("PYTHONPYCACHEPREFIX", None)
        else:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
        self.env = env

    def prepare_course_store(self) -> None:
        """A store with one course (sessions 1 and 2 recorded); kept as a template that
        `course_record` runs start from, so that every run records the same session."""
        self.run(self.ketplan(COURSE_NEW))
        for n in ("1", "2"):
            self.run(self.ketplan(["course", "record", "P00000", "--session", n, "--given"]))
        shutil.copy(self.workdir / "course.db", self.workdir / "course-template.db")

    def before(self, key: str) -> None:
        if key == "course_record":
            shutil.copy(self.workdir / "course-template.db", self.workdir / "course.db")

    def command(self, key: str) -> list[str]:
        if key == "hello":
            return [sys.executable, str(self.workdir / "hello_launch.py")]
        return self.ketplan(START_UP[key][1])

    def ketplan(self, args: list[str]) -> list[str]:
        return [sys.executable, str(self.workdir / "ketplan_launch.py"), *args]

    def run(self, argv: list[str]) -> tuple[float, float]:
        """Wall-clock seconds (perf_counter) and CPU seconds (user + system) of one run."""
        before = _children_cpu()
        start = time.perf_counter()
        done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=self.env, cwd=self.workdir)
        elapsed = time.perf_counter() - start
        cpu = _children_cpu() - before
        if done.returncode != 0:
            raise SystemExit(f"benchmark command failed ({done.returncode}): {' '.join(argv)}\n{done.stderr.decode()}")
        return elapsed, cpu

    def run_rss(self, argv: list[str], expect: int = 0) -> tuple[float, int]:
        done = subprocess.run(
            [sys.executable, "-c", MEASURE_RSS, *argv], capture_output=True, env=self.env, cwd=self.workdir, text=True
        )
        elapsed, rss, code = done.stdout.split()
        if done.returncode != 0 or code != str(expect):
            raise SystemExit(f"benchmark command failed ({code}): {' '.join(argv)}\n{done.stderr}")
        return float(elapsed), int(rss)


def _children_cpu() -> float:
    try:
        import resource
    except ImportError:  # Windows: no CPU times, wall-clock only
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def write_roster(path: Path, rows: int) -> None:
    """Alternating 26-week intranasal esketamine and 4-week IV racemic ketamine patients."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(["id", "route", "start", "weight", "weeks", "tz", "label"])
        for i in range(rows):
            start = f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}"
            if i % 2 == 0:
                out.writerow([f"P{i:05d}", "intranasal", start, "", "26", "Europe/Brussels", f"P{i:05d}"])
            else:
                out.writerow([f"P{i:05d}", "iv", start, f"{50 + i % 60}kg", "4", "America/New_York", f"P{i:05d}"])


STORE_FILLER = """
import json, sys
from datetime import UTC, datetime, timedelta
from ketplan.core.course import CoursePlan, NewEntry, summarize
from ketplan.io.store import open_store
from ketplan.io.store.base import CourseRecord, Revision

template, target, courses, per_course = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
source = open_store(template, create=False)
with source.transaction(write=False):
    course = source.get_course("P00000")
    revision = source.latest_revision(course.id)
plan = CoursePlan.from_dict(revision.plan)
store = open_store(target, create=True)
moment = datetime(2027, 1, 1, tzinfo=UTC)
with store.transaction(write=True):
    for i in range(courses):
        record = CourseRecord(f"{i:016x}", f"P{i:05d}", course.protocol_id, course.options, moment)
        store.create_course(record)
        entries = [store.append_entry(record.id, NewEntry("created", {"options": course.options}), moment)]
        for k in range(per_course - 1):
            session = plan.sessions[k % len(plan.sessions)]
            kind = "given" if k % 7 else "missed"
            payload = {"dose_mg": session.dose_mg} if kind == "given" else {}
            corrects = entries[-1].seq if k >= len(plan.sessions) else None  # later entries correct earlier ones
            entries.append(store.append_entry(
                record.id, NewEntry(kind, payload, session.n, session.date, "AB", corrects), moment + timedelta(minutes=k)
            ))
        store.add_revision(record.id, Revision(1, 1, moment, revision.plan))
        store.put_summary(record.id, summarize(plan, entries))
store.close()
"""


def store_benchmark(bench: Bench, courses: int, per_course: int, repeats: int) -> dict:
    """`course list` over a big store, and `course status` of one course in it vs in a one-course store."""
    big = bench.workdir / "big.db"
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            STORE_FILLER,
            str(bench.workdir / "course-template.db"),
            str(big),
            str(courses),
            str(per_course),
        ],
        env=bench.env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark: filling the store failed\n{done.stderr}")
    fill = time.perf_counter() - started
    small_env = dict(bench.env)
    results: dict = {"courses": courses, "entries": courses * per_course, "fill_seconds": round(fill, 2)}
    for name, db in (("big", big), ("small", bench.workdir / "course-template.db")):
        bench.env["KETPLAN_DB"] = str(db)
        try:
            for key, args in (
                ("list", ["course", "list", "--format", "json"]),
                ("status", START_UP["course_status"][1]),
            ):
                if name == "small" and key == "list":
                    continue
                bench.run(bench.ketplan(args))  # warm-up
                runs = [bench.run(bench.ketplan(args)) for _ in range(repeats)]
                results[f"{key}_{name}_seconds"] = statistics.median(wall for wall, _ in runs)
                results[f"{key}_{name}_cpu_seconds"] = statistics.median(cpu for _, cpu in runs)
                results[f"{key}_{name}_min_seconds"] = min(wall for wall, _ in runs)
        finally:
            bench.env.clear()
            bench.env.update(small_env)
    return results


def report_store(results: dict) -> bool:
    ratio = results["status_big_seconds"] / results["status_small_seconds"]
    list_met = results["list_big_seconds"] < STORE_LIST_GOAL_SECONDS
    status_met = ratio <= STORE_STATUS_GOAL_RATIO
    print()
    print(
        f"Store: {results['courses']} courses, {results['entries']} recorded entries (filled in {results['fill_seconds']:.1f} s)"
    )
    print(
        f"  ketplan course list --format json: {results['list_big_seconds'] * 1000:7.1f} ms wall "
        f"(min {results['list_big_min_seconds'] * 1000:.1f} ms, CPU {results['list_big_cpu_seconds'] * 1000:.1f} ms); "
        f"goal < {STORE_LIST_GOAL_SECONDS:.0f} s  {'met' if list_met else 'NOT MET'}"
    )
    print(
        f"  ketplan course status (one course): {results['status_big_seconds'] * 1000:.1f} ms in this store, "
        f"{results['status_small_seconds'] * 1000:.1f} ms in a one-course store: {ratio:.2f}x; "
        f"goal <= {STORE_STATUS_GOAL_RATIO:.1f}x  {'met' if status_met else 'NOT MET'}"
    )
    results["status_ratio"] = round(ratio, 3)
    return list_met and status_met


def machine() -> dict[str, str]:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    from importlib import metadata

    for name in ("ketplan", "typer", "pydantic", "rich", "icalendar", "holidays"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "-"
    try:
        load = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        load = "-"
    return {
        "cpu": model,
        "cpus": str(os.cpu_count()),
        "system": platform.platform(),
        "python": platform.python_version(),
        "load_average_at_start": load,
        "zone": _zone(),
        "versions": ", ".join(f"{k} {v}" for k, v in versions.items()),
    }


def _zone() -> str:
    try:
        from ketplan.io.clinic_calendar import system_zone_name

        return system_zone_name()
    except Exception:
        return "-"


def start_up(bench: Bench, runs: int, seed: int, warm_up: bool = True) -> dict[str, list[tuple[float, float]]]:
    keys = list(START_UP)
    times: dict[str, list[tuple[float, float]]] = {key: [] for key in keys}
    bench.prepare_course_store()
    if warm_up:  # fills the bytecode cache and checks that every command works
        for key in keys:
            bench.before(key)
            bench.run(bench.command(key))
    shuffler = random.Random(seed)
    for _ in range(runs):
        order = keys[:]
        shuffler.shuffle(order)
        for key in order:
            bench.before(key)
            times[key].append(bench.run(bench.command(key)))
    return times


def batch(bench: Bench, small: int, large: int, ics_rows: int, repeats: int) -> dict:
    results: dict = {}
    for rows in (small, large):
        roster = bench.workdir / f"roster-{rows}.csv"
        write_roster(roster, rows)
        runs = [
            bench.run_rss(bench.ketplan(["plan", "--roster", str(roster), "--format", "jsonl"])) for _ in range(repeats)
        ]
        results[f"jsonl_{rows}"] = {
            "rows": rows,
            "seconds": statistics.median(t for t, _ in runs),
            "peak_rss_bytes": max(rss for _, rss in runs),
        }
    roster = bench.workdir / f"roster-{large}.csv"
    runs = [bench.run_rss(bench.ketplan(["plan", "--roster", str(roster), "--format", "csv"])) for _ in range(repeats)]
    results[f"csv_{large}"] = {
        "rows": large,
        "seconds": statistics.median(t for t, _ in runs),
        "peak_rss_bytes": max(r for _, r in runs),
    }
    ics_roster = bench.workdir / f"roster-{ics_rows}.csv"
    write_roster(ics_roster, ics_rows)
    folder = bench.workdir / "ics"
    folder.mkdir()
    seconds, rss = bench.run_rss(
        bench.ketplan(["plan", "--roster", str(ics_roster), "--format", "ics", "--output-dir", str(folder)])
    )
    written = len(list(folder.glob("*.ics")))
    if written != ics_rows:
        raise SystemExit(f"benchmark: the ics roster wrote {written} files, expected {ics_rows}")
    results[f"ics_{ics_rows}"] = {"rows": ics_rows, "seconds": seconds, "peak_rss_bytes": rss}
    return results


def id_check_memory(rows: int) -> dict:
    """Bytes per row of the roster's id-uniqueness check (ketplan.app.roster.IdRegistry), measured
    in this process with tracemalloc over `rows` distinct ids."""
    import tracemalloc

    from ketplan.app.roster import IdRegistry

    tracemalloc.start()
    registry = IdRegistry()
    started = time.perf_counter()
    for line in range(2, rows + 2):
        registry.add(f"PATIENT-{line:09d}", line)
    seconds = time.perf_counter() - started
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"rows": rows, "bytes_per_row": current / rows, "peak_bytes_per_row": peak / rows, "seconds": seconds}


def stream_memory(bench: Bench, small: int, large: int) -> dict:
    """Peak RSS of a roster of `large` rows against one of `small` rows, every row refused after
    the id check (unknown route), so a million rows stream in seconds: the reading, id-check and
    reporting path, without the planning."""
    out = {}
    for rows in (small, large):
        roster = bench.workdir / f"stream-{rows}.csv"
        with roster.open("w", encoding="utf-8") as handle:
            handle.write("id,route,start\n")
            for i in range(rows):
                handle.write(f"S{i:08d},none,2026-12-01\n")
        seconds, rss = bench.run_rss(bench.ketplan(["plan", "--roster", str(roster), "--format", "jsonl"]), expect=2)
        out[rows] = {"rows": rows, "seconds": seconds, "peak_rss_bytes": rss}
        roster.unlink()
    return out


def report(
    info: dict, times: dict[str, list[float]], batch_results: dict, args, store_results: dict | None = None
) -> dict:
    med = {key: statistics.median(wall for wall, _ in values) for key, values in times.items()}
    cpu = {key: statistics.median(c for _, c in values) for key, values in times.items()}
    spread = {key: (min(w for w, _ in values), max(w for w, _ in values)) for key, values in times.items()}
    hello = med["hello"]
    print("ketplan start-up and batch benchmark" + ("  [--quick: numbers are not meaningful]" if args.quick else ""))
    print(
        f"machine: {info['cpu']}, {info['cpus']} CPUs, {info['system']}, Python {info['python']}, time zone {info['zone']}"
    )
    print(f"versions: {info['versions']}; load average at start: {info['load_average_at_start']}")
    mode = (
        "ketplan compiled from source on every start (PYTHONDONTWRITEBYTECODE=1; --source or --quick)"
        if args.source
        else "cached in a temporary PYTHONPYCACHEPREFIX, as a wheel install compiles it"
    )
    print(f"bytecode: {mode}")
    print()
    print(
        f"Start-up: median of {args.runs} interleaved runs each, ratio to the Typer hello app (goals apply to wall time)"
    )
    print(f"  {'command':<80} {'wall':>8}     {'ratio':>5}  {'CPU ratio':>9}  {'wall min-max':>15}")
    goals_met = True
    summary: dict = {
        "machine": info,
        "quick": args.quick,
        "source": args.source,
        "runs": args.runs,
        "startup": {},
        "batch": {},
    }
    for key, (label, _) in START_UP.items():
        ratio = med[key] / hello
        goal = GOALS.get(key)
        verdict = ""
        if goal is not None:
            met = ratio <= goal
            goals_met &= met
            verdict = f"goal <= {goal:.1f}x  {'met' if met else 'NOT MET'}"
        cpu_ratio = cpu[key] / cpu["hello"] if cpu["hello"] else float("nan")
        low, high = spread[key]
        print(
            f"  {label:<80} {med[key] * 1000:8.1f} ms  {ratio:5.2f}x  {cpu_ratio:8.2f}x  "
            f"{low * 1000:6.0f}-{high * 1000:<6.0f}ms  {verdict}"
        )
        summary["startup"][key] = {
            "command": label,
            "median_ms": round(med[key] * 1000, 1),
            "ratio": round(ratio, 3),
            "cpu_median_ms": round(cpu[key] * 1000, 1),
            "cpu_ratio": round(cpu_ratio, 3),
            "min_ms": round(low * 1000, 1),
            "max_ms": round(high * 1000, 1),
            "goal": goal,
        }

    summary["goals_met"] = goals_met
    if batch_results is None:
        return summary
    ids = batch_results.pop("id_check", None)
    stream = batch_results.pop("stream", None)
    single = (med["esk"] + med["iv"]) / 2
    small, large = batch_results[f"jsonl_{args.small_rows}"], batch_results[f"jsonl_{args.rows}"]
    per_plan = large["seconds"] / large["rows"]
    marginal = (large["seconds"] - small["seconds"]) / (large["rows"] - small["rows"])
    fraction = per_plan / single
    met = fraction <= BATCH_GOAL_FRACTION
    goals_met &= met
    print()
    print(f"Batch: roster of alternating 26-week esketamine and 4-week IV plans ({args.repeats} run(s) each, median)")
    print(
        f"  one `ketplan plan` invocation (mean of the 26-week esketamine and 4-week IV medians above): {single * 1000:.1f} ms"
    )
    for key, entry in batch_results.items():
        fmt = key.split("_")[0]
        print(
            f"  --roster {entry['rows']:>5} rows --format {fmt:<5}  {entry['seconds']:7.2f} s  "
            f"{entry['seconds'] / entry['rows'] * 1000:7.2f} ms/plan  {entry['rows'] / entry['seconds']:7.0f} plans/s  "
            f"peak RSS {entry['peak_rss_bytes'] / 2**20:6.1f} MiB"
        )
    print(
        f"  jsonl, {large['rows']} rows: {per_plan * 1000:.2f} ms per plan all-in ({marginal * 1000:.2f} ms marginal) = "
        f"{fraction * 100:.2f}% of one invocation; goal <= {BATCH_GOAL_FRACTION * 100:.0f}%  {'met' if met else 'NOT MET'}"
    )
    ratio = large["peak_rss_bytes"] / small["peak_rss_bytes"]
    met = ratio <= MEMORY_GOAL_RATIO
    goals_met &= met
    print(
        f"  peak RSS, jsonl: {small['rows']} rows {small['peak_rss_bytes'] / 2**20:.1f} MiB, {large['rows']} rows "
        f"{large['peak_rss_bytes'] / 2**20:.1f} MiB: {ratio:.2f}x; goal flat (<= {MEMORY_GOAL_RATIO:.2f}x)  {'met' if met else 'NOT MET'}"
    )
    ics_key = f"ics_{args.ics_rows}"
    ics_ms = batch_results[ics_key]["seconds"] / batch_results[ics_key]["rows"] * 1000
    met = ics_ms <= ICS_GOAL_MS_PER_PATIENT
    goals_met &= met
    print(
        f"  --format ics, {args.ics_rows} rows: {ics_ms:.2f} ms per patient all-in; goal <= "
        f"{ICS_GOAL_MS_PER_PATIENT:.1f} ms  {'met' if met else 'NOT MET'}"
    )
    if ids:
        met = ids["bytes_per_row"] <= ID_CHECK_GOAL_BYTES_PER_ROW
        goals_met &= met
        print(
            f"  id-uniqueness check, {ids['rows']:,} ids: {ids['bytes_per_row']:.1f} B/row "
            f"(peak {ids['peak_bytes_per_row']:.1f} B/row while the table doubles), {ids['seconds']:.2f} s; "
            f"goal <= {ID_CHECK_GOAL_BYTES_PER_ROW} B/row  {'met' if met else 'NOT MET'}"
        )
    if stream:
        low, high = sorted(stream)
        print(
            f"  streaming {high:,} refused rows: {stream[high]['seconds']:.1f} s, peak RSS "
            f"{stream[high]['peak_rss_bytes'] / 2**20:.1f} MiB (vs {stream[low]['peak_rss_bytes'] / 2**20:.1f} MiB "
            f"for {low:,} rows)"
        )
    summary["batch"] = {
        "ics_ms_per_patient": round(ics_ms, 3),
        "single_invocation_ms": round(single * 1000, 1),
        "per_plan_ms": round(per_plan * 1000, 3),
        "marginal_per_plan_ms": round(marginal * 1000, 3),
        "per_plan_fraction_of_single": round(fraction, 5),
        "peak_rss_ratio": round(ratio, 3),
        "runs": batch_results,
        "id_check": ids,
        "stream": {str(k): v for k, v in (stream or {}).items()},
    }
    if store_results is not None:
        goals_met &= report_store(store_results)
        summary["store"] = store_results
    summary["goals_met"] = goals_met
    print()
    print("All goals met." if goals_met else "Some goals NOT met.")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="ketplan start-up ratios and roster throughput (issue 6).")
    parser.add_argument("--quick", action="store_true", help="a few processes only, to prove the script works (CI)")
    parser.add_argument("--runs", type=int, help="start-up runs per command (default 15; --quick 1)")
    parser.add_argument("--rows", type=int, help="rows of the large roster (default 2000; --quick 20)")
    parser.add_argument("--small-rows", type=int, help="rows of the small roster, for memory (default 200; --quick 4)")
    parser.add_argument("--ics-rows", type=int, help="rows of the ics roster (default 2000; --quick 2)")
    parser.add_argument(
        "--id-rows", type=int, help="ids for the id-check memory measurement (default 1000000; --quick 1000)"
    )
    parser.add_argument(
        "--stream-rows", type=int, help="rows of the refused-row streaming roster (default 1000000; --quick 200)"
    )
    parser.add_argument("--repeats", type=int, help="runs of each roster (default 3; --quick 1)")
    parser.add_argument(
        "--source", action="store_true", help="no bytecode cache: ketplan compiled on every start (--quick implies it)"
    )
    parser.add_argument("--store-courses", type=int, help="courses in the big store (default 5000; --quick 20)")
    parser.add_argument("--store-entries", type=int, help="entries in the big store (default 100000; --quick 400)")
    parser.add_argument("--startup-only", action="store_true", help="measure the start-up ratios only, not the roster")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is not met")
    parser.add_argument("--seed", type=int, default=6, help="seed of the run order shuffle")
    parser.add_argument(
        "--postgresql", action="store_true", help="then benchmarks/postgres.py: the PostgreSQL store against SQLite"
    )
    args = parser.parse_args(argv)
    quick = args.quick
    args.runs = args.runs or (1 if quick else 15)
    args.rows = args.rows or (20 if quick else 2000)
    args.small_rows = args.small_rows or (4 if quick else 200)
    args.ics_rows = args.ics_rows or (2 if quick else 2000)
    args.id_rows = args.id_rows or (1000 if quick else 1_000_000)
    args.stream_rows = args.stream_rows or (200 if quick else 1_000_000)
    args.repeats = args.repeats or (1 if quick else 3)
    args.store_courses = args.store_courses or (20 if quick else 5000)
    args.store_entries = args.store_entries or (400 if quick else 100000)
    if args.rows <= args.small_rows:
        parser.error("--rows must be larger than --small-rows")
    args.source = args.source or quick

    info = machine()
    workdir = Path(tempfile.mkdtemp(prefix="ketplan-bench-"))
    try:
        bench = Bench(workdir, args.source)
        times = start_up(bench, args.runs, args.seed, warm_up=not quick)
        batch_results = (
            None if args.startup_only else batch(bench, args.small_rows, args.rows, args.ics_rows, args.repeats)
        )
        if batch_results is not None:
            batch_results["id_check"] = id_check_memory(args.id_rows)
            batch_results["stream"] = stream_memory(bench, max(10, args.stream_rows // 100), args.stream_rows)
        store_results = (
            None
            if args.startup_only
            else store_benchmark(bench, args.store_courses, args.store_entries // args.store_courses, args.repeats)
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    summary = report(info, times, batch_results, args, store_results)
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    failed = args.check and not summary["goals_met"]
    if args.postgresql:  # issue 15: a local server, record vs SQLite and course list over 5,000 courses
        import postgres

        failed |= postgres.main((["--quick"] if quick else []) + (["--check"] if args.check else [])) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
