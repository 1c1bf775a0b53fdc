"""The widgets' state, checked without a browser, and labkit.explain's wording."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

import labkit
from labkit.authenticator import Authenticator
from labkit.clock import clock
from labkit.widgets.authenticator_view import authenticator
from labkit.widgets.quiz_view import quiz

SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def frozen():
    clock.freeze(1_700_000_000)
    yield clock
    clock.unfreeze()


def test_authenticator_shows_the_code_of_the_seed(frozen) -> None:
    view = authenticator(SEED, live=False)
    expected = Authenticator(SEED).code()
    assert view.code == expected
    assert expected in view.code_display.value
    assert view.countdown.value == view.seconds_left == 10
    frozen.advance(30)
    view.refresh()
    assert view.code == Authenticator(SEED).code() != expected
    frozen.advance(5)
    view.refresh()
    assert view.countdown.value == 5 and view.countdown.bar_style == "warning"
    view.close()


def test_authenticator_announces_a_new_code_politely_once_per_code(frozen) -> None:
    """A screen reader hears the code when it changes, not the countdown every second."""
    view = authenticator(SEED, live=False)
    said = view.announcer.value
    assert 'aria-live="polite"' in said and " ".join(view.code) in said and "10 more seconds" in said
    frozen.advance(5)
    view.refresh()
    assert view.announcer.value == said  # the same code: nothing new to say
    frozen.advance(10)
    view.refresh()
    assert view.announcer.value != said and " ".join(view.code) in view.announcer.value
    view.close()


def test_authenticator_has_the_css_classes_a_browser_test_looks_for(frozen) -> None:
    view = authenticator(SEED, qr_png=b"\x89PNG fake", live=False)
    assert "labkit-authenticator" in view._dom_classes
    assert "labkit-code" in view.code_display._dom_classes
    assert 'class="labkit-qr"' in view.qr.value and view.qr_png == b"\x89PNG fake"
    assert any("own phone" in getattr(child, "value", "") for child in view.children)
    assert 'alt="QR code' in view.qr.value  # the image's text alternative
    key = view.key_text.value  # "Can't scan?": the secret as text, in groups of four
    assert "Can't scan? Enter this key" in key and " ".join(SEED[i:i + 4] for i in range(0, 8, 4)) in key
    typed = key.split("<code")[1].split(">", 1)[1].split("<")[0].replace(" ", "")
    assert Authenticator(typed).code() == view.code
    assert f'data-key="{SEED}"' in key and ">Copy key</button>" in key  # what the copy button copies
    assert 'role="status"' in key  # where "Key copied." is said
    view.close()


def test_authenticator_accepts_a_device_from_the_sandbox(lab: labkit.Lab) -> None:
    device = lab.client("iam").create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    view = authenticator(device, live=False)
    assert view.qr_png.startswith(b"\x89PNG")
    assert view.authenticator.label == "alice"
    code1, code2 = view.authenticator.pair()
    lab.client("iam").create_user(UserName="alice-developer")
    lab.client("iam").enable_mfa_device(UserName="alice-developer", SerialNumber=device["SerialNumber"],
                                        AuthenticationCode1=code1, AuthenticationCode2=code2)
    view.close()


def test_authenticator_builds_a_qr_code_from_an_otpauth_uri(frozen) -> None:
    uri = f"otpauth://totp/Amazon%20Web%20Services:alice@123456789012?secret={SEED}&issuer=Amazon%20Web%20Services"
    view = authenticator(uri, live=False)
    assert view.qr_png.startswith(b"\x89PNG")
    assert view.code == Authenticator(SEED).code()
    view.close()


def test_live_authenticator_ticks_and_stops_when_closed() -> None:
    view = authenticator(SEED)
    assert view._thread is not None and view._thread.is_alive()
    view.countdown_text.value = ""
    deadline = time.monotonic() + 3
    while view.countdown_text.value == "" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert view.countdown_text.value.startswith("next code in")
    view.close()
    view._thread.join(timeout=2)
    assert not view._thread.is_alive()


@pytest.fixture
def answers_log(tmp_path, monkeypatch):
    """Knowledge-check answers go to this test's own log."""
    log = tmp_path / "answers.jsonl"
    monkeypatch.setenv("LABKIT_PROGRESS", str(log))
    return log


def test_quiz_reports_right_and_wrong(answers_log) -> None:
    q = quiz("castle-root-arn")
    assert "labkit-quiz" in q._dom_classes
    card = q.cards[0]
    assert card.check() is False and "Choose an answer" in card.feedback
    admin = next(i for i, o in enumerate(card.question.options) if o.text.endswith(":user/admin"))
    card.choose(admin)
    assert card.check() is False
    assert card.feedback.startswith("Not quite.") and "still a resident" not in card.feedback
    assert "it is a resident" in card.result.value
    card.choose(card.question.correct[0])
    card.button.click()
    assert card.feedback.startswith("Right! An ARN ending in :root")


def test_answers_are_not_in_the_notebook_but_in_the_bank() -> None:
    """A chapter names questions by id; the right answer lives only in labkit's question bank."""
    from labkit.question_bank import question

    assert question("users-ci-identity").correct == [3]
    with pytest.raises(ValueError, match="known"):
        quiz("no-such-question")


def test_multiple_answer_question_needs_every_right_tick(answers_log) -> None:
    card = quiz("castle-who-is-an-iam-user").cards[0]
    assert card.question.kind == "multiple" and len(card.boxes) == 4
    assert card.question.correct == [1, 3]
    card.choose(1)
    assert card.check() is False and "You left out" in card.feedback
    card.choose(0, 1, 3)
    assert card.check() is False and "Identity Center" in card.feedback
    card.choose(1, 3)
    assert card.check() is True


def test_answers_are_recorded_for_the_journal(answers_log) -> None:
    from labkit.knowledge_log import Progress, progress

    card = quiz("users-ci-identity").cards[0]
    card.check()  # nothing chosen: not an answer, not recorded
    card.choose(0)
    card.check()
    card.choose(card.question.correct[0])
    card.check()
    assert progress(answers_log) == {"users-ci-identity": Progress(attempts=2, right=True)}


def test_quiz_works_when_the_cell_is_run_again() -> None:
    """Regression: the second labkit.widgets.quiz(...) in one kernel raised
    TypeError: 'module' object is not callable (the submodule was bound over the function)."""
    import subprocess
    import sys

    code = ("import labkit\n"
            "first = labkit.widgets.quiz('castle-root-arn')\n"
            "second = labkit.widgets.quiz('castle-root-arn')\n"
            "third = labkit.widgets.quiz('castle-root-arn', 'castle-whoami-permission')\n"
            "print(type(second).__name__, len(third.cards))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Quiz 2"


def test_no_widget_module_is_named_like_its_function() -> None:
    from labkit import widgets

    for name, module in widgets._HOME.items():
        assert module.rsplit(".", 1)[-1] != name


def test_every_chapter_has_three_to_five_knowledge_checks() -> None:
    from labkit.question_bank import all_questions, chapter_questions

    for chapter in ("00", "01", "02", "02b", "03", "03b", "04", "04b", "05", "05b", "06", "07", "07b"):
        assert 3 <= len(chapter_questions(chapter)) <= 5, chapter
    for q in all_questions():
        assert q.source, f"{q.id} names no source"
        assert all(o.feedback for o in q.options if not o.correct), q.id


def test_explain_a_client_error(capsys: pytest.CaptureFixture[str], iam) -> None:
    iam.create_user(UserName="alice-developer")
    with pytest.raises(ClientError) as caught:
        iam.create_user(UserName="alice-developer")
    labkit.explain(caught.value)
    out = capsys.readouterr().out
    assert out.startswith("EntityAlreadyExists (when calling CreateUser)")
    assert "User with name alice-developer already exists." in out
    assert "How to fix it:" in out


def test_explain_tells_mfa_failures_from_missing_permissions(capsys: pytest.CaptureFixture[str]) -> None:
    mfa = ClientError({"Error": {"Code": "AccessDenied", "Message": "MultiFactorAuthentication failed, "
                                 "unable to validate MFA code."}}, "GetSessionToken")
    labkit.explain(mfa)
    labkit.explain("AccessDenied")
    first, second = capsys.readouterr().out.split("AccessDenied\n")
    assert "MFA code did not match" in first
    assert "no policy allows" in second


def test_explain_a_console_error(capsys: pytest.CaptureFixture[str], lab: labkit.Lab) -> None:
    with pytest.raises(labkit.SignInFailed) as caught:
        labkit.Console(lab).sign_in(lab.account_id, "nobody", "wrong-password")
    labkit.explain(caught.value)
    out = capsys.readouterr().out
    assert out.startswith("SignInFailed\n")
    assert "never says which" in out


def test_explain_tells_python_errors_from_aws_answers(capsys: pytest.CaptureFixture[str]) -> None:
    labkit.explain(KeyError("AccessKey"))
    python = capsys.readouterr().out
    assert python.startswith("KeyError\n  Python says: 'AccessKey'") and "not from AWS" in python
    labkit.explain(NotImplementedError())
    assert "Replace `# YOUR CODE HERE`" in capsys.readouterr().out
    labkit.explain(labkit.RealAWSBlockedError("refused"))
    assert "labkit says: refused" in capsys.readouterr().out


@pytest.mark.parametrize("code", ["EntityAlreadyExists", "InvalidAuthenticationCode", "NoSuchEntity",
                                  "PasswordPolicyViolation", "AccessDenied", "InvalidClientTokenId",
                                  "SignInFailed", "MFACodeRequired"])
def test_explain_knows_the_course_errors(code: str) -> None:
    from labkit.explain import EXPLANATIONS

    assert code in EXPLANATIONS


@pytest.mark.parametrize("name", ["labkit.explain", "labkit.widgets.quiz_view",
                                  "labkit.widgets.authenticator_view", "labkit.question_bank",
                                  "labkit.knowledge_log"])
def test_docstring_examples(name: str) -> None:
    import doctest
    import importlib

    try:
        result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    finally:
        clock.unfreeze()
    assert result.attempted > 0 and result.failed == 0


def test_every_question_in_the_bank_is_asked_by_its_chapter() -> None:
    """Each chapter's notebook shows exactly the bank's questions of that chapter."""
    import json
    import re
    from pathlib import Path

    from labkit.question_bank import all_questions

    asked: dict[str, str] = {}
    for path in sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb")):
        chapter = path.name.split("-", 1)[0]
        for cell in json.loads(path.read_text())["cells"]:
            for call in re.findall(r"labkit\.widgets\.quiz\(([^)]*)\)", "".join(cell["source"])):
                asked.update({qid: chapter for qid in re.findall(r'"([^"]+)"', call)})
    assert asked == {q.id: q.chapter for q in all_questions()}
