"""pyproject.toml and environment.yml must list the same runtime dependencies.

pyproject.toml splits them: the core (``dependencies``: what a learner's kernel imports, and
all the browser edition ships) and the ``lab`` and ``grade`` extras. environment.yml, the
desktop course for conda/Binder, lists core + lab + grade.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _normalise(requirement: str) -> str:
    return re.sub(r"\s+", "", requirement.split("#")[0]).lower().replace("_", "-")


def _desktop_requirements() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    listed = [*project["dependencies"], *extras["lab"], *extras["grade"]]
    return sorted({_normalise(r) for r in listed})


def test_environment_yml_matches_pyproject() -> None:
    wanted = _desktop_requirements()
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "- pip:")
    pip_section = [ln.strip()[2:] for ln in lines[start + 1:] if ln.strip().startswith("- ")]
    listed = sorted({_normalise(r) for r in pip_section if not r.startswith("-e")})
    assert listed == wanted
    assert any(r.startswith("-e .[lab,grade]") for r in pip_section), \
        "environment.yml must install the project with its lab and grade extras"


def test_the_core_is_what_a_learners_kernel_needs() -> None:
    """The browser edition ships the core only: no JupyterLab, no grader, no test tools in it."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = {_normalise(r).split(">")[0].split("<")[0] for r in project["dependencies"]}
    assert not core & {"jupyterlab", "nbclient", "nbformat", "ipykernel", "pytest", "playwright"}
    assert {"moto", "boto3", "awscli", "ipywidgets", "pyotp", "qrcode"} <= core
    extras = project["optional-dependencies"]
    assert "labkit[lab,grade,site]" in extras["test"], "make lab / make test install .[test]: all of it"


def test_make_lab_and_make_test_install_everything() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet -e '.[test]'" in makefile


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
