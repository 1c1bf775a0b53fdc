"""The Pyodide runtime (WebAssembly CPython and its standard library) from npm's ``pyodide``.

npm's package holds the core runtime only, no package wheels; :mod:`.lock` lists ours.
The version is the one ``jupyterlite-pyodide-kernel`` is built and tested against.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from pathlib import Path

__all__ = ["RUNTIME_FILES", "fetch_core", "kernel_pyodide_version"]

# What the kernel loads; the rest of the npm package (typings, console pages, source maps) stays out.
RUNTIME_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "package.json")


def kernel_pyodide_version() -> str:
    from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION

    return str(PYODIDE_VERSION)


def fetch_core(version: str, cache: Path) -> tuple[Path, dict]:
    """npm's ``pyodide@version``, unpacked once into ``cache``: (folder, its lock file)."""
    folder = cache / f"pyodide-{version}"
    if not (folder / "pyodide-lock.json").exists():
        cache.mkdir(parents=True, exist_ok=True)
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("make site needs npm (Debian: apt-get install npm) to fetch the Pyodide runtime")
        argv = [npm, "pack", f"pyodide@{version}", "--silent", "--pack-destination", str(cache)]
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"make site: npm could not fetch pyodide@{version}:\n{done.stderr[-2000:]}")
        archive = cache / f"pyodide-{version}.tgz"
        tmp = cache / f"unpack-{version}"
        shutil.rmtree(tmp, ignore_errors=True)
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        shutil.rmtree(folder, ignore_errors=True)
        (tmp / "package").rename(folder)
        shutil.rmtree(tmp)
    return folder, json.loads((folder / "pyodide-lock.json").read_text())
