"""What the course once got wrong stays out, and the sandbox's own wording is never "AWS says".

Reads files only (no kernel, no sandbox): the chapters' sources and notebooks, the quiz bank
and ``docs/differences.md``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import labkit
from labkit.sandbox_wording import NOTE, OWN_TEXTS, OwnText, sandbox_wording

ROOT = Path(__file__).resolve().parents[2]
CHAPTER_FILES = [*sorted((ROOT / "scripts" / "chapters").glob("*.py")),
                 *sorted((ROOT / "notebooks").glob("*.ipynb"))]
QUESTIONS = ROOT / "labkit" / "assets" / "questions.json"

# Sentences found wrong or outdated (December 2026 review); each with what is true instead.
WRONG = {
    r"No IAM policy (can\.|restricts root)": "resource-based policies (a bucket policy) bind root",
    r"only SCPs": "resource-based policies bind root too, not only SCPs",
    r"IAM policies (cannot|do not) (restrict|apply to|be attached to root or limit)":
        "bucket policies bind root",
    r"standalone accounts from June 2024": "standalone accounts: gradually from July 2024",
    r"event history records every management call": "90 days, per Region; a trail keeps more",
    r"every one of these steps is in the management account":
        "a root session's actions are in the member account",
    r"(small )?accounts without Identity Center":
        "AWS: Identity Center not available and no other identity provider",
    r"[Ss]ince 2022 a device has a name": "names were always required; 2022 brought several devices",
    r"That was true until 2022": "before 2022 a second device was refused, it never replaced the first",
}


def _texts() -> list[tuple[str, str]]:
    found = [(p.name, p.read_text(encoding="utf-8")) for p in CHAPTER_FILES]
    return [*found, (QUESTIONS.name, QUESTIONS.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("pattern", WRONG)
def test_no_chapter_or_question_repeats_a_known_wrong_sentence(pattern: str) -> None:
    hits = [name for name, text in _texts() if re.search(pattern, text)]
    assert not hits, f"{hits} still say {pattern!r}; true instead: {WRONG[pattern]}"


def test_the_grep_finds_what_it_looks_for() -> None:
    """The patterns match the sentences they were written for (a grep that cannot fail is none)."""
    old = ["Can anything restrict root? **No IAM policy can.**", "only SCPs, in member accounts",
           "IAM policies cannot restrict root", "of standalone accounts from June 2024",
           "event history records every management call", "and small accounts without Identity Center",
           "That was true until 2022."]
    for sentence in old:
        assert any(re.search(p, sentence) for p in WRONG), sentence


@pytest.mark.parametrize("own", OWN_TEXTS, ids=[t.fragment for t in OWN_TEXTS])
def test_no_sandbox_text_is_presented_as_awss(own: OwnText) -> None:
    """Within a few lines of one of the sandbox's own texts, no chapter or question says "AWS says"."""
    fragment = own.fragment
    for name, text in _texts():
        for hit in re.finditer(re.escape(fragment), text):
            near = text[max(0, hit.start() - 300):hit.end() + 300]
            assert "AWS says" not in near, f"{name} presents the sandbox's {fragment!r} as AWS's"


@pytest.mark.parametrize("own", OWN_TEXTS, ids=[t.fragment for t in OWN_TEXTS])
def test_each_sandbox_text_is_real_listed_and_labelled(own: OwnText,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Each listed text is one the sandbox really answers, docs/differences.md names it, and
    ``labkit.explain`` labels it as the sandbox's."""
    code, fragment = own.code, own.fragment
    import moto.identitystore

    folders = [ROOT / "labkit" / "realism", Path(moto.identitystore.__file__).parent]  # moto's own texts too
    source = "".join(p.read_text(encoding="utf-8") for folder in folders for p in folder.glob("*.py"))
    assert fragment in source
    assert fragment in (ROOT / "docs" / "differences.md").read_text(encoding="utf-8")

    class Refused(Exception):
        response = {"Error": {"Code": code, "Message": f"... {fragment} ..."}}

    labkit.explain(Refused())
    out = capsys.readouterr().out
    assert "The sandbox says:" in out and "AWS says" not in out and NOTE in out


def test_awss_own_texts_keep_their_label(capsys: pytest.CaptureFixture[str]) -> None:
    invalid = "The security token included in the request is invalid"  # IAM's: AWS's own text
    assert not sandbox_wording("InvalidClientTokenId", invalid)

    class Refused(Exception):
        response = {"Error": {"Code": "InvalidClientTokenId",
                              "Message": "The security token included in the request is invalid"}}

    labkit.explain(Refused())
    assert "AWS says: The security token" in capsys.readouterr().out


def test_quiz_bank_is_still_json() -> None:
    assert json.loads(QUESTIONS.read_text(encoding="utf-8"))["questions"]
