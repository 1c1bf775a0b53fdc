"""Which your-turn hints each student used, read from the notebooks they hand in.

A your-turn cell that passes prints ``✅ ... (hints used: idea, shape)`` — the hints the
learner's progress log (:mod:`labkit.knowledge_log`) recorded, so a kernel restart does not
hide them — and a cell still failing shows the last hint it gave (``💡 The idea: ...``).
The class report shows both per student (:func:`labkit.grading.reports.hints_html`).
Nothing is run: the saved outputs are read (:mod:`labkit.grading.class_notebooks`), as
:mod:`labkit.grading.reflections` reads reflections.

>>> cell = {"cell_type": "code", "metadata": {"labkit": {"your_turn": "castle-alias"}},
...         "outputs": [{"output_type": "stream", "text": "✅ Named. (hints used: idea, shape)\\n"}]}
>>> hints_in_notebook({"cells": [cell]})
{'castle-alias': ['idea', 'shape']}
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..knowledge_log import HINT_LEVELS
from ..notebook_cells import output_text, your_turn_id
from .class_notebooks import ClassNotebook, find_class

__all__ = ["hints_in_notebook", "hints_of", "collect_hints"]

_USED = re.compile(r"\(hints used: ([a-z, ]+)\)")
_SHOWN = {"💡 The idea:": "idea", "💡 The command's shape:": "shape", "💡 The answer:": "answer"}


def hints_in_notebook(nb: dict[str, Any]) -> dict[str, list[str]]:
    """``{task id: [hint levels used]}`` for the your-turn cells of one saved notebook."""
    found: dict[str, list[str]] = {}
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        task = your_turn_id(cell)
        if task is None:
            continue
        levels: list[str] = []
        for output in cell.get("outputs") or []:
            text = output_text(output)
            used = _USED.search(text)
            if used:
                levels += [w.strip() for w in used.group(1).split(",")]
            levels += [level for marker, level in _SHOWN.items() if marker in text]
        kept = [level for level in HINT_LEVELS if level in levels]
        if kept:
            found[task] = kept
    return found


def hints_of(nb: ClassNotebook) -> dict[str, list[str]]:
    """:func:`hints_in_notebook` of one student's saved notebook ({} when it is unreadable)."""
    try:
        return hints_in_notebook(nb.notebook)
    except (ValueError, RecursionError, TypeError, AttributeError):
        return {}  # a file no reader can use is already its own invalid row in the gradebook


def collect_hints(paths: Iterable[str | Path], pattern: re.Pattern[str] | None = None
                  ) -> dict[str, dict[str, list[str]]]:
    """``{student: {task id: [hint levels]}}`` for every submission (unreadable ones skipped)."""
    hints: dict[str, dict[str, list[str]]] = {}
    for nb in find_class(paths, pattern):
        used = hints_of(nb)
        if used:
            hints[nb.student] = used
    return hints
