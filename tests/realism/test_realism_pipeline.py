"""The request pipeline: hooks run in their declared order, the first answer wins, an AwsError
raised in a hook reaches the client in its protocol's shape, and the pipeline holds no per-action
``if`` chain."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

import labkit
from labkit.realism import hooks, pipeline
from labkit.realism.errors import AccessDenied, AwsError, NoSuchEntity
from labkit.realism.hooks import Call
from labkit.realism.wire import Response, query_response


@pytest.fixture
def registered() -> Iterator[list[hooks.Hook]]:
    """Hooks a test registers, removed afterwards whatever happens."""
    added: list[hooks.Hook] = []
    yield added
    for fn in added:
        hooks.unregister(fn)


def _users(names: list[str]) -> Response:
    members = [{"UserName": n, "UserId": "AIDA" + n.upper(), "Arn": f"arn:aws:iam::123456789012:user/{n}",
                "Path": "/", "CreateDate": "2026-01-01T00:00:00Z"} for n in names]
    return query_response("iam", "ListUsers", {"Users": members, "IsTruncated": False})


def test_hooks_run_in_order_and_the_first_answer_wins(lab: labkit.Lab, registered: list) -> None:
    ran: list[str] = []

    def checks(call: Call) -> None:
        ran.append("before")

    def passes(call: Call) -> None:
        ran.append("first answer hook: passes")

    def answers(call: Call) -> Response:
        ran.append("second answer hook: answers")
        return _users(["from-a-hook"])

    def never(call: Call) -> Response:
        ran.append("never")
        return _users(["too-late"])

    def service_wide(call: Call) -> None:
        ran.append(f"iam:* after ({call.event})")

    def corrects(call: Call) -> Response | None:
        ran.append("after")
        assert call.response is not None
        return call.response.with_body(call.response.body.replace(b"from-a-hook", b"corrected"))

    for stage, event, fn in (("before", "iam:ListUsers", checks), ("answer", "iam:ListUsers", passes),
                             ("answer", "iam:ListUsers", answers), ("answer", "iam:ListUsers", never),
                             ("after", "iam:*", service_wide), ("after", "iam:ListUsers", corrects)):
        getattr(hooks, stage)(event)(fn)
        registered.append(fn)
    # exact events first, then the service's own ("iam:*"), each in FEATURES order
    assert pipeline.ordered("after", "iam:ListUsers") == [corrects, service_wide]
    users = lab.client("iam").list_users()["Users"]
    assert [u["UserName"] for u in users] == ["corrected"]
    assert ran == ["before", "first answer hook: passes", "second answer hook: answers", "after",
                   "iam:* after (iam:ListUsers)"]


def test_feature_hooks_run_in_the_declared_order() -> None:
    """FEATURES decides the order, not the order modules happened to be imported in: root answers
    its own GetMFADevice before the passkey lookup for IAM users would refuse an empty user name."""
    from labkit.realism import mfa, root

    chain = pipeline.ordered("answer", "iam:GetMFADevice")
    assert chain.index(root.handle_root_self_call) < chain.index(mfa.get_user_passkey)
    for event in ("iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:DeleteUser"):
        for stage in ("before", "after"):
            ranks = [pipeline.FEATURES.index(inspect.getmodule(fn)) for fn in pipeline.ordered(stage, event)]
            assert ranks == sorted(ranks), (stage, event)


@pytest.mark.parametrize(("service", "event", "call", "shape"), [
    ("iam", "iam:ListUsers", lambda c: c.list_users(), "query XML"),
    ("cloudtrail", "cloudtrail:LookupEvents", lambda c: c.lookup_events(), "JSON"),
    ("s3", "s3:*", lambda c: c.list_buckets(), "S3 XML"),
])
def test_an_aws_error_raised_in_a_hook_reaches_the_client_in_its_protocol(
        lab: labkit.Lab, registered: list, service: str, event: str, call, shape: str) -> None:  # noqa: ANN001
    err: AwsError = NoSuchEntity("The user with name nobody cannot be found.") if service == "iam" else \
        AccessDenied(f"refused by a test hook ({shape})")

    def refuse(c: Call) -> None:
        raise err

    hooks.before(event)(refuse)
    registered.append(refuse)
    with pytest.raises(ClientError) as caught:
        call(lab.client(service))
    answer = caught.value.response
    assert (answer["Error"]["Code"], answer["Error"]["Message"]) == (err.code, err.message)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == err.status
    content_type = answer["ResponseMetadata"]["HTTPHeaders"]["content-type"]
    assert ("json" in content_type) == (shape == "JSON"), content_type
    # and the refusal is in the event history, as AWS records a refused call (not for S3's data reads)
    if service == "iam":
        events = lab.client("cloudtrail").lookup_events(MaxResults=1)["Events"]
        assert events[0]["EventName"] == "ListUsers"


def _per_action_ifs(source: str) -> list[str]:
    """``if`` tests that compare an action, operation or event with a literal (or literals)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        tests = [node.test] if isinstance(node, ast.If | ast.IfExp | ast.While) else []
        for test in tests:
            for cmp in [n for n in ast.walk(test) if isinstance(n, ast.Compare)]:
                names = {n.attr if isinstance(n, ast.Attribute) else getattr(n, "id", "")
                         for n in ast.walk(cmp) if isinstance(n, ast.Attribute | ast.Name)}
                literal = any(isinstance(n, ast.Constant) and isinstance(n.value, str) for n in ast.walk(cmp))
                if literal and names & {"action", "operation", "event", "Action"}:
                    found.append(ast.unparse(test))
    return found


def test_no_per_action_if_in_the_layer_or_the_pipeline() -> None:
    import labkit.realism as layer

    for module in (layer, pipeline):
        assert _per_action_ifs(inspect.getsource(module)) == [], module.__name__
    # the scan does see one (so this test can fail)
    assert _per_action_ifs('if req.action == "CreateUser":\n    pass\n') == ["req.action == 'CreateUser'"]
    assert _per_action_ifs('if action in {"A", "B"}:\n    pass\n')


@pytest.mark.parametrize("service", ["awsssoportal", "sso-oauth", "no-such-service"])
def test_a_signed_call_to_a_service_moto_lacks_gets_a_fast_501(lab: labkit.Lab, service: str) -> None:
    """A request signed for a service moto has no backend for is answered "not available" (501,
    which SDKs do not retry), not a ServiceFailure 500 from inside moto (which they retry)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from tests.support.raw_http import send

    request = AWSRequest(method="POST", url=lab.endpoint_url + "/", data=b"{}",
                         headers={"Content-Type": "application/json"})
    keys = Credentials(lab.env["AWS_ACCESS_KEY_ID"], lab.env["AWS_SECRET_ACCESS_KEY"])
    SigV4Auth(keys, service, "us-east-1").add_auth(request)
    status, body = send(lab, "POST", lab.endpoint_url + "/", b"{}", dict(request.headers))
    assert status == 501, body
    assert "NotImplemented" in body and f"{service}:" in body and "ServiceFailure" not in body
