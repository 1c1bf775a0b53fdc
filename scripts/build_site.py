"""``make site``: build the browser edition of the course into ``site/`` (static files).

    python scripts/build_site.py                 # build site/ (skipped when nothing changed)
    python scripts/build_site.py --force         # build even if site/ looks up to date
    python scripts/build_site.py --out DIR       # build somewhere else

Only the package registries are used, and only while building: npm for the Pyodide
runtime, PyPI for the wheels (both cached in ``build/site-cache/``). The result makes
no request to any other host: serve the folder with any static web server.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata as metadata
import json
import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sitebuild import lock, pure_wheel, pyodide_core, site, trim, verify, wheels  # noqa: E402

CACHE = ROOT / "build" / "site-cache"
STAMP = ".iam-castle-build"
_INPUTS = ("labkit", "browser", "notebooks", "exercises", "scripts/sitebuild", "scripts/build_site.py",
           "pyproject.toml")


def inputs_digest() -> str:
    """A digest of everything the site is built from (sources and installed versions)."""
    digest = hashlib.sha256()
    for name in _INPUTS:
        path = ROOT / name
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            if "__pycache__" in file.parts or file.suffix == ".pyc" or ".ipynb_checkpoints" in file.parts:
                continue
            digest.update(file.relative_to(ROOT).as_posix().encode() + b"\0" + file.read_bytes())
    for dist in sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions()):
        digest.update(dist.encode())
    return digest.hexdigest()


def _labkit_wheel(dest: Path) -> tuple[str, Path]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    files = pure_wheel.package_files(ROOT, "labkit")
    path = pure_wheel.write_wheel(dest, "labkit", project["version"], project["description"], files,
                                  [*project["dependencies"], lock.STUB_PACKAGE])
    return project["version"], path


def _stubs_wheel(dest: Path) -> tuple[str, Path]:
    files = pure_wheel.package_files(ROOT / "browser" / "stubs", "cryptography")
    path = pure_wheel.write_wheel(dest, lock.STUB_PACKAGE, "1.0", "Browser-only stand-ins for compiled "
                                  "packages (see docs/differences.md)", files)
    return "1.0", path


def build_pyodide_dir(dest: Path) -> dict[str, int]:
    """Pyodide's runtime + every wheel the kernel needs + the lock listing them, in ``dest``."""
    core_dir, core_lock = pyodide_core.fetch_core(pyodide_core.kernel_pyodide_version(), CACHE / "npm")
    micropip = core_lock["packages"]["micropip"]["version"]
    needed = wheels.browser_packages(ROOT / "pyproject.toml", micropip)
    downloaded = wheels.download(needed, CACHE / "wheels")
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for name in pyodide_core.RUNTIME_FILES:
        shutil.copy(core_dir / name, dest / name)
    botocore_data = Path(str(metadata.distribution("botocore").locate_file("botocore"))) / "data"
    known_services = {p.name for p in botocore_data.iterdir() if p.is_dir()}
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "exercises").glob("*.ipynb"))
    labkit_code = sorted((ROOT / "labkit").rglob("*.py"))
    services = trim.services_used(notebooks, known_services, labkit_code)
    listed: dict[str, tuple[str, Path]] = {}
    for name, path in downloaded.items():
        listed[name] = (needed[name], trim.trim_wheel(path, dest, services))
    listed["labkit"] = _labkit_wheel(dest)
    listed[lock.STUB_PACKAGE] = _stubs_wheel(dest)
    lock.write_lock(core_lock, listed, dest / "pyodide-lock.json")
    verify.verify_wheels(dest, services)
    kept = ", ".join(sorted(services | trim.AWSCLI_NEEDS))
    print(f"make site: {len(listed)} wheels for the browser kernel; AWS services kept: {kept}")
    return {p.name: p.stat().st_size for p in dest.iterdir()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "site", help="where to build (default: site/)")
    parser.add_argument("--force", action="store_true", help="build even when site/ is up to date")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    digest = inputs_digest()
    stamp = out / STAMP
    if not args.force and stamp.exists() and json.loads(stamp.read_text()).get("inputs") == digest:
        print(f"make site: {out} is up to date")
        return 0
    stage_dir = ROOT / "build" / "site-stage"
    pyodide_dir = ROOT / "build" / "site-pyodide"
    sizes = build_pyodide_dir(pyodide_dir)
    site.build(site.stage(ROOT, stage_dir, pyodide_dir), out)
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    wheels_total = sum(size for name, size in sizes.items() if name.endswith(".whl"))
    stamp.write_text(json.dumps({"inputs": digest, "bytes": total, "wheel_bytes": wheels_total}, indent=1))
    print(f"make site: built {out} ({total / 1e6:.1f} MB on disk, wheels {wheels_total / 1e6:.1f} MB)")
    print(f"make site: serve it with any static web server, e.g. python -m http.server -d {out.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
