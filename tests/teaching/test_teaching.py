"""The course's teaching rules, checked on every chapter (see docs/conventions.md, "Teaching").

Each chapter: at most 30 minutes by :mod:`labkit.pace`'s estimate, shown in its header and in
the start page's table; a header and a footer; headings in order; a checkpoint at least every 8
code cells; from 02 on, a composed your-turn task, a predict-then-run cell and a read-the-error
question; no glossary term used in code or a heading before the chapter that teaches it. Also the
machinery behind them: graduated hints (recorded, surviving a restart), predictions, skills.
These tests read the committed notebooks and run no kernel, except where a sandbox is the point.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
from botocore.exceptions import ClientError

import labkit
from labkit import knowledge_log, pace
from labkit.checks.predictions import PREDICTIONS, check_prediction, typed_predictions
from labkit.checks.your_turn_tasks import MARKER, TASKS, NotYet, typed_your_turns, your_turn
from labkit.question_bank import SKILLS, all_questions, question

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = json.loads((ROOT / "labkit" / "assets" / "glossary.json").read_text(encoding="utf-8"))["terms"]
CHAPTERS = sorted(p for p in (ROOT / "notebooks").glob("*.ipynb") if p.name != "glossary.ipynb")
IDS = [p.stem.split("-")[0] for p in CHAPTERS]
CHECKPOINT_EVERY = 8
QUIZ = re.compile(r"labkit\.widgets\.quiz\(([^)]*)\)")
EMOJI_START = re.compile(r"^#+\s+[^\w\s`*\[(\"'<]")


def _nb(path: Path) -> Any:
    return nbformat.read(path, as_version=4)


def _chapter(path: Path) -> str:
    return path.stem.split("-")[0]


def _headings(nb: Any) -> list[str]:
    lines = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            in_fence = False
            for line in cell.source.splitlines():
                in_fence ^= line.lstrip().startswith("```")
                if not in_fence and re.match(r"#{1,6} ", line):
                    lines.append(line)
    return lines


def _quiz_ids(cell: Any) -> list[str]:
    return [qid for match in QUIZ.finditer(cell.source) for qid in re.findall(r'"([^"]+)"', match.group(1))]


def _is_checkpoint(cell: Any) -> bool:
    tags = cell.metadata.get("tags", [])
    return ("your-turn" in tags or "predict" in tags or bool(_quiz_ids(cell))
            or "check_my_work" in cell.source or "labkit.your_turn(" in cell.source)


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_chapter_fits_a_sitting_and_says_so(path: Path) -> None:
    nb = _nb(path)
    minutes = pace.estimate(nb).minutes
    assert minutes <= pace.LIMIT, f"{path.name} takes {minutes} minutes (limit {pace.LIMIT}): split it"
    header = nb.cells[0]
    assert "header" in header.metadata.get("tags", []), "the first cell is the chapter's header"
    assert header.source.startswith("# ") and "\n## Before you start" in header.source
    for part in ("**You will learn to**", "**You need**", "**Level:**", "**You will build:**"):
        assert part in header.source
    assert f"**Time:** about {minutes} minutes" in header.source, "the header shows the computed time"


def test_start_page_lists_every_chapter_with_its_time_and_the_total() -> None:
    start = _nb(CHAPTERS[0])
    table = next(c.source for c in start.cells if "chapter-table" in c.metadata.get("tags", []))
    total = 0
    for path in CHAPTERS:
        minutes = pace.estimate(_nb(path)).minutes
        total += minutes
        assert re.search(rf"\]\({re.escape(path.name)}\) \| {minutes} min \|", table), path.name
    assert f"**{total} min**" in table
    assert "../exercises/capstone.ipynb" in "".join(c.source for c in start.cells)


# Every notebook a learner opens: chapters, the glossary, exercises and their solutions.
EVERY_NOTEBOOK = sorted(p for folder in ("notebooks", "exercises", "solutions")
                        for p in (ROOT / folder).glob("*.ipynb"))


@pytest.mark.parametrize("path", EVERY_NOTEBOOK, ids=[f"{p.parent.name}/{p.stem}" for p in EVERY_NOTEBOOK])
def test_headings_in_order_without_leading_emoji(path: Path) -> None:
    headings = _headings(_nb(path))
    levels = [len(h) - len(h.lstrip("#")) for h in headings]
    assert levels and levels[0] == 1 and levels.count(1) == 1, "one H1, first"
    jumps = [h for h, before, now in zip(headings[1:], levels, levels[1:], strict=False) if now > before + 1]
    assert not jumps, f"headings skip a level: {jumps}"
    emoji = [h for h in headings if EMOJI_START.match(h)]
    assert not emoji, f"headings start with a symbol (screen readers read it first): {emoji}"


# Link texts that do not say where they go (WCAG 2.4.4): read out of context, in a screen reader's list.
VAGUE_LINKS = re.compile(r"^(here|click here|this|this page|link|read more|more|see here)$", re.IGNORECASE)


@pytest.mark.parametrize("path", EVERY_NOTEBOOK, ids=[f"{p.parent.name}/{p.stem}" for p in EVERY_NOTEBOOK])
def test_link_texts_say_where_they_go(path: Path) -> None:
    texts = [t.strip() for c in _nb(path).cells if c.cell_type == "markdown"
             for t in re.findall(r"\[([^\]]+)\]\([^)]+\)", c.source)]
    vague = [t for t in texts if VAGUE_LINKS.match(t) or re.match(r"^<?https?://", t)]
    assert not vague, f"links whose text does not say where they go: {vague}"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_footer_summary_own_account_next(path: Path) -> None:
    tail = [c.source for c in _nb(path).cells if "footer" in c.metadata.get("tags", [])]
    assert [s.splitlines()[0] for s in tail] == ["## Summary", "## On your own AWS account",
                                                 "## What comes next"]
    assert 3 <= tail[0].count("\n- ") <= 5
    assert "\n1. " in tail[1] and "- [ ]" not in tail[1], "a numbered list (task-list boxes have no label)"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_a_checkpoint_at_least_every_eight_code_cells(path: Path) -> None:
    run, longest = 0, 0
    for cell in _nb(path).cells:
        if cell.cell_type != "code":
            continue
        run = 0 if _is_checkpoint(cell) else run + 1
        longest = max(longest, run)
    assert longest <= CHECKPOINT_EVERY, f"{longest} code cells in a row without a checkpoint"


def _command(answer: str) -> str:
    """The command of a model answer: ``aws <service> <action>``."""
    words = answer.lstrip("!").split()
    return " ".join(words[:3])


@pytest.mark.parametrize("path", [p for p in CHAPTERS if _chapter(p) >= "02"],
                         ids=[i for i in IDS if i >= "02"])
def test_practice_that_transfers(path: Path) -> None:
    """From 02 on: a your-turn whose command appears in no earlier cell, a prediction, a
    read-the-error question and a predict-the-outcome question."""
    nb = _nb(path)
    composed = []
    for index, cell in enumerate(nb.cells):
        task_id = cell.metadata.get("labkit", {}).get("your_turn")
        if task_id:
            command = _command(TASKS[task_id].answer)
            if not any(command in c.source for c in nb.cells[:index + 1] if c is not cell) \
                    and command not in cell.source.replace(TASKS[task_id].answer, ""):
                composed.append(task_id)
    assert composed, "no your-turn task asks for a command the chapter has not already shown"
    assert any("predict" in c.metadata.get("tags", []) for c in nb.cells), "no predict-then-run cell"
    skills = {question(q).skill for c in nb.cells if c.cell_type == "code" for q in _quiz_ids(c)}
    assert "read-error" in skills, "no read-the-error question"
    assert "predict" in skills, "no predict-the-outcome question"


def test_the_right_answer_does_not_always_sit_in_the_same_place() -> None:
    """A learner who always picks the first (or any one) option must not pass a chapter's quizzes."""
    same = []
    for path in CHAPTERS:
        ids = [q for c in _nb(path).cells if c.cell_type == "code" for q in _quiz_ids(c)]
        single = [question(q) for q in ids if question(q).kind == "single"]
        if len(single) >= 3 and len({q.correct[0] for q in single}) == 1:
            same.append(f"{path.name}: option {single[0].correct[0] + 1} every time")
    assert not same, same


def _single_questions() -> list[Any]:
    return [q for q in all_questions() if q.kind == "single"]


def test_the_right_answer_is_often_the_last_option() -> None:
    """A learner who never picks the last option must not be right more often than chance allows."""
    single = _single_questions()
    last = [q for q in single if q.correct == [len(q.options) - 1]]
    assert len(last) >= 0.15 * len(single), f"right answer last in {len(last)} of {len(single)} questions"


def test_the_right_answer_is_rarely_the_longest_option() -> None:
    """A learner who picks the longest option must not pass a chapter's quizzes."""
    by_chapter: dict[str, list[Any]] = {}
    for q in _single_questions():
        by_chapter.setdefault(q.chapter, []).append(q)
    giveaway = []
    for chapter, single in sorted(by_chapter.items()):
        longest = []
        for q in single:
            lengths = [len(o.text) for o in q.options]
            right = lengths[q.correct[0]]
            if all(right > n for i, n in enumerate(lengths) if i != q.correct[0]):
                longest.append(q.id)
        if 2 * len(longest) > len(single):
            giveaway.append(f"{chapter}: the longest option is right in {len(longest)} of {len(single)}: "
                            f"{longest}")
    assert not giveaway, giveaway


def _term_pattern(term: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(term)}s?(?![\w-])", re.IGNORECASE)


def test_glossary_is_complete_and_well_formed() -> None:
    anchors = [t["anchor"] for t in GLOSSARY]
    assert len(GLOSSARY) >= 25 and len(set(anchors)) == len(anchors)
    chapters = set(IDS)
    assert all(t["definition"] and t["chapter"] in chapters for t in GLOSSARY), "every term names a chapter"
    built = (ROOT / "notebooks" / "glossary.ipynb").read_text(encoding="utf-8")
    assert all(f'id=\\"{a}\\"' in built for a in anchors)


def test_no_term_in_code_or_a_heading_before_the_chapter_that_teaches_it() -> None:
    order = {chapter: i for i, chapter in enumerate(sorted(IDS))}
    early = []
    for path in CHAPTERS:
        nb = _nb(path)
        text = "\n".join([c.source for c in nb.cells if c.cell_type == "code"] + _headings(nb))
        for term in GLOSSARY:
            if order[_chapter(path)] < order[term["chapter"]] and _term_pattern(term["term"]).search(text):
                early.append(f"{term['term']!r} in {path.name} (taught in {term['chapter']})")
    assert not early, early


def test_glossary_links_point_at_entries() -> None:
    anchors = {t["anchor"] for t in GLOSSARY}
    text = "".join(p.read_text(encoding="utf-8") for p in CHAPTERS)
    links = set(re.findall(r"glossary\.ipynb#([\w-]+)", text))
    assert links, "chapters link the glossary"
    assert links <= anchors, links - anchors


def test_every_task_and_prediction_is_in_a_chapter_and_well_formed() -> None:
    cells = [c for p in CHAPTERS for c in _nb(p).cells]
    used_tasks = {c.metadata.get("labkit", {}).get("your_turn") for c in cells}
    used_predictions = {c.metadata.get("labkit", {}).get("predict") for c in cells}
    assert set(TASKS) <= used_tasks, set(TASKS) - used_tasks
    assert set(PREDICTIONS) <= used_predictions, set(PREDICTIONS) - used_predictions
    for task in TASKS.values():
        assert task.idea and task.shape and task.answer and task.idea != task.answer and task.minutes > 0
        assert task.shape != task.answer, f"{task.id}: the shape leaves blanks for the learner"
    assert all(q.skill in SKILLS for q in all_questions())


def test_hints_come_idea_then_shape_then_answer_and_survive_a_restart(
        lab: labkit.Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from labkit.checks import your_turn_tasks

    monkeypatch.setenv("LABKIT_PROGRESS", str(tmp_path / "log.jsonl"))
    monkeypatch.setattr(your_turn_tasks, "_failed", {})  # a fresh kernel
    task = TASKS["castle-alias"]
    seen = []
    for _ in range(2):
        with pytest.raises(NotYet) as caught:
            your_turn("castle-alias", lab)
        seen.append(str(caught.value))
    assert task.idea in seen[0] and task.shape not in seen[0] and task.answer not in seen[0]
    assert task.shape in seen[1] and task.answer not in seen[1]
    monkeypatch.setattr(your_turn_tasks, "_failed", {})  # a kernel restart forgets what it counted
    with pytest.raises(NotYet) as caught:
        your_turn("castle-alias", lab)
    assert task.answer in str(caught.value), "the log remembers two hints: the third failure shows the answer"
    assert knowledge_log.hints_used() == {"castle-alias": ["idea", "shape", "answer"]}
    lab.client("iam").create_account_alias(AccountAlias="my-castle")
    your_turn("castle-alias", lab)


def test_an_untouched_cell_asks_for_a_command_and_uses_no_hint(
        lab: labkit.Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run as a kernel runs it (IPython keeps the cell's source): the cell as the chapter gives it
    is not an attempt; the first cell with something typed in it is, and gets the idea."""
    from IPython.core.interactiveshell import InteractiveShell

    from labkit.checks import your_turn_tasks

    monkeypatch.setenv("LABKIT_PROGRESS", str(tmp_path / "log.jsonl"))
    monkeypatch.setattr(your_turn_tasks, "_failed", {})
    shell = InteractiveShell.instance()
    try:
        shell.user_ns.update(labkit=labkit, lab=lab)
        given = f'{MARKER} type your command here\n\nlabkit.your_turn("castle-alias", lab)'
        for _ in range(2):
            error = shell.run_cell(given, store_history=True).error_in_exec
            assert isinstance(error, NotYet) and "in place of" in str(error), error
            assert TASKS["castle-alias"].idea not in str(error)
        assert knowledge_log.hints_used() == {}, "running the untouched cell used a hint"
        typed = 'lab.client("iam").list_account_aliases()\nlabkit.your_turn("castle-alias", lab)'
        error = shell.run_cell(typed, store_history=True).error_in_exec
        assert isinstance(error, NotYet) and TASKS["castle-alias"].idea in str(error)
        assert knowledge_log.hints_used() == {"castle-alias": ["idea"]}
    finally:
        InteractiveShell.clear_instance()


def test_show_answer_on_request_is_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LABKIT_PROGRESS", str(tmp_path / "log.jsonl"))
    labkit.your_turn("start-visitor", show_answer=True)
    assert TASKS["start-visitor"].answer in capsys.readouterr().out
    assert knowledge_log.hints_used() == {"start-visitor": ["answer"]}


def test_a_prediction_is_read_from_the_activity_log(lab: labkit.Lab, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LABKIT_PROGRESS", str(tmp_path / "log.jsonl"))
    with pytest.raises(NotYet, match="write your prediction"):
        check_prediction("lp-knight-lists-users", "", lab)
    with pytest.raises(NotYet, match="no ListUsers call"):
        check_prediction("lp-knight-lists-users", "AccessDenied", lab)
    iam = lab.client("iam")
    iam.create_user(UserName="knight")
    knight = labkit.Credentials.from_response(iam.create_access_key(UserName="knight")["AccessKey"])
    with pytest.raises(ClientError):
        lab.client("iam", credentials=knight).list_users()
    print("It works")  # printed text must not sway the verdict
    check_prediction("lp-knight-lists-users", "It works", lab)
    check_prediction("lp-knight-lists-users", "accessdenied", lab)
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("🤔") and "AWS answered “AccessDenied”" in out[1]
    assert out[2].startswith("✅")
    assert knowledge_log.progress()["predict:lp-knight-lists-users"] == knowledge_log.Progress(2, True)
    with pytest.raises(NotYet, match="not one of the options"):
        check_prediction("lp-knight-lists-users", "NoSuchBucket", lab)


def test_harness_types_predictions_and_answers() -> None:
    path = next(p for p in CHAPTERS if any("predict" in c.metadata.get("tags", []) for c in _nb(p).cells))
    nb = typed_your_turns(_nb(path))
    sources = "\n".join(c.source for c in nb.cells)
    assert MARKER not in sources and 'prediction = ""' not in sources
    assert typed_predictions(_nb(path)) is not None


def test_hints_reach_the_class_report(lab: labkit.Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """What the your-turn cell printed, saved in a handed-in notebook, shows in the class report."""
    from labkit.checks import your_turn_tasks
    from labkit.grading.hints import collect_hints
    from labkit.grading.reports import report_html

    monkeypatch.setenv("LABKIT_PROGRESS", str(tmp_path / "log.jsonl"))
    monkeypatch.setattr(your_turn_tasks, "_failed", {})  # a fresh kernel
    with pytest.raises(NotYet) as caught:
        your_turn("castle-alias", lab)
    failing = {"output_type": "error", "ename": "NotYet", "evalue": str(caught.value), "traceback": []}
    lab.client("iam").create_account_alias(AccountAlias="my-castle")
    capsys.readouterr()
    your_turn("castle-alias", lab)
    passing = {"output_type": "stream", "name": "stdout", "text": capsys.readouterr().out}
    folder = tmp_path / "class"
    folder.mkdir()
    for student, output in (("ada", passing), ("bo", failing)):
        cell = {"cell_type": "code", "source": "", "metadata": {"labkit": {"your_turn": "castle-alias"}},
                "outputs": [output]}
        nb = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
        (folder / f"{student}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    hints = collect_hints([folder])
    assert hints == {"ada": {"castle-alias": ["idea"]}, "bo": {"castle-alias": ["idea"]}}
    page = report_html([], None, hints=hints)
    assert "Hints used in your-turn tasks" in page
    assert "<td>ada</td><td>castle-alias</td><td>idea</td>" in page


def test_the_two_hints_that_used_to_send_learners_back_the_wrong_way(lab: labkit.Lab) -> None:
    """An existing login profile without the reset flag: teach update-login-profile (create fails
    with EntityAlreadyExists). Expired MFA codes: name the cell that makes fresh ones."""
    iam = lab.client("iam")
    iam.create_user(UserName="alice-developer")
    iam.create_login_profile(UserName="alice-developer", Password="TempPassword123!")
    passed, detail = TASKS["users-temp-password"].test(lab)
    assert not passed
    assert "update-login-profile --user-name alice-developer --password-reset-required" in detail
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    with pytest.raises(ClientError, match="InvalidAuthenticationCode"):
        iam.enable_mfa_device(UserName="alice-developer", SerialNumber=device["SerialNumber"],
                              AuthenticationCode1="123456", AuthenticationCode2="789012")
    passed, detail = TASKS["mfa-enable"].test(lab)
    assert not passed and "code 1: ... code 2: ..." in detail and "again for fresh codes" in detail
