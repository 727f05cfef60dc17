"""Tests of emergence.sources.hf_datasets: Open LLM Leaderboard details written with ``datasets``.

Every dataset here is built with ``datasets.Dataset.from_dict`` and written to tmp_path; nothing is
fetched from the Hub (offline mode is set for every test, and ``load_dataset`` is replaced by a fake).
"""

import json
import math
from pathlib import Path

import datasets
import numpy as np
import pytest

from emergence.errors import EmergenceError, SchemaError
from emergence.metrics import compute
from emergence.sources import ReadOptions, find_files, hf_datasets, load_tables
from emergence.sources.hf_datasets import load_hf

#: Choice log-likelihoods of three questions for four models: the gold choice gains with size.
SIZES = {"pythia-70m": 7e7, "pythia-160m": 1.6e8, "pythia-410m": 4.1e8, "pythia-1b": 1e9}
QUESTIONS = ("What is 2+2?", "Capital of France?", "Colour of the sky?")
GOLD = [1, 0, 2]


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """No test may reach the network."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    datasets.disable_progress_bars()


def choice_logprobs(level: int) -> list[list[float]]:
    """Per question, three choices; the gold one gets -2.0 + 0.6 * level, the others -1.5."""
    return [[-2.0 + 0.6 * level if c == g else -1.5 for c in range(3)] for g in GOLD]


def lighteval_rows(level: int) -> dict:
    logprobs = choice_logprobs(level)
    acc = [int(np.argmax(lp) == g) for lp, g in zip(logprobs, GOLD, strict=True)]
    return {
        "example": list(QUESTIONS),
        "full_prompt": [f"Question: {q}\nAnswer:" for q in QUESTIONS],
        "choices": [[" a", " b", " c"]] * 3,
        "gold": [[[" a", " b", " c"][g]] for g in GOLD],
        "gold_index": GOLD,
        "predictions": logprobs,
        "metrics": [{"acc": a, "acc_norm": a} for a in acc],
    }


def lm_eval_rows(level: int, model: str) -> dict:
    """lm-eval per-sample rows as the leaderboard's Hub copies hold them (responses as text)."""
    logprobs = choice_logprobs(level)
    return {
        "model_name": [model] * 3,
        "doc_id": [0, 1, 2],
        "doc": [{"question": q} for q in QUESTIONS],
        "target": [str(g) for g in GOLD],
        "arguments": [{f"gen_args_{c}": {"arg_0": q, "arg_1": f" {'abc'[c]}"} for c in range(3)}
                      for q in QUESTIONS],
        "resps": [[[[str(v), "False"]] for v in lp] for lp in logprobs],
        "filtered_resps": [[[str(v), "False"] for v in lp] for lp in logprobs],
        "acc": [float(np.argmax(lp) == g) for lp, g in zip(logprobs, GOLD, strict=True)],
    }


def softmax_gold(level: int) -> list[float]:
    out = []
    for lp, g in zip(choice_logprobs(level), GOLD, strict=True):
        e = np.exp(lp)
        out.append(e[g] / e.sum())
    return out


def write_lighteval(folder: Path, as_json: bool = False) -> list[Path]:
    """One details file per model, in folders named as the leaderboard names them."""
    paths = []
    for level, model in enumerate(SIZES):
        where = folder / f"details_EleutherAI__{model}"
        where.mkdir(parents=True)
        dataset = datasets.Dataset.from_dict(lighteval_rows(level))
        stem = "details_harness|arc:challenge|25_2023-08-19T16-35-46.942696"
        path = where / (stem + (".json" if as_json else ".parquet"))
        dataset.to_json(path) if as_json else dataset.to_parquet(path)
        paths.append(path)
    return paths


# -- sniffing ---------------------------------------------------------------------------------------


def test_sniff(tmp_path):
    """parquet/arrow always; JSON only with lighteval fields; lm-eval samples and dataset_info not."""
    sniff = hf_datasets.sniff
    assert sniff(tmp_path / "x.parquet", b"PAR1")
    assert sniff(tmp_path / "data-00000-of-00001.arrow", b"\xff\xff\xff\xff")
    lighteval = json.dumps({"predictions": [-1.0, -2.0], "gold_index": 0}).encode() + b"\n{}"
    assert sniff(tmp_path / "details.jsonl", lighteval)
    assert sniff(tmp_path / "details.json", b"[" + lighteval.split(b"\n")[0] + b"]")
    samples = json.dumps({"doc_id": 0, "doc": {}, "target": "1", "resps": [], "filtered_resps": []})
    assert not sniff(tmp_path / "samples_arc_2024-01-01T00-00-00.jsonl", samples.encode())
    assert not sniff(tmp_path / "dataset_info.json", b'{"citation": "", "features": {}}')
    assert not sniff(tmp_path / "details.csv", lighteval)


def test_lighteval_json_is_found_in_a_folder(tmp_path):
    """load_tables on a folder picks the JSON details with this format."""
    [path, *_] = write_lighteval(tmp_path, as_json=True)
    found = dict(find_files(tmp_path))
    assert found[path] is hf_datasets


# -- lighteval style ----------------------------------------------------------------------------------


@pytest.mark.parametrize("as_json", [False, True], ids=["parquet", "json"])
def test_lighteval_multiple_choice(tmp_path, as_json):
    """Model from the folder, size from its name, task and shots from the file name; the metrics
    recomputed from choice_logprobs match the producer's acc and the softmax of the gold choice."""
    write_lighteval(tmp_path, as_json=as_json)
    records = load_tables(tmp_path).records
    assert len(records) == 12
    assert set(records["model"]) == {f"EleutherAI/{m}" for m in SIZES}
    assert set(records["task"]) == {"arc:challenge"}
    assert set(records["shots"]) == {25}
    assert records.groupby("model")["params"].first().to_dict() == {
        f"EleutherAI/{m}": size for m, size in SIZES.items()}
    # pairing: the same question has the same id in every model's file
    assert records.groupby("example")["model"].nunique().eq(4).all()
    grade = compute(records, "multiple_choice_grade")
    assert grade.tolist() == records["correct"].tolist()
    for level, model in enumerate(SIZES):
        rows = records[records["model"] == f"EleutherAI/{model}"]
        assert compute(rows, "choice_prob") == pytest.approx(softmax_gold(level))  # rows in file order
    # level 3 (pythia-1b): gold -0.2 beats -1.5 on every question; level 0: gold -2.0 never wins
    assert compute(records[records["model"] == "EleutherAI/pythia-1b"], "multiple_choice_grade").tolist() \
        == [1.0, 1.0, 1.0]
    assert compute(records[records["model"] == "EleutherAI/pythia-70m"], "multiple_choice_grade").sum() == 0


def test_lighteval_generation(tmp_path):
    """Generated text rows: prediction and the first gold text; em gives correct."""
    rows = {"example": ["2+2=", "3+3="], "full_prompt": ["2+2=", "3+3="], "predictions": [["4"], ["7"]],
            "gold": [["4"], ["6"]], "gold_index": [0, 0], "choices": [["4"], ["6"]],
            "metrics": [{"em": 1}, {"em": 0}]}
    path = tmp_path / "tiny-model_details_lighteval|arithmetic|0_2024-01-01T00-00-00.json"
    datasets.Dataset.from_dict(rows).to_json(path)
    records = load_tables(path, options=ReadOptions(sizes={"tiny-model": 5e6})).records
    assert records["model"].tolist() == ["tiny-model"] * 2
    assert records["params"].tolist() == [5e6, 5e6]
    assert records["task"].tolist() == ["arithmetic"] * 2
    assert records["prediction"].tolist() == ["4", "7"]
    assert records["target"].tolist() == ["4", "6"]
    assert compute(records, "exact_match").tolist() == [1.0, 0.0]
    assert compute(records, "token_edit_distance").tolist() == [0.0, 1.0]


# -- lm-eval style ------------------------------------------------------------------------------------


def test_lm_eval_details_parquet(tmp_path):
    """Text responses ("-1.4", "False") become choice_logprobs; target the gold index."""
    for level, model in enumerate(SIZES):
        path = tmp_path / f"samples_leaderboard_arc_{model}_2024-06-26T19-46-11.558137.parquet"
        datasets.Dataset.from_dict(lm_eval_rows(level, model)).to_parquet(path)
    records = load_tables(tmp_path, options=ReadOptions(sizes=SIZES)).records
    assert len(records) == 12
    assert set(records["model"]) == set(SIZES)
    assert records["example"].tolist()[:3] == ["0", "1", "2"]
    assert records["gold"].tolist()[:3] == GOLD
    first = records[records["model"] == "pythia-160m"]
    assert first["choice_logprobs"].iloc[0] == pytest.approx(choice_logprobs(1)[0])
    assert compute(first, "choice_prob") == pytest.approx(softmax_gold(1))
    assert compute(records, "multiple_choice_grade").tolist() == records["correct"].tolist()


def test_lm_eval_gold_as_choice_text(tmp_path):
    """A target given as the text of a choice is matched against the requests' continuations."""
    rows = lm_eval_rows(2, "pythia-410m")
    rows["target"] = [" b", " a", " c"]
    path = tmp_path / "arc_easy.parquet"
    datasets.Dataset.from_dict(rows).to_parquet(path)
    records = load_tables(path).records  # size read from the model name
    assert records["gold"].tolist() == GOLD
    assert records["params"].tolist() == [4.1e8] * 3
    assert records["task"].tolist() == ["arc_easy"] * 3


def gsm8k_arrow_shard(tmp_path):
    """An lm-eval generation dataset of two documents saved with save_to_disk (params 1.4b)."""
    rows = {"doc_id": [0, 1], "target": ["18", "7"], "resps": [[["18"]], [["8"]]],
            "filtered_resps": [["18"], ["8"]], "exact_match": [1.0, 0.0], "params": ["1.4b", "1.4b"]}
    folder = tmp_path / "gsm8k"
    datasets.Dataset.from_dict(rows).save_to_disk(str(folder))
    [shard] = folder.glob("*.arrow")
    return shard


def test_lm_eval_generation_from_arrow_shard(tmp_path):
    """save_to_disk's .arrow shard: the task is the folder name, generated text the prediction."""
    shard = gsm8k_arrow_shard(tmp_path)
    records = load_tables(shard, options=ReadOptions(sizes={"gsm8k": 1.4e9})).records
    assert records["task"].tolist() == ["gsm8k", "gsm8k"]
    assert records["prediction"].tolist() == ["18", "8"]  # a number answer stays text
    assert records["params"].tolist() == [1.4e9, 1.4e9]
    assert compute(records, "exact_match").tolist() == [1.0, 0.0]


def test_lm_eval_filter_choice(tmp_path):
    """Rows of several filters: ReadOptions.filter keeps one; by default the first, with a warning."""
    rows = {"doc_id": [0, 0], "target": ["4", "4"], "filter": ["strict-match", "flexible-extract"],
            "filtered_resps": [["5"], ["4"]], "resps": [[["so 4"]], [["so 4"]]]}
    path = tmp_path / "samples_gsm8k_2024-01-01T00-00-00.parquet"
    datasets.Dataset.from_dict(rows).to_parquet(path)
    sizes = {"samples_gsm8k": 1e9}
    chosen = load_tables(path, options=ReadOptions(sizes=sizes, filter="flexible-extract")).records
    assert chosen["prediction"].tolist() == ["4"]
    with pytest.warns(UserWarning, match="strict-match"):
        first = load_tables(path, options=ReadOptions(sizes=sizes)).records
    assert first["prediction"].tolist() == ["5"]


# -- bad files --------------------------------------------------------------------------------------


def test_missing_gold_index_names_the_file(tmp_path):
    """A lighteval file without gold_index: a SchemaError naming the file and the column."""
    rows = lighteval_rows(0)
    del rows["gold_index"]
    path = tmp_path / "details_EleutherAI__pythia-70m" / "details_harness|arc:challenge|25_2023.parquet"
    path.parent.mkdir()
    datasets.Dataset.from_dict(rows).to_parquet(path)
    with pytest.raises(SchemaError) as info:
        load_tables(path)
    [problem] = info.value.problems
    assert problem.startswith(str(path))
    assert "'gold_index'" in problem and "index of the correct choice" in problem


def test_unknown_size_says_how_to_give_it(tmp_path):
    """A model name without a size and no sizes given: the error says ReadOptions.sizes or params."""
    path = tmp_path / "details_acme__mystery-model" / "details_harness|arc:challenge|25_2023.parquet"
    path.parent.mkdir()
    datasets.Dataset.from_dict(lighteval_rows(0)).to_parquet(path)
    with pytest.raises(SchemaError, match=r"'acme/mystery-model' is unknown.*ReadOptions.sizes.*'params'"):
        load_tables(path)
    records = load_tables(path, options=ReadOptions(sizes={"acme/mystery-model": 3e9})).records
    assert records["params"].tolist() == [3e9] * 3


def test_unknown_model_says_how_to_give_it(tmp_path):
    """No model name anywhere: the error names the ways to give one."""
    path = tmp_path / "arc.parquet"
    datasets.Dataset.from_dict(lighteval_rows(0)).to_parquet(path)
    with pytest.raises(SchemaError, match=r"arc.parquet: cannot tell which model.*model_name"):
        load_tables(path)


def test_not_details(tmp_path):
    """A parquet file of something else is refused with the columns it has."""
    path = tmp_path / "other.parquet"
    datasets.Dataset.from_dict({"a": [1], "b": ["x"]}).to_parquet(path)
    with pytest.raises(SchemaError, match=r"not Open LLM Leaderboard details.*columns found: a, b"):
        load_tables(path)


def test_positive_loglikelihood_is_reported(tmp_path):
    """A choice log-likelihood > 0 is caught by validation, naming the file and row."""
    rows = lighteval_rows(0)
    rows["predictions"][1] = [0.5, -1.0, -2.0]
    path = tmp_path / "details_EleutherAI__pythia-70m" / "details_harness|arc:easy|0_2023.parquet"
    path.parent.mkdir()
    datasets.Dataset.from_dict(rows).to_parquet(path)
    with pytest.raises(SchemaError, match=r"row 1, column 'choice_logprobs'.*> 0"):
        load_tables(path)


# -- the Hub --------------------------------------------------------------------------------------------


def test_load_hf_maps_rows(monkeypatch):
    """load_hf calls datasets.load_dataset with the repo and config, picks the 'latest' split, and
    names the model after the dataset (details_ORG__NAME) and the task after the config."""
    calls = []

    def fake_load_dataset(path, name=None, split=None, **kwargs):
        calls.append((path, name, split, kwargs))
        latest = datasets.Dataset.from_dict(lighteval_rows(3))
        return datasets.DatasetDict({"2023_08_19T16_35_46.942696": latest, "latest": latest})

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    records = load_hf("hf://open-llm-leaderboard/details_EleutherAI__pythia-1b/harness_arc_challenge_25",
                      revision="main")
    assert calls == [("open-llm-leaderboard/details_EleutherAI__pythia-1b", "harness_arc_challenge_25",
                      None, {"revision": "main"})]
    assert set(records["model"]) == {"EleutherAI/pythia-1b"}
    assert set(records["params"]) == {1e9}
    assert set(records["task"]) == {"arc_challenge"}
    assert compute(records, "choice_prob") == pytest.approx(softmax_gold(3))
    assert math.isclose(compute(records, "multiple_choice_grade").mean(), 1.0)


def test_load_hf_overrides(monkeypatch):
    """model, params and task given by the caller win; split is passed through."""
    monkeypatch.setattr(datasets, "load_dataset", lambda path, name=None, split=None, **kw:
                        datasets.Dataset.from_dict(lighteval_rows(1)))
    records = load_hf("hf://someone/arc-details", split="train", model="m", params="350m", task="arc")
    assert set(records["model"]) == {"m"}
    assert set(records["params"]) == {3.5e8}
    assert set(records["task"]) == {"arc"}


def test_load_hf_bad_spec_and_splits(monkeypatch):
    """A spec without hf:// is refused; several splits and no 'latest' ask for split=."""
    with pytest.raises(EmergenceError, match=r"'spec' parameter of load_hf.*Got 'org/name'"):
        load_hf("org/name")
    one = datasets.Dataset.from_dict(lighteval_rows(0))
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: datasets.DatasetDict({"a": one, "b": one}))
    with pytest.raises(EmergenceError, match="splits a, b; name one with split="):
        load_hf("hf://org/details_x__y-1b")


def test_load_tables_reads_hf_paths(monkeypatch):
    """An hf:// path given to load_tables (and so to analyze) goes through load_hf; the Hub is faked."""
    latest = datasets.Dataset.from_dict(lighteval_rows(3))
    monkeypatch.setattr(datasets, "load_dataset",
                        lambda *a, **k: datasets.DatasetDict({"latest": latest}))
    spec = "hf://open-llm-leaderboard/details_EleutherAI__pythia-1b/harness_arc_challenge_25"
    tables = load_tables([spec])
    assert tables.files == [spec]
    assert set(tables.records["model"]) == {"EleutherAI/pythia-1b"}


def test_lm_eval_single_loglikelihood_gives_target_logprob(tmp_path):
    """A lambada-like row (one [logprob, is_greedy] response) gives target_logprob and correct."""
    rows = {"model_name": ["pythia-160m"] * 2, "doc_id": [0, 1], "target": [" word", " other"],
            "arguments": [{"gen_args_0": {"arg_0": "ctx", "arg_1": " word"}},
                          {"gen_args_0": {"arg_0": "ctx", "arg_1": " other"}}],
            "filtered_resps": [[["-1.5", "True"]], [["-4.0", "False"]]]}
    path = tmp_path / "samples_leaderboard_lambada_pythia-160m_2024-06-26T19-46-11.558137.parquet"
    datasets.Dataset.from_dict(rows).to_parquet(path)
    records = load_tables(path, options=ReadOptions(sizes=SIZES)).records
    assert records["target_logprob"].tolist() == [-1.5, -4.0]
    assert records["correct"].tolist() == [1.0, 0.0]
    assert compute(records, "sequence_prob") == pytest.approx(np.exp([-1.5, -4.0]))


def test_sizes_win_over_a_params_column(tmp_path):
    """--sizes names the model: its size replaces the file's params column (1.4b -> 1.2e9)."""
    shard = gsm8k_arrow_shard(tmp_path)
    records = load_tables(shard, options=ReadOptions(sizes={"gsm8k": 1.2e9})).records
    assert records["params"].tolist() == [1.2e9, 1.2e9]
