"""The Dask engine gives the in-process engine's bytes, and its errors.

The set below is split as a user's files are: one family's records split by model (so every task
spans several files, hence several pieces), a second family in one file, a 9-choice task (choice
padding depends on the whole run's width), examples that one model lacks (left out with one merged
warning) and a file of reported scores. A local cluster of two worker processes runs it; the CLI
reaches it by its address, as a user reaches a cluster started with ``dask scheduler``.
"""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import emergence
from emergence.cli import main
from emergence.sources import write_csv
from tests.conftest import ROOT

distributed = pytest.importorskip("distributed", reason="the Dask engine needs the 'dask' extra")

TABLES = ("scores.csv", "curves.csv", "verdicts.csv", "tasks.csv")


@pytest.fixture(scope="module")
def cluster():
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local, \
            Client(local) as client:
        yield local.scheduler_address, client


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("engines")
    params = np.logspace(7, 10, 5)
    text = emergence.simulate(params, family="f", target_lengths=(1, 3), n_choices=0, n_examples=40, seed=1)
    choice = emergence.simulate(params, family="f", target_lengths=(), n_choices=9, n_examples=40, seed=2)
    records = pd.concat([text, choice.assign(task="nine_choices")], ignore_index=True)
    smallest = records["model"] == records["model"].iloc[0]
    records = records[~(smallest & records["example"].isin(records["example"].unique()[:3]))]
    for m, (_, rows) in enumerate(records.groupby("model", sort=False)):
        write_csv(rows, folder / f"f-{m}.csv")
    other = emergence.simulate(params, family="g", truth="sharp", target_lengths=(2,), n_examples=30, seed=3)
    write_csv(other, folder / "g.csv.gz")
    scores = pd.DataFrame({"family": "h", "model": [f"h-{i}" for i in range(5)], "params": params,
                           "task": "reported", "metric": "acc",
                           "value": [0.25, 0.26, 0.3, 0.6, 0.9], "stderr": 0.02})
    write_csv(scores, folder / "h_scores.csv")
    return folder


def _copy_of(files, folder):
    """A new folder holding a copy of the fixture's CSV files, to be spoiled by a test."""
    folder.mkdir()
    for path in files.glob("f-*.csv"):
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


def _run(args, out, capsys):
    code = main(["analyze", *args, "--no-figures", "-q", "--bootstrap", "200", "--out", str(out)])
    captured = capsys.readouterr()
    return code, {name: (out / name).read_bytes() for name in TABLES}, captured.err


def test_dask_writes_the_in_process_bytes_and_warnings(files, cluster, tmp_path, capsys):
    address, _ = cluster
    code, process, said = _run([str(files)], tmp_path / "process", capsys)
    assert code == 0
    assert "were left out" in said  # one model lacks three examples: one warning for the run
    code, dask, said_dask = _run([str(files), "--engine", "dask", "--scheduler", address], tmp_path / "dask",
                                 capsys)
    assert code == 0
    assert dask == process
    assert said_dask == said


def test_converted_parquet_is_read_as_the_original_files_by_both_engines(files, cluster, tmp_path, capsys):
    address, _ = cluster
    _, original, _ = _run([str(files)], tmp_path / "original", capsys)
    converted = tmp_path / "converted"
    assert main(["convert", str(files), "--to", str(converted), "--engine", "dask", "--scheduler",
                 address]) == 0
    assert "wrote" in capsys.readouterr().out
    parts = sorted(p.relative_to(converted).parts[:2] for p in converted.rglob("*.parquet"))
    assert ("family=f", "task=nine_choices") in parts and ("scores", "part-00006-0.parquet") in parts
    for engine in ("process", "dask"):
        code, tables, _ = _run([str(converted), "--engine", engine, "--scheduler", address][
            : 3 if engine == "process" else 5], tmp_path / engine, capsys)
        assert code == 0
        assert tables == original, engine


def test_convert_refuses_a_folder_that_is_not_empty(files, tmp_path, capsys):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "x").write_text("x")
    assert main(["convert", str(files), "--to", str(tmp_path / "taken")]) == 2
    assert "not empty; add --force" in capsys.readouterr().err


def test_bad_input_inside_a_partition_is_the_same_one_line_error(files, cluster, tmp_path):
    address, _ = cluster
    bad = _copy_of(files, tmp_path / "bad")
    table = pd.read_csv(bad / "f-2.csv")
    table.loc[4, "target_logprob"] = 0.5
    table.to_csv(bad / "f-2.csv", index=False)
    runs = {}
    for engine in (["--engine", "process"], ["--engine", "dask", "--scheduler", address]):
        run = subprocess.run([sys.executable, "-m", "emergence", "analyze", str(bad), *engine, "--no-figures",
                              "--out", str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT,
                             timeout=300)
        said = [line for line in run.stderr.splitlines() if not line.startswith("emergence: running on")]
        runs[engine[1]] = (run.returncode, "\n".join(said))
    assert runs["process"] == runs["dask"]
    code, err = runs["dask"]
    assert code == 2
    assert err == (f"emergence: error: {bad / 'f-2.csv'}: line 6, column 'target_logprob': 0.5 is > 0; a "
                   "log-probability is <= 0 (natural log, not a prob)")


def test_the_python_api_on_a_client_gives_the_in_process_analysis(files, cluster):
    _, client = cluster
    records = emergence.load(sorted(files.glob("f-*.csv")))
    here = emergence.analyze(records, bootstrap=200)
    there = emergence.analyze(records, bootstrap=200, engine="dask", client=client)
    for level in ("score", "curve", "pair", "task"):
        pd.testing.assert_frame_equal(here.to_frame(level), there.to_frame(level))


def test_the_python_api_reads_files_on_the_workers(files, cluster):
    """``analyze(paths, engine="dask")``: the files are read where the work runs, records and reported
    scores alike, and the analysis is that of the tables loaded here."""
    from emergence.sources import load_tables

    _, client = cluster
    tables = load_tables(files)
    here = emergence.analyze(tables.records, tables.scores, bootstrap=200)
    there = emergence.analyze(str(files), bootstrap=200, engine="dask", client=client)
    for level in ("score", "curve", "pair", "task"):
        pd.testing.assert_frame_equal(here.to_frame(level), there.to_frame(level))
    with pytest.raises(emergence.EmergenceError, match="'engine' parameter of analyze"):
        emergence.analyze(tables.records, engine="spark")


def test_shards_hold_whole_tasks_of_a_bounded_size():
    from emergence.engines.shards import pack_tasks

    counts = {"a": 10, "b": 30, "c": 5, "d": 100, "e": 1}
    shards = pack_tasks(counts, workers=1)  # about a quarter of the records per shard: 36
    assert [t for shard in shards for t in shard] == list(counts)
    assert shards == [["a"], ["b", "c"], ["d"], ["e"]]


def test_auto_picks_dask_for_a_scheduler_or_large_inputs(files, monkeypatch):
    from emergence import engines

    assert engines.choose_engine("auto", [files]) == "process"
    assert engines.choose_engine("auto", [files], scheduler="tcp://127.0.0.1:1") == "dask"
    monkeypatch.setattr(engines, "AUTO_BYTES", 10)
    assert engines.choose_engine("auto", [files]) == "dask"
    assert engines.choose_engine("process", [files]) == "process"


def test_a_scheduler_that_does_not_answer_is_a_clear_error(files, tmp_path, capsys):
    code = main(["analyze", str(files), "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9",
                 "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("emergence: error: --scheduler tcp://127.0.0.1:9: no Dask scheduler answers")


def test_a_large_csv_is_read_in_blocks_of_whole_records(files, cluster, tmp_path, capsys, monkeypatch):
    """A plain CSV over the block size is cut at newlines outside quotes (predictions below hold
    quoted newlines and commas); the blocks give the whole file's bytes, and a bad cell in a later
    block is named with the whole file's line number, as in process."""
    from emergence.engines.partitions import partitions
    from emergence.sources import csv_blocks, find_files

    address, _ = cluster
    records = emergence.load(sorted(files.glob("f-*.csv")))
    records["prediction"] = records["prediction"].astype(object)
    records.loc[::5, "prediction"] = 'a "quoted"\nanswer, with a comma'
    big = tmp_path / "big.csv"
    write_csv(records, big)
    monkeypatch.setattr(csv_blocks, "BLOCK_BYTES", big.stat().st_size // 5)
    assert len(partitions(find_files([big]))) >= 5
    _, process, _ = _run([str(big)], tmp_path / "process", capsys)
    _, dask, _ = _run([str(big), "--engine", "dask", "--scheduler", address], tmp_path / "dask", capsys)
    assert dask == process
    text = big.read_text()
    lines = text.split("\n")
    # a text task's row in the last block; lines are counted as the text reader counts rows
    row = int(np.flatnonzero(records["task"].to_numpy() == "toy_length_3")[-3])
    table = pd.read_csv(big, dtype=str, keep_default_na=False)
    table.loc[row, "target_logprob"] = "0.5"
    table.to_csv(big, index=False)
    errors = {}
    for engine in (["--engine", "process"], ["--engine", "dask", "--scheduler", address]):
        assert main(["analyze", str(big), *engine, "--no-figures", "-q", "--out", str(tmp_path / "x")]) == 2
        errors[engine[1]] = capsys.readouterr().err
    assert errors["dask"] == errors["process"]
    assert f"{big}: line {row + 2}, column 'target_logprob': 0.5 is > 0" in errors["dask"]
    assert len(lines) > len(records) + 1  # the quoted newlines make more lines than rows


def test_the_checks_across_files_come_before_the_filters(files, cluster, tmp_path, capsys):
    """The same row in two files of one task is refused even when --tasks asks for another task, as
    in process: the filters apply to the combined tables (found by a review)."""
    address, _ = cluster
    bad = _copy_of(files, tmp_path / "bad")
    rows = pd.read_csv(files / "f-0.csv")
    rows[rows["task"] == "toy_length_1"].head(2).to_csv(bad / "again.csv", index=False)
    errors = {}
    for engine in (["--engine", "process"], ["--engine", "dask", "--scheduler", address]):
        code = main(["analyze", str(bad), *engine, "--tasks", "nine_choices", "--no-figures", "-q",
                     "--out", str(tmp_path / "out")])
        errors[engine[1]] = (code, capsys.readouterr().err)
    assert errors["dask"] == errors["process"]
    assert errors["dask"][0] == 2 and "duplicate rows" in errors["dask"][1]


def test_convert_names_folders_a_file_system_takes(files, tmp_path, capsys):
    """A task name longer than a folder name may be is cut and hashed; the footer keeps the name."""
    records = pd.read_csv(files / "g.csv.gz")
    records = records[records["task"] == records["task"].iloc[0]].assign(task="é" * 60)
    source = tmp_path / "long.csv"
    write_csv(records, source)
    assert main(["convert", str(source), "--to", str(tmp_path / "converted")]) == 0
    capsys.readouterr()
    assert emergence.load(tmp_path / "converted")["task"].unique().tolist() == ["é" * 60]


def test_a_csv_with_a_literal_quote_is_not_cut(tmp_path, monkeypatch):
    """A quote inside an unquoted field (x"y) is a literal to the CSV readers; a file that has one
    is read whole rather than cut where the quotes' count would mislead (found by a review)."""
    from emergence.engines.partitions import partitions
    from emergence.sources import csv_blocks, find_files

    records = emergence.simulate(n_examples=60, seed=2)
    path = tmp_path / "quotes.csv"
    write_csv(records, path)
    monkeypatch.setattr(csv_blocks, "BLOCK_BYTES", path.stat().st_size // 4)
    assert len(partitions(find_files([path]))) >= 4
    text = path.read_text().split("\n")
    text[5] = text[5].replace("L1-", 'L"1-', 1)  # an example id with a quote in it
    path.write_text("\n".join(text))
    assert len(partitions(find_files([path]))) == 1
