"""``!aws`` in a notebook labels the sandbox's own error texts, and only those.

The AWS command prints an error as ``An error occurred (Code) when calling ...: message``. When the
message is one the sandbox makes up (:mod:`labkit.sandbox_wording`), the learner sees one more line
saying so; an error in AWS's own words is printed exactly as the program prints it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from labkit.sandbox_wording import NOTE

SCRIPT = textwrap.dedent("""
    import contextlib, io, json
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    import labkit
    labkit.start(in_process=True, quiet=True)

    def cell(code):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            shell.run_cell(code)
        return printed.getvalue()

    cell("!aws iam update-account-password-policy --minimum-password-length 20")
    cell("!aws iam create-user --user-name alice")
    out = {
        "own": cell("!aws iam create-login-profile --user-name alice --password Short-pass-1"),
        "aws": cell("!aws iam get-user --user-name nobody"),
        "captured": list(shell.user_ns.get("x") or []) if cell(
            "x = !aws iam create-login-profile --user-name alice --password Short-pass-1") == "" else None,
    }
    print(json.dumps(out))
""")


def test_bang_aws_labels_only_the_sandboxs_own_texts() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LABKIT_"))}
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert "(PasswordPolicyViolation)" in out["own"] and "Password should have" in out["own"]
    assert out["own"].rstrip().endswith(f"Note: the message above is {NOTE}.")
    assert "(NoSuchEntity)" in out["aws"] and "Note:" not in out["aws"]
    # What a cell captures (`x = !aws ...`) is the program's output, unchanged: no note in the data.
    assert out["captured"] is not None and any("Password should have" in line for line in out["captured"])
    assert not any("Note:" in line for line in out["captured"])
