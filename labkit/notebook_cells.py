"""Reading the cells of a saved notebook, whatever shape a hand-edited file gave them.

One reader for everything that looks into notebooks without running them: your journal
(:mod:`labkit.journal`), and the grader's class report (reflections, hints used).

>>> cell = {"cell_type": "markdown", "source": ["**Why?**\\n", "---\\n", "Because."],
...         "metadata": {"tags": ["reflection"], "labkit": {"reflection": "ch01-why", "prompt": "Why?"}}}
>>> reflection_info(cell)
('ch01-why', 'Why?')
>>> text_of(cell["source"])
'**Why?**\\n---\\nBecause.'
"""

from __future__ import annotations

from typing import Any

__all__ = ["text_of", "reflection_info", "your_turn_id", "output_text"]


def text_of(value: Any) -> str:
    """A cell's ``source`` (or an output's ``text``) as text: a list of lines is joined."""
    if isinstance(value, list):
        return "".join(v if isinstance(v, str) else str(v) for v in value)
    return value if isinstance(value, str) else str(value)


def _labkit_info(cell: Any) -> dict[str, Any]:
    """The cell's ``metadata.labkit`` (empty when it has none, or not a dict)."""
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    info = meta.get("labkit") if isinstance(meta, dict) else None
    return info if isinstance(info, dict) else {}


def reflection_info(cell: Any) -> tuple[str, str] | None:
    """``(reflection id, prompt)`` of a reflection cell, None for any other cell (of any shape)."""
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    tags = meta.get("tags") if isinstance(meta, dict) else None
    if not isinstance(tags, list) or "reflection" not in tags:
        return None
    info = _labkit_info(cell)
    return text_of(info.get("reflection", "")), text_of(info.get("prompt", ""))


def your_turn_id(cell: Any) -> str | None:
    """The task id of a "Your turn" cell (``metadata.labkit.your_turn``), None for any other cell."""
    task = _labkit_info(cell).get("your_turn")
    return task if isinstance(task, str) else None


def output_text(output: Any) -> str:
    """What a code cell's output says: its text, or ``name: value`` of an error ("" otherwise)."""
    if not isinstance(output, dict):
        return ""
    if output.get("output_type") == "error":
        return f"{output.get('ename', '')}: {output.get('evalue', '')}"
    return text_of(output.get("text", ""))
