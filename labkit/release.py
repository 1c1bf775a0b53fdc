"""Write the student exercises from the solutions (``labkit release``).

Authors edit only ``solutions/<id>.ipynb``. In code cells, the answer sits
between nbgrader's markers::

    ### BEGIN SOLUTION
    iam.create_user(UserName="alice-developer")
    ### END SOLUTION

``labkit release`` writes ``exercises/<id>.ipynb`` with each marked region
replaced by ``# YOUR CODE HERE`` and ``raise NotImplementedError()``, outputs,
execution counts and cell ids removed, and ``{"labkit": {"assignment": id}}``
in the notebook metadata. ``labkit release --check`` exits 1 when
``exercises/`` is stale.

>>> strip_solution("x = 1\\n### BEGIN SOLUTION\\nanswer()\\n### END SOLUTION\\nprint(x)")
'x = 1\\n# YOUR CODE HERE\\nraise NotImplementedError()\\nprint(x)'
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

__all__ = ["strip_solution", "release_notebook", "release", "register_cli"]

_REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n.*?^[ \t]*### END SOLUTION[^\n]*(\n|$)",
                     re.MULTILINE | re.DOTALL)


def strip_solution(source: str) -> str:
    """Replace every marked solution region of a code cell by the student stub."""
    def stub(match: re.Match[str]) -> str:
        indent = match.group(1)
        return f"{indent}# YOUR CODE HERE\n{indent}raise NotImplementedError(){match.group(2)}"

    if "### BEGIN SOLUTION" in source and "### END SOLUTION" not in source:
        raise ValueError("a '### BEGIN SOLUTION' has no matching '### END SOLUTION'")
    return _REGION.sub(stub, source)


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _lines(text: str) -> list[str]:
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def release_notebook(solution: dict[str, Any], assignment: str) -> dict[str, Any]:
    """The student version of one solution notebook."""
    cells = []
    for cell in solution.get("cells", []):
        kind = cell.get("cell_type")
        metadata = dict(cell.get("metadata", {}))
        new: dict[str, Any] = {"cell_type": kind, "metadata": metadata}
        text = _source(cell)
        if kind == "code":
            new.update(execution_count=None, outputs=[])
            text = strip_solution(text)
        new["source"] = _lines(text)
        cells.append(new)
    metadata = dict(solution.get("metadata", {}))
    metadata["labkit"] = {**metadata.get("labkit", {}), "assignment": assignment}
    return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 4}


def render(nb: dict[str, Any]) -> str:
    """Stable JSON text, so ``--check`` can compare bytes."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def release(source: Path, dest: Path, check: bool = False) -> list[str]:
    """Write (or, with ``check``, compare) every exercise; returns the stale names."""
    stale = []
    expected = {}
    for path in sorted(source.glob("*.ipynb")):
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
    from .cli import project_root

    root = project_root()
    source, dest = root / args.source, root / args.dest
    stale = release(source, dest, check=args.check)
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
