"""What the modules below :class:`labkit.Lab` may ask of it: a typing protocol, no code.

:mod:`labkit.scenarios` builds accounts and :mod:`labkit.castle_map` draws them through a
``Lab``, and ``Lab`` uses both; they name this protocol instead of ``Lab`` so that no import
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
