"""A sandbox's files (its keys, for ``aws``) are private and never outlive it.

Each test gives its processes their own ``TMPDIR`` and looks only there.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent

START = textwrap.dedent("""
    import json, os, sys, labkit
    lab = labkit.start(quiet=True)
    folder = lab._folder.path
    info = {"folder": folder, "watcher": lab._folder._watcher.pid,
            "mode": oct(os.stat(folder).st_mode & 0o777),
            "files": {n: oct(os.stat(os.path.join(folder, n)).st_mode & 0o777) for n in os.listdir(folder)},
            "config": os.environ["AWS_CONFIG_FILE"], "credentials": os.environ["AWS_SHARED_CREDENTIALS_FILE"]}
    print(json.dumps(info), flush=True)
    if sys.argv[1] == "stop":
        lab.stop()
        print(json.dumps(os.path.exists(folder)), flush=True)
    elif sys.argv[1] == "wait":
        sys.stdin.readline()
""")


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LABKIT_"))}
    env["TMPDIR"] = str(tmp)
    return env


def _leftovers(tmp: Path) -> list[str]:
    return sorted(p.name for p in tmp.iterdir() if p.name.startswith("labkit-"))


def _wait_until_gone(path: str, seconds: float = 60.0) -> bool:
    """Poll (not a timing assertion: a generous limit for a loaded machine)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not os.path.exists(path):
            return True
        time.sleep(0.05)
    return not os.path.exists(path)


def test_the_folder_is_private_and_removed_on_stop_and_exit(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", START, "stop"], env=_env(tmp_path), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    info, still_there = (json.loads(line) for line in proc.stdout.split("\n")[:2])
    assert info["mode"] == "0o700"
    assert set(info["files"].values()) == {"0o600"} and {"config", "credentials"} <= set(info["files"])
    assert info["config"].startswith(info["folder"]) and info["credentials"].startswith(info["folder"])
    assert still_there is False
    proc = subprocess.run([sys.executable, "-c", START, "exit"], env=_env(tmp_path), capture_output=True,
                          text=True, timeout=120)  # no stop(): the interpreter just ends
    assert proc.returncode == 0, proc.stderr
    assert _wait_until_gone(json.loads(proc.stdout.splitlines()[0])["folder"])
    assert _leftovers(tmp_path) == []


def test_a_killed_process_leaves_nothing(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", START, "wait"], env=_env(tmp_path), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    info = json.loads(proc.stdout.readline())
    assert os.path.isdir(info["folder"])
    proc.send_signal(signal.SIGKILL)  # no atexit, no finally: only the watcher can clean up
    proc.wait(timeout=30)
    assert _wait_until_gone(info["folder"])
    assert _leftovers(tmp_path) == []


def test_a_killed_jupyter_kernel_leaves_nothing(tmp_path: Path) -> None:
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="python3")
    km.start_kernel(env=_env(tmp_path), cwd=str(tmp_path))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        outputs: list[str] = []
        reply = kc.execute_interactive(
            "import labkit; lab = labkit.start(quiet=True); print(lab._folder.path)", timeout=120,
            output_hook=lambda msg: outputs.append(msg["content"].get("text", "")))
        assert reply["content"]["status"] == "ok"
        folder = "".join(outputs).strip()
        assert os.path.isdir(folder) and folder.startswith(str(tmp_path))
        os.kill(km.provisioner.process.pid, signal.SIGKILL)  # type: ignore[union-attr]
        assert _wait_until_gone(folder)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert _leftovers(tmp_path) == []


def test_if_the_watcher_dies_too_the_next_sandbox_sweeps_the_folder(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", START, "wait"], env=_env(tmp_path), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    info = json.loads(proc.stdout.readline())
    os.kill(info["watcher"], signal.SIGKILL)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    time.sleep(0.5)
    assert os.path.isdir(info["folder"])  # nobody left to remove it...
    nxt = subprocess.run([sys.executable, "-c", START, "stop"], env=_env(tmp_path), capture_output=True,
                         text=True, timeout=120)
    assert nxt.returncode == 0, nxt.stderr
    assert not os.path.exists(info["folder"])  # ...until the next sandbox of this user starts
    assert _leftovers(tmp_path) == []


def test_a_living_sandbox_folder_is_never_swept(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", START, "wait"], env=_env(tmp_path), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdin is not None
    try:
        info = json.loads(proc.stdout.readline())
        other = subprocess.run([sys.executable, "-c", START, "stop"], env=_env(tmp_path), capture_output=True,
                               text=True, timeout=120)
        assert other.returncode == 0, other.stderr
        assert os.path.isdir(info["folder"])
    finally:
        proc.stdin.write("\n")
        proc.stdin.flush()
        proc.wait(timeout=60)
    assert _wait_until_gone(info["folder"])


def test_labkit_serve_leaves_nothing_after_ctrl_c_or_kill(tmp_path: Path) -> None:
    for how in (signal.SIGINT, signal.SIGKILL):
        proc = subprocess.Popen([str(BIN / "labkit"), "serve"], env=_env(tmp_path), stdout=subprocess.PIPE,
                                text=True)
        assert proc.stdout is not None
        config = ""
        for line in proc.stdout:
            if line.startswith("export AWS_CONFIG_FILE="):
                config = line.split("=", 1)[1].strip().strip("'")
            if line.startswith("# Then try"):
                break
        assert os.path.isfile(config)
        proc.send_signal(how)
        proc.wait(timeout=30)
        assert _wait_until_gone(os.path.dirname(config)), how
    assert _leftovers(tmp_path) == []


def test_labkit_serve_stops_cleanly_on_a_ctrl_c_the_moment_it_is_up(tmp_path: Path) -> None:
    """Ctrl-C as soon as the export lines appear (while `labkit serve` is still between printing and
    waiting) stops it at once with status 0 and no traceback, and its folder goes, every time."""
    for _ in range(5):
        proc = subprocess.Popen([str(BIN / "labkit"), "serve"], env=_env(tmp_path), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        first = proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        assert first.startswith("# IAM castle sandbox is running"), first
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0 and "Traceback" not in err, err
    assert _leftovers(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX file ownership")
def test_a_course_folder_planted_by_someone_else_is_not_used(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """`labkit lab` keeps its no-sandbox config in <tmp>/labkit-<uid>; if another user made that
    folder first (to plant a config of their own), a fresh private folder is used instead."""
    import tempfile

    from labkit import offline_env

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    planted = tmp_path / f"labkit-{os.getuid()}"
    planted.mkdir(mode=0o777)
    if os.getuid() == 0:
        os.chown(planted, 61003, 61003)
    else:
        pytest.skip("making a folder owned by someone else needs root")
    folder = offline_env.course_aws_folder()
    assert planted not in folder.parents
    assert folder.parent.stat().st_uid == os.getuid() and folder.parent.stat().st_mode & 0o777 == 0o700


def test_the_sweep_never_follows_a_planted_link(tmp_path: Path) -> None:
    """Attack: a link named like a sandbox folder (``labkit-sandbox-…``) pointing at a folder you
    care about, which even holds an ``.owner`` file of a dead process: the sweep leaves it alone,
    and so does the sweep of a real orphan that contains such a link."""
    from labkit.private_folder import PREFIX, sweep_orphans

    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / ".owner").write_text("999999999 1")
    (precious / "thesis.tex").write_text("years of work")
    (tmp_path / f"{PREFIX}planted").symlink_to(precious, target_is_directory=True)
    orphan = tmp_path / f"{PREFIX}orphan"
    orphan.mkdir(mode=0o700)
    (orphan / ".owner").write_text("999999999 1")
    (orphan / "inside").symlink_to(precious, target_is_directory=True)
    assert sweep_orphans(str(tmp_path)) == 1
    assert not orphan.exists()
    assert (precious / "thesis.tex").read_text() == "years of work"
    assert (tmp_path / f"{PREFIX}planted").is_symlink()
