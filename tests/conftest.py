"""Shared fixtures: paths to the bundled benchmarks and to ../shared/data (skipped when absent)."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def numpy_huge_pages():
    """numpy's huge-page advice and NUMPY_MADVISE_HUGEPAGE restored after each test: the command
    line, run in this process by the tests, turns the advice off on hosts whose kernel would stall
    (emergence.memory.avoid_hugepage_stalls), which would otherwise last the whole session."""
    import os

    try:
        from numpy._core import multiarray
    except ImportError:  # numpy 1.x
        from numpy.core import multiarray
    advice, variable = multiarray._get_madvise_hugepage(), os.environ.get("NUMPY_MADVISE_HUGEPAGE")
    yield
    multiarray._set_madvise_hugepage(advice)
    if variable is None:
        os.environ.pop("NUMPY_MADVISE_HUGEPAGE", None)
    else:
        os.environ["NUMPY_MADVISE_HUGEPAGE"] = variable


@pytest.fixture
def shared_data() -> Path:
    """The reference data folder beside the checkout; tests that need it skip without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is absent (it exists only in the development workspace and CI)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def two_families():
    """The analysis the plot tests draw: two simulated families (power law and sharp), 80 examples,
    100 replicates (the figures never modify it: test_plots.test_plots_do_not_modify_input)."""
    import warnings

    import pandas as pd

    import emergence

    records = pd.concat([
        emergence.simulate(family="toy-powerlaw", truth="power_law", n_examples=80, seed=1),
        emergence.simulate(family="toy-sharp", truth="sharp", n_examples=80, seed=2),
    ], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return emergence.analyze(records, bootstrap=100, seed=0)
