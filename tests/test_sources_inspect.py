"""Tests of emergence.sources.inspect_logs: Inspect AI ``.eval`` and ``.json`` logs.

The logs under tests/data/inspect/ were written by inspect-ai 0.3.285 itself, offline, on its mock
model (tests/data/inspect/README.md says how); the expected values below are read from them.
"""

import gzip
import warnings
import zipfile
from pathlib import Path

import orjson
import pandas as pd
import pytest

from emergence.cli import main
from emergence.errors import EmergenceWarning, SchemaError
from emergence.sources import find_files, load_tables
from emergence.sources.inspect_logs import read_inspect, sniff
from emergence.sources.inspect_logs.archive import EvalArchive
from emergence.sources.limits import Limits

DATA = Path(__file__).parent / "data" / "inspect"
SIZES = {"mockllm/toy-10m": 1e7, "mockllm/toy-30m": 3e7, "mockllm/toy-100m": 1e8,
         "mockllm/toy-300m": 3e8, "mockllm/toy-1b": 1e9}


def quiet_tables(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmergenceWarning)
        return load_tables(path)


@pytest.mark.parametrize("folder", ["eval", "json"])
def test_both_formats_load_five_sizes_with_target_logprobs(folder):
    """Each log is one model: 60 samples, the model and its size from the header's eval.model,
    correct from match() (C/I), target_logprob from the logprobs, closeness as a scores row."""
    assert [module.NAME for _, module in find_files(DATA / folder)] == ["inspect"] * 5
    tables = quiet_tables(DATA / folder)
    records = tables.records
    assert len(records) == 300 and set(records["family"]) == {"toy"} and set(records["task"]) == {"sums"}
    assert records.groupby("model")["params"].first().to_dict() == SIZES
    assert set(records["correct"].unique()) <= {0.0, 1.0}
    assert records["target_logprob"].le(0).all() and (records["target_tokens"] == 1).all()
    # the first sample of the 10m model, from the log: target "6", answered "6" (C)
    first = records[(records["model"] == "mockllm/toy-10m") & (records["example"] == "sum-00")].iloc[0]
    assert (first["target"], first["prediction"], first["correct"]) == ("6", "6", 1.0)
    assert set(tables.scores["metric"]) == {"closeness"} and (tables.scores["n"] == 60).all()


def test_eval_and_json_logs_of_the_same_runs_give_the_same_records():
    key = ["model", "example"]
    a = quiet_tables(DATA / "eval").records.sort_values(key).reset_index(drop=True)
    b = quiet_tables(DATA / "json").records.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("folder", ["eval", "json"])
def test_analyze_reaches_a_verdict_on_each_log_folder(folder, tmp_path, capsys):
    """Issue 16, done when: the folders load with `analyze` as they are and reach verdicts. The
    mock family's exact match and target probability rise smoothly with size: no emergence."""
    out = tmp_path / "rep"
    assert main(["analyze", str(DATA / folder), "--out", str(out), "--no-figures", "--bootstrap", "200"]) == 0
    tasks = pd.read_csv(out / "tasks.csv")
    assert tasks[["family", "task", "verdict"]].values.tolist() == [["toy", "sums", "no emergence"]]
    assert tasks["n_scales"].iloc[0] == 5 and tasks["n_examples"].iloc[0] == 60
    assert "1 file" not in capsys.readouterr().out  # five files


def test_sniff_tells_inspect_logs_from_other_json(tmp_path):
    log = next((DATA / "eval").glob("*.eval"))
    assert sniff(log, log.read_bytes()[:65536])
    packed = next((DATA / "json").glob("*.json.gz"))
    assert sniff(packed, packed.read_bytes()[:65536])
    other = tmp_path / "results.json"
    other.write_text('{"results": {"arc": {"acc,none": 0.5}}, "config": {}}')
    assert not sniff(other, other.read_bytes())


def _rewrite(log: Path, out: Path, change) -> Path:
    """A copy of an .eval log (deflated members) with ``change(name, document)`` applied."""
    archive = EvalArchive(log, Limits())
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in archive.members:
            document = change(name, archive.json(name))
            if document is not None:
                target.writestr(name, orjson.dumps(document))
    archive.close()
    return out


def test_a_sample_without_output_is_an_error_naming_file_and_sample(tmp_path, capsys):
    """Bad input gives exit 2 with the file and the sample named, not a traceback."""
    log = next((DATA / "eval").glob("*.eval"))

    def drop_output(name, document):
        if name == "samples/sum-03_epoch_1.json":
            document.pop("output")
        return document

    bad = _rewrite(log, tmp_path / "bad.eval", drop_output)
    with pytest.raises(SchemaError, match=r"bad\.eval: sample 'sum-03' \(samples/sum-03_epoch_1\.json\): no "
                                          r"output completion"):
        read_inspect(bad)
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "sample 'sum-03'" in err


def test_a_damaged_archive_or_member_is_an_error(tmp_path):
    log = next((DATA / "eval").glob("*.eval"))
    empty = tmp_path / "empty.eval"
    empty.write_bytes(b"")
    assert main(["validate", str(empty)]) == 2  # not passed over in silence
    cut = tmp_path / "cut.eval"
    cut.write_bytes(log.read_bytes()[:5000])
    with pytest.raises(SchemaError, match=r"cut\.eval: not an Inspect \.eval log"):
        read_inspect(cut)
    without_header = _rewrite(log, tmp_path / "nohead.eval",
                              lambda name, doc: None if name == "header.json" else doc)
    with pytest.raises(SchemaError, match=r"nohead\.eval: the log has no header\.json"):
        read_inspect(without_header)
    # a Zstandard member with its bytes flipped
    raw = bytearray(log.read_bytes())
    info = zipfile.ZipFile(log).getinfo("samples/sum-00_epoch_1.json")
    raw[info.header_offset + 80: info.header_offset + 120] = b"\x00" * 40
    flipped = tmp_path / "flipped.eval"
    flipped.write_bytes(bytes(raw))
    with pytest.raises(SchemaError, match=r"flipped\.eval: member samples/sum-00_epoch_1\.json"):
        read_inspect(flipped)


def test_archive_size_is_checked_before_decompressing():
    log = next((DATA / "eval").glob("*.eval"))
    with pytest.raises(SchemaError, match="--max-bytes"):
        read_inspect(log, limits=Limits(max_bytes=10_000))


def test_partial_target_logprobs_are_not_used(tmp_path):
    """A sample whose logprobs do not give the target's likelihood: none of the run's is used (the
    others would be a biased subset), with a warning."""
    log = next((DATA / "eval").glob("*.eval"))

    def no_logprobs(name, document):
        if name == "samples/sum-05_epoch_1.json":
            document["output"]["choices"][0]["logprobs"] = None
        return document

    changed = _rewrite(log, tmp_path / "partial.eval", no_logprobs)
    with pytest.warns(EmergenceWarning, match=r"target's log-likelihood for 59 of 60 samples; none is used"):
        records, _ = read_inspect(changed)
    assert "target_logprob" not in records


def test_json_log_reads_plain_and_gzipped(tmp_path):
    packed = next((DATA / "json").glob("*.json.gz"))
    plain = tmp_path / packed.name.removesuffix(".gz")
    plain.write_bytes(gzip.decompress(packed.read_bytes()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmergenceWarning)
        a, _ = read_inspect(plain)
        b, _ = read_inspect(packed)
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize(("value", "correct"), [("P", 0.0), ("N", 0.0)])
def test_partial_or_no_answer_is_not_correct(tmp_path, value, correct):
    """Issue 16 review: a 'P' (partial) or 'N' (no answer) stopped the run naming 'row 6'."""
    log = next((DATA / "eval").glob("*.eval"))

    def change(name, document):
        if name == "samples/sum-06_epoch_1.json":
            document["scores"]["match"]["value"] = value
        return document

    changed = _rewrite(log, tmp_path / "p.eval", change)
    with pytest.warns(EmergenceWarning, match=r"1 partial or empty answer\(s\) \(P, N\) of match count"):
        records, _ = read_inspect(changed)
    assert records.set_index("example").loc["sum-06", "correct"] == correct


def test_an_unknown_score_value_names_the_sample(tmp_path):
    log = next((DATA / "eval").glob("*.eval"))

    def change(name, document):
        if name == "samples/sum-06_epoch_1.json":
            document["scores"]["match"]["value"] = "X"
        return document

    changed = _rewrite(log, tmp_path / "x.eval", change)
    with pytest.raises(SchemaError, match=r"x\.eval: sample 'sum-06' \(samples/sum-06_epoch_1\.json\): "
                                          r"scorer 'match' gives 'X'; a value is C, I, P, N or a number"):
        read_inspect(changed)


def test_load_says_how_to_get_both_tables_of_an_inspect_folder():
    """An Inspect log with a numeric scorer gives records and scores: load() cannot return one
    table, and says how to get both (issue 16 review)."""
    from emergence.errors import EmergenceError
    from emergence.sources import load

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmergenceWarning)
        with pytest.raises(EmergenceError, match=r"an Inspect log with a numeric scorer\); use "
                                                 r"emergence\.sources\.load_tables"):
            load(DATA / "eval")
