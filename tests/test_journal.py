"""The reflection journal: every answer, verbatim and in order; open prompts listed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from labkit.journal import collect, render

ROOT = Path(__file__).resolve().parents[1]


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
    assert collect([tmp_path]) == []
