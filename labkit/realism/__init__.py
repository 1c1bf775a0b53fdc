"""The realism layer: what makes moto's in-memory AWS behave like real IAM.

Every request to the sandbox passes through :class:`RealismLayer`, a WSGI
middleware in front of moto's server app. A request's path::

    aws iam enable-mfa-device ...      (or boto3)
      -> sandbox endpoint on 127.0.0.1
      -> RealismLayer.route()          who is calling? (root / user / session)
           -> policy check             AccessDenied, as AWS words it
           -> realism handler          e.g. are the two MFA codes valid?
      -> moto                          stores the change
      -> realism post-processing       e.g. a real QR code in the response
      -> activity log                  the call, as CloudTrail records it (cloudtrail.py)

Beside moto's services the layer itself answers what moto lacks: the root user
(root.py), MFA-checked sessions (sts.py), OIDC federation for CI (oidc.py),
centralized root access in an organization (organizations.py), CloudTrail's
LookupEvents (cloudtrail.py), the simulated console (console_api.py,
passkeys.py) and IAM Identity Center (identity_center.py, sso_oidc.py,
sso_portal.py, portal_pages.py: hooks registered in hooks.py). Anything
neither can serve answers a fast 501 ``NotImplemented``.

The layer speaks only the AWS wire protocol on its outside, and touches moto's
internals only through :mod:`labkit.realism.moto_bridge`. See
``docs/differences.md`` for what still differs from real IAM.
"""

from __future__ import annotations

import threading
from http import HTTPStatus
from typing import Any

from . import (
    bucket_policy,
    cloudtrail,
    console_api,
    hooks,
    identity_center,
    mfa,
    oidc,
    organizations,
    passwords,
    policy,
    root,
    sso_oidc,  # noqa: F401  (registers its hooks)
    sso_portal,  # noqa: F401  (registers its hooks)
    sts,
    users,
)
from . import moto_bridge as mb
from .errors import AwsError
from .identity import Principal, identify
from .state import AccessKeyRecord, AccountState, RootUser, new_key_id, new_secret
from .wire import (
    AwsRequest,
    RequestTooLarge,
    Response,
    aws_error,
    collect,
    error_response,
    json_response,
    not_available,
    query_response,
    too_large,
)

__all__ = ["RealismLayer", "answering_here"]

_answering = threading.local()


def answering_here() -> bool:
    """True while this thread is answering a request for the sandbox.

    ``aws --debug`` run inside the kernel (:mod:`labkit.aws_in_kernel`) leaves out
    the log lines the sandbox's own botocore writes meanwhile: the program's log
    shows the program, as it does when the program runs on its own.
    """
    return getattr(_answering, "depth", 0) > 0

# Calls that act on "me" when no UserName is given.
SELF_SERVICE = {
    "GetUser", "ListAccessKeys", "CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey",
    "ListMFADevices", "GetLoginProfile", "ListSigningCertificates", "ListSSHPublicKeys",
    "CreateLoginProfile", "DeleteLoginProfile", "DeactivateMFADevice", "GetMFADevice",
}
# Calls AWS allows without any permission.
NO_PERMISSION_NEEDED = {"sts:GetCallerIdentity", "sts:GetSessionToken"}


class RealismLayer:
    """WSGI middleware: real IAM behaviour in front of ``moto_app``."""

    def __init__(self, moto_app: Any) -> None:
        self.moto_app = moto_app
        self.state = AccountState()
        self.lock = threading.RLock()

    def reset(self, root_key_id: str | None = None, root_secret: str | None = None,
              enforce: bool = True) -> dict[str, str]:
        """A brand-new account: every service emptied, a root user with one access key."""
        with self.lock:
            mb.reset_all()
            key = AccessKeyRecord(root_key_id or new_key_id(), root_secret or new_secret())
            self.state = AccountState(root=RootUser(keys=[key]), enforce=enforce,
                                      admin_token=self.state.admin_token, owner_token=self.state.owner_token,
                                      auditor=self.state.auditor)
            return {"access_key_id": key.access_key_id, "secret_access_key": key.secret_access_key,
                    "email": self.state.root.email, "password": self.state.root.password}

    # -- WSGI -----------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        resp = self.handle(environ)
        headers = [(k, v) for k, v in resp.headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(resp.body))))
        start_response(f"{resp.status} {HTTPStatus(resp.status).phrase}", headers)
        return [resp.body]

    def handle(self, environ: dict[str, Any]) -> Response:
        _answering.depth = getattr(_answering, "depth", 0) + 1
        try:
            return self._handle(environ)
        finally:
            _answering.depth -= 1

    def _handle(self, environ: dict[str, Any]) -> Response:
        try:
            req = AwsRequest.from_environ(environ)
        except RequestTooLarge as err:
            return too_large(err)
        with self.lock:
            if req.path.startswith("/labkit/"):
                return console_api.handle(self, req)
            if req.path.startswith("/moto-api"):
                return json_response({"error": "moto's own API is closed in the sandbox"}, 403)
            try:
                return self.route(req)
            except NotImplementedError:  # moto lacks it: say so at once (a 500 would be retried)
                return not_available(req)
            except Exception as exc:  # never let a realism bug kill the server
                return aws_error(req, "ServiceFailure", f"Sandbox error: {exc!r}", 500)

    # -- the request path ------------------------------------------------------
    def route(self, req: AwsRequest) -> Response:
        req.environ.pop("HTTP_X_MOTO_ACCOUNT_ID", None)  # moto's account switch: the layer's alone
        if not req.access_key:  # calls whose credential is a token (the Identity Center portal, OIDC)
            for hook in hooks.handlers("unsigned", f"{req.service}:{req.action}"):
                answered = _run_hook(hook, hooks.Call(req, None, self.state))
                if answered is not None:
                    return answered
        if req.action == "AssumeRoleWithWebIdentity":  # the token is the credential, signed or not
            answer = oidc.assume_role_with_web_identity(req, self.state)
            cloudtrail.record_web_identity(self.state.trail, req, answer)
            return answer
        who = identify(self.state, req)
        if isinstance(who, Response):
            return who
        principal: Principal = who
        resp = self.serve(req, principal)
        if req.access_key == self.state.auditor.access_key_id:  # checks: no trace
            return resp
        action, _ = policy.action_and_resource(req, principal.arn)
        if principal.made_by == "GetRoleCredentials":  # an Identity Center session: the member's trail
            member = organizations.member_root(self.state, principal.arn.split(":")[4])
            if member is not None:
                cloudtrail.record_call(member.trail, req, principal, action, resp)
            return resp
        if principal.made_by == "AssumeRoot":  # recorded in the member's own trail, as its root
            member = organizations.member_root(self.state, principal.arn.split(":")[4])
            if member is not None:
                cloudtrail.record_call(member.trail, req, principal, action, resp)
            return resp
        cloudtrail.record_call(self.state.trail, req, principal, action, resp)
        return resp

    def serve(self, req: AwsRequest, principal: Principal) -> Response:
        """Answer one request from an identified caller."""
        service, action = req.service, req.action
        if principal.made_by == "AssumeRoot":
            return organizations.member_root_call(req, self.state.sessions[req.access_key or ""], self.state)
        if principal.made_by == "GetRoleCredentials":  # IAM Identity Center: a role in a member account
            return identity_center.member_session_call(req, principal, self)
        limited = sts.session_limits(req, principal)
        if limited is not None:
            return limited

        if service == "sts" and action == "GetCallerIdentity":
            return sts.get_caller_identity(principal)
        if service == "sts" and action == "GetSessionToken":
            return sts.get_session_token(req, principal, self.state)

        if service == "s3":  # a bucket policy's Deny binds root too (but for the policy itself)
            refused = bucket_policy.refusal(req, principal)
            if refused is not None:
                return refused

        if service == "iam" and principal.is_root:
            answered = root.handle_root_self_call(req, self.state)
            if answered is not None:
                return answered

        if not principal.is_root and self.state.enforce:
            refused = self.authorize(req, principal)
            if refused is not None:
                return refused

        if service == "iam":
            return self.iam(req, principal)
        if service == "sts" and action == "AssumeRoot":
            return organizations.assume_root(req, principal, self.state)
        if service == "cloudtrail" and (req.header("X-Amz-Target") or "").endswith(".LookupEvents"):
            found = cloudtrail.lookup_events(self.state.trail, req)
            return found if isinstance(found, Response) else json_response(found)
        return self.forward_with_hooks(req, principal)

    def forward_with_hooks(self, req: AwsRequest, principal: Principal) -> Response:
        """moto's answer, with the registered hooks (:mod:`.hooks`) before and after it."""
        call = hooks.Call(req, principal, self.state)
        stages: tuple[hooks.Stage, ...] = ("before", "answer")
        for stage in stages:
            for hook in hooks.handlers(stage, call.event):
                answered = _run_hook(hook, call)
                if answered is not None:
                    return answered
        call.response = self.forward(req)
        for hook in hooks.handlers("after", call.event):
            changed = _run_hook(hook, call)
            if changed is not None:
                call.response = changed
        return call.response

    def authorize(self, req: AwsRequest, principal: Principal) -> Response | None:
        """AccessDenied unless the caller's policies allow this request."""
        action, resource = policy.action_and_resource(req, principal.arn)
        if action in NO_PERMISSION_NEEDED:
            return None
        if action == "iam:ChangePassword" and (mb.password_policy() or {}).get(
            "AllowUsersToChangePassword"
        ):
            return None
        context: dict[str, Any] = {
            "aws:username": principal.name,
            "aws:userid": principal.user_id,
            "aws:PrincipalType": "User",
            "aws:PrincipalArn": principal.arn,
        }
        documents = mb.policy_documents_for_user(principal.name)
        if principal.kind == "role":  # an assumed-role session: the role's policies
            role_arn = f"arn:aws:iam::{mb.ACCOUNT_ID}:role/{principal.name}"
            context = {"aws:userid": principal.user_id, "aws:PrincipalType": "AssumedRole",
                       "aws:PrincipalArn": role_arn}
            documents = mb.policy_documents_for_role(principal.name)
        if principal.mfa is not None:
            context["aws:MultiFactorAuthPresent"] = "true" if principal.mfa else "false"
        verdict = policy.evaluate(documents, action, resource, context)
        if verdict == "allow":
            return None
        denier = policy.denying_policy_arn(documents, action, resource, context) \
            if verdict == "explicit-deny" else None
        message = policy.denied_message(principal.arn, action, resource, verdict, denier)
        return aws_error(req, "AccessDenied", message, 403)

    def iam(self, req: AwsRequest, principal: Principal) -> Response:
        """IAM calls: realism checks before moto, corrections after."""
        action = req.action
        state = self.state
        if action in organizations.FEATURE_ACTIONS:
            return organizations.iam_feature_call(req, state)
        if principal.kind == "role" and action in SELF_SERVICE and "UserName" not in req.params:
            return aws_error(req, "ValidationError",
                             "Must specify userName when calling with non-User credentials", 400)
        if not principal.is_root and action in SELF_SERVICE and "UserName" not in req.params:
            req.set_params(UserName=principal.name)
        if principal.is_root and action in root.NAME_REQUIRED_FOR_ROOT and "UserName" not in req.params:
            return root.name_required(req)
        policy_arn = req.params.get("PolicyArn", "")
        if policy_arn.startswith("arn:aws:iam::aws:policy/"):
            mb.ensure_aws_managed_policy(policy_arn)

        if action == "ChangePassword":
            refused = passwords.change_password(req, principal, state)
            return refused or query_response("iam", action, None)
        if action == "GenerateCredentialReport":
            return root.generate_report(req, state)
        if action == "GetCredentialReport":
            return root.get_report(req, state)
        if action in ("GetLoginProfile", "UpdateLoginProfile", "DeleteLoginProfile"):
            missing = passwords.missing_login_profile(req)
            if missing is not None:
                return missing
        if action in ("CreateLoginProfile", "UpdateLoginProfile"):
            refused = passwords.before_login_profile(req, state)
            if refused is not None:
                return refused
        if action == "DeleteUser":
            refused = users.before_delete_user(req, state)
            if refused is not None:
                return refused
        passkey_aware = mfa.PASSKEY_AWARE.get(action)  # passkeys are MFA devices too
        if passkey_aware is not None:
            answered = passkey_aware(req, state)
            if answered is not None:
                return answered
        if action == "CreateUser":
            taken = mb.user_name_taken(req.params.get("UserName", ""))
            if taken:  # IAM names are unique regardless of case
                return aws_error(req, "EntityAlreadyExists", f"User with name {taken} already exists.", 409)
        if action in ("EnableMFADevice", "ResyncMFADevice"):
            refused = mfa.check_enable(req, state)
            if refused is not None:
                return refused
            if action == "ResyncMFADevice":  # codes checked: nothing to store (moto lacks it)
                return query_response("iam", action, None)

        resp = self.forward(req)

        if action == "CreateVirtualMFADevice":
            return mfa.after_create_virtual_device(req, resp)
        if action == "ListVirtualMFADevices":
            return mfa.after_list_virtual_devices(resp, state)
        if action in ("CreateLoginProfile", "UpdateLoginProfile"):
            resp = passwords.after_login_profile(req, resp, state)
        if action in ("CreateLoginProfile", "GetLoginProfile", "DeleteLoginProfile", "DeleteUser"):
            return passwords.login_profile_dates(req, resp, state)
        if action == "GetAccountSummary":
            return root.after_account_summary(resp, state)
        return resp

    def forward(self, req: AwsRequest) -> Response:
        """Let moto do the work (what moto has not implemented: a fast, clear 501)."""
        resp = collect(self.moto_app, _routed(req))
        if resp.status == 500 and b"NotImplemented" in resp.body:
            return not_available(req)
        html = any(k.lower() == "content-type" and "text/html" in v for k, v in resp.headers)
        if resp.status == 404 and html:  # a service moto does not have at all
            return not_available(req)
        return resp


def _run_hook(hook: hooks.Hook, call: hooks.Call) -> Response | None:
    """A hook's answer: its response, None, or the AWS error it raised."""
    try:
        return hook(call)
    except AwsError as err:
        return error_response(call.req, err)


def _routed(req: AwsRequest) -> dict[str, Any]:
    """The environ moto gets, naming the service the request was signed for.

    moto picks the service from the ``Authorization`` header; a presigned URL has none, and moto
    would answer it as S3 whatever it was signed for -- so an IAM-scoped URL with ``iam:Get*``
    could read S3 objects. The signature is checked by now, so this header only routes.
    """
    environ = req.wsgi_environ()
    if req.access_key and not environ.get("HTTP_AUTHORIZATION"):
        environ["HTTP_AUTHORIZATION"] = (
            f"AWS4-HMAC-SHA256 Credential={req.access_key}/19700101/{req.region}/{req.service}/aws4_request, "
            "SignedHeaders=host, Signature=routing-only"
        )
    return environ
