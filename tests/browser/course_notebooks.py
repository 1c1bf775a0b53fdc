"""What the browser tests need to know about a notebook, read from the file (not the page)."""

from __future__ import annotations

from pathlib import Path

import nbformat

__all__ = ["answer_cells", "quiz_cells", "reflection_cells", "solutions", "what_went_wrong_cells",
           "your_turn_cells", "prediction_cells", "typed_your_turns"]

ANSWER_MARK = "# YOUR CODE HERE"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def what_went_wrong_cells(path: Path, marked_only: bool = False) -> set[int]:
    """Code cells that fail on purpose: marked in the code, or in a "What went wrong" section
    (with ``marked_only``, only those marked in the code: a section may hold a quiet step too)."""
    found: set[int] = set()
    in_section = False
    for index, cell in enumerate(_read(path).cells):
        if cell.cell_type == "markdown":
            headings = [line for line in cell.source.splitlines() if line.lstrip().startswith("#")]
            if headings:
                in_section = "what went wrong" in headings[-1].lower()
        elif cell.cell_type == "code" and ("what went wrong" in cell.source.lower()
                                           or in_section and not marked_only):
            found.add(index)
    return found


def quiz_cells(path: Path) -> set[int]:
    """Code cells that show a knowledge check (a "read this error" question quotes AWS's error text)."""
    return {index for index, cell in enumerate(_read(path).cells)
            if cell.cell_type == "code" and "widgets.quiz(" in cell.source}


def reflection_cells(path: Path) -> dict[str, int]:
    """Reflection id -> cell index."""
    return {cell.metadata["labkit"]["reflection"]: index for index, cell in enumerate(_read(path).cells)
            if "reflection" in cell.metadata.get("tags", [])}


def answer_cells(path: Path) -> list[int]:
    """Indices of the exercise cells the learner fills in."""
    return [index for index, cell in enumerate(_read(path).cells)
            if cell.cell_type == "code" and ANSWER_MARK in cell.source]


def solutions(path: Path) -> list[str]:
    """The solution cells' code, in order, without the BEGIN/END markers."""
    return ["\n".join(line for line in cell.source.splitlines() if line.strip() not in (BEGIN, END))
            for cell in _read(path).cells if cell.cell_type == "code" and BEGIN in cell.source]


def your_turn_cells(path: Path) -> dict[int, str]:
    """Cell index -> what the learner types in that "Your turn" cell (the task's model answer)."""
    from labkit.checks.your_turn_tasks import TASKS

    return {index: TASKS[cell.metadata["labkit"]["your_turn"]].answer
            for index, cell in enumerate(_read(path).cells) if "your-turn" in cell.metadata.get("tags", [])}


def prediction_cells(path: Path) -> dict[int, tuple[int, str]]:
    """Cell index -> (line number, the line the learner writes) for each predict-then-run cell:
    ``prediction = "<option>"``, the first option, as the desktop test writes it."""
    from labkit.checks.predictions import PREDICTION_LINE, PREDICTIONS

    found = {}
    for index, cell in enumerate(_read(path).cells):
        info = cell.metadata.get("labkit", {})
        if "predict" in cell.metadata.get("tags", []) and "predict" in info:
            line = cell.source.split("\n").index(PREDICTION_LINE)
            option = PREDICTIONS[info["predict"]].options[0].replace('"', '\\"')
            found[index] = (line, f'prediction = "{option}"')
    return found


def typed_your_turns(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` with every your-turn marker line replaced by the task's answer, and every prediction
    written, as a learner types them."""
    from labkit.checks.your_turn_tasks import typed_your_turns as typed

    return typed(nb)
