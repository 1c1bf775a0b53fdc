"""An accessibility audit of a page with axe-core: what the course owns fails the test, the rest is listed.

axe-core (npm, installed into ``build/axe`` by ``scripts/install-axe.sh``; nothing is fetched at
run time) is injected into the page and run with the WCAG 2.0, 2.1 and 2.2 level A and AA rules.
Each finding is sorted by where its element is:

- **the course's own**: rendered Markdown cells, HTML and widget outputs, the ``.labkit-*``
  widgets, and the whole of a page the course renders itself (the grader's reports);
- **JupyterLab's own**: everything else (menus, toolbars, the file browser...). Listed in the
  summary and in ``test-artifacts/browser/accessibility.md``, never failing: not ours to fix
  (docs/accessibility.md links JupyterLab's issues).

:func:`assert_accessible` fails on a serious or critical finding in the course's own content
(``LABKIT_A11Y_MEASURE=1`` lists them without failing: to count an older commit's findings, the
"before" of docs/accessibility.md). When axe-core could not be installed the audits do nothing and
the run's summary says why.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .conftest import ROOT, artifacts_dir, record_table, report_skip

__all__ = ["AXE", "COURSE_OWNED", "Finding", "assert_accessible", "audit", "axe_missing"]

AXE = ROOT / "build" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.2 level AA is levels A and AA of WCAG 2.0, 2.1 and 2.2 (axe's tags for them).
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING = ("serious", "critical")
# What the course renders inside JupyterLab: its Markdown, its HTML and widget outputs, its widgets.
COURSE_OWNED = (".jp-MarkdownCell .jp-RenderedMarkdown, .jp-OutputArea-output.jp-RenderedHTMLCommon, "
                ".jp-OutputArea-output .jupyter-widgets, [class*='labkit-']")
WHOLE_PAGE = "html"  # a page the course renders itself: every element is the course's

_RUN = """async ([tags, owned]) => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                            resultTypes: ['violations'], elementRef: true});
    return result.violations.flatMap(v => v.nodes.map(n => ({
        rule: v.id, impact: n.impact || v.impact || 'minor', help: v.help, url: v.helpUrl,
        target: n.target.join(' '), html: n.html.slice(0, 240),
        why: (n.failureSummary || '').slice(0, 400),
        course: !!(n.element && n.element.closest(owned)),
    })));
}"""


@dataclass(frozen=True)
class Finding:
    """One element that breaks one axe rule."""

    where: str  # the page audited (a notebook, "report.html"...)
    rule: str
    impact: str
    help: str
    url: str
    target: str
    html: str
    why: str
    course: bool

    def line(self) -> str:
        return f"[{self.impact}] {self.rule} ({self.help}) at {self.target}: {self.html}\n    {self.why}"


@dataclass
class _Log:
    findings: list[Finding] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)


_log = _Log()


def axe_missing() -> str | None:
    """Why the audits cannot run, or None when axe-core is installed."""
    if AXE.is_file():
        return None
    return (f"accessibility audits need axe-core at {AXE.relative_to(ROOT)}, and scripts/install-axe.sh "
            "could not install it (no npm, or no registry)")


def audit(page: Any, where: str, owned: str = COURSE_OWNED) -> list[Finding]:
    """Run axe-core on ``page`` as it is now; every finding (the course's and JupyterLab's)."""
    reason = axe_missing()
    if reason:
        report_skip("accessibility audits SKIPPED", reason)
        return []
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = [Finding(where=where, **raw) for raw in page.evaluate(_RUN, [WCAG_22_AA, owned])]
    _log.findings.extend(found)
    _log.pages.append(where)
    _write_summary()
    return found


def assert_accessible(page: Any, where: str, owned: str = COURSE_OWNED) -> list[Finding]:
    """Audit ``page``; fail on a serious or critical finding in what the course owns."""
    found = audit(page, where, owned)
    ours = [f for f in found if f.course and f.impact in FAILING]
    if os.environ.get("LABKIT_A11Y_MEASURE") == "1":
        return found
    assert not ours, f"{where}: {len(ours)} serious/critical accessibility findings in the course's own " \
                     "content:\n" + "\n".join(f.line() for f in ours[:15])
    return found


def counts_by_rule(findings: list[Finding]) -> Counter[tuple[str, str]]:
    """(rule, impact) -> how many elements break it."""
    return Counter((f.rule, f.impact) for f in findings)


def _write_summary() -> None:
    """The audit's table: findings by rule, the course's and JupyterLab's, and every course finding."""
    lines = [f"pages audited: {len(_log.pages)}", "",
             "| owner | rule | impact | elements | pages |", "|---|---|---|---:|---:|"]
    for owner, course in (("course", True), ("JupyterLab", False)):
        mine = [f for f in _log.findings if f.course is course]
        pages: dict[tuple[str, str], set[str]] = {}
        for f in mine:
            pages.setdefault((f.rule, f.impact), set()).add(f.where)
        for (rule, impact), n in sorted(counts_by_rule(mine).items()):
            lines.append(f"| {owner} | {rule} | {impact} | {n} | {len(pages[(rule, impact)])} |")
    record_table("accessibility (axe-core, WCAG 2.2 AA): findings by rule", lines)
    detail = [f"- {f.where}: {f.line()}" for f in _log.findings if f.course]
    theirs: dict[str, Finding] = {}
    for f in _log.findings:
        if not f.course:
            theirs.setdefault(f.rule, f)
    examples = [f"- {f.rule}: {f.target} {f.html}" for f in theirs.values()]
    folder: Path = artifacts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    text = lines + ["", "course findings:", *detail, "", "JupyterLab's, one example per rule:", *examples]
    (folder / "accessibility.md").write_text("\n".join(text) + "\n")
