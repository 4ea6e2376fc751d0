"""The REMS Patient Monitoring Form worksheet as one self-contained HTML page (inline CSS, no scripts, no
external resources), for printing. Blank fields are drawn as lines to fill in by hand."""

from __future__ import annotations

from html import escape
from typing import Any

CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #111; max-width: 52em; }
h1 { font-size: 1.3em; margin-bottom: 0.2em; }
h2 { font-size: 1.05em; border-bottom: 1px solid #444; margin-top: 1.4em; }
table { border-collapse: collapse; width: 100%; }
td { padding: 0.3em 0.4em; vertical-align: top; border-bottom: 1px solid #ddd; }
td.name { width: 55%; }
.blank { display: inline-block; min-width: 14em; border-bottom: 1px solid #000; height: 1.1em; }
.hint { color: #555; font-size: 0.85em; }
.note { border: 1px solid #999; padding: 0.6em; margin-top: 1.5em; background: #f6f6f6; }
.missing { color: #a00; }
@media print { body { margin: 1cm; } .note { background: none; } }
"""


def form_html(sheet: dict[str, Any]) -> str:
    from ketplan.export.rems_out import session_name

    name = escape(session_name(sheet))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>REMS monitoring worksheet {escape(sheet['label'])} {name}</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>SPRAVATO&reg; REMS Patient Monitoring Form &mdash; worksheet</h1>",
        f"<p>Course <strong>{escape(sheet['label'])}</strong>, {name} on "
        f"{escape(sheet['date'])}. Due <strong>{escape(sheet['due'])}</strong>"
        + (f" (submitted {escape(sheet['submitted_on'])})" if sheet["submitted_on"] else "")
        + ".</p>",
    ]
    for section in sheet["sections"]:
        parts.append(f"<h2>{escape(section['title'])}</h2><table>")
        for f in section["fields"]:
            if f["value"] is None:
                hint = escape(f.get("blank", "not in the record"))
                cell = f'<span class="blank"></span> <span class="hint">{hint}</span>'
            else:
                cell = escape(str(f["value"]))
            parts.append(f'<tr><td class="name">{escape(f["name"])}</td><td>{cell}</td></tr>')
        parts.append("</table>")
    if sheet["missing"]:
        parts.append(f'<p class="missing">Not in the record yet: {escape(", ".join(sheet["missing"]))}</p>')
    parts.append(f'<div class="note">{escape(sheet["prepared_not_submitted"])}</div>')
    parts.append("<h2>Sources</h2><ul>")
    for s in sheet["sources"]:
        parts.append(f'<li>{escape(s.citation)} <a href="{escape(s.link)}">{escape(s.link)}</a></li>')
    parts.append("</ul></body></html>")
    return "\n".join(parts) + "\n"
