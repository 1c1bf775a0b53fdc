"""Grade a class's submissions: ``labkit grade PATH... --out DIR``.

A submission's path, from file to gradebook row::

    file or zip entry --(submissions: read, sha256, student id, which assignment?)--> Job
         --(runner: hand to a forked worker)-->
    worker: reset its own sandbox to the assignment's scenario (new root keys)
         --> a fresh, pre-started kernel, in its own bubblewrap jail, runs the notebook,
             reaching only that sandbox (through a Unix socket; never the admin token)
         --> the jail and everything in it are killed
         --> the assignment's checks read the account through the AWS API (in the worker)
    --> runner: results.json (signed), grades.csv, canvas.csv, moodle.csv (and moodle-worksheet.csv),
                canvas-feedback.zip, feedback/<student>.html, notebooks/<student>.html, report.html

Modules: :mod:`~labkit.grading.submissions` (finding and classifying files),
:mod:`~labkit.grading.classlist` (roster, ids, late penalties, adjustments),
:mod:`~labkit.grading.lateness` (which submission time counts: never one a student can set),
:mod:`~labkit.grading.jail` and :mod:`~labkit.grading.jail_kernel` (the jail),
:mod:`~labkit.grading.kernels` (fresh kernels), :mod:`~labkit.grading.worker`
(one sandbox, many submissions), :mod:`~labkit.grading.runner` (the run),
:mod:`~labkit.grading.gradebook` (the files), :mod:`~labkit.grading.exports`
(Canvas, Moodle grade files, as their importers read them), :mod:`~labkit.grading.canvas_feedback`
(feedback pages for Canvas's "Re-Upload Submissions"), :mod:`~labkit.grading.reports` (HTML),
:mod:`~labkit.grading.notebook_view` (a submitted notebook, read-only),
:mod:`~labkit.grading.progress`, :mod:`~labkit.grading.processes` and
:mod:`~labkit.grading.integrity`, :mod:`~labkit.grading.cli` (the command).
"""

from __future__ import annotations

from typing import Any

__all__ = ["grade", "GradingRun", "RunSummary", "TamperingError", "CSV_COLUMNS", "STATUSES"]
_FROM = {"grade": "runner", "GradingRun": "runner", "RunSummary": "runner", "TamperingError": "runner",
         "CSV_COLUMNS": "gradebook", "STATUSES": "gradebook"}


def __getattr__(name: str) -> Any:
    """Import the grader only when it is used: a graded kernel imports small parts of this package
    (``processes``, ``jail_kernel``) and must not pay for the rest."""
    if name not in _FROM:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{_FROM[name]}"), name)
