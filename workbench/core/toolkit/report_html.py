"""A validation report as one self-contained HTML file.

No external scripts, styles, fonts or images: the styles are inline and a small inline script
filters the findings by severity, layer and text. Every file has its verdict, the predicted
Response (or, for an ITK Response, what it says and its own verdict), and every finding grouped
by layer, with severity, rule, message, hint, path, line and the highlighted source lines around
it. Everything taken from the input is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import JsonLexer, TextLexer, XmlLexer

from workbench.core.toolkit.report import Excerpt, FileReport, summary_line
from workbench.core.validation.issue import LAYERS, SEVERITIES
from workbench.core.words import plural, severity_count

#: Longest source line shown in full; longer ones are cut around the finding's column.
_WIDE = 240

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header,main,footer{max-width:1100px;margin:0 auto;padding:0 20px}
header{padding-top:16px}h1{font-size:22px;margin:8px 0}h2{font-size:17px;margin:0 0 6px;word-break:break-all}
.muted{color:#5b6473}table{border-collapse:collapse;width:100%;background:#fff}
td,th{border:1px solid #d8dce3;padding:4px 8px;text-align:left;vertical-align:top}th{background:#eef1f5}
#filters{position:sticky;top:0;background:#f6f7f9;padding:8px 0;border-bottom:1px solid #d8dce3;z-index:2}
#filters label{margin-right:10px;white-space:nowrap}#filters input[type=search]{width:260px}
section.file{background:#fff;border:1px solid #d8dce3;border-radius:6px;margin:16px 0;padding:12px 16px}
.verdict{font-weight:600;padding:6px 10px;border-radius:4px;display:inline-block}
.valid{background:#e3f4e6;color:#17612a}.invalid{background:#fbe4e4;color:#8f1d1d}
.unreadable{background:#fff0d6;color:#7a4b00}.response{background:#eef3fb;border-left:4px solid #3b6fc4;padding:6px 10px;margin:8px 0}
details{margin:8px 0}summary{cursor:pointer;font-weight:600}
article{border-top:1px solid #eceef2;padding:8px 0 4px}
.sev{font-weight:700;font-size:12px;padding:1px 6px;border-radius:3px;color:#fff}
.sev-fatal{background:#6d0f0f}.sev-error{background:#b42318}.sev-warning{background:#b86e00}.sev-information{background:#3b6fc4}
.rule{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}.path{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
.msg{margin:4px 0}.hint{margin:2px 0;color:#3d4654}.hint:before{content:"Fix: ";font-weight:600}
.code{font-weight:600;color:#8f1d1d}
.source{background:#fafbfc;border:1px solid #e3e6eb;border-radius:4px;overflow-x:auto;font-size:12px}
.source pre{margin:0;padding:6px 8px;line-height:1.35}.source .hll{background:#fff3b0;display:block}
.source .linenos{color:#98a1ae;padding-right:8px}
.hidden{display:none}
"""

_SCRIPT = """
(function(){
  var boxes=document.querySelectorAll('#filters input[type=checkbox]');
  var search=document.getElementById('search');
  function apply(){
    var on={};boxes.forEach(function(b){on[b.value]=b.checked;});
    var words=search.value.toLowerCase();
    document.querySelectorAll('article.finding').forEach(function(a){
      var show=on[a.dataset.severity]&&on[a.dataset.layer]&&(!words||a.textContent.toLowerCase().indexOf(words)>=0);
      a.classList.toggle('hidden',!show);
    });
    document.querySelectorAll('details.group').forEach(function(d){
      var shown=d.querySelectorAll('article.finding:not(.hidden)').length;
      d.classList.toggle('hidden',shown===0);
      d.querySelector('.shown').textContent=shown;
    });
  }
  boxes.forEach(function(b){b.addEventListener('change',apply);});
  search.addEventListener('input',apply);
})();
"""


def render_report_html(
    reports: Sequence[FileReport], *, title: str = "ITK3 validation report", versions: dict[str, object] | None = None
) -> str:
    """The report over one or more files as a complete HTML document."""
    formatter = HtmlFormatter(cssclass="source")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{_STYLE}{formatter.get_style_defs('.source')}</style>",
        "</head><body>",
        f"<header><h1>{escape(title)}</h1>",
        f'<p class="muted">{escape(summary_line(reports))}</p>',
        _filters(reports),
        "</header><main>",
        _overview(reports),
    ]
    for number, report in enumerate(reports, 1):
        parts.append(_file_section(number, report))
    parts.append("</main>")
    if versions:
        parts.append(_versions(versions))
    parts.append(f"<script>{_SCRIPT}</script></body></html>")
    return "\n".join(parts)


def _filters(reports: Sequence[FileReport]) -> str:
    present_layers = [layer for layer in LAYERS if any(i.layer == layer for r in reports for i in r.issues)]
    boxes = ['<div id="filters"><strong>Show:</strong> ']
    for severity in SEVERITIES:
        shown = "information notes" if severity == "information" else severity
        boxes.append(f'<label><input type="checkbox" value="{severity}" checked> {shown}</label>')
    boxes.append(" | ")
    for layer in LAYERS:
        checked = " checked"
        hint = "" if layer in present_layers else ' class="muted"'
        boxes.append(f'<label{hint}><input type="checkbox" value="{layer}"{checked}> {layer}</label>')
    boxes.append(' <input type="search" id="search" placeholder="filter by text, rule or path"></div>')
    return "".join(boxes)


def _overview(reports: Sequence[FileReport]) -> str:
    if len(reports) < 2:
        return ""
    rows = ["<table><tr><th>File</th><th>Verdict</th><th>Findings</th></tr>"]
    for number, report in enumerate(reports, 1):
        rows.append(
            f'<tr><td><a href="#file-{number}">{escape(report.name)}</a></td>'
            f'<td class="{_verdict_class(report)}">{escape(report.verdict)}</td>'
            f"<td>{len(report.issues)}</td></tr>"
        )
    rows.append("</table>")
    return "".join(rows)


def _verdict_class(report: FileReport) -> str:
    if not report.report.readable:
        return "unreadable"
    return "valid" if report.report.valid else "invalid"


def _file_section(number: int, report: FileReport) -> str:
    size = plural(report.size, "byte")
    syntax = (report.syntax or "unreadable").upper()
    parts = [
        f'<section class="file" id="file-{number}">',
        f"<h2>{escape(report.name)}</h2>",
        f'<p class="muted">{escape(syntax)}, {escape(size)}, SHA-256 {escape(report.sha256)}</p>',
    ]
    if report.response is not None:
        summary = report.response
        parts.append(
            '<div class="response"><strong>This is an ITK Response.</strong> It says: '
            f"{escape(summary.headline)}; it {escape(summary.answers_text)}."
            + "".join(f"<br>Note: {escape(note)}." for note in summary.notes)
            + "<br>Its own verdict, as a message, follows.</div>"
        )
    parts.append(f'<p class="verdict {_verdict_class(report)}">{escape(report.verdict)}</p>')
    deciding = _deciding(report)
    if deciding is not None:
        issue = report.issues[deciding]
        parts.append(
            f'<p>Decided by <a href="#file-{number}-finding-{deciding}">{escape(issue.rule)}</a> at '
            f'<span class="path">{escape(issue.path or "the whole document")}</span>.</p>'
        )
    by_layer: dict[str, list[int]] = {}
    for index, issue in enumerate(report.issues):
        by_layer.setdefault(issue.layer, []).append(index)
    for layer in LAYERS:
        indexes = by_layer.get(layer)
        if not indexes:
            continue
        counts: dict[str, int] = {}
        for index in indexes:
            severity = report.issues[index].severity
            counts[severity] = counts.get(severity, 0) + 1
        words = ", ".join(severity_count(s, counts[s]) for s in SEVERITIES if s in counts)
        parts.append(
            f'<details class="group" open><summary>{escape(layer)} layer: {escape(words)} '
            f'(<span class="shown">{len(indexes)}</span> shown)</summary>'
        )
        parts.extend(_finding(report, index, number) for index in indexes)
        parts.append("</details>")
    if not report.issues:
        parts.append('<p class="muted">No findings.</p>')
    parts.append("</section>")
    return "\n".join(parts)


def _deciding(report: FileReport) -> int | None:
    """The index of the first finding that carries the predicted Response's code, if any."""
    code = report.report.predicted[0]
    return next((i for i, issue in enumerate(report.issues) if issue.is_error and issue.itk_code == code), None)


def _finding(report: FileReport, index: int, number: int) -> str:
    issue = report.issues[index]
    where = f"line {issue.line}" + (f", column {issue.column}" if issue.column else "") if issue.line else "no line"
    code = f' <span class="code">a receiver would answer {escape(issue.itk_code)}</span>' if issue.itk_code else ""
    parts = [
        f'<article class="finding" id="file-{number}-finding-{index}" data-severity="{escape(issue.severity)}" '
        f'data-layer="{escape(issue.layer)}">',
        f'<div><span class="sev sev-{escape(issue.severity)}">{escape(issue.severity.upper())}</span> '
        f'<span class="rule">{escape(issue.rule)}</span> <span class="muted">{escape(where)}</span>{code}</div>',
        f'<div class="path">{escape(issue.path or "(the whole document)")}</div>',
        f'<p class="msg">{escape(issue.message)}</p>',
    ]
    if issue.hint:
        parts.append(f'<p class="hint">{escape(issue.hint)}</p>')
    excerpt = report.excerpts.get(index)
    if excerpt is not None:
        parts.append(_source(excerpt, issue.column, report.syntax))
    parts.append("</article>")
    return "".join(parts)


def _source(excerpt: Excerpt, column: int | None, syntax: str | None) -> str:
    lines = []
    for number, line in enumerate(excerpt.lines, excerpt.first):
        lines.append(_clip(line, column if number == excerpt.marked else None))
    lexer = XmlLexer() if syntax == "xml" else JsonLexer() if syntax == "json" else TextLexer()
    formatter = HtmlFormatter(
        cssclass="source", linenos="inline", linenostart=excerpt.first, hl_lines=[excerpt.marked - excerpt.first + 1]
    )
    return highlight("\n".join(lines) + "\n", lexer, formatter)


def _clip(line: str, column: int | None) -> str:
    """A source line short enough to show: cut around ``column`` (or at the end) when long."""
    if len(line) <= _WIDE:
        return line
    if column is None:
        return line[:_WIDE] + " …"
    start = max(0, column - 1 - _WIDE // 2)
    end = start + _WIDE
    return ("… " if start else "") + line[start:end] + (" …" if end < len(line) else "")


def _versions(versions: dict[str, object]) -> str:
    rows = [
        "<footer><h2>What judged it</h2><table>",
        f"<tr><th>Workbench</th><td>{escape(str(versions.get('workbench')))}</td></tr>",
        f"<tr><th>Python</th><td>{escape(str(versions.get('python')))}</td></tr>",
    ]
    book = versions.get("catalogue")
    if isinstance(book, dict):
        for name, version in book.items():
            rows.append(f"<tr><th>Code list {escape(str(name))}</th><td>{escape(str(version))}</td></tr>")
    profiles = versions.get("profiles")
    if isinstance(profiles, list):
        for profile in profiles:
            if isinstance(profile, dict):
                rows.append(
                    f"<tr><th>{escape(str(profile.get('type')))}</th>"
                    f"<td>{escape(str(profile.get('url')))} {escape(str(profile.get('version') or ''))}</td></tr>"
                )
    rows.append("</table></footer>")
    return "".join(rows)
