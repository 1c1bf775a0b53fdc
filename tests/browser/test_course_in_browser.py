"""The course as a learner meets it: ``labkit lab`` in headless chromium.

The steps run in order on one browser tab: the start page and its link to chapter 03; all of
chapter 03 with its authenticator; the ``users`` exercise with "Check my work"; a reflection
that survives a reload; a terminal that reaches no AWS until ``labkit serve`` connects it.
Each step leaves a screenshot (folder printed at the end of the run). The start page, chapter 03
and the exercise after "Check my work" are audited with axe-core (tests/browser/accessibility.py).
"""

from __future__ import annotations

import io
import json
import platform
import re
import time
from pathlib import Path

import pytest

from labkit.checks.users import ASSIGNMENT as USERS
from labkit.journal import collect
from labkit.notebook_format import LANGUAGE_INFO

from .accessibility import assert_accessible
from .conftest import ROOT
from .course_notebooks import (
    answer_cells,
    prediction_cells,
    quiz_cells,
    reflection_cells,
    solutions,
    what_went_wrong_cells,
    your_turn_cells,
)
from .lab_page import LabPage

pytestmark = pytest.mark.browser

START = "notebooks/00-start-here.ipynb"
CHAPTER_02 = "notebooks/02-permanent-residents.ipynb"
CHAPTER_03 = "notebooks/03-the-two-key-system-mfa.ipynb"
EXERCISE = "exercises/users.ipynb"
CODE_CHANGE_TIMEOUT = 35_000  # a TOTP code lasts 30 s: this one wait is inherent
NOTIFICATION = "@jupyterlab/apputils-extension:notification"


def test_start_page_opens_and_links_to_chapter_03(lab: LabPage) -> None:
    lab.open_course()
    assert lab.current_tab_title.startswith("00-start-here.ipynb")
    assert lab.blocking_things() == [], "something greets the learner before the start page"
    if platform.python_version() == LANGUAGE_INFO["version"]:  # else the kernel reports another version
        assert not lab.current_tab_unsaved, "the start page opened marked as changed (language_info?)"
    settings = json.loads(lab.server.api(f"/lab/api/settings/{NOTIFICATION}"))
    defaults = settings["schema"]["properties"]
    assert defaults["fetchNews"]["default"] == "false" and defaults["checkForUpdates"]["default"] is False
    lab.shot("01-start-page")
    assert_accessible(lab.page, "desktop: start page")

    lab.panel.locator("a[href*='03-the-two-key-system-mfa.ipynb']").first.click()
    lab.wait_for_notebook("03-the-two-key-system-mfa.ipynb")
    assert lab.blocking_things() == [], "opening chapter 03 showed a dialog (kernel choice?)"
    if platform.python_version() == LANGUAGE_INFO["version"]:
        assert not lab.current_tab_unsaved, "chapter 03 opened marked as changed"
    lab.shot("02-chapter-03-opened-from-link")


def test_chapter_03_runs_and_its_authenticator_ticks(lab: LabPage) -> None:
    if not lab.current_tab_title.startswith("03-the-two-key-system-mfa.ipynb"):
        lab.open(CHAPTER_03)
    _run_like_a_learner(lab, CHAPTER_03)
    _answer_the_quiz(lab, lab.panel.locator(".labkit-quiz").last, CHAPTER_03, "03a-chapter-03-quiz-answered")
    assert_accessible(lab.page, "desktop: chapter 03 after Run All")

    _check_the_authenticator(lab, "03-chapter-03-ran-authenticator", "04-authenticator-next-code")


def test_chapter_02_the_learner_types_the_books_commands_and_answers_its_checks(lab: LabPage) -> None:
    """Both your-turn cells typed, Run All, then every knowledge check (one of them multiple-answer)."""
    lab.open(CHAPTER_02)
    _run_like_a_learner(lab, CHAPTER_02)
    _answer_the_quiz(lab, lab.panel.locator(".labkit-quiz").last, CHAPTER_02, "02a-chapter-02-quiz-answered")


def test_check_my_work_passes_a_correct_answer_and_hints_a_wrong_one(lab: LabPage) -> None:
    lab.open(EXERCISE)
    cells = answer_cells(lab.server.course / EXERCISE)
    answers = solutions(ROOT / "solutions" / "users.ipynb")
    assert cells and len(cells) == len(answers)
    for index, answer in zip(cells, answers, strict=True):
        _paste(lab, index, answer)
    lab.run_all()
    results = _full_marks(lab, USERS)
    lab.shot("05-exercise-correct-all-checks-pass", results)

    reset_check = next(c for c in USERS.checks if c.id == "alice-reset-required")
    assert "--password-reset-required" in answers[0]
    _paste(lab, cells[0], answers[0].replace(" --password-reset-required", ""))
    lab.run_all()
    results = _check_my_work(lab)
    failed = results.locator("tr.labkit-check-fail")
    assert failed.count() == 1
    assert reset_check.hint in failed.inner_text()
    assert results.locator("tr.labkit-check-pass").count() == len(USERS.checks) - 1
    lab.shot("06-exercise-wrong-answer-shows-hint", results)
    assert_accessible(lab.page, "desktop: exercise after Check my work (a hint shown)")


def test_reflection_survives_save_and_reload(lab: LabPage) -> None:
    lab.open(START)
    notebook = lab.server.course / START
    index = reflection_cells(notebook)["start-goals"]
    answer = f"My team's AWS account: root still has access keys ({time.strftime('%H:%M:%S')})."
    cell = lab.cell(index)
    cell.scroll_into_view_if_needed()
    cell.locator(".jp-MarkdownOutput").dblclick()
    placeholder = cell.locator(".cm-content .cm-line").last  # "_(your answer here)_"
    placeholder.click()
    lab.page.keyboard.press("End")
    lab.page.keyboard.press("Shift+Home")
    lab.page.keyboard.type(answer)
    lab.page.keyboard.press("Shift+Enter")
    cell.locator(".jp-MarkdownOutput", has_text=answer).wait_for()
    lab.save()
    lab.shot("07-reflection-typed-and-saved", cell)

    lab.page.reload()
    lab.wait_for_notebook("00-start-here.ipynb")
    cell = lab.cell(index)
    cell.scroll_into_view_if_needed()
    cell.locator(".jp-MarkdownOutput", has_text=answer).wait_for()
    lab.shot("08-reflection-after-reload", cell)
    entry = next(e for e in collect([notebook]) if e.reflection_id == "start-goals")
    assert entry.answer == answer


def test_a_terminal_reaches_no_aws_until_labkit_serve_connects_it(lab: LabPage) -> None:
    """A JupyterLab terminal has no kernel: `aws` is refused there, until `labkit serve`'s exports."""
    lab.open(START)
    lab.page.keyboard.press("Control+Shift+c")  # the command palette
    lab.page.keyboard.type("New Terminal")
    lab.page.keyboard.press("Enter")
    tab = lab.page.locator(".lm-TabBar-tab", has_text="Terminal").last
    tab.wait_for()
    tab.click()  # a new terminal may open behind the notebook
    terminal = lab.page.locator(".jp-Terminal:visible").last
    terminal.wait_for()
    terminal.click()
    refused, connected = lab.server.course / "no-sandbox.txt", lab.server.course / "connected.txt"
    lab.page.keyboard.type(
        "aws iam list-users 2> no-sandbox.txt; labkit serve > serve.txt & sleep 3; "
        'eval "$(grep ^export serve.txt)"; aws sts get-caller-identity > connected.txt 2>&1; '
        "kill %1; clear; cat no-sandbox.txt connected.txt\n"
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (connected.exists() and connected.read_text().strip()):
        time.sleep(0.5)
    time.sleep(1)  # let the terminal draw the `cat`
    lab.shot("09-terminal-refused-then-connected", terminal)
    assert "no sandbox is connected to this shell" in refused.read_text()
    assert "labkit serve" in refused.read_text()
    assert json.loads(connected.read_text())["Arn"] == "arn:aws:iam::123456789012:root"


# -- helpers --------------------------------------------------------------------------------
def _type_your_turns(lab: LabPage, notebook: Path) -> None:
    """Type each "Your turn" answer over its cell's first line, key by key, as a learner would."""
    for index, answer in your_turn_cells(notebook).items():
        editor = lab.cell(index).locator(".cm-content")
        editor.scroll_into_view_if_needed()
        editor.click()
        lab.page.keyboard.press("Control+Home")
        lab.page.keyboard.press("Shift+End")
        lab.page.keyboard.type(answer)
        lab.page.keyboard.press("Escape")
        typed = "\n".join(lab.cell_source(index).split("\n")[:answer.count("\n") + 1])
        assert typed == answer, f"typed {typed!r}, meant {answer!r} (the editor closed a bracket?)"


def _write_predictions(lab: LabPage, notebook: Path) -> None:
    """Write each predict-then-run cell's prediction on its ``prediction = ""`` line, key by key."""
    for index, (line, written) in prediction_cells(notebook).items():
        editor = lab.cell(index).locator(".cm-content")
        editor.scroll_into_view_if_needed()
        editor.click()
        lab.page.keyboard.press("Control+Home")
        for _ in range(line):
            lab.page.keyboard.press("ArrowDown")
        lab.page.keyboard.press("Home")
        lab.page.keyboard.press("Shift+End")
        lab.page.keyboard.type(written)
        lab.page.keyboard.press("Escape")
        typed = lab.cell_source(index).split("\n")[line]
        assert typed == written, f"wrote {typed!r}, meant {written!r}"



def _quiz_ids(notebook: Path) -> list[str]:
    """The question ids of the last knowledge check in a chapter (as its cell names them)."""
    cells = json.loads(notebook.read_text())["cells"]
    calls = [m for c in cells if c["cell_type"] == "code"
             for m in re.findall(r"labkit\.widgets\.quiz\(([^)]*)\)", "".join(c["source"]))]
    return re.findall(r'"([^"]+)"', calls[-1])


def _run_like_a_learner(lab: LabPage, chapter: str, source: Path | None = None,
                        timeout: float = 120_000) -> tuple[list[list[dict[str, str]]], float]:
    """Type every your-turn command, Run All, and see only the errors the chapter makes on purpose.

    ``source`` is the notebook's file when it is not ``chapter`` in the server's course folder.
    Returns every cell's outputs, and the seconds Run All took.
    """
    path = source or lab.server.course / chapter
    _type_your_turns(lab, path)
    _write_predictions(lab, path)
    seconds = lab.run_all(timeout=timeout)
    outputs = lab.outputs()
    for index in your_turn_cells(path):
        shown = "".join(o["text"] for o in outputs[index])
        assert "✅" in shown, f"your-turn cell {index} not confirmed: {shown[:300]}"
    for index in prediction_cells(path):
        shown = "".join(o["text"] for o in outputs[index])
        verdict = "✅ You predicted" in shown or "🤔 You predicted" in shown
        assert verdict, f"prediction cell {index} gave no verdict: {shown[:300]}"
    allowed = what_went_wrong_cells(path)
    shown_errors = {index: [out["text"][:300] for out in outs if _is_error(out)]
                    for index, outs in enumerate(outputs)}
    unexpected = {i: errs for i, errs in shown_errors.items() if errs and i not in allowed}
    assert not unexpected, f"cells show errors: {unexpected}"
    # The failures shown on purpose: each marked cell, and some cell of a "What went wrong" section
    # (a section may also hold a step that prints nothing, as a successful `aws iam delete-access-key`).
    silent = {i for i in allowed if not outputs[i]}
    marked = what_went_wrong_cells(path, marked_only=True)
    assert not silent & marked, f"marked cells printed nothing: {silent & marked}"
    assert not allowed or silent != allowed, "no 'what went wrong' cell printed anything"
    _no_aws_errors_but_on_purpose(outputs, allowed | quiz_cells(path))  # a question may quote an error
    return outputs, seconds


# What `!aws` prints when it fails (to the notebook's stdout, as a terminal shows it): only expected
# in a "what went wrong" cell. The last one is the browser edition's refusal (labkit.editions.pipeline).
AWS_FAILURES = ("An error occurred (", "aws: error:", "usage: aws", "not available in the browser edition")


def _no_aws_errors_but_on_purpose(outputs: list[list[dict[str, str]]], allowed: set[int]) -> None:
    failed = {i: text[:300] for i, outs in enumerate(outputs) if i not in allowed
              for text in ["".join(o["text"] for o in outs)] if any(f in text for f in AWS_FAILURES)}
    assert not failed, f"aws failed in cells that should work: {failed}"


def _answer_the_quiz(lab: LabPage, quiz, chapter: str, shot: str) -> None:  # noqa: ANN001 - a Locator
    """Every question of a chapter's last knowledge check: a wrong answer gets its reason, then the
    right one (read from labkit's question bank, not from the notebook) gets "Right!"."""
    from labkit.question_bank import question

    quiz.scroll_into_view_if_needed()
    cards = quiz.locator(".labkit-quiz-question")
    ids = _quiz_ids(ROOT / chapter)  # the course as committed; both editions serve these notebooks
    assert cards.count() == len(ids) >= 3
    for index, qid in enumerate(ids):
        q, card = question(qid), cards.nth(index)
        card.scroll_into_view_if_needed()
        kind = "radio" if q.kind == "single" else "checkbox"
        options = card.locator(f"input[type={kind}]")
        assert options.count() == len(q.options)
        wrong = next(i for i, o in enumerate(q.options) if not o.correct)
        options.nth(wrong).check()
        card.locator("button", has_text="Check").click()
        card.locator(".labkit-quiz-feedback", has_text="Not quite").wait_for()
        if kind == "checkbox":
            options.nth(wrong).uncheck()
        for right in q.correct:
            options.nth(right).check()
        card.locator("button", has_text="Check").click()
        card.locator(".labkit-quiz-feedback", has_text="Right!").wait_for()
    lab.shot(shot, quiz)


def _check_the_authenticator(lab: LabPage, shot: str, next_shot: str) -> None:
    """The chapter's authenticator as a learner's phone sees it: the QR image loads and decodes to
    an ``otpauth://totp/`` URI, it shows a 6-digit code, and the code changes to another one."""
    phone = lab.panel.locator(".labkit-authenticator").first
    phone.scroll_into_view_if_needed()
    qr = phone.locator("img.labkit-qr")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0"), "the QR image did not load"
    assert _decode_qr(qr.screenshot()).startswith("otpauth://totp/")
    code = phone.locator(".labkit-code")
    first = code.text_content().strip()
    assert re.fullmatch(r"\d{6}", first), f"the authenticator shows {first!r}, not a 6-digit code"
    lab.shot(shot, phone)
    said = phone.locator(".labkit-announce [aria-live=polite]").text_content() or ""
    assert " ".join(first) in said, f"the new code is not announced: {said!r}"
    key = phone.locator("button.labkit-copy-key")
    key.click()  # "Can't scan?": the key goes to the clipboard, without its spaces
    phone.locator(".labkit-copy-status", has_text="Key copied").wait_for()
    assert lab.page.evaluate("navigator.clipboard.readText()") == key.get_attribute("data-key")
    lab.page.wait_for_function("([el, old]) => el.textContent.trim() !== old",
                               arg=[code.element_handle(), first], timeout=CODE_CHANGE_TIMEOUT)
    second = code.text_content().strip()
    assert re.fullmatch(r"\d{6}", second) and second != first, (first, second)
    lab.shot(next_shot, phone)


def _is_error(output: dict[str, str]) -> bool:
    """An error as the learner sees it: a traceback, stderr, or a widget that failed."""
    return output["mime"] == "application/vnd.jupyter.stderr" or "Error displaying widget" in output["text"]


def _decode_qr(png: bytes) -> str:
    """Read the QR code from a screenshot of it, as a phone's camera would."""
    import zxingcpp
    from PIL import Image

    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert found, "no QR code could be read from the authenticator's image"
    return str(found[0].text)


def _paste(lab: LabPage, index: int, text: str) -> None:
    lab.set_cell_source(index, text)
    typed = lab.cell_source(index)
    assert typed.split() == text.split(), f"pasting into cell {index} gave:\n{typed}"


def _full_marks(lab: LabPage, assignment):  # noqa: ANN001, ANN202 - an Assignment; a Locator
    """Click "Check my work": every check of ``assignment`` passes. Returns the results table."""
    results = _check_my_work(lab)
    assert results.locator("tr.labkit-check-pass").count() == len(assignment.checks), results.inner_text()
    assert "All checks pass" in results.inner_text()
    return results


def _check_my_work(lab: LabPage):  # noqa: ANN202 - a Playwright Locator
    widget = lab.panel.locator(".labkit-check-my-work").last
    widget.scroll_into_view_if_needed()
    widget.locator("button.labkit-check").click()
    results = widget.locator(".labkit-check-results")
    results.wait_for()
    return results


