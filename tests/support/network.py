"""What the network tests share: an audit hook that logs every connection beyond loopback, and
``labkit serve`` started as a learner starts it in a terminal (with its ``export`` lines read).
"""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["AUDIT", "audited_site", "labkit_serve"]

BIN = Path(sys.executable).parent

# A sitecustomize.py: every Python started with its folder on PYTHONPATH appends each connection or
# name lookup beyond loopback to the file named by LABKIT_TEST_NET_LOG.
AUDIT = textwrap.dedent("""
    import ipaddress, os, sys
    _log = os.environ.get("LABKIT_TEST_NET_LOG")

    def _hook(event, args):
        if not _log or event not in ("socket.connect", "socket.getaddrinfo"):
            return
        if event == "socket.connect":
            address = args[1]
            host = address[0] if isinstance(address, tuple) else str(address)
        else:
            host = str(args[0])
        try:
            ok = ipaddress.ip_address(host.strip("[]")).is_loopback
        except ValueError:
            ok = host in ("localhost",) or host.startswith("/")
        if not ok:
            with open(_log, "a") as fh:
                fh.write(f"{event} {host}\\n")

    sys.addaudithook(_hook)
""")


def audited_site(folder: Path) -> tuple[Path, Path]:
    """A ``site`` folder holding :data:`AUDIT` under ``folder``; returns it and the log's path
    (for ``PYTHONPATH`` and ``LABKIT_TEST_NET_LOG``; the log exists only once something leaked)."""
    sitedir = folder / "site"
    sitedir.mkdir()
    (sitedir / "sitecustomize.py").write_text(AUDIT)
    return sitedir, folder / "net.log"


@contextmanager
def labkit_serve(env: dict[str, str] | None = None) -> Iterator[dict[str, str]]:
    """``labkit serve`` running; yields the variables its ``export`` lines set. Ctrl-C at the end,
    which must stop it cleanly (exit status 0)."""
    serve = subprocess.Popen([str(BIN / "labkit"), "serve"], env=env, stdout=subprocess.PIPE, text=True)
    exports: dict[str, str] = {}
    try:
        assert serve.stdout is not None
        for line in serve.stdout:
            if line.startswith("export "):
                name, _, value = line[len("export "):].strip().partition("=")
                exports[name] = shlex.split(value)[0] if value else ""
            if line.startswith("# Then try"):
                break
        yield exports
    finally:
        serve.send_signal(signal.SIGINT)
        assert serve.wait(timeout=30) == 0
