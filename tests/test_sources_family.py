"""Tests of emergence.sources.family: one family-naming rule for every log format, and --family-from."""

from pathlib import Path

import pandas as pd
import pytest

from emergence.cli import main
from emergence.errors import EmergenceError
from emergence.sources import ReadOptions, load_tables
from emergence.sources.family import assign_families, family_of, read_family_map, source_name
from tests.csv_files import RECORD_COLUMNS, record_rows, write

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "lm_eval"


@pytest.mark.parametrize(
    ("name", "family"),
    [("EleutherAI/pythia-1b", "pythia"), ("eleutherai/pythia-1b-v0", "pythia-v0"),
     ("meta/llama-2-7b", "llama-2"), ("bigscience/bloom-1b7", "bloom"),
     ("RylanSchaeffer/mem_Qwen3-93M_minerva_math_rep_0", "mem_qwen3_minerva_math_rep_0"),
     ("/home/user/toy-run/tiny-neox", "default")],
)
def test_one_rule_for_every_name(name, family):
    """Organisation (or folder) and the size out, lower case; no size in the name: 'default'."""
    assert family_of(name) == family


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/lm_eval is not present")
def test_lm_eval_versions_and_helm_follow_the_same_rule():
    """The three real logs of ../shared/data/lm_eval: each family is family_of(its model), the
    organisation dropped in HELM as in lm-eval (issue 15: HELM gave 'eleutherai/pythia-v0')."""
    import warnings

    seen = {}
    folders = ("synthetic_lm_eval_0.4.13", "evaleval_lm_eval_0.4.9.2", "evaleval_helm_pythia-1b-v0_hellaswag")
    for folder in folders:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tables = load_tables(SHARED / folder)
        table = tables.records if tables.records is not None else tables.scores
        for family, model in table[["family", "model"]].drop_duplicates().itertuples(index=False):
            assert family == family_of(model)
            seen[folder] = family
    assert seen["evaleval_helm_pythia-1b-v0_hellaswag"] == "pythia-v0"
    assert seen["synthetic_lm_eval_0.4.13"] == "default"


def test_assign_families_modes():
    table = pd.DataFrame({"family": ["given", "given"], "model": ["org/opt-1.3b", "x"]})
    assert assign_families(table, "file") is table
    assert list(assign_families(table, "name")["family"]) == ["opt", "default"]
    assert set(assign_families(table, "path", source="runs/sweep-a/")["family"]) == {"sweep-a"}
    assert list(assign_families(table, {"x": "mine"})["family"]) == ["given", "mine"]
    with pytest.raises(EmergenceError, match="--family-from 'folder': give one of file, name, path"):
        assign_families(table, "folder")
    assert source_name("data/opt_results.csv.gz") == "opt_results"


def test_read_family_map_errors_name_the_line(tmp_path):
    path = tmp_path / "families.csv"
    path.write_text("model,family\npythia-1b,pythia\n\nopt-1.3b,opt\n")
    assert read_family_map(path) == {"pythia-1b": "pythia", "opt-1.3b": "opt"}
    path.write_text("model,params\n")
    with pytest.raises(EmergenceError, match=r"families.csv: line 1 must be the header 'model,family'"):
        read_family_map(path)
    path.write_text("model,family\na,b\na,c\n")
    with pytest.raises(EmergenceError, match=r"line 3: model 'a' is given two families \('b' and 'c'\)"):
        read_family_map(path)
    path.write_text("model,family\na,\n")
    with pytest.raises(EmergenceError, match=r"line 2: 'a,' is not 'model,family'"):
        read_family_map(path)


def test_family_from_path_keeps_two_sources_apart(tmp_path, capsys):
    """Two folders of one family name: --family-from path makes one family per SOURCE argument."""
    for name in ("run-a", "run-b"):
        (tmp_path / name).mkdir()
        write(tmp_path / name / "records.csv", RECORD_COLUMNS, record_rows())
    sources = [str(tmp_path / "run-a"), str(tmp_path / "run-b")]
    tables = load_tables(sources, options=ReadOptions(family_from="path"))
    assert sorted(tables.records["family"].unique()) == ["run-a", "run-b"]
    # without it, the same (family, model, task, example) in two files is an error naming both
    assert main(["validate", *sources]) == 2
    assert "duplicate rows" in capsys.readouterr().err
    assert main(["validate", *sources, "--family-from", "path"]) == 0


def test_family_from_a_bad_mapping_file_exits_2(tmp_path, capsys):
    path = write(tmp_path / "r.csv", RECORD_COLUMNS, record_rows())
    bad = tmp_path / "map.csv"
    bad.write_text("name,family\n")
    assert main(["validate", str(path), "--family-from", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and f"--family-from {bad}: line 1 must be the header" in err


def test_seeds_in_model_names_make_one_family_and_a_seed_column(tmp_path):
    """Issue 16: PolyPythia-style names (pythia-70m-seed3) are seeds of one family, not a family per
    seed: the family drops the seed, and a seed column comes from the names, so the models of one
    size are one scale point whose interval includes the seeds."""
    import emergence
    from emergence.sources.family import seed_of, with_seeds

    assert family_of("EleutherAI/pythia-70m-seed3") == family_of("EleutherAI/pythia-160m-seed1") == "pythia"
    assert seed_of("EleutherAI/pythia-70m-seed3") == 3 and seed_of("pythia-70m") is None
    records = emergence.simulate(target_lengths=(3,), n_choices=0, n_examples=60, seed=1, model_noise=0.1,
                                 seeds=3)
    named = records.drop(columns=["seed", "family"]).assign(
        model=records["model"].str.replace(r"-s(\d)$", r"-seed\1", regex=True))
    path = tmp_path / "polypythia.csv"
    named.to_csv(path, index=False)
    tables = load_tables(path)
    assert set(tables.records["family"]) == {"default"}  # a CSV without family: 'default', as documented
    assert sorted(tables.records["seed"].unique()) == [0.0, 1.0, 2.0]
    result = emergence.analyze(tables.records, bootstrap=100)
    assert (result.curves["seeds_per_scale"] == 3).all()
    assert with_seeds(pd.DataFrame({"model": ["a-1b"]})).columns.tolist() == ["model"]  # no seeds: as is
