"""Run every benchmark and print their tables (``make bench``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    status = 0
    for script in ("bench_sandbox.py", "bench_aws_cell.py", "bench_grading.py", "bench_rs256.py"):
        print(f"\n== {script} ==", flush=True)
        status |= subprocess.run([sys.executable, str(HERE / script)]).returncode
    return status


if __name__ == "__main__":
    raise SystemExit(main())
