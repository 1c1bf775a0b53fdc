"""The browser edition for the tests: ``make site``'s folder, served on 127.0.0.1 as a static host would.

:func:`build_site` runs ``scripts/build_site.py`` (which skips the build when nothing it is made
from changed, so only the first run of the suite pays for it). :class:`SiteServer` serves the
folder the way common static hosts do -- text, scripts and WebAssembly gzip-compressed for a
browser that accepts it, everything else as is -- and counts the bytes it sends, which is the
"compressed transfer" of the size budget.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .server import free_port

__all__ = ["SiteServer", "build_site"]

ROOT = Path(__file__).resolve().parents[2]
# What static hosts compress on the fly (wheels and zips are compressed already).
_COMPRESSIBLE = {".js", ".mjs", ".css", ".html", ".json", ".svg", ".wasm", ".map", ".txt", ".ipynb", ".md"}


def build_site(out: Path, log: Path) -> Path:
    """``make site`` into ``out`` (a no-op when it is up to date); its output goes to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as sink:
        done = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_site.py"), "--out", str(out)],
                              stdout=sink, stderr=subprocess.STDOUT, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"make site failed:\n{log.read_text()[-4000:]}")
    return out


@dataclass
class Served:
    """What the server sent, in order: (seconds since start, path, bytes on the wire)."""

    started: float = field(default_factory=time.monotonic)
    requests: list[tuple[float, str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str, size: int) -> None:
        with self.lock:
            self.requests.append((time.monotonic() - self.started, path, size))

    def total(self) -> int:
        with self.lock:
            return sum(size for _, _, size in self.requests)

    def paths(self) -> list[str]:
        with self.lock:
            return [path for _, path, _ in self.requests]


class _Handler(SimpleHTTPRequestHandler):
    served: Served
    _gzipped: dict[str, bytes] = {}

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                      ".mjs": "text/javascript", ".whl": "application/zip"}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        local = Path(self.translate_path(self.path))
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if accepts and local.is_file() and local.suffix in _COMPRESSIBLE:
            key = str(local)
            body = self._gzipped.get(key)
            if body is None:
                body = self._gzipped[key] = gzip.compress(local.read_bytes(), compresslevel=6)
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(local)))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.served.add(self.path, len(body))
            return
        self._length = 0
        super().do_GET()
        self.served.add(self.path, self._length)

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "content-length":
            self._length = int(value)
        super().send_header(keyword, value)


class SiteServer:
    """``site/`` on a free 127.0.0.1 port; ``served`` records every response."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.course = ROOT  # the notebooks the site was built from
        self.port = free_port()
        self.served = Served()
        handler = type("Handler", (_Handler,), {"served": self.served, "_gzipped": {}})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), partial(handler, directory=str(folder)))
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="site-server", daemon=True)

    def start(self) -> SiteServer:
        self._thread.start()
        return self

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(f"{t:7.1f}s {size:>10} {path}" for t, path, size in self.served.requests[-lines:])

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def site_dir() -> Path:
    """Where the tests build the site: ``$LABKIT_SITE_DIR`` or the repository's ``site/``."""
    return Path(os.environ.get("LABKIT_SITE_DIR", ROOT / "site"))
