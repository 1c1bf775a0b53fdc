"""Sandbox speed and size: labkit next to plain moto, measured side by side in one run.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_sandbox.py``).
Prints a table of medians and ratios; nothing here asserts a time.

* start-up: a fresh process, from the first import to the first answered IAM
  call (plain: moto's ThreadedMotoServer + boto3; labkit: ``import labkit;
  labkit.start(); lab.client("iam").list_users()``);
* reset and stop: median over many repetitions;
* peak memory (max RSS) of a process after start-up and one call;
* per-call latency of the same IAM calls through plain moto and through the
  realism layer (the layer's overhead);
* the same with no server at all: moto's ``mock_aws`` next to
  ``labkit.start(in_process=True)``;
* what checking signatures costs: the same calls through the same sandbox with
  the SigV4 check switched off and on (interleaved), and the time spent inside
  the check itself.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Callable
from typing import Any

ROUNDS = 9

PLAIN_START = textwrap.dedent("""
    import time; t0 = time.perf_counter()
    import logging, resource
    import boto3
    from moto.server import ThreadedMotoServer
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False); server.start()
    host, port = server.get_host_and_port()
    iam = boto3.client("iam", endpoint_url=f"http://{host}:{port}", region_name="us-east-1",
                       aws_access_key_id="AKIAEXAMPLE0000000000", aws_secret_access_key="x" * 40)
    iam.list_users()
    t1 = time.perf_counter()
    print(t1 - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
""")

LABKIT_START = textwrap.dedent("""
    import time; t0 = time.perf_counter()
    import resource
    import labkit
    lab = labkit.start(quiet=True)
    lab.client("iam").list_users()
    t1 = time.perf_counter()
    print(t1 - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
""")


# In-process editions (no server): moto's own mock_aws vs labkit.start(in_process=True).
IN_PROCESS_WORKLOAD = textwrap.dedent("""
    import statistics, sys, time
    import boto3
    sys.path.insert(0, sys.argv[3])
    from bench_sandbox import CALLS_PER_WORKLOAD, workload
    if sys.argv[1] == "plain":
        from moto import mock_aws
        mock_aws().start()
        iam = boto3.client("iam", region_name="us-east-1", aws_access_key_id="AKIAEXAMPLE0000000000",
                           aws_secret_access_key="x" * 40)
    else:
        import labkit
        iam = labkit.start(quiet=True, in_process=True).client("iam")
    samples = []
    for i in range(int(sys.argv[2])):
        t = time.perf_counter()
        workload(iam, "user", i)
        samples.append((time.perf_counter() - t) * 1000 / CALLS_PER_WORKLOAD)
    print(statistics.median(samples), 0)
""")

CALLS_PER_WORKLOAD = 7


def workload(iam: Any, prefix: str, i: int) -> None:
    """The mixed IAM calls every latency row measures (CALLS_PER_WORKLOAD of them)."""
    name = f"{prefix}-{i}"
    iam.create_user(UserName=name)
    iam.get_user(UserName=name)
    iam.list_users()
    key = iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
    iam.get_account_summary()
    iam.delete_access_key(UserName=name, AccessKeyId=key)
    iam.delete_user(UserName=name)



def in_process_latency(rounds: int, repeat: int) -> list[tuple[str, float, float, str]]:
    """The same mixed IAM calls with no server: mock_aws vs labkit in-process (fresh processes)."""
    plain, ours = [], []
    for _ in range(rounds):  # interleaved
        here = os.path.dirname(os.path.abspath(__file__))
        plain.append(_fresh_process(IN_PROCESS_WORKLOAD, "plain", str(repeat), here)[0])
        ours.append(_fresh_process(IN_PROCESS_WORKLOAD, "labkit", str(repeat), here)[0])
    return [("in-process call latency (ms)", statistics.median(plain), statistics.median(ours),
             "no server: moto's mock_aws vs in_process=True")]


def _fresh_process(code: str, *args: str) -> tuple[float, float]:
    # A clean environment: the sandboxes this process already started changed its AWS variables.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LABKIT_"))}
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True,
                         env=env)
    seconds, rss = out.stdout.split()
    return float(seconds), float(rss)


def startup(rounds: int = ROUNDS) -> list[tuple[str, float, float, str]]:
    plain, ours = [], []
    for _ in range(rounds):  # interleaved, so both see the same machine load
        plain.append(_fresh_process(PLAIN_START))
        ours.append(_fresh_process(LABKIT_START))
    p_t = statistics.median(t for t, _ in plain)
    o_t = statistics.median(t for t, _ in ours)
    p_m = statistics.median(m for _, m in plain)
    o_m = statistics.median(m for _, m in ours)
    return [
        ("start-up to first IAM answer (s)", p_t, o_t, "budget <= 0.6 s, <= +10% vs plain"),
        ("peak memory after start-up (MB)", p_m, o_m, "budget <= 150 MB"),
    ]


def _median_ms(fn: Callable[[], object], n: int) -> float:
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


def reset_and_stop(repeat: int = 50) -> list[tuple[str, float, float, str]]:
    from moto.server import ThreadedMotoServer

    import labkit

    plain = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    plain.start()
    host, port = plain.get_host_and_port()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def plain_reset() -> None:
        opener.open(urllib.request.Request(f"http://{host}:{port}/moto-api/reset", data=b"", method="POST"))

    lab = labkit.start(quiet=True)
    rows = [("reset (ms)", _median_ms(plain_reset, repeat), _median_ms(lab.reset, repeat), "budget <= 20 ms")]
    plain.stop()

    def plain_cycle() -> float:
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        t = time.perf_counter()
        server.stop()
        return (time.perf_counter() - t) * 1000

    def labkit_cycle() -> float:
        current = labkit.start(quiet=True)
        t = time.perf_counter()
        current.stop()
        return (time.perf_counter() - t) * 1000

    cycles = max(1, repeat // 10)
    plain_stop = statistics.median(plain_cycle() for _ in range(cycles))
    ours_stop = statistics.median(labkit_cycle() for _ in range(cycles))
    rows.append(("stop (ms)", plain_stop, ours_stop, "budget <= 50 ms"))
    return rows


def call_latency(repeat: int = 60) -> list[tuple[str, float, float, str]]:
    """The same IAM calls, plain moto vs. through the realism layer, interleaved."""
    import boto3
    from moto.server import ThreadedMotoServer

    import labkit

    plain = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    plain.start()
    host, port = plain.get_host_and_port()
    plain_iam = boto3.client("iam", endpoint_url=f"http://{host}:{port}", region_name="us-east-1",
                             aws_access_key_id="AKIAEXAMPLE0000000000", aws_secret_access_key="x" * 40)
    lab = labkit.start(quiet=True)
    ours_iam = lab.client("iam")

    plain_ms, ours_ms = [], []
    for i in range(repeat):
        t = time.perf_counter()
        workload(plain_iam, "plain", i)
        plain_ms.append((time.perf_counter() - t) * 1000 / CALLS_PER_WORKLOAD)
        t = time.perf_counter()
        workload(ours_iam, "ours", i)
        ours_ms.append((time.perf_counter() - t) * 1000 / CALLS_PER_WORKLOAD)
    plain.stop()
    lab.stop()
    return [("IAM call latency, mixed calls (ms)", statistics.median(plain_ms),
             statistics.median(ours_ms), "budget <= +15% vs plain")]


def signature_cost(repeat: int = 60) -> list[tuple[str, float, float, str]]:
    """The same IAM calls through one sandbox, signature check off and on (interleaved)."""
    import labkit
    from labkit.realism import identity, signature

    lab = labkit.start(quiet=True)
    iam = lab.client("iam")
    checked = identity.verify
    inside: list[float] = []
    clock_check = signature.check_time
    inside_time: list[float] = []

    def timed_time_check(req: Any, signed: Any, now: Any) -> Any:
        t = time.perf_counter()
        try:
            return clock_check(req, signed, now)
        finally:
            inside_time.append((time.perf_counter() - t) * 1000)

    def timed_check(state: Any, req: Any) -> Any:
        t = time.perf_counter()
        try:
            return checked(state, req)
        finally:
            inside.append((time.perf_counter() - t) * 1000)

    samples: dict[str, list[float]] = {"off": [], "on": []}
    checks = {"off": lambda state, req: None, "on": timed_check}
    signature.check_time = timed_time_check  # type: ignore[assignment]
    try:
        for i in range(repeat):
            for mode in (("off", "on") if i % 2 else ("on", "off")):  # alternate who goes first
                identity.verify = checks[mode]  # type: ignore[assignment]
                t = time.perf_counter()
                workload(iam, mode, i)
                samples[mode].append((time.perf_counter() - t) * 1000 / CALLS_PER_WORKLOAD)
    finally:
        identity.verify = checked  # type: ignore[assignment]
        signature.check_time = clock_check  # type: ignore[assignment]
    off_ms, on_ms = samples["off"], samples["on"]
    off, on = statistics.median(off_ms), statistics.median(on_ms)
    return [
        ("IAM call, signature check (ms)", off, on, "budget <= +10% per call"),
        ("time inside the check, per call (ms)", off, statistics.median(inside),
         f"{100 * statistics.median(inside) / off:.1f}% of a call"),
        ("  of which the request-time check (ms)", off, statistics.median(inside_time),
         f"{100 * statistics.median(inside_time) / off:.2f}% of a call"),
    ]


def print_table(rows: list[tuple[str, float, float, str]],
                columns: tuple[str, str] = ("plain moto", "labkit"), title: str = "measure (median)") -> None:
    print(f"{title:<38}{columns[0]:>12}{columns[1]:>12}{'ratio':>8}  target")
    for name, plain, ours, target in rows:
        print(f"{name:<38}{plain:>12.3f}{ours:>12.3f}{ours / plain:>8.2f}  {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"fresh processes each (default {ROUNDS})")
    parser.add_argument("--repeat", type=int, default=60, help="repetitions of the in-process measures")
    parser.add_argument("--json", action="store_true", help="also print the rows as JSON")
    args = parser.parse_args()
    rows = startup(args.rounds)
    rows += call_latency(args.repeat)
    rows += in_process_latency(max(1, args.rounds // 3), args.repeat)
    rows += reset_and_stop(args.repeat)
    signatures = signature_cost(args.repeat)
    print_table(rows)
    print()
    print_table(signatures, ("check off", "check on"), "signature check (median)")
    if args.json:
        print(json.dumps(rows + signatures))


if __name__ == "__main__":
    main()
