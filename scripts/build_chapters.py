"""Write the teaching chapters (notebooks/*.ipynb) from their readable source.

Each chapter is a Python module in ``scripts/chapters/`` holding ``FILE`` (the
notebook's name) and ``CELLS``, a list built with :func:`md`, :func:`code`,
:func:`your_turn`, :func:`predict`, :func:`reflection`, and a chapter's frame:
:func:`header` (its first cell) and :func:`footer` (its last cells). The time a header shows
is computed here from the whole built chapter (:mod:`labkit.pace`); the start page's table of
chapters (:func:`chapter_table`) and ``glossary.ipynb`` (from ``labkit/assets/glossary.json``)
are generated too. The notebooks are written without outputs, execution counts or cell ids, so
diffs stay readable.

    python scripts/build_chapters.py           # write notebooks/
    python scripts/build_chapters.py --check   # fail if notebooks/ is stale
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import textwrap
from functools import cache
from pathlib import Path
from typing import Any

from labkit import pace
from labkit.notebook_format import course_metadata

ROOT = Path(__file__).resolve().parents[1]
SOURCES = Path(__file__).resolve().parent / "chapters"
NOTEBOOKS = ROOT / "notebooks"

BLANK_ANSWER = "_(your answer here)_"
MINUTES = "{{minutes}}"  # replaced by the chapter's computed time when the notebook is built
TABLE = "{{chapter-table}}"  # replaced by the start page's table of chapters
GLOSSARY_FILE = "glossary.ipynb"


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
        "### Reflection\n"
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


def header(title: str, *, objectives: list[str], prerequisites: list[str], build: str,
           scenario: str = "", level: str = "Beginner") -> dict[str, Any]:
    """A chapter's first cell: ``# title``, then ``## Before you start`` with the objectives,
    prerequisites, level, time (computed when the chapter is built) and what you will build."""
    if not objectives or not prerequisites:
        raise ValueError(f"{title}: a header needs objectives and prerequisites")
    lines = [f"# {title}", ""]
    if scenario:
        lines += [textwrap.dedent(scenario).strip(), ""]
    lines += ["## Before you start", "", "**You will learn to**"]
    lines += [f"- {o}" for o in objectives]
    lines += ["", "**You need**"]
    lines += [f"- {p}" for p in prerequisites]
    lines += ["", f"**Level:** {level} · **Time:** about {MINUTES} minutes · **You will build:** "
              f"{textwrap.dedent(build).strip()}"]
    return {"cell_type": "markdown", "metadata": {"tags": ["header"]}, "source": _lines("\n".join(lines))}


def footer(*, summary: list[str], own_account: list[str], next: str) -> list[dict[str, Any]]:
    """A chapter's last cells: ``## Summary`` (3-5 lines), ``## On your own AWS account`` (a
    checklist) and ``## What comes next``."""
    if not 3 <= len(summary) <= 5:
        raise ValueError(f"a summary has 3 to 5 lines, not {len(summary)}")
    if not own_account:
        raise ValueError("'On your own AWS account' needs at least one item")
    return [
        md("## Summary\n\n" + "\n".join(f"- {line}" for line in summary), tags=["footer"]),
        md("## On your own AWS account\n\nWhat to do on a real account (the sandbox needs none of it):\n\n"
           # A numbered list, not a "- [ ]" task list: JupyterLab draws that as check boxes without a
           # label, which a screen reader announces as unlabelled controls (WCAG 4.1.2).
           + "\n".join(f"{n}. {item}" for n, item in enumerate(own_account, 1)), tags=["footer"]),
        md("## What comes next\n\n" + textwrap.dedent(next).strip(), tags=["footer"]),
    ]


def predict(predict_id: str, question: str, run: str) -> dict[str, Any]:
    """A predict-then-run cell: the question as a comment, ``prediction = ""`` for the learner
    to fill, the command(s) ``run``, then ``labkit.check_prediction`` (labkit/checks/predictions.py)."""
    from labkit.checks.predictions import PREDICTION_LINE, PREDICTIONS

    if predict_id not in PREDICTIONS:
        raise ValueError(f"unknown prediction {predict_id!r}")
    options = " | ".join(f'"{o}"' for o in PREDICTIONS[predict_id].options)
    asked = "\n".join(f"# {line}" for line in textwrap.wrap(f"🔮 Predict: {question}", 96))
    text = (f"{asked}\n# Write one option between the quotes, then run the cell: {options}\n"
            f"{PREDICTION_LINE}\n\n{textwrap.dedent(run).strip()}\n\n"
            f'labkit.check_prediction("{predict_id}", prediction)')
    return {"cell_type": "code", "execution_count": None,
            "metadata": {"tags": ["predict"], "labkit": {"predict": predict_id}}, "outputs": [],
            "source": _lines(text)}


@cache
def glossary() -> list[dict[str, Any]]:
    """The glossary's entries (``labkit/assets/glossary.json``), in alphabetical order."""
    raw = json.loads((ROOT / "labkit" / "assets" / "glossary.json").read_text(encoding="utf-8"))
    return sorted(raw["terms"], key=lambda t: t["term"].lower())


def glossary_link(term: str, text: str = "") -> str:
    """A Markdown link to ``term``'s glossary entry (``text`` shown instead of the term if given)."""
    for entry in glossary():
        if term.lower() in [entry["term"].lower(), *(a.lower() for a in entry.get("aliases", []))]:
            return f"[{text or term}]({GLOSSARY_FILE}#{entry['anchor']})"
    raise ValueError(f"{term!r} is not in labkit/assets/glossary.json")


def chapter_table() -> dict[str, Any]:
    """The start page's table of chapters (filled in when every chapter is built)."""
    return md(TABLE, tags=["chapter-table"])


def notebook(cells: list[dict[str, Any]]) -> dict[str, Any]:
    """A whole notebook (nbformat 4.4: no cell ids)."""
    return {"cells": cells, "metadata": course_metadata(), "nbformat": 4, "nbformat_minor": 4}


def render(nb: dict[str, Any]) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def _fill(nb: dict[str, Any], token: str, text: str) -> None:
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown" and any(token in line for line in cell["source"]):
            cell["source"] = _lines("".join(cell["source"]).replace(token, text))


def _title(nb: dict[str, Any]) -> str:
    for cell in nb["cells"]:
        for line in cell["source"] if cell["cell_type"] == "markdown" else []:
            if line.startswith("# "):
                return line[2:].strip()
    return "(untitled)"


def _table(chapters: dict[str, dict[str, Any]]) -> str:
    rows = ["| Chapter | Time |", "|---|---|"]
    total = 0
    for name, nb in chapters.items():
        minutes = pace.estimate(nb).minutes
        total += minutes
        rows.append(f"| [{_title(nb)}]({name}) | {minutes} min |")
    hours, rest = divmod(total, 60)
    rows.append(f"| **The whole course** | **{total} min** (about {hours} h {rest:02d} min) |")
    return "\n".join(rows)


def glossary_notebook() -> dict[str, Any]:
    """``glossary.ipynb``: every term, its definition and the chapter that teaches it, and how to ask
    for one from a cell (:func:`labkit.define`)."""
    chapters = {name.split("-")[0]: name for name in _sources()}
    cells = [md("# Glossary\n\nThe words this course uses, in alphabetical order. Each entry names the "
                "chapter that teaches it; chapters link here at a word's first use.")]
    for entry in glossary():
        where = chapters.get(entry["chapter"])
        taught = f"[chapter {entry['chapter']}]({where})" if where else f"chapter {entry['chapter']}"
        also = f" Also: {', '.join(entry['aliases'])}." if entry.get("aliases") else ""
        cells.append(md(f'<a id="{entry["anchor"]}"></a>\n## {entry["term"]}\n\n{entry["definition"]}'
                        f"{also} *Taught in {taught}.*"))
    cells.append(md("## From a cell\n\nIn any chapter, `labkit.define(...)` shows an entry without leaving "
                    "the notebook; it knows the other names too (try `\"MFA\"` or "
                    "`\"multi-factor authentication\"`)."))
    cells.append(code('import labkit\n\nlabkit.define("trust policy")'))
    return notebook(cells)


@cache
def _sources() -> dict[str, list[dict[str, Any]]]:
    sys.modules.setdefault("build_chapters", sys.modules[__name__])
    found = {}
    for path in sorted(SOURCES.glob("ch*.py")):
        spec = importlib.util.spec_from_file_location(f"chapters.{path.stem}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found[module.FILE] = module.CELLS
    return found


def load_chapters() -> dict[str, str]:
    """``{file name: notebook text}`` for every chapter source, and the glossary."""
    chapters = {name: notebook(json.loads(json.dumps(cells))) for name, cells in _sources().items()}
    for _ in range(2):  # the start page's table counts in its own time: settle it in two passes
        for nb in chapters.values():
            for cell in nb["cells"]:
                if "chapter-table" in cell["metadata"].get("tags", []):
                    cell["source"] = _lines(_table(chapters))
    for nb in chapters.values():  # each header's time, from its own whole chapter
        _fill(nb, MINUTES, str(pace.estimate(nb).minutes))
    built = {name: render(nb) for name, nb in chapters.items()}
    built[GLOSSARY_FILE] = render(glossary_notebook())
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
