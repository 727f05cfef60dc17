"""Tests of emergence.rescore, and of the Mirage effect on the bundled benchmarks."""

import gzip
import importlib.util
import math

import numpy as np
import pandas as pd
import pytest

import emergence
from emergence.errors import EmergenceError, EmergenceWarning, SchemaError
from emergence.sources import write_csv
from tests.conftest import BENCHMARKS


def _records():
    return emergence.validate_records(pd.DataFrame({
        "model": ["small"] * 3 + ["big"] * 3,
        "params": ["70m"] * 3 + ["1.4b"] * 3,
        "task": "add",
        "example": ["a", "b", "c"] * 2,
        "target": ["12", "34", "56"] * 2,
        "prediction": ["12", "35", "0", "12", "34", "56"],
        "target_logprob": [-1.0, -2.0, -3.0, -0.5, -0.5, -0.5],
        "target_tokens": 2,
    }))


def test_rescore_means_stderrs_and_counts():
    """Hand-computed: small model exact match 1/3, stderr sqrt(var/n) with ddof=1."""
    scores = emergence.rescore(_records()).set_index(["model", "metric"])
    small = scores.loc[("small", "exact_match")]
    assert small["value"] == pytest.approx(1 / 3)
    assert small["stderr"] == pytest.approx(math.sqrt(np.var([1, 0, 0], ddof=1) / 3))
    assert small["n"] == 3
    assert scores.loc[("small", "token_edit_distance"), "value"] == pytest.approx((0 + 1 + 2) / 3)
    assert scores.loc[("big", "target_logprob"), "value"] == pytest.approx(-0.5)
    assert scores.loc[("big", "target_logprob"), "stderr"] == 0.0
    assert scores.loc[("small", "exact_match"), "kind"] == "discontinuous"
    assert scores.loc[("small", "params")].iloc[0] == 7e7
    assert list(scores.reset_index()["model"].unique()) == ["small", "big"]  # in order of scale


def test_rescore_chance_of_multiple_choice():
    """Chance of multiple_choice_grade is the mean of gold choices / choices (1/4 and 1/2 -> 3/8)."""
    records = emergence.validate_records(pd.DataFrame({
        "model": "m", "params": 1e9, "task": "mc", "example": ["a", "b"],
        "choice_logprobs": [[-1.0, -2.0, -3.0, -4.0], [-0.1, -2.5]], "gold": [0, 1],
    }))
    scores = emergence.rescore(records).set_index("metric")
    assert scores.loc["multiple_choice_grade", "chance"] == pytest.approx(3 / 8)
    assert scores.loc["multiple_choice_grade", "value"] == pytest.approx(0.5)
    assert math.isnan(scores.loc["choice_prob", "chance"])


def test_rescore_uses_the_common_examples_and_warns():
    """An example one model lacks is left out for every model, with a count in the warning."""
    records = _records().iloc[:-1]  # big has no example "c"
    with pytest.warns(EmergenceWarning, match="1 example"):
        scores = emergence.rescore(records, ["exact_match"])
    assert scores["n"].tolist() == [2, 2]
    assert scores["value"].tolist() == [0.5, 1.0]


def test_rescore_refuses_metrics_the_records_cannot_support():
    """Asking for multiple_choice_grade without choices names the missing columns."""
    with pytest.raises(EmergenceError, match=r"needs column.*choice_logprobs"):
        emergence.rescore(_records(), ["multiple_choice_grade"])
    with pytest.raises(EmergenceError, match="Did you mean"):
        emergence.rescore(_records(), ["exact_mach"])


def test_rescore_does_not_modify_its_input():
    """The records passed in are unchanged."""
    records = _records()
    before = records.copy()
    emergence.rescore(records)
    pd.testing.assert_frame_equal(records, before)


def test_bundled_powerlaw_family_shows_the_mirage():
    """Exact match on 5-digit answers is far sharper than per-token probability of the same outputs."""
    records = emergence.load(BENCHMARKS / "toy_powerlaw.csv.gz")
    scores = emergence.rescore(records[records["task"] == "toy_length_5"])
    curves = emergence.curve_table(scores).set_index("metric")["emergence_score"]
    assert curves["exact_match"] > 2.5 * curves["target_prob_per_token"]
    assert curves["exact_match"] > 2.5 * curves["token_edit_distance"]


def test_bundled_benchmarks_are_what_the_script_makes(tmp_path):
    """benchmarks/make_simulated.py regenerates the shipped files exactly (same seed, same data)."""
    spec = importlib.util.spec_from_file_location("make_simulated", BENCHMARKS / "make_simulated.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    stem, (family, truth, seed) = next(iter(script.FAMILIES.items()))
    records = emergence.simulate(family=family, truth=truth, n_examples=script.N_EXAMPLES, seed=seed,
                                 target_lengths=script.TARGET_LENGTHS)
    write_csv(records, tmp_path / "again.csv.gz")
    shipped = gzip.decompress((BENCHMARKS / f"{stem}.csv.gz").read_bytes())
    assert gzip.decompress((tmp_path / "again.csv.gz").read_bytes()) == shipped


def test_duplicate_examples_are_an_error_not_a_silent_drop():
    """Two rows for one (model, task, example), as when tasks numbered from 0 are merged: an error
    that names the rows and the fix (it used to drop them as 'not present for every model')."""
    records = emergence.simulate(truth="power_law", n_examples=20, seed=0)
    doubled = pd.concat([records, records.assign(prediction="0")], ignore_index=True)
    with pytest.raises(SchemaError, match=r"not unique, e\.g\. family='toy', model='toy-125M'.*own ids"):
        emergence.rescore(doubled)


def test_no_common_example_is_a_clear_error():
    records = emergence.simulate(truth="power_law", n_examples=20, seed=0)
    apart = records.assign(example=records["example"] + "@" + records["model"])
    with pytest.raises(EmergenceError, match="No example is present for every model"):
        with pytest.warns(EmergenceWarning):
            emergence.rescore(apart)


def test_a_task_at_a_time_gives_the_whole_tables_bits_whatever_the_tasks_widths():
    """Rescoring runs one task at a time; a row-wise sum of 8 or more choices is added pairwise, so
    each task's choices are padded to the widest of the whole table, as when the whole table was
    scored at once. Reference: the whole table's per-example values, summed per group by bincount
    in the order of the example keys (the order rescore adds a group's terms in). Found by a review:
    4- and 9-choice tasks."""
    from emergence.bootstrap import example_keys
    from emergence.metrics import compute_many

    rng = np.random.default_rng(5)
    rows = []
    for m, model in enumerate(("m-1b", "m-2b")):
        for task, k in (("a", 4), ("b", 9), ("c", 12)):
            for e in range(50):
                logp = (-rng.exponential(2.0, k)).tolist()
                rows.append({"family": "f", "model": model, "params": 1e9 * (m + 1), "task": task,
                             "example": f"e{e}", "choice_logprobs": logp, "gold": e % k})
    records = pd.DataFrame(rows)
    metrics = ["choice_prob", "brier_score", "multiple_choice_grade"]
    scores = emergence.rescore(records, metrics=metrics)
    keys = example_keys(0, records["task"], records["example"])
    records = records.iloc[np.argsort(keys, kind="stable")].reset_index(drop=True)
    values = compute_many(records, metrics)
    codes = records.groupby(["family", "model", "task"], sort=True).ngroup().to_numpy()
    for name in metrics:
        mean = np.bincount(codes, weights=values[name]) / np.bincount(codes)
        got = scores[scores["metric"] == name].sort_values(["model", "task"])["value"].to_numpy()
        assert got.tobytes() == mean.tobytes(), name


def test_the_score_tables_keys_are_typed_as_groupby_types_them():
    records = emergence.simulate(n_examples=20, seed=1).astype({"model": object, "task": object})
    scores = emergence.rescore(records, metrics=["exact_match"])
    grouped = records.groupby(["family", "model", "task"]).size().reset_index()
    for key in ("family", "model", "task"):
        assert scores[key].dtype == grouped[key].dtype, key
    assert isinstance(scores["model"].dtype, pd.StringDtype)


def test_the_same_bits_for_any_order_and_split_of_the_input():
    """Each task's terms are added in the order of the example keys (seed, task, example id), so
    shuffled records, and records rescored a task at a time as the Dask engine does, give the very
    same scores and replicates (DESIGN.md, "Statistics" 4)."""
    from emergence.metrics.per_example import choice_width
    from emergence.rescore import rescore_replicates, rescore_tasks

    records = pd.concat([emergence.simulate(n_examples=60, seed=s, family=f"f{s}", truth=truth)
                         for s, truth in ((1, "power_law"), (2, "sharp"))], ignore_index=True)
    scores, replicates = rescore_replicates(records, n_replicates=200, seed=3)
    shuffled = records.sample(frac=1.0, random_state=7).reset_index(drop=True)
    scores_s, replicates_s = rescore_replicates(shuffled, n_replicates=200, seed=3)
    pd.testing.assert_frame_equal(scores, scores_s)
    assert replicates.values.tobytes() == replicates_s.values.tobytes()
    key = ["family", "model", "task", "metric"]
    for task, part in records.groupby("task"):
        alone, reps = rescore_tasks(part.iloc[::-1].reset_index(drop=True), list(scores["metric"].unique()),
                                    options=None, common=True, n_replicates=200, seed=3,
                                    width=choice_width(records))
        rows = scores.reset_index(drop=True).reset_index().merge(alone[key], on=key)["index"]
        assert len(rows) == len(alone), task
        assert scores.loc[rows, "value"].to_numpy().tobytes() == alone["value"].to_numpy().tobytes()
        assert replicates.values[rows].tobytes() == reps.values.tobytes(), task


def test_choice_metrics_are_the_same_bits_at_any_table_width():
    """Rows are padded to a multiple of 8, which numpy's row sums (8 accumulators up to 128 values)
    do not see: a 4-choice task scores the same bits alone and beside a 9-choice task, so a wider
    run that another file brings and a rule drops cannot change it (found by a review: an older
    lm-eval run with 9 choices, superseded, changed the 4-choice scores' last bits)."""
    from emergence.metrics import compute_many

    rng = np.random.default_rng(3)
    rows = [{"family": "f", "model": f"m{m}", "params": 1e9 * (m + 1), "task": "four", "example": f"e{e}",
             "choice_logprobs": (-rng.exponential(2.0, 4)).tolist(), "gold": e % 4}
            for m in range(3) for e in range(40)]
    four = pd.DataFrame(rows)
    wide = [{**row, "task": "nine", "choice_logprobs": row["choice_logprobs"] + [-9.0] * 5} for row in rows]
    both = pd.concat([four, pd.DataFrame(wide)], ignore_index=True)
    metrics = ["choice_prob", "brier_score", "multiple_choice_grade"]
    alone, beside = compute_many(four, metrics), compute_many(both, metrics)
    for name in metrics:
        assert alone[name].tobytes() == beside[name][: len(four)].tobytes(), name
