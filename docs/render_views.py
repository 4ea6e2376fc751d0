"""Render the README's pictures of the printable pages: docs/handout.png and docs/nurse-sheet.png.

Each page is rendered by ketplan from fixed inputs, printed to PDF by headless Chromium (as
tests/test_views_print.py does) and page 1 is turned into a PNG by poppler's pdftoppm:

    python docs/render_views.py            # needs chromium and poppler-utils

The HTML files are written next to the pictures (docs/handout.html, docs/nurse-sheet.html), so
the README can link to the real page as well as its picture.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT / "tests"))


def pages() -> dict[str, str]:
    from views_support import esketamine_plan

    from ketplan.core.dosing import weight_based_dose
    from ketplan.export.handout import render_handout
    from ketplan.export.html_page import ClinicContact
    from ketplan.export.nurse_sheet import render_nurse_sheet

    clinic = ClinicContact("Riverside Mood Clinic", "+32 2 555 01 23", "Rue de la Loi 200, 1040 Brussels")
    dose = weight_based_dose(weight_kg=70.0, weight_entered="70kg", mg_per_kg=0.5)
    return {
        "handout": render_handout(esketamine_plan(), clinic=clinic, today=date(2026, 11, 20), paper="A4"),
        "nurse-sheet": render_nurse_sheet(
            dose, label="P02", session_n=3, session_date=date(2026, 12, 14), clinic=clinic, paper="A4"
        ),
    }


def main() -> int:
    from views_support import chromium, print_to_pdf

    if chromium() is None or shutil.which("pdftoppm") is None:
        print("needs chromium and poppler-utils (apt-get install chromium poppler-utils)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        for name, html in pages().items():
            (DOCS / f"{name}.html").write_text(html, encoding="utf-8")
            pdf = print_to_pdf(html, Path(folder), name)
            subprocess.run(
                ["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(DOCS / name)],
                check=True,
                timeout=60,
            )
            print(f"wrote docs/{name}.png and docs/{name}.html")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
