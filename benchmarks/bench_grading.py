"""Grading speed: ``labkit grade --jobs 2`` (jailed, and unconfined) next to the naive floor, in one run.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_grading.py [--count 40]``).
Nothing here asserts a time; the table is the result.

The class: ``--count`` submissions (default 40) built from ``solutions/`` and
``exercises/``, cycling over the assignments and three kinds of submission:

* correct — the solution notebook as it is;
* partial — the solution without its later solution cells;
* raising — the exercise as released (its ``raise NotImplementedError()`` cells fail).

``labkit grade`` runs twice: as it ships (every kernel in a bubblewrap jail) and with
``--no-jail-i-accept-the-risk``, so the table shows what the jail costs.

The naive floor runs the same files one after another with
``jupyter nbconvert --to notebook --execute --allow-errors``: a new process, a
new kernel and a new sandbox each, and no checks at all.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _code_indices(nb: dict[str, Any]) -> list[int]:
    return [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]


def partial(solution: dict[str, Any]) -> dict[str, Any]:
    """The solution without the second half of its code cells (the last, "check my work", stays)."""
    nb = json.loads(json.dumps(solution))
    code = _code_indices(nb)
    drop = set(code[max(1, len(code) // 2):-1])
    nb["cells"] = [c for i, c in enumerate(nb["cells"]) if i not in drop]
    return nb


def build_class(folder: Path, count: int) -> list[Path]:
    """Write ``count`` mixed submissions into ``folder``; returns their paths."""
    kinds: list[tuple[str, dict[str, Any]]] = []
    for solution_path in sorted((ROOT / "solutions").glob("*.ipynb")):
        solution = json.loads(solution_path.read_text())
        kinds.append((f"{solution_path.stem}-correct", solution))
        kinds.append((f"{solution_path.stem}-partial", partial(solution)))
        exercise = ROOT / "exercises" / solution_path.name
        if exercise.exists():
            kinds.append((f"{solution_path.stem}-raising", json.loads(exercise.read_text())))
    if not kinds:
        raise SystemExit("no solutions/*.ipynb to build submissions from")
    folder.mkdir(parents=True)
    paths = []
    for i in range(count):
        name, nb = kinds[i % len(kinds)]
        path = folder / f"student-{i:02d}-{name}.ipynb"
        path.write_text(json.dumps(nb))
        paths.append(path)
    return paths


def time_labkit_grade(folder: Path, out: Path, jobs: int, *extra: str
                      ) -> tuple[float, list[float], dict[str, int]]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "labkit.cli", "grade", str(folder), "--out", str(out),
                           "--jobs", str(jobs), *extra], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"labkit grade failed:\n{proc.stderr}")
    entries = json.loads((out / "results.json").read_text())["submissions"]
    statuses: dict[str, int] = {}
    for e in entries:
        statuses[e["status"]] = statuses.get(e["status"], 0) + 1
    return seconds, [e["seconds"] for e in entries], statuses


def time_naive(paths: list[Path], out: Path) -> tuple[float, list[float]]:
    nbconvert = shutil.which("jupyter", path=str(BIN)) or "jupyter"
    each = []
    start = time.perf_counter()
    for path in paths:
        t0 = time.perf_counter()
        subprocess.run([nbconvert, "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
                        "--ExecutePreprocessor.timeout=300", "--output-dir", str(out), str(path)],
                       check=True, capture_output=True)
        each.append(time.perf_counter() - t0)
    return time.perf_counter() - start, each


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40, help="submissions (default 40)")
    parser.add_argument("--jobs", type=int, default=2, help="labkit grade --jobs (default 2)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        base = Path(tmp)
        paths = build_class(base / "class", args.count)
        graded, per_sub, statuses = time_labkit_grade(base / "class", base / "grades", args.jobs)
        naive, naive_each = time_naive(paths, base / "naive")
        loose, loose_each, _ = time_labkit_grade(base / "class", base / "loose", args.jobs,
                                                 "--no-jail-i-accept-the-risk")
    print(f"Grading {args.count} mixed submissions (correct, partial, raising) — "
          f"statuses: {', '.join(f'{n} {s}' for s, n in sorted(statuses.items()))}")
    print(f"{'method':<52} {'subs':>5} {'total s':>8} {'median s/sub':>13} {'vs naive':>9}")
    print(f"{'jupyter nbconvert --execute --allow-errors (serial)':<52} {args.count:>5} {naive:>8.1f} "
          f"{statistics.median(naive_each):>13.2f} {1.0:>9.2f}")
    for label, total, each in (("no jail", loose, loose_each), ("jailed", graded, per_sub)):
        name = f"labkit grade --jobs {args.jobs} ({label}; checks, reports)"
        median = statistics.median(each)
        print(f"{name:<52} {args.count:>5} {total:>8.1f} {median:>13.2f} {total / naive:>9.2f}")
    print(f"labkit grade takes {graded / naive:.0%} of the naive time (target: at most 10% with !aws in "
          f"the kernel); the jail adds {graded / loose - 1:+.0%} to the unconfined grader.")


if __name__ == "__main__":
    main()
