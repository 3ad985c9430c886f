from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

TEST_PARAMS = Path(__file__).parent / "data" / "params"
CORPUS = Path(__file__).parent / "corpus_real"


def _load_corpus_measure() -> ModuleType:
    """tests/corpus_real/corpus_measure.py as the module ``corpus_measure``, loaded once for the
    whole session (a dataclass looks its module up by name, so it is put in sys.modules): the
    test modules then ``import corpus_measure as measure``."""
    if "corpus_measure" in sys.modules:
        return sys.modules["corpus_measure"]
    spec = importlib.util.spec_from_file_location("corpus_measure", CORPUS / "corpus_measure.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["corpus_measure"] = module
    spec.loader.exec_module(module)
    return module


_CORPUS_MEASURE = _load_corpus_measure()   # before the test modules are collected


@pytest.fixture(scope="session")
def corpus_measure() -> ModuleType:
    """The corpus measure (tests/corpus_real/corpus_measure.py)."""
    return _CORPUS_MEASURE


@pytest.fixture(scope="session")
def formulas_test(corpus_measure: ModuleType) -> Any:
    """formulas' test.xlsx measured once per session (every family's edge-case sheets are in it;
    a test using it is ``@pytest.mark.slow``)."""
    result = corpus_measure.measure_file(CORPUS / "files" / "formulas__test.xlsx")
    assert result.status == "ok", result.message
    return result


@pytest.fixture
def test_params_path(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put the test-only parameter sets (e.g. aftale-2015-test) on the search path."""
    monkeypatch.setenv("XLMODEL_PARAMS_PATH", str(TEST_PARAMS))
    return TEST_PARAMS
