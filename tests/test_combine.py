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
