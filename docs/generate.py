"""Regenerate the example output in README.md from the program itself, so the two never drift.

Each block between `<!-- begin: ketplan ARGS -->` and `<!-- end -->` is replaced by the real
output of `ketplan ARGS` (no colour, 100 columns). `python docs/generate.py --check` exits 1
when README.md is out of date; tests/test_readme.py runs the same check.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"(<!-- begin: (?P<command>ketplan [^\n]*?) -->\n)(?P<body>.*?)(<!-- end -->)", re.DOTALL)
# A command ending in "# exit 2" is expected to fail: its stderr is shown too.
ENV = {"NO_COLOR": "1", "COLUMNS": "100", "TERM": "dumb", "TZ": "UTC", "SOURCE_DATE_EPOCH": "1798761600"}
# `course` examples share one treatment store, new for each render; "# today YYYY-MM-DD" sets the day.
TODAY = re.compile(r"# today (\d{4}-\d{2}-\d{2})")
_STORE: dict[str, str] = {}


def run(command: str) -> str:
    import os

    from typer.testing import CliRunner

    from ketplan.cli import app

    args = shlex.split(command.split(" # ")[0])[1:]
    here = os.getcwd()
    os.chdir(README.parent)  # example files are named relative to the repository
    try:
        env = dict(ENV, **_STORE)
        today = TODAY.search(command)
        if today:
            env["KETPLAN_NOW"] = f"{today[1]}T12:00:00Z"
        result = CliRunner().invoke(app, args, env=env)
    finally:
        os.chdir(here)
    if "# exit 2" in command:
        if result.exit_code != 2:
            raise SystemExit(f"README example should exit 2 but gave {result.exit_code}: {command}")
        return result.stdout + "".join(f"[stderr] {line}\n" for line in result.stderr.splitlines())
    if result.exit_code != 0:
        raise SystemExit(f"README example failed ({result.exit_code}): {command}\n{result.output}")
    return result.stdout


def render(text: str) -> str:
    def replace(match: re.Match) -> str:
        command = match["command"]
        output = run(command).rstrip("\n")
        output = "\n".join(line.rstrip() for line in output.splitlines())
        language = "json" if "--format json" in command else "text"
        body = f"```console\n$ {command}\n```\n```{language}\n{output}\n```\n"
        return f"{match.group(1)}{body}{match.group(4)}"

    import tempfile

    with tempfile.TemporaryDirectory(prefix="ketplan-readme-") as folder:
        _STORE["KETPLAN_DB"] = str(Path(folder) / "ketplan.db")
        try:
            return BLOCK.sub(replace, text)
        finally:
            _STORE.clear()


def main(argv: list[str]) -> int:
    current = README.read_text(encoding="utf-8")
    fresh = render(current)
    if "--check" in argv:
        if fresh != current:
            print("README.md is out of date: run python docs/generate.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
