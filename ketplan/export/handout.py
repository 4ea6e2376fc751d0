"""The patient's page: one printable sheet with the visit dates and what to do around them.

Written for the patient, not the clinician: plain words, short sentences, the visit dates and
times large, what to do before each visit and on the way home, how long a visit takes, whom to
call. The pseudonymous label only (never a name, and no line asking for one); no doses, no
clinical references, no REMS checkpoints: those are the care team's.

Pure: the plan, the clinic's contact details and today's date (for the "printed on" line) are
passed in. The instructions are the protocol's own, each reworded for a patient where ketplan
ships a wording for it (`PATIENT_WORDING`); a protocol file of the clinic's own is shown with its
own text, lightly reworded (`plain_words`).

A 26-week esketamine plan (21 to 30 visits) fits one A4 or US-letter page: when every visit starts
at the same time the time is said once and the visits take up to three columns (`visit_columns`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from ketplan.export.html_page import FONT_STACK, ClinicContact, document, e, long_date

# What the treatment is, in a patient's words, by route.
TREATMENT = {
    "intranasal": ("esketamine nasal spray", "the nasal spray"),
    "iv": ("ketamine drip (infusion into a vein)", "the drip"),
    "im": ("ketamine injection into a muscle", "the injection"),
    "sc": ("ketamine injection under the skin", "the injection"),
    "oral": ("ketamine taken by mouth", "the medicine"),
}

BEFORE, GOING_HOME, STAYING = "before", "home", "stay"

# The shipped protocols' instructions in a patient's words: (where it goes on the page, text).
# An instruction with a time before the treatment is shown after the clock time it sets (07:00).
# tests/test_views_handout.py checks that every instruction of every shipped protocol is here, so a
# changed instruction is reworded on purpose, never silently shown in the clinician's words.
PATIENT_WORDING: dict[str, tuple[str, str]] = {
    "No food for at least 2 hours before dosing.": (BEFORE, "Do not eat for 2 hours before your treatment."),
    "No liquids for at least 30 minutes before dosing.": (
        BEFORE,
        "Do not drink anything for 30 minutes before your treatment.",
    ),
    "Take any nasal corticosteroid or nasal decongestant at least 1 hour before dosing.": (
        BEFORE,
        "If you use a steroid or decongestant nose spray, use it at least 1 hour before your treatment.",
    ),
    "Arrange a ride home; no driving, machinery or hazardous activity until the next day after a restful sleep.": (
        GOING_HOME,
        "Ask someone to take you home. Do not drive, use machines or do anything dangerous until the next "
        "day, after a good night's sleep.",
    ),
    "Expect at least 2 hours of observation at the clinic after the dose.": (
        STAYING,
        "After your treatment you stay at the clinic for at least 2 hours, so the staff can check on you.",
    ),
    "Come with a responsible adult who will take you home. No driving, alcohol, legal decisions or sole care of "
    "dependants until the next morning.": (
        GOING_HOME,
        "Come with an adult who can take you home. Until the next morning: do not drive, do not drink "
        "alcohol, do not sign important papers, and do not look after children or others on your own.",
    ),
    "Expect to stay about 1 hour after the infusion if a responsible adult takes you home, and at least 2 hours "
    "if not.": (
        STAYING,
        "After the drip you stay about 1 hour if an adult takes you home, and at least 2 hours if not.",
    ),
    "Arrange a ride home; no driving or anything else that could be dangerous for 24 hours after the dose.": (
        GOING_HOME,
        "Ask someone to take you home. Do not drive or do anything dangerous for 24 hours after your treatment.",
    ),
}

_PLAIN = (
    (r"\bbefore dosing\b", "before your treatment"),
    (r"\bafter (the )?dos(e|ing)\b", "after your treatment"),
    (r"\bdosing days?\b", "treatment days"),
    (r"\bhazardous\b", "dangerous"),
    (r"\bmachinery\b", "machines"),
    (r"\bnasal corticosteroid\b", "steroid nose spray"),
    (r"\bnasal decongestant\b", "decongestant nose spray"),
    (r"\bobservation\b", "rest and checks"),
)

TWO_COLUMNS_FROM = 13  # visits: from this many, the table is split into two columns


def plain_words(text: str) -> str:
    """A clinician's instruction a little nearer a patient's words (for protocols ketplan does not
    ship a wording for): 'before dosing' -> 'before your treatment', and so on."""
    out = text
    for pattern, replacement in _PLAIN:
        out = re.sub(pattern, replacement, out, flags=re.IGNORECASE)
    return out.replace("; ", ". ").replace(". no ", ". No ")


def patient_instructions(protocol) -> dict[str, list[tuple[str, int | None]]]:
    """The protocol's instructions grouped for the page: {before|home|stay: [(text, minutes before)]}."""
    groups: dict[str, list[tuple[str, int | None]]] = {BEFORE: [], GOING_HOME: [], STAYING: []}
    for item in protocol.instructions:
        if item.text in PATIENT_WORDING:
            where, text = PATIENT_WORDING[item.text]
        else:
            text = plain_words(item.text)
            lowered = item.text.lower()
            if item.before_minutes is not None:
                where = BEFORE
            elif "stay" in lowered or "observ" in lowered:
                where = STAYING
            else:
                where = GOING_HOME
        groups[where].append((text, item.before_minutes))
    return groups


def _clock(moment) -> str:
    return moment.strftime("%H:%M")


def _minus(clock_text: str, minutes: int) -> str:
    hours, mins = map(int, clock_text.split(":"))
    total = (hours * 60 + mins - minutes) % (24 * 60)
    return f"{total // 60:02d}:{total % 60:02d}"


def _duration(minutes: int) -> str:
    hours, mins = divmod(int(minutes), 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if mins:
        parts.append(f"{mins} minute{'s' if mins != 1 else ''}")
    return " and ".join(parts) or "a few minutes"


def _moved_note(session) -> str:
    """Why a visit is not on its usual day, in a patient's words."""
    reason = session.reason or ""
    holiday = re.search(r"public holiday \(([^)]*)\)", reason)
    if holiday:
        return f"day changed: {holiday.group(1).split(';')[0]}"
    if "skipped" in reason or "closed" in reason:
        return "day changed: clinic closed"
    if "gap" in reason:
        return "day changed: 2 days between visits"
    return "day changed"


def _visit_rows(sessions, status: Mapping[int, str], with_time: bool) -> str:
    rows = []
    for s in sessions:
        state = status.get(s.n, "planned")
        note = f'<span class="note">{e(_moved_note(s))}</span>' if s.moved_from else ""
        done = {"given": "&#10003;", "missed": "missed", "cancelled": "cancelled"}.get(state, "")
        time_cell = (
            f'<td class="time">{e(_clock(s.start))}<span class="until">&ndash;{e(_clock(s.end))}</span></td>'
            if with_time
            else ""
        )
        rows.append(
            f'<tr class="{e(state)}"><td class="n">{s.n}</td>'
            f'<td class="date"><span class="wd">{e(s.date.strftime("%a"))}</span> {s.date.day} '
            f"{e(s.date.strftime('%b %Y'))}{note}</td>{time_cell}"
            f'<td class="done">{done}</td></tr>'
        )
    time_head = '<th class="time">Time</th>' if with_time else ""
    number = "Visit" if with_time else "#"
    head = f'<thead><tr><th class="n">{number}</th><th>Date</th>{time_head}<th class="done" title="Done">&#10003;</th></tr></thead>'
    return f'<table class="visits">{head}<tbody>{"".join(rows)}</tbody></table>'


def visit_columns(count: int, same_time: bool) -> int:
    """How many side-by-side columns the visit table takes. When every visit starts at the same
    time, the time is said once above the table and three narrow columns fit across the page."""
    if same_time:
        return 1 if count <= 10 else 2 if count <= 22 else 3
    return 1 if count < TWO_COLUMNS_FROM else 2


def _split(sessions: list, columns: int) -> list[list]:
    """Consecutive runs of about equal height: a visit with a "day changed" note is taller."""
    heights = [1.45 if s.moved_from else 1.0 for s in sessions]
    total = sum(heights)
    out: list[list] = [[]]
    running = 0.0
    for session, height in zip(sessions, heights, strict=True):
        if len(out) < columns and out[-1] and running + height / 2 > total * len(out) / columns:
            out.append([])
        out[-1].append(session)
        running += height
    return out


def _visits(plan, status: Mapping[int, str], same_time: bool) -> str:
    sessions = list(plan.sessions)
    columns = visit_columns(len(sessions), same_time)
    tables = "".join(_visit_rows(part, status, not same_time) for part in _split(sessions, columns))
    return f'<div class="cols c{columns}">{tables}</div>'


def _zone_words(zone: str) -> str:
    city = zone.rsplit("/", 1)[-1].replace("_", " ")
    return f"{city} time" if "/" in zone else zone


def _contact(clinic: ClinicContact | None) -> str:
    if clinic is None or clinic.empty:
        return (
            '<div class="contact blank"><p><b>Your clinic</b></p>'
            '<p class="line">Name: </p><p class="line">Phone: </p></div>'
        )
    parts = ['<div class="contact">']
    parts.append(f"<p><b>{e(clinic.name or 'Your clinic')}</b></p>")
    if clinic.phone:
        parts.append(f'<p class="phone">Phone: {e(clinic.phone)}</p>')
    if clinic.address:
        parts.append(f'<p class="address">{e(clinic.address)}</p>')
    parts.append("</div>")
    return "".join(parts)


def render_handout(
    plan,
    *,
    clinic: ClinicContact | None = None,
    today: date | None = None,
    paper: str | None = None,
    status: Mapping[int, str] | None = None,
) -> str:
    """The patient handout for `plan` as a self-contained HTML document."""
    status = dict(status or {})
    route = plan.protocol.route.value
    what, short = TREATMENT.get(route, ("treatment", "the treatment"))
    groups = patient_instructions(plan.protocol)
    sessions = plan.sessions
    starts = {_clock(s.start) for s in sessions}
    one_time = next(iter(starts)) if len(starts) == 1 else None
    administration = max(s.administration_minutes for s in sessions)
    observation = max(s.observation_minutes for s in sessions)
    visit_minutes = administration + observation

    body: list[str] = ['<header class="top">', '<div class="who">']
    body.append("<h1>Your treatment visits</h1>")
    body.append(f'<p class="what">{e(what[0].upper() + what[1:])}</p>')
    label = e(plan.label) if plan.label else '<span class="blankline"></span>'
    body.append(f'<p class="label">Patient code: <b>{label}</b></p>')
    body.append("</div>")
    body.append(_contact(clinic))
    body.append("</header>")

    first, last = sessions[0], sessions[-1]
    body.append(
        f'<p class="span">{len(sessions)} visits, from <b>{e(long_date(first.date))}</b> to '
        f"<b>{e(long_date(last.date))}</b>. Times are {e(_zone_words(plan.timezone))}.</p>"
    )
    if one_time is not None:
        home = {_clock(s.end) for s in sessions}
        earliest = f" You can go home from about <b>{e(max(home))}</b>." if home else ""
        body.append(f'<p class="every">Every visit starts at <b class="big">{e(one_time)}</b>.{earliest}</p>')
    else:
        body.append('<p class="every">Each row shows when the visit starts and the earliest time you can go home.</p>')
    body.append(_visits(plan, status, one_time is not None))

    body.append('<section class="advice">')
    at = f' <span class="at">at {e(one_time)}</span>' if one_time and groups[BEFORE] else ""
    body.append(f'<div class="box wide"><h2>Before each visit{at}</h2><ul>')
    # Earliest first: the clock time each one sets for the visit's start, as a badge before it.
    for text, minutes in sorted(groups[BEFORE], key=lambda item: -(item[1] or 0)):
        if minutes is not None and one_time is not None:
            body.append(f'<li class="timed"><b class="clock">{e(_minus(one_time, minutes))}</b> {e(text)}</li>')
        else:
            body.append(f"<li>{e(text)}</li>")
    body.append("<li>Bring this sheet and a list of the medicines you take.</li>")
    body.append("</ul></div>")

    body.append('<div class="box wide"><h2>At the clinic</h2><ul>')
    body.append(f"<li>Plan for at least <b>{e(_duration(visit_minutes))}</b> at the clinic.</li>")
    if administration:
        rest = "" if groups[STAYING] else " Then you rest while the staff check on you."
        body.append(f"<li>{e(short[0].upper() + short[1:])} takes about {e(_duration(administration))}.{rest}</li>")
    for text, _ in groups[STAYING]:
        body.append(f"<li>{e(text)}</li>")
    body.append("</ul></div>")

    body.append('<div class="box"><h2>Going home</h2><ul>')
    for text, _ in groups[GOING_HOME]:
        body.append(f"<li>{e(text)}</li>")
    body.append("</ul></div>")
    body.append("</section>")

    phone = f" on <b>{e(clinic.phone)}</b>" if clinic and clinic.phone else ""
    body.append(
        '<section class="call"><h2>When to call</h2><p>'
        f"Call the clinic{phone} if you cannot come to a visit, if you have questions, or if you feel unwell "
        "after a visit. <b>If you have thoughts of harming yourself, or feel you are in danger, call the clinic "
        "straight away or your local emergency number.</b></p></section>"
    )
    printed = f" Printed {e(long_date(today))}." if today is not None else ""
    body.append(
        f"<footer><p>This plan can change: your care team will tell you if it does.{printed} Made with ketplan.</p>"
        "</footer>"
    )
    title = f"Treatment visits: {plan.label}" if plan.label else "Treatment visits"
    return document(title, "\n".join(body) + "\n", CSS, paper=paper)


CSS = f"""@page {{ margin: 9mm 12mm; }}
* {{ box-sizing: border-box; }}
html {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
body {{ font-family: {FONT_STACK}; font-size: 11.5pt; line-height: 1.3; color: #111; margin: 0 auto;
  max-width: 186mm; }}
h1 {{ font-size: 21pt; margin: 0 0 1mm; letter-spacing: -0.2pt; }}
h2 {{ font-size: 12.5pt; margin: 0 0 1.5mm; }}
p {{ margin: 0 0 1.5mm; }}
.top {{ display: flex; justify-content: space-between; align-items: flex-start; gap: 6mm;
  border-bottom: 1.2mm solid #1f4e79; padding-bottom: 2mm; margin-bottom: 2mm; }}
.what {{ font-size: 13pt; margin: 0 0 1mm; }}
.label {{ font-size: 12pt; margin: 0; }}
.label b {{ font-size: 14pt; letter-spacing: 0.5pt; }}
.blankline {{ display: inline-block; width: 30mm; border-bottom: 0.3mm solid #111; }}
.contact {{ border: 0.4mm solid #1f4e79; border-radius: 2mm; padding: 2mm 3mm; min-width: 62mm;
  max-width: 96mm; font-size: 10.5pt; }}
.contact p {{ margin: 0 0 0.8mm; }}
.contact .phone {{ font-size: 14pt; font-weight: bold; }}
.contact.blank .line {{ border-bottom: 0.3mm solid #555; height: 7mm; margin: 0; }}
.span {{ font-size: 11pt; margin-bottom: 1.5mm; }}
.cols {{ display: flex; gap: 5mm; align-items: flex-start; margin-bottom: 2.5mm; }}
.cols.c1 {{ width: 62%; }}
.cols.c3 {{ gap: 4mm; }}
.cols.c3 .visits {{ font-size: 12.5pt; }}
.cols.c3 .visits .n {{ width: 8mm; }}
.cols.c3 .visits .done {{ width: 9mm; }}
.cols.c3 .visits .wd {{ min-width: 9.5mm; }}
.every {{ font-size: 12.5pt; margin-bottom: 2mm; }}
.every .big {{ font-size: 16pt; }}
.visits {{ border-collapse: collapse; flex: 1 1 0; min-width: 0; width: 100%; table-layout: fixed; font-size: 13pt; }}
.visits th {{ text-align: left; font-size: 8.5pt; text-transform: uppercase; letter-spacing: 0.4pt;
  color: #444; border-bottom: 0.5mm solid #1f4e79; padding: 0.8mm 1.5mm; }}
.visits td {{ padding: 0.55mm 1.5mm; border-bottom: 0.2mm solid #bbb; vertical-align: top; }}
.visits tbody tr:nth-child(even) td {{ background: #eef3f8; }}
.visits .n {{ text-align: right; width: 10mm; color: #333; }}
.visits th.time {{ width: 27mm; }}
.visits td.n {{ font-size: 10.5pt; padding-top: 1mm; }}
.visits .date {{ font-weight: bold; white-space: nowrap; }}
.visits .wd {{ display: inline-block; min-width: 10.5mm; }}
.visits .note {{ display: block; font-weight: normal; font-size: 8.5pt; line-height: 1.1; color: #7a3e00; white-space: normal; }}
.visits .time {{ white-space: nowrap; font-variant-numeric: tabular-nums; }}
.visits .until {{ font-size: 10pt; color: #444; }}
.visits .done {{ width: 12mm; text-align: center; font-size: 10pt; }}
.visits td.done {{ border-left: 0.2mm solid #bbb; }}
.visits tr.missed td, .visits tr.cancelled td {{ color: #777; text-decoration: line-through; }}
.visits tr.missed td.done, .visits tr.cancelled td.done {{ text-decoration: none; }}
.advice {{ display: flex; gap: 3mm; margin-bottom: 2mm; }}
.box {{ flex: 1 1 0; border: 0.3mm solid #999; border-radius: 2mm; padding: 2mm 2.5mm; font-size: 11pt; }}
.box.wide {{ flex-grow: 1.3; }}
.box ul {{ margin: 0; padding-left: 4.5mm; }}
.box li {{ margin-bottom: 1.2mm; }}
.box li.timed {{ list-style: none; margin-left: -4.5mm; padding-left: 14mm; text-indent: -14mm; }}
.clock {{ display: inline-block; width: 12.5mm; text-indent: 0; text-align: center; background: #1f4e79;
  color: #fff; border-radius: 1mm; font-size: 10.5pt; margin-right: 1.5mm; }}
h2 .at {{ font-weight: normal; font-size: 10pt; color: #444; }}
.call {{ border-left: 1.2mm solid #b00020; padding: 1.5mm 3mm; background: #fbeef0; margin-bottom: 2mm; }}
.call p {{ margin: 0; }}
footer {{ font-size: 8.5pt; color: #555; }}
@media print {{ body {{ max-width: none; }} }}
"""
