"""``labkit.start(in_process=True)``: the same realism layer with no server and no socket at all.

Runs in a fresh process (moto keeps its state per process), with an audit hook that records
every socket connection: there must be none. A separate ``aws`` program cannot reach such a
sandbox; ``aws`` run inside the process (what ``!aws`` does in a notebook) can.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent("""
    import io, json, os, socket, subprocess, sys
    connects = []
    sys.addaudithook(lambda event, args: connects.append(str(args[1])) if event == "socket.connect" else None)

    import boto3, labkit, zxingcpp
    from PIL import Image
    from botocore.exceptions import ClientError

    def error(call):
        try:
            call()
        except ClientError as err:
            return err.response["Error"]["Code"] + ": " + err.response["Error"]["Message"]
        return "no error"

    out = {}
    lab = labkit.start(in_process=True)
    iam = lab.client("iam")
    out["root"] = lab.client("sts").get_caller_identity()["Arn"]
    out["plain_boto3"] = boto3.client("sts").get_caller_identity()["Arn"]
    iam.create_user(UserName="alice-developer")
    iam.create_login_profile(UserName="alice-developer", Password="TempPassword123!",
                             PasswordResetRequired=True)
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    out["qr"] = zxingcpp.read_barcodes(Image.open(io.BytesIO(device["QRCodePNG"])))[0].text
    out["book_codes"] = error(lambda: iam.enable_mfa_device(
        UserName="alice-developer", SerialNumber=device["SerialNumber"],
        AuthenticationCode1="123456", AuthenticationCode2="789012"))
    code1, code2 = labkit.Authenticator(device["Base32StringSeed"]).pair()
    iam.enable_mfa_device(UserName="alice-developer", SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=code1, AuthenticationCode2=code2)
    out["devices"] = len(iam.list_mfa_devices(UserName="alice-developer")["MFADevices"])
    keys = labkit.Credentials.from_response(iam.create_access_key(UserName="alice-developer")["AccessKey"])
    out["denied"] = error(lambda: lab.client("iam", credentials=keys).list_users())
    try:
        labkit.Console(lab).sign_in(lab.account_id, "alice-developer", "TempPassword123!")
    except labkit.MFACodeRequired as err:
        out["console"] = str(err)
    s3 = lab.client("s3")
    s3.create_bucket(Bucket="castle-library")
    s3.put_object(Bucket="castle-library", Key="scroll.txt", Body=b"founded in 1042")
    out["s3"] = s3.get_object(Bucket="castle-library", Key="scroll.txt")["Body"].read().decode()
    lab.reset("inherited-account")
    from labkit.checks.scorecard import scorecard
    out["scorecard"] = [row.passed for row in scorecard(lab).rows]
    cli = subprocess.run(["aws", "sts", "get-caller-identity"], capture_output=True, text=True)
    out["cli"] = [cli.returncode, cli.stderr]
    from labkit import aws_in_kernel  # what `!aws` runs in a notebook: no program, so it gets there
    in_kernel = aws_in_kernel.run(["iam", "list-users", "--query", "Users[].UserName", "--output", "text"])
    out["in_kernel_cli"] = [in_kernel.status, in_kernel.output.decode()]
    lab.stop()
    out["connects"] = connects
    print(json.dumps(out))
""")


def test_in_process_sandbox_behaves_like_the_server_without_a_socket() -> None:
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env,
                          timeout=180)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["root"] == out["plain_boto3"] == "arn:aws:iam::123456789012:root"
    assert out["qr"].startswith("otpauth://totp/Amazon%20Web%20Services:alice@123456789012?")
    assert out["book_codes"] == "InvalidAuthenticationCode: Authentication code for device is not valid."
    assert out["devices"] == 1
    assert out["denied"].startswith("AccessDenied: User: arn:aws:iam::123456789012:user/alice-developer "
                                    "is not authorized to perform: iam:ListUsers")
    assert "enter the current MFA code" in out["console"]
    assert out["s3"] == "founded in 1042"
    assert out["scorecard"] == [False] * 7  # the inherited account, exactly as with the server
    code, stderr = out["cli"]
    assert code != 0 and "runs inside its kernel" in stderr
    assert out["in_kernel_cli"] == [0, "bob-ops\tcarol-finance\n"]  # the inherited account's users
    assert out["connects"] == [], "the in-process sandbox opened sockets"
