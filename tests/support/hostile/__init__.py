"""Hostile submissions for the grader's tests, built from a real solution notebook.

Each builder returns a notebook (a dict, nbformat 4) that tries one way of
getting points it did not earn, or of breaking the grader. The expected
outcome of each is in ``tests/grading/test_grading.py``; the attacks are written so
that, *if they worked*, the score would visibly change.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

__all__ = ["Builder", "needs_jail"]


def _jail_problem() -> str:
    from labkit.grading.jail import Jail, JailUnavailable

    try:
        Jail().probe()
    except JailUnavailable as err:
        return str(err)
    return ""


_PROBLEM = _jail_problem()
# Grading needs bubblewrap (make test installs it); where it cannot run, say so in the summary.
needs_jail = pytest.mark.skipif(bool(_PROBLEM), reason=f"labkit grade needs a jail: {_PROBLEM}")

PRINT_ALL_PASSED = 'print("All checks passed 10/10")\nprint("Score: 10/10 \\u2705")'

PATCH_CHECKS = """
# Make every check pass, from inside the kernel.
import labkit, labkit.checks as checks
def _all_pass(assignment_id, lab):
    a = checks.get_assignment(assignment_id)
    return [checks.CheckResult(c.id, c.description, c.points, c.points, True, "", "patched")
            for c in a.checks]
checks.run_checks = _all_pass
for a in checks.ASSIGNMENTS.values():
    for c in a.checks:
        object.__setattr__(c, "test", lambda lab: True)
labkit.start = lambda *a, **k: None
# Poke moto's internals in this process (not where the grader's sandbox lives).
from moto.backends import get_backend
get_backend("iam")["123456789012"]["global"].create_user("alice-developer", "/", None)
print("All checks passed")
"""

WRITE_OUT_DIR = """
# Forge the gradebook, now and (from a detached process) after the kernel is gone.
import csv, json, os, pathlib, subprocess, sys, textwrap
out = pathlib.Path({out!r})
fake_csv = "student,assignment,score,max_score,status\\n{student},users,999,10,graded\\n"
fake_json = json.dumps({{"format": "labkit-grades/1", "submissions": [{{"student": "{student}",
    "assignment": "users", "sha256": "x", "status": "graded", "score": 999, "max_score": 10}}]}})
def forge():
    out.mkdir(parents=True, exist_ok=True)
    (out / "grades.csv").write_text(fake_csv)
    (out / "results.json").write_text(fake_json)
    (out / "feedback").mkdir(exist_ok=True)
    (out / "feedback" / "{student}.html").write_text("<h1>10/10 all passed</h1>")
forge()
later = textwrap.dedent('''
    import os, sys, time, pathlib
    if os.fork(): sys.exit(0)
    os.setsid()
    if os.fork(): sys.exit(0)
    time.sleep({delay})
    pathlib.Path(sys.argv[4]).write_text("the forger's process outlived its kernel")
    out = pathlib.Path(sys.argv[1])
    (out / "grades.csv").write_text(sys.argv[2])
    (out / "results.json").write_text(sys.argv[3])
''')
subprocess.Popen([sys.executable, "-c", later, str(out), fake_csv, fake_json, {evidence!r}],
                 start_new_session=True)
"""

ADMIN_ATTACK = """
# Try to get the sandbox's admin powers: no token, guessed tokens, tokens read from other processes.
import json, os, re, urllib.request
endpoint = lab.endpoint_url
candidates = [None, "", "admin", "labkit"]
pid = os.getppid()
for _ in range(4):                      # the worker, the grading command, ...
    for name in ("environ", "cmdline", "mem"):
        try:
            with open(f"/proc/{pid}/{name}", "rb") as fh:
                data = fh.read(1 << 20)
            candidates += re.findall(rb"[A-Za-z0-9_-]{32}", data)[:50]
        except OSError:
            pass
    try:
        with open(f"/proc/{pid}/stat") as fh:
            pid = int(fh.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        break
worked = []
for token in candidates:
    for action, data in (("reset", {}), ("enforce", {"on": False})):
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["X-Labkit-Admin"] = token.decode() if isinstance(token, bytes) else token
        req = urllib.request.Request(f"{endpoint}/labkit/admin/{action}", data=json.dumps(data).encode(),
                                     headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                worked.append((action, resp.status))
        except Exception:
            pass
for call in (lambda: lab.admin("reset"), lambda: lab.reset("new-account"), lambda: lab.auditor()):
    try:
        call()
        worked.append("lab method")
    except PermissionError:
        pass
print("admin attempts that worked:", worked)
"""

INFINITE_LOOP = "while True:\n    pass"
KERNEL_EXIT = "import os\nos._exit(1)"
TEN_MEGABYTES = 'print("x" * 10_000_000)'
SLOW_CELL = "import time\ntime.sleep(2)"


class Builder:
    """Builds submissions from ``solution`` (a notebook dict with ``labkit.assignment`` metadata)."""

    def __init__(self, solution: dict[str, Any]) -> None:
        self.solution = solution
        self.code = [c for c in solution["cells"] if c["cell_type"] == "code"]

    def notebook(self, sources: list[str], assignment: str | None = "solution") -> dict[str, Any]:
        """A notebook with these code cells; ``assignment`` ``"solution"`` keeps the solution's."""
        nb = copy.deepcopy(self.solution)
        nb["cells"] = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                        "source": s} for s in sources]
        meta = nb.setdefault("metadata", {})
        if assignment is None:
            meta.pop("labkit", None)
        elif assignment != "solution":
            meta["labkit"] = {"assignment": assignment}
        return nb

    def sources(self, cells: list[dict[str, Any]]) -> list[str]:
        return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells]

    @property
    def setup(self) -> list[str]:
        """Only the solution's first cell (``import labkit; lab = labkit.start(...)``)."""
        return self.sources(self.code[:1])

    @property
    def half(self) -> list[str]:
        """The solution's first half of code cells: some work done, not all."""
        return self.sources(self.code[: max(2, len(self.code) // 2)])

    def correct(self) -> dict[str, Any]:
        return copy.deepcopy(self.solution)

    def set_up_only(self) -> dict[str, Any]:
        return self.notebook(self.setup)

    def partial(self) -> dict[str, Any]:
        return self.notebook(self.half)

    def prints_all_passed(self) -> dict[str, Any]:
        return self.notebook([*self.setup, PRINT_ALL_PASSED])

    def patches_checks(self) -> dict[str, Any]:
        return self.notebook([*self.half, PATCH_CHECKS])

    def writes_out_dir(self, out: Path, student: str, delay: float, evidence: Path) -> dict[str, Any]:
        """Forges the gradebook now, and from a detached process ``delay`` s later (which also
        writes ``evidence``, so a test can tell whether that process outlived the submission)."""
        code = WRITE_OUT_DIR.format(out=str(out), student=student, delay=delay, evidence=str(evidence))
        return self.notebook([*self.setup, code])

    def attacks_admin(self) -> dict[str, Any]:
        return self.notebook([*self.half, ADMIN_ATTACK])

    def loops_forever(self) -> dict[str, Any]:
        return self.notebook([*self.half, INFINITE_LOOP, *self.sources(self.code[len(self.half):])])

    def sleeps_past_deadline(self, cells: int) -> dict[str, Any]:
        return self.notebook([*self.half, *[SLOW_CELL] * cells])

    def kills_kernel(self) -> dict[str, Any]:
        return self.notebook([*self.half, KERNEL_EXIT, *self.sources(self.code[len(self.half):])])

    def floods_output(self) -> dict[str, Any]:
        return self.notebook([TEN_MEGABYTES, *self.half])

    def raises(self) -> dict[str, Any]:
        return self.notebook([*self.half, "raise NotImplementedError()",
                              *self.sources(self.code[len(self.half):])])

    def without_metadata(self) -> dict[str, Any]:
        return self.notebook(self.sources(self.code), assignment=None)

    def of_assignment(self, assignment: str) -> dict[str, Any]:
        return self.notebook(self.sources(self.code), assignment=assignment)

    @staticmethod
    def write(path: Path, notebook: dict[str, Any]) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(notebook, indent=1))
        return path
