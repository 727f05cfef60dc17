"""Tests of emergence.simulate against the Mirage paper's toy model (Schaeffer et al. 2023)."""

import numpy as np
import pandas as pd
import pytest

import emergence
from emergence.errors import EmergenceError
from emergence.simulate import (
    DEFAULT_PARAMS,
    MIRAGE_FIG2_PARAMS,
    TRUTHS,
    simulate,
    toy_loss,
    toy_model,
)
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


# --- ground truths of the validation study -----------------------------------------------------


def _loss_by_model(records):
    """Mean per-token loss -target_logprob / target_tokens of each model, by model order."""
    rows = records.dropna(subset=["target_logprob"])
    loss = -rows["target_logprob"] / rows["target_tokens"]
    return loss.groupby([rows["params"], rows["model"]], sort=True).mean().to_numpy()


def _accuracy_by_model(records, task):
    """Exact match (generation) or multiple-choice grade (argmax == gold) of each model."""
    rows = records[records["task"] == task]
    if task == "toy_multiple_choice":
        hit = rows["choice_logprobs"].map(np.argmax) == rows["gold"]
    else:
        hit = rows["correct"] == 1
    return hit.groupby([rows["params"], rows["model"]], sort=True).mean().to_numpy()


def test_default_output_is_unchanged():
    """Reference sums computed with the code at commit 273cfec, before the new truths existed."""
    records = simulate(n_examples=20, seed=3)
    assert records["target_logprob"].sum() == pytest.approx(-3563.4561237470543, rel=1e-12)
    assert records["correct"].sum() == 148
    choice = records["choice_logprobs"].dropna()
    assert sum(map(sum, choice)) == pytest.approx(-1347.81759, rel=1e-12)
    assert records["prediction"].iloc[[0, 500]].tolist() == ["4", "5048"]
    assert list(records.columns) == [
        "family", "model", "params", "tokens", "compute", "task", "example", "target",
        "prediction", "correct", "target_logprob", "target_tokens", "chance", "choice_logprobs",
        "gold",
    ]
    for truth, logprob, correct in [("sharp", -4172.747535655114, 147),
                                    ("linear", -986.2183473699044, 286)]:
        records = simulate(truth=truth, n_examples=20, seed=3)
        assert records["target_logprob"].sum() == pytest.approx(logprob, rel=1e-12)
        assert records["correct"].sum() == correct


def test_new_parameters_at_their_defaults_change_nothing():
    """Parameters of other truths are ignored; saturating with ceiling=1 is the power law."""
    base = simulate(n_examples=10, seed=5)
    pd.testing.assert_frame_equal(base, simulate(
        n_examples=10, seed=5, loss_start=1.0, loss_end=0.5, step_width=0.3, step_at=9.0,
        ceiling=0.4, model_noise=0.0, seeds=1))
    pd.testing.assert_frame_equal(base, simulate(truth="saturating", ceiling=1.0, n_examples=10,
                                                 seed=5))


def test_loglinear_loss_is_linear_in_log_params():
    """Mean per-token loss is a straight line in log10 N from loss_start=2.3 to loss_end=0.05.

    Every model shares the example draws, so the mean loss is L(N) times one constant (the mean of
    d_i e_it, about 1 at 2000 examples): exactly linear; the ends are 2.3 and 0.05 to within 2%.
    """
    records = simulate(truth="loglinear", target_lengths=(2,), n_choices=0, n_examples=2000, seed=0)
    loss = _loss_by_model(records)
    x = np.log10(DEFAULT_PARAMS)
    fit = np.polyfit(x, loss, 1)
    np.testing.assert_allclose(np.polyval(fit, x), loss, atol=1e-9)
    assert loss[0] == pytest.approx(2.3, rel=0.02)
    assert loss[-1] == pytest.approx(0.05, rel=0.02)
    # not a power law: log loss against log N bends (a power law would be a straight line there)
    log_fit = np.polyfit(x, np.log10(loss), 1)
    assert np.abs(np.polyval(log_fit, x) - np.log10(loss)).max() > 0.1


@pytest.mark.parametrize("truth", ["step_first", "step_last"])
def test_end_steps_drop_at_one_end(truth):
    """The step of 'sharp' (2.5 -> 0.1 nats) sits in the first or last gap and is complete there.

    With width gap / 10, the neighbouring sizes lie 5 widths from the centre: the loss there is
    within 2.4 / (1 + e^5) = 0.016 nats of 2.5 or 0.1 (times the shared mean of d_i e_it).
    """
    records = simulate(truth=truth, target_lengths=(2,), n_choices=0, n_examples=50, seed=0)
    loss = _loss_by_model(records)
    high, low = (loss[:1], loss[1:]) if truth == "step_first" else (loss[:-1], loss[-1:])
    np.testing.assert_allclose(high, high[0], rtol=0.01)
    np.testing.assert_allclose(low, low[0], rtol=0.2)
    assert high.min() / low.max() > 15  # 2.5 / 0.1 = 25, less the leftover 0.016 nats
    em = _accuracy_by_model(records, "toy_length_2")
    jump = np.diff(em)
    assert np.argmax(jump) == (0 if truth == "step_first" else len(jump) - 1)


def test_step_at_and_step_width_move_the_step():
    """step_first moved to the last gap with the same width is step_last, record for record."""
    x = np.log10(DEFAULT_PARAMS)
    centre, width = (x[-2] + x[-1]) / 2, (x[-1] - x[-2]) / 10  # step_last's defaults
    last = simulate(truth="step_last", n_examples=10, seed=2)
    moved = simulate(truth="step_first", step_at=centre, step_width=width, n_examples=10, seed=2)
    pd.testing.assert_frame_equal(last, moved)
    assert not last.equals(simulate(truth="step_last", step_width=0.5, n_examples=10, seed=2))


def test_saturating_accuracy_stops_at_the_ceiling():
    """Exact match on 1-token answers at 175B is ceiling * p + (1 - ceiling) * exp(-4).

    Without difficulty or noise p = exp(-(1.75e11 / 2e9) ** -0.5) = 0.8986 (the toy power law);
    0.7 of 2000 examples are solvable exactly; binomial sd about 0.006. Multiple choice: the
    unsolved examples put 0.018 on the right choice, so accuracy stops at 0.7.
    """
    records = simulate(truth="saturating", target_lengths=(1,), n_examples=2000, difficulty=0.0,
                       noise=0.0, seed=0)
    em = _accuracy_by_model(records, "toy_length_1")
    p = np.exp(-toy_loss(DEFAULT_PARAMS[-1]))
    assert em[-1] == pytest.approx(0.7 * p + 0.3 * np.exp(-4.0), abs=0.025)
    mc = _accuracy_by_model(records, "toy_multiple_choice")
    assert mc[-1] == pytest.approx(0.7, abs=1e-12)
    # the unsolvable examples keep 4 nats at every size
    rows = records[records["task"] == "toy_length_1"]
    per_example = rows.pivot(index="example", columns="params", values="target_logprob")
    stuck = (per_example == -4.0).all(axis=1)
    assert stuck.sum() == 600


def test_inverse_scaling_gets_worse_with_size():
    """L(N) = 0.3 (N / 1e8) ** 0.25: exact match falls from about exp(-0.32) to exp(-1.94)."""
    records = simulate(truth="inverse", target_lengths=(1,), n_examples=200, seed=0)
    em = _accuracy_by_model(records, "toy_length_1")
    assert np.all(np.diff(em) <= 0)  # paired draws: a larger loss never gets more right
    assert em[0] - em[-1] > 0.4
    assert np.all(np.diff(_loss_by_model(records)) > 0)


def test_flat_sits_at_chance():
    """Loss 3 nats at every size; multiple-choice accuracy within 4 sd of 1/4 (sd 0.022 at 400)."""
    records = simulate(truth="flat", target_lengths=(1,), n_examples=400, seed=0)
    loss = _loss_by_model(records)
    np.testing.assert_allclose(loss, loss[0], rtol=1e-12)
    assert loss[0] == pytest.approx(3.0, rel=0.05)
    mc = _accuracy_by_model(records, "toy_multiple_choice")
    np.testing.assert_allclose(mc, mc[0])
    assert abs(mc[0] - 0.25) < 4 * np.sqrt(0.25 * 0.75 / 400)


def test_model_noise_factors_do_not_depend_on_n_examples():
    """Without difficulty or noise each record's loss is toy_loss(N) times its model's factor.

    The factors come from their own generator keyed by the seed, so 5 or 50 examples give the
    same factors, bit for bit; another seed gives others.
    """
    def factors(n_examples, seed):
        records = simulate(target_lengths=(1,), n_choices=0, n_examples=n_examples,
                           difficulty=0.0, noise=0.0, model_noise=0.3, seed=seed)
        first = records.groupby("params", sort=True)["target_logprob"].first()
        return -first.to_numpy() / toy_loss(DEFAULT_PARAMS)

    few = factors(5, seed=4)
    np.testing.assert_array_equal(few, factors(50, seed=4))
    assert not np.allclose(few, factors(5, seed=5))
    assert np.std(np.log(few)) > 0.05
    # and the factor is the one documented: exp(0.3 z - 0.3**2 / 2), z from default_rng([4, 7919])
    z = np.random.default_rng([4, 7919]).standard_normal(len(DEFAULT_PARAMS))
    np.testing.assert_allclose(few, np.exp(0.3 * z - 0.3**2 / 2), rtol=1e-12)


def test_model_seed_keeps_the_models_and_redraws_the_examples():
    """model_seed fixed, seed varied: the same model factors (bit for bit), other examples."""
    def run(seed, model_seed):
        return simulate(target_lengths=(2,), n_choices=0, n_examples=40, difficulty=0.0, noise=0.0,
                        model_noise=0.3, seed=seed, model_seed=model_seed)

    a, b = run(1, model_seed=9), run(2, model_seed=9)
    loss_a = -a.groupby("params")["target_logprob"].first() / 2
    loss_b = -b.groupby("params")["target_logprob"].first() / 2
    np.testing.assert_allclose(loss_a, loss_b, rtol=1e-12)  # same models
    assert (a["target"] != b["target"]).any()  # other examples
    # model_seed=None is the seed itself (the documented default)
    pd.testing.assert_frame_equal(run(9, None), run(9, model_seed=9))


def test_seeds_give_several_models_per_size():
    """seeds=3: three models per size named -s0..-s2, an int seed column, own model factors."""
    records = simulate(n_examples=5, seeds=3, model_noise=0.2, seed=1)
    assert (records.groupby("params")["model"].nunique() == 3).all()
    assert records["seed"].dtype.kind == "i"
    assert sorted(records["seed"].unique()) == [0, 1, 2]
    assert "toy-1.3B-s2" in set(records["model"])
    loss = _loss_by_model(records).reshape(len(DEFAULT_PARAMS), 3)
    assert (np.ptp(loss, axis=1) > 0).all()  # the seeds of a size differ by their model factor
    same = _loss_by_model(simulate(n_examples=5, seeds=3, seed=1)).reshape(-1, 3)
    np.testing.assert_array_equal(same, same[:, :1].repeat(3, axis=1))  # no noise: identical


@pytest.mark.parametrize("truth", list(TRUTHS))
def test_every_truth_gives_valid_records(truth):
    """Generation and multiple-choice tasks work for every truth, with seeds and model noise."""
    records = simulate(truth=truth, n_examples=5, seeds=2, model_noise=0.2, seed=0)
    valid = emergence.validate_records(records)
    assert len(valid) == 8 * 2 * 6 * 5
    assert (records["target_logprob"].dropna() <= 0).all()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"ceiling": 1.5}, r"The 'ceiling' parameter must be in \(0, 1\]\. Got 1\.5 instead\."),
    ({"ceiling": 0.0}, r"'ceiling' parameter must be in \(0, 1\]"),
    ({"model_noise": -0.1}, r"'model_noise' parameter must be a finite number >= 0"),
    ({"seeds": 0}, r"'seeds' parameter must be an int >= 1\. Got 0"),
    ({"seeds": 2.5}, r"'seeds' parameter must be an int >= 1"),
    ({"step_width": 0.0}, r"'step_width' parameter must be None or a number > 0"),
    ({"step_at": float("nan")}, r"'step_at' parameter must be None or a finite log10 N"),
    ({"loss_start": -1.0}, r"'loss_start' parameter must be a finite number >= 0"),
    ({"loss_end": float("inf")}, r"'loss_end' parameter must be a finite number >= 0"),
    ({"truth": "step_last", "params": [1e9]}, r"truth='step_last' needs at least two distinct"),
])
def test_simulate_rejects_bad_new_parameters(kwargs, message):
    """New parameters out of range get the scikit-learn style message."""
    with pytest.raises(EmergenceError, match=message):
        simulate(n_examples=2, **kwargs)
