"""The sandbox itself: moto's AWS behind the realism layer, and what its owner may do with it.

A :class:`Sandbox` is the account: its services (moto), the rules that make them behave like
real IAM (:class:`labkit.realism.RealismLayer`), its state and its reset. It knows nothing of
sockets: a transport (:mod:`labkit.transports`) serves it over TCP, a Unix socket or inside
this process, and :class:`labkit.Lab` is the learner's client to it::

    lab = labkit.start()
    lab.sandbox.reset()            # what lab.reset() does, without the client's side
    lab.sandbox.owner_token        # the secret the simulated console asks for
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .realism.wire import Response

__all__ = ["Sandbox"]


class Sandbox:
    """One in-memory AWS account (moto's state is process-wide: one sandbox per process)."""

    def __init__(self) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        from .realism import RealismLayer

        self.layer: Any = RealismLayer(DomainDispatcherApplication(create_backend_app))

    # -- what the owner may do ------------------------------------------------------
    def reset(self, root_key_id: str | None = None, root_secret: str | None = None) -> dict[str, str]:
        """A brand-new account whose root user has this access key (new random ones if None).

        Returns root's ``access_key_id``, ``secret_access_key``, ``email`` and ``password``.
        """
        return dict(self.layer.reset(root_key_id, root_secret))

    @property
    def admin_token(self) -> str:
        """The secret that opens the control endpoints (``/labkit/admin/...``)."""
        return str(self.layer.state.admin_token)

    @property
    def owner_token(self) -> str:
        """The secret that opens the simulated console (``/labkit/console/...``)."""
        return str(self.layer.state.owner_token)

    def auditor(self) -> tuple[str, str]:
        """The auditor's access key id and secret: root-equivalent, invisible in the account."""
        key = self.layer.state.auditor
        return key.access_key_id, key.secret_access_key

    def set_root_password(self, password: str) -> None:
        """Give the root user this console password (the grader's new one per submission)."""
        with self.layer.lock:
            self.layer.state.root.password = password

    def member_root_has_password(self, account_id: str) -> bool | None:
        """Whether member account ``account_id``'s root user has a password (None: no such member)."""
        root = self.layer.state.members.get(account_id)
        return None if root is None else root.password is not None

    # -- answering requests ---------------------------------------------------------
    def answer(self, environ: dict[str, Any]) -> Response:
        """The sandbox's answer to one request (a WSGI environ), with its Content-Length set."""
        from .realism.wire import Response

        resp = self.layer.handle(environ)
        headers = [(k, v) for k, v in resp.headers if k.lower() != "content-length"]
        return Response(resp.status, resp.body, [*headers, ("Content-Length", str(len(resp.body)))])

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        """The sandbox as a WSGI application (what the TCP and Unix-socket servers serve)."""
        resp = self.answer(environ)
        start_response(f"{resp.status} {HTTPStatus(resp.status).phrase}", list(resp.headers))
        return [resp.body]
