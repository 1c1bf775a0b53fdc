"""`labkit release`: golden files, staleness detection, and the course's own exercises."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from labkit.release import release, strip_solution

GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).resolve().parents[1]
LABKIT = str(Path(sys.executable).parent / "labkit")


def test_release_matches_the_golden_exercise(tmp_path: Path) -> None:
    out = tmp_path / "exercises"
    assert release(GOLDEN / "solutions", out) == ["demo.ipynb"]
    expected = (GOLDEN / "exercises" / "demo.ipynb").read_bytes()
    assert (out / "demo.ipynb").read_bytes() == expected


def test_release_strips_outputs_ids_and_names_the_assignment(tmp_path: Path) -> None:
    release(GOLDEN / "solutions", tmp_path)
    nb = json.loads((tmp_path / "demo.ipynb").read_text())
    assert nb["metadata"]["labkit"] == {"assignment": "demo"}
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for cell in nb["cells"]:
        assert "id" not in cell
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    assert "alice-developer" not in json.dumps(nb)


def test_check_fails_when_a_solution_changes(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises")
    (tmp_path / "notebooks").mkdir()
    run = [LABKIT, "release", "--check"]
    assert subprocess.run(run, cwd=tmp_path, capture_output=True).returncode == 0
    path = tmp_path / "solutions" / "users.ipynb"
    nb = json.loads(path.read_text())
    nb["cells"][0]["source"].append("\nA new sentence.")
    path.write_text(json.dumps(nb))
    stale = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True)
    assert stale.returncode == 1 and "users.ipynb" in stale.stdout
    subprocess.run([LABKIT, "release"], cwd=tmp_path, check=True, capture_output=True)
    assert subprocess.run(run, cwd=tmp_path, capture_output=True).returncode == 0


def test_the_courses_exercises_are_fresh() -> None:
    assert release(ROOT / "solutions", ROOT / "exercises", check=True) == []


def test_unclosed_solution_marker_is_an_error() -> None:
    with pytest.raises(ValueError, match="END SOLUTION"):
        strip_solution("### BEGIN SOLUTION\nx = 1\n")
