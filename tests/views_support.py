"""Fixed plans and golden-file checks shared by the view tests (month, handout, nurse sheet, load)."""

from __future__ import annotations

import os
from pathlib import Path

from helpers import fail_with_golden_diff

from ketplan.app.planning import PlanOptions, plan_from_text

GOLDEN = Path(__file__).resolve().parent / "golden" / "views"
UPDATE = os.environ.get("KETPLAN_UPDATE_GOLDEN") == "1"


def esketamine_plan(**overrides):
    """26 weeks of esketamine from Tue 1 Dec 2026, tue,fri, Belgian holidays (two moved sessions)."""
    values = {
        "route": "intranasal",
        "start": "2026-12-01",
        "days": "tue,fri",
        "tz": "Europe/Brussels",
        "holidays": "BE",
        "label": "P01",
    }
    values.update(overrides)
    return plan_from_text(PlanOptions(**values), default_zone="UTC")


def iv_plan(**overrides):
    values = {
        "route": "iv",
        "start": "2026-12-07",
        "days": "mon,thu",
        "tz": "America/New_York",
        "holidays": "US-NY",
        "weight": "70kg",
        "label": "P02",
    }
    values.update(overrides)
    return plan_from_text(PlanOptions(**values), default_zone="UTC")


class CourseStore:
    """`ketplan course ...` through CliRunner on a store of its own, with the clock fixed."""

    def __init__(self, folder: Path, now: str = "2026-11-09T12:00:00Z"):
        self.db, self.now = folder / "courses.db", now

    def __call__(self, *args: str, now: str | None = None):
        from typer.testing import CliRunner

        from ketplan.cli import app

        env = {"KETPLAN_DB": str(self.db), "KETPLAN_NOW": now or self.now, "TZ": "UTC", "NO_COLOR": "1"}
        return CliRunner().invoke(app, ["course", *args], env=env)

    def ok(self, *args: str, now: str | None = None) -> str:
        result = self(*args, now=now)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result.stdout

    def sheet(self, label: str, session: int):
        """The SessionSheet of `label`'s session, as `course sheet` computes it."""
        from ketplan.app.course import session_sheet
        from ketplan.io.store import open_store

        store = open_store(str(self.db), create=False)
        try:
            return session_sheet(store, label, session)
        finally:
            store.close()


def iv_course(store: CourseStore, label: str = "P02", *extra: str) -> None:
    """IV 70 kg twice weekly from Mon 2 Nov 2026 (8 infusions), sessions 1 and 2 given as planned."""
    store.ok("new", label, "--route", "iv", "--weight", "70kg", "--start", "2026-11-02", "--days", "mon,thu",
             "--tz", "Europe/Brussels", "--weeks", "4", *extra, "--quiet", now="2026-11-02T08:00:00Z")  # fmt: skip
    store.ok("record", label, "--sessions", "1-2", "--given")


def sc_course(store: CourseStore, label: str = "P04", *extra: str) -> None:
    """SC 70 kg, KADS response-guided 0.5/0.6/0.75/0.9 mg/kg twice weekly from Tue 3 Nov 2026;
    sessions 1 (0.5 mg/kg) and 2 (0.6 mg/kg) given as planned."""
    store.ok("new", label, "--route", "sc", "--weight", "70kg", "--start", "2026-11-03", "--days", "tue,fri",
             "--tz", "Europe/Brussels", *extra, "--quiet", now="2026-11-02T08:00:00Z")  # fmt: skip
    store.ok("record", label, "--sessions", "1-2", "--given")


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE or not path.exists():
        if not UPDATE:
            raise AssertionError(f"{path} is missing: run with KETPLAN_UPDATE_GOLDEN=1, review it, commit it")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    golden = path.read_text(encoding="utf-8")
    if golden != actual:
        fail_with_golden_diff(golden, actual, golden_name=str(path), actual_name="rendered", what=name)


# --------------------------------------------------------------------------- real printing

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
)


def chromium() -> str | None:
    import shutil

    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def print_to_pdf(html: str, folder: Path, name: str) -> Path:
    """Print `html` with headless Chromium, as a browser's File > Print would, and return the PDF."""
    import subprocess
    import tempfile

    source = folder / f"{name}.html"
    source.write_text(html, encoding="utf-8")
    pdf = folder / f"{name}.pdf"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf}", source.as_uri()],
            capture_output=True,
            timeout=120,
            check=False,
        )
    assert pdf.exists() and pdf.stat().st_size > 0, f"chromium wrote no PDF for {source}"
    return pdf


def pdf_info(pdf: Path) -> dict[str, str]:
    import subprocess

    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=30, check=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def pdf_text(pdf: Path) -> str:
    """The PDF's text with runs of white space as one space (table cells come out spaced)."""
    import re
    import subprocess

    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, timeout=30, check=True).stdout
    return re.sub(r"\s+", " ", out)
