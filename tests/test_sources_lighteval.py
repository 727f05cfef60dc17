"""Tests of emergence.sources.hf_datasets.lighteval: details as current lighteval writes them.

The files under tests/data/lighteval/details/ were written by lighteval 0.13.0 itself, offline,
with a custom model whose truth is a step between 100m and 300m (tests/data/lighteval/README.md).
"""

import warnings
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from emergence.cli import main
from emergence.errors import EmergenceWarning, SchemaError
from emergence.sources import find_files, load_tables
from emergence.sources.hf_datasets.identity import _model_from_details_tree, _task_from_path

DETAILS = Path(__file__).parent / "data" / "lighteval" / "details"


def test_details_folder_loads_five_sizes_of_multiple_choice_records():
    assert {module.NAME for _, module in find_files(DETAILS)} == {"lighteval"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmergenceWarning)
        records = load_tables(DETAILS).records
    assert len(records) == 5 * 500 and set(records["task"]) == {"sums"} and set(records["family"]) == {"toy"}
    assert records.groupby("model")["params"].first().to_dict() == {
        "toy-10m": 1e7, "toy-30m": 3e7, "toy-100m": 1e8, "toy-300m": 3e8, "toy-1b": 1e9}
    assert records["choice_logprobs"].map(len).eq(4).all() and records["gold"].between(0, 3).all()
    assert set(records["correct"].unique()) <= {0.0, 1.0}  # lighteval's own acc
    # the same documents for every model: content ids of the query
    assert records.groupby("model")["example"].apply(frozenset).nunique() == 1


def test_analyze_finds_the_constructed_step(tmp_path):
    """Issue 16, done when: lighteval details load with `analyze` as they are and reach verdicts;
    the fixture's truth is a step in the right choice's probability between 100m and 300m."""
    out = tmp_path / "rep"
    assert main(["analyze", str(DETAILS), "--out", str(out), "--no-figures", "--bootstrap", "200"]) == 0
    tasks = pd.read_csv(out / "tasks.csv")
    assert tasks[["family", "task", "verdict"]].values.tolist() == [["toy", "sums", "emergent"]]
    assert tasks["jump_from"].iloc[0] in ("toy-30m", "toy-100m") and tasks["jump_to"].iloc[0] in (
        "toy-300m", "toy-1b")


def test_task_and_model_from_current_lighteval_paths():
    path = Path("out/details/org/my-model-1b/2026-01-01T00-00-00/details_gsm8k|5_2026-01-01T00-00-00.parquet")
    assert _task_from_path(path) == ("gsm8k", 5)
    assert _model_from_details_tree(path) == "org/my-model-1b"
    assert _model_from_details_tree(Path("details/m/2026/details_x|0_2026.parquet")) == "m"
    # the leaderboard's form is unchanged
    assert _task_from_path(Path("details_harness|arc:challenge|25_2024-01-01T00-00-00.parquet")) == (
        "arc:challenge", 25)


def test_a_row_without_an_answer_is_an_error_naming_file_and_row(tmp_path, capsys):
    source = next(DETAILS.glob("toy-1b/*/*.parquet"))
    table = pq.read_table(source).to_pylist()
    table[7]["model_response"]["logprobs"] = []
    table[7]["model_response"]["text"] = []
    folder = tmp_path / "details" / "toy-1b" / "2026-12-01T00-00-00"
    folder.mkdir(parents=True)
    bad = folder / source.name
    pq.write_table(pa.Table.from_pylist(table), bad)
    with pytest.raises(SchemaError, match=r"row 7 \(doc id '.+'\): model_response holds neither"):
        load_tables(bad)
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "row 7" in err and bad.name in err


def test_a_row_with_too_few_log_likelihoods_is_named(tmp_path):
    """Issue 16 review: one row with 1 log-likelihood for 4 choices gave 25 lines blaming rows 0, 1,
    2, ... and never row 7."""
    source = next(DETAILS.glob("toy-1b/*/*.parquet"))
    table = pq.read_table(source).to_pylist()
    table[7]["model_response"]["logprobs"] = [-0.5]
    folder = tmp_path / "details" / "toy-1b" / "2026-12-01T00-00-00"
    folder.mkdir(parents=True)
    bad = folder / source.name
    pq.write_table(pa.Table.from_pylist(table), bad)
    with pytest.raises(SchemaError) as caught:
        load_tables(bad)
    (problem,) = caught.value.problems
    assert "row 7 (doc id" in problem and "holds 1 log-likelihood(s) for 4 choices" in problem


def test_a_score_that_is_not_0_or_1_is_said_not_used_silently(tmp_path):
    source = next(DETAILS.glob("toy-1b/*/*.parquet"))
    table = pq.read_table(source).to_pylist()
    table[3]["metric"]["acc"] = 3
    folder = tmp_path / "details" / "toy-1b" / "2026-12-01T00-00-00"
    folder.mkdir(parents=True)
    odd = folder / source.name
    pq.write_table(pa.Table.from_pylist(table), odd)
    with pytest.warns(EmergenceWarning, match=r"metric 'acc' is not 0/1 in 1 row\(s\) \(row 3: 3\)"):
        records = load_tables(odd).records
    assert "correct" not in records or records["correct"].isna().all()
