"""The instructor's side, without kernels: each LMS's own rules, encoded, against what labkit writes.

The rules come from the LMSs' sources (cited beside each helper): Canvas's
``lib/content_zipper.rb`` (how "Download Submissions" names and stamps files),
``lib/gradebook_importer.rb`` (what "Import" accepts) and
``Assignment#infer_comment_context_from_filename`` (how "Upload Feedback Files"
matches a file); Moodle's ``mod/assign/feedback/offline/importgradeslib.php``
(the grading worksheet upload) and ``grade/import/csv`` (the gradebook CSV
import). A class graded for real, for each LMS, is in ``test_grading_classdata.py``.
"""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from labkit.grading.canvas_feedback import canvas_feedback_name
from labkit.grading.classlist import LatePolicy, Roster, final_score, id_pattern, parse_time
from labkit.grading.exports import ExportOptions, lms_files
from labkit.grading.lateness import SubmissionTimes, decide, parse_lms_time
from labkit.grading.notebook_view import notebook_html
from labkit.grading.reports import feedback_html, report_html
from labkit.grading.submissions import find_submissions, late_marker, read_submission
from tests.support.lms_rules import (
    WORKSHEET,
    canvas_download_name,
    canvas_header_ok,
    canvas_reupload_ids,
    canvas_roster,
    canvas_title_and_id,
    canvas_zip,
    moodle_csv_import,
    moodle_worksheet_import,
    read_csv,
)

DUE = parse_time("2026-11-20T23:59:00Z")
NB = json.dumps({"cells": [{"cell_type": "code", "source": "x = 1", "metadata": {}, "outputs": []}],
                 "metadata": {"labkit": {"assignment": "users"}}, "nbformat": 4, "nbformat_minor": 5})
KNOWN = {"users", "mfa", "root", "least-privilege"}


@pytest.fixture
def canvas_class(tmp_path: Path) -> dict[str, Any]:
    built = DUE + 2 * 86400 + 3600  # the instructor downloads two days after the due time
    names = {
        "123": canvas_download_name("Doe, Jane", 123, False, 456, "users.ipynb"),
        "124": canvas_download_name("Roe, Rick", 124, True, 457, "users-1.ipynb"),
        "126": canvas_download_name("Lee, Kim", 126, False, 460, "users.ipynb"),
        "126b": canvas_download_name("Lee, Kim", 126, False, 461, "scratch.ipynb"),
        "anon": canvas_download_name(None, "anon_k3x9Q", True, 462, "users.ipynb"),
    }
    zpath = canvas_zip(tmp_path / "submissions.zip", [(n, NB) for n in names.values()], built)
    return {"zip": zpath, "names": names, "built": built}


def test_canvas_names_are_read_as_canvas_writes_them(canvas_class: dict[str, Any]) -> None:
    names = canvas_class["names"]
    assert names["124"] == "roerick_LATE_124_457_users-1.ipynb"
    assert names["anon"] == "LATE_anon_k3x9Q_462_users.ipynb"
    pattern = id_pattern("canvas")
    found = {s: src for s, src, _ in find_submissions([canvas_class["zip"]], pattern, "users")}
    assert set(found) == {"123", "124", "126", "anon_k3x9Q"}  # anonymous ids kept as ids
    assert {s: late_marker(src, pattern) for s, src in found.items()} == {
        "123": False, "124": True, "126": False, "anon_k3x9Q": True}
    # Two attachments: the one named like the assignment is graded, the other is named in a flag.
    assert found["126"].name.endswith("_460_users.ipynb")
    sub = read_submission("126", found["126"], KNOWN)
    assert sub.invalid is None
    assert sub.flags == ("also handed in 'leekim_126_461_scratch.ipynb' (not graded)",)


def test_a_canvas_zip_never_makes_an_on_time_student_late(canvas_class: dict[str, Any]) -> None:
    """Every entry carries the build time, two days after the due time: only LATE counts."""
    pattern = id_pattern("canvas")
    late = LatePolicy(DUE, 10)
    for student, source, _ in find_submissions([canvas_class["zip"]], pattern, "users"):
        assert source.submitted_at is None  # the entry's date is never a submission time
        when = decide(student, roster=Roster(), times=SubmissionTimes(), lms_time=source.submitted_at,
                      late_marker=late_marker(source, pattern), file_time=source.file_time,
                      trust_file_times=False)
        entry = {"student": student, "status": "graded", "score": 10, "max_score": 10,
                 "submitted_at": when.at, "late_marker": when.late_marker}
        final = final_score(entry, late, None)
        expected = 9 if student in ("124", "anon_k3x9Q") else 10
        assert (final["final"], final["late_days"]) == (expected, 1 if expected == 9 else 0), (student, when)
    # The control: the entries' own dates (what was read before) make every student 3 started days late.
    with zipfile.ZipFile(canvas_class["zip"]) as archive:
        stamped = [datetime(*i.date_time, tzinfo=UTC).timestamp() for i in archive.infolist()]
    assert [late.days_late(at) for at in stamped] == [3] * 5


def graded(student: str, final: int, **extra: Any) -> dict[str, Any]:
    return {"student": student, "assignment": "users", "status": "graded", "score": final, "max_score": 10,
            "late_days": 0, "late_penalty": 0, "adjustment": 0, "checks": [], **{"final": final, **extra}}


def test_canvas_csv_follows_the_importers_rules(tmp_path: Path) -> None:
    for sep in (",", ";"):  # Excel in many locales saves with ";": read as Canvas does
        roster = Roster.read(canvas_roster(tmp_path, sep))
        assert [e.id for e in roster.entries] == ["123", "124", "125", "126", "127", "999"]
    files = lms_files([graded("123", 10), graded("124", 8), graded("127", 9), graded("888", 4),
                       graded("anon_k3x9Q", 9)], roster, ExportOptions(bom=True))
    text = files.files["canvas.csv"]
    assert text.startswith("\ufeffStudent,")  # a BOM still passes Canvas's header test (include?)
    rows = read_csv(text)
    assert canvas_header_ok(["\ufeff" + rows[0][0], *rows[0][1:]])
    assert canvas_header_ok(rows[0]) and rows[0][-1] == "IAM castle: users (4242)"  # the roster's own
    assert canvas_title_and_id(rows[0][-1]) == ("IAM castle: users", "4242")
    assert "Points Possible" in rows[1][0] and rows[1][-1] == "10"  # process_pp
    body = {r[1]: r for r in rows[2:]}
    assert set(body) == {"123", "124", "127"}  # no row for 125 (no submission): her 7 stays
    assert all(r[-1] != "" for r in rows[2:])  # never a blank grade
    assert body["127"][0] == "Garc\u00eda, Ana"
    assert files.left_out == {"888": "not on the roster",
                              "anon_k3x9Q": "not on the roster"}
    # --lms-column wins; without a roster column, the default title.
    assert read_csv(lms_files([graded("123", 10)], roster, ExportOptions("Castle (77)")).files["canvas.csv"]
                    )[0][-1] == "Castle (77)"
    default = lms_files([graded("123", 10)], Roster()).files["canvas.csv"]
    assert read_csv(default)[0][-1] == "IAM castle: users"


def test_two_assignments_make_two_files_without_blanks() -> None:
    rows = [graded("a", 10), {**graded("b", 5), "assignment": "mfa"}]
    files = lms_files(rows, Roster()).files
    assert {"canvas-users.csv", "canvas-mfa.csv", "moodle-users.csv", "moodle-mfa.csv"} <= set(files)
    for text in files.values():
        assert all(all(cell != "" for cell in r[5:6]) for r in read_csv(text)[2:])


def test_canvas_feedback_files_are_matched_by_canvas() -> None:
    name = canvas_feedback_name("/x/submissions.zip:roerick_LATE_124_457_users-1.ipynb")
    assert name == "feedback_124_457_labkit.html" and canvas_reupload_ids(name) == ("124", "457")
    assert canvas_feedback_name("/x/LATE_anon_k3x9Q_462_users.ipynb") is None
    assert canvas_feedback_name("/x/jane.ipynb") is None


# -- Moodle's rules ----------------------------------------------------------------------------------

def test_moodle_download_worksheet_and_times(tmp_path: Path) -> None:
    (tmp_path / "worksheet.csv").write_text(WORKSHEET, encoding="utf-8")
    roster = Roster.read(tmp_path / "worksheet.csv")
    assert roster.is_moodle_worksheet
    with zipfile.ZipFile(tmp_path / "moodle.zip", "w") as archive:  # mod/assign download_submissions
        archive.writestr("Jane Doe_1001_assignsubmission_file_users.ipynb", NB)
        archive.writestr("Rick Roe_1002_assignsubmission_file_/users.ipynb", NB)  # "in folders"
    found = {s: src for s, src, _ in find_submissions([tmp_path / "moodle.zip"], id_pattern("moodle"))}
    assert set(found) == {"1001", "1002"} and all(roster.find(s) for s in found)
    times = SubmissionTimes.read(tmp_path / "worksheet.csv")
    assert times.find("1002", roster) == parse_lms_time("Sunday, 22 November 2026, 10:00 AM")
    when = decide("1002", roster=roster, times=times, lms_time=None, late_marker=None, file_time=None,
                  trust_file_times=False)
    assert LatePolicy(DUE, 10).days_late(when.at) == 2 and "LMS" in when.source

    files = lms_files([graded("1001", 10), graded("1002", 8, late_days=2, late_penalty=2)], roster)
    imported = moodle_worksheet_import(files.files["moodle-worksheet.csv"])
    assert set(imported) == {"1001", "1002"}  # 1003 handed nothing in: no row, her grade untouched
    assert imported["1002"][:2] == ("8", "-") and "late 2 day(s): -2" in imported["1002"][2]
    known = {"jane@example.edu", "rick@example.edu", "pat@example.edu"}
    assert moodle_csv_import(files.files["moodle.csv"], "Email address", known, "IAM castle: users") == {
        "jane@example.edu": 10, "rick@example.edu": 8}
    moodle = read_csv(files.files["moodle.csv"])
    assert moodle[0][:4] == ["First name", "Last name", "ID number", "Email address"]
    assert {r[3]: (r[0], r[1], r[4]) for r in moodle[1:]} == {
        "jane@example.edu": ("Jane", "Doe", "10"), "rick@example.edu": ("Rick", "Roe", "8")}
    assert moodle[0][5].endswith("(feedback)") and all(r[5] for r in moodle[1:])


def test_moodle_names_from_a_canvas_style_roster(tmp_path: Path) -> None:
    roster = Roster.read(canvas_roster(tmp_path))
    text = lms_files([graded("123", 10), graded("777", 3)], roster).files["moodle.csv"]
    rows = read_csv(text)
    assert rows[1][:3] == ["Jane", "Doe", "S-1"]  # "Doe, Jane" is not first name "Doe,"
    # 777 is not on the roster: a row for it would abort Moodle's whole import.
    assert moodle_csv_import(text, "ID number", {"S-1", "S-2"}, "IAM castle: users (4242)") == {"S-1": 10}


# -- pages ------------------------------------------------------------------------------------------

def test_feedback_and_report_show_the_final_score_and_the_class() -> None:
    entry = graded("124", 7, score=10, late_days=2, late_penalty=2, adjustment=-1,
                   adjustment_reason="<b>copied</b>", time_source="Canvas marked it LATE",
                   checks=[{"id": "c1", "description": "a user", "passed": True, "points": 5,
                            "max_points": 5},
                           {"id": "c2", "description": "a group", "passed": False, "points": 0,
                            "max_points": 5}], flags=["also handed in 'x' (not graded)"])
    page = feedback_html(entry, "Rick Roe")
    assert "Rick Roe" in page and "7 / 10 points" in page and "&minus;2" in page
    assert "&lt;b&gt;copied&lt;/b&gt;" in page and "<b>copied" not in page and "Canvas marked it LATE" in page
    other = graded("123", 10, checks=[{"id": "c1", "description": "a user", "passed": True},
                                      {"id": "c2", "description": "a group", "passed": True}])
    report = report_html([entry, other], names={"124": "Rick Roe", "123": "Jane Doe"},
                         missing=[("Pat Poe", "125")])
    for text in ("Jane Doe", "Rick Roe", "<b>7</b> / 10", "Pat Poe", "also handed in", "class=\"sortable\"",
                 "&#x2713; pass", "&#x2717; fail", "1 of 2 (50%)", 'href="notebooks/124.html"'):
        assert text in report, text


def test_the_notebook_page_runs_nothing() -> None:
    nb = {"cells": [{"cell_type": "markdown", "source": "<script>alert(1)</script>"},
                    {"cell_type": "code", "source": ["print(", "'<img src=x onerror=alert(1)>')"],
                     "outputs": [{"output_type": "stream", "text": "<b>out</b>"}]}]}
    page = notebook_html("<i>eve</i>", json.dumps(nb).encode())
    for raw in ("<script>alert", "<img", "<b>out", "<i>eve"):
        assert raw not in page
    assert "&lt;script&gt;" in page and "&lt;b&gt;out&lt;/b&gt;" in page
    assert "not a Jupyter notebook" in notebook_html("x", b"[" * 100_000)
