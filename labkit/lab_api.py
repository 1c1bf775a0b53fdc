"""What the modules below :class:`labkit.Lab` may ask of it: a typing protocol, no code.

:mod:`labkit.scenarios` builds accounts, :mod:`labkit.castle_map` draws them and
:mod:`labkit.access_portal` signs people in through a ``Lab``, and ``Lab`` uses all three;
they name this protocol instead of ``Lab`` so that no import
runs in a circle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .credentials import Credentials

__all__ = ["LabApi"]


class LabApi(Protocol):
    """The part of :class:`labkit.Lab` that scenarios and the castle map use."""

    account_id: str
    endpoint_url: str

    def client(self, service: str, credentials: Credentials | None = None, **kwargs: Any) -> Any:
        """A boto3 client for ``service`` in the sandbox."""
        ...

    def auditor(self) -> Credentials:
        """Root-equivalent credentials that leave no trace in the account."""
        ...

    def admin(self, action: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call a sandbox control endpoint."""
        ...

    def request(self, method: str, path: str, data: dict[str, Any] | None = None,
                headers: dict[str, str] | None = None) -> dict[str, Any]:
        """A JSON request to the sandbox's own endpoints (the simulated consoles and portal)."""
        ...
