"""A signature is good for a limited time, as on AWS: stale or early requests and expired
presigned URLs are refused with AWS's codes and texts (sources in labkit/realism/signature.py).

Every request here is signed by botocore's own signer; the signer's clock is shifted (as on a
laptop whose clock is wrong), never the sandbox's.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from collections.abc import Callable

import botocore.auth
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import labkit
from labkit.clock import clock
from tests.support.raw_http import send

ROOT = "arn:aws:iam::123456789012:root"
STAMP = r"\d{8}T\d{6}Z"

Shift = Callable[[float], None]


@pytest.fixture
def signer_clock(monkeypatch: pytest.MonkeyPatch) -> Shift:
    """``shift(seconds)``: botocore signs as if the machine's clock were that far off."""
    real = botocore.auth.get_current_datetime

    def shift(seconds: float) -> None:
        monkeypatch.setattr(botocore.auth, "get_current_datetime",
                            lambda remove_tzinfo=True: real(remove_tzinfo) + dt.timedelta(seconds=seconds))

    return shift


def _error(call: Callable[[], object]) -> dict[str, str]:
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]


def _open(lab: labkit.Lab, url: str) -> tuple[int, str]:
    return send(lab, "GET", url)


# -- IAM / STS (query API): SignatureDoesNotMatch, "Signature expired" / "not yet current" -------------

def test_a_request_signed_16_minutes_ago_has_expired(lab: labkit.Lab, signer_clock: Shift) -> None:
    signer_clock(-16 * 60)
    error = _error(lambda: lab.client("iam").create_user(UserName="mallory"))
    assert error["Code"] == "SignatureDoesNotMatch"
    expected = rf"Signature expired: ({STAMP}) is now earlier than ({STAMP}) \(({STAMP}) - 15 min\.\)"
    match = re.fullmatch(expected, error["Message"])
    assert match, error["Message"]
    signed, limit, now = (dt.datetime.strptime(t, "%Y%m%dT%H%M%SZ") for t in match.groups())
    assert now - limit == dt.timedelta(minutes=15)
    assert dt.timedelta(minutes=15) < now - signed < dt.timedelta(minutes=17)
    signer_clock(0)
    assert lab.client("iam").list_users()["Users"] == []  # nothing was created


def test_a_clock_running_ahead_is_not_yet_current(lab: labkit.Lab, signer_clock: Shift) -> None:
    signer_clock(16 * 60)
    error = _error(lambda: lab.client("sts").get_caller_identity())
    assert error["Code"] == "SignatureDoesNotMatch"
    expected = rf"Signature not yet current: {STAMP} is still later than {STAMP} \({STAMP} \+ 15 min\.\)"
    assert re.fullmatch(expected, error["Message"]), error["Message"]


def test_a_few_minutes_of_drift_either_way_is_fine(lab: labkit.Lab, signer_clock: Shift) -> None:
    for minutes in (-14, 14):
        signer_clock(minutes * 60)
        assert lab.client("sts").get_caller_identity()["Arn"] == ROOT


@pytest.mark.server_only("a separate aws program with its own slow clock; in-process, no other program "
                         "reaches the sandbox (the same check by boto3 runs on both)")
def test_the_aws_command_with_a_slow_clock(lab: labkit.Lab) -> None:
    """The real awscli driver, its botocore's clock 20 minutes slow: AWS's own sentence."""
    program = ("import datetime, sys, botocore.auth as auth\n"
               "real = auth.get_current_datetime\n"
               "auth.get_current_datetime = lambda remove_tzinfo=True: real(remove_tzinfo) - "
               "datetime.timedelta(minutes=20)\n"
               "from awscli.clidriver import main\n"
               "sys.exit(main())\n")
    done = subprocess.run([sys.executable, "-c", program, "sts", "get-caller-identity"], capture_output=True,
                          text=True, env={**os.environ, **lab.env}, timeout=120)
    assert done.returncode != 0
    assert re.search(r"An error occurred \(SignatureDoesNotMatch\) when calling the GetCallerIdentity "
                     rf"operation: Signature expired: {STAMP} is now earlier than {STAMP} "
                     rf"\({STAMP} - 15 min\.\)",
                     done.stderr), done.stderr


def test_a_presigned_sts_url_lives_15_minutes_whatever_it_says(lab: labkit.Lab, signer_clock: Shift) -> None:
    """STS ignores X-Amz-Expires (EKS tokens rely on it): an URL "expiring" after 1 s works for 15 min."""
    signer_clock(-10 * 60)
    url = lab.client("sts").generate_presigned_url("get_caller_identity", ExpiresIn=1, HttpMethod="GET")
    status, text = _open(lab, url)
    assert status == 200 and f"<Arn>{ROOT}</Arn>" in text, text
    signer_clock(-16 * 60)
    url = lab.client("sts").generate_presigned_url("get_caller_identity", ExpiresIn=3600, HttpMethod="GET")
    status, text = _open(lab, url)
    assert status == 403 and "<Code>SignatureDoesNotMatch</Code>" in text
    assert "<Message>Signature expired: " in text, text


def test_moving_the_sandbox_clock_does_not_make_fresh_requests_stale(lab: labkit.Lab) -> None:
    """Lessons and tests move the sandbox's clock to expire sessions; the signature check reads the
    machine's clock, as the signers do, so fresh requests still pass."""
    clock.freeze()
    clock.advance(3 * 86400)
    assert lab.client("sts").get_caller_identity()["Arn"] == ROOT
    clock.freeze(1_700_000_000)  # back in 2023
    assert lab.client("iam").list_users()["Users"] == []


def test_a_replayed_request_is_refused_after_15_minutes(lab: labkit.Lab) -> None:
    """A captured request (say, by a proxy) cannot be sent again later: its signed date goes stale."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = "Action=CreateUser&UserName=mallory&Version=2010-05-08"
    request = AWSRequest("POST", lab.endpoint_url + "/", data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    real = botocore.auth.get_current_datetime
    try:
        hour_ago = dt.timedelta(hours=1)
        botocore.auth.get_current_datetime = lambda remove_tzinfo=True: real(remove_tzinfo) - hour_ago
        SigV4Auth(Credentials(lab.root.access_key_id, lab.root.secret_access_key), "iam",
                  "us-east-1").add_auth(request)
    finally:
        botocore.auth.get_current_datetime = real
    status, text = send(lab, "POST", lab.endpoint_url + "/", body, dict(request.headers.items()))
    assert status == 403 and "Signature expired" in text
    assert lab.client("iam").list_users()["Users"] == []


# -- S3: RequestTimeTooSkewed, and presigned URLs that expire ------------------------------------------

def test_s3_says_request_time_too_skewed(lab: labkit.Lab, signer_clock: Shift) -> None:
    signer_clock(-20 * 60)
    error = _error(lambda: lab.client("s3").list_buckets())
    assert error["Code"] == "RequestTimeTooSkewed"
    assert error["Message"] == "The difference between the request time and the current time is too large."
    assert error["MaxAllowedSkewMilliseconds"] == "900000"
    assert re.fullmatch(STAMP, error["RequestTime"]) and error["ServerTime"].endswith("Z")


def test_an_s3_presigned_url_expires(lab: labkit.Lab, signer_clock: Shift) -> None:
    s3 = lab.client("s3", config=Config(signature_version="s3v4"))
    s3.create_bucket(Bucket="castle-archive")
    s3.put_object(Bucket="castle-archive", Key="plans.txt", Body=b"drawbridge")
    params = {"Bucket": "castle-archive", "Key": "plans.txt"}
    signer_clock(-10)  # made 10 s ago, valid for 5 s
    expired = s3.generate_presigned_url("get_object", Params=params, ExpiresIn=5)
    signer_clock(-20 * 60)  # made 20 min ago, valid for an hour: fine (no 15-minute rule here)
    long_lived = s3.generate_presigned_url("get_object", Params=params, ExpiresIn=3600)
    signer_clock(0)
    assert _open(lab, long_lived) == (200, "drawbridge")
    status, text = _open(lab, expired)
    assert status == 403, text
    assert "<Code>AccessDenied</Code><Message>Request has expired</Message>" in text
    assert "</Message><X-Amz-Expires>5</X-Amz-Expires>" in text
    assert re.search(r"<Expires>[\dT:-]+Z</Expires><ServerTime>[\dT:-]+Z</ServerTime>", text), text


def test_s3_presigned_urls_from_the_future_or_for_too_long(lab: labkit.Lab, signer_clock: Shift) -> None:
    s3 = lab.client("s3", config=Config(signature_version="s3v4"))
    s3.create_bucket(Bucket="castle-archive")
    params = {"Bucket": "castle-archive", "Key": "plans.txt"}
    signer_clock(3600)
    status, text = _open(lab, s3.generate_presigned_url("get_object", Params=params, ExpiresIn=60))
    assert status == 403, text
    assert "<Code>AccessDenied</Code><Message>Request is not yet valid</Message>" in text
    signer_clock(0)
    status, text = _open(lab, s3.generate_presigned_url("get_object", Params=params, ExpiresIn=604801))
    assert status == 400 and "<Code>AuthorizationQueryParametersError</Code>" in text, text
    assert "the given X-Amz-Expires must be less than 604800 seconds" in text
