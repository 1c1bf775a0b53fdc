"""The `>>>` examples in labkit's docstrings are run, so what learners read with `?` is true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "labkit.guard",
    "labkit.clock",
    "labkit.authenticator",
    "labkit.realism.policy",
    "labkit.realism.passwords",
]


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
