"""``!aws`` speed in a real kernel: answered in the kernel next to the real ``aws`` program, one run.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_aws_cell.py [--rounds 15] [--chapter-rounds 1]``).
Nothing here asserts a time; the table is the result.

* ``!aws iam list-users`` cell: one kernel with a sandbox; the same cell timed from
  ``execute_request`` to idle, alternating ``%aws_process off`` (in the kernel) and
  ``%aws_process`` (the program) so both see the same machine load; and the CPU time the
  cell costs (the kernel's own, its threads' and its finished child processes', read with
  ``getrusage`` around the cell), which a busy machine stretches far less than wall time;
* each chapter top to bottom: a fresh kernel per run, timed from the first cell to the last
  (kernel start-up apart), with ``LABKIT_AWS_IN_KERNEL=0`` (the program) and without (in the
  kernel), interleaved.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CELL = "!aws iam list-users"


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LABKIT_"))}
    env.update(extra)
    return env


def _execute(client: Any, code: str, timeout: float = 300) -> tuple[float, str]:
    """Run ``code``; (seconds from request to idle, what it printed)."""
    start = time.perf_counter()
    msg_id = client.execute(code)
    printed = []
    while True:
        msg = client.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream":
            printed.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            raise RuntimeError("\n".join(msg["content"]["traceback"]))
        elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return time.perf_counter() - start, "".join(printed)


CPU = ("import resource as _r; _s, _c = _r.getrusage(_r.RUSAGE_SELF), _r.getrusage(_r.RUSAGE_CHILDREN); "
       "print(_s.ru_utime + _s.ru_stime + _c.ru_utime + _c.ru_stime); del _r, _s, _c")


def _cpu_ms(client: Any, code: str) -> tuple[float, float, str]:
    """(wall ms, CPU ms, printed) of one cell; CPU read in cells before and after it."""
    before = float(_execute(client, CPU)[1])
    seconds, printed = _execute(client, code)
    after = float(_execute(client, CPU)[1])
    return seconds * 1000, (after - before) * 1000, printed


def aws_cell(rounds: int) -> list[tuple[str, float, float, str]]:
    """Median ms of one ``!aws iam list-users`` cell: the program vs in the kernel (same kernel)."""
    from jupyter_client import KernelManager

    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(env=_clean_env(), stderr=subprocess.DEVNULL)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        _execute(client, "import labkit\nlab = labkit.start(quiet=True)\n"
                         "lab.client('iam').create_user(UserName='alice-developer')")
        wall: dict[str, list[float]] = {"on": [], "off": [], "empty": []}
        cpu: dict[str, list[float]] = {"on": [], "off": [], "empty": []}
        for mode in ("off", "on", "off", "on"):  # warm both paths (imports, service files)
            _execute(client, f"%aws_process {mode}")
            _execute(client, CELL)
        for _ in range(rounds):
            for mode in ("off", "on"):  # off: answered in the kernel; on: the aws program
                _execute(client, f"%aws_process {mode}")
                ms, cpu_ms, printed = _cpu_ms(client, CELL)
                assert "alice-developer" in printed, printed
                wall[mode].append(ms)
                cpu[mode].append(cpu_ms)
            ms, cpu_ms, _ = _cpu_ms(client, "pass")
            wall["empty"].append(ms)
            cpu["empty"].append(cpu_ms)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    med = {k: statistics.median(v) for k, v in wall.items()}
    med_cpu = {k: statistics.median(v) for k, v in cpu.items()}
    return [(f"`{CELL}` cell (ms)", med["on"], med["off"], "target <= 50 ms and <= 0.1x"),
            (f"`{CELL}` cell, CPU time (ms)", med_cpu["on"], med_cpu["off"], "kernel + its programs"),
            ("  an empty cell, for scale (ms)", med["empty"], med["empty"], ""),
            ("  an empty cell, CPU time (ms)", med_cpu["empty"], med_cpu["empty"], "the cell's own share")]


def _run_chapter(path: Path, in_kernel: bool) -> float:
    """Seconds from the first cell's start to the last cell's end, in a fresh kernel."""
    import nbformat
    from nbclient import NotebookClient

    from labkit.checks.your_turn_tasks import typed_your_turns

    nb = typed_your_turns(nbformat.read(path, as_version=4))  # a learner's part typed in, as the tests do
    marks: list[float] = []
    client = NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}},
                            on_cell_execute=lambda **_: marks.append(time.perf_counter()))
    env = _clean_env() if in_kernel else _clean_env(LABKIT_AWS_IN_KERNEL="0")
    client.execute(env=env)
    return time.perf_counter() - marks[0]


def chapters(rounds: int, names: list[str] | None = None) -> list[tuple[str, float, float, str]]:
    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if names:
        paths = [p for p in paths if any(p.name.startswith(n) for n in names)]
    rows = []
    for path in paths:
        program, in_kernel = [], []
        for _ in range(rounds):  # interleaved
            program.append(_run_chapter(path, in_kernel=False))
            in_kernel.append(_run_chapter(path, in_kernel=True))
        rows.append((f"chapter {path.stem[:28]} (s)", statistics.median(program),
                     statistics.median(in_kernel), "target <= 3 s"))
    return rows


def print_table(rows: list[tuple[str, float, float, str]]) -> None:
    print(f"{'measure (median)':<44}{'aws program':>12}{'in kernel':>11}{'ratio':>8}  target")
    for name, program, ours, target in rows:
        ratio = f"{ours / program:>8.2f}" if program else f"{'-':>8}"
        print(f"{name:<44}{program:>12.3f}{ours:>11.3f}{ratio}  {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="timed `!aws` cells each way (default 15)")
    parser.add_argument("--chapter-rounds", type=int, default=1, help="runs of each chapter each way")
    parser.add_argument("--chapter", action="append", help="only chapters whose file starts with this")
    parser.add_argument("--json", action="store_true", help="also print the rows as JSON")
    args = parser.parse_args()
    rows = aws_cell(args.rounds)
    rows += chapters(args.chapter_rounds, args.chapter)
    print_table(rows)
    if args.json:
        print(json.dumps(rows))


if __name__ == "__main__":
    main()
