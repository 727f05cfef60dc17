"""Tests of emergence.sources: reading benchmark CSVs, and every kind of bad file they can be."""

import warnings

import pytest

from emergence.errors import EmergenceError, EmergenceWarning, SchemaError
from emergence.rescore import rescore
from emergence.schema import MAX_PROBLEMS, common_examples
from emergence.sources import find_files, load, load_tables
from emergence.sources.csv_files import read_csv, write_csv
from tests.csv_files import (
    CHOICE_COLUMNS,
    RECORD_COLUMNS,
    SCORE_COLUMNS,
    choice_rows,
    record_rows,
    score_rows,
    write,
)


def set_cell(rows: list[list[str]], k: int, columns: list[str], column: str, value: str) -> None:
    rows[k][columns.index(column)] = value


def problems_of(paths) -> list[str]:
    """The problem lines of the SchemaError that loading ``paths`` raises."""
    with pytest.raises(SchemaError) as info:
        load(paths)
    return info.value.problems


def only(problems: list[str], *parts: str) -> str:
    """The single problem line that contains every one of ``parts``."""
    found = [p for p in problems if all(part in p for part in parts)]
    assert len(found) == 1, f"expected one line with {parts}, got: {problems}"
    return found[0]


# -- good files -----------------------------------------------------------------------------------------


def test_records_csv_loads(tmp_path):
    """A valid records CSV loads typed, with shape 'records'."""
    table = load(write(tmp_path / "r.csv", RECORD_COLUMNS, record_rows()))
    assert table.attrs["shape"] == "records"
    assert len(table) == 12
    assert table["params"].dtype == float


def test_choice_csv_loads(tmp_path):
    """A multiple-choice CSV loads with choice_logprobs as lists and gold as ints."""
    table = load(write(tmp_path / "mc.csv", CHOICE_COLUMNS, choice_rows()))
    assert table["choice_logprobs"].iloc[0] == [-1.2, -0.3, -2.0]
    assert table["gold"].tolist()[:3] == [0, 1, 2]


def test_scale_suffixes_parsed_from_file(tmp_path):
    """params written '1.3b' and '350M' in a file are parsed to 1.3e9 and 3.5e8."""
    table = load(write(tmp_path / "r.csv", RECORD_COLUMNS, record_rows()))
    sizes = table.groupby("model")["params"].first()
    assert sizes["m-1.3b"] == pytest.approx(1.3e9)
    assert sizes["m-350m"] == pytest.approx(3.5e8)


def test_gzip_csv_loads(tmp_path):
    """A .csv.gz file loads to the same table as the plain CSV."""
    plain = load(write(tmp_path / "r.csv", RECORD_COLUMNS, record_rows()))
    packed = load(write(tmp_path / "r.csv.gz", RECORD_COLUMNS, record_rows()))
    assert packed.equals(plain)


def test_scores_csv_loads_with_registry_kinds(tmp_path):
    """A scores-shaped CSV loads as scores; acc gets kind discontinuous from the registry."""
    table = load(write(tmp_path / "s.csv", SCORE_COLUMNS, score_rows()))
    assert table.attrs["shape"] == "scores"
    assert set(table["kind"]) == {"discontinuous"}
    assert table["higher_is_better"].tolist() == [True] * 4
    assert set(table["family"]) == {"default"}


def test_folder_loads_every_csv(tmp_path):
    """A folder contributes every .csv and .csv.gz below it, records and scores kept apart."""
    write(tmp_path / "a.csv", RECORD_COLUMNS, record_rows())
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "b.csv.gz", CHOICE_COLUMNS, choice_rows())
    write(tmp_path / "s.csv", SCORE_COLUMNS, score_rows())
    (tmp_path / "notes.txt").write_text("not a benchmark")
    tables = load_tables(tmp_path)
    assert [p.name for p in tables.files] == ["a.csv", "s.csv", "b.csv.gz"]
    assert len(tables.records) == 24
    assert len(tables.scores) == 4


def test_write_csv_round_trips(tmp_path):
    """write_csv writes list cells as JSON text that read_csv reads back."""
    table = load(write(tmp_path / "mc.csv", CHOICE_COLUMNS, choice_rows()))
    write_csv(table, tmp_path / "again.csv.gz")
    shape, again = read_csv(tmp_path / "again.csv.gz")
    assert shape == "records"
    assert again["choice_logprobs"].tolist() == table["choice_logprobs"].tolist()
    assert again["gold"].tolist() == table["gold"].tolist()


# -- bad files, one problem per test --------------------------------------------------------------------


def test_missing_required_column(tmp_path):
    """A file without the 'model' column names the file and the column."""
    columns = [c for c in RECORD_COLUMNS if c != "model"]
    rows = [[v for c, v in zip(RECORD_COLUMNS, row, strict=True) if c != "model"] for row in record_rows()]
    path = write(tmp_path / "r.csv", columns, rows)
    only(problems_of(path), str(path), "missing required column 'model'")


def test_unknown_column_did_you_mean(tmp_path):
    """A column spelled close to a known one names the file and suggests the right name."""
    columns = ["tagret" if c == "target" else c for c in RECORD_COLUMNS]
    path = write(tmp_path / "r.csv", columns, record_rows())
    only(problems_of(path), str(path), "unknown column 'tagret'", "did you mean 'target'?")


def test_non_numeric_scale(tmp_path):
    """A params value that is not a size names file, line, column and value."""
    rows = record_rows()
    set_cell(rows, 0, RECORD_COLUMNS, "params", "huge")
    path = write(tmp_path / "r.csv", RECORD_COLUMNS, rows)
    problems = problems_of(path)
    only(problems, str(path), "line 2,", "'params'", "'huge'")
    assert len(problems) == 1


@pytest.mark.parametrize("size", ["0", "-5"])
def test_non_positive_scale(tmp_path, size):
    """A params value of 0 or -5 names file, line, column and value."""
    rows = record_rows()
    set_cell(rows, 6, RECORD_COLUMNS, "params", size)
    path = write(tmp_path / "r.csv", RECORD_COLUMNS, rows)
    problems = problems_of(path)
    only(problems, str(path), "line 8,", "'params'", f"'{size}'", "not a positive model size")
    assert len(problems) == 1


def test_positive_logprob(tmp_path):
    """target_logprob > 0 names file, line, column and value."""
    rows = record_rows()
    set_cell(rows, 4, RECORD_COLUMNS, "target_logprob", "0.7")
    path = write(tmp_path / "r.csv", RECORD_COLUMNS, rows)
    problems = problems_of(path)
    only(problems, str(path), "line 6,", "'target_logprob'", "0.7", "> 0")
    assert len(problems) == 1


def test_nan_logprob_in_one_row(tmp_path):
    """A 'NaN' target_logprob while other rows of the task have numbers is one problem on its line."""
    rows = record_rows()
    set_cell(rows, 2, RECORD_COLUMNS, "target_logprob", "NaN")
    path = write(tmp_path / "r.csv", RECORD_COLUMNS, rows)
    problems = problems_of(path)
    only(problems, str(path), "line 4,", "'target_logprob'", "'NaN'")
    assert len(problems) == 1


def test_blank_logprob_in_one_row(tmp_path):
    """A blank target_logprob while other rows of the task have numbers names the line as missing."""
    rows = record_rows()
    set_cell(rows, 9, RECORD_COLUMNS, "target_logprob", "")
    path = write(tmp_path / "r.csv", RECORD_COLUMNS, rows)
    problems = problems_of(path)
    only(problems, str(path), "line 11,", "'target_logprob'", "''", "missing", "other rows of the same task")
    assert len(problems) == 1


def test_blank_logprob_for_whole_task_is_allowed(tmp_path):
    """A task with no target_logprob at all (e.g. text-only) is not a problem."""
    rows = record_rows()
    for row in rows:
        row[RECORD_COLUMNS.index("target_logprob")] = ""
        row[RECORD_COLUMNS.index("target_tokens")] = ""
    table = load(write(tmp_path / "r.csv", RECORD_COLUMNS, rows))
    assert table["target_logprob"].isna().all()


def test_choice_logprobs_not_json_list(tmp_path):
    """choice_logprobs that is not a JSON list names file, line, column and value."""
    rows = choice_rows()
    set_cell(rows, 3, CHOICE_COLUMNS, "choice_logprobs", "-1.2;-0.3")
    path = write(tmp_path / "mc.csv", CHOICE_COLUMNS, rows)
    problems = problems_of(path)
    only(problems, str(path), "line 5,", "'choice_logprobs'", "'-1.2;-0.3'", "JSON list")
    assert len(problems) == 1


def test_gold_out_of_range(tmp_path):
    """A gold index >= the number of choices names file, line, column and value."""
    rows = choice_rows()
    set_cell(rows, 7, CHOICE_COLUMNS, "gold", "3")
    path = write(tmp_path / "mc.csv", CHOICE_COLUMNS, rows)
    problems = problems_of(path)
    only(problems, str(path), "line 9,", "'gold'", ": 3 ", "out of range for 3 choices")
    assert len(problems) == 1


def test_gold_not_an_integer(tmp_path):
    """A gold of 'b' (not an index) names file, line, column and value."""
    rows = choice_rows()
    set_cell(rows, 1, CHOICE_COLUMNS, "gold", "b")
    path = write(tmp_path / "mc.csv", CHOICE_COLUMNS, rows)
    problems = problems_of(path)
    only(problems, str(path), "line 3,", "'gold'", "'b'")
    assert len(problems) == 1


def test_duplicate_rows_in_one_file(tmp_path):
    """A (model, task, example) repeated in one file names both lines."""
    rows = record_rows()
    rows.append(list(rows[5]))  # line 7 again, as line 14
    path = write(tmp_path / "r.csv", RECORD_COLUMNS, rows)
    problems = problems_of(path)
    only(problems, str(path), "duplicate rows", "model='m-350m'", "example='ex2'", "line 7", "line 14")
    assert len(problems) == 1


def test_duplicate_rows_across_files(tmp_path):
    """A (model, task, example) present in two files names both files."""
    rows = record_rows()
    first = write(tmp_path / "a.csv", RECORD_COLUMNS, rows[:7])
    second = write(tmp_path / "b.csv", RECORD_COLUMNS, rows[6:])
    problems = problems_of([first, second])
    only(problems, "duplicate rows", "model='m-1.3b'", "example='ex0'", f"{first} and {second}")
    assert len(problems) == 1


def test_missing_example_warns_and_uses_common_set(tmp_path):
    """An example one model lacks is reported with a count, and rescoring uses the common set."""
    rows = [r for r in record_rows() if not (r[1] == "m-70m" and r[4] == "ex1")]
    table = load(write(tmp_path / "r.csv", RECORD_COLUMNS, rows))
    with pytest.warns(EmergenceWarning, match=r"1 example\(s\) are not present for every model"):
        kept = common_examples(table)
    assert sorted(kept["example"].unique()) == ["ex0", "ex2"]
    with pytest.warns(EmergenceWarning, match=r"the 2 examples common to all models"):
        scores = rescore(table, ["target_logprob"])
    assert scores["n"].tolist() == [2, 2, 2, 2]


def test_empty_file(tmp_path):
    """A file with no bytes names the file and says it is empty."""
    path = tmp_path / "r.csv"
    path.write_text("")
    assert problems_of(path) == [f"{path}: the file is empty; a benchmark CSV needs a header and rows"]


def test_header_only_file(tmp_path):
    """A file with a header and no rows names the file."""
    path = write(tmp_path / "r.csv", RECORD_COLUMNS, [])
    assert problems_of(path) == [f"{path}: the file has a header but no data rows"]


def test_folder_without_csv(tmp_path):
    """A folder with no .csv or .csv.gz file is an error naming the folder."""
    (tmp_path / "readme.txt").write_text("nothing here")
    with pytest.raises(EmergenceError, match=r"holds no \.csv or \.csv\.gz file") as info:
        load(tmp_path)
    assert str(tmp_path) in str(info.value)


def test_path_does_not_exist(tmp_path):
    """A path that does not exist is an error naming it."""
    missing = tmp_path / "nope.csv"
    with pytest.raises(EmergenceError, match="no such file or folder") as info:
        load(missing)
    assert str(info.value).startswith(str(missing))


def test_unknown_file_type(tmp_path):
    """A file that is not .csv or .csv.gz is refused with the allowed endings."""
    path = tmp_path / "r.json"
    path.write_text("{}")
    with pytest.raises(EmergenceError, match=r"unknown file type; .* \.csv or \.csv\.gz"):
        find_files(path)


def test_non_utf8_bytes(tmp_path):
    """Latin-1 bytes name the file, the line and the byte."""
    path = write(tmp_path / "r.csv", RECORD_COLUMNS, record_rows())
    lines = path.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b"add", "addé".encode("latin-1"))
    path.write_bytes(b"\n".join(lines))
    problems = problems_of(path)
    only(problems, str(path), "line 4:", "0xe9", "not valid UTF-8")


def test_not_really_gzip(tmp_path):
    """A .csv.gz that is not gzip data names the file."""
    path = tmp_path / "r.csv.gz"
    path.write_text("model,task\n")
    only(problems_of(path), str(path), "cannot read the file")


@pytest.mark.parametrize("damage", ["flip", "crc", "cut"])
def test_damaged_gzip_is_named(tmp_path, damage):
    """Issue 17 item 5: corrupt deflate data in a .csv.gz raised zlib.error, an internal error (exit
    1). Damaged, wrong-CRC and cut-short gzip data all name the file and say what to do."""
    path = write(tmp_path / "r.csv.gz", RECORD_COLUMNS, record_rows())
    data = bytearray(path.read_bytes())
    if damage == "flip":  # bytes inside the deflate stream: "invalid ..." from zlib
        data[30] ^= 0xFF
        data[40] ^= 0xFF
    elif damage == "crc":
        data[-6] ^= 0x01
    else:
        data = data[: len(data) // 2]
    path.write_bytes(bytes(data))
    only(problems_of(path), str(path), "cannot read the file as gzip", "download or copy it again")


def test_three_bad_rows_three_lines(tmp_path):
    """Three bad rows of one file give exactly three problem lines, each with its own line number."""
    rows = choice_rows()
    for k in (0, 5, 10):
        set_cell(rows, k, CHOICE_COLUMNS, "gold", "x")
    path = write(tmp_path / "mc.csv", CHOICE_COLUMNS, rows)
    problems = problems_of(path)
    assert len(problems) == 3
    for k in (0, 5, 10):
        only(problems, str(path), f"line {k + 2},", "'gold'", "'x'")


def test_problems_of_several_files_together(tmp_path):
    """Problems of two bad files are reported in one error."""
    rows = record_rows()
    set_cell(rows, 0, RECORD_COLUMNS, "params", "huge")
    first = write(tmp_path / "a.csv", RECORD_COLUMNS, rows)
    second = tmp_path / "b.csv"
    second.write_text("")
    problems = problems_of([first, second])
    only(problems, str(first), "'huge'")
    only(problems, str(second), "empty")


def test_problems_capped(tmp_path):
    """More than MAX_PROBLEMS bad rows list MAX_PROBLEMS lines and '... and N more problems'."""
    rows = record_rows(n_examples=8)  # 32 rows
    for k in range(MAX_PROBLEMS + 5):
        set_cell(rows, k, RECORD_COLUMNS, "target_logprob", "1.5")
    path = write(tmp_path / "r.csv", RECORD_COLUMNS, rows)
    problems = problems_of(path)
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1] == f"{path}: ... and 5 more problems"
    assert all(f"line {k + 2}," in problems[k] for k in range(MAX_PROBLEMS))


def test_input_never_modified(tmp_path):
    """Loading, good or bad, leaves the file's bytes and mtime as they were."""
    good = write(tmp_path / "good.csv", RECORD_COLUMNS, record_rows())
    rows = record_rows()
    set_cell(rows, 1, RECORD_COLUMNS, "target_logprob", "3")
    bad = write(tmp_path / "bad.csv.gz", RECORD_COLUMNS, rows)
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (good, bad)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmergenceWarning)
        rescore(load(good))
    with pytest.raises(SchemaError):
        load(bad)
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (good, bad)} == before


def test_choice_counts_must_agree_across_models(tmp_path):
    """One model offered 3 choices and another 4 for the same example: an error naming both."""
    rows = choice_rows()
    rows[3][CHOICE_COLUMNS.index("choice_logprobs")] = "[-1.2, -0.3, -2.0, -4.0]"  # m-350m, ex0
    path = write(tmp_path / "mc.csv", CHOICE_COLUMNS, rows)
    problems = problems_of(path)
    assert len(problems) == 1
    assert "example 'ex0'" in problems[0] and "m-70m: 3" in problems[0] and "m-350m: 4" in problems[0]


def test_two_lm_eval_runs_newest_wins(shared_data, tmp_path):
    """The same model and task in two lm-eval runs: the newer run is kept, with a warning naming both."""
    source = shared_data / "lm_eval" / "synthetic_lm_eval_0.4.13"
    stamp = "2026-11-23T00-04-50.218338"
    for name in (f"results_{stamp}.json", f"samples_toy_arc_easy_{stamp}.jsonl"):
        (tmp_path / name).write_bytes((source / name).read_bytes())
        later = name.replace("2026-11-23", "2026-11-24")
        (tmp_path / later).write_bytes((source / name).read_bytes())
    with pytest.warns(EmergenceWarning, match="two runs of .*2026-11-24.*is kept"):
        tables = load_tables(tmp_path)
    assert len(tables.records) == 3  # toy_arc_easy has 3 documents, counted once


def test_zero_size_from_the_name_is_refused_by_validate_and_analyze(tmp_path, capsys):
    """Issue 17 item 5: a model named 'm-0b' and no params column gave size 0: `validate` said ok
    and `analyze` ended in an internal error (LinAlgError, exit 1). Both now refuse it with exit 2,
    naming the file and the model."""
    from emergence.cli import main

    rows = [[model, "t", f"e{k}", str(k % 2)] for model in ("m-0b", "m-1b", "m-2b") for k in range(10)]
    path = write(tmp_path / "zero.csv", ["model", "task", "example", "correct"], rows)
    assert main(["validate", str(path)]) == 2
    assert main(["analyze", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "internal error" not in err
    assert err.count(f"{path}: no scale column") == 2 and "'m-0b'" in err


# -- limits on what a reader takes in (issue 17 item 6) ----------------------------------------------


def _peak_bytes(read) -> int:
    """The peak of Python allocations while ``read()`` runs (it is expected to raise SchemaError)."""
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(SchemaError):
            read()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_gzip_bomb_stops_at_the_limit(tmp_path):
    """issue 17 item 6, measured: a 12.5 MB .csv.gz inflating to 12 GiB reached 7.5 GB RSS and died
    with a MemoryError (exit 1); here a 521 KB gzip of 256 MiB of short lines reached 1.6 GB under a
    2 GB cap and ended in an internal error (before), and with --max-bytes 64M stops at 64 MiB in
    0.7 s at 188 MB (after). Scaled down: 16 MiB inflated, a 1 MiB limit, held memory a few MiB (the
limit and the chunks being read)."""
    import gzip

    from emergence.sources import Limits, ReadOptions

    path = tmp_path / "bomb.csv.gz"
    with gzip.open(path, "wb") as handle:
        handle.write((",".join(RECORD_COLUMNS) + "\n").encode())
        handle.write(b"m,1b,t,e,12,12,-1,1\n" * (16 * 2**20 // 20))
    assert path.stat().st_size < 100_000
    options = ReadOptions(limits=Limits(max_bytes=2**20))
    with pytest.raises(SchemaError) as info:
        load_tables(path, options=options)
    assert info.value.problems == [
        f"{path}: the file holds more than 1 MiB once decompressed, the limit on one input file; if it "
        "is genuine, raise the limit with --max-bytes (e.g. --max-bytes 8G)"
    ]
    assert _peak_bytes(lambda: load_tables(path, options=options)) < 8 * 2**20  # 16 MiB at once before


def test_a_long_line_stops_at_the_line_limit(tmp_path):
    """issue 17 item 6, measured: a single 1 GB CSV cell peaked at 9.5x the file; a 100 MiB cell
    peaked at 944 MB and passed (before), and is refused at 64 MiB in 0.6 s at 187 MB (after).
    Scaled down: a 4 MiB cell, a 64 KiB line limit, held memory about the limit."""
    from emergence.sources import Limits, ReadOptions

    path = tmp_path / "cell.csv"
    path.write_text(",".join(RECORD_COLUMNS) + "\nm,1b,t,e,12," + "1" * 4 * 2**20 + ",-1,1\n")
    options = ReadOptions(limits=Limits(max_line_bytes=2**16))
    with pytest.raises(SchemaError, match=r"cell.csv: line 2 is longer than 64 KiB, the limit on one "
                       r"line; if it is genuine, raise the limit with --max-line-bytes"):
        load_tables(path, options=options)
    assert _peak_bytes(lambda: load_tables(path, options=options)) < 2**20


def test_line_limit_counts_each_line_exactly(tmp_path):
    """A line of exactly max_line_bytes passes, one byte more is refused with its line number, across
    the chunks the file is read in (plain and gzip)."""
    import gzip

    from emergence.sources.limits import Limits, read_bytes

    data = b"12345678\n" * 3 + b"abc\r\n" + b"12345678\n"
    limits = Limits(max_line_bytes=8)
    for name, write_file in (("a.csv", lambda p, d: p.write_bytes(d)),
                             ("a.csv.gz", lambda p, d: p.write_bytes(gzip.compress(d)))):
        path = tmp_path / name
        write_file(path, data)
        assert read_bytes(path, limits) == data
        write_file(path, data + b"123456789")  # the last line, without an end of line
        with pytest.raises(SchemaError, match="line 6 is longer than 8 bytes"):
            read_bytes(path, limits)
        write_file(path, b"1\n" + b"x" * 20 + b"\n")
        with pytest.raises(SchemaError, match="line 2 is longer than 8 bytes"):
            read_bytes(path, limits)
    assert read_bytes(tmp_path / "a.csv", Limits(max_line_bytes=8), lines=False) == b"1\n" + b"x" * 20 + b"\n"


@pytest.mark.parametrize("format_in, name", [
    ("csv", "big.csv"), ("pythia", "big.csv"), ("pythia", "big.json"), ("lm_eval", "big.json"),
    ("helm", "scenario_state.json"), ("bigbench", "big.json"), ("hf", "big.json"), ("hf", "big.jsonl"),
])
def test_every_reader_keeps_to_max_bytes(tmp_path, format_in, name):
    """issue 17 item 6: every reader of whole files refuses one over --max-bytes, naming the file, the
    limit and the option (exit 2), before parsing it."""
    from emergence.sources import Limits, ReadOptions

    path = tmp_path / name
    if name.endswith(".csv"):
        path.write_text(",".join(RECORD_COLUMNS) + "\n" + "m,1b,t,e,12,12,-1,1\n" * 200)
    else:
        path.write_text('{"results": {},\n "padding": "' + "x" * 4000 + '"}\n')
    with pytest.raises(SchemaError) as info:
        load_tables(path, format_in=format_in, options=ReadOptions(limits=Limits(max_bytes=1024)))
    assert info.value.problems == [
        f"{path}: the file holds more than 1 KiB, the limit on one input file; if it is genuine, raise "
        "the limit with --max-bytes (e.g. --max-bytes 8G)"
    ]


def test_lm_eval_samples_keep_to_the_line_limit(tmp_path):
    """issue 17 item 6: an lm-eval samples log is streamed line by line; a line over --max-line-bytes
    is refused by its number without being read whole (the first line too)."""
    import json

    from emergence.sources import Limits, ReadOptions

    sample = {"doc_id": 0, "target": "1", "resps": [[["-1.0", "True"]]], "filtered_resps": [["-1.0", "True"]]}
    long = dict(sample, doc_id=1, doc={"text": "x" * 5000})
    path = tmp_path / "samples_t_2024-01-01T00-00-00.jsonl"
    options = ReadOptions(limits=Limits(max_line_bytes=1024), sizes={"m": 1e9})
    path.write_text(json.dumps(sample) + "\n" + json.dumps(long) + "\n")
    with pytest.raises(SchemaError, match=r"samples_t_.*jsonl: line 2 is longer than 1 KiB"):
        load_tables(path, format_in="lm_eval", options=options)
    path.write_text(json.dumps(long) + "\n" + json.dumps(sample) + "\n")
    with pytest.raises(SchemaError, match=r"samples_t_.*jsonl: line 1 is longer than 1 KiB"):
        load_tables(path, format_in="lm_eval", options=options)


def test_running_out_of_memory_reading_a_file_is_a_user_error(tmp_path, monkeypatch):
    """issue 17 item 6, measured: a 521 KB gzip of 256 MiB of short lines, within the limits, ended in an
    internal error under a 2 GB cap (ArrowMemoryError, exit 1). Running out of memory reading a file is
    a SchemaError naming the file (exit 2), whether Python or pandas' parser says it."""
    import pandas as pd

    from emergence.sources import csv_files

    path = write(tmp_path / "r.csv", RECORD_COLUMNS, record_rows())

    def exhausted(path, options=None):
        raise MemoryError

    with monkeypatch.context() as patch:
        patch.setattr(csv_files, "read", exhausted)
        with pytest.raises(SchemaError, match=r"r.csv: not enough memory to read the file \(.* on disk\)"):
            load_tables(path)

    def parser_exhausted(*args, **kwargs):  # how pandas' C parser says it (a 2 GB cap, a 256 MiB bomb)
        raise pd.errors.ParserError("Error tokenizing data. C error: out of memory")

    monkeypatch.setattr(csv_files.pd, "read_csv", parser_exhausted)
    with monkeypatch.context() as patch:
        patch.setattr(csv_files, "read_records", lambda path, limits: None)  # the text path
        with pytest.raises(SchemaError) as info:
            load_tables(path)
    size = path.stat().st_size
    assert info.value.problems == [f"{path}: not enough memory to read the file ({size} bytes on disk); "
                                   "split it into smaller files, or read it on a machine with more memory"]

    import pyarrow as pa
    import pyarrow.csv as pacsv

    def arrow_exhausted(*args, **kwargs):  # the typed reader's way of saying it
        raise pa.ArrowMemoryError("malloc of size 4194304 failed")

    monkeypatch.setattr(pacsv, "read_csv", arrow_exhausted)
    with pytest.raises(SchemaError) as info:
        load_tables(path)
    assert info.value.problems[0].startswith(f"{path}: not enough memory to read the file")


def test_limits_parse_and_refuse_bad_values():
    """Sizes as the options take them; a limit below one byte is refused naming the parameter."""
    from emergence.sources.limits import DEFAULT_MAX_BYTES, DEFAULT_MAX_LINE_BYTES, Limits, parse_size

    assert parse_size("1G") == DEFAULT_MAX_BYTES == 2**30
    assert parse_size("64M") == DEFAULT_MAX_LINE_BYTES
    assert [parse_size(t) for t in ("512", "1k", "2KiB", "1.5m", "3 GB")] == [512, 1024, 2048, 1572864,
                                                                               3 * 2**30]
    for bad in ("", "0", "-1", "1x", "G", "0.1"):
        with pytest.raises(ValueError, match="is not a size in bytes >= 1"):
            parse_size(bad)
    with pytest.raises(ValueError, match=r"The 'max_bytes' parameter of Limits must be an int >= 1\. Got 0"):
        Limits(max_bytes=0)


# -- smaller (issue 17 item 8) --------------------------------------------------------------------------


def test_sizes_file_with_a_byte_order_mark(tmp_path):
    """issue 17 item 8, measured: a --sizes CSV saved with a UTF-8 byte-order mark was refused ("line 1
    must be the header 'model,params'; got ['\\ufeffmodel,params']"), and a JSON one was "not a JSON
    object", while inputs with one are read. Both are read now."""
    from emergence.sources import read_sizes

    csv_path, json_path = tmp_path / "sizes.csv", tmp_path / "sizes.json"
    csv_path.write_bytes(b"\xef\xbb\xbfmodel,params\nm-a,1.3b\n")
    json_path.write_bytes(b'\xef\xbb\xbf{"m-a": "1.3b"}')
    assert read_sizes(csv_path) == read_sizes(json_path) == {"m-a": pytest.approx(1.3e9)}


def test_a_file_named_twice_is_read_once(tmp_path):
    """issue 17 item 8, measured: a file reached under two names (its folder and itself through '..',
    or a link to it) was read twice, each bad cell reported twice (and a good file's rows clashed as
    duplicates of themselves). It is read once, under the name first given."""
    rows = record_rows()
    rows[1][RECORD_COLUMNS.index("target_logprob")] = "-inf"
    (tmp_path / "data").mkdir()
    path = write(tmp_path / "data" / "r.csv", RECORD_COLUMNS, rows)
    (tmp_path / "link.csv").symlink_to(path)
    again = tmp_path / "data" / ".." / "data" / "r.csv"
    assert [p for p, _ in find_files([tmp_path / "data", again, tmp_path / "link.csv"])] == [path]
    problems = problems_of([path, again, tmp_path / "link.csv"])
    assert problems == [f"{path}: line 3, column 'target_logprob': '-inf' is not a finite number"]
    rows[1][RECORD_COLUMNS.index("target_logprob")] = "-1.5"
    write(path, RECORD_COLUMNS, rows)
    assert len(load([tmp_path / "data", again])) == len(rows)


def test_rows_with_more_fields_than_the_header_are_named(tmp_path):
    """Issue 17 fuzzing: a row with extra fields made pandas take the leading fields as an index and
    shift every column (misleading errors in a records CSV; a TypeError, exit 1, in the Pythia
    reader). Now the first such line is named."""
    from emergence.sources import load_tables

    path = tmp_path / "r.csv"
    path.write_text("family,model,params,task,example,target,prediction\n"
                    "f,m,1e9,t,e,1,1,x,y\nf,m2,2e9,t,e,1,1\n", encoding="utf-8")
    with pytest.raises(EmergenceError, match=r"line 2 has 9 fields where the header has 7"):
        load_tables(path)
