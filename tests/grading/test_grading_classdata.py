"""``labkit grade`` on real class data, and the instructor's side of the gradebook.

Roster and LMS file names (Canvas, nbgrader), zips, unreadable files, a bad
``--out``, the lock, forged results, ``--regrade``, options that change results,
adjustments, late penalties, the Canvas and Moodle exports (checked against the
columns each LMS documents), honest statuses when the grader itself fails, and
the refusal to grade without a jail.
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from labkit.grading.classlist import LatePolicy, Roster, id_pattern, parse_time
from labkit.grading.submissions import find_submissions, read_submission
from tests.support.grader import labkit_grade
from tests.support.hostile import Builder, needs_jail
from tests.support.hostile.attacks import cell, report_of
from tests.support.lms_rules import (
    WORKSHEET,
    canvas_download_name,
    canvas_header_ok,
    canvas_reupload_ids,
    canvas_roster,
    canvas_title_and_id,
    canvas_zip,
    moodle_worksheet_import,
    read_csv,
)

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "users.ipynb"
KNOWN = {"users", "mfa", "root", "least-privilege"}
# The columns each LMS documents for its grade import (see labkit/grading/exports.py for the sources).
CANVAS_DOCUMENTED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


@pytest.fixture(scope="module")
def builder() -> Builder:
    return Builder(json.loads(SOLUTION.read_text()))


def grade(*args: str, base: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``labkit grade`` in ``base``: temporary files in ``base/tmp``, its settings in ``base/config``."""
    return labkit_grade(*args, tmp=base / "tmp", cwd=base,
                        env={"XDG_CONFIG_HOME": str(base / "config"), **(env or {})})


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def results(out: Path) -> dict[str, dict[str, Any]]:
    return {e["student"]: e for e in json.loads((out / "results.json").read_text())["submissions"]}


def one_clear_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    return proc.stderr


# -- a Canvas class and a Moodle class, graded end to end as an instructor would --------------------

DUE = "2026-11-20T23:59:00Z"


@pytest.fixture(scope="module")
def canvas_run(tmp_path_factory: pytest.TempPathFactory, builder: Builder) -> dict[str, Any]:
    """Canvas's "Download Submissions" zip, built as Canvas builds it (every entry stamped two days after
    the due time; one LATE student; one student with two attachments; one stranger), and Canvas's
    gradebook export as the roster (BOM, "Points Possible", the test student, students who handed
    nothing in)."""
    base = tmp_path_factory.mktemp("canvas-class")
    correct = json.dumps(builder.correct())
    files = [(canvas_download_name("Doe, Jane", 123, False, 456, "users.ipynb"), correct),
             (canvas_download_name("Roe, Rick", 124, True, 457, "users-1.ipynb"), correct),
             (canvas_download_name("Lee, Kim", 126, False, 460, "users.ipynb"), correct),
             (canvas_download_name("Lee, Kim", 126, False, 461, "scratch.ipynb"), "not even JSON"),
             (canvas_download_name("Stranger, A", 999001, False, 458, "users.ipynb"), "not a notebook")]
    zpath = canvas_zip(base / "castle-users submissions.zip", files, parse_time(DUE) + 2 * 86400 + 3600)
    out = base / "out"
    out.mkdir()
    (out / "adjustments.csv").write_text("student,points,reason\n123,-3,copied a cell from the forum\n")
    args = (str(zpath), "--out", str(out), "--roster", str(canvas_roster(base)), "--id-pattern", "canvas",
            "--assignment", "users", "--due", DUE, "--late-penalty", "10", "--bom")
    started = time.monotonic()
    proc = grade(*args, base=base)
    print(f"\nCanvas class graded in {time.monotonic() - started:.1f} s")
    return {"proc": proc, "out": out, "args": args, "base": base}


@needs_jail
@pytest.mark.grading_run
def test_canvas_class_grades_as_canvas_reads_them(canvas_run: dict[str, Any]) -> None:
    proc, out = canvas_run["proc"], canvas_run["out"]
    assert proc.returncode == 0, proc.stderr
    r = results(out)
    assert set(r) == {"123", "124", "126", "999001"}
    assert r["123"]["score"] == r["124"]["score"] == r["126"]["score"] == 10
    assert r["999001"]["status"] == "invalid" and r["999001"]["flags"] == ["not on the roster"]
    assert r["126"]["flags"] == ["also handed in 'leekim_126_461_scratch.ipynb' (not graded)"]
    assert "2 on the roster handed nothing in: 125, 127" in proc.stderr  # not the test student
    assert "999001 (not on the roster)" in proc.stderr
    book = {row["student"]: row for row in rows(out / "grades.csv")}
    # On time: nothing lost, although every zip entry is dated two days after the due time.
    assert (book["126"]["late_days"], book["126"]["final"]) == ("0", "10")
    assert (book["123"]["late_days"], book["123"]["adjustment"], book["123"]["final"]) == ("0", "-3", "7")
    assert (book["124"]["late_days"], book["124"]["late_penalty"], book["124"]["final"]) == ("1", "1", "9")

    text = (out / "canvas.csv").read_text(encoding="utf-8")
    assert text.startswith("\ufeff") and (out / "grades.csv").read_text(encoding="utf-8").startswith("\ufeff")
    canvas = read_csv(text)
    assert canvas_header_ok(canvas[0]) and canvas[0][:5] == CANVAS_DOCUMENTED
    assert canvas_title_and_id(canvas[0][-1]) == ("IAM castle: users", "4242")  # the roster's own column
    assert "Points Possible" in canvas[1][0] and canvas[1][-1] == "10"
    assert {row[1]: row[-1] for row in canvas[2:]} == {"123": "7", "124": "9", "126": "10"}  # no blanks
    with zipfile.ZipFile(out / "canvas-feedback.zip") as archive:
        names = sorted(archive.namelist())
        page = archive.read("feedback_124_457_labkit.html").decode()
    assert [canvas_reupload_ids(n) for n in names] == [("123", "456"), ("124", "457"), ("126", "460"),
                                                        ("999001", "458")]
    assert "Rick Roe" in page and "9 / 10 points" in page and "Canvas marked it LATE" in page


@needs_jail
@pytest.mark.grading_run
def test_canvas_class_report_and_rerun(canvas_run: dict[str, Any]) -> None:
    out, base, args = canvas_run["out"], canvas_run["base"], canvas_run["args"]
    report = (out / "report.html").read_text(encoding="utf-8")
    for text in ("Jane Doe", "Rick Roe", "Kim Lee", "<b>7</b> / 10", "Pat Poe", "Ana Garc\u00eda",
                 "Flagged for you to look at", "not on the roster", "&#x2713; pass",
                 'href="notebooks/123.html"'):
        assert text in report, text
    assert "Student, Test" not in report and "Test Student" not in report
    assert "cell 1 (" in (out / "notebooks" / "123.html").read_text(encoding="utf-8")
    # The adjustments file survives a rerun; a new adjustment changes the final score without regrading.
    (out / "adjustments.csv").write_text("student,points,reason\n123,-1,late form\n")
    again = grade(*args, base=base)
    assert again.returncode == 0 and "4 of 4 submissions unchanged" in again.stderr, again.stderr
    assert "changed outside" not in again.stderr and "forged" not in again.stderr
    assert {row["student"]: row["final"] for row in rows(out / "grades.csv")}["123"] == "9"
    assert (out / "adjustments.csv").read_text() == "student,points,reason\n123,-1,late form\n"
    assert "late form" in (out / "feedback" / "123.html").read_text(encoding="utf-8")


@needs_jail
@pytest.mark.grading_run
def test_moodle_class_round_trips_the_grading_worksheet(tmp_path: Path, builder: Builder) -> None:
    """Moodle's "Download all submissions" (participant ids, flat and in folders) graded against its
    grading worksheet, whose submission times decide lateness; the worksheet comes back filled in."""
    correct = json.dumps(builder.correct())
    zpath = tmp_path / "moodle.zip"
    with zipfile.ZipFile(zpath, "w") as archive:
        archive.writestr("Jane Doe_1001_assignsubmission_file_users.ipynb", correct)
        archive.writestr("Rick Roe_1002_assignsubmission_file_/users.ipynb", correct)
    (tmp_path / "worksheet.csv").write_text(WORKSHEET, encoding="utf-8")
    out = tmp_path / "out"
    proc = grade(str(zpath), "--out", str(out), "--roster", str(tmp_path / "worksheet.csv"), "--submitted-at",
                 str(tmp_path / "worksheet.csv"), "--id-pattern", "moodle", "--assignment", "users",
                 "--due", DUE, "--late-penalty", "10", base=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "1 on the roster handed nothing in: Participant 1003" in proc.stderr
    assert "2: the LMS's submission times (worksheet.csv)" in proc.stderr
    imported = moodle_worksheet_import((out / "moodle-worksheet.csv").read_text(encoding="utf-8"))
    assert {k: v[:2] for k, v in imported.items()} == {"1001": ("10", "-"), "1002": ("8", "-")}
    assert "late 2 day(s): -2" in imported["1002"][2]
    moodle = rows(out / "moodle.csv")
    by_email = {m["Email address"]: (m["First name"], m["Last name"], m["IAM castle: users"]) for m in moodle}
    assert by_email == {"jane@example.edu": ("Jane", "Doe", "10"), "rick@example.edu": ("Rick", "Roe", "8")}
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "Jane Doe" in report and "Pat Poe" in report


# -- the parts, without kernels ---------------------------------------------------------------------

def test_nbgrader_layout_times_and_wrong_assignment(tmp_path: Path, builder: Builder) -> None:
    folder = tmp_path / "submitted" / "s1234" / "mfa"
    folder.mkdir(parents=True)
    (folder / "castle.ipynb").write_text(json.dumps(builder.correct()))  # its metadata: users
    (folder / "timestamp.txt").write_text("2026-11-21 10:00:00.000000 UTC\n")
    [(student, source, assignment)] = find_submissions([tmp_path / "submitted"], id_pattern("nbgrader"))
    assert (student, assignment) == ("s1234", "mfa")
    assert source.submitted_at == parse_time("2026-11-21T10:00:00Z")
    sub = read_submission(student, source, KNOWN, None, assignment)
    assert sub.assignment == "mfa" and "wrong assignment" in sub.flags[0] and "'users'" in sub.flags[0]
    assert LatePolicy(parse_time("2026-11-20T10:00:00Z"), 25).penalty(source.submitted_at, 10) == 2.5


def test_file_names_in_any_encoding_and_zips(tmp_path: Path) -> None:
    nb = json.dumps({"cells": [], "metadata": {"labkit": {"assignment": "users"}}})
    with open(os.fsencode(tmp_path) + b"/Fran\xe7ois.IPYNB", "wb") as fh:  # Latin-1 bytes, upper-case suffix
        fh.write(nb.encode())
    (tmp_path / ("x" * 240 + ".ipynb")).write_text(nb)
    with zipfile.ZipFile(tmp_path / "batch.zip", "w") as archive:
        archive.writestr("group/\u00c5sa.ipynb", nb)  # a UTF-8 name (flagged as such)
        archive.writestr("/abs/../../../up.ipynb", nb)
        archive.writestr("notes.txt", "not a notebook")
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    os.symlink(tmp_path / "gone", tmp_path / "dangling.ipynb")
    found = {s: src for s, src, _ in find_submissions([tmp_path])}
    assert set(found) == {"Fran\xe7ois", "x" * 240, "batch/group/\u00c5sa", "batch/abs/up", "broken.zip",
                          "dangling"}
    assert read_submission("batch/group/\u00c5sa", found["batch/group/\u00c5sa"], KNOWN).invalid is None
    assert "could not be read" in (read_submission("d", found["dangling"], KNOWN).invalid or "")
    assert "cannot be read" in (read_submission("b", found["broken.zip"], KNOWN).invalid or "")


def test_roster_columns_from_moodle_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "moodle-export.csv"
    path.write_text("First name,Last name,ID number,Institution,Department,Email address\n"
                    "Ana,Lima,A-7,,,ana@example.edu\n")
    roster = Roster.read(path)
    ana = roster.find("ANA@example.edu")
    assert ana is not None and roster.find("A-7") is ana
    assert (ana.first_name, ana.email) == ("Ana", "ana@example.edu")
    (tmp_path / "bad.csv").write_text("colour,size\nred,2\n")
    with pytest.raises(ValueError, match="no column of student ids"):
        Roster.read(tmp_path / "bad.csv")
    with pytest.raises(ValueError, match="group named id"):
        id_pattern("(?P<student>.*)")


def test_bad_output_folders_and_inputs_give_one_clear_line(tmp_path: Path) -> None:
    nb = tmp_path / "a.ipynb"
    nb.write_text("{}")
    (tmp_path / "file").write_text("x")
    assert "is a file" in one_clear_line(grade(str(nb), "--out", str(tmp_path / "file"), base=tmp_path))
    out = str(tmp_path / "o")
    assert "cannot create" in one_clear_line(grade(str(nb), "--out", str(tmp_path / "file" / "sub"),
                                                   base=tmp_path))
    assert "no such file" in one_clear_line(grade(str(tmp_path / "missing"), "--out", out, base=tmp_path))
    roster = one_clear_line(grade(str(nb), "--out", out, "--roster", str(tmp_path / "no.csv"), base=tmp_path))
    assert "cannot read the roster" in roster
    times = one_clear_line(grade(str(nb), "--out", out, "--submitted-at", str(tmp_path / "no.csv"),
                                 base=tmp_path))
    assert "cannot read the submission times" in times
    (tmp_path / "times.csv").write_text("student,submitted_at\nana,next tuesday\n")
    times = one_clear_line(grade(str(nb), "--out", out, "--submitted-at", str(tmp_path / "times.csv"),
                                 base=tmp_path))
    assert "times.csv, line 2: 'next tuesday' is not a time" in times
    (tmp_path / "o" / "adjustments.csv").write_text("student,points\nana,lots\n")
    assert "points must be a number" in one_clear_line(grade(str(nb), "--out", out, base=tmp_path))


def test_lock_forgery_regrade_and_options(tmp_path: Path) -> None:
    subs, out = tmp_path / "class", tmp_path / "out"
    subs.mkdir()
    for name in ("ana", "bob"):
        (subs / f"{name}.ipynb").write_text("not json")  # invalid: graded without a kernel
    first = grade(str(subs), "--out", str(out), base=tmp_path)
    assert first.returncode == 0, first.stderr
    with open(out / ".labkit-grade.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert "another `labkit grade`" in one_clear_line(grade(str(subs), "--out", str(out), base=tmp_path))

    data = json.loads((out / "results.json").read_text())
    data["submissions"][0]["score"] = 10  # an edited result, signature unchanged
    data["submissions"].append({**data["submissions"][1], "student": "mallory", "score": 99})  # a forged row
    (out / "results.json").write_text(json.dumps(data))
    second = grade(str(subs), "--out", str(out), base=tmp_path)
    assert second.returncode == 0 and "2 result(s)" in second.stderr and "ana, mallory" in second.stderr
    assert {r["student"]: r["score"] for r in rows(out / "grades.csv")} == {"ana": "0", "bob": "0"}

    (out / "grades.csv").write_text("student,score\nana,10\n")
    third = grade(str(subs), "--out", str(out), base=tmp_path)
    assert "changed outside" in third.stderr and "2 of 2 submissions unchanged" in third.stderr
    assert {r["student"]: r["score"] for r in rows(out / "grades.csv")} == {"ana": "0", "bob": "0"}

    assert "0 unchanged" in grade(str(subs), "--out", str(out), "--regrade", base=tmp_path).stderr
    assert "0 unchanged" in grade(str(subs), "--out", str(out), "--timeout", "60", base=tmp_path).stderr
    assert "2 of 2" in grade(str(subs), "--out", str(out), "--timeout", "60", base=tmp_path).stderr


def test_refuses_without_a_jail_unless_told(tmp_path: Path) -> None:
    nb = tmp_path / "a.ipynb"
    nb.write_text(json.dumps({"cells": [{"cell_type": "code", "source": "1 + 1"}],
                              "metadata": {"labkit": {"assignment": "users"}}}))
    env = {"LABKIT_BWRAP": str(tmp_path / "no-bwrap-here")}
    refused = grade(str(nb), "--out", str(tmp_path / "o"), base=tmp_path, env=env)
    assert "refusing to grade" in one_clear_line(refused) and "--no-jail-i-accept-the-risk" in refused.stderr
    assert not (tmp_path / "o" / "results.json").exists()
    allowed = grade(str(nb), "--out", str(tmp_path / "o"), "--no-jail-i-accept-the-risk", base=tmp_path,
                    env=env)
    assert allowed.returncode == 0 and "WITHOUT a jail" in allowed.stderr
    assert results(tmp_path / "o")["a"]["status"] == "graded"


# -- honest statuses: the grader's own failures, and attacks where there is no jail -------------------

def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_bytes()
            except OSError:
                continue
            if int(stat[stat.rfind(b")") + 2:].split()[1]) == pid:
                found.add(int(entry))
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@needs_jail
@pytest.mark.grading_run
def test_a_lost_worker_is_the_graders_fault_and_is_graded_again(tmp_path: Path, builder: Builder) -> None:
    """Kill the grading worker (as the machine's OOM killer would) twice while it grades a notebook."""
    subs, out = tmp_path / "class", tmp_path / "out"
    Builder.write(subs / "ana.ipynb", builder.notebook([*builder.sources(builder.code), "import time\n"
                                                        "time.sleep(30)"]))
    proc = labkit_grade(str(subs), "--out", str(out), "--jobs", "1", tmp=tmp_path, wait=False,
                        env={"XDG_CONFIG_HOME": str(tmp_path / "config")})
    killed: set[int] = set()
    deadline = time.monotonic() + 300
    while len(killed) < 2 and time.monotonic() < deadline and proc.poll() is None:
        workers = [p for p in _children(proc.pid)
                   if p not in killed and _cmdline(p).startswith(sys.executable)]
        if workers and len(_children(workers[0])) >= 2:  # this kernel and the next: it is grading
            time.sleep(3)
            try:
                os.kill(workers[0], signal.SIGKILL)
            except ProcessLookupError:
                continue
            killed.add(workers[0])
        time.sleep(0.2)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0 and len(killed) == 2, stderr
    ana = results(out)["ana"]
    assert ana["status"] == "grader-error" and "not the student's doing" in ana["detail"], ana
    assert "Run the same command again" in stderr
    page = (out / "feedback" / "ana.html").read_text()
    assert "not your doing" in page and "could not finish" not in page
    again = grade(str(subs), "--out", str(out), "--timeout", "120", base=tmp_path)
    assert again.returncode == 0 and results(out)["ana"]["status"] == "graded"
    assert results(out)["ana"]["score"] == 10


@pytest.mark.grading_run
def test_without_a_jail_attacks_work_and_are_named(tmp_path: Path, builder: Builder) -> None:
    """What the jail prevents is real: unconfined, a classmate's sandbox is reachable, and a
    notebook that kills its worker twice is marked as an attack while the run goes on."""
    subs, out, tmp = tmp_path / "class", tmp_path / "out", tmp_path / "tmp"
    tmp.mkdir()
    solution = builder.sources(builder.code)
    params = {"out": str(out), "grader_tmp": str(tmp), "seconds": 15}
    Builder.write(subs / "a-cross.ipynb", builder.notebook([*solution, cell("cross-student", params)]))
    Builder.write(subs / "b-victim.ipynb", builder.correct())
    Builder.write(subs / "c-killer.ipynb", builder.notebook([*solution, cell("kill-worker", params)]))
    Builder.write(subs / "d-after.ipynb", builder.correct())
    proc = grade(str(subs), "--out", str(out), "--no-jail-i-accept-the-risk", "--jobs", "2", base=tmp_path)
    assert proc.returncode == 0, proc.stderr
    r = results(out)
    assert r["c-killer"]["status"] == "attack" and "killed" in r["c-killer"]["detail"]
    assert "1 attacked the grader: c-killer" in proc.stderr
    assert r["d-after"]["status"] == "graded" and r["d-after"]["score"] == 10  # the run went on
    cross = report_of(r["a-cross"]) or {}
    assert cross["credential_files"] + cross["connection_files"] > 0, cross  # the roads the jail closes
