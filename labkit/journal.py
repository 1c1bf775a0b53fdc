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
the same section ``labkit grade`` puts into its class report (:func:`collect_class`).

>>> answer_of("### Reflection\\n**Why?**\\n\\n---\\nBecause.")
'Because.'
>>> answer_of("**Why?**\\n\\n---\\n_(your answer here)_") is None
True
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

__all__ = ["Entry", "Journal", "ClassReflections", "answer_of", "collect", "collect_class", "knowledge_lines",
           "render", "render_class", "write_journal", "register_cli", "course_prompts"]

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
                info = _reflection_info(cell)
                if info is None or cell.get("cell_type") != "markdown":
                    continue
                rid, prompt = info
                found.append(Entry(str(path), chapter, rid, prompt, answer_of(_text(cell.get("source", "")),
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


@dataclass(frozen=True)
class ClassReflections:
    """A class's reflections: every prompt once, each student's answer (None when blank).

    ``prompts`` is ``[(reflection id, prompt)]`` in course order; ``answers[id][student]`` is
    the answer, ``None`` for a blank one; a student whose notebook lost the prompt's cell is
    absent from ``answers[id]``. ``unreadable`` lists students whose file is not a notebook.
    """

    students: tuple[str, ...]
    prompts: tuple[tuple[str, str], ...]
    answers: dict[str, dict[str, str | None]]
    unreadable: tuple[str, ...] = ()

    def to_markdown(self) -> str:
        """The class's reflections as Markdown (see :func:`render_class`)."""
        return render_class(self)

    def for_students(self, students: Iterable[str]) -> ClassReflections:
        """Only these students (e.g. one assignment's), keeping the prompts they were asked."""
        wanted = set(students)
        keep = [s for s in self.students if s in wanted]
        answers = {rid: {s: a for s, a in by.items() if s in keep} for rid, by in self.answers.items()}
        prompts = tuple((rid, p) for rid, p in self.prompts if answers.get(rid))
        return ClassReflections(tuple(keep), prompts, answers,
                                tuple(s for s in self.unreadable if s in wanted))


def _text(value: Any) -> str:
    """A cell's ``source`` as text, whatever a hand-edited notebook put there."""
    if isinstance(value, list):
        return "".join(v if isinstance(v, str) else str(v) for v in value)
    return value if isinstance(value, str) else str(value)


def _reflection_info(cell: Any) -> tuple[str, str] | None:
    """``(reflection id, prompt)`` of a reflection cell, None for any other cell (of any shape)."""
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    tags = meta.get("tags") if isinstance(meta, dict) else None
    if not isinstance(tags, list) or "reflection" not in tags:
        return None
    info = meta.get("labkit") if isinstance(meta, dict) else None
    info = info if isinstance(info, dict) else {}
    return _text(info.get("reflection", "")), _text(info.get("prompt", ""))


def course_prompts(root: Path | None = None) -> dict[str, str]:
    """Every reflection prompt of the course's own notebooks (``solutions/`` and ``notebooks/``),
    ``{id: prompt}``: the class report shows these texts, never a student's copy of them."""
    from .cli import project_root

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
                found = _reflection_info(cell)
                if found and found[0]:
                    prompts.setdefault(*found)
    return prompts


def collect_class(paths: Iterable[str | Path], pattern: re.Pattern[str] | None = None,
                  prompts_of_course: dict[str, str] | None = None) -> ClassReflections:
    """Every submission's reflections, per prompt and per student (student ids as ``labkit grade``
    names them: the path below the folder given, without ``.ipynb``, or what ``pattern`` takes
    from an LMS file name). Zips are read in place. Never runs a notebook.

    Only the course's own prompts count (``prompts_of_course``, default :func:`course_prompts`),
    with the course's wording: a prompt a student added or reworded is not shown. Each answer is
    at most :data:`labkit.grading.bounds.ANSWER_CHARS` characters, all of them together at most
    :data:`~labkit.grading.bounds.REPORT_ANSWER_CHARS` (what is cut says so). A file that is not a
    readable notebook, however malformed, is listed in ``unreadable``.
    """
    from .grading.bounds import ANSWER_CHARS, REPORT_ANSWER_CHARS, clip
    from .grading.submissions import find_submissions

    known = course_prompts() if prompts_of_course is None else prompts_of_course
    students: list[str] = []
    prompts: dict[str, str] = {}
    answers: dict[str, dict[str, str | None]] = {}
    unreadable: list[str] = []
    budget = REPORT_ANSWER_CHARS
    given = [Path(p) for p in paths]
    existing = [p for p in given if p.exists()]  # a folder moved away meanwhile: skipped
    for student, source, _ in find_submissions(existing, pattern):
        students.append(student)
        try:
            nb = json.loads(source.read().decode("utf-8"))
            cells = nb.get("cells", []) if isinstance(nb, dict) else None
            if not isinstance(cells, list):
                raise ValueError("no cells")
            found: dict[str, str | None] = {}
            for cell in cells:
                info = _reflection_info(cell)
                if info is None or info[0] not in known or info[0] in found:
                    continue
                found[info[0]] = answer_of(_text(cell.get("source", "")), known[info[0]])
        except Exception:  # noqa: BLE001 - any malformed file (too deep, wrong types): listed, never fatal
            unreadable.append(student)
            continue
        for rid, answer in found.items():
            if answer is not None:
                answer = clip(answer, max(0, min(ANSWER_CHARS, budget)))
                budget -= len(answer)
            prompts.setdefault(rid, known[rid])
            answers.setdefault(rid, {})[student] = answer
    order = {rid: i for i, rid in enumerate(known)}
    ordered = tuple(sorted(prompts.items(), key=lambda item: order[item[0]]))
    return ClassReflections(tuple(students), ordered, answers, tuple(unreadable))


def _md(text: str) -> str:
    """A student's text for Markdown: its HTML shown as text, never rendered (``<`` and ``&``)."""
    return html.escape(text, quote=False)


def render_class(reflections: ClassReflections) -> str:
    """Markdown: each prompt once, then every student's answer; blanks and missing cells marked."""
    out = ["# Reflections of the class", "",
           f"{len(reflections.students)} submission(s), {len(reflections.prompts)} prompt(s).", ""]
    for rid, prompt in reflections.prompts:
        given = reflections.answers.get(rid, {})
        blank = sum(1 for s in reflections.students if given.get(s) is None)
        answered = len(reflections.students) - blank
        out += [f"## {_md(prompt)}", "", f"_{answered} answered, {blank} blank or missing_", ""]
        for student in reflections.students:
            if student not in given:
                text = "_(no such prompt in this notebook)_"
            else:
                text = _md(given[student] or "") or "_(blank)_"
            out += [f"**{_md(student)}**", "", text, ""]
    if reflections.unreadable:
        out += ["## Unreadable submissions", "", *[f"- {_md(s)}" for s in reflections.unreadable]]
    return "\n".join(out).rstrip() + "\n"


def _write_text(text: str, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".journal-", suffix=".md")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _looks_like_a_class(journal: Journal) -> bool:
    ids = [e.reflection_id for e in journal]
    return len(ids) != len(set(ids))


def _run(args: argparse.Namespace) -> int:
    from .cli import project_root

    if args.paths:
        paths = [Path(p) for p in args.paths]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            print(f"labkit journal: not found: {', '.join(missing)} (nothing written)")
            return 2
    else:
        root = project_root()
        paths = [p for p in (root / "notebooks", root / "exercises") if p.is_dir()]
        if not paths:
            print("labkit journal: no notebooks/ or exercises/ here; run it in the course folder "
                  "or name the notebooks (nothing written)")
            return 2
    journal = collect(paths)
    out = Path(args.out)
    if args.as_class or _looks_like_a_class(journal):
        reflections = collect_class(paths)
        _write_text(render_class(reflections), out)
        print(f"{out}: reflections of {len(reflections.students)} submission(s), one section per prompt"
              + ("" if args.as_class else " (several notebooks answer the same prompts: a class)"))
        return 0
    journal.write(out)
    print(f"{out}: {len(journal.answered)} answered, {len(journal.open)} open")
    return 0


def register_cli(sub: Any) -> None:
    """Add ``labkit journal [PATHS] [--out FILE]`` to the ``labkit`` command."""
    p = sub.add_parser("journal", help="collect your reflection answers into one Markdown file")
    p.add_argument("paths", nargs="*", help="notebooks or folders (default: notebooks/ and exercises/)")
    p.add_argument("--out", default="journal.md", help="the journal file (default: journal.md)")
    p.add_argument("--class", dest="as_class", action="store_true",
                   help="the notebooks are a class's submissions: each prompt once, every student's answer")
    p.set_defaults(func=_run)
