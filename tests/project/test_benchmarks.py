"""The benchmarks run and print their side-by-side tables (a tiny run; no time is asserted)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each runs a benchmark script in a process of its own (13-35 s)
BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _run(script: str, *args: str) -> str:
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), *args], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_sandbox_benchmark_prints_medians_and_ratios() -> None:
    out = _run("bench_sandbox.py", "--rounds", "1", "--repeat", "10", "--json")
    table, rows_json = out.rsplit("\n", 2)[0], out.strip().splitlines()[-1]
    assert "plain moto" in table and "labkit" in table and "ratio" in table
    rows = json.loads(rows_json)
    names = [row[0] for row in rows]
    assert names == ["start-up to first IAM answer (s)", "peak memory after start-up (MB)",
                     "IAM call latency, mixed calls (ms)", "in-process call latency (ms)", "reset (ms)",
                     "stop (ms)", "IAM call, signature check (ms)", "time inside the check, per call (ms)",
                     "  of which the request-time check (ms)"]
    for name, plain, ours, _target in rows:
        assert plain > 0 and ours > 0, name
        assert f"{ours / plain:.2f}" in table  # the ratio is printed beside both medians


def test_aws_cell_benchmark_prints_both_ways_side_by_side() -> None:
    out = _run("bench_aws_cell.py", "--rounds", "2", "--chapter", "00", "--json")
    table, rows = out.rsplit("\n", 2)[0], json.loads(out.strip().splitlines()[-1])
    assert "aws program" in table and "in kernel" in table and "ratio" in table
    assert [row[0] for row in rows] == [
        "`!aws iam list-users` cell (ms)", "`!aws iam list-users` cell, CPU time (ms)",
        "  an empty cell, for scale (ms)", "  an empty cell, CPU time (ms)", "chapter 00-start-here (s)"]
    for name, program, ours, _target in rows:
        if name == "  an empty cell, CPU time (ms)":  # can be 0 at the clock's resolution
            continue
        assert program > 0 and ours > 0, name
        assert f"{ours / program:.2f}" in table


@pytest.mark.grading_run
def test_grading_benchmark_compares_with_naive_nbconvert() -> None:
    out = _run("bench_grading.py", "--count", "3")
    assert "statuses: 3 graded" in out, out  # a raising notebook is graded too (its score shows it)
    row = r"\s+3\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)"  # subs, total s, median s/sub, vs naive
    naive = re.search(r"nbconvert --execute --allow-errors \(serial\)" + row, out)
    ours = re.search(r"labkit grade --jobs 2 \(jailed; checks, reports\)" + row, out)
    loose = re.search(r"labkit grade --jobs 2 \(no jail; checks, reports\)" + row, out)
    assert naive and ours and loose, out
    assert float(naive.group(1)) > 0 and float(ours.group(1)) > 0 and naive.group(3) == "1.00"
    # the ratio column is the two totals divided (totals are printed rounded to 0.1 s)
    assert abs(float(ours.group(3)) - float(ours.group(1)) / float(naive.group(1))) < 0.05
    assert re.search(r"labkit grade takes \d+% of the naive time.*the jail adds [+-]\d+%", out)


def test_rs256_benchmark_compares_with_openssl_and_agrees_with_it() -> None:
    out = _run("bench_rs256.py", "--rounds", "1", "--json")
    rows = json.loads(out.strip().splitlines()[-1])
    assert [row[0] for row in rows] == ["key pair, 2048 bits (ms)", "key pair, 1024 bits (ms)",
                                        "sign, 2048 bits (ms)", "verify, 2048 bits (ms)"]
    for name, openssl, ours in rows:
        assert openssl > 0 and ours > 0, name
        assert f"{ours / openssl:.1f}" in out
