"""The browser edition (``make site``) as a learner meets it: a folder of static files, one tab.

The site is built (cached: rebuilt only when what it is made from changed), served on
127.0.0.1 and opened in Debian's chromium, which cannot resolve any other host; every
request the page or its workers make to another host is recorded and fails the test. In
order, on one tab: the first visit up to chapter 00's first cell (with its size); chapter
03 top to bottom (QR code, live codes, ``!aws`` output); the ``users`` exercise to a full
"Check my work" score, downloaded as a learner hands it in, and graded by ``labkit grade``
like a desktop submission; the learner's work still there after a reload; then every other
notebook of ``notebooks/`` and ``solutions/`` top to bottom, each in a fresh kernel (solutions
uploaded into the site's storage first, and scoring full marks in "Check my work"). The same
chapter 03 also runs on the desktop kernel (``labkit lab``) in the same browser, for the timing
tables printed at the end of the run (and saved beside the screenshots). Each page a learner
reaches (the start page, every notebook after Run All, the exercise after "Check my work") is
audited with axe-core for WCAG 2.2 AA (tests/browser/accessibility.py).
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from labkit.checks import get_assignment
from labkit.checks.users import ASSIGNMENT as USERS

from .accessibility import assert_accessible
from .conftest import ROOT, VIEWPORT, record_table
from .course_notebooks import answer_cells, solutions, what_went_wrong_cells, your_turn_cells
from .lab_page import LabPage
from .lite_page import LitePage
from .server import copy_course, start_lab
from .site_server import SiteServer, build_site, site_dir
from .test_course_in_browser import (
    _answer_the_quiz,
    _check_the_authenticator,
    _full_marks,
    _is_error,
    _paste,
    _run_like_a_learner,
    _type_your_turns,
    _write_predictions,
)

pytestmark = pytest.mark.browser

START = "notebooks/00-start-here.ipynb"
CHAPTER_03 = "notebooks/03-the-two-key-system-mfa.ipynb"
EXERCISE = "exercises/users.ipynb"
BUDGET_BYTES = 40 * 1000 * 1000  # a first visit, compressed transfer, before chapter 00's first cell runs
# Chromium resolves no host name but loopback: a request elsewhere cannot even start.
# Every notebook the course has, each run top to bottom in a fresh kernel in this module.
EVERY_NOTEBOOK = [p.relative_to(ROOT).as_posix() for folder in ("notebooks", "solutions")
                  for p in sorted((ROOT / folder).glob("*.ipynb"))]
# Lines whose browser output must read as the desktop's (same bytes: test_browser_pipeline.py).
EXPECTED = {"notebooks/04-the-master-key-in-the-vault.ipynb": (
    "| base64 --decode | cut -d, -f1,4,5,8,9,11",
    "user,password_enabled,password_last_used,mfa_active,access_key_1_active,access_key_1_last_used_date")}
_timings: dict[str, float] = {}
_notebooks: dict[str, tuple[float, float, float]] = {}  # notebook -> (open, Run All, whole test) seconds


@pytest.fixture(scope="module")
def site(chromium: Path, shots: Path) -> Iterator[SiteServer]:
    folder = build_site(site_dir(), shots / "make-site.log")
    server = SiteServer(folder).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def lab(browser: Any, site: SiteServer, shots: Path) -> Iterator[LitePage]:
    """A new browser profile (empty cache and storage: a first visit) on the site."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.base_url)
    context.set_default_timeout(30_000)
    page = LitePage(context.new_page(), site, shots)

    page.refuse_other_hosts(context)
    try:
        yield page
    finally:
        context.close()


def test_first_visit_runs_chapter_00_within_the_size_budget(lab: LitePage, site: SiteServer) -> None:
    opened = time.monotonic()
    lab.open_course()
    _timings["kernel"] = time.monotonic() - opened
    assert lab.current_tab_title.startswith("00-start-here.ipynb")
    assert lab.blocking_things() == [], "something greets the learner before the start page"
    assert "File → Download" in (lab.panel.text_content() or ""), "the start page must say how to hand in"
    lab.shot("browser-edition-01-start-page")
    assert_accessible(lab.page, "browser edition: start page")

    outputs = lab.run_first_cell()
    _timings["first_cell"] = time.monotonic() - opened
    _timings["first_visit_bytes"] = site.served.total()
    text = " ".join(o["text"] for o in outputs)
    assert "IAM castle sandbox ready" in text and "inside this kernel" in text, text
    assert not any(_is_error(o) for o in outputs), text
    lab.shot("browser-edition-02-chapter-00-first-cell")

    served = site.served.paths()
    assert any(p.endswith("/static/pyodide/pyodide.asm.wasm") for p in served), "no Pyodide from the site"
    assert any(re.search(r"/static/pyodide/labkit-[^/]*\.whl$", p) for p in served)
    assert _timings["first_visit_bytes"] <= BUDGET_BYTES, \
        f"a first visit downloaded {_timings['first_visit_bytes'] / 1e6:.1f} MB"
    lab.assert_offline()


def test_chapter_03_runs_top_to_bottom_in_the_browser(lab: LitePage) -> None:
    outputs = _run_in_a_fresh_kernel(lab, CHAPTER_03)
    _timings["chapter_03_browser"] = _notebooks[CHAPTER_03][1]
    allowed = what_went_wrong_cells(ROOT / CHAPTER_03)

    sources = {**_code_sources(ROOT / CHAPTER_03), **your_turn_cells(ROOT / CHAPTER_03)}  # as typed
    aws_cells = [i for i, src in sources.items() if src.lstrip().startswith("!aws") or "\n!aws" in src]
    assert aws_cells, "chapter 03 has no !aws line any more: pick another check"
    printed = {i: " ".join(o["text"] for o in outputs[i]) for i in aws_cells}
    for text in printed.values():  # a successful `aws iam enable-mfa-device` prints nothing, as on AWS
        assert "OSError" not in text and "Not available" not in text, text[:300]
    answered = [i for i in aws_cells if i not in allowed and printed[i].strip()]
    assert answered, "no !aws line printed an answer"
    shown = lab.cell(answered[0])
    shown.scroll_into_view_if_needed()
    shown.locator(".jp-OutputArea-output").first.wait_for(state="visible")
    lab.shot("browser-edition-03-aws-output", shown)
    quiz = lab.panel.locator(".labkit-quiz").last
    _answer_the_quiz(lab, quiz, CHAPTER_03, "browser-edition-03a-quiz-answered")
    assert_accessible(lab.page, f"browser edition: {CHAPTER_03}")

    _check_the_authenticator(lab, "browser-edition-04-chapter-03-authenticator",
                             "browser-edition-05-authenticator-next-code")
    lab.assert_offline()


def test_chapter_03_on_the_desktop_kernel_for_comparison(browser: Any, shots: Path,
                                                         tmp_path: Path) -> None:
    """The same chapter in JupyterLab with the desktop kernel, in the same browser: the timing row.

    Its own ``labkit lab`` on its own copy of the course, so the desktop tests' server is untouched.
    """
    course = copy_course(ROOT, tmp_path / "course")
    server = start_lab(course, tmp_path / "home", shots / "jupyterlab-timing.log")
    context = browser.new_context(viewport=VIEWPORT)
    try:
        desktop = LabPage(context.new_page(), server, shots)
        desktop.open(CHAPTER_03)
        _type_your_turns(desktop, ROOT / CHAPTER_03)
        _write_predictions(desktop, ROOT / CHAPTER_03)
        started = time.monotonic()
        desktop.run_all(timeout=600_000)
        _timings["chapter_03_desktop"] = time.monotonic() - started
        desktop.shot("browser-edition-06-same-chapter-desktop-kernel")
    finally:
        context.close()
        server.stop()


def test_exercise_scores_full_marks_and_its_download_grades_the_same(lab: LitePage, tmp_path: Path) -> None:
    lab.open(EXERCISE)
    cells = answer_cells(ROOT / EXERCISE)
    answers = solutions(ROOT / "solutions" / "users.ipynb")
    assert cells and len(cells) == len(answers)
    for index, answer in zip(cells, answers, strict=True):
        _paste(lab, index, answer)
    lab.run_all(timeout=600_000)
    results = _full_marks(lab, USERS)
    lab.shot("browser-edition-07-exercise-full-score", results)
    assert_accessible(lab.page, "browser edition: exercise after Check my work")

    lab.save()
    with lab.page.expect_download() as download:  # File > Download: what the start page tells learners
        lab.menu("File", "docmanager:download")
    handed_in = tmp_path / "submissions" / "ana.ipynb"
    handed_in.parent.mkdir()
    download.value.save_as(handed_in)
    notebook = json.loads(handed_in.read_text())
    assert any("--password-reset-required" in "".join(c["source"]) for c in notebook["cells"])

    out = tmp_path / "grades"
    graded = subprocess.run([str(Path(sys.executable).with_name("labkit")), "grade", str(handed_in.parent),
                             "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert graded.returncode == 0, graded.stdout[-2000:] + graded.stderr[-2000:]
    with open(out / "grades.csv", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert (row["student"], row["assignment"], row["status"]) == ("ana", USERS.id, "graded"), row
    assert row["score"] == row["max_score"] and float(row["score"]) > 0, row
    lab.assert_offline()


def test_work_persists_in_browser_storage_across_a_reload(lab: LitePage) -> None:
    """What the learner saved is still there after the tab is reloaded (JupyterLite's storage)."""
    cells = answer_cells(ROOT / EXERCISE)
    before = lab.cell_source(cells[0])
    assert "create-user" in before or "create_user" in before
    lab.page.reload()  # the notebook's text is read from storage; no need to wait for its kernel
    lab.page.locator(".lm-TabBar-tab.jp-mod-current", has_text=Path(EXERCISE).name).wait_for(timeout=120_000)
    lab.cell(cells[0]).locator(".cm-content").wait_for(timeout=120_000)
    assert lab.cell_source(cells[0]).split() == before.split()
    lab.shot("browser-edition-08-work-kept-after-reload", lab.cell(cells[0]))
    lab.assert_offline()


def _shot_name(notebook: str) -> str:
    return Path(notebook).with_suffix("").as_posix().replace("/", "-")


@pytest.mark.parametrize("notebook", [n for n in EVERY_NOTEBOOK if n != CHAPTER_03],  # 03: its own test
                         ids=_shot_name)
def test_every_notebook_runs_top_to_bottom_in_a_fresh_kernel(lab: LitePage, notebook: str) -> None:
    """Each chapter, the start page, the glossary and each solution, in a new kernel: your-turns
    typed, Run All, errors only where the notebook makes them on purpose; every question of a
    chapter's knowledge check answered (wrong, then right); a solution scores full marks."""
    outputs = _run_in_a_fresh_kernel(lab, notebook)
    if notebook.startswith("notebooks/") and "widgets.quiz(" in (ROOT / notebook).read_text(encoding="utf-8"):
        _answer_the_quiz(lab, lab.panel.locator(".labkit-quiz").last, notebook,
                         f"browser-edition-every-{_shot_name(notebook)}-quiz")
    if notebook in EXPECTED:
        line, shown = EXPECTED[notebook]
        sources = _code_sources(ROOT / notebook)
        (index,) = [i for i, src in sources.items() if line in src]
        printed = " ".join(o["text"] for o in outputs[index])
        assert shown in printed and "<root_account>" in printed, printed[:500]
        lab.shot(f"browser-edition-every-{_shot_name(notebook)}-pipeline", lab.cell(index))
    if notebook.startswith("solutions/"):
        started = time.monotonic()
        _full_marks(lab, get_assignment(Path(notebook).stem))
        lab.shot(f"browser-edition-every-{_shot_name(notebook)}-full-marks",
                 lab.panel.locator(".labkit-check-results").last)
        opened, ran, whole = _notebooks[notebook]
        _notebooks[notebook] = (opened, ran, whole + time.monotonic() - started)
    assert_accessible(lab.page, f"browser edition: {notebook}")  # after Run All (and the quiz or checks)
    lab.assert_offline()


def test_timing_table(shots: Path) -> None:
    """Print what this run measured (no assertion on speed: the machine is shared)."""
    if "kernel" not in _timings and not _notebooks:
        pytest.skip("no browser-edition test ran")
    rows = [("site open -> kernel ready (first visit, Pyodide)", _timings.get("kernel")),
            ("site open -> chapter 00's first cell done (labkit.start)", _timings.get("first_cell")),
            ("chapter 03 top to bottom, browser edition (Pyodide)", _timings.get("chapter_03_browser")),
            ("chapter 03 top to bottom, desktop kernel (labkit lab)", _timings.get("chapter_03_desktop"))]
    lines = ["| measurement | seconds |", "|---|---:|"]
    lines += [f"| {name} | {value:.1f} |" if value is not None else f"| {name} | (not run) |"
              for name, value in rows]
    if _timings.get("chapter_03_browser") and _timings.get("chapter_03_desktop"):
        ratio = _timings["chapter_03_browser"] / _timings["chapter_03_desktop"]
        lines.append(f"| chapter 03, browser / desktop | {ratio:.2f}x |")
    size = _timings.get("first_visit_bytes")
    if size is not None:
        lines.append(f"| first visit, bytes sent (gzip as a static host) before chapter 00's first cell ran "
                     f"| {size / 1e6:.1f} MB |")
    (shots / "browser-edition-timings.md").write_text("\n".join(lines) + "\n")
    record_table("browser edition: measured in this run", lines)

    each = ["| notebook (fresh Pyodide kernel) | open -> kernel ready (s) | Run All (s) | whole test (s) |",
            "|---|---:|---:|---:|"]
    each += [f"| {name} | {opened:.1f} | {ran:.1f} | {whole:.1f} |"
             for name, (opened, ran, whole) in sorted(_notebooks.items())]
    if _notebooks:
        total = [sum(column) for column in zip(*_notebooks.values(), strict=True)]
        each.append(f"| all {len(_notebooks)} of {len(EVERY_NOTEBOOK)} | {total[0]:.1f} | {total[1]:.1f} "
                    f"| {total[2]:.1f} |")
    (shots / "browser-edition-notebooks.md").write_text("\n".join(each) + "\n")
    record_table("browser edition: every notebook top to bottom, measured in this run", each)


def _run_in_a_fresh_kernel(lab: LitePage, notebook: str) -> list[list[dict[str, str]]]:
    """``notebook`` (from the course as committed) in a new kernel, as a learner runs it; its
    outputs. A solution is not on the site: it is uploaded into the browser's storage first."""
    source = ROOT / notebook
    started = time.monotonic()
    path = lab.upload(source, f"solution-{source.name}") if notebook.startswith("solutions/") else notebook
    lab.open(path)
    opened = time.monotonic() - started
    outputs, ran = _run_like_a_learner(lab, notebook, source, timeout=600_000)
    lab.shot(f"browser-edition-every-{_shot_name(notebook)}")
    _notebooks[notebook] = (opened, ran, time.monotonic() - started)
    return outputs


def _code_sources(path: Path) -> dict[int, str]:
    cells = json.loads(path.read_text())["cells"]
    return {i: "".join(c["source"]) for i, c in enumerate(cells) if c["cell_type"] == "code"}
