"""The browser edition: labkit inside a JupyterLite (Pyodide) kernel, in a browser tab.

A Pyodide kernel runs CPython compiled to WebAssembly. It has no sockets, no
threads and no other programs, so three things work differently there -- all of
them here, none of them in the notebooks, which run unchanged in both editions:

* ``labkit.start()`` answers AWS requests inside the kernel
  (:mod:`labkit.in_process`) instead of starting a server;
* ``!aws ...`` runs awscli inside the kernel (no program can be started);
* the authenticator widget ticks on the browser's timer instead of a thread.

The site itself (``make site``) is built by ``scripts/build_site.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

__all__ = ["repeat"]


def repeat(seconds: float, action: Callable[[], object]) -> Callable[[], None]:
    """Call ``action`` every ``seconds`` on the event loop; returns a function that stops it.

    Pyodide's event loop runs on the browser's timers, so this keeps going between cells,
    as a thread would on the desktop. An ``action`` that raises stops the repetition.
    """
    loop = asyncio.get_event_loop()
    stopped = False
    handle: asyncio.TimerHandle | None = None

    def tick() -> None:
        nonlocal handle
        if stopped:
            return
        try:
            action()
        except Exception:  # noqa: BLE001 - the widget is gone: stop quietly, like the desktop thread
            return
        handle = loop.call_later(seconds, tick)

    def stop() -> None:
        nonlocal stopped
        stopped = True
        if handle is not None:
            handle.cancel()

    handle = loop.call_later(seconds, tick)
    return stop
