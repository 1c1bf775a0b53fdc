"""Each LMS's rules, as its own source states them, for the tests to check labkit's files against.

Canvas: ``lib/content_zipper.rb`` (how "Download Submissions" names and stamps
files), ``lib/gradebook_importer.rb`` (what "Import" accepts),
``Assignment#infer_comment_context_from_filename`` in ``app/models/assignment.rb``
(how "Upload Feedback Files" matches a file). Moodle:
``mod/assign/feedback/offline/importgradeslib.php`` (the grading worksheet
upload).
"""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from pathlib import Path


def canvas_download_name(sortable_name: str | None, user_id: int | str, late: bool, attachment_id: int,
                         display_name: str) -> str:
    """``ContentZipper#get_filename`` + ``#add_upload_submission`` (anonymous: ``anon_<id>``, no name)."""
    name = None if sortable_name is None else re.sub(r"_(\d+)_", r"\1", sortable_name).lower()
    filename = "_".join(p for p in (name, "LATE" if late else None, str(user_id)) if p is not None)
    filename = re.sub(r"[^\w]", "", filename)  # sanitize_file_name: gsub(/[^[[:word:]]]/, "")
    display = re.sub(r'[\x00/\\:*?"<>|]+', "_", display_name)  # sanitize_attachment_filename
    return f"{filename}_{attachment_id}_{display}"


def canvas_zip(path: Path, files: list[tuple[str, str]], built_at: float) -> Path:
    """A "Download Submissions" zip: every entry stamped with the time the zip was built (rubyzip's
    ``get_output_stream`` writes ``Time.now``), whatever the submission's own time."""
    stamp = time.gmtime(built_at)[:6]
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files:
            archive.writestr(zipfile.ZipInfo(name, date_time=stamp), text)
    return path


def canvas_header_ok(row: list[str]) -> bool:
    """``GradebookImporter#header?`` / ``#row_has_student_headers?`` / ``#update_column_count``."""
    if not (len(row) > 3 and "Student" in row[0] and "ID" in row[1]):
        return False
    columns = 3
    if re.search(r"SIS\s+Login\s+ID", row[2]):
        columns += 1
    elif re.search(r"SIS\s+User\s+ID", row[2]) and re.search(r"SIS\s+Login\s+ID", row[3]):
        columns += 2
    return "Section" in row[columns - 1]


def canvas_title_and_id(header: str) -> tuple[str, str | None]:
    """``Assignment.title_and_id``: ``Title (123)`` → ("Title", "123")."""
    match = re.fullmatch(r"(.*) \((\d+)\)", header)
    return (match.group(1), match.group(2)) if match else (header, None)


def canvas_reupload_ids(filename: str) -> tuple[str, str] | None:
    """``Assignment#infer_comment_context_from_filename``: the first two all-digit ``_`` parts."""
    digits = [p for p in filename.split("_") if re.fullmatch(r"\d+", p)]
    return (digits[0], digits[1]) if len(digits) >= 2 else None


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def canvas_roster(tmp_path: Path, sep: str = ",") -> Path:
    rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "IAM castle: users (4242)",
             "Current Score"],
            ["    Points Possible", "", "", "", "", "10", "(read only)"],
            ["Doe, Jane", "123", "S-1", "jdoe", "Castle 101", "", ""],
            ["Roe, Rick", "124", "S-2", "rroe", "Castle 101", "", ""],
            ["Poe, Pat", "125", "S-3", "ppoe", "Castle 101", "7", ""],
            ["Lee, Kim", "126", "S-6", "klee", "Castle 101", "", ""],
            ["Garc\u00eda, Ana", "127", "S-7", "agarcia", "Castle 101", "", ""],
            ["Student, Test", "999", "", "", "Castle 101", "", ""]]
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep).writerows(rows)
    path = tmp_path / f"roster{'-semicolon' if sep == ';' else ''}.csv"
    path.write_text("\ufeff" + buf.getvalue(), encoding="utf-8")
    return path


WORKSHEET = ("Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
             "Last modified (submission),Last modified (grade),Feedback comments\n"
             "Participant 1001,Jane Doe,jane@example.edu,Submitted for grading,,10.00,Yes,"
             "\"Friday, 20 November 2026, 10:00 PM\",-,\n"
             "Participant 1002,Rick Roe,rick@example.edu,Submitted for grading,,10.00,Yes,"
             "\"Sunday, 22 November 2026, 10:00 AM\",-,\n"
             "Participant 1003,Pat Poe,pat@example.edu,No submission,,10.00,Yes,-,-,\n")


def moodle_worksheet_import(text: str) -> dict[str, tuple[str, str, str]]:
    """``assignfeedback_offline_grade_importer``: columns found by exact name; the id is what follows
    ``Participant `` (string 'hiddenuser'); a file without the three columns is refused."""
    rows = read_csv(text)
    header = rows[0]
    for needed in ("Identifier", "Grade", "Last modified (grade)"):
        assert needed in header, needed
    i, g, m = header.index("Identifier"), header.index("Grade"), header.index("Last modified (grade)")
    f = header.index("Feedback comments")
    return {r[i][len("Participant "):]: (r[g], r[m], r[f]) for r in rows[1:]}


def moodle_csv_import(text: str, id_column: str, known: set[str], grade_column: str) -> dict[str, float]:
    """``gradeimport_csv_load_data::prepare_import_grade_data`` with "Map from" ``id_column``: a row
    whose user is not found aborts the whole import; ``''`` or ``-`` is "no grade" (the student's grade
    is cleared); a grade that is not a number aborts the import (``update_grade_item``)."""
    rows = read_csv(text)
    header = rows[0]
    who, grade = header.index(id_column), header.index(grade_column)
    imported: dict[str, float] = {}
    for line in rows[1:]:
        if len(line) <= 1:
            continue
        assert line[who].strip() in known, f"user not found, whole import aborted: {line[who]!r}"
        value = line[grade].strip()
        assert value not in ("", "-"), f"a blank grade clears {line[who]}'s grade"
        imported[line[who]] = float(value)  # ValueError: 'badgrade', whole import aborted
    return imported
