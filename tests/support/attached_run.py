"""Run a notebook as the grader does: a fresh kernel *attached* to a sandbox this process owns.

The kernel gets only the endpoint and credentials (``LABKIT_ATTACH``); the checks then run here,
outside the kernel.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

import labkit

__all__ = ["run_attached", "errors"]


def run_attached(lab: labkit.Lab, nb: nbformat.NotebookNode, scenario: str,
                 cwd: Path) -> nbformat.NotebookNode:
    """Reset ``lab`` to ``scenario`` and execute ``nb`` (in place) in a kernel attached to it."""
    lab.reset(scenario)
    env = dict(os.environ)
    env["LABKIT_ATTACH"] = json.dumps(lab.attach_spec())
    env["LABKIT_PROGRESS"] = os.path.join(tempfile.mkdtemp(prefix="labkit-answers-"), "answers.jsonl")
    km = KernelManager(kernel_name="python3")
    km.start_kernel(env=env, cwd=str(cwd))
    try:
        NotebookClient(nb, km=km, timeout=120, allow_errors=True).execute()
    finally:
        km.shutdown_kernel(now=True)
    return nb


def errors(nb: nbformat.NotebookNode) -> list[str]:
    """``ename: evalue`` of every error a code cell raised."""
    return [f"{o.get('ename')}: {o.get('evalue')}" for cell in nb.cells if cell.cell_type == "code"
            for o in cell.get("outputs", []) if o.get("output_type") == "error"]
