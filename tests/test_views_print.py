"""The handout and the nurse sheet printed by a real browser: headless Chromium prints each page to
PDF, poppler's pdfinfo counts the pages (one, on A4 and on US letter) and pdftotext finds every
session date. Skipped where Chromium or poppler-utils is missing (.ci/run installs them)."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from views_support import (
    CourseStore,
    chromium,
    esketamine_plan,
    iv_course,
    iv_plan,
    pdf_info,
    pdf_text,
    print_to_pdf,
    sc_course,
)

from ketplan.core.dosing import Sex, WeightBasis, weight_based_dose
from ketplan.export.handout import render_handout
from ketplan.export.html_page import ClinicContact
from ketplan.export.nurse_sheet import render_nurse_sheet

pytestmark = pytest.mark.skipif(
    chromium() is None or shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None,
    reason="needs Chromium and poppler-utils (apt-get install chromium poppler-utils)",
)

PAPER_POINTS = {"A4": "(A4)", "letter": "(letter)"}
CLINIC = ClinicContact("Riverside Mood Clinic", "+32 2 555 01 23", "Rue de la Loi 200, 1040 Brussels")
LONG_CLINIC = ClinicContact(
    "Hudson Valley Interventional Psychiatry and Ketamine Treatment Center",
    "(212) 555-0147",
    "1234 Very Long Avenue of the Americas, Suite 4500, New York, NY 10036-4000, United States",
)

HANDOUTS = {
    # 26 weeks, every 2 weeks from week 9: 21 visits, two moved off Belgian holidays.
    "esketamine-26w": lambda: esketamine_plan(),
    # 26 weeks, weekly from week 9: 30 visits, the most a 26-week esketamine plan has.
    "esketamine-26w-weekly": lambda: esketamine_plan(every=1),
    # New York holidays (three moved visits) and a long clinic name and address.
    "esketamine-26w-ny": lambda: esketamine_plan(
        every=1, tz="America/New_York", holidays="US-NY", start="2026-11-02", days="mon,thu"
    ),
    "iv-series": lambda: iv_plan(),
}


def _date_text(day: date) -> str:
    return f"{day.day} {day.strftime('%b %Y')}"


@pytest.mark.parametrize("paper", ["A4", "letter"])
@pytest.mark.parametrize("name", sorted(HANDOUTS))
def test_handout_prints_on_one_page_with_every_date(tmp_path, name, paper):
    plan = HANDOUTS[name]()
    clinic = LONG_CLINIC if name.endswith("-ny") else CLINIC
    pdf = print_to_pdf(render_handout(plan, clinic=clinic, today=date(2026, 11, 20), paper=paper), tmp_path, name)
    info = pdf_info(pdf)
    assert info["Pages"] == "1", info
    assert PAPER_POINTS[paper] in info["Page size"], info
    text = pdf_text(pdf)
    for session in plan.sessions:
        assert f"{session.date.strftime('%a')} {_date_text(session.date)}" in text, (session.n, session.date)
    assert plan.label in text
    assert clinic.phone in text


def test_handout_without_a_paper_size_prints_on_one_page(tmp_path):
    """No @page size: the browser's own paper (Chromium: US letter)."""
    plan = esketamine_plan(every=1)
    pdf = print_to_pdf(render_handout(plan), tmp_path, "no-paper")
    assert pdf_info(pdf)["Pages"] == "1"


NURSE_DOSES = {
    "70kg": lambda: weight_based_dose(weight_kg=70.0, weight_entered="70kg", mg_per_kg=0.5),
    "obese-adjusted": lambda: weight_based_dose(
        weight_kg=113.4,
        weight_entered="250lb",
        mg_per_kg=0.5,
        height_cm=167.6,
        sex=Sex.male,
        basis=WeightBasis.adjusted,
    ),
    # Six warnings: age 70, BMI >= 30 on actual weight, 1.0 mg/kg, 100 mg/mL, a long infusion.
    "warnings": lambda: weight_based_dose(
        weight_kg=120.0,
        weight_entered="120kg",
        mg_per_kg=1.0,
        height_cm=170.0,
        sex=Sex.female,
        age=70,
        minutes=120,
        concentration_mg_per_ml=100.0,
        final_volume_ml=250.0,
    ),
}


@pytest.mark.parametrize("paper", ["A4", "letter"])
@pytest.mark.parametrize("name", sorted(NURSE_DOSES))
def test_nurse_sheet_prints_on_one_page(tmp_path, name, paper):
    dose = NURSE_DOSES[name]()
    html = render_nurse_sheet(
        dose, label="P02", session_n=3, session_date=date(2026, 12, 14), clinic=CLINIC, paper=paper
    )
    pdf = print_to_pdf(html, tmp_path, f"nurse-{name}")
    info = pdf_info(pdf)
    assert info["Pages"] == "1", info
    assert PAPER_POINTS[paper] in info["Page size"], info
    text = pdf_text(pdf)
    volume = f"{dose.drug_volume_ml:.2f}" if dose.drug_volume_ml < 1 else f"{dose.drug_volume_ml:.1f}"
    for expected in (
        f"{dose.dose_mg:.1f} mg",
        f"{volume} mL",
        f"{dose.pump_rate_ml_per_h:.1f} mL/h",
        f"{dose.concentration_mg_per_ml:g} mg/mL",
        "Independently checked by",
        "Waste witnessed by",
        "Monday 14 December 2026",
    ):
        assert expected in text, expected
    for warning in dose.warnings:
        assert warning.split(":")[0] in text


# Age 70, BMI 41.5 on actual weight, 1.0 mg/kg, 120 mg, 100 mg/mL, a 120-minute infusion: six warnings.
HEAVY_IV = ("--weight", "120kg", "--height", "170cm", "--sex", "female", "--age", "70", "--mg-per-kg", "1.0",
            "--minutes", "120", "--concentration", "100", "--final-volume", "250")  # fmt: skip
# Courses in a store of their own: (make the course, label, session). The last one is the fullest
# page: six dose warnings, the session already recorded as given, and the notes.
COURSE_SHEETS = {
    "iv-session-3": (iv_course, "P02", 3),
    "sc-titration-session-3": (sc_course, "P04", 3),
    "iv-warnings-given": (
        lambda store, label: iv_course(store, label, *HEAVY_IV),
        "P08",
        2,
    ),
}


@pytest.mark.parametrize("paper", ["A4", "letter"])
@pytest.mark.parametrize("name", sorted(COURSE_SHEETS))
def test_course_session_sheet_prints_on_one_page(tmp_path, name, paper):
    """`ketplan course sheet`'s page (the `html` format of a course session) with a long clinic name."""
    from ketplan.export.formats import FORMATS, SESSION, RenderOptions, render
    from ketplan.export.html_page import long_date, short_date

    make, label, n = COURSE_SHEETS[name]
    store = CourseStore(tmp_path)
    make(store, label)
    sheet = store.sheet(label, n)
    options = RenderOptions(today=date(2026, 11, 9), extra={"clinic": LONG_CLINIC, "paper": paper})
    pdf = print_to_pdf(render(FORMATS["html"], SESSION, sheet, options), tmp_path, f"course-{name}")
    info = pdf_info(pdf)
    assert info["Pages"] == "1", info
    assert PAPER_POINTS[paper] in info["Page size"], info
    text = pdf_text(pdf)
    dose = sheet.dose
    volume = f"{dose.drug_volume_ml:.2f}" if dose.drug_volume_ml < 1 else f"{dose.drug_volume_ml:.1f}"
    for expected in (
        label,
        long_date(sheet.session_date),
        f"{dose.mg_per_kg:g} mg/kg",
        f"{dose.dose_mg:.1f} mg",
        f"{volume} mL",
        f"{dose.concentration_mg_per_ml:g} mg/mL",
        f"recorded {short_date(sheet.weight_recorded_on)}",
        sheet.protocol_id,
        "Independently checked by",
        "Waste witnessed by",
        "Printed Monday 9 November 2026",
    ):
        assert expected in text, expected
    if dose.pump_rate_ml_per_h is not None:
        assert f"{dose.pump_rate_ml_per_h:.1f} mL/h" in text
    for line in (*sheet.cautions, *dose.warnings, *sheet.notes):
        assert line.split(":")[0] in text, line


def test_the_readme_commands_print_on_one_page(tmp_path):
    """The README's commands, run as the installed program, write pages that print on one sheet."""
    import subprocess
    import sys
    from pathlib import Path

    ketplan = Path(sys.executable).parent / "ketplan"
    if not ketplan.exists():
        pytest.skip("the ketplan console script is not installed")
    commands = {
        "handout": [
            "plan",
            "--route",
            "intranasal",
            "--start",
            "2026-12-01",
            "--days",
            "tue,fri",
            "--tz",
            "Europe/Brussels",
            "--holidays",
            "BE",
            "--label",
            "P01",
            "--every",
            "1",
            "--format",
            "html",
        ],
        "nurse": ["dose", "--weight", "70kg", "--mg-per-kg", "0.5", "--format", "html"],
        "course-sheet": ["course", "sheet", "P02", "--session", "3", "--format", "html"],
    }
    import os

    env = {**os.environ, "KETPLAN_DB": str(tmp_path / "k.db"), "KETPLAN_NOW": "2026-11-09T12:00:00Z"}
    made = subprocess.run(
        [str(ketplan), "course", "new", "P02", "--route", "iv", "--weight", "70kg", "--start", "2026-11-02",
         "--days", "mon,thu", "--tz", "Europe/Brussels", "--weeks", "4", "--quiet"],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    for name, args in commands.items():
        target = tmp_path / f"{name}-cli.html"
        # `ketplan dose` has no --output: the page goes to stdout, as `> FILE` in the README.
        done = subprocess.run([str(ketplan), *args], capture_output=True, text=True, timeout=60, env=env)
        assert done.returncode == 0, done.stderr
        target.write_text(done.stdout, encoding="utf-8")
        pdf = print_to_pdf(target.read_text(encoding="utf-8"), tmp_path, f"{name}-cli")
        assert pdf_info(pdf)["Pages"] == "1", name
    assert "Tue 25 May 2027" in pdf_text(tmp_path / "handout-cli.pdf")  # the 30th visit
