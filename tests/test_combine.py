"""Tests of emergence.combine: reported scores meet the scores rescored from the same examples."""

import warnings
from pathlib import Path

import pandas as pd
import pytest

from emergence.combine import combined_table
from emergence.errors import EmergenceWarning

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "lm_eval" / "synthetic_lm_eval_0.4.13"


def _records() -> pd.DataFrame:
    """One model, a multiple-choice task (mc) and a loglikelihood task (lam), 4 examples each."""
    from emergence.schema import validate_records

    mc = pd.DataFrame({"family": "f", "model": "m-1b", "params": 1e9, "task": "mc", "example": range(4),
                       "choice_logprobs": [[-1.0, -2.0]] * 4, "gold": [0, 0, 1, 1]})
    lam = pd.DataFrame({"family": "f", "model": "m-1b", "params": 1e9, "task": "lam", "example": range(4),
                        "correct": [1, 0, 0, 0], "target_logprob": [-0.5, -3.0, -4.0, -2.0],
                        "target_tokens": 1})
    return validate_records(pd.concat([mc, lam], ignore_index=True))


def test_reported_copies_give_way_to_the_rescored_metric():
    """lm-eval's reported acc is multiple_choice_grade on a choice task and exact_match on a
    loglikelihood task: one row each, the rescored one (COPIES); acc_norm, another metric, stays."""
    scores = pd.DataFrame({"family": "f", "model": "m-1b", "params": 1e9, "task": ["mc", "mc", "lam"],
                           "metric": ["acc", "acc_norm", "acc"], "value": [0.5, 0.5, 0.25],
                           "stderr": 0.25})
    with pytest.warns(EmergenceWarning, match=r"2 reported score\(s\).*acc \(as exact_match\), "
                                              r"acc \(as multiple_choice_grade\)"):
        table, values = combined_table(_records(), scores, metrics=None, options=None, bootstrap=10, seed=0)
    metrics = table.groupby("task")["metric"].agg(set)
    assert "acc" not in metrics["mc"] and "acc" not in metrics["lam"]
    assert {"multiple_choice_grade", "acc_norm"} <= metrics["mc"] and "exact_match" in metrics["lam"]
    assert table.duplicated(["family", "model", "task", "metric"]).sum() == 0
    assert values.shape == (len(table), 10)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/lm_eval is not present")
def test_real_lm_eval_log_lists_each_metric_once():
    """../shared/data/lm_eval/synthetic_lm_eval_0.4.13 (issue 15): acc and multiple_choice_grade,
    and three exact_match variants, were listed side by side; now gsm8k has exact_match (rescored
    from strict-match, the kept filter) and exact_match,flexible-extract (another extraction)."""
    from emergence.sources import load_tables

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = load_tables(SHARED)
        table, _ = combined_table(tables.records, tables.scores, metrics=None, options=None, bootstrap=5,
                                  seed=0)
    metrics = table.groupby("task")["metric"].agg(set)
    assert {m for m in metrics["toy_gsm8k"] if m.startswith("exact_match")} == {
        "exact_match", "exact_match,flexible-extract"}
    assert "acc" not in metrics["toy_arc_easy"] and "multiple_choice_grade" in metrics["toy_arc_easy"]
    assert "acc" not in metrics["toy_lambada"] and "exact_match" in metrics["toy_lambada"]


def _checkpoint_scores() -> pd.DataFrame:
    """Aggregate scores of 3 models x 3 checkpoints on one task (made up), with standard errors."""
    from emergence.schema import validate_scores

    rows = [{"family": "f", "model": f"m{p:g}", "params": p, "step": step, "task": "t", "metric": "acc",
             "value": 0.1 * k + step / 1e5, "stderr": 0.01}
            for k, p in enumerate((1e8, 1e9, 1e10)) for step in (1000, 2000, 3000)]
    return validate_scores(pd.DataFrame(rows))


def test_an_aggregate_row_s_replicates_are_its_own_whatever_rows_are_drawn():
    """replicate_values draws an aggregate row's replicates from its identity and the seed alone: for
    a selection of the rows, in another order, the same numbers as in the whole table's."""
    import numpy as np

    from emergence.combine import combined_scores, replicate_values

    kwargs = dict(metrics=None, options=None, bootstrap=50, seed=3)
    whole, values = combined_table(None, _checkpoint_scores(), **kwargs)
    table, replicates = combined_scores(None, _checkpoint_scores(), **kwargs)
    picked = [8, 2, 5]
    some, drawn = replicate_values(table.iloc[picked].reset_index(drop=True), replicates, bootstrap=50,
                                   seed=3)
    assert "_replicate_row" not in some and list(some.columns) == list(whole.columns)
    np.testing.assert_array_equal(drawn, values[picked])


def test_the_analysis_draws_replicates_for_the_final_checkpoints_only(monkeypatch):
    """On x = params the analysis keeps each model's final checkpoint: the checkpoints it leaves out
    get no replicates (those of ../shared/data/pythia took 5.3 GB, drawn and then dropped)."""
    import emergence
    import emergence.combine as combine

    drawn = []
    real = combine._replicates_from_stderr

    def counted(table, n, seed):
        drawn.append(len(table))
        return real(table, n, seed)

    monkeypatch.setattr(combine, "_replicates_from_stderr", counted)
    with pytest.warns(EmergenceWarning, match="final checkpoint"):
        result = emergence.analyze(scores=_checkpoint_scores(), bootstrap=100)
    assert drawn == [3] and result.scores["step"].eq(3000).all()
