"""Where realism rules plug into a request: a registry of hooks by service and action.

A request to the sandbox reads as a pipeline (:mod:`labkit.realism.pipeline`)::

    identify -> authorize -> before-hooks -> moto (or the layer's own answer) -> after-hooks -> record

A feature module registers its own hooks for the actions it changes; the pipeline holds no
per-action ``if``. Event names are ``"<service>:<Action>"`` as in IAM policies
(``"iam:CreateLoginProfile"``); ``"iam:*"`` matches every IAM action. The model is botocore's
event emitter (``botocore/hooks.py``): handlers run in registration order and, for
``before`` and ``answer``, the first one that returns a response wins.

>>> from labkit.realism import hooks
>>> @hooks.before("iam:CreateUser")
... def no_bob(call):
...     if call.req.params.get("UserName") == "bob":
...         raise ValueError("no bob")
>>> no_bob in hooks.handlers("before", "iam:CreateUser")
True
>>> hooks.unregister(no_bob)

A hook gets one :class:`Call` (the request, its caller, the account's state and, after moto,
the response) and returns ``None`` to let the request go on, or a :class:`~.wire.Response`;
to refuse it raises an :class:`~.errors.AwsError`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .wire import AwsRequest, Response

__all__ = ["Call", "unsigned", "before", "after", "answer", "handlers", "unregister", "Stage",
           "unsigned_handlers", "registered"]

Stage = Literal["unsigned", "before", "answer", "after"]
Hook = Callable[["Call"], "Response | None"]


@dataclass
class Call:
    """One request in flight: what a hook reads and may change.

    ``principal`` is ``None`` for the few calls AWS takes unsigned (a web-identity token, the
    Identity Center portal's bearer token); ``response`` is set for ``after`` hooks.
    """

    req: AwsRequest
    principal: Any
    state: Any
    response: Response | None = None
    forward: Callable[[AwsRequest], Response] | None = None  # moto's answer (set by the pipeline)

    def moto(self, req: AwsRequest | None = None) -> Response:
        """moto's answer to ``req`` (default: this call's request), for a hook that must ask it."""
        if self.forward is None:
            raise RuntimeError("this call was made outside the request pipeline: moto cannot answer it")
        return self.forward(req or self.req)

    @property
    def event(self) -> str:
        """``"<service>:<Operation>"``: the query ``Action`` or the JSON ``X-Amz-Target``'s operation."""
        return f"{self.req.service}:{self.req.operation}"


_REGISTRY: dict[Stage, dict[str, list[Hook]]] = {"unsigned": {}, "before": {}, "answer": {}, "after": {}}


def _register(stage: Stage, events: tuple[str, ...]) -> Callable[[Hook], Hook]:
    def decorate(fn: Hook) -> Hook:
        for event in events:
            _REGISTRY[stage].setdefault(event, []).append(fn)
        return fn
    return decorate


def unsigned(*events: str) -> Callable[[Hook], Hook]:
    """Answer a call AWS takes without a signature, before anyone is identified (``call.principal``
    is None): a web-identity token (``sts:AssumeRoleWithWebIdentity``), the Identity Center OIDC
    service and portal (``sso-oauth:CreateToken``, ``sso:GetRoleCredentials``), whose credential is
    the token itself."""
    return _register("unsigned", events)


def before(*events: str) -> Callable[[Hook], Hook]:
    """Run before moto: check the request (raise an AwsError) or answer it (return a Response)."""
    return _register("before", events)


def answer(*events: str) -> Callable[[Hook], Hook]:
    """Answer in moto's place (what moto lacks), after the before-hooks let the request through."""
    return _register("answer", events)


def after(*events: str) -> Callable[[Hook], Hook]:
    """Run after moto: correct or complete ``call.response`` (return the new one, or None)."""
    return _register("after", events)


def handlers(stage: Stage, event: str) -> list[Hook]:
    """The hooks for ``event`` at ``stage``, the exact event's first, then ``service:*``'s."""
    service = event.split(":", 1)[0]
    table = _REGISTRY[stage]
    return [*table.get(event, []), *table.get(f"{service}:*", [])]


def registered(stage: Stage, event: str) -> list[Hook]:
    """The hooks registered for exactly ``event`` (``"iam:*"`` for the service's own), in order."""
    return list(_REGISTRY[stage].get(event, []))


def unsigned_handlers(service: str, operation: str) -> list[Hook]:
    """The ``unsigned`` hooks for a request that may name no service: an unsigned request has no
    credential scope to name it, so with ``service`` empty the operation alone picks the hooks."""
    if service:
        return handlers("unsigned", f"{service}:{operation}")
    return [fn for event, hooks in _REGISTRY["unsigned"].items()
            if event.split(":", 1)[1] == operation for fn in hooks]


def unregister(fn: Hook) -> None:
    """Remove ``fn`` wherever it is registered (tests use this)."""
    for table in _REGISTRY.values():
        for hooks in table.values():
            while fn in hooks:
                hooks.remove(fn)
