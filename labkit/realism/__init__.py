"""The realism layer: what makes moto's in-memory AWS behave like real IAM.

Every request to the sandbox passes through :class:`RealismLayer`, a WSGI
middleware in front of moto's server app. The layer holds the account's state
and a lock; the request itself goes down a declared pipeline
(:mod:`labkit.realism.pipeline`)::

    aws iam enable-mfa-device ...      (or boto3)
      -> sandbox endpoint on 127.0.0.1
      -> RealismLayer                  one request at a time
      -> pipeline.run()
           identify                    who is calling? (root / user / session)
           guards, authorize           AccessDenied, as AWS words it
           before hooks                e.g. are the two MFA codes valid?     (mfa.py)
           answer hooks, or moto       what moto lacks / moto stores the change
           after hooks                 e.g. a real QR code in the response   (mfa.py)
           record                      the call, as CloudTrail records it    (cloudtrail.py)

A feature module registers its hooks for the actions it changes
(:mod:`labkit.realism.hooks`); a refusal is an :class:`~labkit.realism.errors.AwsError`
raised where it is decided and serialized once, in the request's protocol.
Beside moto's services the layer itself answers what moto lacks: the root user
(root.py), MFA-checked sessions (sts.py), OIDC federation for CI (oidc.py),
centralized root access in an organization (organizations.py), CloudTrail's
LookupEvents (cloudtrail.py) and, under ``/labkit/`` (endpoints.py), the
simulated console (console_api.py, passkeys.py), the control endpoints
(control_api.py) and the CI token issuer (ci_issuer.py). Anything neither can
serve answers a fast 501 ``NotImplemented``.

The layer speaks only the AWS wire protocol on its outside, and touches moto's
internals only through :mod:`labkit.realism.moto_bridge`. See
``docs/differences.md`` for what still differs from real IAM.
"""

from __future__ import annotations

import threading
from http import HTTPStatus
from typing import Any

from . import endpoints, pipeline
from . import moto_bridge as mb
from .errors import ServiceFailure
from .state import AccessKeyRecord, AccountState, RootUser, new_key_id, new_secret
from .wire import (
    AwsRequest,
    RequestTooLarge,
    Response,
    collect,
    error_response,
    json_response,
    not_available,
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
                return endpoints.handle(self, req)
            if req.path.startswith("/moto-api"):
                return json_response({"error": "moto's own API is closed in the sandbox"}, 403)
            try:
                return pipeline.run(req, self.state, self.forward)
            except NotImplementedError:  # moto lacks it: say so at once (a 500 would be retried)
                return not_available(req)
            except Exception as exc:  # never let a realism bug kill the server
                return error_response(req, ServiceFailure(f"Sandbox error: {exc!r}"))

    def forward(self, req: AwsRequest) -> Response:
        """Let moto do the work (what moto has not implemented: a fast, clear 501)."""
        environ = _routed(req)
        if not mb.has_backend(self.moto_app, environ):  # a service moto does not have at all
            return not_available(req)
        resp = collect(self.moto_app, environ)
        if resp.status == 500 and b"NotImplemented" in resp.body:
            return not_available(req)
        html = any(k.lower() == "content-type" and "text/html" in v for k, v in resp.headers)
        if resp.status == 404 and html:  # a service moto does not have at all
            return not_available(req)
        return resp


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
