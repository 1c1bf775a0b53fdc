"""How requests reach a sandbox: one small protocol, one module per way.

A :class:`labkit.sandbox_core.Sandbox` answers requests; a transport carries them to it:

* :mod:`.tcp` -- an HTTP server on 127.0.0.1 (``labkit.start()``, ``labkit serve``, the grader);
* :mod:`.unix_socket` -- an HTTP server on a Unix socket (the grader's jailed kernels);
* :mod:`.in_process` -- no server: boto3's requests answered inside this process (the browser edition);
* :mod:`.remote` -- the client side only, for a sandbox another process runs (``LABKIT_ATTACH``).

Every transport has the shape of :class:`Transport`, so :class:`labkit.Lab` never asks which
one it holds.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["Transport"]


class Transport(Protocol):
    """What a :class:`labkit.Lab` needs of the road to its sandbox."""

    @property
    def url(self) -> str:
        """The endpoint URL clients are given (``http://127.0.0.1:<port>``)."""
        ...

    @property
    def in_process(self) -> bool:
        """True when requests are answered inside this process (no server, no socket)."""
        ...

    def request(self, method: str, path: str, body: bytes | None,
                headers: dict[str, str]) -> tuple[int, bytes]:
        """One plain HTTP request to the sandbox (its control and console endpoints): status, body.

        Raises ``OSError`` when nothing answers.
        """
        ...

    def stop(self) -> None:
        """Stop serving (a transport that serves nothing does nothing)."""
        ...
