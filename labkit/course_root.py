"""Where the course is: the folder that holds ``notebooks/``.

>>> (project_root() / "notebooks").is_dir() or project_root() == Path.cwd()
True
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["project_root"]


def project_root() -> Path:
    """The course folder (where ``notebooks/`` lives)."""
    here = Path.cwd()
    for candidate in (here, *here.parents, Path(__file__).resolve().parents[1]):
        if (candidate / "notebooks").is_dir():
            return candidate
    return here
