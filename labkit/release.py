"""Write the student exercises from the solutions (``labkit release``).

Authors edit only ``solutions/<id>.ipynb``. In code cells, the answer sits
between nbgrader's markers::

    ### BEGIN SOLUTION
    iam.create_user(UserName="alice-developer")
    ### END SOLUTION

``labkit release`` writes ``exercises/<id>.ipynb`` with each marked region
replaced by ``# YOUR CODE HERE`` and ``raise NotImplementedError()`` (in a
Markdown cell, as in nbgrader, by ``YOUR ANSWER HERE``), outputs, execution
counts, cell ids and saved widget state removed, the course's kernelspec and
language info (``labkit.notebook_format``) and ``{"labkit": {"assignment": id}}``
in the notebook metadata. The JSON is
written with sorted keys and a final newline, so the same solutions always
give the same bytes, and ``labkit release --check`` (a byte comparison) exits
1 when ``exercises/`` is stale.

>>> strip_solution("x = 1\\n### BEGIN SOLUTION\\nanswer()\\n### END SOLUTION\\nprint(x)")
'x = 1\\n# YOUR CODE HERE\\nraise NotImplementedError()\\nprint(x)'
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from .notebook_format import course_metadata

__all__ = ["strip_solution", "release_notebook", "release", "register_cli"]

_REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n.*?^[ \t]*### END SOLUTION[^\n]*(\n|$)",
                     re.MULTILINE | re.DOTALL)


_CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
_MARKDOWN_STUB = ("YOUR ANSWER HERE",)
# Saved by Jupyter when a solution was run; never part of an exercise.
_VOLATILE_CELL_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled")
_VOLATILE_NOTEBOOK_METADATA = ("widgets",)


def strip_solution(source: str, stub: tuple[str, ...] = _CODE_STUB) -> str:
    """Replace every marked solution region of a cell by the student stub (same indentation)."""
    def replace(match: re.Match[str]) -> str:
        indent = match.group(1)
        return "\n".join(indent + line for line in stub) + match.group(2)

    stripped = _REGION.sub(replace, source)
    if "### BEGIN SOLUTION" in stripped:
        raise ValueError("a '### BEGIN SOLUTION' has no matching '### END SOLUTION'")
    if "### END SOLUTION" in stripped:
        raise ValueError("a '### END SOLUTION' has no matching '### BEGIN SOLUTION'")
    return stripped


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _lines(text: str) -> list[str]:
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def release_notebook(solution: dict[str, Any], assignment: str) -> dict[str, Any]:
    """The student version of one solution notebook."""
    cells = []
    for number, cell in enumerate(solution.get("cells", []), start=1):
        kind = cell.get("cell_type")
        metadata = {k: v for k, v in cell.get("metadata", {}).items() if k not in _VOLATILE_CELL_METADATA}
        new: dict[str, Any] = {"cell_type": kind, "metadata": metadata}
        text = _source(cell)
        try:
            if kind == "code":
                new.update(execution_count=None, outputs=[])
                text = strip_solution(text)
            elif kind == "markdown":
                text = strip_solution(text, _MARKDOWN_STUB)
        except ValueError as err:
            raise ValueError(f"{assignment}: cell {number}: {err}") from None
        new["source"] = _lines(text)
        cells.append(new)
    metadata = {k: v for k, v in solution.get("metadata", {}).items() if k not in _VOLATILE_NOTEBOOK_METADATA}
    metadata.update(course_metadata())  # the course's kernel, whatever the author's machine ran
    metadata["labkit"] = {**metadata.get("labkit", {}), "assignment": assignment}
    return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 4}


def render(nb: dict[str, Any]) -> str:
    """Stable JSON text, so ``--check`` can compare bytes."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def release(source: Path, dest: Path, check: bool = False) -> list[str]:
    """Write (or, with ``check``, compare) every exercise; returns the stale names."""
    solutions = sorted(source.glob("*.ipynb"))
    if not solutions:  # never "release" an empty folder: that would delete every exercise
        raise ValueError(f"no solution notebooks in {source}")
    stale = []
    expected = {}
    for path in solutions:
        solution = json.loads(path.read_text(encoding="utf-8"))
        expected[path.name] = render(release_notebook(solution, path.stem))
    existing = {p.name for p in dest.glob("*.ipynb")} if dest.is_dir() else set()
    for name, text in expected.items():
        target = dest / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            stale.append(name)
            if not check:
                dest.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
    for orphan in sorted(existing - set(expected)):  # an exercise whose solution is gone
        stale.append(orphan)
        if not check:
            (dest / orphan).unlink()
    return stale


def _run(args: argparse.Namespace) -> int:
    from .course_root import project_root

    root = project_root()
    source, dest = root / args.source, root / args.dest
    try:
        stale = release(source, dest, check=args.check)
    except ValueError as err:
        print(f"labkit release: {err} (nothing written)")
        return 2
    if args.check:
        if stale:
            print(f"{args.dest}/ is stale: {', '.join(stale)} (run: labkit release)")
            return 1
        print(f"{args.dest}/ is up to date with {args.source}/")
        return 0
    print(f"released {len(stale)} changed exercise(s)" + (f": {', '.join(stale)}" if stale else ""))
    return 0


def register_cli(sub: Any) -> None:
    p = sub.add_parser("release", help="write exercises/ from solutions/")
    p.add_argument("--check", action="store_true", help="exit 1 if exercises/ is stale")
    p.add_argument("--source", default="solutions")
    p.add_argument("--dest", default="exercises")
    p.set_defaults(func=_run)
