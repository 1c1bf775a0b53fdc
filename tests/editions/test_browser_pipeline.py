"""The browser edition's ``!`` pipelines print the same bytes as the desktop's shell and programs.

A browser tab has no shell, so ``labkit.editions.pipeline`` runs chapter 04's
``aws ... | base64 --decode | cut -d, -f...`` inside the kernel. Here, on the desktop, the
same line also runs through ``sh`` with the real ``aws`` program and GNU ``base64`` and
``cut``; stdout, stderr and the exit status must be identical -- for the chapter's report,
and for inputs that are not what the chapter sends (broken base64, lines without commas,
no final newline, bytes that are not text) and field lists cut refuses.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import labkit
from labkit.editions import pipeline
from labkit.editions.pipeline import NotInBrowserEdition

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHAPTER_04 = ROOT / "notebooks" / "04-the-master-key-in-the-vault.ipynb"
REPORT_LINE = ("aws iam get-credential-report --query Content --output text "
               "| base64 --decode | cut -d, -f1,4,5,8,9,11")

pytestmark = pytest.mark.skipif(not (shutil.which("base64") and shutil.which("cut") and shutil.which("sh")),
                                reason="needs the shell's base64 and cut to compare with")


def _shell(line: str, stdin: bytes = b"", env: dict[str, str] | None = None) -> tuple[bytes, bytes, int]:
    """``line`` through ``sh`` and the real programs (messages as a UTF-8 Debian system prints them)."""
    environ = {**os.environ, **(env or {}), "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               "LC_ALL": "C.UTF-8"}
    done = subprocess.run(["sh", "-c", line], input=stdin, capture_output=True, env=environ, timeout=120)
    return done.stdout, done.stderr, done.returncode


def _here(line: str, stdin: bytes = b"") -> tuple[bytes, bytes, int]:
    result = pipeline.run(line, stdin)
    return result.stdout, result.stderr, result.status


def test_the_chapter_still_has_the_line() -> None:
    sources = ["".join(c["source"]) for c in json.loads(CHAPTER_04.read_text())["cells"]]
    assert any(f"!{REPORT_LINE}" in source for source in sources), "chapter 04 changed: update REPORT_LINE"


def test_chapter_04_report_line_prints_what_the_shell_prints(lab: labkit.Lab, monkeypatch) -> None:  # noqa: ANN001
    iam = lab.client("iam")
    for name in ("alice-developer", "bob-finance"):
        iam.create_user(UserName=name)
    iam.create_login_profile(UserName="alice-developer", Password="TempPassword123!",
                             PasswordResetRequired=True)
    iam.create_access_key(UserName="bob-finance")
    iam.generate_credential_report()
    for name, value in lab.env.items():  # the kernel's environment after labkit.start()
        monkeypatch.setenv(name, value)

    desktop = _shell(REPORT_LINE, env=lab.env)
    browser = _here(REPORT_LINE)
    assert desktop == browser
    lines = browser[0].decode().splitlines()
    assert lines[0] == "user,password_enabled,password_last_used,mfa_active,access_key_1_active," \
                       "access_key_1_last_used_date", lines
    assert [line.split(",")[0] for line in lines[1:]] == ["<root_account>", "alice-developer", "bob-finance"]

    # and when aws fails (no report yet on a fresh account), the same message and status
    lab.reset()
    assert _shell(REPORT_LINE, env=lab.env) == _here(REPORT_LINE)


ODD_BASE64 = [b"YWJj", b"YQ", b"YQ=", b"YQ==", b"YWJj\nZGVm\n", b"YW Jj", b"YW\r\nJj", b"!!!!",
              b"YWJjZA==YWJj", b"YWJj====", b"YQ==\n\n", b"", b"YWJjZA", b"Y", b"YQ=x", b"YW=j", b"\n\n"]


@pytest.mark.parametrize("encoded", ODD_BASE64, ids=repr)
def test_base64_decodes_odd_input_as_coreutils(encoded: bytes) -> None:
    for line in ("base64 --decode", "base64 -d | cut -d, -f1"):
        assert _here(line, encoded) == _shell(line, encoded), line


ODD_TEXT = [b"a,b,c", b"a,b,c\n", b"abc\n", b"a,b\n\n,,\n", b"1,2,3,4,5,6,7,8,9,10,11,12\r\n", b"",
            b"x,y\nlast", "\u00e9,\u00fc,x\n".encode(), b"\x00,\xff\n\xfe"]
FIELDS = ["-d, -f1,4,5,8,9,11", "-d, -f2-", "-d, -f-2", "-d , -f 3,1", "--delimiter=, --fields=1",
          "-d, -f0", "-d,", "-dab -f1", "-d, -fa", "-d, -f3-1", "-d, -f1,,2", "-d, -f-", "-f2", "-d, -f1-2-3",
          "-d, -fx-2", "-d, -f2-x", "-d, -f01", "-d: -f1", "-f1 -d"]


@pytest.mark.parametrize("text", ODD_TEXT, ids=repr)
def test_cut_cuts_odd_input_as_coreutils(text: bytes) -> None:
    encoded = base64.b64encode(text)
    for fields in FIELDS:
        line = f"base64 --decode | cut {fields}"
        assert _here(line, encoded) == _shell(line, encoded), line


@pytest.mark.parametrize(("line", "named"), [
    ("aws iam list-users | grep alice", "grep"),
    ("aws iam list-users --output text | sort | uniq", "sort, uniq"),
    ("aws iam list-users > users.json", "a shell"),
    ("aws iam list-users && echo done", "a shell"),
    ("aws iam list-users | base64", "base64"),
    ("aws iam list-users | cut -c1-5", "cut -c1-5"),
    ("aws iam list-users | cut -d, -f1 users.csv", "cut users.csv"),
    ("aws iam help | cut -d, -f1", "aws iam help"),
])
def test_anything_else_is_refused_by_name_before_it_runs(line: str, named: str) -> None:
    with pytest.raises(NotInBrowserEdition, match="not available in the browser edition") as refused:
        pipeline.run(line)
    assert named in str(refused.value)
