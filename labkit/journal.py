"""Your reflection journal: every answer you wrote, across the course, in one file.

Reflection prompts are Markdown cells tagged ``reflection`` (see
``docs/conventions.md``); you answer below the ``---`` line. Because the answer
is part of the saved notebook, restarting the kernel loses nothing.

In a terminal::

    labkit journal                       # notebooks/ and exercises/ -> journal.md
    labkit journal my-notes/ --out reflections.md

or in a cell::

    from labkit.journal import collect
    journal = collect(["notebooks", "exercises"])
    journal                              # shows as Markdown
    journal.write("journal.md")

The journal also shows your knowledge-check progress (from :mod:`labkit.knowledge_log`).

For an instructor, a folder of *submissions* is a class, not one learner: ``labkit journal
submissions/ --class`` (also chosen automatically when the same prompt appears in several
notebooks) writes every prompt once with each student's answer beside it, blanks marked —
the same section ``labkit grade`` puts into its class report
(:func:`labkit.grading.reflections.collect_class`).

>>> answer_of("### Reflection\\n**Why?**\\n\\n---\\nBecause.")
'Because.'
>>> answer_of("**Why?**\\n\\n---\\n_(your answer here)_") is None
True
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

from .notebook_cells import reflection_info, text_of

__all__ = ["Entry", "Journal", "answer_of", "collect", "knowledge_lines", "render", "write_journal",
           "course_prompts"]

BLANK = "_(your answer here)_"
_TEMPLATE_LINES = (
    "### Reflection",
    "### ✍️ Reflection",  # the heading of notebooks from before (an emoji first: read aloud first)
    "*Double-click this cell and write your answer below the line, then press Shift+Enter.*",
    BLANK,
)


@dataclass(frozen=True)
class Entry:
    """One reflection prompt and, if you answered it, your answer."""

    notebook: str
    chapter: str
    reflection_id: str
    prompt: str
    answer: str | None


def answer_of(source: str, prompt: str | None = None) -> str | None:
    """The learner's answer in a reflection cell (None when unanswered).

    The answer is everything after the first line that is exactly ``---``. If
    that line was deleted by accident, whatever is not part of the prompt's
    template counts as the answer, so nothing written is ever lost.
    """
    lines = source.split("\n")
    marker = next((i for i, line in enumerate(lines) if line.strip() == "---"), None)
    if marker is not None:
        answer = "\n".join(lines[marker + 1:]).strip()
    else:
        template = {*_TEMPLATE_LINES, *([f"**{prompt}**"] if prompt else [])}
        answer = "\n".join(line for line in lines if line.strip() not in template).strip()
    return None if not answer or answer == BLANK else answer


@dataclass(frozen=True)
class Journal(Sequence[Entry]):
    """Every reflection prompt found, in course order, with your answers.

    It behaves like a list of :class:`Entry`; :attr:`answered` and
    :attr:`open` split it, :meth:`to_markdown` renders it and :meth:`write`
    saves it.
    """

    entries: tuple[Entry, ...] = ()
    knowledge: tuple[str, ...] = ()

    @overload
    def __getitem__(self, index: int) -> Entry: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Entry]: ...
    def __getitem__(self, index: int | slice) -> Entry | Sequence[Entry]:
        return self.entries[index]

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    @property
    def answered(self) -> list[Entry]:
        """The prompts you answered, in order."""
        return [e for e in self.entries if e.answer is not None]

    @property
    def open(self) -> list[Entry]:
        """The prompts still waiting for an answer, in order."""
        return [e for e in self.entries if e.answer is None]

    def to_markdown(self) -> str:
        """The journal as Markdown: answers by chapter, the prompts still open, knowledge checks."""
        return render(self.entries, self.knowledge)

    def write(self, out: str | Path) -> None:
        """Save it to ``out``, atomically (see :func:`write_journal`)."""
        write_journal(self.entries, Path(out), self.knowledge)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


def _chapter_title(nb: dict[str, Any], fallback: str) -> str:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", "")).split("\n"):
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def _notebooks(paths: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += [p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
        elif path.suffix == ".ipynb":
            found.append(path)
    return sorted(set(found))


def collect(paths: Iterable[str | Path]) -> Journal:
    """Every reflection prompt in ``paths`` (notebooks or folders), in course order.

    Notebooks are sorted by path; within a notebook, prompts keep their order.
    Files that are not readable notebooks are skipped.
    """
    entries = []
    for path in _notebooks(Path(p) for p in paths):
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
            cells = nb.get("cells", [])
            chapter = _chapter_title(nb, path.stem)
            found = []
            for cell in cells:
                info = reflection_info(cell)
                if info is None or cell.get("cell_type") != "markdown":
                    continue
                rid, prompt = info
                found.append(Entry(str(path), chapter, rid, prompt, answer_of(text_of(cell.get("source", "")),
                                                                              prompt)))
        except Exception:  # noqa: BLE001, S112 - not a notebook we can read (however malformed): skipped
            continue
        entries += found
    return Journal(tuple(entries), tuple(knowledge_lines()))


def render(entries: Iterable[Entry], knowledge: Sequence[str] = ()) -> str:
    """The journal as Markdown: answers by chapter, the prompts still open, then ``knowledge``
    (the lines of :func:`knowledge_lines`, if any)."""
    entries = list(entries)
    out = ["# My IAM castle journal", ""]
    answered = [e for e in entries if e.answer is not None]
    open_ = [e for e in entries if e.answer is None]
    chapter = None
    for e in answered:
        if e.chapter != chapter:
            chapter = e.chapter
            out += [f"## {chapter}", ""]
        out += [f"**{e.prompt}**", "", e.answer or "", ""]
    if not answered:
        out += ["_No answers yet._", ""]
    out += ["## Still open", ""]
    out += [f"- {e.chapter}: {e.prompt}" for e in open_] or ["_Every prompt is answered._"]
    if knowledge:
        out += ["", *knowledge]
    return "\n".join(out).rstrip() + "\n"


def knowledge_lines(log: Path | None = None) -> list[str]:
    """Markdown lines: knowledge checks per chapter, answered right and still to do ([] if none)."""
    from .knowledge_log import progress
    from .question_bank import all_questions

    done = progress(log)
    lines = ["## Knowledge checks", ""]
    if not done:
        return []
    chapters: dict[str, list[str]] = {}
    for q in all_questions():
        chapters.setdefault(q.chapter, []).append(q.id)
    for chapter, ids in chapters.items():
        right = [qid for qid in ids if qid in done and done[qid].right]
        tried = sum(done[qid].attempts for qid in ids if qid in done)
        todo = [qid for qid in ids if qid not in right]
        line = f"- Chapter {chapter}: {len(right)}/{len(ids)} answered right ({tried} attempts)"
        lines.append(line + (f"; still to do: {', '.join(todo)}" if todo and tried else ""))
    return lines


def write_journal(entries: Iterable[Entry], out: Path, knowledge: Sequence[str] = ()) -> None:
    """Write atomically: an existing journal is replaced only by a complete new one."""
    text = render(entries, knowledge)  # fails before anything is touched
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".journal-", suffix=".md")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def course_prompts(root: Path | None = None) -> dict[str, str]:
    """Every reflection prompt of the course's own notebooks (``solutions/`` and ``notebooks/``),
    ``{id: prompt}``: the class report shows these texts, never a student's copy of them."""
    from .course_root import project_root

    if root is None:  # the course labkit came with; the working folder's only for an installed labkit
        beside = Path(__file__).resolve().parents[1]
        ours = (beside / "solutions").is_dir() or (beside / "notebooks").is_dir()
        root = beside if ours else project_root()
    prompts: dict[str, str] = {}
    for folder in ("solutions", "notebooks"):
        for path in sorted((root / folder).glob("*.ipynb")):
            try:
                cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
            except (OSError, ValueError, AttributeError):
                continue
            for cell in cells if isinstance(cells, list) else []:
                found = reflection_info(cell)
                if found and found[0]:
                    prompts.setdefault(*found)
    return prompts
