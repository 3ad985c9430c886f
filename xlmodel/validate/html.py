"""The validation report as a page a person reads (and prints): Danish, summary first.

Layout: a verdict, counts by status and check (with what each check looks for), then the
findings grouped by sheet and check — cell, status, message, the cell's formula and its
expected and found values.  The page is one self-contained file (inline CSS, no scripts, no
external files); its tables have a fixed layout and wrap long formulas, so it reads at
1,280 px without horizontal scrolling (tested in headless chromium) and prints on A4 landscape.
Optional: a section explaining model outputs (:func:`xlmodel.forklar.forklar` tables), linked
from each output's row.

Every text from the workbook is HTML-escaped: a hostile cell cannot inject markup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from html import escape
from pathlib import Path
from typing import Any

from xlmodel.tekst import antal, format_vaerdi, status
from xlmodel.validate.findings import Report

#: What each check looks for, in the report's language.
CHECK_TEKST: dict[str, str] = {
    "hardcoded_number": "tal skrevet direkte i formler (bør stå i en mærket inputcelle)",
    "inconsistent_formula": "formel der afviger fra sine naboer i samme række eller kolonne",
    "error_value": "fejlværdier (#REF!, #DIV/0!, #N/A, …) i cellerne",
    "empty_reference": "formel der henviser til en tom celle",
    "circular_reference": "cirkulære referencer",
    "number_as_text": "tal gemt som tekst",
    "approximate_lookup": "opslag (LOPSLAG/SAMMENLIGN) med tilnærmet match",
    "manual_calculation": "regnearket er sat til manuel beregning",
    "uncalculated": "filen har ingen gemte værdier: værdibaserede kontroller blev sprunget over",
    "footing": "totaler mod summen af deres dele (afrunding inden for ±1 pr. linje)",
    "sum_range": "SUM der stopper en række for tidligt, starter for sent eller tager overskriften med",
    "parameters": "Parametre-arket mod parametersættet (aftalens tal og kilder)",
    "recompute": "hver formel genberegnet fra filen og sammenlignet med den viste værdi",
}

_COLOURS = {"error": "#f8d7da", "warning": "#fff3cd", "info": "#e7f1ff"}
_CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,"Segoe UI",Arial,sans-serif;margin:0 auto;padding:1.5em 2em;max-width:1240px;
 color:#1d1d1d;line-height:1.4}
h1{font-size:1.5em;margin:.2em 0} h2{font-size:1.2em;margin-top:1.6em;border-bottom:2px solid #1d1d1d}
h3{font-size:1.05em;margin:1.4em 0 .3em} h4{font-size:.95em;margin:1em 0 .2em;color:#333}
.meta{color:#555;font-size:.9em;margin:.2em 0 1em}
.dom{padding:.6em 1em;border-radius:4px;font-weight:600;margin:1em 0}
.dom.ok{background:#d4edda} .dom.fejl{background:#f8d7da}
table{border-collapse:collapse;width:100%;table-layout:fixed;margin:.4em 0 1em;font-size:.88em}
th,td{border:1px solid #c8c8c8;padding:.3em .5em;text-align:left;vertical-align:top;
 overflow-wrap:anywhere;word-break:normal}
th{background:#eee} td.tal{text-align:right;font-variant-numeric:tabular-nums}
code{font-family:Consolas,"DejaVu Sans Mono",monospace;font-size:.95em;white-space:pre-wrap;
 overflow-wrap:anywhere}
nav ul{columns:3;padding-left:1.2em} .note{font-size:.85em;color:#555}
a{color:#0b4f9c}
@media print{body{max-width:none;padding:0;font-size:10pt} a{color:inherit;text-decoration:none}
 thead{display:table-header-group} tr{break-inside:avoid} h2,h3,h4{break-after:avoid}
 nav{display:none} @page{size:A4 landscape;margin:12mm}}
""" + "".join(f"tr.{name}>td:first-child{{background:{colour}}}" for name, colour in _COLOURS.items())


def _cols(*widths: int) -> str:
    """A ``<colgroup>`` with these widths in pct. (0: the rest): fixed layout, no overflow."""
    return "<colgroup>" + "".join(f'<col style="width:{w}%">' if w else "<col>" for w in widths) \
        + "</colgroup>"


def _v(value: Any) -> str:
    return escape(format_vaerdi(value))


def _anchor(*parts: Any) -> str:
    text = "-".join(str(p) for p in parts)
    return "a-" + "".join(ch if ch.isalnum() or ch == "-" else "_" for ch in text)


def render(report: Report, title: str | None = None, *, workbook: str | Path | None = None,
           forklaringer: Mapping[str, Any] | None = None) -> str:
    """The report as one HTML page.

    ``forklaringer``: ``{"Ark!A1": DataFrame from xlmodel.forklar.forklar}`` — model outputs
    whose chain down to the inputs and parameters is shown in its own section, each linked
    from a list of outputs at the top (and from any finding on that cell).
    """
    name = str(workbook or report.path or "regneark")
    heading = title or f"Kontrolrapport: {Path(name).name}"
    f = report.findings
    counts = f["severity"].value_counts().to_dict() if len(f) else {}
    n_err = int(counts.get("error", 0))
    totals = ", ".join(antal(int(counts.get(c, 0)), c) for c in ("error", "warning", "info"))
    verdict = (f'<p class="dom fejl">Der er {escape(antal(n_err, "error"))}: tallene kan ikke '
               f"bruges, før de er rettet.</p>" if n_err
               else '<p class="dom ok">Ingen fejl fundet.</p>')
    explained = dict(forklaringer or {})
    parts = [
        "<!DOCTYPE html><html lang=\"da\"><head><meta charset=\"utf-8\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(heading)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(heading)}</h1>",
        f'<p class="meta">Fil: {escape(name)} · kontrolleret '
        f"{escape(dt.datetime.now().strftime('%d-%m-%Y kl. %H:%M'))} · "
        f"{len(report.checks)} kontroller · {escape(totals)}</p>",
        verdict,
        _summary(report),
    ]
    if explained:
        parts.append(_outputs_list(explained))
    parts.append(_findings(report, explained))
    if explained:
        parts.append(_explanations(explained))
    parts.append('<p class="note">Lavet af xlmodel validate. Status: fejl = tallene er forkerte '
                 "eller kan ikke stoles på; advarsel = en risiko, en person bør se på; info = værd "
                 "at vide (fx en afrunding). Ordliste: docs/glossary.md.</p></body></html>")
    return "".join(parts)


def _summary(report: Report) -> str:
    summary = report.summary()
    rows = "".join(
        f'<tr class="{escape(r.severity)}"><td>{escape(status(r.severity))}</td>'
        f"<td><code>{escape(r.check)}</code></td><td class=\"tal\">{_v(int(r.count))}</td>"
        f"<td>{escape(CHECK_TEKST.get(r.check, ''))}</td></tr>"
        for r in summary.itertuples(index=False))
    ran = ", ".join(f"<code>{escape(c)}</code>" for c in report.checks)
    body = (f"<table>{_cols(11, 20, 9, 0)}<thead><tr><th>status</th><th>kontrol</th><th>antal</th>"
            f"<th>hvad kontrollen ser efter</th></tr></thead><tbody>{rows}</tbody></table>"
            if rows else "<p>Ingen fund.</p>")
    return f"<h2>Overblik</h2>{body}<p class=\"note\">Kørte kontroller: {ran or '–'}.</p>"


def _findings(report: Report, explained: Mapping[str, Any]) -> str:
    f = report.findings
    if f.empty:
        return ""
    sheets = list(dict.fromkeys("" if s is None else str(s) for s in f["sheet"]))
    nav = "".join(f'<li><a href="#{_anchor("ark", s)}">{escape(s or "hele regnearket")}</a> '
                  f"({_v(int((f['sheet'].fillna('') == s).sum()))})</li>" for s in sheets)
    out = [f"<h2>Fund ({_v(len(f))})</h2><nav><ul>{nav}</ul></nav>"]
    head = (f"<table>{_cols(9, 8, 33, 26, 8, 8, 8)}<thead><tr><th>celle</th><th>status</th>"
            "<th>besked</th><th>formel</th><th>forventet</th><th>fundet</th><th>forskel</th></tr></thead><tbody>")
    for sheet in sheets:
        here = f[f["sheet"].fillna("") == sheet]
        out.append(f'<h3 id="{_anchor("ark", sheet)}">Ark: {escape(sheet or "hele regnearket")}</h3>')
        for check in dict.fromkeys(here["check"]):
            rows = here[here["check"] == check]
            out.append(f"<h4><code>{escape(check)}</code> — {_v(len(rows))} fund"
                       f"{' · ' + escape(CHECK_TEKST[check]) if check in CHECK_TEKST else ''}</h4>{head}")
            for r in rows.itertuples(index=False):
                cell = escape(r.cell or "")
                key = f"{sheet}!{r.cell}"
                if key in explained:
                    cell = f'<a href="#{_anchor("forklar", key)}">{cell}</a>'
                formula = f"<code>{escape(str(r.formula))}</code>" if r.formula else ""
                out.append(
                    f'<tr class="{escape(r.severity)}"><td>{cell}</td><td>{escape(status(r.severity))}</td>'
                    f"<td>{escape(str(r.message))}</td><td>{formula}</td>"
                    f"<td class=\"tal\">{_v(r.expected)}</td>"
                    f"<td class=\"tal\">{_v(r.actual)}</td><td class=\"tal\">{_v(r.difference)}</td></tr>")
            out.append("</tbody></table>")
    return "".join(out)


def _outputs_list(explained: Mapping[str, Any]) -> str:
    items = []
    for key, table in explained.items():
        value = table.iloc[0]["værdi"] if len(table) else None
        label = table.iloc[0].get("etiket") if len(table) else None
        label = f" ({escape(str(label))})" if label else ""
        items.append(f'<li><a href="#{_anchor("forklar", key)}">{escape(key)}</a>{label} = {_v(value)}</li>')
    return ("<h2>Modellens resultater</h2><p>Klik på et resultat for at se, hvordan det er regnet: "
            f"formlerne ned til input og parametre med kilder.</p><ul>{''.join(items)}</ul>")


#: The columns of a forklar table shown in the report, with their widths (pct.).
_FORKLAR_COLS = (("niveau", 5), ("celle", 11), ("etiket", 12), ("formel", 18), ("værdi", 8),
                 ("funktion", 10), ("regel", 15), ("parameter", 11), ("kilde", 10))


def _explanations(explained: Mapping[str, Any]) -> str:
    out = ["<h2>Forklaring af resultaterne</h2>"]
    cols = "".join(f'<col style="width:{w}%">' for _, w in _FORKLAR_COLS)
    heads = "".join(f"<th>{escape(c)}</th>" for c, _ in _FORKLAR_COLS)
    for key, table in explained.items():
        label = table.iloc[0].get("etiket") if len(table) else None
        out.append(f'<h3 id="{_anchor("forklar", key)}">{escape(key)}'
                   f'{" — " + escape(str(label)) if label else ""}</h3>'
                   f"<table><colgroup>{cols}</colgroup><thead><tr>{heads}</tr></thead><tbody>")
        for row in table.to_dict("records"):
            cells = []
            for col, _ in _FORKLAR_COLS:
                value = row.get(col)
                if col == "parameter" and row.get("parameter"):
                    value = f"{row['parameter']} = {format_vaerdi(row.get('parameterværdi'))} " \
                            f"{row.get('enhed') or ''} ({format_vaerdi(row.get('år'))})"
                    cells.append(f"<td>{escape(value)}</td>")
                elif col == "formel" and value:
                    cells.append(f"<td><code>{escape(str(value))}</code></td>")
                elif col in ("værdi", "niveau"):
                    cells.append(f'<td class="tal">{_v(value)}</td>')
                else:
                    cells.append(f"<td>{escape('' if value is None else str(value))}</td>")
            out.append(f"<tr>{''.join(cells)}</tr>")
        out.append("</tbody></table>")
    return "".join(out)


def render_index(results: Iterable[tuple[Any, str | None]]) -> str:
    """The page for a folder: one row per workbook with its counts and a link to its report
    (``results``: ``(FileResult, relative link or None)``)."""
    rows = []
    items = list(results)
    n_err = 0
    for r, link in items:
        name = escape(Path(r.path).name)
        if r.problem:
            n_err += 1
            rows.append(f'<tr class="error"><td>{name}</td><td colspan="3">ikke kontrolleret: '
                        f"{escape(r.problem)}</td><td></td></tr>")
            continue
        c = r.counts
        n_err += c["error"] > 0
        cls = "error" if c["error"] else ("warning" if c["warning"] else "")
        rows.append(f'<tr class="{cls}"><td><a href="{escape(link or "")}">{name}</a></td>'
                    f'<td class="tal">{_v(c["error"])}</td><td class="tal">{_v(c["warning"])}</td>'
                    f'<td class="tal">{_v(c["info"])}</td><td>{escape(str(Path(r.path).parent))}</td></tr>')
    verdict = (f'<p class="dom fejl">{_v(n_err)} af {_v(len(items))} regneark har fejl.</p>' if n_err
               else f'<p class="dom ok">Ingen fejl i {_v(len(items))} regneark.</p>')
    return ("<!DOCTYPE html><html lang=\"da\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Kontrolrapport: {_v(len(items))} regneark</title><style>{_CSS}</style></head><body>"
            f"<h1>Kontrolrapport: {_v(len(items))} regneark</h1>"
            f'<p class="meta">kontrolleret {escape(dt.datetime.now().strftime("%d-%m-%Y kl. %H:%M"))}</p>'
            f"{verdict}<table>{_cols(34, 9, 11, 9, 0)}<thead><tr><th>regneark</th>"
            "<th>fejl</th><th>advarsler</th><th>info</th><th>mappe</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></body></html>")
