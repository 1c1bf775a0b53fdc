"""Write the teaching chapters (notebooks/*.ipynb) from their readable source.

Each chapter is a Python module in ``scripts/chapters/`` holding ``FILE`` (the
notebook's name) and ``CELLS``, a list built with :func:`md`, :func:`code`,
:func:`your_turn` and :func:`reflection`. The notebooks are written without outputs, execution
counts or cell ids, so diffs stay readable.

    python scripts/build_chapters.py           # write notebooks/
    python scripts/build_chapters.py --check   # fail if notebooks/ is stale
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

from labkit.notebook_format import course_metadata

ROOT = Path(__file__).resolve().parents[1]
SOURCES = Path(__file__).resolve().parent / "chapters"
NOTEBOOKS = ROOT / "notebooks"

BLANK_ANSWER = "_(your answer here)_"


def _lines(text: str) -> list[str]:
    text = textwrap.dedent(text).strip("\n")
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + [lines[-1]]


def md(text: str, tags: list[str] | None = None) -> dict[str, Any]:
    """A Markdown cell."""
    metadata: dict[str, Any] = {"tags": tags} if tags else {}
    return {"cell_type": "markdown", "metadata": metadata, "source": _lines(text)}


def code(text: str, tags: list[str] | None = None) -> dict[str, Any]:
    """A code cell, without output."""
    metadata: dict[str, Any] = {"tags": tags} if tags else {}
    return {"cell_type": "code", "execution_count": None, "metadata": metadata, "outputs": [],
            "source": _lines(text)}


def reflection(reflection_id: str, prompt: str) -> dict[str, Any]:
    """A reflection prompt, exactly as docs/conventions.md defines it."""
    text = (
        "### ✍️ Reflection\n"
        f"**{prompt}**\n\n"
        "*Double-click this cell and write your answer below the line, then press Shift+Enter.*\n\n"
        "---\n"
        f"{BLANK_ANSWER}"
    )
    return {
        "cell_type": "markdown",
        "metadata": {"tags": ["reflection"], "labkit": {"reflection": reflection_id, "prompt": prompt}},
        "source": _lines(text),
    }


def your_turn(task_id: str, what: str, before: str = "") -> dict[str, Any]:
    """A "Your turn" cell: the learner replaces the marker line with a command; the last line
    checks the sandbox at once (see labkit/checks/your_turn_tasks.py and docs/conventions.md)."""
    from labkit.checks.your_turn_tasks import MARKER, TASKS

    if task_id not in TASKS:
        raise ValueError(f"unknown your-turn task {task_id!r}")
    text = (f"{before}\n" if before else "") + f'{MARKER} {what}\n\nlabkit.your_turn("{task_id}")'
    return {"cell_type": "code", "execution_count": None,
            "metadata": {"tags": ["your-turn"], "labkit": {"your_turn": task_id}}, "outputs": [],
            "source": _lines(text)}


def notebook(cells: list[dict[str, Any]]) -> dict[str, Any]:
    """A whole notebook (nbformat 4.4: no cell ids)."""
    return {"cells": cells, "metadata": course_metadata(), "nbformat": 4, "nbformat_minor": 4}


def render(nb: dict[str, Any]) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def load_chapters() -> dict[str, str]:
    """``{file name: notebook text}`` for every chapter source."""
    sys.modules.setdefault("build_chapters", sys.modules[__name__])
    built = {}
    for path in sorted(SOURCES.glob("ch*.py")):
        spec = importlib.util.spec_from_file_location(f"chapters.{path.stem}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        built[module.FILE] = render(notebook(module.CELLS))
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that notebooks/ is up to date")
    args = parser.parse_args(argv)
    stale = []
    for name, text in load_chapters().items():
        target = NOTEBOOKS / name
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == text:
            continue
        stale.append(name)
        if not args.check:
            NOTEBOOKS.mkdir(exist_ok=True)
            target.write_text(text, encoding="utf-8")
    if args.check and stale:
        print("Out of date (run python scripts/build_chapters.py):", ", ".join(stale))
        return 1
    print(("Up to date: " if args.check or not stale else "Wrote: ") + (", ".join(stale) or "all chapters"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
