"""The jail's limits for a whole submission, tried with plain Python programs in real jails (no kernel).

Each attack runs twice: once with the defence (a control group, a uid of its own, a tmpfs
``HOME``) and once without it, to show that the attack works where the defence is off and so
that the test could fail. The programs are small: what is under test is the jail, not Jupyter.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from labkit.grading.jail import NOBODY, Jail, Limits, own_for_kernel
from tests.support.hostile import needs_jail
from tests.support.hostile.attacks import fork_and_hold

pytestmark = needs_jail
MiB = 1024**2

# Six children of 300 MiB: 1.8 GB in all, against a group limit of 1 GiB.
FORK_AND_HOLD = fork_and_hold(6, 300, hold=60, wait=40) + 'print("alive", alive, flush=True)\n'

HOLD_TASKS = """
import threading, time, sys
held = 0
try:
    while True:
        threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
        held += 1
except RuntimeError:
    pass
print("holding", held, flush=True)
time.sleep(60)
"""

START_TEN_THREADS = """
import threading, time
try:
    for _ in range(10):
        threading.Thread(target=time.sleep, args=(1,)).start()
    print("started 10", flush=True)
except RuntimeError as err:
    print("refused", err, flush=True)
"""

FILL_HOME = """
import os
written = 0
try:
    for i in range(40):
        with open(os.path.join(os.environ["HOME"], f"f{i}"), "wb") as fh:
            fh.write(b"x" * (10 * 1024 * 1024))
        written += 10
except OSError as err:
    print("refused", err.errno, flush=True)
print("written MB", written, flush=True)
"""


@pytest.fixture(scope="module")
def jail() -> Iterator[Jail]:
    jail = Jail(Limits(group_memory_bytes=1024 * MiB, tmpfs_bytes=64 * MiB))
    jail.probe()
    jail.prepare_groups()
    yield jail
    jail.release_groups()


def _start(jail: Jail, code: str, folder: Path, uid: int | None = None, grouped: bool = True,
           home_tmpfs: bool = True) -> tuple[subprocess.Popen[str], Path]:
    home = folder / "home"
    home.mkdir(parents=True)
    uid = jail.new_uid() if uid is None else uid
    own_for_kernel(folder, uid)
    cmd = jail.command(["-c", code], str(folder), {"PATH": "/usr/bin:/bin", "HOME": str(home)}, uid=uid,
                       home=str(home) if home_tmpfs else None)
    group = jail.new_group(folder.name) if grouped else None
    if group is not None:
        cmd = group.join_command(cmd)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.group = group  # type: ignore[attr-defined]
    return proc, home


def _finish(proc: subprocess.Popen[str], timeout: float = 60) -> str:
    """What the program printed; ``OOM-KILLED`` added when its group's OOM killer struck."""
    out, err = proc.communicate(timeout=timeout)
    group = proc.group  # type: ignore[attr-defined]
    if group is not None:
        out += " OOM-KILLED" if group.ran_out_of_memory() else ""
        group.remove()
    return out + err


@pytest.fixture
def folder() -> Iterator[Path]:
    base = Path(tempfile.mkdtemp(prefix="labkit-limits-"))
    os.chmod(base, 0o755)
    yield base
    subprocess.run(["rm", "-rf", str(base)], check=False)


def test_memory_is_limited_for_the_whole_submission(jail: Jail, folder: Path) -> None:
    if jail.cgroups is None:
        pytest.skip(f"no control groups for this user: {jail.notes[0]}")
    proc, _ = _start(jail, FORK_AND_HOLD, folder / "limited")
    out = _finish(proc)
    assert "alive" in out and "OOM-KILLED" in out, out
    assert int(out.split("alive")[1].split()[0]) * 300 < 1024, out  # 1 GiB for all its processes
    # Control: the same program with per-process limits only holds 1.8 GB.
    proc, _ = _start(jail, FORK_AND_HOLD, folder / "control", grouped=False)
    out = _finish(proc)
    assert "alive 6" in out, out


def test_a_jail_holding_every_task_leaves_the_next_jail_its_own(jail: Jail, folder: Path) -> None:
    if not jail.as_root:
        pytest.skip("a uid per jail is root's defence (an ordinary user's jails are one user namespace each)")
    outcomes = {}
    for name, uids in (("defended", (None, None)), ("control", (NOBODY, NOBODY))):
        hog, _ = _start(jail, HOLD_TASKS, folder / f"{name}-hog", uid=uids[0], grouped=False)
        assert hog.stdout is not None
        line = hog.stdout.readline()
        assert line.startswith("holding"), line + (hog.stderr.read() if hog.stderr else "")
        victim, _ = _start(jail, START_TEN_THREADS, folder / f"{name}-victim", uid=uids[1], grouped=False)
        outcomes[name] = _finish(victim)
        hog.kill()
        _finish(hog)
    assert "started 10" in outcomes["defended"], outcomes
    assert "refused" in outcomes["control"], outcomes  # one shared uid: the hog starves the next jail


def test_home_is_a_capped_tmpfs_that_never_reaches_the_disk(jail: Jail, folder: Path) -> None:
    proc, home = _start(jail, FILL_HOME, folder / "tmpfs")
    out = _finish(proc)
    assert "refused 28" in out, out  # ENOSPC at the tmpfs's 64 MiB
    assert os.listdir(home) == []     # nothing on the host
    two_files = FILL_HOME.replace("range(40)", "range(2)")
    proc, home = _start(jail, two_files, folder / "control", home_tmpfs=False)
    out = _finish(proc)
    assert "written MB 20" in out and len(os.listdir(home)) == 2, out  # control: a bind onto the host disk


def test_the_run_summary_says_which_limits_hold(jail: Jail) -> None:
    text = " ".join(jail.notes)
    if jail.cgroups is not None:
        assert f"cgroup v{jail.cgroups.version}" in text and "1 GiB of memory" in text
    else:
        assert "no per-submission control groups here" in text
    started = time.monotonic()
    assert jail.new_uid() != jail.new_uid() or not jail.as_root
    assert time.monotonic() - started < 1
