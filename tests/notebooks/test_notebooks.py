"""Every chapter and solution notebook runs top to bottom in a fresh kernel.

Notebooks run a few at a time (``LABKIT_NOTEBOOK_WORKERS``, default 2): each
kernel has its own sandbox on its own port, so they cannot disturb each other.
Run times are printed (``pytest -s``) and written to the test report; they are
not asserted, because shared CI machines vary.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.browser.course_notebooks import typed_your_turns, what_went_wrong_cells

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted([*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("solutions/*.ipynb")])
TIMEOUT = 120
WORKERS = int(os.environ.get("LABKIT_NOTEBOOK_WORKERS", "2"))

pytestmark = pytest.mark.notebooks


def run_notebook(path: Path) -> tuple[float, Any]:
    """Execute ``path`` in a fresh ``python3`` kernel; ``(seconds, executed notebook)``."""
    from nbclient import NotebookClient

    nb = typed_your_turns(nbformat.read(path, as_version=4))  # the learner types each "Your turn"
    env = {k: v for k, v in os.environ.items() if k != "LABKIT_ATTACH"}
    env["LABKIT_PROGRESS"] = os.path.join(tempfile.mkdtemp(prefix="labkit-answers-"), "answers.jsonl")
    client = NotebookClient(nb, timeout=TIMEOUT, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute(env=env)
    return time.perf_counter() - start, nb


@pytest.fixture(scope="module")
def executions() -> Any:
    """Start every notebook at once on a small pool; tests then wait for their own."""
    pool = ThreadPoolExecutor(max_workers=max(1, WORKERS))
    futures: dict[Path, Future[tuple[float, Any]]] = {p: pool.submit(run_notebook, p) for p in NOTEBOOKS}
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path: Path, executions: Any, record_property: Any) -> None:
    seconds, nb = executions[path].result(timeout=TIMEOUT * (len(NOTEBOOKS) + 1))
    record_property("seconds", round(seconds, 2))
    print(f"\n{path.relative_to(ROOT)} ran in {seconds:.1f} s ({WORKERS} notebooks at a time)")
    errors = [o for cell in nb.cells for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    # `!aws` prints its failures instead of raising: only "what went wrong" cells may fail.
    on_purpose = what_went_wrong_cells(path)
    cli_failures = {index: out["text"][-300:] for index, cell in enumerate(nb.cells)
                    if index not in on_purpose
                    for out in cell.get("outputs", []) if "An error occurred (" in out.get("text", "")}
    assert not cli_failures, f"aws commands failed outside 'what went wrong' cells: {cli_failures}"


def _committed(path: Path) -> Any:
    return nbformat.read(path, as_version=4)


@pytest.mark.parametrize("path", sorted(p for folder in ("notebooks", "solutions", "exercises")
                                         for p in ROOT.glob(f"{folder}/*.ipynb")),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_is_committed_clean(path: Path) -> None:
    """No outputs, no execution counts, the course kernelspec (chapters, solutions, exercises)."""
    nb = _committed(path)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


CHAPTERS = ["00-start-here", "01-the-castle-and-its-keys", "02-permanent-residents",
            "02b-access-keys-and-policies", "03-the-two-key-system-mfa", "03b-phishing-and-mfa-sessions",
            "04-the-master-key-in-the-vault", "04b-the-warden-and-the-watch",
            "05-only-the-keys-they-need", "05b-build-jobs-without-keys",
            "06-a-realm-of-castles", "07-people-not-keys",
            "07b-alice-signs-in"]


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_has_the_course_shape(name: str) -> None:
    """The header first, the footer last (tests/teaching/test_teaching.py checks both in detail), one
    set-up line, a quiz and a reflection."""
    nb = _committed(ROOT / "notebooks" / f"{name}.ipynb")
    text = ["".join(c.source) for c in nb.cells]
    assert "## Before you start" in text[0] and "## What comes next" in text[-1]
    setups = [c for c in nb.cells if c.cell_type == "code" and "labkit.start(" in c.source]
    assert len(setups) == 1
    assert any("labkit.widgets.quiz(" in t for t in text)
    assert any("your-turn" in c.metadata.get("tags", []) for c in nb.cells), "no 'Your turn' cell"
    reflections = [c for c in nb.cells if "reflection" in c.metadata.get("tags", [])]
    assert reflections and all(c.cell_type == "markdown" for c in reflections)
    for cell in reflections:
        meta = cell.metadata["labkit"]
        assert meta["reflection"] and meta["prompt"] in cell.source
        assert cell.source.split("\n---\n", 1)[1].strip() == "_(your answer here)_"


def test_start_page_links_every_chapter() -> None:
    source = "".join("".join(c.source) for c in _committed(ROOT / "notebooks" / "00-start-here.ipynb").cells)
    for name in CHAPTERS[1:]:
        assert f"({name}.ipynb)" in source
        assert (ROOT / "notebooks" / f"{name}.ipynb").exists()


def test_reflection_ids_are_unique_across_the_course() -> None:
    ids = [c.metadata["labkit"]["reflection"] for p in sorted(ROOT.glob("notebooks/*.ipynb"))
           for c in _committed(p).cells if "reflection" in c.metadata.get("tags", [])]
    assert len(ids) == len(set(ids)) >= len(CHAPTERS)


def test_chapter_04_keeps_the_books_reflection() -> None:
    nb = _committed(ROOT / "notebooks" / "04-the-master-key-in-the-vault.ipynb")
    prompts = [c.metadata["labkit"]["prompt"] for c in nb.cells if "reflection" in c.metadata.get("tags", [])]
    assert "Do you currently use the root user for daily tasks? If yes, what's your plan to stop?" in prompts


def test_chapters_are_built_from_their_source() -> None:
    """notebooks/ matches scripts/chapters/ (run scripts/build_chapters.py after editing)."""
    spec = importlib.util.spec_from_file_location("build_chapters", ROOT / "scripts" / "build_chapters.py")
    assert spec and spec.loader
    builder = importlib.util.module_from_spec(spec)
    sys.modules["build_chapters"] = builder
    spec.loader.exec_module(builder)
    for name, text in builder.load_chapters().items():
        assert (ROOT / "notebooks" / name).read_text(encoding="utf-8") == text, f"{name} is stale"
