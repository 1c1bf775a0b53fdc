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
