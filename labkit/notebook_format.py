"""The notebook metadata every course notebook carries.

Chapters (``scripts/build_chapters.py``) and released exercises
(``labkit release``) are written with this kernelspec and language info, so
JupyterLab opens them straight into the course's Python kernel without asking
which kernel to use.

The language info is exactly what the course's kernel reports for itself.
JupyterLab writes the kernel's report into a notebook when the kernel starts;
when the two already match, nothing changes and the notebook does not open
marked as "unsaved". (On another Python version the only difference is that
marker.)

>>> COURSE_METADATA["kernelspec"]["name"]
'python3'
"""

from __future__ import annotations

from typing import Any

__all__ = ["KERNELSPEC", "LANGUAGE_INFO", "COURSE_METADATA", "course_metadata"]

KERNELSPEC: dict[str, str] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}

LANGUAGE_INFO: dict[str, Any] = {
    "name": "python",
    "version": "3.11.7",
    "mimetype": "text/x-python",
    "codemirror_mode": {"name": "ipython", "version": 3},
    "pygments_lexer": "ipython3",
    "nbconvert_exporter": "python",
    "file_extension": ".py",
}

COURSE_METADATA: dict[str, Any] = {"kernelspec": KERNELSPEC, "language_info": LANGUAGE_INFO}


def course_metadata(**extra: Any) -> dict[str, Any]:
    """A fresh copy of the course's notebook metadata, plus ``extra`` keys."""
    import copy

    return {**copy.deepcopy(COURSE_METADATA), **extra}
