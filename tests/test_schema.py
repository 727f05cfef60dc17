"""Tests of emergence.schema: validation of in-memory tables, typing, messages, common examples."""

import warnings

import numpy as np
import pandas as pd
import pytest

from emergence.errors import EmergenceWarning, SchemaError
from emergence.schema import (
    MAX_PROBLEMS,
    common_examples,
    detect_shape,
    model_keys,
    validate_records,
    validate_scores,
)

SIZES = {"m-70m": "70m", "m-350m": "350M", "m-1.3b": "1.3b", "m-6.7b": "6.7e9"}


def records(n_examples: int = 3) -> pd.DataFrame:
    """A small text records table as read from a CSV: every cell is a string."""
    rows = []
    for i, (model, size) in enumerate(SIZES.items()):
        for e in range(n_examples):
            rows.append({
                "family": "toy", "model": model, "params": size, "task": "add", "example": f"ex{e}",
                "target": "12", "prediction": "12" if i >= 2 else "13",
                "target_logprob": f"{-3.0 / (i + 1) - e:.3f}", "target_tokens": "2",
            })
    return pd.DataFrame(rows)


def choice_records(n_examples: int = 3) -> pd.DataFrame:
    """A small multiple-choice records table with choice_logprobs as JSON text and gold indices."""
    rows = []
    for model, size in SIZES.items():
        for e in range(n_examples):
            rows.append({
                "family": "toy", "model": model, "params": size, "task": "mc", "example": f"ex{e}",
                "choice_logprobs": "[-1.2, -0.3, -2.0]", "gold": str(e % 3),
            })
    return pd.DataFrame(rows)


def line(i: int) -> str:
    """Where row ``i`` lies in a CSV: the header is line 1."""
    return f"line {i + 2}"


def check(table: pd.DataFrame, validate=validate_records) -> SchemaError:
    """Validate as if read from 'bench.csv' and return the SchemaError raised."""
    with pytest.raises(SchemaError) as info:
        validate(table, source="bench.csv", locate=line)
    return info.value


def only(error: SchemaError, *parts: str) -> str:
    """The single problem line that contains every one of ``parts``."""
    found = [p for p in error.problems if all(part in p for part in parts)]
    assert len(found) == 1, f"expected one line with {parts}, got: {error.problems}"
    return found[0]


# -- good tables ----------------------------------------------------------------------------------------


def test_valid_records_are_typed():
    """A valid text table comes back typed: scales as floats, logprobs as floats, names as str."""
    out = validate_records(records())
    assert out["params"].dtype == float
    assert sorted(out["params"].unique()) == [7e7, 3.5e8, 1.3e9, 6.7e9]
    assert out["target_logprob"].dtype == float
    assert out["target_tokens"].tolist() == [2.0] * 12
    assert out["example"].map(type).eq(str).all()


def test_choice_columns_are_parsed():
    """choice_logprobs JSON text becomes a list of floats; gold becomes an int (or list of ints)."""
    table = choice_records()
    table.loc[1, "gold"] = "[0, 2]"
    out = validate_records(table)
    assert out["choice_logprobs"].iloc[0] == [-1.2, -0.3, -2.0]
    assert out["gold"].iloc[0] == 0
    assert out["gold"].iloc[1] == [0, 2]


def test_family_defaults_when_absent():
    """Without a family column every row belongs to family 'default'."""
    out = validate_records(records().drop(columns="family"))
    assert set(out["family"]) == {"default"}


def test_validation_does_not_modify_input():
    """The table given is left exactly as it was; a typed copy is returned."""
    table = records()
    before = table.copy(deep=True)
    out = validate_records(table)
    pd.testing.assert_frame_equal(table, before)
    assert out is not table


def test_model_keys_include_step_when_present():
    """A model is (family, model) or, with checkpoints, (family, model, step)."""
    assert model_keys(pd.DataFrame(columns=["family", "model"])) == ["family", "model"]
    assert model_keys(pd.DataFrame(columns=["family", "model", "step"])) == ["family", "model", "step"]


# -- shape detection --------------------------------------------------------------------------------


def test_detect_shape():
    """'metric' + 'value' make a scores table, 'example' a records table."""
    assert detect_shape(["model", "task", "metric", "value"]) == "scores"
    assert detect_shape(["model", "task", "example"]) == "records"


def test_detect_shape_suggests_close_column():
    """A close misspelling of a key column still tells the shape (the validator names it, with every
    other problem); a table with neither shape names the source and suggests what is close."""
    assert detect_shape(["model", "params", "task", "exmaple"], source="bench.csv") == "records"
    assert detect_shape(["model", "task", "metrc", "value"], source="bench.csv") == "scores"
    with pytest.raises(SchemaError, match=r"bench.csv: cannot tell.*did you mean 'value'"):
        detect_shape(["model", "params", "task", "valu"], source="bench.csv")


# -- bad records, one problem per test ----------------------------------------------------------------------


def test_missing_required_column():
    """A missing required column is named, with the source."""
    error = check(records().drop(columns="task"))
    message = only(error, "bench.csv", "missing required column 'task'")
    assert message.startswith("bench.csv: ")


def test_unknown_column_did_you_mean():
    """An unknown column spelled close to a known one gets a 'did you mean'."""
    error = check(records().rename(columns={"target_logprob": "target_logprb"}))
    only(error, "bench.csv", "'target_logprb'", "did you mean 'target_logprob'")


def test_non_numeric_scale():
    """A scale that is not a number names the row, the column and the value."""
    table = records()
    table.loc[4, "params"] = "big"
    error = check(table)
    only(error, "bench.csv", "line 6", "'params'", "'big'")
    assert len(error.problems) == 1


@pytest.mark.parametrize("size", ["0", "-5"])
def test_non_positive_scale(size):
    """A scale of 0 or below names the row, the column and the value."""
    table = records()
    table.loc[0, "params"] = size
    error = check(table)
    only(error, "bench.csv", "line 2", "'params'", repr(size), "not a positive model size")


def test_a_list_in_a_scale_column_is_named_not_a_crash():
    """Issue 13 review: a list cell in params (a frame built in memory) raised 'TypeError:
    unhashable type' while the distinct sizes were counted. It is named like any bad size."""
    table = records()
    table["params"] = table["params"].astype(object)
    table.at[3, "params"] = [1, 2]
    error = check(table)
    only(error, "bench.csv", "line 5", "'params'", "[1, 2]", "not a positive model size")


def test_scale_suffixes_are_parsed():
    """Sizes written '1.3b' and '350M' are accepted and parsed to 1.3e9 and 3.5e8."""
    out = validate_records(records())
    sizes = out.groupby("model")["params"].first()
    assert sizes["m-1.3b"] == pytest.approx(1.3e9)
    assert sizes["m-350m"] == pytest.approx(3.5e8)


def test_positive_logprob():
    """A target_logprob > 0 names the row, the column and the value as a plain number."""
    table = records()
    table.loc[3, "target_logprob"] = "0.5"
    error = check(table)
    message = only(error, "bench.csv", "line 5", "'target_logprob'", "0.5", "> 0")
    assert "np." not in message  # the value as a user wrote it, not a numpy repr
    assert len(error.problems) == 1


def test_nan_logprob_where_task_has_values():
    """A NaN target_logprob (typed input) while the task's other rows have values is reported."""
    table = records()
    table["target_logprob"] = table["target_logprob"].astype(float)
    table.loc[7, "target_logprob"] = np.nan
    error = check(table)
    only(error, "bench.csv", "line 9", "'target_logprob'", "missing")
    assert len(error.problems) == 1


def test_choice_logprobs_not_a_list():
    """choice_logprobs that is not a JSON list is reported once, with its row and value."""
    table = choice_records()
    table.loc[2, "choice_logprobs"] = '{"a": -1}'
    error = check(table)
    only(error, "bench.csv", "line 4", "'choice_logprobs'", "'{\"a\": -1}'")
    assert len(error.problems) == 1


def test_gold_out_of_range():
    """A gold index past the last choice names the row, the value and the number of choices."""
    table = choice_records()
    table.loc[5, "gold"] = "3"
    error = check(table)
    only(error, "bench.csv", "line 7", "'gold'", "3", "out of range for 3 choices")


def test_gold_not_an_integer():
    """A gold that is not a whole number is reported once, with its row and value."""
    table = choice_records()
    table.loc[1, "gold"] = "1.5"
    error = check(table)
    only(error, "bench.csv", "line 3", "'gold'", "'1.5'")
    assert len(error.problems) == 1


def test_duplicate_rows():
    """The same (family, model, task, example) twice names both rows."""
    table = records()
    table = pd.concat([table, table.iloc[[4]]], ignore_index=True)
    error = check(table)
    only(error, "bench.csv", "duplicate rows", "model='m-350m'", "example='ex1'", "line 6", "line 14")


def test_all_problems_reported_together():
    """Three bad rows give three problem lines, in one error."""
    table = choice_records()
    for i in (0, 4, 9):
        table.loc[i, "gold"] = "x"
    error = check(table)
    assert len(error.problems) == 3
    for i in (0, 4, 9):
        only(error, line(i), "'gold'", "'x'")


def test_problems_are_capped():
    """More than MAX_PROBLEMS problems list MAX_PROBLEMS lines and '... and N more problems'."""
    table = records(n_examples=8)  # 32 rows
    table.loc[: MAX_PROBLEMS + 4, "target_logprob"] = "1.0"  # MAX_PROBLEMS + 5 bad rows
    error = check(table)
    assert len(error.problems) == MAX_PROBLEMS + 1
    assert error.problems[-1] == "bench.csv: ... and 5 more problems"


def test_no_rows():
    """A table with columns but no rows is an error naming the source."""
    with pytest.raises(SchemaError, match=r"bench\.csv: the table has no rows"):
        validate_records(records().iloc[:0], source="bench.csv")


def test_default_locate_is_row_position():
    """Without a locate function problems are located by row position."""
    table = records()
    table.loc[2, "target_logprob"] = "2"
    with pytest.raises(SchemaError, match=r"records: row 2, column 'target_logprob'"):
        validate_records(table)


# -- scores ---------------------------------------------------------------------------------------------


def test_scores_kinds_filled_from_registry():
    """acc is discontinuous and higher-is-better, ppl nonlinear and lower-is-better, from the registry."""
    table = pd.DataFrame({
        "model": ["a-70m", "a-1b"] * 2, "params": ["70m", "1b"] * 2, "task": ["t"] * 4,
        "metric": ["acc", "acc", "ppl", "ppl"], "value": ["0.25", "0.6", "40", "12"],
    })
    out = validate_scores(table)
    kinds = out.groupby("metric")[["kind", "higher_is_better"]].first()
    assert kinds.loc["acc"].tolist() == ["discontinuous", True]
    assert kinds.loc["ppl"].tolist() == ["nonlinear", False]


def test_scores_unknown_metric_warns_did_you_mean():
    """A metric not in the registry warns and suggests the close name."""
    table = pd.DataFrame({
        "model": ["a", "b"], "params": ["70m", "1b"], "task": ["t", "t"],
        "metric": ["exact_mach", "exact_mach"], "value": ["0.1", "0.2"],
    })
    with pytest.warns(EmergenceWarning, match="did you mean 'exact_match'"):
        out = validate_scores(table)
    assert out["kind"].isna().all()


def test_scores_missing_value():
    """A blank value in a scores table names the row and the column."""
    table = pd.DataFrame({
        "model": ["a", "b"], "params": ["70m", "1b"], "task": ["t", "t"],
        "metric": ["acc", "acc"], "value": ["0.1", ""],
    })
    error = check(table, validate_scores)
    only(error, "bench.csv", "line 3", "'value'", "missing")


# -- common examples ------------------------------------------------------------------------------------


def test_common_examples_warns_and_keeps_shared_set():
    """An example missing for one model is dropped for all, with a warning saying how many."""
    table = validate_records(records()).iloc[:-1]  # m-6.7b lacks ex2
    with pytest.warns(EmergenceWarning, match=r"1 example\(s\).*1 in toy/add.*the 2 examples common"):
        kept = common_examples(table)
    assert sorted(kept["example"].unique()) == ["ex0", "ex1"]
    assert len(kept) == 8


def test_common_examples_silent_when_complete():
    """Complete records pass through unchanged and without warning."""
    table = validate_records(records())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kept = common_examples(table)
    assert len(kept) == len(table)


def test_target_logprob_without_token_counts_is_legal():
    """lm-eval logs give a target's log-likelihood but no token count: per-token metrics are skipped."""
    import emergence

    records = emergence.validate_records(pd.DataFrame({
        "model": ["a", "b"], "params": [1e8, 1e9], "task": "t", "example": "e",
        "target_logprob": [-2.0, -1.0]}))
    assert sorted(emergence.rescore(records)["metric"].unique()) == ["sequence_prob", "target_logprob"]


def test_an_empty_choice_list_last_is_a_schema_error():
    """'[]' as the last choice_logprobs cell is reported, not an IndexError (found by the benchmark)."""
    import emergence
    from emergence.errors import SchemaError

    table = pd.DataFrame({"model": ["a", "a"], "params": 1e9, "task": "t", "example": ["1", "2"],
                          "choice_logprobs": ["[-1.0,-2.0]", "[]"], "gold": ["0", "0"]})
    with pytest.raises(SchemaError, match="row 1, column 'choice_logprobs'"):
        emergence.validate_records(table)


def arrow_lists(cells: list) -> pd.Series:
    """A choice_logprobs column held by Arrow (what the typed CSV reader gives), from Python lists."""
    import pyarrow as pa

    return pd.Series(pd.arrays.ArrowExtensionArray(pa.array(cells, type=pa.list_(pa.float64()))))


def test_choice_lists_held_by_arrow_validate_to_the_same_python_lists():
    """An ArrowDtype list column is checked as one array and comes out as the lists of floats the
    JSON text gives, with its choice counts."""
    table = choice_records()
    table.loc[1, "choice_logprobs"] = "[-0.0, -2.5e-300, -1e-320]"
    as_text = validate_records(table)
    cells = [[float(v) for v in c.strip("[]").split(",")] for c in table["choice_logprobs"]]
    as_arrow = validate_records(table.assign(choice_logprobs=arrow_lists(cells)))
    pd.testing.assert_frame_equal(as_arrow, as_text, check_exact=True)
    got = as_arrow["choice_logprobs"]
    assert all(type(c) is list and all(type(v) is float for v in c) for c in got)
    assert [np.signbit(v) for v in got.iloc[1]] == [True, True, True]  # -0.0 kept, as the text keeps it


def arrow_layout(cells: list, layout: str) -> pd.Series:
    """The same lists held by Arrow in another layout: in two chunks, sliced out of a longer array
    (the offsets do not start at 0), or with a missing row that still owns values underneath."""
    import pyarrow as pa

    kind = pa.list_(pa.float64())
    if layout == "chunked":
        held = pa.chunked_array([pa.array(cells[:5], type=kind), pa.array(cells[5:], type=kind)])
    elif layout == "sliced":
        pad = pa.array([[-9.0, 1.0]] * 3, type=kind)
        held = pa.concat_arrays([pad, pa.array(cells, type=kind), pad]).slice(3, len(cells))
    else:  # a missing row over values, as Arrow allows: they are not the row's
        values, offsets = [], [0]
        for c in cells:
            values += c if c is not None else [7.0, float("nan")]
            offsets.append(len(values))
        held = pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()), pa.array(values),
                                        mask=pa.array([c is None for c in cells]))
    return pd.Series(pd.arrays.ArrowExtensionArray(held if isinstance(held, pa.ChunkedArray)
                                                   else pa.chunked_array([held])))


@pytest.mark.parametrize("layout", ["chunked", "sliced", "missing over values"])
@pytest.mark.parametrize("bad", [None, [-1.0, 0.5]])
def test_choice_lists_in_any_arrow_layout_read_as_python_lists(layout, bad):
    """The Arrow path reads a list array's own offsets and values: every layout gives the table (or
    the error lines) of the same lists in an object column."""
    table = choice_records(4)
    # example ex1 offers four choices to every model, the others three
    cells = [[-1.2, -0.3 - i / 8, -2.0] + ([-0.5] if i % 4 == 1 else []) for i in range(len(table))]
    cells[7] = None  # a row without choices: a missing cell, reported with the other rows of its task
    if bad is not None:
        cells[9] = bad
    listed = table.assign(choice_logprobs=pd.Series(cells, dtype=object))
    held = table.assign(choice_logprobs=arrow_layout(cells, layout))
    if bad is None and layout != "missing over values":
        cells[7] = [-1.0, -2.0, -3.0]
        listed = table.assign(choice_logprobs=pd.Series(cells, dtype=object))
        held = table.assign(choice_logprobs=arrow_layout(cells, layout))
        pd.testing.assert_frame_equal(validate_records(held), validate_records(listed), check_exact=True)
    else:
        said = [line.replace("<NA> is missing", "None is missing") for line in check(held).problems]
        assert said == check(listed).problems


@pytest.mark.parametrize("cell", [[], [-1.0, 0.5], [-1.0, float("nan")], [-1.0, None],
                                  [float("-inf")]])
def test_bad_choice_lists_held_by_arrow_are_reported_as_text_ones_are(cell):
    """Each bad Arrow cell is named with its line and value, as the same list is in an object column."""
    table = choice_records()
    cells = [[-1.2, -0.3, -2.0]] * len(table)
    cells[4] = cell
    from_arrow = check(table.assign(choice_logprobs=arrow_lists(cells)))
    listed = pd.Series([list(c) for c in cells], dtype=object)
    from_lists = check(table.assign(choice_logprobs=listed))
    assert from_arrow.problems == from_lists.problems
    only(from_arrow, "bench.csv", "line 6", "'choice_logprobs'")


def test_numeric_correct_outside_0_1_is_reported():
    """A numeric 'correct' column takes the fast path and still names a 2 on its row."""
    import emergence
    from emergence.errors import SchemaError

    table = pd.DataFrame({"model": ["a", "b"], "params": [1e8, 1e9], "task": "t", "example": "e",
                          "correct": [1, 2]})
    with pytest.raises(SchemaError, match=r"row 1, column 'correct': 2 is not 0/1"):
        emergence.validate_records(table)
    ok = emergence.validate_records(table.assign(correct=[True, False]))
    assert ok["correct"].tolist() == [1.0, 0.0]


def _wide_scores(n_columns: int) -> pd.DataFrame:
    """Two score rows with ``n_columns`` columns, all but five of them extra (kept as they are)."""
    known = {"model": ["a", "b"], "params": ["1b", "2b"], "task": "t", "metric": "exact_match",
             "value": ["0.5", "0.6"]}
    extra = {f"c{i}": ["x", "y"] for i in range(n_columns - len(known))}
    return pd.DataFrame({**known, **extra})


def test_a_table_of_10000_columns_is_refused_at_once():
    """issue 17 item 6, measured: a 99 KB CSV of 10,000 columns took ~114 s to validate (20,000 over
    300 s); it is refused before any work, naming the count and the limit."""
    import time

    from emergence.schema import MAX_COLUMNS

    wide = _wide_scores(10_000)  # made before the clock starts: pandas took 1.2 s for it on a busy CI
    start = time.perf_counter()
    with pytest.raises(SchemaError, match=f"10,000 columns; a tidy table has at most {MAX_COLUMNS:,}"):
        validate_scores(wide, source="wide.csv")
    assert time.perf_counter() - start < 10  # the slow way took ~114 s: a wide margin on a shared machine
    assert len(validate_scores(_wide_scores(MAX_COLUMNS)).columns) >= MAX_COLUMNS


def test_validation_is_linear_in_columns(monkeypatch):
    """issue 17 item 6, measured: one DataFrame insert per column made validation quadratic in the
    columns (1,000: 0.66 s, 2,000: 2.3 s, 5,000: 15 s before; 5,000: about 0.5 s after): the typed
    copy is built at once."""
    import time

    import emergence.schema.validator as validator

    monkeypatch.setattr(validator, "MAX_COLUMNS", 5000)
    wide = _wide_scores(5000)  # made before the clock starts
    start = time.perf_counter()
    out = validate_scores(wide)
    assert time.perf_counter() - start < 8  # 15 s before: a margin for a busy shared machine
    assert out.shape == (2, 5000 + 3)  # family, kind and higher_is_better filled
    assert out["c4994"].tolist() == ["x", "y"]


def test_a_huge_or_non_finite_gold_is_refused_without_numpy_warnings():
    """issue 17 item 8, measured: a gold of 'inf' leaked "emergence: warning: invalid value encountered
    in remainder" (numpy) before its error, and a gold of '1e20' passed as -9223372036854775808 (an
    int cast wrapping around, with a second warning). Each is now one problem and no warning."""
    for value in ("inf", "-inf", "nan", "1e20", str(2**53)):
        table = choice_records()
        table.loc[1, "gold"] = value
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a RuntimeWarning would raise here
            error = check(table)
        only(error, "bench.csv", "line 3", "'gold'", repr(value), "is not a choice index")
        assert len(error.problems) == 1


@pytest.mark.parametrize("column", ["stderr", "n", "chance", "step"])
def test_a_non_finite_cell_is_reported_once(column):
    """issue 17 item 8, measured: a '-inf' cell was reported twice, 'is not a finite number' and then
    by its column's rule ('is negative', 'is not a whole number >= 1', 'is outside [0, 1)'), in six
    columns (stderr, n, chance, step, target_logprob, target_tokens; 1,500 random tables at 6068f6e).
    Each is now reported once."""
    table = pd.DataFrame({
        "model": ["m-1b", "m-2b"], "params": ["1b", "2b"], "step": "1", "task": "t",
        "metric": "exact_match", "value": "0.5", "stderr": "0.01", "n": "10", "chance": "0.25",
    })
    table.loc[0, column] = "-inf"
    with pytest.raises(SchemaError) as info:
        validate_scores(table, source="s.csv", locate=lambda i: f"line {i + 2}")
    assert info.value.problems == [f"s.csv: line 2, column {column!r}: '-inf' is not a finite number"]


@pytest.mark.parametrize("column", ["target_logprob", "target_tokens"])
def test_a_non_finite_record_cell_is_reported_once(column):
    """issue 17 item 8: as above, for the records columns that were reported twice."""
    table = records()
    table.loc[1, column] = "inf" if column == "target_logprob" else "-inf"
    error = check(table)
    only(error, "bench.csv", "line 3", repr(column), "is not a finite number")
    assert len(error.problems) == 1


def test_a_misspelled_column_is_reported_with_every_bad_value(tmp_path):
    """Issue 15, measured: `validate` stopped at the misspelled column and reported the bad values
    only after that was fixed, though the README promises every problem at once."""
    from emergence.sources import load_tables

    path = tmp_path / "typo.csv"
    path.write_text("family,model,params,task,exmaple,target,prediction\n"
                    "f,m,abc,t,e1,1,1\nf,m2,-3,t,e1,1,1\n", encoding="utf-8")
    with pytest.raises(SchemaError) as caught:
        load_tables(path)
    text = str(caught.value)
    assert "did you mean 'example'" in text and "missing required column 'example'" in text
    assert "line 2, column 'params': 'abc'" in text and "line 3, column 'params': '-3'" in text


@pytest.mark.parametrize("bad", [False, True])
def test_columns_converted_in_threads_give_the_same_table_and_problems(monkeypatch, bad):
    """A large table's columns are converted in two threads (issue 13): the same typed table, and
    for a table with problems in several columns, the same problems in the same order (converted
    again one column after the other), the cap and its count included."""
    from emergence.schema import validator

    text = records(n_examples=40)
    table = pd.concat([text, choice_records(n_examples=40).assign(task="mc")], ignore_index=True)
    if bad:
        table.loc[[3, 70, 200], "target_logprob"] = "1.0"
        table.loc[[170, 171], "gold"] = "x"
        table.loc[[5], "params"] = "big"
        table.loc[list(range(10, 10 + MAX_PROBLEMS)), "target_tokens"] = "-1"

    def run():
        try:
            return validate_records(table, source="bench.csv", locate=line)
        except SchemaError as error:
            return error.problems

    monkeypatch.setattr(validator, "THREADED_ROWS", 10**9)
    serial = run()
    monkeypatch.setattr(validator, "THREADED_ROWS", 1)
    monkeypatch.setattr(validator.os, "cpu_count", lambda: 2)
    threaded = run()
    if bad:
        assert threaded == serial and serial[-1].startswith("bench.csv: ... and ")
    else:
        pd.testing.assert_frame_equal(threaded, serial, check_exact=True)
