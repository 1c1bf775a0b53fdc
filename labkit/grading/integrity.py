"""Notice when labkit's own files change while a class is being graded.

Graded kernels import ``labkit`` from disk. A submission that rewrote, say,
``labkit/sandbox.py`` could change how the *next* submissions' kernels behave,
so the grading command fingerprints the package (sources and compiled files)
before it starts and checks the fingerprint again after every submission; a
change stops the run before any later result is recorded. The checks
themselves are safe either way: they were imported before any notebook ran.
"""

from __future__ import annotations

import compileall
import hashlib
from pathlib import Path

__all__ = ["package_dir", "prepare", "fingerprint", "source_fingerprint"]


def package_dir() -> Path:
    """The folder of the ``labkit`` package in use."""
    return Path(__file__).resolve().parents[1]


def prepare(root: Path | None = None) -> None:
    """Compile every module now, so that no legitimate ``.pyc`` write happens during grading."""
    compileall.compile_dir(str(root or package_dir()), quiet=2, workers=1)


def fingerprint(root: Path | None = None) -> str:
    """sha256 over the names and contents of the package's ``.py`` and ``.pyc`` files."""
    root = root or package_dir()
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".pyc") and p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            digest.update(b"unreadable")
    return digest.hexdigest()


def source_fingerprint(path: Path) -> str:
    """sha256 over the ``.py`` sources in ``path`` (a file or a folder): what results depend on."""
    files = [path] if path.is_file() else sorted(path.rglob("*.py"))
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode() + b"\0" + hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()
