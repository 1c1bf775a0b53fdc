"""Which Python packages the browser edition needs, and their wheels from PyPI.

The set is the learner's kernel: labkit's *core* dependencies (``pyproject.toml``'s
``[project] dependencies``, not the ``lab``/``grade``/``test`` extras) and the
kernel's own IPython, followed through every package's requirements as Pyodide
evaluates them (``sys_platform == "emscripten"``). Versions are the ones installed
here, so both editions run the same code. Wheels come from PyPI as pure-Python
``py3-none-any`` wheels; the few packages without one are handled below.
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

__all__ = ["BROWSER_MARKERS", "KERNEL_PACKAGES", "LEFT_OUT", "STUBBED", "STRIPPED", "browser_packages",
           "download"]

# How Pyodide answers environment markers (PEP 508).
BROWSER_MARKERS = {
    **default_environment(),
    "sys_platform": "emscripten", "platform_system": "Emscripten", "platform_machine": "wasm32",
    "os_name": "posix", "python_version": "3.14", "python_full_version": "3.14.2",
    "implementation_name": "cpython", "platform_python_implementation": "CPython", "extra": "",
}
# What the JupyterLite kernel itself loads, besides the course (its ipykernel and
# widgetsnbextension are shims shipped with jupyterlite-pyodide-kernel).
KERNEL_PACKAGES = ("ipython", "jedi", "comm", "micropip", "packaging")
# Desktop-only parts of the core list: the kernel and the JupyterLab front end come with JupyterLite.
LEFT_OUT = {"ipykernel", "jupyterlab", "jupyterlab-widgets", "widgetsnbextension", "jupyter-server"}
# Compiled packages with no WebAssembly wheel on PyPI. Each is answered by a stub that
# ships only in the browser build (browser/stubs/, listed in docs/differences.md).
STUBBED = {"cryptography", "cffi", "pycparser"}
# Compiled speed-ups with a pure-Python fallback: the platform wheel, its binaries removed.
STRIPPED = {"pyyaml", "markupsafe"}


def _core_requirements(pyproject: Path) -> list[Requirement]:
    project = tomllib.loads(pyproject.read_text())["project"]
    return [Requirement(r) for r in project["dependencies"]]


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def browser_packages(pyproject: Path, micropip_version: str) -> dict[str, str]:
    """Canonical name -> version of every package the learner's browser kernel needs."""
    wanted = [r for r in _core_requirements(pyproject) if canonicalize_name(r.name) not in LEFT_OUT]
    wanted += [Requirement(name) for name in KERNEL_PACKAGES]
    found: dict[str, str] = {}
    while wanted:
        req = wanted.pop()
        name = canonicalize_name(req.name)
        if name in found or name in LEFT_OUT or name in STUBBED:
            continue
        if req.marker and not req.marker.evaluate(BROWSER_MARKERS):
            continue
        version = micropip_version if name == "micropip" else _version(name)
        if version is None:
            raise SystemExit(f"make site: {name} is needed in the browser but not installed here; "
                             "run `make setup` first")
        found[name] = version
        if name == "micropip":  # Pyodide's own installer: not installed here, and needs nothing
            continue
        for text in metadata.distribution(name).requires or []:
            sub = Requirement(text)
            if sub.marker is None or sub.marker.evaluate(BROWSER_MARKERS):
                wanted.append(sub)
    return dict(sorted(found.items()))


def _cached(folder: Path, name: str, version: str) -> Path | None:
    stem = "[-_.]".join(re.escape(part) for part in name.split("-"))
    pattern = re.compile(rf"^{stem}-{re.escape(version)}-", re.I)
    return next((p for p in folder.glob("*.whl") if pattern.match(p.name)), None)


def _pip_download(folder: Path, pins: list[str], platform_args: list[str]) -> None:
    argv = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
            "--dest", str(folder), *platform_args, *pins]
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"make site: pip could not download {', '.join(pins)}:\n{done.stderr[-2000:]}")


def _strip_binaries(wheel: Path, dest: Path) -> Path:
    """A platform wheel without its compiled modules, tagged as the pure wheel it then is."""
    name, version = wheel.name.split("-")[:2]
    out = dest / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename.endswith((".so", ".pyd")) or info.filename.endswith(".dist-info/RECORD"):
                continue
            data = src.read(info)
            if info.filename.endswith(".dist-info/WHEEL"):
                text = re.sub(r"^Tag: .*$", "Tag: py3-none-any", data.decode(), flags=re.M)
                text = re.sub(r"^Root-Is-Purelib: .*$", "Root-Is-Purelib: true", text, flags=re.M)
                data = "\n".join(dict.fromkeys(text.splitlines())).encode() + b"\n"
            dst.writestr(info.filename, data)
    return out


def download(packages: dict[str, str], cache: Path) -> dict[str, Path]:
    """The wheel of every package (downloaded once into ``cache``), by canonical name."""
    pure, stripped = cache / "pure", cache / "stripped"
    platform = cache / "platform"
    for folder in (pure, stripped, platform):
        folder.mkdir(parents=True, exist_ok=True)
    missing = [f"{n}=={v}" for n, v in packages.items() if n not in STRIPPED and not _cached(pure, n, v)]
    if missing:
        _pip_download(pure, missing, ["--platform", "any", "--python-version", "3.14",
                                      "--implementation", "py", "--abi", "none"])
    wheels: dict[str, Path] = {}
    for name, version in packages.items():
        if name in STRIPPED:
            done = _cached(stripped, name, version)
            if done is None:
                binary = _cached(platform, name, version)
                if binary is None:
                    _pip_download(platform, [f"{name}=={version}"],
                                  ["--platform", "manylinux2014_x86_64", "--python-version", "3.11",
                                   "--implementation", "cp"])
                    binary = _cached(platform, name, version)
                assert binary is not None
                done = _strip_binaries(binary, stripped)
            wheels[name] = done
        else:
            found = _cached(pure, name, version)
            if found is None:
                raise SystemExit(f"make site: pip downloaded no pure-Python wheel for {name}=={version}")
            wheels[name] = found
    return wheels
