"""pyproject.toml and environment.yml must list the same runtime dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _normalise(requirement: str) -> str:
    return re.sub(r"\s+", "", requirement.split("#")[0]).lower().replace("_", "-")


def test_environment_yml_matches_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = sorted(_normalise(r) for r in project["dependencies"])
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "- pip:")
    pip_section = [ln.strip()[2:] for ln in lines[start + 1:] if ln.strip().startswith("- ")]
    listed = sorted(_normalise(r) for r in pip_section if not r.startswith("-e"))
    assert listed == wanted
    assert any(r.startswith("-e .") for r in pip_section), "environment.yml must install the project"


def test_environment_yml_pins_python_311() -> None:
    assert "python=3.11" in (ROOT / "environment.yml").read_text()


def test_binder_postbuild_installs_the_kernel_and_the_course_settings(tmp_path: Path) -> None:
    """What `labkit lab` gives a local install, binder/postBuild gives a conda/Binder environment."""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "NB_PYTHON_PREFIX": str(tmp_path),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", str(ROOT / "binder" / "postBuild")], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    kernel = json.loads((tmp_path / "share/jupyter/kernels/python3/kernel.json").read_text())
    assert kernel["display_name"] == "Python 3 (ipykernel)" and kernel["language"] == "python"
    course = ROOT / "labkit" / "jupyter_config"
    overrides = tmp_path / "share/jupyter/lab/settings/overrides.json"
    assert json.loads(overrides.read_text()) == \
        json.loads((course / "labconfig" / "default_setting_overrides.json").read_text())
    server = tmp_path / "etc/jupyter/jupyter_server_config.d/iam-castle.json"
    assert json.loads(server.read_text())["LabApp"]["news_url"] is None
