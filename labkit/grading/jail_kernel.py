"""The first program in a grading jail: set the limits, open the road to the sandbox, start the kernel.

Run by :mod:`labkit.grading.jail` as
``python -m labkit.grading.jail_kernel --limits JSON [--forward PORT] -- -m ipykernel_launcher ...``.

1. The resource limits (:class:`labkit.grading.jail.Limits`) are set, soft and
   hard, so nothing the notebook runs can raise them again.
2. With ``--forward PORT``, a small forwarder listens on ``127.0.0.1:PORT`` in the
   jail's own network namespace and passes each connection to the sandbox's Unix
   socket (:data:`labkit.grading.jail.SANDBOX_SOCKET`): the notebook, boto3 and
   ``!aws`` reach their sandbox at ``http://127.0.0.1:PORT`` and nothing else.
3. The kernel (``-m MODULE args``) runs in this process.
"""

from __future__ import annotations

import argparse
import json
import resource
import runpy
import selectors
import socket
import sys
import threading

from .jail import SANDBOX_SOCKET

__all__ = ["set_limits", "Forwarder", "main"]

_RLIMITS = {
    "memory_bytes": resource.RLIMIT_AS, "processes": resource.RLIMIT_NPROC,
    "file_bytes": resource.RLIMIT_FSIZE, "cpu_seconds": resource.RLIMIT_CPU,
    "open_files": resource.RLIMIT_NOFILE,
}


def set_limits(limits: dict[str, int]) -> None:
    """Lower the soft and hard limits (a process can never raise a hard limit again)."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for name, which in _RLIMITS.items():
        if name in limits:
            resource.setrlimit(which, (int(limits[name]), int(limits[name])))


class Forwarder:
    """``127.0.0.1:port`` -> a Unix socket, byte for byte, in one thread."""

    def __init__(self, port: int, target: str = SANDBOX_SOCKET) -> None:
        self.target = target
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(64)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ, None)
        self.peers: dict[socket.socket, socket.socket] = {}

    def _accept(self) -> None:
        client, _ = self.listener.accept()
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            upstream.connect(self.target)
        except OSError:
            client.close()
            upstream.close()
            return
        for one, other in ((client, upstream), (upstream, client)):
            one.setblocking(True)
            self.peers[one] = other
            self.selector.register(one, selectors.EVENT_READ, "peer")

    def _close(self, sock: socket.socket) -> None:
        for one in (sock, self.peers.pop(sock, None)):
            if one is None:
                continue
            self.peers.pop(one, None)
            try:
                self.selector.unregister(one)
            except (KeyError, ValueError):
                pass
            one.close()

    def _pump(self, sock: socket.socket) -> None:
        try:
            data = sock.recv(1 << 16)
            if data:
                self.peers[sock].sendall(data)
                return
        except (OSError, KeyError):
            pass
        self._close(sock)

    def serve_forever(self) -> None:
        while True:
            for key, _ in self.selector.select():
                if key.data is None:
                    self._accept()
                elif key.fileobj in self.peers:
                    self._pump(key.fileobj)

    def start(self) -> Forwarder:
        threading.Thread(target=self.serve_forever, name="labkit-sandbox-forwarder", daemon=True).start()
        return self


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m labkit.grading.jail_kernel")
    parser.add_argument("--limits", required=True)
    parser.add_argument("--forward", type=int, default=0)
    parser.add_argument("program", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    program = args.program[1:] if args.program[:1] == ["--"] else args.program
    set_limits(json.loads(args.limits))
    if args.forward:
        Forwarder(args.forward).start()
    if program[:1] == ["-c"]:
        sys.argv = ["-c", *program[2:]]
        exec(compile(program[1], "<string>", "exec"), {"__name__": "__main__"})  # noqa: S102
    elif program[:1] == ["-m"]:
        sys.argv = [program[1], *program[2:]]
        runpy.run_module(program[1], run_name="__main__", alter_sys=True)
    else:
        parser.error("expected -c CODE or -m MODULE")


if __name__ == "__main__":
    main()
