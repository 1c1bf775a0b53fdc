"""``pyodide-lock.json``: the one list of wheels the browser kernel may load.

Pyodide's ``loadPackage`` and micropip read this file before anything else; with
every package the course needs in it (and PyPI switched off in the kernel's
settings), the kernel never asks another host for a package.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .wheels import BROWSER_MARKERS, STUBBED

__all__ = ["STUB_PACKAGE", "lock_entry", "write_lock"]

STUB_PACKAGE = "labkit-browser-stubs"


def _imports(wheel: Path) -> list[str]:
    """Top-level importable names in a wheel (what ``loadPackagesFromImports`` looks up)."""
    with zipfile.ZipFile(wheel) as zf:
        names = set()
        for name in zf.namelist():
            top = name.split("/")[0]
            if ".dist-info" in top or ".data" in top:
                continue
            if "/" in name or top.endswith(".py"):
                names.add(top.removesuffix(".py"))
    return sorted(n for n in names if n.isidentifier())


def _depends(wheel: Path, known: set[str]) -> list[str]:
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        lines = zf.read(meta).decode().splitlines()
    found: set[str] = set()
    for line in lines:
        if not line.startswith("Requires-Dist:"):
            continue
        req = Requirement(line.split(":", 1)[1].strip())
        if req.marker and not req.marker.evaluate(BROWSER_MARKERS):
            continue
        name = canonicalize_name(req.name)
        if name in STUBBED:
            name = STUB_PACKAGE
        if name in known:
            found.add(name)
    return sorted(found)


def lock_entry(name: str, version: str, wheel: Path, known: set[str]) -> dict:
    return {
        "name": name, "version": version, "file_name": wheel.name, "install_dir": "site",
        "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(), "package_type": "package",
        "imports": _imports(wheel), "depends": _depends(wheel, known), "unvendored_tests": False, "tool": {},
    }


def write_lock(core_lock: dict, wheels: dict[str, tuple[str, Path]], dest: Path) -> dict:
    """Write ``dest`` with Pyodide's ``info`` and exactly ``wheels`` (name -> (version, file))."""
    known = set(wheels)
    packages = {name: lock_entry(name, version, path, known)
                for name, (version, path) in sorted(wheels.items())}
    lock = {"info": core_lock["info"], "packages": packages}
    dest.write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n")
    return lock
