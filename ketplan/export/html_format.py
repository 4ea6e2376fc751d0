"""The `html` format: a printable page. A plan prints as the patient handout
(ketplan.export.handout), a dose as the nurse's preparation sheet (ketplan.export.nurse_sheet).

What the page needs beyond the object comes from the caller through RenderOptions: `today`
(the "printed on" line) and, in `extra`, `clinic` (a ClinicContact from the clinic profile),
`paper` ("A4" or "letter"; none: the printer's paper, and both fit) and, for a course, `status`
(session number -> given/missed/cancelled)."""

from __future__ import annotations


def _extra(options) -> dict:
    return dict(getattr(options, "extra", {}) or {})


def render_plan(plan, options) -> str:
    from ketplan.export.handout import render_handout

    extra = _extra(options)
    return render_handout(
        plan,
        clinic=extra.get("clinic"),
        today=getattr(options, "today", None),
        paper=extra.get("paper"),
        status=extra.get("status"),
    )


def render_dose(dose, options) -> str:
    from ketplan.export.nurse_sheet import render_nurse_sheet

    extra = _extra(options)
    return render_nurse_sheet(
        dose,
        label=extra.get("label"),
        session_n=extra.get("session_n"),
        session_date=extra.get("session_date"),
        clinic=extra.get("clinic"),
        today=getattr(options, "today", None),
        paper=extra.get("paper"),
    )


def render_session(sheet, options) -> str:
    """A session of a stored course (ketplan.core.session_sheet.SessionSheet): the nurse's sheet
    for that session's own dose, with its label, date, protocol, weight date, cautions and notes."""
    from ketplan.export.html_page import short_date
    from ketplan.export.nurse_sheet import render_nurse_sheet

    extra = _extra(options)
    return render_nurse_sheet(
        sheet.dose,
        label=sheet.label,
        session_n=sheet.session_n,
        session_date=sheet.session_date,
        clinic=extra.get("clinic"),
        today=getattr(options, "today", None),
        paper=extra.get("paper"),
        protocol=sheet.protocol_id,
        weight_note=f"recorded {short_date(sheet.weight_recorded_on)}",
        cautions=sheet.cautions,
        notes=sheet.notes,
    )
