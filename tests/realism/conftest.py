"""Every test here that uses ``lab`` runs on both transports (see ``tests/conftest.py``)."""

from __future__ import annotations

import pytest

from tests.support.transports import TRANSPORTS


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    """``server`` then ``in_process``: the same test against each way of reaching the sandbox."""
    return str(request.param)
