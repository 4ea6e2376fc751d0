"""Patient handout and nurse preparation sheet: goldens, self-containment, the patient's words,
privacy (the label only), and what each page must and must not say."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from views_support import check_golden, esketamine_plan, iv_plan

from ketplan.core.dosing import Sex, WeightBasis, weight_based_dose
from ketplan.core.protocol import parse_protocol
from ketplan.export.handout import PATIENT_WORDING, patient_instructions, plain_words, render_handout, visit_columns
from ketplan.export.html_page import ClinicContact, paper_css
from ketplan.export.nurse_sheet import order_rows, render_nurse_sheet

PROTOCOLS = sorted((Path(__file__).resolve().parent.parent / "protocols").glob("*.toml"))
CLINIC = ClinicContact("Riverside Mood Clinic", "+32 2 555 01 23", "Rue de la Loi 200, 1040 Brussels")
TODAY = date(2026, 11, 20)


def _text(html: str) -> str:
    """The visible text of a page: tags and the style sheet removed, entities read, spaces folded."""
    from html import unescape

    body = html.split("<body>", 1)[1]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body)).replace("\xa0", " "))


def assert_self_contained(html: str) -> None:
    lowered = html.lower()
    assert lowered.startswith("<!doctype html>")
    for forbidden in (
        "<script",
        "<img",
        "<link",
        "<iframe",
        "<object",
        "@import",
        "url(",
        "src=",
        "href=",
        "http:",
        "https:",
        "//",
    ):
        assert forbidden not in lowered, forbidden
    assert "default-src 'none'" in html  # a browser opening the file fetches nothing


# --------------------------------------------------------------------------- handout


def test_golden_handout_esketamine():
    html = render_handout(esketamine_plan(), clinic=CLINIC, today=TODAY, paper="A4")
    check_golden("handout-esketamine.html", html)


def test_golden_handout_iv_without_clinic():
    check_golden("handout-iv.html", render_handout(iv_plan()))


def test_handout_is_self_contained():
    assert_self_contained(render_handout(esketamine_plan(), clinic=CLINIC, today=TODAY))
    assert_self_contained(render_handout(iv_plan()))


def test_handout_lists_every_visit_with_its_time():
    plan = esketamine_plan(every=1)
    text = _text(render_handout(plan, clinic=CLINIC))
    assert f"{len(plan.sessions)} visits" in text
    for s in plan.sessions:
        assert f"{s.date.strftime('%a')} {s.date.day} {s.date.strftime('%b %Y')}" in text
    assert "Every visit starts at 09:00" in text
    assert "go home from about 11:05" in text  # 56 mg: 5 min for two devices + 2 h


def test_handout_says_what_to_do_in_a_patients_words():
    text = _text(render_handout(esketamine_plan(), clinic=CLINIC))
    # Before: food 2 h, liquids 30 min, nasal sprays 1 h; as clock times for a 09:00 visit.
    assert "07:00 Do not eat for 2 hours before your treatment." in text
    assert "08:30 Do not drink anything for 30 minutes before your treatment." in text
    assert "08:00 If you use a steroid or decongestant nose spray" in text
    assert "Ask someone to take you home." in text
    assert "until the next day, after a good night's sleep" in text
    assert "at least 2 hours and 5 minutes" in text
    assert "Call the clinic on +32 2 555 01 23" in text
    assert "Rue de la Loi 200" in text
    # The clinician's words and the care team's business stay off the patient's page.
    for word in ("dosing", "REMS", "mg", "observation", "Boxed", "spravatohcp", "label", "Janssen", "doi"):
        assert word.lower() not in text.lower().replace("patient code", ""), word


def test_handout_shows_the_label_only():
    text = _text(render_handout(esketamine_plan(label="P07")))
    assert "Patient code: P07" in text
    assert "name" not in text.lower().replace("name:", "")  # no line asking for the patient's name
    unlabelled = render_handout(esketamine_plan(label=None))
    assert 'class="blankline"' in unlabelled


def test_handout_without_clinic_leaves_lines_to_fill_in():
    text = _text(render_handout(esketamine_plan()))
    assert "Your clinic" in text and "Phone:" in text
    assert "Call the clinic if you cannot come" in text


def test_handout_escapes_what_it_is_given():
    clinic = ClinicContact("<b>Dr & Co</b>", "555 <0147>", 'A "quoted" street')
    html = render_handout(esketamine_plan(label="P<1>&"), clinic=clinic)
    assert "&lt;b&gt;Dr &amp; Co&lt;/b&gt;" in html
    assert "P&lt;1&gt;&amp;" in html
    assert "<b>Dr" not in html


def test_handout_marks_the_record():
    html = render_handout(esketamine_plan(), status={1: "given", 2: "missed"})
    assert '<tr class="given"><td class="n">1</td>' in html
    assert '<tr class="missed"><td class="n">2</td>' in html
    assert "&#10003;" in html


def test_moved_visits_say_why_in_plain_words():
    text = _text(render_handout(esketamine_plan()))
    assert "day changed: Christmas Day" in text
    assert "day changed: 2 days between visits" in text


def test_visit_columns():
    assert visit_columns(8, True) == 1
    assert visit_columns(21, True) == 2
    assert visit_columns(30, True) == 3
    assert visit_columns(12, False) == 1
    assert visit_columns(30, False) == 2


@pytest.mark.parametrize("path", PROTOCOLS, ids=lambda p: p.stem)
def test_every_shipped_instruction_has_a_patient_wording(path):
    """A changed instruction in a shipped protocol must be reworded for patients on purpose."""
    protocol = parse_protocol(path.read_text(encoding="utf-8"), path.name)
    for item in protocol.instructions:
        assert item.text in PATIENT_WORDING, f"{path.name}: no patient wording for {item.text!r}"
    groups = patient_instructions(protocol)
    assert groups["home"], f"{path.name}: nothing about going home"


def test_a_clinics_own_protocol_is_shown_in_its_own_words():
    assert plain_words("No food for at least 3 hours before dosing.") == (
        "No food for at least 3 hours before your treatment."
    )
    assert plain_words("Arrange a ride home; no hazardous activity after the dose.") == (
        "Arrange a ride home. No dangerous activity after your treatment."
    )


def test_paper_sizes():
    assert paper_css("A4") == "@page { size: A4; }\n"
    assert paper_css("Letter") == "@page { size: letter; }\n"
    assert paper_css(None) == ""
    with pytest.raises(ValueError):
        paper_css("A5")


# --------------------------------------------------------------------------- nurse sheet


def _adjusted_dose():
    return weight_based_dose(
        weight_kg=113.4,
        weight_entered="250lb",
        mg_per_kg=0.5,
        height_cm=167.6,
        sex=Sex.male,
        basis=WeightBasis.adjusted,
    )


def test_golden_nurse_sheet_70kg():
    dose = weight_based_dose(weight_kg=70.0, weight_entered="70kg", mg_per_kg=0.5)
    check_golden("nurse-70kg.html", render_nurse_sheet(dose, label="P02", today=date(2026, 12, 14), paper="A4"))


def test_golden_nurse_sheet_adjusted_weight_for_a_session():
    html = render_nurse_sheet(
        _adjusted_dose(), label="P02", session_n=3, session_date=date(2026, 12, 14), clinic=CLINIC
    )
    check_golden("nurse-adjusted-session.html", html)


def test_nurse_sheet_has_every_number_and_every_line():
    dose = _adjusted_dose()
    html = render_nurse_sheet(dose, label="P02")
    assert_self_contained(html)
    text = _text(html)
    for expected in (
        "Weight 113.4 kg entered as 250lb",
        "Dosing weight 83.6 kg adjusted weight; ideal (Devine) 63.8 kg",
        "Dose per kg 0.5 mg/kg allowed 0.1–1.0 mg/kg",
        "Dose 41.8 mg",
        "Vial strength 10 mg/mL",
        "Volume to draw 4.2 mL",
        "Final volume 100 mL",
        "Infusion time 40 min",
        "Pump rate 150.0 mL/h",
        "Prepared by",
        "Independently checked by",
        "Vial lot number",
        "Wasted",
        "Waste witnessed by",
        "Witness signature",
        "Controlled substance",
        "P02",
    ):
        assert expected in text, expected
    assert dose.dose_mg == 41.8 and dose.drug_volume_ml == 4.2 and dose.pump_rate_ml_per_h == 150.0


def test_nurse_sheet_rows_follow_the_route():
    im = weight_based_dose(weight_kg=70.0, mg_per_kg=0.5, route="im")
    items = [row[0] for row in order_rows(im)]
    assert "Volume to draw" in items and "Pump rate" not in items and "Final volume" not in items
    assert "Given at" in render_nurse_sheet(im)
    oral = weight_based_dose(weight_kg=70.0, mg_per_kg=0.5, route="oral")
    assert [row[0] for row in order_rows(oral)][-1] == "Dose"


def test_nurse_sheet_shows_the_dose_warnings():
    dose = weight_based_dose(weight_kg=70.0, mg_per_kg=0.5, concentration_mg_per_ml=100.0, final_volume_ml=100.0)
    html = render_nurse_sheet(dose)
    assert dose.warnings
    for warning in dose.warnings:
        assert warning in _text(html)


# --------------------------------------------------------------------------- the commands

EPOCH = "1795003200"  # 2026-11-18T12:00:00Z: "today" for the printed-on line


def test_plan_format_html_command(runner, tmp_path):
    from ketplan.cli import app

    args = [
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
        "--format",
        "html",
    ]
    result = runner.invoke(app, args, env={"SOURCE_DATE_EPOCH": EPOCH})
    assert result.exit_code == 0, result.stderr
    assert result.stdout == render_handout(esketamine_plan(), today=date(2026, 11, 18))
    target = tmp_path / "p01.html"
    again = runner.invoke(app, [*args, "--output", str(target)], env={"SOURCE_DATE_EPOCH": EPOCH})
    assert again.exit_code == 0 and target.read_text(encoding="utf-8") == result.stdout
    refused = runner.invoke(app, [*args, "--output", str(target)])
    assert refused.exit_code == 2  # never overwritten without --force


def test_dose_format_html_command(runner):
    from ketplan.cli import app

    result = runner.invoke(app, ["dose", "--weight", "70kg", "--format", "html"], env={"SOURCE_DATE_EPOCH": EPOCH})
    assert result.exit_code == 0, result.stderr
    dose = weight_based_dose(weight_kg=70.0, weight_entered="70kg", mg_per_kg=0.5)
    assert result.stdout == render_nurse_sheet(dose, today=date(2026, 11, 18))


def test_html_is_refused_where_it_does_not_apply(runner):
    from ketplan.cli import app

    result = runner.invoke(app, ["plan", "--roster", "-", "--format", "html"], input="id,route,start\n")
    assert result.exit_code == 2
    assert "html" in result.stderr
