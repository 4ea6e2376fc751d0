"""How `ketplan plan --roster` looks on the terminal: per-row errors, a progress bar, a final
line and a summary of the plans' warnings, all on stderr (stdout carries only the output).

- Each failed row: `ketplan: error: roster line 6 (id P05): ...` (as it happens).
- On a terminal (stderr is a tty): a rich progress bar while the rows are planned, then
  `planned 1,998 of 2,000 (2 failed: lines 6, 10) → calendars/`.
- Not on a terminal: only the errors and, when rows failed, one summary line.
- For csv, ics and table output (where warnings are otherwise easy to miss), a warning summary:
  each distinct warning with the number of rows it applies to (less the protocols' standing
  warnings, which every patient on the protocol gets). jsonl carries them in each plan.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from ketplan.cli.errors import one_line, say

MAX_WARNINGS_SHOWN = 8
WARNING_WIDTH = 110


def count_rows(spec: str) -> int | None:
    """About how many rows the roster has (lines after the header), for the progress bar;
    None for stdin or an unreadable file (the bar then has no total)."""
    if spec == "-":
        return None
    try:
        with open(spec, "rb") as stream:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b""))
    except OSError:
        return None
    return max(lines - 1, 0)


def final_line(planned: int, total: int, failed_lines, failed: int, skipped: int, where: str | None) -> str:
    text = f"planned {planned:,} of {total:,}"
    notes = []
    if failed:
        more = ", ..." if failed > len(failed_lines) else ""
        word = "line" if failed == 1 else "lines"
        notes.append(f"{failed:,} failed: {word} {', '.join(map(str, failed_lines))}{more}")
    if skipped:
        notes.append(f"{skipped:,} skipped: output already there")
    if notes:
        text += f" ({'; '.join(notes)})"
    if where:
        text += f" → {where}"
    return text


def warning_summary(counts: Counter, rows: int) -> list[str]:
    out = []
    for text, count in counts.most_common(MAX_WARNINGS_SHOWN):
        shown = one_line(text)
        if len(shown) > WARNING_WIDTH:
            shown = shown[: WARNING_WIDTH - 1] + "…"
        out.append(f"ketplan: warning: {count} of {rows} rows: {shown}")
    if len(counts) > MAX_WARNINGS_SHOWN:
        out.append(f"ketplan: warning: ... and {len(counts) - MAX_WARNINGS_SHOWN} more (see each plan's warnings)")
    return out


def run_roster_view(spec: str, chosen, *, output=None, output_dir=None, **options) -> bool:
    """Run the roster, show its progress and outcome on stderr; True when any row failed."""
    from ketplan.app.roster import BatchResult, run_roster, summary

    result = BatchResult()
    counts: Counter = Counter()
    terminal = _is_terminal(sys.stderr)
    progress = task = None
    if terminal:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        progress = Progress(
            TextColumn("planning"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        task = progress.add_task("roster", total=count_rows(spec))
        progress.start()
    try:
        for outcome in run_roster(spec, chosen, output=output, output_dir=output_dir, **options):
            result.add(outcome)
            if outcome.planned:
                counts.update(dict.fromkeys(outcome.warnings, 1))
            elif not outcome.skipped:
                if progress is not None:
                    progress.console.print(
                        f"ketplan: error: roster line {outcome.line} ({outcome.who}): {one_line(outcome.error)}",
                        markup=False,
                        highlight=False,
                    )
                else:
                    say(f"roster line {outcome.line} ({outcome.who}): {outcome.error}")
            if progress is not None and task is not None:
                progress.advance(task)
    finally:
        if progress is not None:
            progress.stop()
    if chosen.name != "jsonl" and counts:
        for line in warning_summary(counts, result.planned):
            _err(line)
    if terminal:
        where = _where(output, output_dir)
        total = result.planned + result.failed + result.skipped
        _err(final_line(result.planned, total, result.failed_lines, result.failed, result.skipped, where))
    elif result.failed:
        say(summary(result))  # one printable line, like every other error
    return result.failed > 0


def _where(output, output_dir) -> str | None:
    if output_dir is not None:
        return f"{Path(output_dir)}/"
    if output is not None:
        return str(output)
    return None


def _err(line: str) -> None:
    try:
        print(line, file=sys.stderr)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False
