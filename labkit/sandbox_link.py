"""A :class:`labkit.Lab`'s hold on its sandbox: requests through a transport, and the owner's powers.

* :class:`SandboxLink` -- a sandbox served elsewhere: its control endpoints need the admin
  token (a notebook being graded holds none, so it cannot reset the grader's sandbox);
* :class:`OwnedLink` -- the sandbox this process started: reset and the auditor's key are
  plain method calls, no request needed.

:class:`labkit.Lab` calls the same methods on either and never asks which it holds.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .sandbox_core import Sandbox
    from .transports import Transport

__all__ = ["SandboxLink", "OwnedLink"]


class SandboxLink:
    """The road to a sandbox (``transport``) and the secrets this client holds for it."""

    sandbox: Sandbox | None = None
    """The sandbox itself, when this process runs it (see :class:`OwnedLink`)."""

    def __init__(self, transport: Transport, admin_token: str | None, owner_token: str | None) -> None:
        self.transport = transport
        self.admin_token = admin_token
        self.owner_token = owner_token

    def call(self, method: str, path: str, data: dict[str, Any] | None = None,
             headers: dict[str, str] | None = None) -> dict[str, Any]:
        """A JSON request to the sandbox; an error answer comes back with its ``status``."""
        body = json.dumps(data or {}).encode() if method == "POST" else None
        all_headers = {"Content-Type": "application/json", "X-Labkit-Token": self.owner_token or "",
                       **(headers or {})}
        status, payload = self.transport.request(method, path, body, all_headers)
        result: dict[str, Any] = json.loads(payload or b"{}")
        if status >= 400:
            result.setdefault("status", status)
        return result

    def admin(self, action: str, data: dict[str, Any]) -> dict[str, Any]:
        """Call the control endpoint ``/labkit/admin/<action>`` (needs the admin token)."""
        if not self.admin_token:
            raise PermissionError(
                "This notebook is attached to a sandbox it does not own (for example while "
                f"it is being graded), so it cannot {action} it."
            )
        result = self.call("POST", f"/labkit/admin/{action}", data, {"X-Labkit-Admin": self.admin_token})
        if "error" in result:
            raise RuntimeError(result["error"])
        return result

    def reset(self, root_key_id: str, root_secret: str) -> dict[str, str]:
        """A brand-new account with this root key: root's keys, e-mail and password."""
        return dict(self.admin("reset", {"root_access_key_id": root_key_id,
                                         "root_secret_access_key": root_secret})["root"])

    def auditor(self) -> tuple[str, str]:
        """The auditor's access key id and secret."""
        data = self.admin("auditor", {})
        return data["access_key_id"], data["secret_access_key"]

    def stop(self) -> None:
        """Stop the transport (one that serves nothing does nothing)."""
        self.transport.stop()


class OwnedLink(SandboxLink):
    """The link to a sandbox this process runs, served by ``transport``."""

    def __init__(self, sandbox: Sandbox, transport: Transport) -> None:
        super().__init__(transport, sandbox.admin_token, sandbox.owner_token)
        self.sandbox = self.own = sandbox

    def reset(self, root_key_id: str, root_secret: str) -> dict[str, str]:
        """A brand-new account with this root key (no request: the sandbox is here)."""
        return self.own.reset(root_key_id, root_secret)

    def auditor(self) -> tuple[str, str]:
        """The auditor's access key id and secret (no request: the sandbox is here)."""
        return self.own.auditor()
