"""What the browser tests need to know about a notebook, read from the file (not the page)."""

from __future__ import annotations

from pathlib import Path

import nbformat

__all__ = ["answer_cells", "reflection_cells", "solutions", "what_went_wrong_cells"]

ANSWER_MARK = "# YOUR CODE HERE"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def what_went_wrong_cells(path: Path) -> set[int]:
    """Code cells that fail on purpose: marked in the code, or in a "What went wrong" section."""
    found: set[int] = set()
    in_section = False
    for index, cell in enumerate(_read(path).cells):
        if cell.cell_type == "markdown":
            headings = [line for line in cell.source.splitlines() if line.lstrip().startswith("#")]
            if headings:
                in_section = "what went wrong" in headings[-1].lower()
        elif cell.cell_type == "code" and (in_section or "what went wrong" in cell.source.lower()):
            found.add(index)
    return found


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
