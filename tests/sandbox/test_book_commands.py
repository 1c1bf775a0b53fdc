"""The book's commands, exactly as printed (backslash line breaks included), run as written.

Two places a learner pastes them: a terminal (bash, with the ``export`` lines of
``labkit serve``) and a notebook cell starting with ``!``. Both must reach the sandbox
and give AWS's answers: the users are created, and the book's made-up MFA codes are
refused with ``InvalidAuthenticationCode`` -- until real codes replace them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from jupyter_client.manager import start_new_kernel

import labkit
from labkit.authenticator import Authenticator

BIN = Path(sys.executable).parent

CREATE_USER = "aws iam create-user --user-name alice-developer"
CREATE_LOGIN_PROFILE = """aws iam create-login-profile \\
--user-name alice-developer \\
--password TempPassword123! \\
--password-reset-required"""
ENABLE_MFA = """aws iam enable-mfa-device \\
--user-name alice-developer \\
--serial-number arn:aws:iam::123456789012:mfa/alice \\
--authentication-code1 123456 \\
--authentication-code2 789012"""
REFUSED = ("An error occurred (InvalidAuthenticationCode) when calling the EnableMFADevice operation: "
           "Authentication code for device is not valid.")


def _bash(script: str, lab: labkit.Lab) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **lab.env, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.server_only("bash and the aws program in a terminal reach only a server")
def test_book_commands_verbatim_in_a_terminal(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    done = _bash(f"{CREATE_USER}\n{CREATE_LOGIN_PROFILE}\n", lab)
    assert done.returncode == 0, done.stderr
    assert iam.get_login_profile(UserName="alice-developer")["LoginProfile"]["PasswordResetRequired"] is True

    # before the device exists: AWS does not know the serial number
    missing = _bash(ENABLE_MFA, lab)
    assert missing.returncode != 0 and "(NoSuchEntity)" in missing.stderr

    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    refused = _bash(ENABLE_MFA, lab)
    assert refused.returncode != 0 and REFUSED in refused.stderr
    assert iam.list_mfa_devices(UserName="alice-developer")["MFADevices"] == []

    code1, code2 = Authenticator(device["Base32StringSeed"]).pair()
    real = ENABLE_MFA.replace("code1 123456", f"code1 {code1}").replace("code2 789012", f"code2 {code2}")
    enabled = _bash(real, lab)
    assert enabled.returncode == 0, enabled.stderr
    assert [d["SerialNumber"] for d in iam.list_mfa_devices(UserName="alice-developer")["MFADevices"]] == \
        ["arn:aws:iam::123456789012:mfa/alice"]


def test_book_commands_verbatim_in_a_notebook_cell() -> None:
    """``!`` + the book's lines in a real kernel: IPython joins the backslash-continued lines."""
    manager, client = start_new_kernel(kernel_name="python3", stderr=subprocess.DEVNULL)
    try:
        def run(code: str) -> str:
            reply_output: list[str] = []
            msg_id = client.execute(code)
            while True:
                msg = client.get_iopub_msg(timeout=60)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                kind, content = msg["msg_type"], msg["content"]
                if kind == "stream":
                    reply_output.append(content["text"])
                elif kind == "error":
                    raise AssertionError("\n".join(content["traceback"]))
                elif kind == "status" and content["execution_state"] == "idle":
                    return "".join(reply_output)

        run("import labkit\nlab = labkit.start(quiet=True)")
        created = run(f"!{CREATE_USER}\n!{CREATE_LOGIN_PROFILE}")
        assert '"UserName": "alice-developer"' in created and '"PasswordResetRequired": true' in created
        run('device = lab.client("iam").create_virtual_mfa_device(VirtualMFADeviceName="alice")')
        assert REFUSED in run(f"!{ENABLE_MFA}")
        devices = run('import json\nprint(json.dumps(lab.client("iam").list_mfa_devices('
                      'UserName="alice-developer")["MFADevices"]))')
        assert json.loads(devices) == []
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
