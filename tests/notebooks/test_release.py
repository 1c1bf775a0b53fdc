"""`labkit release`: golden files, staleness detection, and the course's own exercises."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from labkit.release import release, strip_solution

GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).resolve().parents[2]
LABKIT = str(Path(sys.executable).parent / "labkit")


def test_release_matches_the_golden_exercise(tmp_path: Path) -> None:
    out = tmp_path / "exercises"
    assert release(GOLDEN / "solutions", out) == ["demo.ipynb"]
    expected = (GOLDEN / "exercises" / "demo.ipynb").read_bytes()
    assert (out / "demo.ipynb").read_bytes() == expected


def test_release_strips_outputs_ids_and_names_the_assignment(tmp_path: Path) -> None:
    # The golden *solution* keeps outputs and execution counts on purpose: it is what an author
    # saves after running it, and what this test proves release strips.
    source = json.loads((GOLDEN / "solutions" / "demo.ipynb").read_text())
    code = [c for c in source["cells"] if c["cell_type"] == "code"]
    assert any(c["outputs"] for c in code) and any(c["execution_count"] for c in code)
    release(GOLDEN / "solutions", tmp_path)
    nb = json.loads((tmp_path / "demo.ipynb").read_text())
    assert nb["metadata"]["labkit"] == {"assignment": "demo"}
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for cell in nb["cells"]:
        assert "id" not in cell
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    text = json.dumps(nb)
    for answer in ("alice-developer", "6 * 7", "knight's key", "SOLUTION"):
        assert answer not in text
    assert "widgets" not in nb["metadata"]
    assert all(set(cell["metadata"]) <= {"tags", "labkit"} for cell in nb["cells"])
    nbformat.validate(nbformat.reads(json.dumps(nb), as_version=4))


def test_release_is_deterministic_and_removes_orphans(tmp_path: Path) -> None:
    (tmp_path / "gone.ipynb").write_text("{}")
    assert release(GOLDEN / "solutions", tmp_path) == ["demo.ipynb", "gone.ipynb"]
    first = (tmp_path / "demo.ipynb").read_bytes()
    assert release(GOLDEN / "solutions", tmp_path) == []
    assert (tmp_path / "demo.ipynb").read_bytes() == first and first.endswith(b"}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.ipynb"]


def test_an_empty_or_missing_source_never_wipes_the_exercises(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises")
    (tmp_path / "notebooks").mkdir()
    done = subprocess.run([LABKIT, "release", "--source", "solutionz"], cwd=tmp_path, capture_output=True,
                          text=True)
    assert done.returncode == 2 and "no solution notebooks" in done.stdout
    kept = sorted(p.name for p in (tmp_path / "exercises").glob("*.ipynb"))
    assert kept == sorted(p.name for p in (ROOT / "exercises").glob("*.ipynb"))


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


def test_unbalanced_solution_markers_are_an_error() -> None:
    with pytest.raises(ValueError, match="no matching '### END SOLUTION'"):
        strip_solution("### BEGIN SOLUTION\nx = 1\n")
    with pytest.raises(ValueError, match="no matching '### BEGIN SOLUTION'"):
        strip_solution("x = 1\n### END SOLUTION\n")
    with pytest.raises(ValueError, match="no matching"):
        strip_solution("### BEGIN SOLUTION\na\n### END SOLUTION\n### BEGIN SOLUTION\nb\n")
