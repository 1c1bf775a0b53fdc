"""HTML for people: per-student feedback and the class report (self-contained, inline SVG).

Everything a student wrote or chose — file names, exception messages — is
escaped before it reaches a page.
"""

from __future__ import annotations

import statistics
from collections import Counter
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .gradebook import feedback_name

if TYPE_CHECKING:
    from .reflections import ClassReflections

__all__ = ["feedback_html", "report_html", "reflections_html", "hints_html", "score_histogram_svg",
           "score_table_html", "pass_rate_svg"]

STATUS_TEXT = {
    "graded": "Your notebook ran to the end and was graded.",
    "timeout": "Your notebook ran out of time; the work it did before that was graded.",
    "error": "Your notebook could not finish (see below); the work it did before that was graded.",
    "invalid": "This file could not be graded.",
    "grader-error": "The grader failed while running your notebook; this is not your doing. It will be "
                    "graded again.",
    "attack": "Your notebook interfered with the grader itself.",
}
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:60rem;color:#1f2933;
padding:0 1rem}h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border-bottom:1px solid #d9dee3;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f5f7}.pass{color:#1e7b34}.fail{color:#b42318}
.badge{display:inline-block;padding:.1rem .5rem;border-radius:.6rem;font-size:.85rem;background:#eef1f4}
.badge.graded{background:#dcf5e3}.badge.timeout{background:#fff1c2}.badge.error{background:#fde0dc}
.badge.invalid{background:#e7e3f7}.badge.grader-error{background:#dfe7f3}.badge.attack{background:#f9c5bd}.hint{color:#52606d;font-style:italic}.score{font-size:1.4rem;font-weight:600}
code,pre{background:#f3f5f7;padding:.1rem .3rem;border-radius:.2rem}pre{padding:.5rem;white-space:pre-wrap}
.charts{display:flex;flex-wrap:wrap;gap:2rem}figure{margin:0}figcaption{font-weight:600;margin-bottom:.3rem}
.answer{white-space:pre-wrap}.blank{color:#8a94a0;font-style:italic}
td.pass{background:#dcf5e3;white-space:nowrap}td.fail{background:#fde0dc;white-space:nowrap}
table.sortable th{font-size:.8rem}
button.sort{all:unset;cursor:pointer;font-weight:600}button.sort:focus-visible{outline:2px solid #1d4ed8;
outline-offset:2px}.wide{overflow-x:auto}
table.final{width:auto}.flag{color:#8a4b00}
"""


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<style>{_CSS}</style></head><body>\n{body}\n</body></html>\n")


def _badge(status: str) -> str:
    return f'<span class="badge {escape(status)}">{escape(status)}</span>'


def _check_row(c: dict[str, Any]) -> str:
    result = ('<td class="pass"><span aria-hidden="true">&#x2705;</span> passed</td>' if c["passed"]
              else '<td class="fail"><span aria-hidden="true">&#x274C;</span> not yet</td>')
    detail = f"<br><small>{escape(c['detail'])}</small>" if c.get("detail") else ""
    hint = (f'<br><span class="hint">Hint: {escape(c["hint"])}</span>'
            if not c["passed"] and c.get("hint") else "")
    return (f"<tr>{result}<td>{c['points']} / {c['max_points']}</td>"
            f"<td>{escape(c['description'])}{detail}{hint}</td></tr>")


def _count(n: int, noun: str) -> str:
    """``1 submission``, ``3 submissions``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _final_lines(entry: dict[str, Any]) -> str:
    """Late days and penalty, the adjustment and its reason, and the final score the LMS receives."""
    if "final" not in entry:
        return ""
    rows = [f"<tr><td>autograded</td><td>{entry['score']} / {entry['max_score']}</td></tr>"]
    source = entry.get("time_source")
    late = f"{entry.get('late_days', 0)} day(s)" + (f" <small>({escape(source)})</small>" if source else "")
    rows.append(f"<tr><td>late</td><td>{late}</td></tr>")
    rows.append(f"<tr><td>late penalty</td><td>&minus;{entry.get('late_penalty', 0)}</td></tr>")
    reason = entry.get("adjustment_reason") or ""
    rows.append(f"<tr><td>adjustment</td><td>{entry.get('adjustment', 0):+g}"
                + (f" &mdash; {escape(reason)}" if reason else "") + "</td></tr>")
    rows.append(f"<tr><th>final score</th><th>{entry['final']} / {entry['max_score']}</th></tr>")
    return f'<table class="final"><tbody>{"".join(rows)}</tbody></table>'


def feedback_html(entry: dict[str, Any], name: str | None = None) -> str:
    """One student's feedback: the final score and how it was reached (late days, penalty, adjustment
    and its reason), what passed, what failed and a hint for each failure. ``name``: the roster's."""
    student, assignment = entry["student"], entry.get("assignment") or "(unknown)"
    who = name or student
    shown = entry.get("final", entry["score"])
    parts = [
        f"<h1>Feedback for {escape(who)}</h1>",
        f"<p>Assignment <code>{escape(assignment)}</code> &middot; {_badge(entry['status'])}</p>",
        f'<p class="score">{shown} / {entry["max_score"]} points</p>',
        _final_lines(entry),
        f"<p>{escape(STATUS_TEXT.get(entry['status'], ''))}"
        + (f" {escape(entry['detail'])}." if entry.get("detail") else "") + "</p>",
    ]
    checks = entry.get("checks") or []
    if checks:
        rows = "".join(_check_row(c) for c in checks)
        parts.append("<h2>Checks</h2><table><thead><tr><th>result</th><th>points</th><th>what was checked"
                     f"</th></tr></thead><tbody>{rows}</tbody></table>")
        parts.append("<p>Checks look at the sandbox account after your notebook ran, through the AWS API; "
                     "what a notebook prints does not count.</p>")
    errors = entry.get("cell_errors") or []
    if errors:
        items = "".join(f"<li>code cell {e['cell']}: <code>{escape(e['ename'])}</code>"
                        + (f"<pre>{escape(e['evalue'])}</pre>" if e["evalue"] else "") + "</li>"
                        for e in errors)
        parts.append(f"<h2>Errors while running</h2><p>The grader ran every cell; these raised an "
                     f"exception:</p><ul>{items}</ul>")
    if entry.get("cells_total"):
        parts.append(f"<p><small>{entry.get('cells_run', 0)} of {entry['cells_total']} code cells ran in "
                     f"{entry.get('seconds', 0):.1f} s.</small></p>")
    return _page(f"Feedback: {who}", "\n".join(parts))


def _score_bins(scores: list[int], max_score: int) -> tuple[list[str], list[int]]:
    """Each score (or each tenth of the maximum, above 20 points) and how many submissions got it."""
    if max_score <= 20:
        counts = Counter(scores)
        return [str(s) for s in range(max_score + 1)], [counts.get(s, 0) for s in range(max_score + 1)]
    values = [0] * 10
    for s in scores:
        values[min(9, int(10 * s / max_score))] += 1
    return [f"{10 * i}%" for i in range(10)], values


def score_table_html(scores: list[int], max_score: int) -> str:
    """The histogram's numbers as a table: what a screen reader reads instead of the bars."""
    labels, values = _score_bins(scores, max_score)
    rows = "".join(f"<tr><td>{escape(label)}</td><td>{value}</td></tr>"
                   for label, value in zip(labels, values, strict=True))
    return ('<table class="chart-data"><caption>Score distribution: submissions per score</caption>'
            f'<thead><tr><th scope="col">score</th><th scope="col">submissions</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def score_histogram_svg(scores: list[int], max_score: int, width: int = 460, height: int = 220) -> str:
    """A bar chart: how many submissions got each score (or each tenth of the maximum).

    Its numbers are also in :func:`score_table_html`, which the class report shows beside it."""
    labels, values = _score_bins(scores, max_score)
    top = max(values + [1])
    left, bottom, plot_h = 30, 30, height - 50
    slot = (width - left - 10) / len(values)
    bars = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * value / top
        x = left + i * slot
        bars.append(
            f'<rect x="{x + slot * 0.1:.1f}" y="{height - bottom - h:.1f}" width="{slot * 0.8:.1f}" '
            f'height="{h:.1f}" fill="#3f72af"><title>score {escape(label)}: {value}</title></rect>'
            f'<text x="{x + slot / 2:.1f}" y="{height - bottom + 14}" font-size="11" text-anchor="middle">'
            f"{escape(label)}</text>"
            + (f'<text x="{x + slot / 2:.1f}" y="{height - bottom - h - 3:.1f}" font-size="11" '
               f'text-anchor="middle">{value}</text>' if value else "")
        )
    axis = (f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
            'stroke="#52606d"/>'
            f'<text x="{left + (width - left) / 2:.0f}" y="{height - 2}" font-size="11" text-anchor="middle">'
            "score</text>")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
            'aria-label="score distribution (the numbers are in the table beside it)">'
            f'{"".join(bars)}{axis}</svg>')


def pass_rate_svg(rates: list[tuple[str, str, float]], width: int = 460) -> str:
    """Horizontal bars: the share of submissions that passed each check (``(id, description, rate)``)."""
    row, label_w = 26, 170
    height = row * len(rates) + 10
    bars = []
    for i, (check_id, description, rate) in enumerate(rates):
        y = 5 + i * row
        w = (width - label_w - 50) * rate
        colour = "#1e7b34" if rate >= 0.75 else "#d69e2e" if rate >= 0.4 else "#b42318"
        bars.append(
            f'<text x="{label_w - 6}" y="{y + 16}" font-size="12" text-anchor="end">{escape(check_id)}'
            f"<title>{escape(description)}</title></text>"
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="16" fill="{colour}">'
            f"<title>{escape(description)}: {rate:.0%}</title></rect>"
            f'<text x="{label_w + w + 4:.1f}" y="{y + 16}" font-size="12">{rate:.0%}</text>'
        )
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
            f'aria-label="pass rate per check">{"".join(bars)}</svg>')


def reflections_html(reflections: ClassReflections) -> str:
    """Each reflection prompt once, then every student's answer side by side; blanks marked.

    Everything a student wrote is escaped (and shown as plain text, line breaks kept).
    """
    if not reflections.prompts:
        return ""
    parts = ["<h3>Reflections</h3>"]
    for rid, prompt in reflections.prompts:
        given = reflections.answers.get(rid, {})
        rows = []
        for student in reflections.students:
            if student not in given:
                cell = '<td class="blank">(this prompt is missing from the notebook)</td>'
            elif given[student] is None:
                cell = '<td class="blank">(blank)</td>'
            else:
                cell = f'<td class="answer">{escape(given[student] or "")}</td>'
            rows.append(f"<tr><td>{escape(student)}</td>{cell}</tr>")
        answered = sum(1 for s in reflections.students if given.get(s))
        of = _count(len(reflections.students), "student")
        parts.append(f'<h4 id="reflection-{escape(quote(rid))}">{escape(prompt)}</h4>'
                     f"<p><small>{answered} of {of} answered</small></p>"
                     "<table><thead><tr><th>student</th><th>answer</th></tr></thead>"
                     f"<tbody>{''.join(rows)}</tbody></table>")
    return "".join(parts)


_SORT_JS = """
document.querySelectorAll('table.sortable th').forEach(function (th, col) {
  // Sortable with the keyboard too: each column head holds a button (Enter or Space sorts by it).
  var button = document.createElement('button');
  button.type = 'button'; button.className = 'sort';
  while (th.firstChild) button.appendChild(th.firstChild);
  th.appendChild(button);
  button.addEventListener('click', function () {
    var body = th.closest('table').tBodies[0], rows = Array.from(body.rows);
    var asc = th.dataset.dir !== 'asc'; th.dataset.dir = asc ? 'asc' : 'desc';
    th.closest('tr').querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
    rows.sort(function (a, b) {
      var x = a.cells[col].dataset.v || a.cells[col].textContent;
      var y = b.cells[col].dataset.v || b.cells[col].textContent;
      var nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""


SORT_SCRIPT = f'<script data-labkit="sort">{_SORT_JS}</script>'  # the report's only script: sorting


def _check_cell(check: dict[str, Any] | None) -> str:
    if check is None:
        return '<td class="blank" data-v="-1">&ndash;</td>'
    if check.get("passed"):
        return '<td class="pass" data-v="1">&#x2713; pass</td>'
    return '<td class="fail" data-v="0">&#x2717; fail</td>'


def hints_html(hints: dict[str, dict[str, list[str]]]) -> str:
    """The your-turn hints each student used (see :mod:`labkit.grading.hints`): who needed the
    idea, the command's shape or the answer, task by task. Empty when nobody used one."""
    if not hints:
        return ""
    rows = "".join(
        f"<tr><td>{escape(student)}</td><td>{escape(task)}</td><td>{escape(', '.join(levels))}</td></tr>"
        for student, tasks in sorted(hints.items()) for task, levels in sorted(tasks.items()))
    return ("<h2>Hints used in your-turn tasks</h2><p>First the idea, then the command's shape, then the "
            "answer: a student who needed the answer may need help with that task's idea.</p>"
            "<table><thead><tr><th>student</th><th>task</th><th>hints</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def _assignment_section(assignment: str, entries: list[dict[str, Any]], names: dict[str, str]) -> str:
    ran = [e for e in entries if e["status"] not in ("invalid", "grader-error")]
    max_score = max((e["max_score"] for e in ran), default=0)
    scores = [e["score"] for e in ran]
    statuses = Counter(e["status"] for e in entries)
    summary = ", ".join(f"{statuses[s]} {s}" for s in STATUS_TEXT if statuses[s])
    stats = ""
    if scores:
        stats = (f"<p>Median score <b>{statistics.median(scores):g}</b> / {max_score}, mean "
                 f"{statistics.fmean(scores):.1f}; {sum(s == max_score for s in scores)} full marks.</p>")
    check_stats: dict[str, list[Any]] = {}
    for e in ran:
        for c in e.get("checks") or []:
            slot = check_stats.setdefault(c["id"], [c["description"], 0, 0])
            slot[1] += bool(c["passed"])
            slot[2] += 1
    rates = [(cid, d, passed / total) for cid, (d, passed, total) in check_stats.items() if total]
    charts = ""
    if ran:
        charts = ('<div class="charts"><figure><figcaption>Score distribution</figcaption>'
                  f"{score_histogram_svg(scores, max_score)}"
                  f"<details><summary>Score distribution as a table</summary>"
                  f"{score_table_html(scores, max_score)}</details></figure>")
        if rates:
            charts += f"<figure><figcaption>Pass rate per check</figcaption>{pass_rate_svg(rates)}</figure>"
        charts += "</div>"
    rate_rows = "".join(f"<tr><td><code>{escape(cid)}</code></td><td>{escape(d)}</td>"
                        f"<td>{passed} of {total} ({passed / total:.0%})</td></tr>"
                        for cid, (d, passed, total) in check_stats.items() if total)
    rate_table = ("<h3>Pass rate per check</h3><table><thead><tr><th>check</th><th>what it checks</th>"
                  f"<th>passed</th></tr></thead><tbody>{rate_rows}</tbody></table>" if rate_rows else "")
    check_ids = list(check_stats)
    rows = []
    for e in sorted(entries, key=lambda e: names.get(e["student"], e["student"]).lower()):
        who = names.get(e["student"], e["student"])
        shown_id = f" <small>({escape(e['student'])})</small>" if who != e["student"] else ""
        by_id = {c["id"]: c for c in e.get("checks") or []}
        flags = "; ".join(e.get("flags") or [])
        final = e.get("final", e["score"])
        late = (f"{e.get('late_days', 0)} d, &minus;{e.get('late_penalty', 0)}" if e.get("late_days") else "")
        adjust = (f"{e['adjustment']:+g} {escape(e.get('adjustment_reason') or '')}"
                  if e.get("adjustment") else "")
        page = escape(quote(feedback_name(e["student"])))
        rows.append(
            f'<tr><td data-v="{escape(who.lower())}"><a href="feedback/{page}">{escape(who)}</a>'
            f"{shown_id}</td>"
            f'<td data-v="{final}"><b>{final}</b> / {e["max_score"]}</td>'
            f'<td data-v="{e["score"]}">{e["score"]}</td>'
            f"<td>{late}</td><td>{adjust}</td><td>{_badge(e['status'])}</td>"
            + "".join(_check_cell(by_id.get(cid)) for cid in check_ids)
            + f'<td class="flag">{escape(flags)}</td>'
            f'<td><a href="notebooks/{page}">notebook</a></td></tr>')
    heads = "".join(f'<th title="{escape(check_stats[cid][0])}">{escape(cid)}</th>' for cid in check_ids)
    heading = f"Assignment <code>{escape(assignment)}</code> &mdash; {_count(len(entries), 'submission')}"
    return (f"<h2>{heading}</h2>"
            f"<p>{escape(summary)}</p>{stats}{charts}{rate_table}"
            "<h3>Students</h3><p><small>Click a column to sort. Final = after late penalty and adjustment "
            "(what the LMS files carry).</small></p>"
            '<div class="wide"><table class="sortable"><thead><tr><th>student</th><th>final</th>'
            f"<th>autograded</th><th>late</th><th>adjustment</th><th>status</th>{heads}<th>flags</th>"
            f"<th>submitted</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def report_html(entries: list[dict[str, Any]], reflections: ClassReflections | None = None,
                names: dict[str, str] | None = None, missing: list[tuple[str, str]] | None = None,
                hints: dict[str, dict[str, list[str]]] | None = None) -> str:
    """The class overview: per assignment, score distribution, pass rate per check, a sortable
    student × check table (final scores, late days, adjustments, flags, a link to each feedback page
    and submitted notebook), the roster's students who handed nothing in, and (given
    ``reflections``, see :func:`labkit.grading.reflections.collect_class`) every reflection answer.
    ``names``: the roster's name per student id; ``hints``: the your-turn hints each student used."""
    names = names or {}
    by_assignment: dict[str, list[dict[str, Any]]] = {}
    for e in entries:
        by_assignment.setdefault(e.get("assignment") or "(no assignment)", []).append(e)
    sections = "".join(
        _assignment_section(a, es, names)
        + (reflections_html(reflections.for_students(e["student"] for e in es)) if reflections else "")
        for a, es in sorted(by_assignment.items()))
    hints_by_name = {names.get(student, student): tasks for student, tasks in (hints or {}).items()}
    flagged = [e for e in entries if e.get("flags")]
    extra = ""
    if flagged:
        items = "".join(f"<li>{escape(names.get(e['student'], e['student']))}: "
                        f"{escape('; '.join(e['flags']))}</li>" for e in flagged)
        extra += f"<h2>Flagged for you to look at</h2><ul>{items}</ul>"
    if missing:
        items = "".join(f"<li>{escape(name)} <small>({escape(pid)})</small></li>" for name, pid in missing)
        extra += f"<h2>On the roster, handed nothing in ({len(missing)})</h2><ul>{items}</ul>"
    body = (f"<h1>IAM castle &mdash; class report</h1><p>{_count(len(entries), 'submission')}. "
            "Each row links to the feedback the student receives.</p>"
            f"{extra}{sections or '<p>No submissions yet.</p>'}{hints_html(hints_by_name)}{SORT_SCRIPT}")
    return _page("IAM castle class report", body)
