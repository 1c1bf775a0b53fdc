"""The reflection journal: every answer, verbatim and in order; open prompts listed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from labkit.journal import collect, render, write_journal

ROOT = Path(__file__).resolve().parents[2]


def _answer(path: Path, answers: dict[str, str]) -> None:
    """Write answers into reflection cells the way JupyterLab saves an edited cell."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        rid = cell.metadata.get("labkit", {}).get("reflection")
        if rid in answers:
            head = cell.source.split("\n---\n")[0]
            cell.source = f"{head}\n---\n{answers[rid]}"
    nbformat.write(nb, path)


def test_journal_round_trip(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    entries = collect([tmp_path / "notebooks"])
    assert len(entries) >= 6 and all(e.answer is None for e in entries)
    ids = [e.reflection_id for e in entries]
    answers = {rid: f"Answer {i} to {rid}:\n- with a list\n- and *emphasis* ✓" for i, rid in enumerate(ids)
               if i % 2 == 0}
    for path in sorted((tmp_path / "notebooks").glob("*.ipynb")):
        _answer(path, answers)
    after = collect([tmp_path / "notebooks"])
    assert [e.reflection_id for e in after] == ids  # nothing lost, nothing reordered
    assert {e.reflection_id: e.answer for e in after if e.answer} == answers
    text = render(after)
    positions = [text.index(answers[rid]) for rid in ids if rid in answers]
    assert positions == sorted(positions)
    open_part = text.split("## Still open")[1]
    for e in after:
        if e.answer is None:
            assert e.prompt in open_part


def test_cli_writes_the_journal_and_survives_a_restart(tmp_path: Path) -> None:
    book = tmp_path / "course" / "notebooks"
    shutil.copytree(ROOT / "notebooks", book)
    first = collect([book])[0]
    _answer(Path(first.notebook.replace(str(ROOT / "notebooks"), str(book))), {
        first.reflection_id: "I will stop using root this week."})
    # a "restart" is a new process reading the saved notebook: nothing lives in the kernel
    out = tmp_path / "journal.md"
    labkit = str(Path(sys.executable).parent / "labkit")
    done = subprocess.run([labkit, "journal", str(book), "--out", str(out)], capture_output=True, text=True,
                          check=True)
    assert "1 answered" in done.stdout
    assert "I will stop using root this week." in out.read_text()


def test_unreadable_notebooks_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "broken.ipynb").write_text("{not json")
    assert len(collect([tmp_path])) == 0


def test_exercises_count_and_a_deleted_marker_loses_nothing(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises")
    path = tmp_path / "exercises" / "users.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if "reflection" in c.metadata.get("tags", []))
    cell.source = cell.source.replace("---\n_(your answer here)_", "Passwords for people, keys for programs.")
    nbformat.write(nb, path)
    journal = collect([tmp_path / "exercises"])
    assert [e.reflection_id for e in journal.answered] == [cell.metadata["labkit"]["reflection"]]
    assert journal.answered[0].answer == "Passwords for people, keys for programs."
    assert journal.answered[0].chapter.startswith("Exercise")
    assert len(journal.open) == len(journal) - 1 >= 3


def test_an_existing_journal_is_replaced_only_by_a_complete_one(tmp_path: Path) -> None:
    out = tmp_path / "journal.md"
    out.write_text("my precious answers\n")
    good = list(collect([ROOT / "notebooks"]))

    def interrupted():  # noqa: ANN202 - a generator that fails half way
        yield from good[:2]
        raise KeyboardInterrupt

    try:
        write_journal(interrupted(), out)
    except KeyboardInterrupt:
        pass
    assert out.read_text() == "my precious answers\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["journal.md"]  # no half-written file left
    write_journal(good, out)
    assert out.read_text() == render(good)


def test_cli_refuses_a_missing_path_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "journal.md"
    out.write_text("kept\n")
    labkit = str(Path(sys.executable).parent / "labkit")
    done = subprocess.run([labkit, "journal", str(tmp_path / "nope"), "--out", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "not found" in done.stdout
    assert out.read_text() == "kept\n"


def test_a_reflection_with_the_old_emoji_heading_and_no_marker_still_reads() -> None:
    """Notebooks saved before the heading lost its emoji: the template lines are still not the answer."""
    from labkit.journal import answer_of

    for heading in ("### Reflection", "### ✍️ Reflection"):
        source = (f"{heading}\n**Why?**\n\n*Double-click this cell and write your answer below the line, "
                  "then press Shift+Enter.*\n\nBecause keys leak.")
        assert answer_of(source, "Why?") == "Because keys leak."
