"""A submitted notebook as a read-only HTML page (``notebooks/<student>.html``), linked from the report.

Nothing in it runs: every cell's source and every text output is escaped and
shown as text (markdown too, as the student typed it); images and HTML outputs
are left out. A page holds at most ``MAX_CHARS`` characters of the notebook.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from .class_notebooks import ClassNotebook
from .gradebook import feedback_name, write_atomically

__all__ = ["notebook_html", "parsed_notebook_html", "notebook_page", "write_notebook_page", "MAX_CHARS"]

MAX_CHARS = 2_000_000
_CSS = ("body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
        ".cell{border-left:3px solid #d9dee3;margin:1rem 0;padding:.2rem .8rem}.code{border-color:#3f72af}"
        "pre{white-space:pre-wrap;background:#f3f5f7;padding:.5rem;margin:.3rem 0}.out{background:#fff}"
        "small{color:#52606d}")


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return value if isinstance(value, str) else ""


def _outputs(cell: dict[str, Any]) -> str:
    parts = []
    for out in cell.get("outputs") or []:
        if not isinstance(out, dict):
            continue
        data: dict[str, Any] = out["data"] if isinstance(out.get("data"), dict) else {}
        text = _text(out.get("text")) or _text(data.get("text/plain")) or \
            (f"{_text(out.get('ename'))}: {_text(out.get('evalue'))}" if out.get("ename") else "")
        if text:
            parts.append(f'<pre class="out">{escape(text)}</pre>')
    return "".join(parts)


def notebook_html(student: str, data: bytes) -> str:
    """The page for ``student``'s notebook bytes (a note instead when they are not a notebook)."""
    try:
        nb = json.loads(data)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        nb = None
    return parsed_notebook_html(student, nb)


def parsed_notebook_html(student: str, nb: Any) -> str:
    """The page for ``student``'s notebook, already parsed (``nb``: any JSON value, or None)."""
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        cells = None
    parts, used = [f"<h1>Submitted notebook: {escape(student)}</h1><p><small>Read-only copy; nothing on "
                   "this page runs.</small></p>"], 0
    if cells is None:
        parts.append("<p>This file is not a Jupyter notebook.</p>")
    for number, cell in enumerate(cells or [], start=1):
        if not isinstance(cell, dict):
            continue
        kind = str(cell.get("cell_type")) if isinstance(cell.get("cell_type"), str) else "?"
        source = _text(cell.get("source"))
        if used + len(source) > MAX_CHARS:
            parts.append("<p><small>(the rest of the notebook is left out: too long to show)</small></p>")
            break
        used += len(source)
        body = f"<pre>{escape(source)}</pre>" + (_outputs(cell) if kind == "code" else "")
        parts.append(f'<div class="cell {escape(kind)}"><small>cell {number} ({escape(kind)})</small>'
                     f"{body}</div>")
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(student)}</title><style>{_CSS}</style></head><body>{''.join(parts)}</body></html>\n")


def notebook_page(student: str) -> str:
    """The page's path relative to the output folder."""
    return f"notebooks/{feedback_name(student)}"


def write_notebook_page(out: Path, nb: ClassNotebook) -> None:
    """Write ``out/notebooks/<student>.html`` (a note when the file cannot be read)."""
    write_atomically(out / notebook_page(nb.student), parsed_notebook_html(nb.student, nb.notebook))
