from __future__ import annotations

from pathlib import Path

import pytest

TEST_PARAMS = Path(__file__).parent / "data" / "params"


@pytest.fixture
def test_params_path(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put the test-only parameter sets (e.g. aftale-2015-test) on the search path."""
    monkeypatch.setenv("XLMODEL_PARAMS_PATH", str(TEST_PARAMS))
    return TEST_PARAMS
