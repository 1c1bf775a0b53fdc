"""The 2026 behaviours with no server and no socket (the browser edition's mode):
OIDC federation, the activity log, passkeys and centralized root access, in-process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import json, sys
    connects = []
    sys.addaudithook(lambda event, args: connects.append(str(args[1])) if event == "socket.connect" else None)
    import labkit

    out = {}
    lab = labkit.start(quiet=True, in_process=True)
    iam = lab.client("iam")
    iam.create_open_id_connect_provider(Url="https://token.actions.githubusercontent.com",
                                        ClientIDList=["sts.amazonaws.com"], ThumbprintList=["a" * 40])
    provider = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
             "Principal": {"Federated": provider},
             "Action": "sts:AssumeRoleWithWebIdentity",
             "Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub":
                                            "repo:castle-co/app:ref:refs/heads/main"}}}]}
    iam.create_role(RoleName="deploy", AssumeRolePolicyDocument=json.dumps(trust))
    answer = lab.client("sts").assume_role_with_web_identity(
        RoleArn="arn:aws:iam::123456789012:role/deploy", RoleSessionName="build-1",
        WebIdentityToken=lab.ci_token(repository="castle-co/app"))
    out["role"] = answer["AssumedRoleUser"]["Arn"]
    trail = lab.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "AssumeRoleWithWebIdentity"}])
    out["trail"] = trail["Events"][0]["Username"]
    session = labkit.Console(lab).sign_in_root(lab.root_email, lab.root_password)
    key = labkit.SecurityKey()
    session.register_passkey(key)
    out["passkey"] = labkit.Console(lab).sign_in_root(lab.root_email, lab.root_password, passkey=key).mfa
    lab.reset("organization")
    out["members"] = len(lab.client("organizations").list_accounts()["Accounts"])
    out["connects"] = connects
    print(json.dumps(out))
""")


def test_2026_behaviours_work_in_process_without_sockets(tmp_path) -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["role"] == "arn:aws:sts::123456789012:assumed-role/deploy/build-1"
    assert out["trail"] == "repo:castle-co/app:ref:refs/heads/main"
    assert out["passkey"] is True
    assert out["members"] == 3
    assert out["connects"] == []
