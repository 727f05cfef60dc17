"""Tests of emergence.sources.pythia: the tidy Pythia evaluation CSV and the raw lm-eval 0.3 JSON."""

import functools
import gzip
import warnings
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pytest

import emergence
from emergence.errors import EmergenceWarning, SchemaError
from emergence.sources import find_files, format_of, load
from emergence.sources.pythia import (
    PYTHIA_PARAMS,
    family_name,
    parse_pythia_name,
    read_pythia_csv,
    read_pythia_json,
    sniff,
)

HEADER = ("suite,model,hf_repo,size,params_total,params_nonembedding,deduped,variant,batch_tokens,"
          "eval_group,num_fewshot,step,tokens_seen,task,metric,value,stderr,task_version,run_timestamp,"
          "source_path")

# Rows of ../shared/data/pythia/pythia_evals.csv.gz (pythia-1.4b, zero-shot, standard), the numbers
# the raw JSON files evals/pythia-v1/pythia-1.4b/zero-shot/1.4b_step{3000,143000}.json hold.
STEP_RESULTS = {
    3000: {"lambada_openai": {"ppl": 44.178121189565175, "ppl_stderr": 1.7168754439996075,
                              "acc": 0.3242771201241995, "acc_stderr": 0.006521605716950191},
           "piqa": {"acc": 0.6142546245919478, "acc_stderr": 0.011357166777524042,
                    "acc_norm": 0.6240478781284005, "acc_norm_stderr": 0.011301098166895718}},
    143000: {"lambada_openai": {"ppl": 6.0857145325729105, "ppl_stderr": 0.1550975255819871,
                                "acc": 0.6161459344071415, "acc_stderr": 0.006775431186581984},
             "piqa": {"acc": 0.7089227421109902, "acc_stderr": 0.010598612490942592,
                      "acc_norm": 0.7105549510337323, "acc_norm_stderr": 0.010581014740675623}},
}


def row(model="pythia-70m", size="70m", params="70426624", deduped="False", variant="standard",
        batch="2097152", group="zero-shot", shots="0", step="143000", tokens="299892736000",
        task="lambada_openai", metric="acc", value="0.18", stderr="0.005", stamp="", suite="pythia-v1"):
    return (f"{suite},{model},EleutherAI/{model},{size},{params},1,{deduped},{variant},{batch},{group},"
            f"{shots},{step},{tokens},{task},{metric},{value},{stderr},0,{stamp},evals/x.json")


def write_csv(path: Path, rows: list[str]) -> Path:
    text = "\n".join([HEADER, *rows]) + "\n"
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def results_json(step: int, pretrained="EleutherAI/pythia-v1.1-1.4b", num_fewshot=0) -> bytes:
    """A 0.3-era lm-eval results file as EleutherAI/pythia evals/ holds them."""
    return orjson.dumps({
        "results": STEP_RESULTS[step],
        "versions": {"lambada_openai": 0, "piqa": 0},
        "config": {"model": "hf-causal",
                   "model_args": f"use_accelerate=True,pretrained={pretrained},revision=step{step}",
                   "num_fewshot": num_fewshot, "batch_size": 32, "device": None, "no_cache": True,
                   "limit": None, "bootstrap_iters": 100000, "description_dict": {}},
    }, option=orjson.OPT_INDENT_2)


@pytest.fixture
def json_tree(tmp_path) -> Path:
    """evals/pythia-v1/pythia-1.4b/zero-shot/1.4b_step{3000,143000}.json."""
    folder = tmp_path / "evals" / "pythia-v1" / "pythia-1.4b" / "zero-shot"
    folder.mkdir(parents=True)
    for step in STEP_RESULTS:
        (folder / f"1.4b_step{step}.json").write_bytes(results_json(step))
    return tmp_path / "evals"


# -- sniffing and families ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["p.csv", "p.csv.gz"])
def test_sniff_claims_a_pythia_header(tmp_path, name):
    """A .csv/.csv.gz with the Pythia columns is this format, and the registry picks it."""
    path = write_csv(tmp_path / name, [row()])
    assert sniff(path, path.read_bytes())
    assert format_of(path).NAME == "pythia"


def test_sniff_leaves_a_benchmark_csv(tmp_path):
    """A plain scores CSV is left to the generic benchmark-CSV format."""
    path = tmp_path / "s.csv"
    path.write_text("model,params,task,metric,value\nm,1b,t,acc,0.5\n")
    assert not sniff(path, path.read_bytes())
    assert format_of(path).NAME == "csv"


def test_sniff_json_pythia_but_not_lm_eval_04(tmp_path):
    """A 0.3 results JSON of a Pythia model is claimed; an lm-eval 0.4 file (n-shot, configs) is not."""
    old = tmp_path / "1.4b_step3000.json"
    old.write_bytes(results_json(3000))
    new = tmp_path / "results_2024.json"
    new.write_bytes(orjson.dumps({"results": {"t": {"acc,none": 0.5}}, "configs": {}, "n-shot": {},
                                  "config": {"model_args": "pretrained=EleutherAI/pythia-160m"}}))
    assert sniff(old, old.read_bytes())
    assert not sniff(new, new.read_bytes())


@pytest.mark.parametrize(
    ("args", "expected"),
    [(("pythia-v1", False, "standard", "zero-shot", 0), "pythia"),
     (("pythia-v1", True, "standard", "zero-shot", 0), "pythia-deduped"),
     (("pythia-v1", True, "standard", "five-shot", 5), "pythia-deduped-5-shot"),
     (("pythia-v1", False, "1MtokBS", "five-shot", 5), "pythia-1MtokBS-5-shot"),
     (("pythia-v1", True, "intervention-long", "intervention", 0), "pythia-deduped-intervention-long"),
     (("pythia-v1", True, "standard", "baseline", 0), "pythia-deduped-baseline"),
     (("pythia-v0", True, "v0", "zero-shot", 0), "pythia-v0-deduped"),
     (("opt", np.nan, "final", "zero-shot", 0), "opt")],
)
def test_family_name_keeps_runs_apart(args, expected):
    """Variants, shots and eval groups that must not share a curve get their own family."""
    assert family_name(*args) == expected


def test_parse_pythia_name():
    """Hugging Face names of v1 (pythia-v1.1-), ablations, the intervention study and v0."""
    assert parse_pythia_name("EleutherAI/pythia-v1.1-1b-0.5MtokBS") == {
        "suite": "pythia-v1", "size": "1b", "deduped": False, "variant": "0.5MtokBS", "model": "pythia-1b"}
    long = parse_pythia_name("EleutherAI/intervention-pythia-v1.1-1.4b-deduped-long")
    assert (long["variant"], long["model"]) == ("intervention-long", "pythia-1.4b-deduped")
    assert parse_pythia_name("EleutherAI/pythia-410m-deduped-v0")["suite"] == "pythia-v0"
    assert parse_pythia_name("gpt2") is None


# -- the tidy CSV (small files) -----------------------------------------------------------------------


def test_csv_columns_and_compute(tmp_path):
    """params_total -> params, tokens_seen -> tokens, compute = 6 * params * tokens."""
    table = read_pythia_csv(write_csv(tmp_path / "p.csv", [row(), row(metric="ppl", value="142.4")]))
    first = table.iloc[0]
    assert (first["family"], first["model"], first["step"]) == ("pythia", "pythia-70m", 143000)
    assert first["params"] == 70_426_624
    assert first["compute"] == pytest.approx(6 * 70_426_624 * 299_892_736_000)
    assert table.set_index("metric")["kind"].to_dict() == {"acc": "discontinuous", "ppl": "nonlinear"}


def test_step_zero_has_no_tokens(tmp_path):
    """At step 0 no token was seen: tokens and compute are left empty, params still known."""
    table = read_pythia_csv(write_csv(tmp_path / "p.csv", [row(step="0", tokens="0"), row()]))
    zero = table[table["step"] == 0].iloc[0]
    assert np.isnan(zero["tokens"]) and np.isnan(zero["compute"])
    assert zero["params"] == 70_426_624


def test_duplicate_runs_keep_latest_with_warning(tmp_path):
    """Pythia v0 repeats some runs: the latest run_timestamp is kept, the count dropped is said."""
    rows = [row(suite="pythia-v0", variant="v0", value="0.10", stamp="12-16-2022-18-15-05"),
            row(suite="pythia-v0", variant="v0", value="0.20", stamp="12-30-2022-03-48-08"),
            row(suite="pythia-v0", variant="v0", value="0.15", stamp="11-25-2022-06-49-01"),
            row(suite="pythia-v0", variant="v0", metric="ppl", value="120", stamp="11-25-2022-06-49-01")]
    with pytest.warns(EmergenceWarning, match="2 row"):
        table = read_pythia_csv(write_csv(tmp_path / "v0.csv.gz", rows))
    assert len(table) == 2
    assert table.set_index("metric").loc["acc", "value"] == 0.20
    assert set(table["family"]) == {"pythia-v0"}


def test_baseline_rows_final_step_and_size_labels(tmp_path):
    """OPT/BLOOM rows have no step ("final") nor params_total: sizes like BLOOM's 1b1 are read,
    training tokens come from the papers (BLOOM 366B)."""
    rows = [row(suite="bloom", model="bloom-1b1", size="1b1", params="", deduped="", variant="final",
                batch="", step="final", tokens="")]
    table = read_pythia_csv(write_csv(tmp_path / "b.csv", rows))
    assert "step" not in table
    assert table["params"].iloc[0] == pytest.approx(1.1e9)
    assert table["tokens"].iloc[0] == pytest.approx(366e9)
    assert table["family"].iloc[0] == "bloom"


def test_bad_value_named_with_its_line(tmp_path):
    """A broken value is reported with its file line (the header is line 1)."""
    path = write_csv(tmp_path / "p.csv", [row(), row(metric="ppl", value="oops")])
    with pytest.raises(SchemaError, match=r"line 3, column 'value': 'oops'"):
        read_pythia_csv(path)


def test_missing_pythia_column_is_named(tmp_path):
    """Reading a CSV without the Pythia columns names what is missing and what to do."""
    path = tmp_path / "s.csv"
    path.write_text("model,params,task,metric,value\nm,1b,t,acc,0.5\n")
    with pytest.raises(SchemaError, match=r"missing column\(s\) suite.*--format-in csv"):
        read_pythia_csv(path)


# -- the raw JSON ----------------------------------------------------------------------------------


def test_json_tree_two_checkpoints(json_tree):
    """Two checkpoints of pythia-1.4b: model, step, params and tokens from config and batch size."""
    files = find_files(json_tree)
    assert [m.NAME for _, m in files] == ["pythia", "pythia"]
    table = load(json_tree)
    assert table.attrs["shape"] == "scores"
    assert sorted(table["step"].unique()) == [3000, 143000]
    assert set(table["model"]) == {"pythia-1.4b"} and set(table["family"]) == {"pythia"}
    assert set(table["params"]) == {PYTHIA_PARAMS["1.4b"]}
    # tokens_seen of the tidy CSV: 3000 steps of 2,097,152 tokens
    assert table.loc[table["step"] == 3000, "tokens"].iloc[0] == 6_291_456_000
    lambada = table[(table["task"] == "lambada_openai") & (table["metric"] == "acc")].set_index("step")
    assert lambada.loc[3000, "value"] == pytest.approx(0.3242771201241995)
    assert lambada.loc[3000, "stderr"] == pytest.approx(0.006521605716950191)
    assert len(table) == 2 * 4


def test_json_matches_the_tidy_csv(json_tree, shared_data):
    """The JSON reader and the CSV reader agree on the same run (values, params, tokens)."""
    csv = read_pythia_csv_filtered(shared_data)
    csv = csv[(csv["family"] == "pythia") & (csv["model"] == "pythia-1.4b")
              & csv["step"].isin([3000, 143000]) & csv["task"].isin(["lambada_openai", "piqa"])]
    raw = load(json_tree)
    keys = ["step", "task", "metric"]
    merged = csv.merge(raw, on=keys, suffixes=("_csv", "_json"))
    assert len(merged) == 8
    for column in ("value", "stderr", "params", "tokens", "compute"):
        np.testing.assert_allclose(merged[f"{column}_csv"], merged[f"{column}_json"], rtol=1e-12)


def test_json_five_shot_deduped_family(tmp_path):
    """num_fewshot from the config and deduped from the name set the family."""
    path = tmp_path / "five-shot" / "1.4b-deduped-5shot_step3000.json"
    path.parent.mkdir()
    path.write_bytes(results_json(3000, "EleutherAI/pythia-v1.1-1.4b-deduped", num_fewshot=5))
    table = read_pythia_json(path)
    assert set(table["family"]) == {"pythia-deduped-5-shot"}
    assert set(table["model"]) == {"pythia-1.4b-deduped"}


def test_json_bf16_1b_joins_the_pythia_family_and_says_so(tmp_path):
    """v1's only non-deduped 1B is its bf16 run (../shared/data/pythia/README.md): it shares the
    'pythia' curve with the other sizes, with a warning naming the file, not a family of its own."""
    path = tmp_path / "zero-shot" / "1b-bf16_step3000.json"
    path.parent.mkdir()
    path.write_bytes(results_json(3000, "EleutherAI/pythia-v1.1-1b-bf16"))
    with pytest.warns(emergence.EmergenceWarning, match=r"1b-bf16_step3000.json: pythia-1b .* bf16 run"):
        table = read_pythia_json(path)
    assert set(table["family"]) == {"pythia"}
    assert family_name("pythia-v1", True, "bf16") == "pythia-deduped-bf16"  # a deduped bf16 stays apart


def test_json_v0_from_file_name(tmp_path):
    """v0 files (gpt-neox evaluate.py) name model, shots and step in the file name only."""
    path = tmp_path / "pythia-410m-deduped-0shot-global_step3000_eval_results_12-30-2022-21-50-46.json"
    path.write_bytes(orjson.dumps({"results": STEP_RESULTS[3000], "versions": {},
                                   "config": {"num_fewshot": 0, "model_args": None}}))
    assert sniff(path, path.read_bytes())
    table = read_pythia_json(path)
    assert set(table["family"]) == {"pythia-v0-deduped"}
    # v0 410m ran 71,500 steps of 4,194,304 tokens (../shared/data/pythia/README.md)
    assert table["tokens"].iloc[0] == 3000 * 4_194_304


def test_json_without_model_is_a_clear_error(tmp_path):
    """A results JSON that names no Pythia model says what it looked for."""
    path = tmp_path / "x_step1.json"
    config = {"model_args": "pretrained=gpt2"}
    path.write_bytes(orjson.dumps({"results": STEP_RESULTS[3000], "config": config}))
    with pytest.raises(SchemaError, match=r"x_step1.json: cannot tell which Pythia model"):
        read_pythia_json(path)


@pytest.mark.parametrize("shots", ["Infinity", "NaN", "2.5", "-1", "five"])
def test_csv_num_fewshot_must_be_a_whole_number(tmp_path, shots):
    """Issue 17 item 5: num_fewshot Infinity raised IntCastingNaNError, an internal error (exit 1);
    NaN, -1 and words became 0 (then a confusing duplicate-row error) and 2.5 became 2. Each is
    named with its line and what to write."""
    path = write_csv(tmp_path / "p.csv", [row(), row(shots=shots, task="piqa")])
    with pytest.raises(SchemaError) as info:
        read_pythia_csv(path)
    assert info.value.problems == [
        f"{path}: line 3, column 'num_fewshot': {shots!r} is not a number of shots; write a whole "
        "number from 0 to 10000 (the Pythia evals use 0 and 5), or leave the cell blank for 0"
    ]


def test_csv_num_fewshot_blank_and_whole_floats(tmp_path):
    """A blank num_fewshot is 0 shots, '5.0' is 5 (as before the check of issue 17 item 5)."""
    path = write_csv(tmp_path / "p.csv", [row(shots=""), row(shots="5.0", group="five-shot")])
    assert sorted(read_pythia_csv(path)["family"]) == ["pythia", "pythia-5-shot"]


@pytest.mark.parametrize("shots", ["five", 2.5, -1, [5]])
def test_json_num_fewshot_must_be_a_whole_number(tmp_path, shots):
    """Issue 17 item 5 (the JSON form): int() of config.num_fewshot raised ValueError or TypeError
    for text or a list, an internal error, and cut 2.5 to 2."""
    path = tmp_path / "1.4b_step3000.json"
    path.write_bytes(results_json(3000, num_fewshot=shots))
    with pytest.raises(SchemaError) as info:
        read_pythia_json(path)
    assert info.value.problems == [
        f"{path}: config.num_fewshot is {shots!r}; it must be a whole number of shots from 0 to 10000 "
        "(the Pythia evals use 0 and 5); correct it in the file"
    ]


# -- the real data (../shared/data/pythia) -----------------------------------------------------------


def read_pythia_csv_filtered(shared_data: Path) -> pd.DataFrame:
    """The real pythia_evals.csv.gz, lambada_openai and piqa only (read once per session)."""
    return _filtered(shared_data / "pythia" / "pythia_evals.csv.gz").copy()


@functools.cache
def _filtered(path: Path) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmergenceWarning)  # crows_pairs metrics are not registered
        table = load(path)
    return table[table["task"].isin(["lambada_openai", "piqa"])].reset_index(drop=True)


@pytest.fixture
def lambada(shared_data) -> pd.DataFrame:
    table = read_pythia_csv_filtered(shared_data)
    return table[table["task"] == "lambada_openai"]


def test_real_csv_sanity_values(lambada):
    """README sanity check (zero-shot, step 143000, standard): lambada_openai acc 0.185 (70m) ->
    0.705 (12b); ppl 142.4 -> 3.92 (../shared/data/pythia/README.md)."""
    final = lambada[(lambada["family"] == "pythia") & (lambada["step"] == 143000)]
    value = final.set_index(["model", "metric"])["value"]
    assert value["pythia-70m", "acc"] == pytest.approx(0.185, abs=5e-4)
    assert value["pythia-12b", "acc"] == pytest.approx(0.705, abs=5e-4)
    assert value["pythia-70m", "ppl"] == pytest.approx(142.4, abs=0.05)
    assert value["pythia-12b", "ppl"] == pytest.approx(3.92, abs=5e-3)
    # v1's only non-deduped 1b is its bf16 run: it joins the other 7 sizes (BF16_NOTE)
    assert final["model"].nunique() == 8 and "pythia-1b" in set(final["model"])
    # the 27 zero-shot checkpoints of the README, 0..143000
    assert lambada.loc[lambada["family"] == "pythia-deduped", "step"].nunique() == 27


def test_real_csv_analyze_by_params(lambada):
    """acc vs log_ppl on lambada_openai over the 8 deduped sizes at the final checkpoint."""
    final = lambada[(lambada["family"] == "pythia-deduped") & (lambada["step"] == 143000)]
    assert final["model"].nunique() == 8
    result = emergence.analyze(scores=final, x="params", bootstrap=200, seed=0)
    verdict = result.verdicts.set_index(["discontinuous", "smooth"]).loc[("acc", "log_ppl")]
    assert verdict["n_scales"] == 8
    assert verdict["family"] == "pythia-deduped" and verdict["task"] == "lambada_openai"
    assert verdict["verdict"] in ("no emergence", "mirage", "emergent", "inconclusive")
    assert np.isfinite(verdict["es_discontinuous"]) and np.isfinite(verdict["es_smooth"])


def test_real_csv_analyze_by_compute_across_checkpoints(lambada):
    """Checkpoints give a second x-axis: compute over steps (step 0 has none and is left out)."""
    steps = [1000, 3000, 13000, 33000, 143000]
    runs = lambada[(lambada["family"] == "pythia-deduped") & lambada["step"].isin(steps)
                   & lambada["model"].isin(["pythia-160m-deduped", "pythia-1.4b-deduped"])]
    assert runs["compute"].notna().all()
    result = emergence.analyze(scores=runs, x="compute", bootstrap=200, seed=0)
    assert result.settings["x"] == "compute"
    verdict = result.verdicts.set_index(["discontinuous", "smooth"]).loc[("acc", "log_ppl")]
    assert verdict["n_scales"] == 10
