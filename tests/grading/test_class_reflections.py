"""Reflections of a class: per prompt, per student, blanks marked — in the journal and the report."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from labkit.grading.reflections import collect_class, render_class
from labkit.grading.reports import report_html
from labkit.journal import knowledge_lines

ROOT = Path(__file__).resolve().parents[2]
EXERCISE = ROOT / "exercises" / "users.ipynb"


def _submission(folder: Path, student: str, answer: str | None) -> Path:
    nb = json.loads(EXERCISE.read_text())
    for cell in nb["cells"]:
        if "reflection" in cell["metadata"].get("tags", []) and answer is not None:
            cell["source"] = "".join(cell["source"]).split("\n---\n")[0] + "\n---\n" + answer
    path = folder / f"{student}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb))
    return path


def _class(tmp_path: Path) -> Path:
    folder = tmp_path / "class"
    _submission(folder, "ana", "Keys for the CI job? No: a role.\nPasswords only for people.")
    _submission(folder, "ben", None)                       # left blank
    _submission(folder, "group-b/cy", "<b>bold</b> & honest")
    nb = json.loads(EXERCISE.read_text())                  # deleted the reflection cell
    nb["cells"] = [c for c in nb["cells"] if "reflection" not in c["metadata"].get("tags", [])]
    (folder / "dee.ipynb").write_text(json.dumps(nb))
    (folder / "eve.ipynb").write_text("{not json")
    return folder


def test_collect_class_keeps_every_student_apart(tmp_path: Path) -> None:
    reflections = collect_class([_class(tmp_path)])
    assert reflections.students == ("ana", "ben", "dee", "eve", "group-b/cy")
    (rid, prompt), = reflections.prompts
    assert rid == "ex-users-keys-vs-passwords" and prompt.startswith("Which people and programs")
    by = reflections.answers[rid]
    assert by["ana"] == "Keys for the CI job? No: a role.\nPasswords only for people."
    assert by["ben"] is None and "dee" not in by and by["group-b/cy"] == "<b>bold</b> & honest"
    assert reflections.unreadable == ("eve",)
    text = render_class(reflections)
    assert text.count(f"## {prompt}") == 1
    assert "**ben**\n\n_(blank)_" in text and "**dee**\n\n_(no such prompt in this notebook)_" in text
    assert text.index("**ana**") < text.index("**ben**") < text.index("**group-b/cy**")
    assert "_2 answered, 3 blank or missing_" in text


def test_report_shows_reflections_escaped_with_blanks_marked(tmp_path: Path) -> None:
    reflections = collect_class([_class(tmp_path)])
    entries = [{"student": s, "assignment": "users", "status": "graded", "score": 0, "max_score": 10,
                "checks": [], "detail": ""} for s in ("ana", "ben", "dee", "group-b/cy")]
    html = report_html(entries, reflections)
    section = html.split("<h3>Reflections</h3>", 1)[1]
    assert "Passwords only for people." in section
    assert "<b>bold</b>" not in section and "&lt;b&gt;bold&lt;/b&gt; &amp; honest" in section
    assert '<td class="blank">(blank)</td>' in section
    assert "(this prompt is missing from the notebook)" in section
    assert "<td>eve</td>" not in section  # not graded for this assignment: not in its section
    assert "2 of 4 students answered" in section


def test_labkit_journal_on_a_class_writes_one_section_per_prompt(tmp_path: Path) -> None:
    folder = _class(tmp_path)
    labkit = str(Path(sys.executable).parent / "labkit")
    for args in (["--class"], []):  # explicit, and recognised: several notebooks answer one prompt
        out = tmp_path / f"reflections{len(args)}.md"
        done = subprocess.run([labkit, "journal", str(folder), "--out", str(out), *args],
                              capture_output=True, text=True, check=True)
        assert "reflections of 5 submission(s)" in done.stdout
        text = out.read_text()
        assert text.startswith("# Reflections of the class") and "**ana**" in text and "_(blank)_" in text


def test_one_learners_folder_is_still_one_journal(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    labkit = str(Path(sys.executable).parent / "labkit")
    done = subprocess.run([labkit, "journal", str(tmp_path / "notebooks"), "--out", str(tmp_path / "j.md")],
                          capture_output=True, text=True, check=True)
    assert "answered" in done.stdout and "class" not in done.stdout


def test_the_journal_shows_knowledge_check_progress(tmp_path: Path) -> None:
    from labkit.knowledge_log import record

    log = tmp_path / "answers.jsonl"
    assert knowledge_lines(log) == []
    record("users-ci-identity", [0], False, path=log)
    record("users-ci-identity", [3], True, path=log)
    record("mfa-two-codes", [1], False, path=log)
    lines = "\n".join(knowledge_lines(log))
    assert "- Chapter 05b: 1/4 answered right (2 attempts)" in lines  # users-ci-identity is taught in 05b
    assert "- Chapter 03: 0/5 answered right (1 attempts); still to do: mfa-two-codes" in lines
