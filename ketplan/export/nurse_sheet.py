"""The nurse's preparation record for one weight-based ketamine dose: one printable page.

Ketamine is a high-alert medicine and a controlled substance. The sheet carries what the
preparing nurse works from (weight, dosing-weight basis, mg/kg, dose, vial strength, volume to
draw, final volume, pump rate, infusion time), a blank column beside every number for the
second nurse's own, independently worked value, and the lines a controlled-substance record
needs: prepared by, independently checked by, times, vial lot, amount given, amount wasted and
the waste witness.

Pure: the dose (ketplan.core.dosing.WeightBasedDose), the label, the session and today's date are
passed in; nothing is computed here that the core did not compute.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ketplan.core.dosing import WeightBasedDose, format_number
from ketplan.export.html_page import FONT_STACK, ClinicContact, document, e, long_date

ROUTE_TITLE = {
    "iv": "Ketamine IV infusion",
    "im": "Ketamine intramuscular injection",
    "sc": "Ketamine subcutaneous injection",
    "oral": "Ketamine oral dose",
}
DISCLAIMER = "Clinical decision support only: not a substitute for clinical judgement or the product label."


def _num(value: float | None, unit: str, digits: int | None = None) -> str:
    if value is None:
        return "&ndash;"
    text = f"{value:.{digits}f}" if digits is not None else f"{value:g}"
    return f"{e(text)}&nbsp;{e(unit)}"


def _volume(ml: float | None) -> str:
    if ml is None:
        return "&ndash;"
    return _num(ml, "mL", 2 if ml < 1 else 1)


def _delivers(dose: WeightBasedDose) -> str:
    text = "dose ÷ vial strength"
    if dose.delivered_dose_mg is not None:
        text += f"; delivers {dose.delivered_dose_mg:.1f} mg"
        if dose.delivered_mg_per_kg is not None:
            text += f" ({dose.delivered_mg_per_kg:g} mg/kg)"
    return text


def order_rows(dose: WeightBasedDose, weight_note: str | None = None) -> list[tuple[str, str, str, bool]]:
    """(item, value as HTML, note, checked by the second nurse) in the order a nurse works.
    `weight_note` says where the weight comes from (a course: the day it was recorded)."""
    entered = f"entered as {dose.weight_entered}" + (" (no unit: read as kg)" if dose.weight_unit_assumed else "")
    if weight_note:
        entered += f"; {weight_note}"
    rows = [("Weight", _num(dose.weight_kg, "kg", 1), entered, True)]
    if dose.height_cm is not None:
        bmi = f"BMI {dose.bmi:.1f} kg/m²" if dose.bmi is not None else ""
        rows.append(("Height", _num(dose.height_cm, "cm", 1), bmi, False))
    basis = dose.dosing_weight_basis
    basis_note = f"{basis} weight"
    if basis != "actual" and dose.ideal_body_weight_kg is not None:
        basis_note += f"; ideal (Devine) {dose.ideal_body_weight_kg:.1f} kg"
        if basis == "adjusted":
            basis_note += " + 0.4 × (weight − ideal)"
    if dose.dosing_weight_basis_requested != basis:
        basis_note += f" ({dose.dosing_weight_basis_requested} asked; see warnings)"
    low, high = dose.mg_per_kg_range
    rows += [
        ("Dosing weight", _num(dose.dosing_weight_kg, "kg", 1), basis_note, True),
        (
            "Dose per kg",
            _num(dose.mg_per_kg, "mg/kg"),
            f"allowed {format_number(low)}–{format_number(high)} mg/kg",
            True,
        ),
        ("Dose", _num(dose.dose_mg, "mg", 1), "dose per kg × dosing weight", True),
    ]
    if dose.concentration_mg_per_ml is not None:
        rows += [
            ("Vial strength", _num(dose.concentration_mg_per_ml, "mg/mL"), "check the vial label", True),
            ("Volume to draw", _volume(dose.drug_volume_ml), _delivers(dose), True),
        ]
    if dose.route == "iv":
        rate = ""
        if dose.dose_rate_mg_per_h is not None:
            rate = f"volume ÷ time; {dose.dose_rate_mg_per_h:.1f} mg/h"
            if dose.dose_rate_mg_per_kg_per_h is not None:
                rate += f" = {dose.dose_rate_mg_per_kg_per_h:g} mg/kg/h"
        rows += [
            ("Final volume", _num(dose.final_volume_ml, "mL"), "after dilution (local policy)", True),
            ("Infusion time", _num(dose.infusion_minutes, "min"), "", True),
            ("Pump rate", _num(dose.pump_rate_ml_per_h, "mL/h", 1), rate, True),
        ]
    return rows


def render_nurse_sheet(
    dose: WeightBasedDose,
    *,
    label: str | None = None,
    session_n: int | None = None,
    session_date: date | None = None,
    clinic: ClinicContact | None = None,
    today: date | None = None,
    paper: str | None = None,
    protocol: str | None = None,
    weight_note: str | None = None,
    cautions: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> str:
    """The preparation record for `dose` as a self-contained HTML document.

    For a session of a stored course (ketplan.core.session_sheet): `protocol` (its id),
    `weight_note` (when the weight was recorded), `cautions` (shown first among the warnings:
    a titration step's condition, a session already recorded) and `notes` (what the session is)."""
    title = ROUTE_TITLE.get(dose.route, "Ketamine dose")
    body: list[str] = ['<header class="top"><div>']
    body.append(f"<h1>{e(title)}: preparation record</h1>")
    body.append(
        '<p class="alert">High-alert medicine &middot; Controlled substance (CIII) &middot; '
        "Independent double check</p>"
    )
    if protocol:
        body.append(f'<p class="proto"><span class="k">Protocol</span> {e(protocol)}</p>')
    body.append("</div>")
    if clinic is not None and clinic.name:
        body.append(f'<p class="clinic">{e(clinic.name)}</p>')
    body.append("</header>")

    label_html = f"<b>{e(label)}</b>" if label else '<span class="fill w30"></span>'
    session = ""
    if session_n is not None or session_date is not None:
        parts = []
        if session_n is not None:
            parts.append(str(session_n))
        if session_date is not None:
            parts.append(e(long_date(session_date)))
        session = f'<div><span class="k">Session</span> <b>{" &middot; ".join(parts)}</b></div>'
    else:
        session = '<div><span class="k">Date</span> <span class="fill w40"></span></div>'
    body.append(f'<section class="ids"><div><span class="k">Patient label</span> {label_html}</div>{session}</section>')

    body.append('<table class="order"><thead><tr><th>Item</th><th class="v">Prepared</th><th>How</th>')
    body.append('<th class="chk">Independent check<br><span>write your own value</span></th></tr></thead><tbody>')
    for item, value, note, checked in order_rows(dose, weight_note):
        cell = '<td class="chk"></td>' if checked else '<td class="chk na"></td>'
        body.append(f'<tr><th scope="row">{e(item)}</th><td class="v">{value}</td><td class="how">{e(note)}</td>{cell}')
        body.append("</tr>")
    body.append("</tbody></table>")

    warnings = [*cautions, *dose.warnings]
    if warnings:
        # Two columns from three warnings, smaller type from five: the sheet stays one page.
        many = " many" if len(warnings) > 2 else ""
        many += " lots" if len(warnings) > 4 else ""
        body.append(f'<section class="warn{many}"><h2>Warnings</h2><ul>')
        body.extend(f"<li>{e(w)}</li>" for w in warnings)
        body.append("</ul></section>")
    if notes:
        body.append('<section class="notes"><h2>This session</h2><ul>')
        body.extend(f"<li>{e(n)}</li>" for n in notes)
        body.append("</ul></section>")

    body.append('<section class="sign"><h2>Preparation and check</h2><table class="lines who">')
    body.append("<tr><th></th><th>Name</th><th>Signature</th><th>Time</th></tr>")
    for who in ("Prepared by", "Independently checked by", "Administered by"):
        body.append(f"<tr><th>{who}</th><td></td><td></td><td></td></tr>")
    body.append("</table></section>")

    started = "Infusion started" if dose.route == "iv" else "Given at"
    body.append('<section class="sign"><h2>Controlled-substance record</h2><table class="lines cs">')
    body.append('<tr><th>Vial lot number</th><td colspan="2"></td><th>Expiry</th><td colspan="2"></td></tr>')
    body.append(f'<tr><th>Drawn from vial</th><td>mg</td><td>mL</td><th>{started}</th><td colspan="2"></td></tr>')
    body.append("<tr><th>Given</th><td>mg</td><td>mL</td><th>Wasted</th><td>mg</td><td>mL</td></tr>")
    body.append(
        '<tr><th>Waste witnessed by</th><td colspan="2"></td><th>Witness signature, time</th><td colspan="2"></td></tr>'
    )
    body.append("</table></section>")

    printed = f"Printed {e(long_date(today))}. " if today is not None else ""
    body.append(
        f"<footer><p>{printed}Calculated by ketplan from the inputs above. {e(DISCLAIMER)} "
        "Keep with the controlled-substance register as local policy requires.</p></footer>"
    )
    css = CSS + COURSE_CSS if protocol or notes else CSS  # a plain dose's page stays as it was
    return document(f"{title}: preparation record", "\n".join(body) + "\n", css, paper=paper)


CSS = f"""@page {{ margin: 9mm 11mm; }}
* {{ box-sizing: border-box; }}
html {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
body {{ font-family: {FONT_STACK}; font-size: 10.5pt; line-height: 1.3; color: #111; margin: 0 auto;
  max-width: 186mm; }}
h1 {{ font-size: 17pt; margin: 0 0 1mm; }}
h2 {{ font-size: 11pt; margin: 0 0 1.5mm; text-transform: uppercase; letter-spacing: 0.5pt; color: #333; }}
p {{ margin: 0 0 1mm; }}
.top {{ display: flex; justify-content: space-between; align-items: flex-start; gap: 4mm;
  border-bottom: 1mm solid #111; padding-bottom: 2mm; margin-bottom: 3mm; }}
.alert {{ display: inline-block; background: #b00020; color: #fff; font-weight: bold; font-size: 9.5pt;
  padding: 0.8mm 2mm; border-radius: 1mm; margin: 0; }}
.clinic {{ font-weight: bold; text-align: right; max-width: 60mm; }}
.ids {{ display: flex; gap: 6mm; align-items: baseline; margin-bottom: 2.5mm; font-size: 11pt; flex-wrap: wrap; }}
.ids .right {{ margin-left: auto; }}
.ids b {{ font-size: 13pt; }}
.k {{ color: #444; font-size: 9pt; text-transform: uppercase; letter-spacing: 0.3pt; margin-right: 1mm; }}
.fill {{ display: inline-block; border-bottom: 0.3mm solid #111; height: 5mm; vertical-align: bottom; }}
.w30 {{ width: 30mm; }} .w40 {{ width: 40mm; }}
.box {{ display: inline-block; width: 4.5mm; height: 4.5mm; border: 0.4mm solid #111; vertical-align: middle; }}
table {{ border-collapse: collapse; width: 100%; }}
.order {{ margin-bottom: 3mm; }}
.order th, .order td {{ border: 0.3mm solid #888; padding: 0.7mm 2mm; text-align: left; vertical-align: middle; }}
.order thead th {{ background: #e8e8e8; font-size: 8.5pt; text-transform: uppercase; letter-spacing: 0.3pt; }}
.order thead th span {{ text-transform: none; font-weight: normal; letter-spacing: 0; }}
.order tbody th {{ width: 36mm; font-weight: bold; }}
.order td.v {{ width: 30mm; font-size: 12.5pt; font-weight: bold; white-space: nowrap;
  font-variant-numeric: tabular-nums; }}
.order td.how {{ color: #444; font-size: 9.5pt; }}
.order .chk {{ width: 42mm; }}
.order td.na {{ background: repeating-linear-gradient(135deg, #fff 0 2mm, #eee 2mm 4mm); }}
.warn {{ border: 0.5mm solid #b36b00; background: #fff6e5; padding: 1.2mm 3mm; margin-bottom: 2.5mm;
  font-size: 9.5pt; line-height: 1.25; }}
.warn h2 {{ margin-bottom: 0.8mm; }}
.warn.many ul {{ columns: 2; column-gap: 8mm; }}
.warn.lots {{ font-size: 8.5pt; line-height: 1.2; }}
.warn li {{ break-inside: avoid; }}
.warn ul {{ margin: 0; padding-left: 5mm; }}
.sign {{ margin-bottom: 3mm; }}
.lines th, .lines td {{ border: 0.3mm solid #888; padding: 0.8mm 2mm; height: 7.2mm; text-align: left;
  vertical-align: bottom; }}
.lines th {{ font-size: 9.5pt; width: 50mm; background: #f3f3f3; }}
.lines.who tr:first-child th:not(:first-child) {{ background: #e8e8e8; height: 6mm; font-size: 9pt; width: auto; }}
.lines.cs th {{ width: 34mm; background: #f3f3f3; font-size: 9.5pt; }}
.lines.cs td {{ text-align: right; color: #666; font-size: 9pt; width: 20mm; }}
footer {{ font-size: 8.5pt; color: #555; }}
@media print {{ body {{ max-width: none; }} }}
"""

# A course's session adds its protocol, cautions and notes: the signature rows give up a little height
# so that the page still prints on one sheet of A4 or US letter with every warning.
COURSE_CSS = """.top .proto { font-weight: bold; font-size: 10pt; margin: 1mm 0 0; }
.lines th, .lines td { height: 6.2mm; }
.order th, .order td { padding: 0.4mm 2mm; }
.sign { margin-bottom: 2mm; }
.notes { border: 0.3mm solid #888; padding: 1.2mm 3mm; margin-bottom: 2.5mm; font-size: 8.5pt;
  line-height: 1.2; }
.notes h2 { display: inline; margin-right: 1.5mm; font-size: 9pt; }
.notes ul, .notes li { display: inline; margin: 0; padding: 0; }
.notes li + li::before { content: " \\00b7  "; font-weight: bold; }
"""
