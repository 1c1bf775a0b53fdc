"""The path of one AWS request through the sandbox, step by step.

::

    unsigned hooks     a call whose credential is a token (AssumeRoleWithWebIdentity)
    identify           who signed it? (root / user / session; bad credentials end here)
    guards             a session in a member account, session limits, a bucket policy's Deny
    authorize          the caller's policies, as IAM evaluates them
    caller's name      "my keys": UserName defaults to the caller's own
    before hooks       a feature module's checks (raise an AwsError) or answers
    answer hooks       what moto lacks; else moto itself
    after hooks        corrections to moto's answer (a real QR code, true dates)
    record             the call in the event history, as CloudTrail records it

Each step is a small function; the behaviour of one action lives in the feature module that owns
it, registered with the decorators of :mod:`labkit.realism.hooks`. :data:`FEATURES` lists those
modules: their hooks run in this order (and, within a module, in the order they are written).
An :class:`~labkit.realism.errors.AwsError` raised by any step becomes AWS's error response here,
once, in the protocol the request came in (:func:`~labkit.realism.wire.error_response`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

from . import (
    authorize,
    bucket_policy,
    cloudtrail,
    hooks,
    identity_center,
    mfa,
    oidc,
    organizations,
    passwords,
    policy,
    root,
    sso_oidc,
    sso_portal,
    sts,
    users,
)
from .errors import AwsError
from .hooks import Call, Stage
from .identity import Principal, identify
from .state import AccountState
from .wire import AwsRequest, Response, error_response

__all__ = ["FEATURES", "GUARDS", "run"]

FEATURES = (organizations, passwords, root, users, mfa, sts, oidc, cloudtrail,
            identity_center, sso_oidc, sso_portal)
"""The feature modules whose hooks a request meets, in the order they run (today's order of
checks is behaviour: e.g. root's own GetMFADevice is answered before the passkey lookup)."""

Forward = Callable[[AwsRequest], Response]
Step = Callable[[Call], "Response | None"]

GUARDS: tuple[Step, ...] = (
    organizations.in_member_account,  # an AssumeRoot session acts in the member account, not here
    identity_center.in_member_account,  # so does a person's session of an Identity Center role
    sts.session_limits,               # what GetSessionToken's credentials may not call
    bucket_policy.refusal,            # a bucket policy's Deny binds root too
    authorize.authorize,              # AccessDenied unless the caller's policies allow it
    users.name_the_caller,            # "my keys": UserName defaults to the caller's own
    root.name_required,               # ... but root must name the user
    authorize.known_managed_policy,   # an AWS managed policy exists once it is named
)
"""The steps every identified call passes before its own hooks: each returns None to go on, a
response to answer, or raises an AwsError."""


def _rank(fn: Callable[..., Any]) -> int:
    module = sys.modules.get(getattr(fn, "__module__", ""))
    return FEATURES.index(module) if module in FEATURES else len(FEATURES)


def ordered(stage: Stage, event: str) -> list[hooks.Hook]:
    """The hooks for ``event`` at ``stage``, exact event first, each group in :data:`FEATURES` order
    (hooks of modules not listed run last, in the order they registered)."""
    service = event.split(":", 1)[0]
    exact, wildcard = hooks.registered(stage, event), hooks.registered(stage, f"{service}:*")
    return sorted(exact, key=_rank) + sorted(wildcard, key=_rank)


def _first_answer(call: Call, chain: Sequence[Step]) -> Response | None:
    for step in chain:
        answered = step(call)
        if answered is not None:
            return answered
    return None


def run(req: AwsRequest, state: AccountState, forward: Forward) -> Response:
    """Answer one request; ``forward`` lets moto answer it."""
    req.environ.pop("HTTP_X_MOTO_ACCOUNT_ID", None)  # moto's account switch is the sandbox's alone
    unsigned = hooks.unsigned_handlers(req.service, req.operation)
    if unsigned:
        answered = _unsigned(Call(req, None, state, forward=forward), unsigned)
        if answered is not None:
            return answered
    try:
        principal = identify(state, req)
    except AwsError as err:  # bad credentials: answered, and not recorded (no one is identified)
        return error_response(req, err)
    call = Call(req, principal, state, forward=forward)
    try:
        resp = serve(call, forward)
    except AwsError as err:
        resp = error_response(req, err)
    record(call, resp)
    return resp


def _unsigned(call: Call, chain: Sequence[Step]) -> Response | None:
    """A call whose token is its credential: answered (and recorded) before anyone is identified;
    None lets it go on to be identified as any other."""
    try:
        resp = _first_answer(call, chain)
    except AwsError as err:
        resp = error_response(call.req, err)
    if resp is None:
        return None
    cloudtrail.record_unsigned(call.state.trail, call.req, resp)
    return resp


def serve(call: Call, forward: Forward) -> Response:
    """The identified call's answer: guards, before hooks, an answer (hooks or moto), after hooks."""
    answered = _first_answer(call, GUARDS)
    if answered is not None:
        return answered
    answered = _first_answer(call, ordered("before", call.event))
    if answered is not None:
        return answered
    call.response = _first_answer(call, ordered("answer", call.event)) or forward(call.req)
    for fix in ordered("after", call.event):
        fixed = fix(call)
        if fixed is not None:
            call.response = fixed
    return call.response


def record(call: Call, resp: Response) -> None:
    """Write the call into the event history: the management account's, or for an AssumeRoot
    session the member account's (as its root). The graders' checks leave no trace."""
    state: AccountState = call.state
    principal: Principal = call.principal
    req = call.req
    if req.access_key == state.auditor.access_key_id:
        return
    trail = organizations.trail_of(state, principal)
    if trail is None:
        return
    action, _ = policy.action_and_resource(req, principal.arn)
    cloudtrail.record_call(trail, req, principal, action, resp)

