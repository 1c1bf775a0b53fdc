"""JupyterLite around the course: stage the pieces, then ``jupyter lite build``.

The stage (``build/site-stage/``) holds what JupyterLite reads: its two config files
from ``browser/``, the course's settings defaults, the notebooks and exercises that
exist (never a fixed list), and ``static/pyodide/`` -- the runtime with our wheels and
lock, which the Pyodide add-on copies into the site and points the kernel at.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["COURSE_FOLDERS", "START_PAGE", "build", "stage"]

COURSE_FOLDERS = ("notebooks", "exercises")
START_PAGE = "notebooks/00-start-here.ipynb"
_REDIRECT = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>IAM castle</title>
<meta http-equiv="refresh" content="0; url=./lab/index.html?path={start}">
<script id="jupyter-config-data" type="application/json" data-jupyter-lite-root=".">{{}}</script>
</head><body><p><a href="./lab/index.html?path={start}">Open the IAM castle course</a></p></body></html>
"""


def stage(root: Path, dest: Path, pyodide_dir: Path) -> Path:
    """Lay out the JupyterLite source folder in ``dest`` (emptied first)."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for name in ("jupyter_lite_config.json", "jupyter-lite.json"):
        shutil.copy(root / "browser" / name, dest / name)
    overrides = root / "labkit" / "jupyter_config" / "labconfig" / "default_setting_overrides.json"
    shutil.copy(overrides, dest / "overrides.json")
    for folder in COURSE_FOLDERS:
        shutil.copytree(root / folder, dest / "files" / folder,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(pyodide_dir, dest / "static" / "pyodide")
    return dest


def build(stage_dir: Path, out: Path) -> None:
    """``jupyter lite build`` from ``stage_dir`` into ``out``, then the front door."""
    shutil.rmtree(out, ignore_errors=True)
    argv = [sys.executable, "-m", "jupyterlite_core", "build", "--lite-dir", str(stage_dir),
            "--output-dir", str(out)]
    done = subprocess.run(argv, cwd=stage_dir, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"make site: jupyter lite build failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    config = json.loads((out / "jupyter-lite.json").read_text())["jupyter-config-data"]
    url = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"].get("pyodideUrl", "")
    if not url.startswith("./"):
        raise SystemExit(f"make site: the kernel would load Pyodide from {url!r}, not from the site")
    (out / "index.html").write_text(_REDIRECT.format(start=START_PAGE))
