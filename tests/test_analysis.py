"""Tests of emergence.analysis: verdicts on ground truth, their columns, reasons and reproducibility."""

import numpy as np
import pandas as pd
import pytest

import emergence
from emergence.analysis import VERDICT_COLUMNS, Thresholds, analyze, parse_pairs
from emergence.cli import main
from emergence.errors import EmergenceError, EmergenceWarning
from emergence.simulate import DEFAULT_PARAMS
from emergence.sources import write_csv
from tests.conftest import BENCHMARKS


def _verdicts(truth, **kwargs):
    settings = dict(target_lengths=(5,), n_choices=0, n_examples=1000, seed=4) | kwargs
    records = emergence.simulate(family=truth, truth=truth, **settings)
    return analyze(records, bootstrap=300, seed=0).verdicts


def test_verdict_table_has_the_documented_columns():
    """verdicts has at least the columns the statistics issue lists, in order."""
    required = ["family", "task", "discontinuous", "smooth", "n_scales", "n_examples",
                "es_discontinuous", "es_discontinuous_lo", "es_discontinuous_hi", "es_smooth",
                "es_smooth_lo", "es_smooth_hi", "p_value", "q_value", "backtest_error",
                "explained_share", "verdict", "reason"]
    table = _verdicts("linear", n_examples=100)
    assert [c for c in table.columns if c in required] == required
    assert list(table.columns) == list(VERDICT_COLUMNS)


def test_ground_truth_families_get_their_verdicts():
    """Sharp per-token loss: emergent; linear accuracy: no emergence; power law on 5 digits: mirage."""
    assert set(_verdicts("sharp")["verdict"]) == {"emergent"}
    assert set(_verdicts("linear")["verdict"]) == {"no emergence"}
    mirage = _verdicts("power_law", n_examples=5000, difficulty=0.0, noise=0.0)
    assert set(mirage["verdict"]) == {"mirage"}
    # the mean sequence probability accounts for the whole jump of exact match (Mirage's argument)
    assert mirage["explained_share"].iloc[0] == pytest.approx(1.0, abs=0.1)


def test_inconclusive_verdicts_say_why():
    """Three scales, or ten examples, give inconclusive with the reason."""
    few_scales = _verdicts("sharp", params=DEFAULT_PARAMS[-3:], n_examples=200)
    assert set(few_scales["verdict"]) == {"inconclusive"}
    assert few_scales["reason"].str.contains("too few scales").all()
    few_examples = _verdicts("sharp", n_examples=10)
    assert few_examples["reason"].str.contains(r"too few examples \(10 < 20\)").all()


def test_q_values_are_benjamini_hochberg_over_the_judged_curves():
    """q-values are statsmodels' fdr_bh over the curves that enter a verdict; extra metrics
    (sequence_prob, target_logprob_per_token) form a family of their own and change nothing."""
    from statsmodels.stats.multitest import multipletests

    from emergence.analysis import DEFAULT_PAIRS

    records = emergence.simulate(n_examples=100, seed=1, target_lengths=(2, 4))
    curves = analyze(records, bootstrap=200).curves
    judged = curves["metric"].isin(set(DEFAULT_PAIRS) | {m for s in DEFAULT_PAIRS.values() for m in s})
    np.testing.assert_allclose(curves.loc[judged, "q_value"],
                               multipletests(curves.loc[judged, "p_value"], method="fdr_bh")[1])
    fewer = analyze(records, bootstrap=200, metrics=["exact_match", "token_edit_distance",
                                                     "target_prob_per_token", "target_logprob",
                                                     "multiple_choice_grade", "choice_prob",
                                                     "brier_score"]).curves
    pd.testing.assert_series_equal(fewer["q_value"].reset_index(drop=True),
                                   curves.loc[judged, "q_value"].reset_index(drop=True))


def test_aggregate_scores_get_verdicts_that_say_so():
    """Scores without examples get intervals from stderr and a reason naming the missing data."""
    sizes = np.array([7e7, 1.6e8, 4.1e8, 1e9, 1.4e9, 2.8e9, 6.9e9, 1.2e10])
    acc = np.array([0.01, 0.01, 0.02, 0.02, 0.03, 0.05, 0.40, 0.45])
    bpb = np.array([1.30, 1.20, 1.10, 1.00, 0.95, 0.90, 0.85, 0.80])
    scores = emergence.validate_scores(pd.DataFrame({
        "model": [f"m{i}" for i in range(8)] * 2, "params": np.tile(sizes, 2), "task": "t",
        "metric": ["acc"] * 8 + ["bits_per_byte"] * 8, "value": np.r_[acc, bpb],
        "stderr": np.r_[np.full(8, 0.005), np.full(8, 0.005)],
    }))
    verdicts = analyze(scores=scores, bootstrap=300).verdicts
    assert verdicts["smooth"].tolist() == ["bits_per_byte"]
    assert verdicts["reason"].str.startswith("no per-example data").all()
    assert verdicts["verdict"].iloc[0] == "mirage"


def test_same_seed_same_verdicts_across_a_split_into_files(tmp_path):
    """One file or the same records split across two files: identical verdict tables."""
    records = emergence.simulate(n_examples=60, seed=5, target_lengths=(3,))
    write_csv(records, tmp_path / "all.csv")
    write_csv(records.iloc[::2], tmp_path / "part1.csv")
    write_csv(records.iloc[1::2], tmp_path / "part2.csv.gz")
    one = analyze(emergence.load(tmp_path / "all.csv"), bootstrap=200, seed=3).verdicts
    two = analyze(emergence.load([tmp_path / "part2.csv.gz", tmp_path / "part1.csv"]),
                  bootstrap=200, seed=3).verdicts
    pd.testing.assert_frame_equal(one, two)


def test_parameters_are_checked():
    """Bad bootstrap counts and pair specifications are refused with what was given."""
    records = emergence.simulate(n_examples=20, seed=0, target_lengths=(1,), n_choices=0)
    with pytest.raises(EmergenceError, match=r"must be an int >= 100\. Got 10"):
        analyze(records, bootstrap=10)
    assert parse_pairs(["exact_match:token_edit_distance"]) == {"exact_match": ("token_edit_distance",)}
    with pytest.raises(EmergenceError, match="DISCONTINUOUS:SMOOTH"):
        parse_pairs(["exact_match"])
    assert Thresholds().sharp_ratio > 1


def test_cli_writes_verdicts_and_honours_pairs(tmp_path, capsys):
    """analyze --pairs writes verdicts.csv with only the pairs asked for."""
    path = tmp_path / "toy.csv"
    write_csv(emergence.simulate(n_examples=50, seed=0, target_lengths=(4,), n_choices=0), path)
    code = main(["analyze", str(path), "--out", str(tmp_path / "rep"), "--bootstrap", "200",
                 "--pairs", "exact_match:token_edit_distance"])
    assert code == 0
    verdicts = pd.read_csv(tmp_path / "rep" / "verdicts.csv")
    assert verdicts[["discontinuous", "smooth"]].drop_duplicates().values.tolist() == [
        ["exact_match", "token_edit_distance"]]
    assert "Verdicts" in capsys.readouterr().out
    assert main(["analyze", str(path), "--out", str(tmp_path / "r2"), "--pairs", "nonsense"]) == 2


def test_pythia_lambada_perplexity_and_its_log(shared_data):
    """DESIGN.md: lambada_openai ppl over Pythia 70M..12B scores ES 40 raw and 8.4 after the log."""
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
    assert ppl[0] == pytest.approx(142.4, abs=0.05) and len(ppl) == 7
    assert emergence_score(-ppl) == pytest.approx(40, abs=0.5)
    assert emergence_score(-log_ppl) == pytest.approx(8.4, abs=0.05)
    verdicts = analyze(scores=scores, bootstrap=300).verdicts
    assert verdicts[["discontinuous", "smooth"]].values.tolist() == [["acc", "log_ppl"]]
    assert verdicts["verdict"].iloc[0] == "no emergence"


def test_flat_before_jump_tells_emergence_from_saturation():
    """Mirage-style rise passes; Pythia-deduped lambada acc (a saturating curve) does not."""
    from emergence.analysis import flat_before_jump

    assert flat_before_jump([6.4e-6, 0.002, 0.065, 0.607])  # Mirage Fig. 2C
    # ../shared/data/pythia lambada_openai acc, deduped, 70m..12b, step 143000
    assert not flat_before_jump([0.192, 0.342, 0.524, 0.580, 0.619, 0.651, 0.689, 0.710])
    assert not flat_before_jump([0.0, 1.0])  # one step: nothing before it


def test_infinite_scores_still_give_a_paired_difference():
    """10-digit answers: exact match is 0 at most sizes, so every replicate scores inf; still mirage.

    Found in review: dropping infinite replicates left no difference and an inconclusive verdict.
    """
    records = emergence.simulate(truth="power_law", target_lengths=(10,), n_choices=0, n_examples=300,
                                 seed=0)
    verdicts = analyze(records, bootstrap=300).verdicts
    assert set(verdicts["verdict"]) == {"mirage"}
    assert (verdicts["difference_lo"] > 0).all()


def test_stderr_replicates_are_independent_across_checkpoints():
    """Aggregate rows of one model at several steps get their own draws (a linear curve's ES varies)."""
    steps = np.array([1000, 3000, 13000, 33000, 63000, 103000, 143000])
    scores = emergence.validate_scores(pd.DataFrame({
        "model": "m", "step": steps, "params": 1e9, "task": "t", "metric": "acc",
        "value": np.linspace(0.2, 0.5, 7), "stderr": 0.01}))
    curve = analyze(scores=scores, x="step", bootstrap=300).curves.iloc[0]
    assert curve["emergence_score_hi"] - curve["emergence_score_lo"] > 0.5


def test_subtasks_are_curves_of_their_own():
    """Two subtasks of one task give two curves, not one average (found with BIG-bench subtasks)."""
    scores = emergence.validate_scores(pd.DataFrame({
        "model": [f"m{i}" for i in range(5)] * 2, "params": [1e8, 1e9, 1e10, 1e11, 1e12] * 2,
        "task": "arith", "subtask": ["a"] * 5 + ["b"] * 5, "metric": "acc",
        "value": np.r_[np.linspace(0.1, 0.5, 5), np.linspace(0.2, 0.3, 5)], "stderr": 0.01}))
    curves = analyze(scores=scores, bootstrap=200).curves
    assert curves["task"].tolist() == ["arith:a", "arith:b"]


def test_params_axis_keeps_final_checkpoints_and_says_how_many_it_left_out():
    """The shipped ladder (benchmarks/arith_ladder.csv.gz): 8 models x 4 checkpoints; x = params
    keeps the 8 final ones and the warning counts checkpoints, not score rows."""
    records = emergence.load(BENCHMARKS / "arith_ladder.csv.gz")
    records = records[records["task"] == "mul_1digit"]
    with pytest.warns(EmergenceWarning, match=r"final checkpoint \(24 earlier checkpoint\(s\) of 8 model"):
        result = analyze(records, metrics=["exact_match"], bootstrap=100)
    assert result.scores["step"].eq(19532).all() and len(result.scores) == 8
