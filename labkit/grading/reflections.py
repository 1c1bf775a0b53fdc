"""A class's reflections: every prompt once, each student's answer beside it.

``labkit grade`` puts them into its class report, ``labkit journal --class`` into a Markdown
file. Nothing is run: the saved notebooks are read (see :mod:`.class_notebooks`), and only the
course's own prompts count, with the course's wording (:func:`labkit.journal.course_prompts`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..journal import answer_of, course_prompts
from ..notebook_cells import reflection_info, text_of
from .bounds import ANSWER_CHARS, REPORT_ANSWER_CHARS, clip
from .class_notebooks import ClassNotebook, find_class

__all__ = ["ClassReflections", "ClassReflectionsBuilder", "collect_class", "render_class"]


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


class ClassReflectionsBuilder:
    """Gathers :class:`ClassReflections` one notebook at a time (:meth:`add`, then :meth:`result`).

    Only the prompts of ``known`` (``{id: prompt}``) count. Each answer is at most
    :data:`labkit.grading.bounds.ANSWER_CHARS` characters, all of them together at most
    :data:`~labkit.grading.bounds.REPORT_ANSWER_CHARS` (what is cut says so).
    """

    def __init__(self, known: dict[str, str]) -> None:
        self.known = known
        self.students: list[str] = []
        self.prompts: dict[str, str] = {}
        self.answers: dict[str, dict[str, str | None]] = {}
        self.unreadable: list[str] = []
        self.budget = REPORT_ANSWER_CHARS

    def add(self, nb: ClassNotebook) -> None:
        """Take ``nb``'s answers; a file that is not a readable notebook, however malformed, is
        listed in ``unreadable`` (never raises for a student's file)."""
        self.students.append(nb.student)
        try:
            found = self._answers(nb.notebook)
        except Exception:  # noqa: BLE001 - any malformed file (too deep, wrong types): listed, never fatal
            self.unreadable.append(nb.student)
            return
        for rid, answer in found.items():
            if answer is not None:
                answer = clip(answer, max(0, min(ANSWER_CHARS, self.budget)))
                self.budget -= len(answer)
            self.prompts.setdefault(rid, self.known[rid])
            self.answers.setdefault(rid, {})[nb.student] = answer

    def _answers(self, notebook: Any) -> dict[str, str | None]:
        cells = notebook.get("cells", []) if isinstance(notebook, dict) else None
        if not isinstance(cells, list):
            raise ValueError("no cells")
        found: dict[str, str | None] = {}
        for cell in cells:
            info = reflection_info(cell)
            if info is None or info[0] not in self.known or info[0] in found:
                continue
            found[info[0]] = answer_of(text_of(cell.get("source", "")), self.known[info[0]])
        return found

    def result(self) -> ClassReflections:
        """The class's reflections, prompts in course order."""
        order = {rid: i for i, rid in enumerate(self.known)}
        ordered = tuple(sorted(self.prompts.items(), key=lambda item: order[item[0]]))
        return ClassReflections(tuple(self.students), ordered, self.answers, tuple(self.unreadable))


def collect_class(paths: Iterable[str | Path], pattern: re.Pattern[str] | None = None,
                  prompts_of_course: dict[str, str] | None = None) -> ClassReflections:
    """Every submission's reflections, per prompt and per student (student ids as ``labkit grade``
    names them: the path below the folder given, without ``.ipynb``, or what ``pattern`` takes
    from an LMS file name). Zips are read in place. Never runs a notebook.

    Only the course's own prompts count (``prompts_of_course``, default
    :func:`labkit.journal.course_prompts`); see :class:`ClassReflectionsBuilder` for the bounds.
    """
    builder = ClassReflectionsBuilder(course_prompts() if prompts_of_course is None else prompts_of_course)
    for nb in find_class(paths, pattern):
        builder.add(nb)
    return builder.result()


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
