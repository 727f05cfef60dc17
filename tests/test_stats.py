"""Tests of emergence.stats: scores, jump effect, intervals and the public curve table.

Reference numbers: Mirage toy model values are from Schaeffer, Miranda & Koyejo (2023), Fig. 2
(../shared/data/mirage/); hand computations are written out next to each assertion.
"""

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from emergence.stats import (
    Thresholds,
    backtest,
    benjamini_hochberg,
    centred_interval,
    curve_statistics,
    curve_table,
    emergence_score,
    jump_effect,
    linearity,
    smooth_fit,
    straight_line_score,
)
from emergence.stats.backtest import weighted_line
from emergence.stats.inference import exceedance_p_value
from emergence.stats.jumps import windows

GPT3 = np.array([1.25e8, 3.5e8, 7.6e8, 1.3e9, 2.7e9, 6.7e9, 1.3e10, 1.75e11])  # Brown et al. 2020
GPT3_X = np.log10(GPT3)


def test_emergence_score_of_a_straight_line_is_n_minus_one():
    """An equally spaced linear n-point curve scores n - 1 (DESIGN.md, Statistics 3)."""
    for n in (4, 7, 12):
        assert emergence_score(np.linspace(0.1, 0.9, n)) == pytest.approx(n - 1)


def test_emergence_score_reference_values():
    """Mirage Fig. 2 toy model: accuracy at length 5 scores 9.616, token edit distance 2.807."""
    accuracy = [6.444e-06, 0.002026, 0.0651, 0.6065]  # Mirage Fig. 2C
    neg_ted = [-4.5421, -3.5536, -2.1047, -0.4758]  # Mirage Fig. 2D
    assert emergence_score(accuracy) == pytest.approx(9.616, abs=2e-3)
    assert emergence_score(neg_ted) == pytest.approx(2.807, abs=2e-3)


def test_emergence_score_is_affine_invariant_and_signed():
    """Affine rescaling keeps the score; a falling curve scores negative."""
    y = np.array([0.0, 0.1, 0.15, 0.9])
    assert emergence_score(3 * y + 7) == pytest.approx(emergence_score(y))
    assert emergence_score(y[::-1]) == pytest.approx(-emergence_score(y))


def test_emergence_score_is_never_infinite():
    """Issue 12, measured: ES was +inf whenever half the steps were flat. The floored denominator
    (1e-3 of the range, or the noise of a step) keeps it finite and the vectorised form says so."""
    assert emergence_score([0.0, 0.0, 0.0, 1.0]) == pytest.approx(1000.0)
    assert emergence_score([0.0, 0.0, 0.0, 1.0], floor=0.01) == pytest.approx(100.0)
    out = curve_statistics(np.array([[0.0], [0.0], [0.0], [1.0]]), floor=0.01)
    assert out["emergence_score"][0] == pytest.approx(100.0) and out["es_floored"][0]
    assert emergence_score([0.3, 0.3, 0.3]) == 0.0 and math.isnan(emergence_score([0.5]))


def test_curve_statistics_agree_with_the_scalar_functions():
    """The vectorised statistics equal the one-curve functions, column by column."""
    y = np.random.default_rng(0).random((7, 50))
    out = curve_statistics(y)
    for j in range(50):
        assert out["emergence_score"][j] == pytest.approx(emergence_score(y[:, j]))
        assert out["linearity"][j] == pytest.approx(linearity(y[:, j]))


def test_straight_line_score_of_the_gpt3_ladder():
    """GPT-3 sizes: range of log10 N over the median step = 9.34, not n - 1 = 7."""
    assert straight_line_score(GPT3_X) == pytest.approx(9.34, abs=0.01)


def test_windows_of_a_ladder():
    """5 models a decade apart: 4 one-gap windows and 3 two-gap windows, all with a flank; on a dense
    ladder (0.2 decades) windows of up to a decade (4-5 gaps) fit a step between close models."""
    w = windows([8, 9, 10, 11, 12])
    assert list(zip(w.start.tolist(), w.stop.tolist(), strict=True)) == [
        (0, 1), (1, 2), (2, 3), (3, 4), (0, 2), (1, 3), (2, 4)]
    assert w.overlapping(2, 3).tolist() == [False, False, True, False, False, True, True]
    dense = windows(np.arange(8, 10.01, 0.2))
    assert (dense.stop - dense.start).max() >= 4


def test_jump_effect_of_a_step_a_line_and_an_end_step():
    """A step from a flat floor carries ~all of the range; a line carries nothing beyond its share;
    a step at either end of the ladder is found too (one flank is enough)."""
    x = np.array([8.0, 9, 10, 11, 12])
    effect, start, stop = jump_effect(x, [0.0, 0.0, 0.0, 1.0, 1.0])
    assert effect == pytest.approx(1.0) and (start, stop) == (2, 3)
    assert jump_effect(x, 0.1 * x)[0] < 0
    assert jump_effect(x, [0.0, 1.0, 1.0, 1.0, 1.0])[0] == pytest.approx(1.0)
    assert jump_effect(x, [0.0, 0.0, 0.0, 0.0, 1.0])[0] == pytest.approx(1.0)
    assert math.isnan(jump_effect(x[:2], [0, 1])[0])
    assert jump_effect(x, [0.0, 0.0, 0.0, 0.0, 0.0])[0] == 0.0  # a flat curve carries no jump


def test_a_dip_and_its_recovery_is_not_a_jump():
    """Red-team review: one defective model (a dip) and the recovery after it read as a jump. The gain
    of a window is measured from the best model before it, so recovering is not gaining."""
    x = np.array([8.0, 9, 10, 11, 12])
    assert jump_effect(x, [0.6, 0.62, 0.15, 0.64, 0.66])[0] < 0.1
    assert jump_effect(x, [0.1, 0.2, 0.05, 0.4, 0.5])[0] < Thresholds().jump  # a line, one bad model


def test_a_step_on_a_dense_ladder_is_still_a_jump():
    """Red-team review: 17 models 0.2 decades apart around a step in the per-token loss (2.5 -> 0.1
    nats, logistic width 0.1 decades) read as smooth, because the flanks lay on the step."""
    x = np.linspace(8, 11.25, 17)
    loss = 0.1 + 2.4 / (1 + np.exp((x - 9.6) / 0.1))
    assert jump_effect(x, np.exp(-loss))[0] > 0.6


def test_smooth_non_power_law_loss_is_not_a_jump_in_the_smooth_metric():
    """Issue 12, measured: a per-token loss falling linearly in log10 N (2.3 -> 0.05 nats, 8 GPT-3
    sizes) was called emergent. Its per-token probability exp(-L) rises smoothly: jump effect far
    below the 0.4 threshold; its exact match on 5 tokens, p ** 5, jumps (the apparent jump)."""
    loss = 2.3 - 2.25 * (GPT3_X - GPT3_X[0]) / (GPT3_X[-1] - GPT3_X[0])
    p = np.exp(-loss)
    assert jump_effect(GPT3_X, p)[0] < 0.1
    assert jump_effect(GPT3_X, p**5)[0] > 0.5


def test_power_law_per_token_probability_is_smooth_on_every_ladder():
    """Mirage toy loss L = (N / 2e9) ** -0.5: p = exp(-L) never jumps (4..12 log-spaced sizes)."""
    for n in (4, 6, 8, 12):
        x = np.linspace(8, 11.3, n)
        p = np.exp(-((10**x / 2e9) ** -0.5))
        assert jump_effect(x, p)[0] < 0.3


def test_centred_interval_always_holds_the_estimate():
    """Issue 12, measured: percentile intervals excluded their estimate (228.6 [19.0, 137.7]); the
    median-centred interval holds it by construction, for any replicate distribution."""
    rng = np.random.default_rng(3)
    for _ in range(200):
        point = rng.normal()
        reps = rng.normal(rng.normal(0, 3), rng.uniform(0.01, 2), size=100)
        lo, hi = centred_interval(point, reps)
        assert lo <= point <= hi
    lo, hi = centred_interval(0.9, np.array([0.95, 1.0, 1.0, 1.0]), bounds=(-1, 1))
    assert hi <= 1.0 and lo <= 0.9


def test_interval_reaches_against_the_bootstrap_bias():
    """A maximum of noisy values is biased up: replicates of max(a, b) sit above the estimate by
    about as much as the estimate sits above max of the truths. The interval must reach down by
    that bias (the basic interval, 2t - q) and still hold the estimate. Ground truth: two equal
    means of 0 (max = 0) seen with sd 1 over 400 draws each; coverage of 0 by the 95% interval of
    max(mean_a, mean_b), measured on 400 samples, is >= 93% (the median-centred interval alone:
    86.5% on the same samples)."""
    rng = np.random.default_rng(11)
    inside = 0
    for _ in range(400):
        a, b = rng.normal(size=400), rng.normal(size=400)
        point = max(a.mean(), b.mean())
        idx = rng.integers(0, 400, size=(500, 400))
        reps = np.maximum(a[idx].mean(axis=1), b[idx].mean(axis=1))
        lo, hi = centred_interval(point, reps)
        assert lo <= point <= hi
        inside += lo <= 0 <= hi
    assert inside / 400 >= 0.93


def test_exceedance_p_values_are_not_floored_by_the_replicate_count():
    """A Wald p-value on the bootstrap scale resolves below 1 / (B + 1) (issue 12: 124 of 146 curves
    sat at the floor 0.001)."""
    reps = np.random.default_rng(0).normal(0.8, 0.05, size=200)
    p = exceedance_p_value(0.8, reps, 0.3)[0]
    assert 0 < p < 1e-6
    assert exceedance_p_value(0.3, reps, 0.3)[0] == pytest.approx(0.5)


def test_benjamini_hochberg_matches_statsmodels_and_keeps_nan():
    from statsmodels.stats.multitest import multipletests

    p = np.array([0.01, 0.04, np.nan, 0.03, 0.5])
    q = benjamini_hochberg(p)
    ok = ~np.isnan(p)
    np.testing.assert_allclose(q[ok], multipletests(p[ok], method="fdr_bh")[1])
    assert np.isnan(q[2])


def test_benjamini_hochberg_is_statsmodels_to_the_bit():
    """Our step-up gives statsmodels' multipletests(fdr_bh) bits, with ties, NaN, one p-value and many
    (the verdicts' q-values, and so verdicts.csv, must not change: issue 13)."""
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(7)
    for n in (1, 2, 3, 10, 137, 1000, 5000):
        p = rng.uniform(size=n) ** rng.uniform(0.5, 6)
        p[: n // 4] = np.round(p[: n // 4], 2)  # ties
        p[rng.uniform(size=n) < 0.1] = np.nan
        q = benjamini_hochberg(p)
        ok = np.isfinite(p)
        if ok.any():
            assert q[ok].tobytes() == multipletests(p[ok], method="fdr_bh")[1].tobytes()
        assert np.isnan(q[~ok]).all()


def test_the_backtest_line_is_statsmodels_wls_to_the_bit():
    """weighted_line and the backtest's prediction give the bits of statsmodels' WLS fit and predict
    (smooth_fit), on random curves and on weights spanning the 12 decades the backtest allows."""
    rng = np.random.default_rng(11)
    for case in range(300):
        n = int(rng.integers(3, 12))
        x = np.sort(rng.uniform(6, 12, size=n))
        y = rng.normal(size=n) * 10.0 ** rng.uniform(-4, 2)
        variance = 10.0 ** rng.uniform(-14 if case % 3 == 0 else -6, -1, size=n)
        variance = np.maximum(variance, 1e-12 * variance.max())
        fit = smooth_fit(x, y, variance)
        params = weighted_line(x, y, variance)
        assert params.tobytes() == fit.params.tobytes(), case
        point = np.array([[1.0, x[-1] + 1]])
        assert np.dot(point, params).tobytes() == fit.predict(point).tobytes(), case


def test_a_line_through_indistinguishable_scales_warns_as_statsmodels_did():
    """Three smaller models at one log scale: statsmodels' fit warned that the design is rank-deficient
    (SingularMatrixWarning); the backtest says so too, and predicts what statsmodels predicted."""
    from emergence.errors import EmergenceWarning

    x, y, variance = np.array([9.0, 9.0, 9.0, 10.0]), np.array([0.1, 0.2, 0.3, 0.9]), np.full(4, 1e-3)
    with pytest.warns(EmergenceWarning, match="not unique"):
        result = backtest(x, y, variance)
    with pytest.warns(Warning, match="rank-deficient"):
        fit = smooth_fit(x[:3], y[:3], variance[:3])
    assert result.predicted == float(fit.predict(np.array([[1.0, 10.0]]))[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        backtest(np.array([8.0, 9.0, 10.0, 11.0]), y, variance)  # distinct scales: no warning


def test_a_scale_that_is_not_finite_gives_no_backtest():
    """A loss so high that its scale underflows to 0 gives log10 = -inf: no line, NaN, where
    statsmodels' fit had stopped the analysis ("SVD did not converge")."""
    result = backtest(np.array([-np.inf, 9.0, 10.0, 11.0]), np.array([0.1, 0.2, 0.3, 0.9]), np.full(4, 1e-3))
    assert np.isnan(result.predicted) and not result.inside


def test_smooth_fit_is_weighted_least_squares():
    """statsmodels WLS coefficients equal numpy's weighted polyfit (weights 1/sd)."""
    x, y, v = np.array([1.0, 2, 3, 4]), np.array([1.0, 2.2, 2.9, 4.3]), np.array([0.1, 0.2, 0.1, 0.4])
    fit = smooth_fit(x, y, v)
    slope, intercept = np.polyfit(x, y, 1, w=1 / np.sqrt(v))
    np.testing.assert_allclose(fit.params, [intercept, slope], atol=1e-12)


def test_backtest_predicts_a_line_and_misses_a_jump():
    """A straight line is predicted exactly; a last-step jump is outside the prediction interval."""
    x = np.array([8.0, 9.0, 10.0, 11.0, 12.0])
    good = backtest(x, 0.1 * x, np.full(5, 1e-4))
    assert good.error == pytest.approx(0, abs=1e-9) and good.inside
    bad = backtest(x, [0.0, 0.0, 0.01, 0.02, 0.6], np.full(5, 1e-4))
    assert bad.error == pytest.approx(abs(0.03 - 0.6) / 0.6, abs=0.01) and not bad.inside


def test_curve_table_orients_lower_is_better_metrics():
    """A falling edit distance is an improving curve: its score is positive."""
    scores = pd.DataFrame({
        "family": "f", "model": ["a", "b", "c", "d"] * 2, "params": [1e8, 1e9, 1e10, 1e11] * 2,
        "task": "t", "metric": ["token_edit_distance"] * 4 + ["exact_match"] * 4,
        "kind": ["smooth"] * 4 + ["discontinuous"] * 4, "higher_is_better": [False] * 4 + [True] * 4,
        "value": [4.0, 3.0, 2.0, 1.0, 0.0, 0.0, 0.01, 0.5],
    })
    table = curve_table(scores).set_index("metric")
    assert table.loc["token_edit_distance", "emergence_score"] == pytest.approx(3.0)
    assert table.loc["token_edit_distance", "y_min_scale"] == 4.0  # reported as given
    assert table.loc["exact_match", "emergence_score"] == pytest.approx(0.5 / 0.01)
    assert table.loc["exact_match", "n_scales"] == 4 and np.isfinite(table["jump"]).all()


def test_curve_table_takes_the_final_checkpoint_like_analyze():
    """Issue 12, measured: curve_table averaged all checkpoints (add_1digit ES 9.9) while analyze took
    the final one (93.0). Both now use each model's final checkpoint at x = params."""
    scores = pd.DataFrame({
        "family": "f", "model": np.repeat(["a", "b", "c", "d"], 2), "step": [1, 2] * 4,
        "params": np.repeat([1e6, 1e7, 1e8, 1e9], 2), "task": "t", "metric": "exact_match",
        "kind": "discontinuous", "higher_is_better": True,
        "value": [0.5, 0.0, 0.5, 0.0, 0.5, 0.1, 0.5, 0.9],
    })
    with pytest.warns(Warning, match="final checkpoint"):
        table = curve_table(scores)
    assert table["y_max_scale"].iloc[0] == 0.9 and table["y_min_scale"].iloc[0] == 0.0


def test_curve_table_agrees_with_analyze_where_no_noise_floor_binds():
    """curve_table (no replicates, so no noise floor) and analyze on the same input: the same curves,
    scales and ends, and the same J and emergence score on every curve where analyze's noise floor
    sets neither the range J divides by (range < noise_floor) nor the ES denominator (es_floored).
    On the bundled benchmarks (200 replicates) those are 1 J (arith mul_3digit exact_match: range
    0.003 below a floor of 0.008) and 24 ES, and nothing else differs (issue 15)."""
    import warnings

    import emergence

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = emergence.analyze(emergence.load(Path(__file__).parents[1] / "benchmarks"), bootstrap=200,
                                   seed=0)
        table = curve_table(result.scores)
    both = table.merge(result.curves, on=["family", "task", "metric"], suffixes=("", "_analyze"))
    assert len(both) == len(table) == len(result.curves)
    for column in ("n_scales", "x_min", "x_max", "y_min_scale", "y_max_scale"):
        np.testing.assert_allclose(both[column].astype(float), both[f"{column}_analyze"].astype(float))
    unfloored = both["range"] >= both["noise_floor"]
    np.testing.assert_allclose(both.loc[unfloored, "jump"].astype(float),
                               both.loc[unfloored, "jump_analyze"].astype(float), rtol=1e-12)
    plain = ~both["es_floored"].astype(bool)
    np.testing.assert_allclose(both.loc[plain, "emergence_score"].astype(float),
                               both.loc[plain, "emergence_score_analyze"].astype(float), rtol=1e-12)
    assert (~unfloored).sum() <= 2 and plain.sum() > len(both) / 2


def test_points_no_example_moves_get_jeffreys_replicates():
    """0 of 500 right: the bootstrap cannot move the point, yet the rate may be ~3 / 500.

    Such points get Beta(1/2, n + 1/2) draws (the Jeffreys posterior, Brown, Cai & DasGupta 2001),
    mirrored for n of n; points that vary, and a curve flat at 0 everywhere, are left alone.
    """
    from scipy.stats import beta

    from emergence.stats.points import all_or_none_draws

    value = np.array([0.0, 0.0, 0.4, 1.0])
    reps = np.vstack([np.zeros(4000), np.zeros(4000), np.full(4000, 0.4) + np.linspace(-.02, .02, 4000),
                      np.ones(4000)])
    n = np.full(4, 500.0)
    out = all_or_none_draws(value, reps, n, seed=1, key="f/t/m")
    np.testing.assert_array_equal(out[2], reps[2])
    assert (out[0] > 0).all() and (out[3] < 1).all()
    assert not np.array_equal(out[0], out[1])  # each point its own draws
    # the 97.5% point of the draws is the Jeffreys bound, about 2.5 / n (the "rule of three" is 3 / n)
    assert np.quantile(out[0], 0.975) == pytest.approx(beta.ppf(0.975, 0.5, 500.5), rel=0.1)
    assert np.quantile(1 - out[3], 0.5) == pytest.approx(beta.ppf(0.5, 0.5, 500.5), rel=0.1)
    np.testing.assert_array_equal(out, all_or_none_draws(value, reps, n, seed=1, key="f/t/m"))
    flat = np.zeros((3, 50))
    assert all_or_none_draws(np.zeros(3), flat, np.full(3, 500.0), seed=1, key="k") is flat


def test_a_step_from_a_zero_floor_has_an_interval_below_one():
    """Held-out study (analyses/validate_verdicts.py): a step from exact match 0/500 to ~0.8 had
    J = 1.000 [1.000, 1.000] while its expected curve's J was 0.9996: no interval can cover when
    no replicate moves. With Jeffreys draws at the stuck points the interval opens below 1."""
    import emergence
    from emergence.analysis import analyze

    records = emergence.simulate(np.logspace(8, 11, 4 + 2), truth="step_last", target_lengths=(4,),
                                 n_choices=0, n_examples=500, seed=3)
    curves = analyze(records, bootstrap=300).curves.set_index("metric")
    em = curves.loc["exact_match"]
    assert em["jump"] > 0.9 and em["jump_lo"] < em["jump"] - 1e-3


def test_paired_gaps_no_example_moves_get_jeffreys_differences():
    """Held-out study, 30 examples: exact match 0, 0.47, then 0.83 at six models that got the same
    25 examples right. Every replicate's flank slope was 0, J = 1.000 [1.000, 1.000], while the
    models' expected curve had J = 0.88. Stuck gaps get Jeffreys discordance draws; a score in
    percent (not a rate) and a flat curve are left alone."""
    from emergence.stats.points import all_or_none_draws

    value = np.array([0.0, 14 / 30, 25 / 30, 25 / 30, 25 / 30])
    rng = np.random.default_rng(0)
    moving = 14 / 30 + rng.normal(0, 0.03, 2000)
    reps = np.vstack([np.zeros(2000), moving, moving + 11 / 30, moving + 11 / 30,
                      moving + 11 / 30])
    out = all_or_none_draws(value, reps, np.full(5, 30.0), seed=0, key="k")
    gap = out[3] - out[2]
    assert gap.std() > 0.01 and abs(np.median(gap)) < 0.01  # symmetric, no longer stuck
    np.testing.assert_allclose(out[4] - out[3], 0, atol=0.2)  # each gap its own draw
    percent = all_or_none_draws(value * 100, reps * 100, np.full(5, 30.0), seed=0, key="k")
    np.testing.assert_array_equal(percent, reps * 100)
    flat = np.full((4, 10), 0.5)
    np.testing.assert_array_equal(all_or_none_draws(np.full(4, 0.5), flat, np.full(4, 30.0),
                                                    seed=0, key="k"), flat)


@pytest.mark.parametrize("two_rows_at_a_point", [False, True])
def test_build_curves_takes_a_point_of_one_row_as_the_mean_of_it(two_rows_at_a_point):
    """A point of one row is that row, as its mean of one was: a 0.0 for -0.0 (a mean's sum starts
    from +0.0), NaN kept; the same as a point of two rows takes the mean of. (Issue 13: building
    the curves took a third of their time in means of one row; a review found the -0.0.)"""
    from emergence.stats.points import build_curves

    models = ["a", "b", "c"] + (["c2"] if two_rows_at_a_point else [])
    params = [1e8, 1e9, 1e10] + ([1e10] if two_rows_at_a_point else [])
    value = [-0.0, np.nan, 0.5] + ([0.5] if two_rows_at_a_point else [])
    table = pd.DataFrame({"family": "f", "task": "t", "metric": "acc", "model": models, "params": params,
                          "value": value, "per_example": False, "higher_is_better": True,
                          "kind": "smooth"})
    reps = np.array([[-0.0, 0.25], [np.nan, 0.5], [0.5, 0.75]] + ([[0.5, 0.75]] if two_rows_at_a_point
                                                                    else []))
    (curve,) = build_curves(table, reps, "params")
    assert not np.signbit(curve.value[0]) and not np.signbit(curve.reps[0, 0])
    assert np.isnan(curve.value[1]) and np.isnan(curve.reps[1, 0])
    assert curve.value[2] == 0.5 and curve.reps[2].tolist() == [0.5, 0.75]
    assert curve.models == (("a", "b", "c+c2") if two_rows_at_a_point else ("a", "b", "c"))
    assert reps[0, 0] == 0.0 and np.signbit(reps[0, 0])  # the replicates given are left as they were
