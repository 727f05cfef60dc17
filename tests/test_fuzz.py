"""Fuzzing the loaders and analyze (issue 17): every mutated input of every format ends in exit 0
or 2 (never an internal error), is never modified, and an exit 0 never reports a value outside its
metric's range. The seeds and mutations are in tests/fuzzing.py.

The bounded run here draws EMERGENCE_FUZZ_EXAMPLES inputs (default 1,000, ~40 s), the same ones on
every run (derandomized); ``python analyses/fuzz_inputs.py`` runs thousands with counts by format.
Inputs that once failed are kept under tests/data/fuzz/ and replayed by
test_past_failures_end_in_exit_2.
"""

import os
import random
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzzing import make_seeds, mutate, run_once

EXAMPLES = int(os.environ.get("EMERGENCE_FUZZ_EXAMPLES", "1000"))
PAST = Path(__file__).parent / "data" / "fuzz"


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    return make_seeds(tmp_path_factory.mktemp("seeds"))


def test_every_seed_is_analysed(seeds, tmp_path):
    """The unmutated seeds are valid inputs: the fuzzing starts from files analyze accepts."""
    for fmt, seed in seeds.items():
        outcome = run_once(fmt, seed, tmp_path / f"out-{fmt}")
        assert outcome.exit_code == 0, (fmt, outcome.message)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_inputs_end_in_exit_0_or_2_unchanged_and_in_range(seeds, tmp_path_factory, data):
    fmt = data.draw(st.sampled_from(sorted(seeds)), label="format")
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1), label="mutation seed"))
    folder = tmp_path_factory.mktemp("fuzz")
    path = mutate(seeds[fmt], folder / seeds[fmt].name, rng)
    outcome = run_once(fmt, path, folder / "out")
    assert outcome.exit_code in (0, 2), f"{fmt}: {path}: {outcome.message}"
    assert not outcome.modified, f"{fmt}: {path} was changed by the run"
    assert not outcome.out_of_range, f"{fmt}: {path}: {outcome.out_of_range}"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("name", sorted(p.name for p in PAST.iterdir() if p.name != "README.md"))
def test_past_failures_end_in_exit_2(name, tmp_path):
    """Each file here once ended in an internal error (exit 1); see tests/data/fuzz/README.md. Each
    ends in exit 2 with a located message, except the one whose damage only costs what it damaged
    (the README says which), which is read."""
    path = tmp_path / name
    shutil.copyfile(PAST / name, path)
    outcome = run_once(name, path, tmp_path / "out")
    assert outcome.exit_code == (0 if name in READABLE else 2), outcome.message
    assert not outcome.modified


#: Past failures whose damage leaves a readable input (tests/data/fuzz/README.md).
READABLE = {"inspect_log_choice_not_an_object.json"}
