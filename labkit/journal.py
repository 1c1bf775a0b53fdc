"""Your reflection journal: every answer you wrote, across the course, in one file.

Reflection prompts are Markdown cells tagged ``reflection`` (see
``docs/conventions.md``); you answer below the ``---`` line. Because the answer
is part of the saved notebook, restarting the kernel loses nothing.

    labkit journal                       # notebooks/ and exercises/ -> journal.md
    labkit journal my-notes/ --out reflections.md

>>> answer_of("### Reflection\\n**Why?**\\n\\n---\\nBecause.")
'Because.'
>>> answer_of("**Why?**\\n\\n---\\n_(your answer here)_") is None
True
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Entry", "answer_of", "collect", "render", "write_journal", "register_cli"]

BLANK = "_(your answer here)_"


@dataclass(frozen=True)
class Entry:
    """One reflection prompt and, if you answered it, your answer."""

    notebook: str
    chapter: str
    reflection_id: str
    prompt: str
    answer: str | None


def answer_of(source: str) -> str | None:
    """The learner's answer in a reflection cell (None when unanswered)."""
    lines = source.split("\n")
    try:
        marker = next(i for i, line in enumerate(lines) if line.strip() == "---")
    except StopIteration:
        return None
    answer = "\n".join(lines[marker + 1:]).strip()
    return None if not answer or answer == BLANK else answer


def _chapter_title(nb: dict[str, Any], fallback: str) -> str:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", "")).split("\n"):
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def _notebooks(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += [p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
        elif path.suffix == ".ipynb":
            found.append(path)
    return sorted(set(found))


def collect(paths: list[Path]) -> list[Entry]:
    """Every reflection prompt in ``paths`` (files or folders), in course order."""
    entries = []
    for path in _notebooks(paths):
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # not a notebook we can read: nothing to collect
        chapter = _chapter_title(nb, path.stem)
        for cell in nb.get("cells", []):
            meta = cell.get("metadata", {})
            if cell.get("cell_type") != "markdown" or "reflection" not in meta.get("tags", []):
                continue
            info = meta.get("labkit", {})
            source = "".join(cell.get("source", ""))
            entries.append(Entry(str(path), chapter, str(info.get("reflection", "")),
                                 str(info.get("prompt", "")), answer_of(source)))
    return entries


def render(entries: list[Entry]) -> str:
    """The journal as Markdown: answers by chapter, then the prompts still open."""
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
    return "\n".join(out).rstrip() + "\n"


def write_journal(entries: list[Entry], out: Path) -> None:
    """Write atomically: an existing journal is replaced only by a complete new one."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".journal-", suffix=".md")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(render(entries))
    os.replace(tmp, out)


def _run(args: argparse.Namespace) -> int:
    from .cli import project_root

    root = project_root()
    paths = [Path(p) for p in args.paths] or [root / "notebooks", root / "exercises"]
    entries = collect(paths)
    out = Path(args.out)
    write_journal(entries, out)
    done = sum(e.answer is not None for e in entries)
    print(f"{out}: {done} answered, {len(entries) - done} open")
    return 0


def register_cli(sub: Any) -> None:
    p = sub.add_parser("journal", help="collect your reflection answers into one Markdown file")
    p.add_argument("paths", nargs="*", help="notebooks or folders (default: notebooks/ and exercises/)")
    p.add_argument("--out", default="journal.md", help="the journal file (default: journal.md)")
    p.set_defaults(func=_run)
