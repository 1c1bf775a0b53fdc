"""Write a pure-Python wheel from files on disk (labkit itself, and the browser-only stubs).

A wheel is a zip with a ``.dist-info`` folder; writing it directly keeps ``make site``
fast and free of build back-ends.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from collections.abc import Iterable
from pathlib import Path

__all__ = ["package_files", "write_wheel"]


def package_files(root: Path, package: str) -> dict[str, bytes]:
    """Every file of ``root/package`` (no caches), by its path inside the wheel."""
    files = {}
    for path in sorted((root / package).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def write_wheel(dest: Path, name: str, version: str, summary: str, files: dict[str, bytes],
                requires: Iterable[str] = ()) -> Path:
    """``dest/<name>-<version>-py3-none-any.whl`` holding ``files``."""
    dist = f"{name.replace('-', '_')}-{version}"
    meta = "\n".join(["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", f"Summary: {summary}",
                      *(f"Requires-Dist: {r}" for r in requires)]) + "\n"
    wheel_meta = "Wheel-Version: 1.0\nGenerator: iam-castle\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    entries = {**files, f"{dist}.dist-info/METADATA": meta.encode(),
               f"{dist}.dist-info/WHEEL": wheel_meta.encode()}
    record_name = f"{dist}.dist-info/RECORD"
    record = "\n".join([*(_record_line(n, d) for n, d in entries.items()), f"{record_name},,"]) + "\n"
    out = dest / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for arcname, data in [*entries.items(), (record_name, record.encode())]:
            info = zipfile.ZipInfo(arcname, date_time=(2026, 1, 1, 0, 0, 0))  # reproducible
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return out
