"""A self-contained HTML report a person can read: summary, findings, the offending formulas.

Every text from the workbook is HTML-escaped: a hostile cell cannot inject markup.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from xlmodel.validate.findings import COLUMNS, Report

_COLOURS = {"error": "#f8d7da", "warning": "#fff3cd", "info": "#e7f1ff"}
_CSS = """
body{font-family:system-ui,Segoe UI,Arial,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em} table{border-collapse:collapse;margin:1em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f0f0f0} code{font-family:Consolas,monospace;white-space:pre-wrap}
""" + "".join(f".{name}{{background:{colour}}}" for name, colour in _COLOURS.items())


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return escape(f"{value:,.6g}")
    return escape(str(value))


def render(report: Report, title: str | None = None) -> str:
    """The report as one HTML page (inline CSS, no scripts, no external files)."""
    name = title or f"xlmodel validate: {report.path or 'workbook'}"
    summary = report.summary()
    rows = "".join(
        f'<tr class="{escape(r.severity)}"><td>{escape(r.severity)}</td><td>{escape(r.check)}</td>'
        f"<td>{int(r.count)}</td></tr>" for r in summary.itertuples(index=False))
    head = "".join(f"<th>{escape(c)}</th>" for c in COLUMNS)
    body = []
    for f in report.findings.itertuples(index=False):
        cells = []
        for col in COLUMNS:
            value = getattr(f, col)
            text = _cell(value)
            cells.append(f"<td><code>{text}</code></td>" if col == "formula" and text else f"<td>{text}</td>")
        body.append(f'<tr class="{escape(f.severity)}">{"".join(cells)}</tr>')
    verdict = ("<p><strong>Errors found.</strong></p>" if report.has_errors
               else "<p>No error findings.</p>")
    return (
        "<!DOCTYPE html><html lang=\"da\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(name)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{escape(name)}</h1><p>{escape(dt.datetime.now().strftime('%Y-%m-%d %H:%M'))} · "
        f"{len(report.findings)} findings · checks: {escape(', '.join(report.checks))}</p>{verdict}"
        f"<h2>Summary</h2><table><tr><th>severity</th><th>check</th><th>count</th></tr>{rows}</table>"
        f"<h2>Findings</h2><table><tr>{head}</tr>{''.join(body)}</table></body></html>")
