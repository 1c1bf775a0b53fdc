"""``make test`` and ``make test-fast`` run the suite as two halves: every test folder is in one.

A new folder of tests left out of both halves would never run in CI; one in both would run twice.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _half(name: str) -> list[str]:
    found = re.search(rf"^{name}\s*:=\s*(.+)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    assert found, f"the Makefile has no {name}"
    return found.group(1).split()


def _test_folders() -> set[str]:
    tests = ROOT / "tests"
    return {f"tests/{p.parent.relative_to(tests).parts[0]}" for p in tests.rglob("test_*.py")
            if p.parent != tests}


@pytest.mark.parametrize("halves", [("TEST_A", "TEST_B"), ("FAST_A", "FAST_B")])
def test_every_test_folder_is_in_exactly_one_half(halves: tuple[str, str]) -> None:
    first, second = (_half(name) for name in halves)
    assert not set(first) & set(second), f"in both halves: {set(first) & set(second)}"
    folders = _test_folders()
    if halves[0] == "FAST_A":
        folders -= {"tests/browser"}  # the fast tier runs no browser
    assert folders == set(first) | set(second), f"left out: {folders - set(first) - set(second)}"
    assert not list((ROOT / "tests").glob("test_*.py")), "a test file at the top of tests/: give it a folder"
