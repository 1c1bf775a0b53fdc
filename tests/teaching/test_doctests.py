"""The `>>>` examples in labkit's docstrings are run, so what learners read with `?` is true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import labkit


def _modules_with_examples() -> list[str]:
    """Every labkit module whose docstrings hold ``>>>`` examples (found, not listed by hand)."""
    found = []
    for info in pkgutil.walk_packages(labkit.__path__, "labkit."):
        module = importlib.import_module(info.name)
        if any(test.examples for test in doctest.DocTestFinder().find(module)):
            found.append(info.name)
    return found


MODULES = _modules_with_examples()


def test_the_learner_facing_modules_have_examples() -> None:
    for name in ("labkit.guard", "labkit.authenticator", "labkit.realism.passwords", "labkit.release"):
        assert name in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    from labkit.clock import clock

    module = importlib.import_module(name)
    try:
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    finally:
        clock.unfreeze()
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
