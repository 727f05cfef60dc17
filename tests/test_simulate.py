"""Tests of emergence.simulate against the Mirage paper's toy model (Schaeffer et al. 2023)."""

import numpy as np
import pandas as pd
import pytest

import emergence
from emergence.errors import EmergenceError
from emergence.simulate import MIRAGE_FIG2_PARAMS, simulate, toy_model
from emergence.stats import emergence_score


def test_toy_model_matches_mirage_fig2():
    """Per-token probability and accuracy at length 5: Mirage Fig. 2B/2C (alpha=-0.5, c=2e9)."""
    curves = toy_model()
    np.testing.assert_allclose(curves["p_token"], [0.0916, 0.2893, 0.5791, 0.9048], atol=5e-5)
    assert curves["accuracy"].iloc[-1] == pytest.approx(0.6065, abs=5e-5)  # Fig. 2C at 2e11
    # emergence scores quoted in the foundation issue for this toy model
    assert emergence_score(curves["accuracy"]) == pytest.approx(9.616, abs=1e-3)
    assert emergence_score(-curves["token_edit_distance"]) == pytest.approx(2.807, abs=1e-3)


def test_toy_model_matches_shared_reference_values(shared_data):
    """All columns of ../shared/data/mirage/mirage_fig2_toy_model_values.csv, to 1e-3."""
    reference = pd.read_csv(shared_data / "mirage" / "mirage_fig2_toy_model_values.csv")
    curves = toy_model(reference["N"])
    np.testing.assert_allclose(curves["cross_entropy"], reference["model_L_CE"], atol=1e-3)
    np.testing.assert_allclose(curves["p_token"], reference["model_p_token"], atol=1e-3)
    np.testing.assert_allclose(curves["accuracy"], reference["model_accuracy_L5"], atol=1e-3)
    np.testing.assert_allclose(-curves["token_edit_distance"],
                               reference["model_neg_token_edit_distance_L5"], atol=1e-3)
    np.testing.assert_allclose(-curves["brier_score"], reference["model_neg_brier_binary"], atol=1e-3)
    # read from the figure (Fig. 2E): chance 0.5 until p > 1/2, then 1
    np.testing.assert_allclose(curves["multiple_choice_grade"], reference["fig_mc_grade_2choices"])


def test_toy_model_by_length_matches_mirage_fig3(shared_data):
    """Accuracy p^L by target length: ../shared/data/mirage/mirage_fig3_fig4_toy_model_by_length.csv."""
    reference = pd.read_csv(shared_data / "mirage" / "mirage_fig3_fig4_toy_model_by_length.csv")
    for length, rows in reference.groupby("target_len"):
        curves = toy_model(rows["N"], target_length=int(length))
        np.testing.assert_allclose(curves["accuracy"], rows["accuracy"], rtol=1e-4)
        np.testing.assert_allclose(-curves["token_edit_distance"], rows["neg_token_edit_distance"],
                                   atol=1e-3)


def test_simulated_records_follow_the_toy_model():
    """Without difficulty or noise, simulated exact match on 5 digits is p^5 within sampling error."""
    records = simulate(MIRAGE_FIG2_PARAMS, target_lengths=(5,), n_choices=0, n_examples=20000,
                       difficulty=0.0, noise=0.0, seed=3)
    scores = emergence.rescore(records).set_index(["params", "metric"])["value"]
    expected = toy_model()
    em = scores.xs("exact_match", level="metric").to_numpy()
    se = np.sqrt(expected["accuracy"] * (1 - expected["accuracy"]) / 20000)
    assert np.all(np.abs(em - expected["accuracy"]) <= 4 * se + 1e-9)
    ppt = scores.xs("target_prob_per_token", level="metric").to_numpy()
    np.testing.assert_allclose(ppt, expected["p_token"], rtol=1e-9)
    # a wrong digit costs 1 edit (substituted or dropped) or 2 (doubled, 5% of errors): at most 1.05
    # per error; with many errors, drops and doubles next to each other align for less
    ted = scores.xs("token_edit_distance", level="metric").to_numpy()
    ratio = ted / expected["token_edit_distance"].to_numpy()
    assert np.all((ratio > 0.95) & (ratio < 1.06)), ratio


def test_simulate_is_reproducible_and_valid():
    """The same seed gives the same records; they pass validation; examples pair across models."""
    a = simulate(n_examples=20, seed=7)
    b = simulate(n_examples=20, seed=7)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(simulate(n_examples=20, seed=8))
    valid = emergence.validate_records(a)
    assert len(valid) == len(a) == 8 * 6 * 20
    assert (valid.groupby(["task", "example"])["model"].nunique() == 8).all()


@pytest.mark.parametrize("truth", ["power_law", "sharp", "linear"])
def test_each_truth_rises_with_scale(truth):
    """Every truth improves with scale under the smooth per-token probability."""
    records = simulate(truth=truth, n_examples=200, target_lengths=(3,), n_choices=0, seed=1)
    curve = emergence.rescore(records, ["target_prob_per_token"]).sort_values("params")["value"]
    assert curve.is_monotonic_increasing


def test_simulate_rejects_bad_parameters():
    """Parameters out of range get the scikit-learn style message."""
    with pytest.raises(EmergenceError, match="'truth' parameter must be one of"):
        simulate(truth="magic")
    with pytest.raises(EmergenceError, match=r"'n_examples' parameter must be >= 1\. Got 0"):
        simulate(n_examples=0)
