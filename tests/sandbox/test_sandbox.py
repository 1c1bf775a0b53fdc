"""The sandbox contract: start, clients, `aws`, reset, stop, many kernels at once."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import textwrap
from urllib.parse import urlsplit

import boto3
import pytest

import labkit
from tests.support.raw_http import send


@pytest.mark.server_only("labkit.start() returns the kernel's one sandbox, the server here")
def test_start_returns_the_running_lab(lab: labkit.Lab) -> None:
    again = labkit.start(quiet=True)
    assert again is lab
    assert lab.account_id == "123456789012"
    assert urlsplit(lab.endpoint_url).hostname == "127.0.0.1"
    assert urlsplit(lab.endpoint_url).port not in (None, 5000)  # an OS-chosen port
    for name, value in lab.env.items():
        assert os.environ[name] == value


def test_all_three_doors_reach_the_sandbox(lab: labkit.Lab, aws_cli) -> None:
    lab.client("iam").create_user(UserName="via-lab-client")
    boto3.client("iam").create_user(UserName="via-plain-boto3")
    aws_cli("iam", "create-user", "--user-name", "alice-developer")
    names = {u["UserName"] for u in lab.client("iam").list_users()["Users"]}
    assert names == {"via-lab-client", "via-plain-boto3", "alice-developer"}


@pytest.mark.server_only("a separate program reaches only a server")
def test_cli_env_is_enough_for_a_subprocess(lab: labkit.Lab) -> None:
    exe = os.path.join(os.path.dirname(sys.executable), "aws")
    out = subprocess.run([exe, "sts", "get-caller-identity"], env={**os.environ, **lab.env},
                         capture_output=True, text=True, check=True, timeout=60)
    assert json.loads(out.stdout)["Arn"] == "arn:aws:iam::123456789012:root"


def test_reset_gives_a_brand_new_account(lab: labkit.Lab, aws_cli) -> None:
    iam = lab.client("iam")
    iam.create_user(UserName="alice-developer")
    iam.update_account_password_policy(MinimumPasswordLength=20)
    lab.reset()
    assert iam.list_users()["Users"] == []
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_account_password_policy()
    # the same root credentials keep working, for boto3 and the CLI
    assert json.loads(aws_cli("sts", "get-caller-identity").stdout)["Arn"].endswith(":root")


def test_reset_restores_roots_key_even_after_it_was_deleted(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    key_id = iam.list_access_keys()["AccessKeyMetadata"][0]["AccessKeyId"]
    iam.delete_access_key(AccessKeyId=key_id)
    with pytest.raises(iam.exceptions.ClientError, match="InvalidClientTokenId"):
        iam.list_users()
    lab.reset()
    assert iam.list_users()["Users"] == []


def test_stop_frees_the_port_and_start_makes_a_new_sandbox() -> None:
    code = textwrap.dedent("""
        import socket, labkit
        from urllib.parse import urlsplit
        lab = labkit.start(quiet=True)
        port = urlsplit(lab.endpoint_url).port
        lab.client("iam").create_user(UserName="before-stop")
        lab.stop()
        s = socket.socket()
        refused = s.connect_ex(("127.0.0.1", port)) != 0
        lab2 = labkit.start(quiet=True)
        assert lab2 is not lab
        print(refused, lab2.client("iam").list_users()["Users"])
        lab2.stop()
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True []"


def test_two_kernels_have_two_private_sandboxes() -> None:
    code = textwrap.dedent("""
        import json, sys, time, labkit
        lab = labkit.start(quiet=True)
        lab.client("iam").create_user(UserName=sys.argv[1])
        time.sleep(1.0)   # both sandboxes are up at the same time
        users = [u["UserName"] for u in lab.client("iam").list_users()["Users"]]
        print(json.dumps({"endpoint": lab.endpoint_url, "users": users}))
    """)
    procs = [subprocess.Popen([sys.executable, "-c", code, name], stdout=subprocess.PIPE, text=True)
             for name in ("knight", "scribe")]
    results = [json.loads(p.communicate(timeout=120)[0]) for p in procs]
    assert results[0]["endpoint"] != results[1]["endpoint"]
    assert results[0]["users"] == ["knight"]
    assert results[1]["users"] == ["scribe"]


def test_server_binds_loopback_only(lab: labkit.Lab) -> None:
    port = urlsplit(lab.endpoint_url).port
    assert port is not None
    addresses = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)}
    for address in addresses - {"127.0.0.1", "::1", "127.0.1.1"}:
        with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as s:
            s.settimeout(1)
            assert s.connect_ex((address, port)) != 0, f"sandbox reachable on {address}"


def test_moto_internal_api_is_closed(lab: labkit.Lab) -> None:
    status, text = send(lab, "POST", lab.endpoint_url + "/moto-api/reset", b"")
    assert status == 403, text


@pytest.mark.server_only("a second Lab reaches the sandbox by its URL: only a server has one")
def test_admin_endpoints_need_the_token(lab: labkit.Lab) -> None:
    stranger = labkit.Lab(lab.endpoint_url, admin_token="wrong")
    with pytest.raises(RuntimeError, match="admin token"):
        stranger.admin("reset")
    attached = labkit.Lab(lab.endpoint_url, admin_token=None)
    with pytest.raises(PermissionError, match="does not own"):
        attached.reset()


def test_castle_map_shows_who_holds_which_keys(lab: labkit.Lab) -> None:
    iam = lab.client("iam")
    iam.create_user(UserName="alice-developer")
    iam.create_login_profile(UserName="alice-developer", Password="TempPassword123!",
                             PasswordResetRequired=True)
    html = lab._repr_html_()
    assert "root (master key)" in html
    assert "alice-developer" in html and "must reset" in html
    # Yes/no in words beside the glyphs, which screen readers skip (WCAG 1.1.1, 1.4.1).
    (alice,) = [row for row in html.split("<tr>") if "alice-developer" in row]
    cells = re.findall(r"<td>(.*?)</td>", alice)
    words = [re.sub(r'<span aria-hidden="true">[^<]*</span>\s*', "", c) for c in cells]
    assert words[1:4] == ["yes (must reset)", "no", "none"], cells


@pytest.mark.server_only("labkit.start() returns the kernel's one sandbox, the server here")
def test_naming_a_scenario_again_resets_and_says_so(lab: labkit.Lab, capsys) -> None:  # noqa: ANN001
    lab.client("iam").create_user(UserName="leftover")
    again = labkit.start("new-account")
    assert again is lab
    assert "IAM castle sandbox reset to a fresh account: account 123456789012" in capsys.readouterr().out
    assert lab.client("iam").list_users()["Users"] == []
    assert labkit.start() is lab and capsys.readouterr().out == ""  # no scenario: untouched, silent
