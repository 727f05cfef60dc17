"""Tests of emergence.sources.bigbench: BIG-bench ``scores_<model>.json`` files.

The fixture ``tests/data/bigbench/scores_BIG-G_T=0_2m.json`` is built by hand from the documented
score-file schema (../shared/data/bigbench/README.md); it is not real BIG-bench output. Its numbers are
made up; expected values below are computed from them as the test comments say.
"""

import json
import warnings
from pathlib import Path

import pytest

from emergence.errors import EmergenceWarning, SchemaError
from emergence.sources import ReadOptions, bigbench, find_files, load, load_tables

FIXTURE = Path(__file__).parent / "data" / "bigbench" / "scores_BIG-G_T=0_2m.json"


def fixture_data() -> dict:
    return json.loads(FIXTURE.read_text())


def write_model(folder: Path, name: str, total: float, scale: float, family: str = "BIG-G T=0") -> Path:
    """A copy of the fixture for another model, every score multiplied by ``scale``."""
    data = fixture_data()
    data["model"].update(model_name=name, total_params=total, model_family=family)
    for entry in data["scores"]:
        entry["score_dict"] = {k: v * scale for k, v in entry["score_dict"].items()}
    path = folder / f"scores_{family.replace(' ', '_')}_{name}.json"
    path.write_text(json.dumps(data))
    return path


def load_quietly(paths, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmergenceWarning)
        return load(paths, **kwargs)


def test_fixture_is_sniffed_as_bigbench():
    """The fixture is recognised by the bigbench format and only by it."""
    [(_, module)] = find_files(FIXTURE)
    assert module is bigbench


def test_sniff_passes_over_other_json(tmp_path):
    """Full query logs and lm-eval results JSON are not BIG-bench score files."""
    head = FIXTURE.read_bytes()
    assert bigbench.sniff(FIXTURE, head)
    assert not bigbench.sniff(tmp_path / "full-log_BIG-G_T=0_2m.json", head)
    assert not bigbench.sniff(tmp_path / "scores.csv", head)
    assert not bigbench.sniff(tmp_path / "results.json", b'{"results": {"arc": {"acc": 0.3}}}')


def test_scores_table_from_fixture():
    """One row per (entry, metric) plus the normalised preferred score; families per shots."""
    table = load_quietly(FIXTURE)
    assert table.attrs["shape"] == "scores"
    # 2 shots x (2 subtasks x (4 metrics + normalised) + 1 aggregate) = 22 rows
    assert len(table) == 22
    assert set(table["family"]) == {"BIG-G T=0 0-shot", "BIG-G T=0 1-shot"}
    assert set(table["shots"]) == {0, 1}
    assert set(table["model"]) == {"2m"}
    assert (table["params"] == 18474880).all()  # total_params of the fixture
    assert (table["non_embedding_params"] == 2098048).all()
    row = table[(table["task"] == "arithmetic:1_digit_addition") & (table["metric"] == "exact_str_match")
                & (table["shots"] == 0)].iloc[0]
    assert row["value"] == 0.02
    assert row["subtask"] == "1_digit_addition"
    assert row["parent_task"] == "arithmetic"
    assert row["preferred"]


def test_normalized_preferred_score():
    """100 * (raw - low) / (high - low) of the preferred score: exact_str_match 0.04, low 0, high 1."""
    table = load_quietly(FIXTURE)
    norm = table[table["metric"] == bigbench.NORMALIZED].set_index(["family", "task"])["value"]
    assert norm[("BIG-G T=0 1-shot", "arithmetic:1_digit_addition")] == pytest.approx(4.0)
    assert norm[("BIG-G T=0 0-shot", "arithmetic:2_digit_addition")] == pytest.approx(0.0)
    # the fixture's aggregate is the mean of the subtasks' normalised scores: (4 + 1) / 2 = 2.5
    aggregate = table[table["aggregate"]].set_index("family")["value"]
    assert aggregate["BIG-G T=0 1-shot"] == pytest.approx(2.5)


def test_aggregate_rows_marked():
    """The task-level entry of a task with subtasks is the aggregate; subtask rows are not."""
    table = load_quietly(FIXTURE)
    aggregate = table[table["aggregate"]]
    assert set(aggregate["metric"]) == {"normalized_aggregate_score"}
    assert set(aggregate["task"]) == {"arithmetic"}
    assert aggregate["subtask"].isna().all()
    assert not table.loc[table["subtask"].notna(), "aggregate"].any()


def test_task_without_subtasks_is_not_an_aggregate(tmp_path):
    """A file whose only entry is the task itself has no aggregate row."""
    data = fixture_data()
    data["scores"] = [dict(data["scores"][0], subtask_description="anachronisms",
                           preferred_score="multiple_choice_grade")]
    path = tmp_path / "scores_BIG-G_T=0_2m.json"
    path.write_text(json.dumps(data))
    table = load_quietly(path)
    assert not table["aggregate"].any()
    assert set(table["task"]) == {"anachronisms"}
    assert table["subtask"].isna().all()


def test_metric_kinds():
    """multiple_choice_grade and exact_str_match are discontinuous; unknown metrics get no kind."""
    with pytest.warns(EmergenceWarning, match="expected_calibration_error"):
        table = load(FIXTURE)
    kinds = table.groupby("metric")["kind"].first()
    assert kinds["multiple_choice_grade"] == "discontinuous"
    assert kinds["exact_str_match"] == "discontinuous"
    assert kinds["calibration_multiple_choice_brier_score"] == "smooth"
    assert kinds[bigbench.NORMALIZED] == "discontinuous"  # the preferred score is exact_str_match
    # every subtask prefers exact_str_match, so their aggregate is discontinuous too
    assert kinds["normalized_aggregate_score"] == "discontinuous"
    assert table.loc[table["metric"] == "expected_calibration_error", "kind"].isna().all()


def test_unknown_metric_has_no_kind(tmp_path):
    """bleu and rouge are not in the registry: no kind, and a warning that names them."""
    data = fixture_data()
    data["scores"] = [{"high_score": 100.0, "low_score": 0.0, "number_of_shots": 0,
                       "preferred_score": "bleu", "score_dict": {"bleu": 3.1, "rougeLsum": 12.0},
                       "subtask_description": "gem:common_gen"}]
    path = tmp_path / "scores_BIG-G_T=0_2m.json"
    path.write_text(json.dumps(data))
    with pytest.warns(EmergenceWarning, match="bleu"):
        table = load(path)
    assert table.loc[table["metric"].isin(["bleu", "rougeLsum"]), "kind"].isna().all()
    assert table.loc[table["metric"] == bigbench.NORMALIZED, "value"].item() == pytest.approx(3.1)


@pytest.mark.filterwarnings("ignore::emergence.errors.EmergenceWarning")
def test_several_models_make_curves(tmp_path):
    """A folder of score files: one curve per (family, task, metric), one point per model."""
    write_model(tmp_path, "2m", 18474880, 1.0)
    write_model(tmp_path, "128b", 1.3e11, 6.0)  # multiple_choice_grade 0.15 -> 0.9, within [0, 1]
    write_model(tmp_path, "8b", 8.6e9, 5.0, family="PaLM")
    tables = load_tables(tmp_path)
    scores = tables.scores
    assert tables.records is None
    assert set(scores["family"]) == {"BIG-G T=0 0-shot", "BIG-G T=0 1-shot", "PaLM 0-shot", "PaLM 1-shot"}
    curve = scores[(scores["family"] == "BIG-G T=0 0-shot") & (scores["metric"] == "exact_str_match")
                   & (scores["task"] == "arithmetic:1_digit_addition")].sort_values("params")
    assert curve["model"].tolist() == ["2m", "128b"]
    assert curve["value"].tolist() == pytest.approx([0.02, 0.12])


def test_missing_total_params_needs_sizes(tmp_path):
    """No total_params: a clear error naming the model and ReadOptions.sizes; with sizes it loads."""
    data = fixture_data()
    del data["model"]["total_params"]
    path = tmp_path / "scores_unsized.json"  # a name without a size (scores_BIG-G_2m_T=0.json has one)
    path.write_text(json.dumps(data))
    with pytest.raises(SchemaError, match=r"the file name gives no size; give the size of '2m'"):
        load_quietly(path)
    table = load_quietly(path, options=ReadOptions(sizes={"2m": 1.8e7}))
    assert (table["params"] == 1.8e7).all()


def test_entry_without_score_dict(tmp_path):
    """An entry without score_dict is reported with the file and its position."""
    data = fixture_data()
    del data["scores"][1]["score_dict"]
    path = tmp_path / "scores_BIG-G_T=0_2m.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SchemaError) as info:
        load_quietly(path)
    assert info.value.problems == [f"{path}: scores[1]: has no 'score_dict' object"]


@pytest.mark.filterwarnings("ignore:.*not in the registry:emergence.errors.EmergenceWarning")
def test_nan_scores_are_left_out_with_a_warning(tmp_path):
    """Python's json writes NaN; such a score is dropped and the drop is said."""
    text = FIXTURE.read_text().replace('"multiple_choice_grade": 0.13', '"multiple_choice_grade": NaN')
    path = tmp_path / "scores_BIG-G_T=0_2m.json"
    path.write_text(text)
    with pytest.warns(EmergenceWarning, match=r"1 score\(s\) left out.*scores\[0\] multiple_choice_grade"):
        table = load(path)
    assert len(table) == 21


def test_not_json(tmp_path):
    """A truncated file is a SchemaError naming it."""
    path = tmp_path / "scores_BIG-G_T=0_2m.json"
    path.write_text(FIXTURE.read_text()[:300])
    with pytest.raises(SchemaError, match="not valid JSON"):
        load(path, format_in="bigbench")


def test_sizes_win_over_total_params(tmp_path):
    """A size given with --sizes (here BIG-G 2m's non_embedding_params) replaces total_params."""
    path = tmp_path / "scores_BIG-G_T=0_2m.json"
    path.write_text(json.dumps(fixture_data()))
    assert (load_quietly(path)["params"] != 2_098_048).all()
    table = load_quietly(path, options=ReadOptions(sizes={"2m": 2_098_048}))
    assert (table["params"] == 2_098_048).all()


def write_broken(folder: Path, change, text_of=json.dumps) -> Path:
    """The fixture with ``change(data)`` applied, written as ``text_of(data)``."""
    data = fixture_data()
    change(data)
    path = folder / "scores_BIG-G_T=0_2m.json"
    path.write_text(text_of(data))
    return path


HUGE = 10**400  # 401 digits: beyond the range of a float


@pytest.mark.parametrize(("place", "change"), [
    ("model.total_params", lambda d: d["model"].update(total_params=HUGE)),
    ("model.training_steps", lambda d: d["model"].update(training_steps=HUGE)),
    ("scores[0].score_dict['exact_str_match']", lambda d: d["scores"][0]["score_dict"].update(
        exact_str_match=HUGE)),
    ("scores[0].low_score", lambda d: d["scores"][0].update(low_score=HUGE)),
])
def test_integer_beyond_float_range_is_named(tmp_path, place, change):
    """Issue 17 item 5: a 401-digit integer (Python's json reads it) raised OverflowError, an internal
    error (exit 1). It is a SchemaError naming the file and the field."""
    path = write_broken(tmp_path, change)
    with pytest.raises(SchemaError) as info:
        load_quietly(path)
    assert info.value.problems == [
        f"{path}: {place} is an integer of 401 digits, beyond the range of a number (at most about "
        "1.8e308); correct the value in the file"
    ]


def test_integer_beyond_json_digit_limit_is_not_valid_json(tmp_path):
    """Issue 17 item 5: over 4300 digits Python's json raises a plain ValueError (int conversion
    limit), which was not caught either."""
    path = write_broken(tmp_path, lambda d: d["model"].update(total_params="HUGE"),
                        lambda d: json.dumps(d).replace('"HUGE"', "1" + "0" * 5000))
    with pytest.raises(SchemaError, match=r"not valid JSON: Exceeds the limit \(4300 digits\)"):
        load_quietly(path)


@pytest.mark.parametrize(("value", "shown"), [
    ("NaN", "nan"), ("Infinity", "inf"), ("2.5", "2.5"), ("-1", "-1"), ('"five"', "'five'"),
    ("1" + "0" * 400, "an integer of 401 digits"),
])
def test_number_of_shots_must_be_a_whole_number(tmp_path, value, shown):
    """Issue 17 item 5: number_of_shots NaN raised ValueError (int(nan)), an internal error; 2.5 was
    cut to 2 without a word. Anything but a whole number >= 0 is named with its entry."""
    path = write_broken(tmp_path, lambda d: d["scores"][2].update(number_of_shots="SHOTS"),
                        lambda d: json.dumps(d).replace('"SHOTS"', value))
    with pytest.raises(SchemaError) as info:
        load_quietly(path)
    assert info.value.problems == [
        f"{path}: scores[2].number_of_shots is {shown}; it must be a whole number of shots from 0 to "
        "10000; correct it in the file, or remove the key if the number is not known"
    ]


@pytest.mark.parametrize(("preferred", "shown"), [
    (["exact_str_match"], "['exact_str_match'] (list)"), ({"a": 1}, "{'a': 1} (dict)"), (3, "3 (int)"),
])
def test_preferred_score_must_be_a_metric_name(tmp_path, preferred, shown):
    """Issue 17 item 5: preferred_score as a list or dict raised TypeError (unhashable), an internal
    error. It is named with its entry and what it must be."""
    path = write_broken(tmp_path, lambda d: d["scores"][1].update(preferred_score=preferred))
    with pytest.raises(SchemaError) as info:
        load_quietly(path)
    assert info.value.problems == [
        f"{path}: scores[1].preferred_score is {shown}; it must be the name of one metric of "
        'score_dict, as text (e.g. "exact_str_match")'
    ]


def test_file_names_of_the_repository_give_family_model_and_size():
    """Names as google/BIG-bench writes them (bigbench/benchmark_tasks/<task>/results/): BIG-G names
    give the non-embedding size; GPT-3's word sizes are Brown et al. 2020, Table 2.1."""
    assert bigbench.name_parts("scores_BIG-G_128b_T=0.json") == {
        "family": "BIG-G T=0", "model": "128b", "params": 128e9}
    assert bigbench.name_parts("scores_BIG-G-sparse_2m.json") == {
        "family": "BIG-G sparse", "model": "2m", "params": 2e6}
    assert bigbench.name_parts("scores_GPT_GPT-3-200B.json")["params"] == 200e9
    assert bigbench.name_parts("scores_GPT_GPT-3-Medium.json")["params"] == 350e6
    assert bigbench.name_parts("scores_PaLM_535B.json") == {"family": "PaLM", "model": "535B",
                                                            "params": 535e9}
    assert bigbench.name_parts("results.json") == {}


def test_a_folder_named_as_in_the_repository_is_analysed_with_sizes_from_the_names(tmp_path, capsys):
    """Issue 16, done when: score files named scores_BIG-G_<size>_T=0.json, with no total_params,
    load with sizes from their names (a warning says so) and analyse; with no standard errors the
    verdict says J is a point estimate and makes no interval up."""
    from emergence.cli import main

    folder = tmp_path / "arithmetic" / "results"
    folder.mkdir(parents=True)
    # exact_str_match steps between 2b and 8b; the Brier score falls smoothly (made-up numbers)
    steps = {"2m": 0.0, "16m": 0.0, "125m": 0.01, "1b": 0.02, "2b": 0.03, "8b": 0.5, "27b": 0.55,
             "128b": 0.6}
    for k, (size, em) in enumerate(steps.items()):
        data = fixture_data()
        data["model"] = {"model_family": "", "model_name": "", "decoding_params": {}}
        data["scores"] = [{"subtask_description": "arithmetic", "number_of_shots": 0,
                           "preferred_score": "exact_str_match", "low_score": 0.0, "high_score": 1.0,
                           "score_dict": {"exact_str_match": em, "multiple_choice_grade": em,
                                          "calibration_multiple_choice_brier_score": 0.9 - 0.08 * k}}]
        (folder / f"scores_BIG-G_{size}_T=0.json").write_text(json.dumps(data))
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        table = load(tmp_path)
    sizes = [str(w.message) for w in said if "total_params" in str(w.message)]
    assert sizes == ["8 BIG-bench model(s) have no total_params in their files; their sizes are read from "
                     "the file names (non-embedding parameters for BIG-G, the nominal size for GPT-3); give "
                     "exact sizes with --sizes FILE"]  # once, not once per file
    # one more file of the family with total_params: the axis would mix total and non-embedding counts
    data = fixture_data()
    data["model"]["model_family"], data["model"]["model_name"] = "", ""
    (folder / "scores_BIG-G_4b_T=0.json").write_text(json.dumps(data))
    with pytest.warns(EmergenceWarning, match=r"family 'BIG-G T=0 0-shot' mixes sizes from total_params "
                                              r"\(1 model\(s\)\) and from file names \(8\)"):
        load(tmp_path)
    (folder / "scores_BIG-G_4b_T=0.json").unlink()
    named = [bigbench.name_parts(f"scores_BIG-G_{s}_T=0.json")["params"] for s in steps]
    assert sorted(table["params"].unique()) == sorted(named)
    assert set(table["family"]) == {"BIG-G T=0 0-shot"}
    out = tmp_path / "rep"
    assert main(["analyze", str(tmp_path / "arithmetic"), "--out", str(out), "--no-figures"]) == 0
    tasks = __import__("pandas").read_csv(out / "tasks.csv")
    (row,) = tasks.itertuples()
    assert row.verdict == "inconclusive" and row.n_scales == 8
    assert "carry no standard errors and no per-example data (score files such as BIG-bench's have none)" \
        in row.reason and "is a point estimate, and no interval is made up" in row.reason
    assert tasks["jump_discontinuous_lo"].isna().all()  # no fake interval
    # the preferred exact_str_match is judged, against the Brier score the file carries
    pairs = __import__("pandas").read_csv(out / "verdicts.csv")
    assert ("exact_str_match", "calibration_multiple_choice_brier_score") in set(
        zip(pairs["discontinuous"], pairs["smooth"], strict=True))
