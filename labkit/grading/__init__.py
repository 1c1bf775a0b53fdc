"""Grade a class's submissions: ``labkit grade PATH... --out DIR``.

A submission's path, from file to gradebook row::

    file --(submissions: read, sha256, which assignment?)--> Job
         --(runner: hand to a forked worker)-->
    worker: reset its own sandbox to the assignment's scenario (new root keys)
         --> a fresh, pre-started kernel runs the notebook, attached to that sandbox
             (it gets the endpoint and root's credentials, never the admin token)
         --> the kernel and anything it started are killed
         --> the assignment's checks read the account through the AWS API (in the worker)
    --> runner: results.json, grades.csv, feedback/<student>.html, report.html

Modules: :mod:`~labkit.grading.submissions` (finding and classifying files),
:mod:`~labkit.grading.kernels` (fresh kernels), :mod:`~labkit.grading.worker`
(one sandbox, many submissions), :mod:`~labkit.grading.runner` (the run),
:mod:`~labkit.grading.gradebook` (the files), :mod:`~labkit.grading.reports`
(HTML), :mod:`~labkit.grading.progress`, :mod:`~labkit.grading.processes`
and :mod:`~labkit.grading.integrity` (keeping submissions in their place),
:mod:`~labkit.grading.cli` (the command).
"""

from __future__ import annotations

from .gradebook import CSV_COLUMNS, STATUSES
from .runner import GradingRun, RunSummary, TamperingError, grade

__all__ = ["grade", "GradingRun", "RunSummary", "TamperingError", "CSV_COLUMNS", "STATUSES"]
