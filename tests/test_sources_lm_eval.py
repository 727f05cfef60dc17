"""Tests of emergence.sources.lm_eval: lm-evaluation-harness results JSON and per-sample logs.

Two kinds of input: small files written here (0.3-style results, a 0.4.0-style JSON-array samples
log, 0.4.3+-style JSON lines), so the module is tested without ../shared/data; and the real files in
../shared/data/lm_eval (skipped when absent), whose numbers are pinned below with where they come from.
"""

import math
import warnings
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pytest

from emergence.cli import main
from emergence.errors import EmergenceError, EmergenceWarning, SchemaError
from emergence.metrics import compute
from emergence.sources import Limits, ReadOptions, find_files, format_of, lm_eval, load, load_tables
from emergence.sources.lm_eval import family_of, read, read_results, read_samples, sniff

TIMESTAMP = "2024-05-01T10-00-00.000001"


def dump_json(path: Path, data, indent: bool = False) -> Path:
    path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2 if indent else 0))
    return path


def dump_lines(path: Path, items: list) -> Path:
    path.write_bytes(b"".join(orjson.dumps(item) + b"\n" for item in items))
    return path


def head_of(path: Path) -> bytes:
    return path.read_bytes()[:65536]


def results_04(model_args="pretrained=EleutherAI/pythia-410m", num_parameters=None) -> dict:
    """A 0.4-style results JSON: 'metric,filter' keys, a 'N/A' stderr, a task with two filters."""
    config = {"model": "hf", "model_args": model_args}
    if num_parameters is not None:
        config["model_num_parameters"] = num_parameters
    return {
        "results": {
            "arc_easy": {"alias": "arc_easy", "acc,none": 0.5, "acc_stderr,none": 0.05,
                         "brier_score,none": 0.7, "brier_score_stderr,none": "N/A"},
            "gsm8k": {"alias": "gsm8k", "exact_match,strict-match": 0.1,
                      "exact_match_stderr,strict-match": 0.01, "exact_match,flexible-extract": 0.2,
                      "exact_match_stderr,flexible-extract": 0.02},
        },
        "versions": {"arc_easy": 1.0, "gsm8k": 3.0},
        "n-shot": {"arc_easy": 0, "gsm8k": 5},
        "higher_is_better": {"arc_easy": {"acc": True, "brier_score": False},
                             "gsm8k": {"exact_match": True}},
        "n-samples": {"arc_easy": {"original": 20, "effective": 20},
                      "gsm8k": {"original": 4, "effective": 4}},
        "config": config,
        "lm_eval_version": "0.4.3",
    }


def choice_sample(doc_id, logprobs, target, as_strings=True, filter_name="none") -> dict:
    """A multiple-choice sample as lm-eval writes it (pairs as strings since 0.4.3)."""
    pairs = [[str(p), "False"] if as_strings else [p, False] for p in logprobs]
    return {
        "doc_id": doc_id, "doc": {"q": f"question {doc_id}"}, "target": target,
        "arguments": {f"gen_args_{k}": {"arg_0": "Q: ...\nA:", "arg_1": f" choice{k}"}
                      for k in range(len(logprobs))},
        "resps": [[pair] for pair in pairs], "filtered_resps": pairs, "filter": filter_name,
        "metrics": ["acc"], "acc": 0.0,
    }


def generate_sample(doc_id, output, target, filter_name, exact_match=None) -> dict:
    sample = {
        "doc_id": doc_id, "doc": {"question": "?"}, "target": target,
        "arguments": {"gen_args_0": {"arg_0": "Question: ?\nAnswer:", "arg_1": {"until": ["\n\n"]}}},
        "resps": [[f"raw {output}"]], "filtered_resps": [output], "filter": filter_name,
        "metrics": ["exact_match"],
    }
    if exact_match is not None:
        sample["exact_match"] = exact_match
    return sample


@pytest.fixture
def run_dir(tmp_path) -> Path:
    """A 0.4.3+ run: results_<ts>.json with samples of a multiple-choice and a generation task."""
    folder = tmp_path / "run"
    folder.mkdir()
    dump_json(folder / f"results_{TIMESTAMP}.json", results_04(), indent=True)
    dump_lines(folder / f"samples_arc_easy_{TIMESTAMP}.jsonl", [
        choice_sample(0, [-1.0, -2.0, -3.0], "0"),
        choice_sample(1, [-2.5, -0.5, -4.0], 1),
        choice_sample(2, [-1.5, -1.0, -0.2], "2"),
    ])
    dump_lines(folder / f"samples_gsm8k_{TIMESTAMP}.jsonl", [
        *(generate_sample(d, out, "7", "strict-match", em)
          for d, out, em in ((0, "[invalid]", 0.0), (1, "7", 1.0))),
        *(generate_sample(d, out, "7", "flexible-extract", em)
          for d, out, em in ((0, "8", 0.0), (1, "7", 1.0))),
    ])
    return folder


# -- sniffing -------------------------------------------------------------------------------------------


def test_sniff_recognises_results_and_samples(run_dir):
    """Results JSON and samples logs are claimed; they are read by this module, not another."""
    for path in run_dir.iterdir():
        assert sniff(path, head_of(path)), path.name
        assert format_of(path).NAME == "lm_eval"


@pytest.mark.parametrize(
    ("name", "content"),
    [("other.json", b'{"results": [1, 2], "model": "x"}'),           # "results" but no lm-eval marks
     ("inputs.jsonl", b'{"question": "?", "answer": "7"}\n'),       # task inputs: no doc_id
     ("table.csv", b"doc_id,resps\n0,1\n"),
     ("stats.json", b'[{"name": {"name": "exact_match"}, "count": 1}]')],
)
def test_sniff_rejects_other_json(tmp_path, name, content):
    """JSON that lm-eval did not write is not claimed."""
    path = tmp_path / name
    path.write_bytes(content)
    assert not sniff(path, content)


# -- results JSON -> scores ------------------------------------------------------------------------------


def test_results_03_style(tmp_path):
    """0.3 results ('acc', 'acc_stderr'): model and step from model_args, params from KNOWN_PARAMS."""
    path = dump_json(tmp_path / "results.json", {
        "results": {"lambada_openai": {"ppl": 10.8, "ppl_stderr": 0.3, "acc": 0.56, "acc_stderr": 0.007},
                    "piqa": {"acc": 0.62, "acc_stderr": 0.01, "acc_norm": 0.61, "acc_norm_stderr": 0.011}},
        "versions": {"lambada_openai": 0, "piqa": 0},
        "config": {"model": "hf-causal", "num_fewshot": 0, "batch_size": 16,
                   "model_args": "pretrained=EleutherAI/pythia-160m,revision=step143000"},
    })
    assert sniff(path, head_of(path))
    table = read_results(path)
    assert len(table) == 4
    assert set(table["metric"]) == {"ppl", "acc", "acc_norm"}
    assert (table["model"] == "EleutherAI/pythia-160m").all()
    assert (table["family"] == "pythia").all()
    assert (table["params"] == 162_322_944).all()  # pythia-160m total params, ../shared/data/pythia README
    assert (table["step"] == 143000).all()
    row = table[(table["task"] == "lambada_openai") & (table["metric"] == "ppl")].iloc[0]
    assert row["value"] == 10.8 and row["stderr"] == 0.3
    assert row["kind"] == "nonlinear"  # ppl is exponential in the mean log-loss (DESIGN.md, Metrics)
    assert "n" not in table  # 0.3 files have no n-samples


def test_results_04_style_filters_and_na_stderr(tmp_path):
    """0.4 results: ',none' dropped, 'N/A' stderr NaN, n from n-samples; of two filters the first (the
    one the samples reader keeps) is named plainly, so that it meets the exact_match rescored from the
    samples, and the other keeps 'metric,filter'."""
    path = dump_json(tmp_path / "results_x.json", results_04(num_parameters=405_000_000))
    table = read_results(path)
    by_metric = table.set_index(["task", "metric"])
    assert sorted(by_metric.index) == [
        ("arc_easy", "acc"), ("arc_easy", "brier_score"),
        ("gsm8k", "exact_match"), ("gsm8k", "exact_match,flexible-extract"),
    ]
    assert math.isnan(by_metric.loc[("arc_easy", "brier_score"), "stderr"])
    assert by_metric.loc[("arc_easy", "acc"), "n"] == 20
    assert by_metric.loc[("gsm8k", "exact_match"), "value"] == 0.1  # strict-match, the first
    assert (table["params"] == 405_000_000).all()  # model_num_parameters wins over the name
    assert by_metric.loc[("arc_easy", "brier_score"), "higher_is_better"] == 0.0
    assert by_metric.loc[("gsm8k", "exact_match,flexible-extract"), "kind"] == "discontinuous"


def test_results_filter_option_keeps_one_filter(tmp_path):
    """With ReadOptions(filter=...), a task with several filters keeps that one, named without suffix."""
    path = dump_json(tmp_path / "results_x.json", results_04())
    table = read_results(path, ReadOptions(filter="flexible-extract"))
    gsm = table[table["task"] == "gsm8k"]
    assert gsm["metric"].tolist() == ["exact_match"]
    assert gsm["value"].tolist() == [0.2]
    assert table["params"].iloc[0] == 405_334_016  # pythia-410m from KNOWN_PARAMS


def test_results_dict_model_args_and_family(tmp_path):
    """0.4.13 writes model_args as a dict; the family is the name without organisation and size."""
    path = dump_json(tmp_path / "results_x.json",
                     results_04(model_args={"pretrained": "EleutherAI/pythia-1.4b-deduped", "dtype": "bf16"}))
    table = read_results(path)
    assert table["model"].iloc[0] == "EleutherAI/pythia-1.4b-deduped"
    assert table["family"].iloc[0] == "pythia-deduped"
    assert table["params"].iloc[0] == 1_414_647_808


@pytest.mark.parametrize(
    ("name", "family"),
    [("EleutherAI/pythia-1b", "pythia"), ("pythia-70m-deduped", "pythia-deduped"),
     ("facebook/opt-1.3b", "opt"), ("bigscience/bloom-1b7", "bloom"),
     ("Qwen/Qwen2.5-0.5B-Instruct", "qwen2.5-instruct"), ("gpt2-xl", "gpt2"), ("davinci", "gpt3"),
     ("tiny-neox", "default"),
     ("/home/u/tiny-neox", "default")],
)
def test_family_of(name, family):
    assert family_of(name) == family


# -- samples -> records ----------------------------------------------------------------------------------


def test_samples_multiple_choice(run_dir):
    """Multiple choice: choice_logprobs from the [logprob, is_greedy] string pairs, gold from the target."""
    path = run_dir / f"samples_arc_easy_{TIMESTAMP}.jsonl"
    table = read_samples(path)
    assert len(table) == 3
    assert table["task"].unique().tolist() == ["arc_easy"]
    assert table["example"].tolist() == ["0", "1", "2"]
    assert table["choice_logprobs"].iloc[1] == [-2.5, -0.5, -4.0]
    assert table["gold"].tolist() == [0, 1, 2]
    assert table["chance"].tolist() == pytest.approx([1 / 3] * 3)
    assert (table["model"] == "EleutherAI/pythia-410m").all()  # from the sibling results JSON
    # choice_prob of doc 1 = softmax([-2.5, -0.5, -4.0])[1]
    expected = math.exp(-0.5) / (math.exp(-2.5) + math.exp(-0.5) + math.exp(-4.0))
    assert compute(table, "choice_prob")[1] == pytest.approx(expected)


def test_samples_several_filters_warn_and_keep_first(run_dir):
    """One line per (doc, filter): the first filter is kept, and a warning names it."""
    path = run_dir / f"samples_gsm8k_{TIMESTAMP}.jsonl"
    with pytest.warns(EmergenceWarning, match="the records keep 'strict-match', the first"):
        table = read_samples(path)
    assert table["prediction"].tolist() == ["[invalid]", "7"]
    assert table["target"].tolist() == ["7", "7"]
    assert table["correct"].tolist() == [0.0, 1.0]  # the per-sample exact_match


def test_samples_filter_option(run_dir):
    """ReadOptions(filter=...) keeps that filter, without a warning; an absent filter is an error."""
    path = run_dir / f"samples_gsm8k_{TIMESTAMP}.jsonl"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = read_samples(path, ReadOptions(filter="flexible-extract"))
    assert table["prediction"].tolist() == ["8", "7"]
    with pytest.raises(SchemaError, match="filter 'exact' is not in this log; its filters are 'strict"):
        read_samples(path, ReadOptions(filter="exact"))


def test_samples_loglikelihood_one_request(tmp_path):
    """Lambada style: target_logprob and correct (is_greedy), target_tokens left empty (not logged)."""
    folder = tmp_path / "EleutherAI__pythia-1b"  # 0.4.3+ writes into <model_name_sanitized>/
    folder.mkdir()
    path = dump_lines(folder / f"samples_lambada_openai_{TIMESTAMP}.jsonl", [
        {"doc_id": 0, "doc": {"text": "a b"}, "target": " b",
         "arguments": {"gen_args_0": {"arg_0": "a", "arg_1": " b"}},
         "resps": [[["-1.5", "True"]]], "filtered_resps": [["-1.5", "True"]], "filter": "none",
         "metrics": ["perplexity", "acc"], "perplexity": -1.5, "acc": 1},
        {"doc_id": 1, "doc": {"text": "c d"}, "target": " d",
         "arguments": {"gen_args_0": {"arg_0": "c", "arg_1": " d"}},
         "resps": [[["-4.25", "False"]]], "filtered_resps": [["-4.25", "False"]]},  # no filter/metrics
    ])
    table = read_samples(path)
    assert table["model"].iloc[0] == "EleutherAI/pythia-1b"  # from the folder name
    assert table["params"].iloc[0] == 1_011_781_632  # pythia-1b total params (KNOWN_PARAMS)
    assert table["target_logprob"].tolist() == [-1.5, -4.25]
    assert table["correct"].tolist() == [1.0, 0.0]
    assert table["target"].tolist() == [" b", " d"]
    assert table["target_tokens"].isna().all()
    assert compute(table, "sequence_prob") == pytest.approx(np.exp([-1.5, -4.25]))


def test_samples_040_json_array(tmp_path):
    """0.4.0-0.4.2: '<model_args>_<task>.jsonl' holding one indented JSON array, floats and bools."""
    path = dump_json(tmp_path / "pretrained=EleutherAI__pythia-70m,dtype=float32_arc_easy.jsonl", [
        choice_sample(0, [-1.0, -0.1], 1, as_strings=False),
        choice_sample(1, [-0.3, -2.0], 0, as_strings=False),
    ], indent=True)
    assert sniff(path, head_of(path))
    table = read_samples(path)
    assert table["task"].unique().tolist() == ["arc_easy"]
    assert table["model"].unique().tolist() == ["EleutherAI/pythia-70m"]  # from the file name
    assert table["params"].iloc[0] == 70_426_624
    assert table["choice_logprobs"].tolist() == [[-1.0, -0.1], [-0.3, -2.0]]
    assert table["gold"].tolist() == [1, 0]


def test_samples_040_with_results_json(tmp_path):
    """A 0.4.0 results.json beside the log gives the task (a suffix of the name) and the model."""
    dump_json(tmp_path / "results.json", {
        "results": {"hellaswag_x": {"acc,none": 0.3, "acc_stderr,none": 0.01}},
        "configs": {"hellaswag_x": {}}, "versions": {"hellaswag_x": 1},
        "config": {"model": "hf", "model_args": "pretrained=my_org/my_model_v2,revision=step1000"},
    })
    path = dump_json(tmp_path / "pretrained=my_org__my_model_v2,revision=step1000_hellaswag_x.jsonl",
                     [choice_sample(0, [-1.0, -0.1], 1, as_strings=False)])
    table = read_samples(path, ReadOptions(sizes={"my_org/my_model_v2": "250m"}))
    assert table["task"].tolist() == ["hellaswag_x"]
    assert table["model"].tolist() == ["my_org/my_model_v2"]
    assert table["step"].tolist() == [1000]
    assert table["params"].tolist() == [2.5e8]  # from sizes: the name holds no size


def test_multiple_choice_target_as_text(tmp_path):
    """A target given as a choice's text is looked up among the continuations."""
    folder = tmp_path / "EleutherAI__pythia-70m"
    folder.mkdir()
    path = dump_lines(folder / f"samples_t_{TIMESTAMP}.jsonl", [
        choice_sample(0, [-1.0, -2.0], "choice1"),
        choice_sample(1, [-1.0, -2.0], "1"),  # an index written as text, as 0.4.3+ logs it
    ])
    assert read_samples(path)["gold"].tolist() == [1, 1]


# -- bad input -------------------------------------------------------------------------------------------


def test_truncated_line_names_file_and_line(run_dir):
    """A truncated JSON line is an error naming the file and the line."""
    path = run_dir / f"samples_arc_easy_{TIMESTAMP}.jsonl"
    lines = path.read_bytes().split(b"\n")
    lines[1] = lines[1][:40]
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(SchemaError) as info:
        read(path, ReadOptions())
    [problem] = info.value.problems
    assert str(path) in problem and "line 2: not valid JSON" in problem and "truncated" in problem


def test_truncated_results_json(run_dir):
    path = run_dir / f"results_{TIMESTAMP}.json"
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(SchemaError, match=r"line \d+: not valid JSON .*truncated"):
        read(path, ReadOptions())


def test_not_lm_eval_json(tmp_path):
    """JSON from elsewhere is not claimed; read as lm_eval anyway, it is a clear error."""
    path = dump_json(tmp_path / "other.json", {"scores": [1, 2], "model": "x"})
    assert not sniff(path, head_of(path))
    with pytest.raises(EmergenceError, match="unknown file type"):
        load(path)
    with pytest.raises(SchemaError, match=r"not lm-evaluation-harness output \(found a JSON object "
                                          r"with keys: scores, model\)"):
        load(path, format_in="lm_eval")
    lines = dump_lines(tmp_path / "inputs.jsonl", [{"question": "?"}, {"question": "!"}])
    with pytest.raises(SchemaError, match="JSON lines without 'doc_id'; the first has keys: question"):
        load(lines, format_in="lm_eval")


def test_missing_doc_id(run_dir):
    """A sample without doc_id is an error naming its line."""
    path = run_dir / f"samples_arc_easy_{TIMESTAMP}.jsonl"
    items = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    del items[2]["doc_id"]
    dump_lines(path, items)
    with pytest.raises(SchemaError, match=r"line 3: no 'doc_id'"):
        read(path, ReadOptions())


def test_duplicate_doc_id_names_lines(run_dir):
    path = run_dir / f"samples_arc_easy_{TIMESTAMP}.jsonl"
    items = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    items[2]["doc_id"] = 0
    dump_lines(path, items)
    with pytest.raises(SchemaError, match=r"duplicate rows .* at line 1, line 3"):
        read(path, ReadOptions())


def test_samples_without_results(tmp_path):
    """Without its results JSON a log loads when options name the model; otherwise a clear error."""
    path = dump_lines(tmp_path / f"samples_arc_easy_{TIMESTAMP}.jsonl", [choice_sample(0, [-1.0, -2.0], 0)])
    with pytest.raises(SchemaError, match=r"cannot tell which model wrote this samples log.*ReadOptions"):
        read(path, ReadOptions())
    table = read_samples(path, ReadOptions(sizes={"my-model": 3e8}))
    assert table["model"].tolist() == ["my-model"] and table["params"].tolist() == [3e8]


def test_unknown_model_size(tmp_path):
    """A model whose size neither the file, the name nor sizes say is an error saying how to give it."""
    path = dump_json(tmp_path / "results_x.json", results_04(model_args="pretrained=/runs/tiny-neox"))
    with pytest.raises(SchemaError) as info:
        read(path, ReadOptions())
    [problem] = info.value.problems
    assert "the size of model '/runs/tiny-neox' is not known" in problem
    assert "ReadOptions(sizes={'/runs/tiny-neox': 1.3e9})" in problem
    table = read_results(path, ReadOptions(sizes={"tiny-neox": 6.5e6}))  # the base name works too
    assert (table["params"] == 6.5e6).all()


def test_mixed_response_kinds(run_dir):
    """A generation sample inside a multiple-choice log is reported with its line."""
    path = run_dir / f"samples_arc_easy_{TIMESTAMP}.jsonl"
    items = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    items[1] = generate_sample(1, "x", "y", "none")
    dump_lines(path, items)
    with pytest.raises(SchemaError, match=r"line 2: the responses .* are not of the kind"):
        read(path, ReadOptions())


@pytest.mark.parametrize("target", ["DELETE", None, {"answer": "7"}, [], [{"a": 1}]])
def test_generate_until_sample_without_target(run_dir, target):
    """Issue 17 item 5: a generate_until sample without 'target' made a NaN target that crashed the
    comparison with exact_match (AttributeError, an internal error, exit 1); a dict was read as the
    text "{...}". Each is named with its line and what to do."""
    path = run_dir / f"samples_gsm8k_{TIMESTAMP}.jsonl"
    items = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    if target == "DELETE":
        del items[1]["target"]
    else:
        items[1]["target"] = target
    dump_lines(path, items)
    with pytest.raises(SchemaError) as info:
        read(path, ReadOptions(filter="strict-match"))
    [problem] = info.value.problems
    if target in ("DELETE", None):
        assert problem == (
            f"{path}: line 2: the generate_until sample has no 'target' (the reference answer lm-eval "
            "compares the generation with, which every sample of its logs holds); export the log again "
            "with lm_eval --log_samples, or remove this sample")
    else:
        assert problem.startswith(f"{path}: line 2: 'target' {target!r} ({type(target).__name__}) is not a "
                                  "reference answer; lm-eval logs it as text or a list of texts")


def test_generate_until_target_list_and_number(run_dir):
    """A list of reference answers keeps the first, a number is its text (issue 17 item 5 keeps
    these working)."""
    path = run_dir / f"samples_gsm8k_{TIMESTAMP}.jsonl"
    items = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    items[0]["target"], items[1]["target"] = ["7", "seven"], 7
    dump_lines(path, items)
    table = read(path, ReadOptions(filter="strict-match"))[0][1]
    assert table["target"].tolist() == ["7", "7"]


# -- the real files in ../shared/data/lm_eval ------------------------------------------------------------

# record / score counts of each file, read off the files (one line per doc; gsm8k: 2 docs x 2 filters)
SHARED_COUNTS = {
    "synthetic_lm_eval_0.4.13/results_2026-11-23T00-04-50.218338.json": ("scores", 7),
    "synthetic_lm_eval_0.4.13/samples_toy_arc_easy_2026-11-23T00-04-50.218338.jsonl": ("records", 3),
    "synthetic_lm_eval_0.4.13/samples_toy_lambada_2026-11-23T00-04-50.218338.jsonl": ("records", 2),
    "synthetic_lm_eval_0.4.13/samples_toy_gsm8k_2026-11-23T00-04-50.218338.jsonl": ("records", 2),
    "evaleval_lm_eval_0.4.9.2/results_2026-01-21T03-44-18.458309.json": ("scores", 2),
    "evaleval_lm_eval_0.4.9.2/samples_math_perturbed_full_2026-01-21T03-44-18.458309.jsonl": ("records", 10),
}


def test_every_shared_file_loads(shared_data):
    """Every lm-eval file of ../shared/data/lm_eval is recognised and loads with its pinned count."""
    root = shared_data / "lm_eval"
    found = sorted(p for folder in root.glob("*lm_eval*") for p in folder.glob("*.json*"))
    assert {str(p.relative_to(root)) for p in found} == set(SHARED_COUNTS)
    for path in found:
        assert format_of(path).NAME == "lm_eval", path
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", EmergenceWarning)  # gsm8k's two filters
            [(shape, table)] = read(path, ReadOptions())
        assert (shape, len(table)) == SHARED_COUNTS[str(path.relative_to(root))], path.name
    # the task inputs beside them are not samples logs
    for path in (root / "synthetic_lm_eval_0.4.13" / "task_inputs").iterdir():
        assert not sniff(path, head_of(path)), path.name


def test_shared_synthetic_values(shared_data):
    """Values of the 0.4.13 run (README: a 6.5M-parameter random GPT-NeoX), straight from the files."""
    folder = shared_data / "lm_eval" / "synthetic_lm_eval_0.4.13"
    arc = read_samples(folder / "samples_toy_arc_easy_2026-11-23T00-04-50.218338.jsonl")
    assert arc["model"].iloc[0] == "/home/user/toy-run/tiny-neox"  # config.model_args.pretrained
    assert arc["params"].iloc[0] == 6_539_008  # config.model_num_parameters
    assert arc["family"].iloc[0] == "default"
    # doc 0: filtered_resps "-10.883770942687988", "-22.263425827026367", ...; target "1"
    assert arc["choice_logprobs"].iloc[0] == pytest.approx(
        [-10.883770942687988, -22.263425827026367, -10.900221824645996, -11.189149856567383])
    assert arc["gold"].tolist() == [1, 2, 0]
    # choice_prob recomputed from the logprobs matches the softmax lm-eval logged in doc 0's brier_score
    # text "[3.67574187e-01 4.19975236e-06 3.61576734e-01 2.70844879e-01]" at the gold index 1
    assert compute(arc, "choice_prob")[0] == pytest.approx(4.19975236e-06, rel=1e-6)
    assert compute(arc, "multiple_choice_grade").tolist() == [0.0, 0.0, 0.0]  # results: acc,none 0.0

    lambada = read_samples(folder / "samples_toy_lambada_2026-11-23T00-04-50.218338.jsonl")
    assert lambada["target_logprob"].tolist() == [-10.92873477935791, -10.675777435302734]
    assert lambada["target"].tolist() == [" umbrella", " bed"]
    assert lambada["correct"].tolist() == [0.0, 0.0]

    with pytest.warns(EmergenceWarning, match="strict-match"):
        gsm = read_samples(folder / "samples_toy_gsm8k_2026-11-23T00-04-50.218338.jsonl")
    assert gsm["prediction"].tolist() == ["[invalid]", "[invalid]"]
    assert gsm["target"].iloc[0] == "Tom has 3 + 4 = <<3+4=7>>7 apples.\n#### 7"

    scores = read_results(folder / "results_2026-11-23T00-04-50.218338.json").set_index(["task", "metric"])
    assert scores.loc[("toy_arc_easy", "acc_norm"), "value"] == pytest.approx(1 / 3)
    assert math.isnan(scores.loc[("toy_arc_easy", "brier_score"), "stderr"])  # "N/A" in the file
    assert scores.loc[("toy_lambada", "perplexity"), "stderr"] == pytest.approx(4411.933219696795)
    assert "exact_match,flexible-extract" in scores.loc["toy_gsm8k"].index
    assert scores["n"].to_dict()[("toy_arc_easy", "acc")] == 3


def test_shared_evaleval_values(shared_data):
    """The real 0.4.9.2 run (model_args a string, one filter 'none')."""
    folder = shared_data / "lm_eval" / "evaleval_lm_eval_0.4.9.2"
    scores = read_results(folder / "results_2026-01-21T03-44-18.458309.json")
    row = scores.set_index("task").loc["math_rephrased_full"]
    assert row["metric"] == "exact_match" and row["value"] == 0.0004 and row["n"] == 5000
    assert row["model"] == "RylanSchaeffer/mem_Qwen3-93M_minerva_math_rep_0_sbst_1.0000_epch_1_ot_1"
    assert row["params"] == 93_069_280  # model_num_parameters, not the 93M of the name
    samples = read_samples(folder / "samples_math_perturbed_full_2026-01-21T03-44-18.458309.jsonl")
    assert samples["example"].tolist() == [str(i) for i in range(10)]
    assert samples["target"].iloc[2] == "\\dfrac{13}{9}"
    assert samples["correct"].sum() == 0  # exact_match 0.0 on every line


def test_load_tables_on_the_synthetic_folder(shared_data):
    """load_tables reads the run folder end to end: records of three tasks and the scores."""
    folder = shared_data / "lm_eval" / "synthetic_lm_eval_0.4.13"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmergenceWarning)
        assert len(find_files(folder)) == 4  # the task_inputs/ files are passed over
        tables = load_tables(folder)
    counts = tables.records.groupby("task").size().to_dict()
    assert counts == {"toy_arc_easy": 3, "toy_gsm8k": 2, "toy_lambada": 2}
    assert len(tables.scores) == 7
    assert set(compute(tables.records, "choice_prob")[:3] > 0) == {True}


def test_cli_validate_the_synthetic_folder(shared_data, capsys):
    """python -m emergence validate <folder> exits 0."""
    folder = shared_data / "lm_eval" / "synthetic_lm_eval_0.4.13"
    shown = warnings.showwarning
    try:
        assert main(["validate", str(folder)]) == 0
    finally:
        warnings.showwarning = shown  # main installs its own warning printer
    assert "4 file(s) valid: 7 records, 7 scores" in capsys.readouterr().out


def test_module_is_registered():
    from emergence.sources import formats

    assert formats()["lm_eval"] is lm_eval


def test_analyze_keeps_one_row_per_metric_and_trusts_processed_targets(shared_data, tmp_path):
    """Found in review: brier_score came twice (rescored and reported); gsm8k's raw targets
    ('... #### 72') made rescored exact match silently 0. Now: one row each, and the log's score."""
    import warnings as _warnings

    import orjson

    from emergence.analysis import analyze
    from emergence.sources import load_tables

    source = shared_data / "lm_eval" / "synthetic_lm_eval_0.4.13"
    for path in source.glob("*.json*"):
        text = path.read_bytes()
        if "gsm8k" in path.name:  # lm-eval judged these right after extracting the '#### ' answer
            lines = [orjson.loads(line) for line in text.splitlines() if line.strip()]
            text = b"\n".join(orjson.dumps(line | {"exact_match": 1.0}) for line in lines)
        (tmp_path / path.name).write_bytes(text)
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        tables = load_tables(tmp_path)
        result = analyze(tables.records, tables.scores, bootstrap=200)
    scores = result.scores
    assert scores.groupby(["model", "task", "metric"]).size().max() == 1
    assert set(scores["higher_is_better"].dropna().map(type)) == {bool}
    gsm = tables.records[tables.records["task"] == "toy_gsm8k"]
    assert "target" not in gsm.dropna(axis=1, how="all")  # dropped: lm-eval processes its targets
    assert gsm["correct"].eq(1.0).all()


# -- raw lm-eval output of the project's own model ladder (tests/data/lm_eval_ladder) --------------------
# lm-eval 0.4.13 on arith-10k at step 19532 (analyses/ladder, `python -m analyses.ladder.run`), task
# add_1digit under its three request types; the reference numbers are lm-eval's own aggregates in the
# results JSON beside each samples log (results -> add_1digit_<kind>).

LADDER = Path(__file__).parent / "data" / "lm_eval_ladder"


def ladder_samples(kind: str):
    (path,) = (LADDER / kind / "arith-10k").glob(f"samples_add_1digit_{kind}_*.jsonl")
    return read_samples(path)


def ladder_result(kind: str) -> dict:
    (path,) = (LADDER / kind / "arith-10k").glob("results_*.json")
    return orjson.loads(path.read_bytes())["results"][f"add_1digit_{kind}"]


def test_ladder_identity_from_results_json():
    """Model from model_args, step from revision=step19532, params from model_num_parameters."""
    table = ladder_samples("gen")
    assert len(table) == 100  # every 1-digit problem a+b, a, b in 0..9
    assert set(table["model"]) == {"arith-10k"}
    assert set(table["step"]) == {19532}
    assert set(table["params"]) == {10880}  # config.model_num_parameters (embeddings included)


def test_ladder_sizes_override_model_num_parameters(tmp_path):
    """--sizes gives the non-embedding count the ladder reports; it wins over lm-eval's total."""
    (path,) = (LADDER / "gen" / "arith-10k").glob("samples_*.jsonl")
    table = read_samples(path, ReadOptions(sizes={"arith-10k": 10160.0}))
    assert set(table["params"]) == {10160.0}


def test_ladder_generate_until_exact_match_equals_lm_eval():
    table = ladder_samples("gen")
    ours = compute(table, "exact_match")
    assert ours.mean() == pytest.approx(ladder_result("gen")["exact_match,none"])  # 0.42
    assert (ours == table["correct"]).all()


def test_ladder_loglikelihood_matches_lm_eval_perplexity_and_acc():
    """lm-eval's loglikelihood 'perplexity' is exp(-mean over documents of the summed log-prob)."""
    table = ladder_samples("ll")
    reference = ladder_result("ll")
    assert math.exp(-table["target_logprob"].mean()) == pytest.approx(reference["perplexity,none"], rel=1e-9)
    assert table["correct"].mean() == pytest.approx(reference["acc,none"])  # is_greedy, 0.42
    assert (table["target_logprob"] <= 0).all()


def test_ladder_multiple_choice_grade_and_brier_equal_lm_eval():
    table = ladder_samples("mc")
    reference = ladder_result("mc")
    assert (table["choice_logprobs"].map(len) == 4).all()
    assert compute(table, "multiple_choice_grade").mean() == pytest.approx(reference["acc,none"])  # 0.86
    assert compute(table, "brier_score").mean() == pytest.approx(reference["brier_score,none"], rel=1e-9)


def test_ladder_folder_loads_through_the_cli(tmp_path, capsys):
    """The three request-type folders as a user would point the CLI at them."""
    assert main(["validate", str(LADDER)]) == 0
    # 3 x 100 samples; results of 11 tasks: gen exact_match, ll perplexity + acc, mc acc + brier_score
    assert "6 file(s) valid: 300 records, 55 scores" in capsys.readouterr().out


# -- the columnar reader (issue 13) ----------------------------------------------------------------------
# A well-formed JSON-lines log is read as columns (lm_eval.columnar); anything unusual is left to the
# per-sample reader (lm_eval.samples), whose table and messages the columnar one must give exactly.


def read_both(path: Path, monkeypatch, options: ReadOptions | None = None):
    """(outcome, warnings, whether the columnar reader read it) of read(path), then the same of the
    per-sample reader alone; an outcome is the table, or the SchemaError's problems."""
    outcomes = []
    for allowed in (True, False):
        used: list[bool] = []

        def spy(*args, original=lm_eval.columnar._samples_columns, allowed=allowed, used=used):
            columns = original(*args) if allowed else None
            used.append(columns is not None)
            return columns

        monkeypatch.setattr(lm_eval, "_samples_columns", spy)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                outcome = read(path, options or ReadOptions())[0][1]
            except SchemaError as error:
                outcome = error.problems
        outcomes.append((outcome, [str(w.message) for w in caught], any(used)))
    return outcomes


def assert_same(one, other):
    if isinstance(other, list):  # the problems
        assert one == other
    else:
        pd.testing.assert_frame_equal(one, other, check_exact=True)


@pytest.fixture
def choice_log(run_dir) -> Path:
    """A multiple-choice log as lm-eval >= 0.4.3 writes it (every target an index as text)."""
    return dump_lines(run_dir / f"samples_arc_easy_{TIMESTAMP}.jsonl", [
        choice_sample(0, [-1.0, -2.0, -3.0], "0"),
        choice_sample(1, [-2.5, -0.5, -4.0], "1"),
        choice_sample(2, [-1.5, -1.0, -0.2], "2"),
    ])


def columnar_logs(run_dir: Path) -> list[Path]:
    """Logs the columnar reader takes: the ladder's three kinds, multiple choice, two filters."""
    return [*sorted(LADDER.rglob("samples_*.jsonl")), *sorted(run_dir.glob("samples_*.jsonl"))]


def test_columnar_reader_makes_the_per_sample_table(choice_log, run_dir, monkeypatch):
    """Multiple choice, one log-likelihood request, generations (with two filters): the columnar
    reader reads each log and makes the per-sample reader's table, value for value, type for type."""
    for path in columnar_logs(run_dir):
        (columns, said, fast), (per_sample, said_too, slow) = read_both(path, monkeypatch)
        assert fast and not slow, path.name
        assert_same(columns, per_sample)
        assert said == said_too  # gsm8k's two filters: the same warning


def test_columnar_reader_on_the_shared_logs(shared_data, monkeypatch):
    for path in sorted((shared_data / "lm_eval").glob("*lm_eval*/samples_*.jsonl")):
        for options in (ReadOptions(), ReadOptions(filter="flexible-extract")):
            (columns, said, fast), (per_sample, said_too, _) = read_both(path, monkeypatch, options)
            assert fast, path.name
            assert_same(columns, per_sample)  # a table, or: the filter is not in this log
            assert said == said_too


def test_columnar_reader_block_by_block(choice_log, run_dir, monkeypatch):
    """Read a line or two at a time (a block ends at a line's end), the table is the same."""
    from emergence.sources.lm_eval import scan

    monkeypatch.setattr(scan, "_BLOCK", 100)
    monkeypatch.setattr(scan, "_WINDOW", 64)
    for path in columnar_logs(run_dir):
        (columns, _, fast), (per_sample, _, _) = read_both(path, monkeypatch)
        assert fast, path.name
        assert_same(columns, per_sample)


def test_mixed_target_types_are_read_sample_by_sample(run_dir, monkeypatch):
    """run_dir's multiple-choice log has targets "0", 1 and "2": Arrow reads a field of one type,
    so the per-sample reader reads it."""
    path = run_dir / f"samples_arc_easy_{TIMESTAMP}.jsonl"
    (columns, _, fast), (per_sample, _, _) = read_both(path, monkeypatch)
    assert not fast
    assert_same(columns, per_sample)


def _edit_line_2(old: bytes, new: bytes):
    def change(lines: list[bytes]) -> list[bytes]:
        lines[1] = lines[1].replace(old, new, 1)
        return lines
    return change


MALFORMED = {  # name -> what is done to the lines of choice_log (orjson writes without spaces)
    "truncated": lambda lines: [lines[0], lines[1][:40], *lines[2:]],
    "NaN in a field not used": _edit_line_2(b'"acc":0.0', b'"acc":NaN'),
    "-Infinity in a list": _edit_line_2(b'"acc":0.0', b'"acc":[1, -Infinity]'),
    "Infinity in a text": _edit_line_2(b'"question 1"', b'"x: Infinity"'),
    "bytes not UTF-8": _edit_line_2(b'"question 1"', b'"qu\xe9stion"'),
    "a 400-digit number": _edit_line_2(b'"acc":0.0', b'"acc":' + b"9" * 400),
    "two samples on a line": lambda lines: [lines[0] + lines[1], *lines[2:]],
    "a blank line, then no doc_id": lambda lines: [lines[0], b"", lines[1].replace(b'"doc_id"', b'"id"'),
                                                   *lines[2:]],
    "a line of spaces": lambda lines: [lines[0], b"   ", *lines[1:]],
    "not an object": lambda lines: [lines[0], b"[" + lines[1] + b"]", *lines[2:]],
    "doc_id of another type": _edit_line_2(b'"doc_id":1', b'"doc_id":"1"'),
    "a target that is no choice": _edit_line_2(b'"target":"1"', b'"target":"9"'),
    "a target as a number": _edit_line_2(b'"target":"1"', b'"target":1'),
    "a response that is no pair": _edit_line_2(b'["-0.5","False"]', b'"-0.5"'),
    "a greedy flag that is no boolean": _edit_line_2(b'"False"]', b'"no"]'),
    "a log-likelihood that is no number": _edit_line_2(b'"-0.5"', b'"abc"'),
    "a log-likelihood that is NaN": _edit_line_2(b'"-0.5"', b'"nan"'),
    "a positive log-likelihood": _edit_line_2(b'"-0.5"', b'"0.5"'),
    "no filtered responses": _edit_line_2(b'"filtered_resps"', b'"other"'),
    "a filter that is null": _edit_line_2(b'"filter":"none"', b'"filter":null'),
    "a line over the limit": _edit_line_2(b'"acc":0.0', b'"acc":"' + b"x" * 2000 + b'"'),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_lines_keep_their_messages(choice_log, monkeypatch, name):
    """Whatever is unusual in a log, read() says (or reads) exactly what the per-sample reader does:
    the columnar reader leaves the log to it, or makes the same table."""
    lines = choice_log.read_bytes().split(b"\n")
    changed = MALFORMED[name](list(lines))
    assert changed != lines
    choice_log.write_bytes(b"\n".join(changed))
    options = ReadOptions(limits=Limits(max_line_bytes=1500))
    (outcome, said, _), (per_sample, said_too, _) = read_both(choice_log, monkeypatch, options)
    assert_same(outcome, per_sample)
    assert said == said_too


def test_malformed_line_messages_pinned(choice_log):
    """The messages themselves (orjson's words), for lines pyarrow's JSON reader would take."""
    lines = choice_log.read_bytes().split(b"\n")
    expected = {
        b'"acc":NaN': "not valid JSON: unexpected character, expected a JSON value",
        b'"acc":' + b"9" * 400: "not valid JSON: number is infinity when parsed as double",
        b'"acc":"\xe9"': "not valid JSON: str is not valid UTF-8: surrogates not allowed",
        b'"acc":0.0}{"doc_id":9': "not valid JSON: unexpected content after document",
    }
    for value, message in expected.items():
        choice_log.write_bytes(b"\n".join([lines[0], lines[1].replace(b'"acc":0.0', value), *lines[2:]]))
        with pytest.raises(SchemaError) as info:
            read(choice_log, ReadOptions())
        assert info.value.problems == [f"{choice_log}: line 2: {message}"]


def test_columnar_reader_names_the_line_of_a_kept_filter(run_dir, monkeypatch):
    """Two filters, one line each per document: a bad value of the second filter's third document is
    on line 6, as the per-sample reader says."""
    path = dump_lines(run_dir / f"samples_arc_easy_{TIMESTAMP}.jsonl", [
        choice_sample(doc, [-1.0, 0.5 if (doc, name) == (2, "b") else -2.0], "1", filter_name=name)
        for doc in range(3) for name in ("a", "b")
    ])
    (outcome, _, fast), (per_sample, _, _) = read_both(path, monkeypatch, ReadOptions(filter="b"))
    assert fast
    assert outcome == per_sample == [
        f"{path}: line 6, column 'choice_logprobs': [-1.0, 0.5] holds a value that is > 0 or not finite; "
        "choice log-likelihoods are finite and <= 0"
    ]
