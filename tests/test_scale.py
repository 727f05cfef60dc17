"""Tests of emergence.scale: parsing sizes, compute, choosing the x-axis."""

import numpy as np
import pandas as pd
import pytest

from emergence.errors import SchemaError
from emergence.scale import add_compute, choose_x, format_scale, params_from_name, parse_scale


@pytest.mark.parametrize(
    ("text", "expected"),
    [("70m", 7e7), ("1.3b", 1.3e9), ("6.9B", 6.9e9), ("350M", 3.5e8), ("1e9", 1e9),
     ("1,300,000", 1.3e6), (" 12b ", 1.2e10), ("125k", 1.25e5), ("1.5T", 1.5e12), (410e6, 4.1e8)],
)
def test_parse_scale_reads_suffixes_and_numbers(text, expected):
    """Sizes in the forms model cards use parse to the same number."""
    assert parse_scale(text) == pytest.approx(expected)


@pytest.mark.parametrize("bad", ["big", "0", "-5", "1.3q", "", float("nan"), 0, True])
def test_parse_scale_rejects_non_sizes(bad):
    """Non-numeric and non-positive sizes are errors, not NaN."""
    with pytest.raises(ValueError, match="size"):
        parse_scale(bad)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("pythia-1.4b-deduped", 1.4e9), ("opt_350m", 3.5e8), ("llama-2-7b", 7e9), ("gpt2", None),
     ("EleutherAI/pythia-70m", 7e7)],
)
def test_params_from_name(name, expected):
    """The size in a model name is found; a name without one gives None."""
    assert params_from_name(name) == expected


@pytest.mark.parametrize("name", ["m-0b", "model-0m", "x_0.0k"])
def test_zero_size_in_a_name_is_no_size(name):
    """Issue 17 item 5: 'm-0b' gave a size of 0 (validate said ok, analyze failed on log 0 with a
    LinAlgError). A zero size is no size, so the model is refused for want of one."""
    assert params_from_name(name) is None


def test_format_scale_is_human():
    """Sizes print as a reader writes them."""
    assert [format_scale(v) for v in (7e7, 1.4e9, 1.75e11, 2e12)] == ["70M", "1.4B", "175B", "2T"]
    assert format_scale(2.13e22) == "2.13e+22"  # FLOPs


def test_add_compute_is_six_n_d_and_keeps_given_values():
    """compute = 6 N D (Kaplan et al. 2020) where missing; a given compute is kept."""
    table = pd.DataFrame({"params": [1e9, 2e9], "tokens": [3e11, 3e11], "compute": [np.nan, 5.0]})
    out = add_compute(table)
    assert out["compute"].tolist() == [6 * 1e9 * 3e11, 5.0]
    assert np.isnan(table["compute"].iloc[0])  # input untouched


def test_choose_x_prefers_params_and_checks_requests():
    """params is the default x; asking for a missing column says what is there."""
    table = pd.DataFrame({"model": ["a", "b"], "params": [1e9, 2e9], "step": [1.0, np.nan]})
    assert choose_x(table) == "params"
    with pytest.raises(SchemaError, match=r"no 'tokens' column.*params"):
        choose_x(table, "tokens")
    with pytest.raises(SchemaError, match="no step for model"):
        choose_x(table, "step")
    with pytest.raises(SchemaError, match="must be one of"):
        choose_x(table, "flops")


def test_choose_x_keeps_a_model_whose_first_checkpoint_has_no_compute():
    """Pythia's step 0 has seen no tokens, so no compute: that row is left out later
    (stats.points.positive_scale), not the model. README's `--x compute` on the Pythia evals failed
    with 'no compute for model(s) pythia-1.4b-deduped, ...' before (issue 15)."""
    table = pd.DataFrame({"model": ["a", "a", "b", "b", "c"],
                          "compute": [np.nan, 1e20, np.nan, 2e20, np.nan]})
    with pytest.raises(SchemaError, match=r"no compute for model\(s\) c;"):
        choose_x(table, "compute")
    assert choose_x(table[table["model"] != "c"], "compute") == "compute"


def test_loss_axis_runs_from_high_to_low_loss_at_half_a_nat_per_decade():
    """--x loss: a lower loss is further along; a 'decade' is LOSS_PER_DECADE = 0.5 nats (Kaplan et
    al. 2020: a decade of parameters takes the loss down by a factor 0.84, ~0.5 nats at 3)."""
    from emergence.scale import LOSS_PER_DECADE, axis_scale, axis_value

    losses = np.array([4.0, 3.0, 2.5])
    scale = axis_scale(losses, "loss")
    assert np.all(np.diff(scale) > 0)  # improving models: a growing scale
    np.testing.assert_allclose(np.diff(np.log10(scale)), np.diff(-losses) / LOSS_PER_DECADE)
    np.testing.assert_allclose(axis_value(scale, "loss"), losses)
    assert axis_scale([1e9], "params").tolist() == [1e9]
    table = pd.DataFrame({"model": ["a", "b"], "params": [1e9, 2e9], "loss": [3.1, 2.9]})
    assert choose_x(table, "loss") == "loss"
