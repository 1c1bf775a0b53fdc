"""``labkit grade``: statuses, scores, hostile submissions, interruption and resumption.

The grader runs for real here (``python -m labkit.cli grade`` in a subprocess:
forked workers, real sandboxes, real kernels). Scores are compared with the
scores of reference submissions graded in the same run (the solution, its
first half, its set-up cell only), so each attack is judged by what it would
have changed had it worked.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from labkit.grading.gradebook import Gradebook, csv_text, feedback_name, write_atomically
from labkit.grading.integrity import fingerprint
from labkit.grading.reports import SORT_SCRIPT, feedback_html, report_html
from labkit.grading.submissions import Source, find_submissions, read_submission
from tests.support.grader import labkit_grade as grade
from tests.support.hostile import Builder, needs_jail

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "users.ipynb"
OTHER_SOLUTION = ROOT / "solutions" / "mfa.ipynb"
FORGE_DELAY = 2.0
KNOWN = {"users", "mfa", "root", "least-privilege"}


def labkit_grade(*args: str, tmp: Path, wait: bool = True) -> Any:
    """``labkit grade`` with temporary files in ``tmp``; when not waiting, stderr goes to a file there."""
    if wait:
        return grade(*args, tmp=tmp, timeout=300)
    tmp.mkdir(parents=True, exist_ok=True)
    err = open(tmp / "stderr.txt", "w")  # noqa: SIM115 - closed by the caller's process exit
    return grade(*args, tmp=tmp, wait=False, stderr=err)


def read_rows(out: Path) -> list[dict[str, str]]:
    with open(out / "grades.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def by_student(out: Path) -> dict[str, dict[str, Any]]:
    return {e["student"]: e for e in json.loads((out / "results.json").read_text())["submissions"]}


# -- a class full of hostile submissions, graded once for the tests below ---------------------------

REFLECTION_ANSWER = "Passwords for people, roles for programs.\n<script>alert('x')</script>"


def _answer_reflections(nb: dict[str, Any], answer: str) -> None:
    """Answer every reflection cell of ``nb`` the way JupyterLab saves an edited cell."""
    for cell in nb["cells"]:
        if "reflection" in cell.get("metadata", {}).get("tags", []):
            source = "".join(cell["source"])
            cell["source"] = source.split("\n---\n")[0] + "\n---\n" + answer

@pytest.fixture(scope="module")
def builder() -> Builder:
    return Builder(json.loads(SOLUTION.read_text()))


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory, builder: Builder) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("hostile")
    subs, out = base / "class", base / "grades"
    b = builder
    notebooks = {
        "correct": b.correct(), "group-a/partial": b.partial(), "set-up-only": b.set_up_only(),
        "prints-all-passed": b.prints_all_passed(), "patches-checks": b.patches_checks(),
        "forger": b.writes_out_dir(out, "forger", FORGE_DELAY, base / "evidence"),
        "admin-attack": b.attacks_admin(),
        "infinite-loop": b.loops_forever(), "past-deadline": b.sleeps_past_deadline(20),
        "kernel-exit": b.kills_kernel(), "ten-megabytes": b.floods_output(), "raises": b.raises(),
        "no-metadata": b.without_metadata(), "weird <b>name</b>": b.set_up_only(),
    }
    _answer_reflections(notebooks["correct"], REFLECTION_ANSWER)
    for student, nb in notebooks.items():
        Builder.write(subs / f"{student}.ipynb", nb)
    (subs / "not-json.ipynb").write_text('{"cells": [')
    (subs / "not-a-notebook.ipynb").write_text("[1, 2, 3]")
    started = time.monotonic()
    proc = labkit_grade(str(subs), "--out", str(out), "--jobs", "2", "--timeout", "30",
                        "--cell-timeout", "15", tmp=base / "tmp")
    seconds = time.monotonic() - started
    time.sleep(FORGE_DELAY + 1.5)  # the forger's detached process would have struck by now
    print(f"\nhostile class of {len(notebooks) + 2} graded in {seconds:.1f} s")
    return {"proc": proc, "out": out, "results": by_student(out), "rows": read_rows(out), "tmp": base / "tmp",
            "evidence": base / "evidence"}


@needs_jail
@pytest.mark.grading_run
def test_every_submission_gets_one_row_and_exit_status_0(hostile_run: dict[str, Any]) -> None:
    proc, rows = hostile_run["proc"], hostile_run["rows"]
    assert proc.returncode == 0, proc.stderr
    students = [r["student"] for r in rows]
    assert len(students) == len(set(students)) == 16
    assert {"student", "assignment", "score", "max_score", "status"} <= set(rows[0])
    assert "grading [" in proc.stderr  # the progress bar


@needs_jail
@pytest.mark.grading_run
def test_reference_scores(hostile_run: dict[str, Any]) -> None:
    r = hostile_run["results"]
    full = r["correct"]["max_score"]
    assert r["correct"]["status"] == "graded" and r["correct"]["score"] == full > 0
    assert r["group-a/partial"]["status"] == "graded"
    assert r["set-up-only"]["score"] <= r["group-a/partial"]["score"] < full
    assert all(c["passed"] for c in r["correct"]["checks"])


@needs_jail
@pytest.mark.grading_run
def test_printing_or_patching_earns_nothing(hostile_run: dict[str, Any]) -> None:
    r = hostile_run["results"]
    assert r["prints-all-passed"]["status"] == "graded"
    assert r["prints-all-passed"]["score"] == r["set-up-only"]["score"]
    assert r["patches-checks"]["status"] == "graded"
    assert r["patches-checks"]["score"] == r["group-a/partial"]["score"]
    assert "patched" not in json.dumps(r["patches-checks"]["checks"])


@needs_jail
@pytest.mark.grading_run
def test_forged_gradebook_is_overwritten_and_stays_so(hostile_run: dict[str, Any]) -> None:
    out, r, rows = hostile_run["out"], hostile_run["results"], hostile_run["rows"]
    assert len(rows) == 16 and all(int(row["score"]) <= int(row["max_score"]) for row in rows)
    assert r["forger"]["score"] == r["set-up-only"]["score"]
    assert ",999," not in (out / "grades.csv").read_text()
    assert "10/10 all passed" not in (out / "feedback" / "forger.html").read_text()
    assert not hostile_run["evidence"].exists()  # its detached process died with its submission


@needs_jail
@pytest.mark.grading_run
def test_admin_endpoints_stay_closed(hostile_run: dict[str, Any]) -> None:
    r = hostile_run["results"]
    # A successful reset would have erased the first half's work.
    assert r["admin-attack"]["status"] == "graded"
    assert r["admin-attack"]["score"] == r["group-a/partial"]["score"]


@needs_jail
@pytest.mark.grading_run
def test_timeouts(hostile_run: dict[str, Any]) -> None:
    r = hostile_run["results"]
    loop, late = r["infinite-loop"], r["past-deadline"]
    assert loop["status"] == "timeout" and "ran longer than 15 s" in loop["detail"]
    assert late["status"] == "timeout" and "time limit" in late["detail"]
    assert loop["score"] == late["score"] == r["group-a/partial"]["score"]  # work before the timeout counts
    assert loop["seconds"] < 15 + 20 and late["seconds"] < 30 + 20


@needs_jail
@pytest.mark.grading_run
def test_dying_kernel_flood_and_exceptions(hostile_run: dict[str, Any]) -> None:
    r = hostile_run["results"]
    assert r["kernel-exit"]["status"] == "error" and "died" in r["kernel-exit"]["detail"]
    assert r["kernel-exit"]["score"] == r["group-a/partial"]["score"]
    assert r["ten-megabytes"]["status"] == "graded" and r["ten-megabytes"]["output_bytes"] >= 10_000_000
    assert r["ten-megabytes"]["score"] == r["group-a/partial"]["score"]
    assert len((hostile_run["out"] / "results.json").read_bytes()) < 1_000_000  # output is not kept
    raises = r["raises"]  # every cell runs, as nbgrader does: the cells after the exception still count
    assert raises["status"] == "graded" and raises["score"] == raises["max_score"]
    assert [e["ename"] for e in raises["cell_errors"]] == ["NotImplementedError"]
    cell = raises["cell_errors"][0]["cell"]
    assert raises["detail"] == \
        f"1 code cell raised an exception (first: NotImplementedError in code cell {cell})"


@needs_jail
@pytest.mark.grading_run
def test_invalid_files(hostile_run: dict[str, Any]) -> None:
    r = hostile_run["results"]
    for student in ("not-json", "not-a-notebook", "no-metadata"):
        assert r[student]["status"] == "invalid" and r[student]["score"] == 0, student
    assert "--assignment" in r["no-metadata"]["detail"]


@needs_jail
@pytest.mark.grading_run
def test_reports_are_written_and_escaped(hostile_run: dict[str, Any]) -> None:
    out = hostile_run["out"]
    report = (out / "report.html").read_text()
    assert report.count("<svg") >= 2 and "Pass rate per check" in report
    assert "<b>name</b>" not in report and "&lt;b&gt;name&lt;/b&gt;" in report
    assert (out / "feedback" / feedback_name("weird <b>name</b>")).exists()
    partial = (out / "feedback" / feedback_name("group-a/partial")).read_text()
    assert "Hint:" in partial and "not yet" in partial


@needs_jail
@pytest.mark.grading_run
def test_report_shows_every_students_reflections_per_prompt(hostile_run: dict[str, Any]) -> None:
    report = (hostile_run["out"] / "report.html").read_text()
    section = report.split("<h3>Reflections</h3>", 1)[1]
    prompt = json.loads(SOLUTION.read_text())  # the users exercise's one prompt
    text = next(c["metadata"]["labkit"]["prompt"] for c in prompt["cells"]
                if "reflection" in c["metadata"].get("tags", []))
    assert text.replace("'", "&#x27;") in section
    assert "Passwords for people, roles for programs." in section  # the answer, verbatim
    assert "<script>" not in report and "&lt;script&gt;" in section  # escaped
    assert report.count("<script") == report.count(SORT_SCRIPT) == 1  # the one that sorts tables
    rows = section.split("</table>", 1)[0]
    for student in ("correct", "group-a/partial", "raises", "set-up-only"):
        assert f"<td>{student}</td>" in rows, student
    # the others wrote nothing (their notebooks have no reflection cell at all): marked, not left out
    assert rows.count("(this prompt is missing from the notebook)") >= 3


@needs_jail
@pytest.mark.grading_run
def test_no_kernel_or_stray_process_survives(hostile_run: dict[str, Any]) -> None:
    assert _processes_under(hostile_run["tmp"]) == []


def _processes_under(folder: Path) -> list[int]:
    """Pids of processes whose working folder is inside ``folder``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(os.readlink(f"/proc/{entry}/cwd")).is_relative_to(folder):
                    found.append(int(entry))
            except OSError:
                continue
    return found


@needs_jail
@pytest.mark.grading_run
def test_assignment_option_wins_and_files_given_directly(tmp_path: Path, builder: Builder) -> None:
    other = Builder.write(tmp_path / "in" / "other.ipynb", json.loads(OTHER_SOLUTION.read_text()))
    bare = Builder.write(tmp_path / "in" / "deep" / "bare.ipynb", builder.without_metadata())
    out = tmp_path / "out"
    proc = labkit_grade(str(other), str(bare), "--out", str(out), "--assignment", "users",
                        "--timeout", "60", tmp=tmp_path / "tmp")
    assert proc.returncode == 0, proc.stderr
    r = by_student(out)
    assert set(r) == {"other", "bare"}  # a file given directly: its stem
    assert r["other"]["assignment"] == r["bare"]["assignment"] == "users"
    assert r["other"]["status"] == "graded"
    assert r["bare"]["status"] == "graded" and r["bare"]["score"] == r["bare"]["max_score"]
    assert {c["id"] for c in r["other"]["checks"]} == {c["id"] for c in r["bare"]["checks"]}


@needs_jail
@pytest.mark.grading_run
def test_interrupted_run_leaves_valid_files_and_resumes(tmp_path: Path, builder: Builder) -> None:
    subs, out = tmp_path / "class", tmp_path / "out"
    for i in range(8):
        Builder.write(subs / f"s{i}.ipynb", builder.correct() if i % 2 else builder.partial())
    proc = labkit_grade(str(subs), "--out", str(out), "--jobs", "1", tmp=tmp_path / "tmp", wait=False)
    deadline = time.monotonic() + 600  # a slow, busy machine grades slowly: no race with the clock
    while time.monotonic() < deadline and proc.poll() is None:
        if (out / "grades.csv").exists() and len(read_rows(out)) >= 2:
            break
        time.sleep(0.1)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    rows = read_rows(out)
    done = [r["student"] for r in rows]
    assert 2 <= len(done) < 8 and len(done) == len(set(done))
    assert len(by_student(out)) == len(done)

    before = {r["student"]: (r["score"], r["sha256"]) for r in rows}
    again = labkit_grade(str(subs), "--out", str(out), "--jobs", "2", tmp=tmp_path / "tmp")
    assert again.returncode == 0, again.stderr
    assert f"{len(done)} of 8 submissions unchanged" in again.stderr
    rows = read_rows(out)
    assert sorted(r["student"] for r in rows) == [f"s{i}" for i in range(8)]
    assert {r["student"]: (r["score"], r["sha256"]) for r in rows if r["student"] in done} == before

    # A changed file is graded again, and still has one row.
    Builder.write(subs / "s0.ipynb", builder.correct())
    third = labkit_grade(str(subs), "--out", str(out), tmp=tmp_path / "tmp")
    assert third.returncode == 0 and "7 of 8 submissions unchanged" in third.stderr
    rows = read_rows(out)
    scores = {r["student"]: r["score"] for r in rows}
    assert len(rows) == 8 and scores["s0"] == scores["s1"] != scores["s2"]
    assert _processes_under(tmp_path / "tmp") == []


@needs_jail
@pytest.mark.grading_run
def test_killed_run_leaves_valid_files_and_no_kernels(tmp_path: Path, builder: Builder) -> None:
    subs, out = tmp_path / "class", tmp_path / "out"
    for i in range(6):
        Builder.write(subs / f"s{i}.ipynb", builder.correct())
    proc = labkit_grade(str(subs), "--out", str(out), "--jobs", "2", tmp=tmp_path / "tmp", wait=False)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (out / "grades.csv").exists():
        time.sleep(0.05)
    proc.kill()
    proc.wait(timeout=10)
    rows = read_rows(out)
    assert 1 <= len(rows) <= 6 and len({r["student"] for r in rows}) == len(rows)
    end = time.monotonic() + 10  # workers get SIGTERM when the command dies, and kill their kernels
    while _processes_under(tmp_path / "tmp") and time.monotonic() < end:
        time.sleep(0.2)
    assert _processes_under(tmp_path / "tmp") == []
    again = labkit_grade(str(subs), "--out", str(out), tmp=tmp_path / "tmp")
    assert again.returncode == 0 and len(read_rows(out)) == 6


# -- the parts, without kernels -----------------------------------------------------------------------

def test_student_ids_from_paths(tmp_path: Path) -> None:
    for rel in ("a.ipynb", "g1/b.ipynb", "g1/deeper/c.ipynb", ".ipynb_checkpoints/a-checkpoint.ipynb"):
        (tmp_path / "class" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "class" / rel).write_text("{}")
    (tmp_path / "solo.ipynb").write_text("{}")
    found = find_submissions([tmp_path / "class", tmp_path / "solo.ipynb"])
    assert [s for s, _, _ in found] == ["a", "g1/b", "g1/deeper/c", "solo"]
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "a.ipynb").write_text("{}")
    # The same student twice never stops the run: one is graded, the other named beside it.
    [(student, main, _), *_] = find_submissions([tmp_path / "class", tmp_path / "other"])
    assert student == "a" and main.also == ("a.ipynb",)


def test_classifying_files(tmp_path: Path) -> None:
    def sub(text: str, forced: str | None = None) -> Any:
        path = tmp_path / "x.ipynb"
        path.write_text(text)
        return read_submission("x", Source("x.ipynb", str(path), path.read_bytes), KNOWN, forced)

    nb = {"cells": [{"cell_type": "code", "source": ["a = 1\n", "b = 2"]}, {"cell_type": "markdown",
          "source": "hi"}], "metadata": {"labkit": {"assignment": "mfa"}}}
    ok = sub(json.dumps(nb))
    assert ok.invalid is None and ok.assignment == "mfa" and ok.cells == ("a = 1\nb = 2",)
    wrong = sub(json.dumps(nb), forced="users")
    assert wrong.assignment == "users" and wrong.flags and "wrong assignment" in wrong.flags[0]
    assert sub("\xff not json").invalid and sub("{").invalid and sub("[]").invalid
    assert sub(json.dumps({"cells": "nope"})).invalid
    nb["metadata"] = {}
    assert "--assignment" in (sub(json.dumps(nb)).invalid or "")
    nb["metadata"] = {"labkit": {"assignment": "castle-siege"}}
    assert "unknown assignment" in (sub(json.dumps(nb)).invalid or "")


def _entry(student: str, key: str = "k1", status: str = "graded", **extra: Any) -> dict[str, Any]:
    return {"student": student, "assignment": "users", "sha256": "s", "key": key, "status": status,
            "score": 3, "max_score": 10, **extra}


def test_gradebook_resumes_by_student_and_key(tmp_path: Path) -> None:
    book = Gradebook(tmp_path, key=b"k" * 32)
    book.record(_entry("=cmd|x"))
    book.record(_entry("bob"))
    book.record(_entry("bob", key="k2"))
    book.record(_entry("eve", status="grader-error"))
    assert Gradebook(tmp_path, key=b"k" * 32).up_to_date("bob", "k2")  # from the journal, before a save
    book.save()  # as a run does at its end
    assert not (tmp_path / "results.journal").exists()
    again = Gradebook(tmp_path, key=b"k" * 32)
    assert again.up_to_date("bob", "k2") and not again.up_to_date("bob", "k1")
    assert not again.up_to_date("eve", "k1")  # the grader's own failure: graded again
    rows = read_rows(tmp_path)
    assert [r["student"] for r in rows] == ["'=cmd|x", "bob", "eve"]  # no formula, no duplicate
    assert Gradebook(tmp_path, key=b"other-account-key").entries == {}  # not signed with this key
    (tmp_path / "results.json").write_text("{ forged")
    assert Gradebook(tmp_path, key=b"k" * 32).entries == {} and Gradebook(tmp_path, key=b"k" * 32).warning
    assert csv_text([]).startswith("student,assignment,score,max_score,status")


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "grades.csv"
    write_atomically(target, "old\n")
    with pytest.raises(UnicodeEncodeError):
        write_atomically(target, "new \ud800")  # fails half-way through writing
    assert target.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["grades.csv"]


def test_fingerprint_sees_any_change(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "__pycache__").mkdir(parents=True)
    (tmp_path / "pkg" / "checks.py").write_text("def run(): return 0\n")
    (tmp_path / "pkg" / "__pycache__" / "checks.cpython-311.pyc").write_bytes(b"\x00" * 16)
    before = fingerprint(tmp_path / "pkg")
    assert fingerprint(tmp_path / "pkg") == before
    (tmp_path / "pkg" / "__pycache__" / "checks.cpython-311.pyc").write_bytes(b"\x01" * 16)
    assert fingerprint(tmp_path / "pkg") != before


def test_escaping_in_feedback_and_report() -> None:
    entry = _entry("<img src=x onerror=alert(1)>", detail="<script>", checks=[
        {"id": "c<1>", "description": "<u>d</u>", "points": 0, "max_points": 2, "passed": False,
         "hint": "<i>h</i>", "detail": "&"}], cell_errors=[{"cell": 1, "ename": "<E>", "evalue": "<v>"}])
    for page, scripts in ((feedback_html(entry), 0), (report_html([entry]), 1)):
        assert "<img" not in page and "<script>" not in page and "<u>" not in page and "<E>" not in page
        assert page.count("<script") == page.count(SORT_SCRIPT) == scripts


def test_stray_processes_are_found_and_killed() -> None:
    """A daemon that double-forks away from its parent is still killed (the worker is a subreaper)."""
    script = ("import os, sys, time\nif os.fork(): sys.exit(0)\nos.setsid()\n"
              "if os.fork(): sys.exit(0)\ntime.sleep(60)\n")
    code = ("import subprocess, sys, time\nfrom labkit.grading import processes as p\n"
            "assert p.become_subreaper()\n"
            f"subprocess.run([sys.executable, '-c', {script!r}])\ntime.sleep(0.3)\n"
            "strays = p.children()\nprint(len(strays), p.kill_children(set()), len(p.children()))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    strays, killed, left = (int(n) for n in out.stdout.split())
    assert strays >= 1 and killed >= 1 and left == 0, out.stderr


# -- a graded kernel never sees the grader's own AWS set-up ------------------------------------------

@needs_jail
@pytest.mark.slow
def test_a_graded_kernel_cannot_use_the_graders_aws_credentials(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The instructor's ~/.aws points at a trap on loopback: no student code may ever reach it."""
    import http.server
    import tempfile
    import threading

    from labkit.grading.jail import Jail
    from labkit.grading.kernels import FreshKernel, KernelPlace

    hits: list[str] = []

    class Trap(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            hits.append(self.headers.get("Authorization", ""))
            self.send_response(500)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    trap = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trap)
    threading.Thread(target=trap.serve_forever, daemon=True).start()
    home = tmp_path / "instructor"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text(
        f"[default]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:{trap.server_port}\n")
    (home / ".aws" / "credentials").write_text(
        "[default]\naws_access_key_id = AKIAINSTRUCTOR000001\naws_secret_access_key = real-secret\n")
    base = {**os.environ, "HOME": str(home), "AWS_PROFILE": "default",
            "AWS_ACCESS_KEY_ID": "AKIAINSTRUCTOR000002", "AWS_SECRET_ACCESS_KEY": "real-secret"}
    cells = (
        "import boto3, os\ntry:\n    boto3.client('sts').get_caller_identity()\nexcept Exception as err:\n"
        "    print(type(err).__name__)",
        "!aws sts get-caller-identity",
        "assert not os.path.exists(os.path.expanduser('~/.aws/credentials')), 'the grader home is visible'",
        "assert 'AWS_SECRET_ACCESS_KEY' not in os.environ",
        # its jail: a private, writable /tmp and home; nothing else writable
        "import tempfile\nassert tempfile.gettempdir() == '/tmp', tempfile.gettempdir()\n"
        "open('notes.txt', 'w').write('mine'); open('/tmp/scratch', 'w').write('mine')\n"
        "assert os.getcwd() == os.environ['HOME'] and not os.access('/', os.W_OK)",
    )
    jail = Jail()
    jail.probe()
    folder = os.path.realpath(tempfile.mkdtemp(dir=tmp_path))
    monkeypatch.chdir(folder)  # as a grading worker does: the kernel's sockets are named relative to it
    kernel = FreshKernel(KernelPlace(folder, jail, None, 0, base))
    try:
        kernel.ready(60)
        result = kernel.run(cells, {"endpoint": "http://127.0.0.1:1"}, 30, time.monotonic() + 90)
    finally:
        kernel.kill()
        trap.shutdown()
    assert hits == [], f"student code reached the grader's AWS endpoint with: {hits}"
    assert result.outcome == "finished" and result.cells_run == len(cells)
    assert result.errors == [], [e.as_dict() for e in result.errors]
