"""Tests of emergence.analysis: one verdict per task on ground truth, the integrity guards, and every
case measured in issue 12 ("Verdicts v2"), each named after what was measured."""

from html import escape

import numpy as np
import pandas as pd
import pytest

import emergence
from emergence.analysis import TASK_COLUMNS, VERDICT_COLUMNS, Thresholds, analyze, parse_pairs
from emergence.errors import EmergenceError, EmergenceWarning
from emergence.simulate import DEFAULT_PARAMS
from emergence.sources import write_csv
from tests.conftest import BENCHMARKS


def _tasks(truth, **kwargs):
    settings = dict(target_lengths=(8,), n_choices=0, n_examples=1000, seed=4) | kwargs
    records = emergence.simulate(family=truth, truth=truth, **settings)
    return analyze(records, bootstrap=200, seed=0).tasks


def _bounded(result):
    """No inf anywhere; every point estimate inside its interval."""
    for table in (result.curves, result.verdicts, result.tasks):
        numbers = table.select_dtypes("number")
        assert not np.isinf(numbers.to_numpy(dtype=float)).any()
    for table, stems in ((result.curves, ("jump", "emergence_score")),
                         (result.verdicts, ("jump_discontinuous", "jump_smooth", "es_discontinuous"))):
        for stem in stems:
            ok = table[stem].notna()
            assert (table.loc[ok, f"{stem}_lo"] <= table.loc[ok, stem] + 1e-12).all()
            assert (table.loc[ok, stem] <= table.loc[ok, f"{stem}_hi"] + 1e-12).all()


def test_tables_have_the_documented_columns_and_one_row_per_task():
    """verdicts: PAIR_COLUMNS first; tasks: TASK_COLUMNS, one row per (family, task)."""
    records = emergence.simulate(n_examples=200, seed=1, target_lengths=(2, 6))
    result = analyze(records, bootstrap=200)
    assert list(result.verdicts.columns[:len(VERDICT_COLUMNS)]) == list(VERDICT_COLUMNS)
    assert list(result.tasks.columns) == list(TASK_COLUMNS)
    assert len(result.tasks) == result.verdicts.groupby(["family", "task"]).ngroups == 3
    _bounded(result)


def test_ground_truth_families_get_their_verdicts():
    """A step in the per-token loss: emergent; exact match linear in log N: no emergence; a power-law
    loss on 12-token answers: mirage (Schaeffer et al. 2023's argument: exact match p ** 12 jumps on
    the GPT-3 ladder, its expected jump effect is 0.85 or more, while p = exp(-L) does not)."""
    assert set(_tasks("sharp")["verdict"]) == {"emergent"}
    assert set(_tasks("linear")["verdict"]) == {"no emergence"}
    assert set(_tasks("power_law", target_lengths=(12,))["verdict"]) == {"mirage"}


def test_smooth_non_power_law_loss_is_a_mirage_not_emergent():
    """Issue 12, measured: a per-token loss falling linearly in log10 N (2.3 -> 0.05 nats, 8 GPT-3
    sizes, 5-token answers, 1,000 examples) was called emergent in 2 of 3 seeds; it is a mirage."""
    for seed in (0, 1, 2):
        tasks = _tasks("loglinear", target_lengths=(5,), seed=seed)
        assert tasks["verdict"].tolist() == ["mirage"], tasks["reason"].tolist()


def test_a_genuine_jump_in_the_smooth_metric_is_never_a_mirage():
    """Issue 12, measured: a power law whose per-token loss halves between 2.7B and 6.7B (per-token
    probability 0.42 -> 0.76) was called mirage in 3 of 3 seeds. Halving L = (N / c) ** -0.5 is
    c / 4 for the larger models; the same seed gives the same examples."""
    params = np.array(DEFAULT_PARAMS)
    for seed in (0, 1, 2):
        small = emergence.simulate(params[params < 5e9], family="halved", target_lengths=(5,),
                                   n_choices=0, n_examples=1000, seed=seed)
        large = emergence.simulate(params[params > 5e9], family="halved", target_lengths=(5,),
                                   n_choices=0, n_examples=1000, seed=seed, c=2e9 / 4)
        result = analyze(pd.concat([small, large], ignore_index=True), bootstrap=200)
        assert result.tasks["verdict"].iloc[0] != "mirage", result.tasks["reason"].tolist()
        primary = result.verdicts[result.verdicts["role"] == "primary"].iloc[0]
        assert primary["jump_smooth_anywhere"] > 0.05  # the smooth metric carries a jump beyond its null


def test_steps_at_either_end_of_the_ladder_are_emergent():
    """Issue 12, measured: the binomial GLM null absorbed a step at the last gap (q = 0.98)."""
    for truth in ("step_first", "step_last"):
        assert set(_tasks(truth, target_lengths=(3,), n_choices=4)["verdict"]) == {"emergent"}, truth


def test_saturating_ceilings_are_not_emergent():
    """Issue 12, measured: the GLM with its ceiling fixed at 1 rejected smooth rises saturating at 0.9
    or 0.7 (it tested the ceiling). A power-law loss with ceilings 0.9 and 0.7 is never emergent."""
    for ceiling in (0.9, 0.7):
        tasks = _tasks("saturating", target_lengths=(1, 5), n_choices=4, ceiling=ceiling)
        assert "emergent" not in set(tasks["verdict"]), tasks[["task", "verdict", "reason"]]


def test_multiple_choice_chance_is_not_applied_to_exact_match():
    """Issue 12, measured: rescore copied the multiple-choice chance (0.25) to exact match, and
    toy-sharp / toy_multiple_choice, emergent by construction, came out inconclusive."""
    records = emergence.load(BENCHMARKS / "toy_sharp.csv.gz")
    result = analyze(records, bootstrap=200)
    chance = result.scores.groupby("metric")["chance"].mean()
    assert np.isnan(chance["exact_match"]) and chance["multiple_choice_grade"] == pytest.approx(0.25)
    mc = result.tasks.set_index("task").loc["toy_multiple_choice"]
    assert mc["verdict"] == "emergent", mc["reason"]


def test_pairs_that_disagree_give_one_task_verdict():
    """Issue 12, measured: arith comp_1digit was mirage with choice_prob and emergent with
    brier_score. Now one verdict per task, from the primary partner, and the totals count tasks."""
    records = emergence.load(BENCHMARKS / "arith_ladder.csv.gz")
    records = records[records["task"] == "comp_1digit"]
    with pytest.warns(EmergenceWarning):
        result = analyze(records, bootstrap=200)
    assert len(result.tasks) == 1
    assert result.tasks["partners_agree"].iloc[0].count("/") == 1
    assert "explained_share" not in result.verdicts


def test_bundled_toy_families_read_as_constructed():
    """benchmarks/: toy-powerlaw is a mirage on its 10- and 15-digit answers and never emergent;
    toy-sharp is emergent wherever it is decided (4 of its 6 tasks at least: at the threshold the
    development grid chose, 0.4, its 3- and 5-digit exact match straddle it); toy-linear shows no
    emergence."""
    records = emergence.load([BENCHMARKS / f"toy_{name}.csv.gz" for name in ("powerlaw", "sharp", "linear")])
    tasks = analyze(records, bootstrap=200).tasks.set_index(["family", "task"])["verdict"]
    powerlaw = tasks["toy-powerlaw"]
    assert {powerlaw["toy_length_10"], powerlaw["toy_length_15"]} == {"mirage"}
    assert "emergent" not in set(powerlaw)
    assert set(tasks["toy-sharp"]) <= {"emergent", "inconclusive"}
    assert (tasks["toy-sharp"] == "emergent").sum() >= 4
    assert set(tasks["toy-linear"]) == {"no emergence"}


def test_pairs_are_compared_on_common_models_only():
    """Issue 12, measured: exact match over 6 models against the smooth metric over 5 gave a wrong
    mirage. The pair is judged on the 5 shared models, with a warning and the reason saying so."""
    records = emergence.simulate(family="f", target_lengths=(6,), n_choices=0, n_examples=300, seed=2)
    scores = emergence.rescore(records, ["exact_match", "target_prob_per_token"])
    drop = (scores["metric"] == "target_prob_per_token") & (scores["params"] == scores["params"].min())
    with pytest.warns(EmergenceWarning, match="compared on the 7 models"):
        result = analyze(scores=scores[~drop].assign(stderr=0.01), bootstrap=200)
    assert result.verdicts["n_scales"].iloc[0] == 7
    assert result.verdicts["reason"].iloc[0].startswith("compared on the 7 models")


def test_same_kind_pairs_are_refused():
    """Issue 12, measured: --pairs acc:acc was accepted and yielded emergent."""
    assert parse_pairs(["exact_match:token_edit_distance"]) == {"exact_match": ("token_edit_distance",)}
    for bad in ("acc:acc", "target_prob_per_token:exact_match", "exact_match:sequence_prob"):
        with pytest.raises(EmergenceError, match="discontinuous metric first"):
            parse_pairs([bad])
    with pytest.raises(EmergenceError, match="DISCONTINUOUS:SMOOTH"):
        parse_pairs(["exact_match"])


def test_distinct_models_of_one_size_are_refused_not_averaged():
    """Issue 12, measured: llama-7B and alpaca-7B in one family were merged silently."""
    scores = emergence.validate_scores(pd.DataFrame({
        "model": ["m1", "llama-7b", "alpaca-7b", "m4"], "params": [1e9, 7e9, 7e9, 3e10],
        "task": "t", "metric": "acc", "value": [0.1, 0.2, 0.5, 0.6], "stderr": 0.01}))
    with pytest.raises(EmergenceError, match="'alpaca-7b', 'llama-7b' all have params"):
        analyze(scores=scores, bootstrap=200)


def test_one_models_checkpoints_are_a_training_curve():
    """Issue 12, measured: the checkpoints of one 1B model on --x compute were judged like a family of
    sizes (a warm-up jump -> emergent). They are a training curve: inconclusive, said so."""
    steps = np.array([1000, 2000, 4000, 8000, 16000, 32000, 64000])
    acc = [0.0, 0.0, 0.0, 0.6, 0.62, 0.63, 0.64]
    scores = emergence.validate_scores(pd.DataFrame({
        "model": "m", "step": np.tile(steps, 2), "params": 1e9, "tokens": np.tile(steps * 2e6, 2),
        "task": "t", "metric": ["acc"] * 7 + ["log_ppl"] * 7,
        "value": acc + [3.0, 2.9, 2.8, 1.0, 0.99, 0.98, 0.97], "stderr": 0.01}))
    result = analyze(scores=scores, x="compute", bootstrap=200)
    assert result.tasks["verdict"].tolist() == ["inconclusive"]
    assert "training curve" in result.tasks["reason"].iloc[0]


def test_seeds_per_size_widen_the_intervals():
    """Seeds of one size are one point and are resampled: with model-level noise, three seeds per size
    give wider intervals than one seed of the same family (DESIGN.md, Statistics 4)."""
    one = emergence.simulate(target_lengths=(3,), n_choices=0, n_examples=500, seed=1, model_noise=0.1)
    three = emergence.simulate(target_lengths=(3,), n_choices=0, n_examples=500, seed=1,
                               model_noise=0.1, seeds=3)
    r1, r3 = analyze(one, bootstrap=200), analyze(three, bootstrap=200)
    width = {name: (r.curves["jump_hi"] - r.curves["jump_lo"]).median()
             for name, r in (("1", r1), ("3", r3))}
    assert width["3"] > width["1"]
    assert r3.settings["uncertainty"].startswith("examples and seeds")
    assert r1.settings["uncertainty"].endswith("conditional on the trained models")
    # the report says so (issue 16): which family has seeds, and that its intervals include them
    from emergence.report.text import seed_note

    assert seed_note(r3).startswith("Seeds: toy (3 seeds per size).")
    assert "include the spread between training runs" in seed_note(r3) and seed_note(r1) == ""


def test_too_few_scales_or_examples_are_inconclusive_and_say_why():
    """Done-when of issue 12: at 4 scales or 30 examples, inconclusive with a true reason."""
    few_scales = _tasks("sharp", params=DEFAULT_PARAMS[-4:], n_examples=500)
    assert few_scales["reason"].str.contains(r"too few scales \(4 < 5\)").all()
    few_examples = _tasks("sharp", n_examples=30)
    assert few_examples["reason"].str.contains(r"too few examples \(30 < 50\)").all()


def test_rejudge_reuses_the_measurements():
    """A stricter threshold changes verdicts, not the measured effects."""
    result = analyze(emergence.simulate(n_examples=300, seed=3, target_lengths=(6,)), bootstrap=200)
    strict = result.rejudge(Thresholds(jump=0.95))
    pd.testing.assert_series_equal(result.verdicts["jump_discontinuous"],
                                   strict.verdicts["jump_discontinuous"])
    assert set(strict.tasks["verdict"]) <= {"no emergence", "inconclusive"}


def test_same_seed_same_verdicts_across_a_split_into_files(tmp_path):
    """One file or the same records split across two files: identical verdict tables."""
    records = emergence.simulate(n_examples=60, seed=5, target_lengths=(3,))
    write_csv(records, tmp_path / "all.csv")
    write_csv(records.iloc[::2], tmp_path / "part1.csv")
    write_csv(records.iloc[1::2], tmp_path / "part2.csv.gz")
    one = analyze(emergence.load(tmp_path / "all.csv"), bootstrap=200, seed=3)
    two = analyze(emergence.load([tmp_path / "part2.csv.gz", tmp_path / "part1.csv"]), bootstrap=200,
                  seed=3)
    pd.testing.assert_frame_equal(one.verdicts, two.verdicts)
    pd.testing.assert_frame_equal(one.tasks, two.tasks)


def test_bootstrap_count_is_checked():
    records = emergence.simulate(n_examples=20, seed=0, target_lengths=(1,), n_choices=0)
    with pytest.raises(EmergenceError, match=r"must be an int >= 100\. Got 10"):
        analyze(records, bootstrap=10)


def test_pythia_lambada_acc_against_log_perplexity_stays_no_emergence(shared_data):
    """DESIGN.md: lambada_openai ppl over Pythia 70M..12B (../shared/data/pythia) scores ES 40 raw and
    8.4 after the log; acc against log ppl is no emergence."""
    from emergence.analysis import with_log_perplexity
    from emergence.stats import emergence_score

    d = pd.read_csv(shared_data / "pythia" / "pythia_evals.csv.gz")
    sel = d[(d.variant == "standard") & (d.eval_group == "zero-shot") & (d.step == 143000)
            & (d.task == "lambada_openai") & ~d.deduped]
    scores = emergence.validate_scores(pd.DataFrame({
        "model": sel.model, "params": sel.params_total, "task": sel.task, "metric": sel.metric,
        "value": sel.value, "stderr": sel.stderr}))
    scores = with_log_perplexity(scores).sort_values("params")
    ppl = scores[scores.metric == "ppl"]["value"].to_numpy()
    log_ppl = scores[scores.metric == "log_ppl"]["value"].to_numpy()
    assert emergence_score(-ppl) == pytest.approx(40, abs=0.5)
    assert emergence_score(-log_ppl) == pytest.approx(8.4, abs=0.05)
    result = analyze(scores=scores, bootstrap=300)
    assert result.verdicts[["discontinuous", "smooth"]].values.tolist() == [["acc", "log_ppl"]]
    assert result.tasks["verdict"].tolist() == ["no emergence"]


def test_subtasks_are_curves_of_their_own():
    """Two subtasks of one task give two curves, not one average (found with BIG-bench subtasks)."""
    scores = emergence.validate_scores(pd.DataFrame({
        "model": [f"m{i}" for i in range(5)] * 2, "params": [1e8, 1e9, 1e10, 1e11, 1e12] * 2,
        "task": "arith", "subtask": ["a"] * 5 + ["b"] * 5, "metric": "acc",
        "value": np.r_[np.linspace(0.1, 0.5, 5), np.linspace(0.2, 0.3, 5)], "stderr": 0.01}))
    curves = analyze(scores=scores, bootstrap=200).curves
    assert curves["task"].tolist() == ["arith:a", "arith:b"]


def test_params_axis_keeps_final_checkpoints_and_says_how_many_it_left_out():
    """The shipped ladder: 8 models x 4 checkpoints; x = params keeps the 8 final ones."""
    records = emergence.load(BENCHMARKS / "arith_ladder.csv.gz")
    records = records[records["task"] == "mul_1digit"]
    with pytest.warns(EmergenceWarning, match=r"final checkpoint \(24 earlier checkpoint\(s\) of 8 model"):
        result = analyze(records, metrics=["exact_match"], bootstrap=100)
    assert result.scores["step"].eq(19532).all() and len(result.scores) == 8


# Cases from the red-team review of the verdicts (a statistician trying to break them with cases
# the first version's tests did not hold); each names what it found.

def _scores(curves, params, task="t"):
    rows = [{"family": "f", "model": f"m{p:.3g}", "params": p, "task": task, "metric": metric,
             "value": v, "stderr": se} for metric, (values, se) in curves.items()
            for p, v in zip(params, values, strict=True)]
    return emergence.validate_scores(pd.DataFrame(rows))


def test_identical_curves_are_never_a_mirage():
    """Red team: the same steep logistic as multiple_choice_grade and as choice_prob read as mirage
    (D and S were measured with different statistics). Now one statistic judges both."""
    x = np.linspace(8, 12, 12)
    y = 0.25 + 0.7 / (1 + np.exp(-(x - 11.5) / 0.25))
    scores = _scores({"multiple_choice_grade": (y, 0.003), "choice_prob": (y, 0.003)}, 10**x)
    tasks = analyze(scores=scores, bootstrap=200).tasks
    assert tasks["verdict"].iloc[0] != "mirage"
    assert tasks["jump_discontinuous"].iloc[0] == pytest.approx(tasks["jump_smooth"].iloc[0])


def test_one_defective_model_is_not_emergence():
    """Red team: a smooth family whose 6.7B model scored like the 760M one (a defective model) read as
    emergent on every task: the recovery after the dip counted as a jump."""
    records = emergence.simulate(truth="power_law", n_examples=400, seed=3, target_lengths=(1, 3))
    source = records[records["model"] == "toy-760M"].reset_index(drop=True)
    rows = records.index[records["model"] == "toy-6.7B"]
    for column in ("prediction", "correct", "target_logprob", "choice_logprobs"):
        records.loc[rows, column] = source[column].to_numpy()
    tasks = analyze(records, bootstrap=200).tasks
    assert "emergent" not in set(tasks["verdict"]), tasks[["task", "verdict", "reason"]]


def test_a_step_on_a_dense_ladder_is_emergent_not_mirage():
    """Red team: 17 models 0.2 decades apart around a step in the per-token loss read as mirage (the
    windows' flanks lay on the step)."""
    params = np.logspace(8, 11.25, 17)
    records = emergence.simulate(params, truth="sharp", n_examples=300, seed=1, target_lengths=(1, 5))
    tasks = analyze(records, bootstrap=200).tasks
    assert "mirage" not in set(tasks["verdict"])
    assert (tasks["verdict"] == "emergent").sum() >= 2


def test_a_constant_discontinuous_curve_is_no_emergence_with_a_true_reason():
    """Red team: exact match 0 at every model gave 'inconclusive: no uncertainty' though 200
    replicates existed; a flat curve carries no jump."""
    records = emergence.simulate(truth="power_law", c=2e13, target_lengths=(8,), n_choices=0,
                                 n_examples=200, seed=0)
    tasks = analyze(records, bootstrap=200).tasks
    assert tasks["verdict"].tolist() == ["no emergence"]
    assert "no uncertainty" not in tasks["reason"].iloc[0]


def test_a_clear_step_at_few_examples_is_not_no_emergence():
    """Red team: 0.30 -> 0.70 between neighbouring models at 60 examples (about 7 standard errors)
    was decided 'no emergence: within its noise' while its J interval lay above the threshold."""
    acc = np.array([0.30, 0.30, 0.30, 0.30, 0.70, 0.70, 0.70, 0.70])
    scores = _scores({"acc": (acc, np.sqrt(0.25 / 60)), "log_ppl": (3 - 2 * (acc > 0.5), 0.01)},
                     np.array(DEFAULT_PARAMS))
    tasks = analyze(scores=scores, bootstrap=200).tasks
    assert tasks["verdict"].iloc[0] != "no emergence", tasks["reason"].iloc[0]


def test_the_mirage_safeguard_does_not_weaken_as_the_run_grows():
    """Red team: S smooth where D jumps but jumping elsewhere blocked mirage alone, and stopped blocking
    it once 30 unrelated tasks diluted its Benjamini-Hochberg q-value. The safeguard is uncorrected."""
    params = np.array(DEFAULT_PARAMS)
    d = np.array([0.25, 0.25, 0.25, 0.26, 0.27, 0.28, 0.30, 0.85])
    s = np.array([0.30, 0.30, 0.55, 0.57, 0.59, 0.61, 0.63, 0.66])
    target = _scores({"multiple_choice_grade": (d, 0.01), "choice_prob": (s, 0.015)}, params, "target")
    verdicts = []
    for extra in (0, 30):
        null = [_scores({"multiple_choice_grade": (0.25 + 0.01 * np.sin(np.arange(8) + j), 0.01),
                         "choice_prob": (0.30 + 0.01 * np.sin(np.arange(8) + j), 0.01)}, params, f"null{j}")
                for j in range(extra)]
        tasks = analyze(scores=pd.concat([target, *null], ignore_index=True), bootstrap=200).tasks
        verdicts.append(tasks.set_index("task").loc["target", "verdict"])
    assert verdicts[0] == verdicts[1] != "mirage"


def test_exact_match_too_noisy_to_jump_alone_is_judged_by_what_s_predicts():
    """Held-out study (analyses/validate_verdicts.py, log10 ladder, loss (N / 5e9)^-0.4, 8-token
    answers, 2,000 examples): exact match rises 0 -> 0.04, its own J = 0.70 [0.45, 0.93] missed BH
    (q = 0.199) and the task read `inconclusive`, though its expected curve's J is 0.87. The exact
    match that sequence_prob predicts jumps there with J = 0.87 [0.86, 0.88]: D is what S predicts,
    S is smooth, so `mirage`. 10 of 16 such tasks had read `inconclusive`."""
    seed = 3174113619  # the study's cell (log10, power_law, 2,000 examples, noise 0.02, replicate 10)
    records = emergence.simulate(np.logspace(7.5, 10.5, 10), truth="power_law", alpha=-0.4, c=5e9,
                                 target_lengths=(2, 4, 8), model_noise=0.02, n_examples=2000,
                                 seed=seed, model_seed=1010)
    result = analyze(records, bootstrap=1000, seed=seed)
    rows = result.verdicts[(result.verdicts["role"] == "primary")].set_index("task")
    assert rows.loc["toy_length_8", "state_discontinuous"] != "jump"  # D alone cannot tell
    assert rows.loc["toy_length_8", "state_predicted"] == "jump"
    tasks = result.tasks.set_index("task")
    assert tasks.loc["toy_length_8", "verdict"] == "mirage"
    assert "is what sequence_prob predicts" in tasks.loc["toy_length_8", "reason"]
    assert tasks.loc["toy_length_2", "verdict"] == "no emergence"  # exact match rises smoothly
    _bounded(result)


def test_what_s_predicts_does_not_decide_when_d_disagrees_with_it():
    """The prediction stands in for D only when D's interval holds the predicted J and D agrees with
    the prediction in level; else D's own unclear test decides (`inconclusive`). First D's J
    interval [0.05, 0.45] lies below the predicted J 0.85."""
    from emergence.stats.decide import pair_verdict

    row = {"training": False, "n_scales": 10, "n_examples": 2000, "per_example": True, "note": "",
           "discontinuous": "exact_match", "smooth": "target_prob_per_token",
           "predictor": "sequence_prob", "state_discontinuous": "unclear",
           "jump_discontinuous": 0.18, "jump_discontinuous_lo": 0.05, "jump_discontinuous_hi": 0.45,
           "q_discontinuous": 0.9, "jump_from": "a", "jump_to": "b",
           "state_predicted": "jump", "jump_predicted": 0.85, "jump_predicted_lo": 0.84,
           "jump_predicted_hi": 0.86, "q_predicted": 0.0,
           "state_smooth": "smooth", "jump_smooth": -0.02, "jump_smooth_lo": -0.03,
           "jump_smooth_hi": -0.01, "jump_smooth_anywhere": -0.02, "jump_smooth_anywhere_lo": -0.03,
           "jump_smooth_anywhere_hi": -0.01, "range_discontinuous": 0.04,
           "discontinuous_within_noise": False, "predicted_agrees": True}
    th = Thresholds()
    assert pair_verdict(row, th)[0] == "inconclusive"
    agree = row | {"jump_discontinuous": 0.5, "jump_discontinuous_hi": 0.90}
    assert pair_verdict(agree, th)[0] == "mirage"
    # red team: D at another level than the prediction never lets it stand in
    assert pair_verdict(agree | {"predicted_agrees": False}, th)[0] == "inconclusive"
    jumping_s = agree | {"state_smooth": "jump", "jump_smooth": 0.7, "jump_smooth_lo": 0.6}
    assert pair_verdict(jumping_s, th)[0] == "emergent"
    unclear_s = agree | {"state_smooth": "unclear", "jump_smooth_anywhere_hi": 0.5}
    assert pair_verdict(unclear_s, th)[0] == "inconclusive"


def _smooth_exact_match_unrelated_to_s(n, top, seed, tokens=5):
    """Red team (helper session): exact match drawn from its own smooth convex curve (expected J
    0.14), not from the sequence probability; target_logprob a smooth power law (N / 5e9)^-0.4 on
    `tokens`-token answers over 10 models 10^7.5..10^10.5, so the predicted exact match jumps."""
    params = np.logspace(7.5, 10.5, 10)
    x = np.log10(params)
    rng = np.random.default_rng(seed)
    d = np.exp(rng.normal(-0.045, 0.3, (n, 1)))
    e = np.exp(rng.normal(-0.02, 0.2, (n, tokens)))
    logp = -((params / 5e9) ** -0.4)[:, None, None] * d[None] * e[None]
    expected = (np.exp(x - x[0]) - 1) / (np.exp(x[-1] - x[0]) - 1) * top
    right = expected[:, None] > rng.uniform(size=n)[None]
    m = len(params)
    return pd.DataFrame({
        "family": "f", "model": np.repeat([f"f-m{i}" for i in range(m)], n),
        "params": np.repeat(params, n), "task": "t",
        "example": np.tile([f"e{i}" for i in range(n)], m), "correct": right.reshape(-1).astype(int),
        "target_logprob": logp.sum(axis=2).reshape(-1), "target_tokens": tokens})


@pytest.mark.parametrize(("n", "top", "seed"), [(1000, 0.04, 5), (100, 0.3, 1)])
def test_exact_match_that_is_not_what_s_predicts_is_never_a_mirage_by_prediction(n, top, seed):
    """Red team of rule 5: (a) exact match J = 0.28 [-0.14, 0.69] (expected 0.14) read `mirage`
    because its wide interval held the predicted J 0.68 (9 of 20 seeds); (b) at 100 examples an
    exact match 2.5 times the predicted level read `mirage` (3 of 10 seeds): J is relative to each
    curve's range, so agreement in J is not agreement. Now D must look like it jumps and agree with
    the prediction in level at every model."""
    tasks = analyze(_smooth_exact_match_unrelated_to_s(n, top, seed), bootstrap=300, seed=0).tasks
    assert tasks["verdict"].iloc[0] in ("inconclusive", "no emergence"), tasks["reason"].iloc[0]


def test_more_noise_never_buys_more_confidence():
    """Issue 17 item 4, measured: accuracies with stderr 0.3 gave ES 12.2 with a 95% interval
    [-4.6, 8.7] (the estimate outside it) and `no emergence`. Now the estimate is inside its
    interval and noise that large leaves the task `inconclusive`."""
    params = np.array([1e8, 3e8, 1e9, 3e9, 1e10])
    acc = np.array([0.1, 0.12, 0.15, 0.5, 0.55])
    scores = _scores({"acc": (acc, 0.3), "log_ppl": (np.linspace(3.0, 2.2, 5), 0.01)}, params)
    result = analyze(scores=scores, bootstrap=500)
    assert result.tasks["verdict"].iloc[0] == "inconclusive"
    _bounded(result)
    quiet = analyze(scores=_scores({"acc": (acc, 0.01), "log_ppl": (np.linspace(3.0, 2.2, 5), 0.01)},
                                   params), bootstrap=500)
    noisy, calm = (r.curves.set_index("metric").loc["acc"] for r in (result, quiet))
    assert noisy["jump_hi"] - noisy["jump_lo"] > calm["jump_hi"] - calm["jump_lo"]


# -- notebook display (issue 15): a short repr, an HTML table, summary() and to_frame() ---------------

@pytest.fixture(scope="module")
def shown():
    """Nine tasks of two families, one of them named like markup (HTML must show it as text)."""
    records = emergence.simulate(n_examples=60, seed=1, target_lengths=(1, 2, 3, 4, 6, 8, 10))
    other = records[records["task"] == "toy_length_2"].assign(family="<b>fam</b>",
                                                              task="<script>alert(1)</script>")
    return analyze(pd.concat([records, other], ignore_index=True), bootstrap=100)


def test_repr_is_short_and_says_how_to_see_more(shown):
    """Issue 15: repr(result) dumped whole DataFrames; now < 20 lines: tasks per verdict, families,
    settings, and where the tables are."""
    text = repr(shown)
    lines = text.splitlines()
    assert len(lines) < 20 and max(map(len, lines)) < 250
    assert lines[0].startswith(f"Analysis: {len(shown.tasks)} task(s) judged in 2 families")
    counts = shown.tasks["verdict"].value_counts()
    for verdict in ("emergent", "mirage", "no emergence", "inconclusive"):
        (line,) = [x for x in lines if x.strip().startswith(verdict + ":")]
        assert int(line.split(":")[1].split()[0]) == counts.get(verdict, 0)
    assert "x = params, 100 bootstrap replicates, seed 0" in text
    assert ".summary()" in text and ".to_frame(" in text
    assert "DataFrame" not in text and "jump_discontinuous_lo" not in text
    empty = emergence.analysis.Analysis(*[pd.DataFrame()] * 4)
    assert repr(empty).splitlines()[0] == "Analysis: 0 task(s) judged in 0 families"
    assert "no discontinuous/smooth metric pair to judge" in empty._repr_html_()
    assert str(empty.summary()) == "no discontinuous/smooth metric pair to judge"


def test_repr_html_lists_every_task_with_a_badge_and_escapes_names(shown):
    """The notebook table has one row per task, each with its verdict badge; names are text, never
    markup (a task named <script> cannot run in the notebook)."""
    page = shown._repr_html_()
    assert "<script" not in page and "<b>fam" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;fam&lt;/b&gt;" in page
    assert page.count("<tr><td") == len(shown.tasks)
    for row in shown.tasks.itertuples():
        assert f">{escape(row.task)}</td>" in page
    assert page.count('<span style="background:') == len(shown.tasks)


def test_summary_returns_the_task_and_pair_tables_and_prints_the_task_lines(shown):
    """summary() used to return only the text table; it now holds the per-task and per-pair tables,
    and str() of it is still that text table (print(result.summary()) in the README is unchanged)."""
    summary = shown.summary()
    pd.testing.assert_frame_equal(summary.tasks, shown.tasks)
    pd.testing.assert_frame_equal(summary.pairs, shown.verdicts)
    assert str(summary) == emergence.analysis.task_lines(shown.tasks)
    assert len(str(summary).splitlines()) == len(shown.tasks) + 1
    assert "&lt;script&gt;" in summary._repr_html_()


def test_to_frame_gives_each_level_as_a_copy(shown):
    """to_frame('task' | 'pair' | 'curve' | 'score') returns that table; changing it leaves the result
    as it was; another level is refused naming the parameter, the value and what is allowed."""
    for level, table in (("task", shown.tasks), ("pair", shown.verdicts), ("curve", shown.curves),
                         ("score", shown.scores)):
        frame = shown.to_frame(level)
        pd.testing.assert_frame_equal(frame, table)
        frame.iloc[:, 0] = "changed"
        assert not (table.iloc[:, 0] == "changed").any()
    pd.testing.assert_frame_equal(shown.to_frame(), shown.tasks)
    with pytest.raises(EmergenceError, match=r"The 'level' parameter of to_frame must be one of 'task', "
                       r"'pair', 'curve', 'score'\. Got 'tasks' instead\."):
        shown.to_frame("tasks")


def test_a_notebook_shows_the_task_table(tmp_path):
    """Issue 15: in Jupyter (nbclient, headless) `result` renders the per-task HTML table, and its
    plain repr stays under 20 lines."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    code = ("import emergence\n"
            "result = emergence.analyze(emergence.simulate(n_examples=80, target_lengths=(1, 5)), "
            "bootstrap=100)\nresult")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    (output,) = [o for o in notebook.cells[0].outputs if o["output_type"] == "execute_result"]
    html = output["data"]["text/html"]
    assert "<table" in html and "toy_length_5" in html
    # the summary figure, small and inline, before the table; drawn off pyplot, so the cell shows no
    # second copy of it
    assert html.index('<img alt="jump of D against jump of S') < html.index("<table")
    assert "data:image/png;base64," in html
    assert not [o for o in notebook.cells[0].outputs if o["output_type"] == "display_data"]
    assert len(output["data"]["text/plain"].splitlines()) < 20


def _loss_family(name, d, s):
    """Eight models whose loss falls from 4.0 to 2.25 nats; D and S as given, stderr 0.01."""
    loss = np.arange(4.0, 2.0, -0.25)
    return [{"family": name, "model": f"{name}-{i}", "params": 1e8 * 2**i, "loss": loss[i], "task": "t",
             "metric": metric, "kind": kind, "higher_is_better": True, "value": v[i], "stderr": 0.01}
            for i in range(8) for metric, kind, v in (("exact_match", "discontinuous", d),
                                                      ("target_prob_per_token", "smooth", s))]


def test_loss_axis_finds_the_truth_and_runs_from_high_to_low_loss():
    """Issue 16: --x loss, on families whose truth on the loss axis is known: exact match steps once
    the loss falls below 3.0 nats (Du et al. 2024's threshold picture) with S stepping there too
    (emergent) or falling linearly with the loss (mirage), and both linear in the loss (no
    emergence). Read in the wrong direction the steps would be drops, and no verdict would jump."""
    loss = np.arange(4.0, 2.0, -0.25)
    step = np.where(loss > 3.0, 0.01, 0.6) + 0.02 * np.arange(8) * (loss <= 3.0)
    linear = np.linspace(0.05, 0.75, 8)
    scores = pd.DataFrame(_loss_family("emergent", step, np.where(loss > 3.0, 0.1, 0.7))
                          + _loss_family("mirage", step, linear) + _loss_family("none", linear, linear))
    result = emergence.analyze(scores=scores, x="loss", bootstrap=200, seed=0)
    verdicts = result.tasks.set_index("family")
    assert verdicts["verdict"].to_dict() == {"emergent": "emergent", "mirage": "mirage",
                                             "none": "no emergence"}
    # the step is placed where the loss crosses 3.0: between the model at 3.0 and the one at 2.75
    assert verdicts.loc["emergent", ["jump_from", "jump_to"]].tolist() == ["emergent-3", "emergent-4"]
    curve = result.curves.iloc[0]
    assert (curve["x"], curve["x_min"], curve["x_max"]) == ("loss", 4.0, 2.25)  # first to last point


def test_seeds_with_one_model_name_and_no_fake_seeds_on_a_shared_x():
    """Issue 16 review: one model name with a seed column was 25 'duplicate rows' errors (a seed is
    part of what identifies a trained model now); and two checkpoints of one model that share an x
    (the same loss) were counted as '2 seeds per size'."""
    from emergence.report.text import seed_note

    records = emergence.simulate(target_lengths=(3,), n_choices=0, n_examples=100, seed=1, model_noise=0.1,
                                 seeds=3)
    same_name = records.assign(model=records["model"].str.replace(r"-s\d$", "", regex=True))
    result = analyze(same_name, bootstrap=100)
    assert (result.curves["seeds_per_scale"] == 3).all()
    assert result.settings["uncertainty"].startswith("examples and seeds")
    loss = np.repeat([3.0, 2.8, 2.6, 2.4, 2.2, 2.0], 2)  # two checkpoints of each model, one loss
    scores = pd.DataFrame({"family": "f", "model": np.repeat([f"m{i}" for i in range(6)], 2),
                           "step": [1, 2] * 6, "params": np.repeat(1e8 * 2.0 ** np.arange(6), 2),
                           "loss": loss,
                           "task": "t", "metric": "exact_match", "kind": "discontinuous",
                           "higher_is_better": True, "value": np.linspace(0.1, 0.6, 12), "stderr": 0.01})
    on_loss = analyze(scores=scores, x="loss", bootstrap=100)
    assert (on_loss.curves["seeds_per_scale"] == 1).all() and seed_note(on_loss) == ""
    assert "seeds" not in on_loss.settings["uncertainty"]
