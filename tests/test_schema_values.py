"""Tests of emergence.schema.values through validation: scores in their metric's range, standard errors
possible there, numbers small enough to compute with, blank scale cells and NUL characters named with
file, line and column (issue 17, items 4 and 7)."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import emergence
from emergence.cli import main
from emergence.errors import EmergenceWarning, SchemaError
from emergence.schema import validate_records, validate_scores
from emergence.schema.values import MAX_MAGNITUDE, nul_rows
from tests.csv_files import RECORD_COLUMNS, SCORE_COLUMNS, record_rows, write

SIZES = ("70m", "160m", "410m", "1b", "1.4b")
ACC = ("0.01", "0.02", "0.05", "0.40", "0.60")
PPL = ("100", "60", "40", "25", "15")


def score_rows(acc_stderr: str = "0.01") -> list[list[str]]:
    """Five models, accuracy (jumping at the fourth) and perplexity on one task, as CSV text."""
    rows = []
    for size, acc, ppl in zip(SIZES, ACC, PPL, strict=True):
        rows.append([f"m-{size}", size, "t", "acc", acc, acc_stderr])
        rows.append([f"m-{size}", size, "t", "ppl", ppl, "1"])
    return rows


def line(i: int) -> str:
    """Where row ``i`` lies in a CSV: the header is line 1."""
    return f"line {i + 2}"


def errors(path: Path, capsys) -> list[str]:
    """Run ``validate`` on a file, check it exits 2, and return its error lines."""
    assert main(["validate", str(path)]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and captured.out == ""
    return [x for x in captured.err.splitlines() if x.startswith("emergence: error: ")]


def test_negative_perplexity_is_refused(tmp_path, capsys):
    """issue 17 item 4, measured: a negative ppl passed validate (exit 0) and analyze dropped that
    model's log_ppl without a word, answering mirage on 4 of 5 scales."""
    rows = score_rows()
    rows[7][4] = "-25"  # m-1b's ppl: line 9
    path = write(tmp_path / "s.csv", SCORE_COLUMNS, rows)
    lines = errors(path, capsys)
    assert lines == [f"emergence: error: {path}: line 9, column 'value': -25.0 is outside the values "
                     "'ppl' can take (> 0)"]
    with pytest.raises(SchemaError, match="line 9, column 'value'"):
        emergence.load(path)  # what analyze reads with: it stops with exit 2 too


@pytest.mark.parametrize("value", ["5.1", "5.5", "5.9", "-0.01", "1.0001"])
def test_accuracy_outside_0_1_is_refused(tmp_path, capsys, value):
    """issue 17 item 4, measured: acc values 5.1-5.9 were accepted (exit 0)."""
    rows = score_rows()
    rows[6][4] = value  # m-1b's acc: line 8
    path = write(tmp_path / "s.csv", SCORE_COLUMNS, rows)
    (error,) = errors(path, capsys)
    assert error.startswith(f"emergence: error: {path}: line 8, column 'value': {float(value)!r} is "
                            "outside the values 'acc' can take ([0, 1])")
    assert ("percentage" in error) == (float(value) > 1)


def test_every_range_problem_is_reported_at_once(capsys, tmp_path):
    """validate lists every bad score of a file, not the first."""
    rows = score_rows()
    rows[0][4], rows[3][4], rows[8][5] = "55", "-3", "0.9"
    path = write(tmp_path / "s.csv", SCORE_COLUMNS, rows)
    lines = errors(path, capsys)
    assert sorted(x.split(": ")[3].split(",")[0] for x in lines) == ["line 10", "line 2", "line 5"]
    assert any("line 10, column 'stderr': 0.9 is larger than any standard error" in x for x in lines)


def test_noisy_stderr_warns_that_it_swamps_the_value():
    """issue 17 item 4, measured: stderr 0.3 on accuracies gave an emergence score of 12.2 with a 95%
    interval [-4.6, 8.7] (more noise, more confidence) and exit 0 without a word. A mean of values in
    [0, 1] at 0.01 has a standard error of at most sqrt(0.01 * 0.99) ~ 0.1 (Bhatia-Davis)."""
    table = pd.DataFrame(score_rows(acc_stderr="0.3"), columns=SCORE_COLUMNS)
    with pytest.warns(EmergenceWarning, match=r"3 standard error\(s\) .* e.g. line 2: 'acc' = 0.01 with "
                                              r"stderr 0.3 \(at most 0.1 there\); such noise swamps"):
        validate_scores(table, source="s.csv", locate=line)


def test_stderr_within_what_a_mean_can_have_does_not_warn():
    """A 0/1 accuracy's own standard error, sqrt(p (1 - p) / (n - 1)), never warns, at 0 neither."""
    n = 1000
    stderr = [f"{np.sqrt(float(a) * (1 - float(a)) / (n - 1)):.4f}" for a in ("0",) + ACC[1:]]
    table = pd.DataFrame([[f"m-{s}", s, "t", "acc", a, e] for s, a, e in
                          zip(SIZES, ("0",) + ACC[1:], stderr, strict=True)], columns=SCORE_COLUMNS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        validate_scores(table)


def test_stderr_larger_than_half_the_range_is_refused():
    """No mean of values in [0, 1] has a standard error above 0.5 (Popoviciu's inequality)."""
    table = pd.DataFrame(score_rows(acc_stderr="0.6"), columns=SCORE_COLUMNS)
    with pytest.raises(SchemaError) as info:
        validate_scores(table, source="s.csv", locate=line)
    assert len(info.value.problems) == 5
    assert info.value.problems[0] == ("s.csv: line 2, column 'stderr': 0.6 is larger than any standard "
                                      "error of a mean of 'acc' values can be: at most 0.5, half the "
                                      "width of its range [0, 1]")


@pytest.mark.parametrize("metric", ["acc", "log_ppl", "bleu"])
def test_huge_stderr_is_refused(metric):
    """issue 17 item 4, measured: from stderr >= 1e155 the interval was [0, 0] (its square overflows);
    refused for any metric, bounded or not."""
    rows = [[f"m-{s}", s, "t", metric, a, "1e155"] for s, a in zip(SIZES, ACC, strict=True)]
    with pytest.raises(SchemaError) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore", EmergenceWarning)  # bleu is not in the registry
        validate_scores(pd.DataFrame(rows, columns=SCORE_COLUMNS), source="s.csv", locate=line)
    assert len(info.value.problems) == 5
    assert info.value.problems[0] == ("s.csv: line 2, column 'stderr': '1e155' is too large to compute "
                                      f"with (beyond ±{MAX_MAGNITUDE:g})")


def test_negative_and_non_finite_stderr_are_refused():
    """A standard error is >= 0 and finite."""
    rows = score_rows()
    rows[0][5], rows[2][5] = "-0.01", "inf"
    with pytest.raises(SchemaError) as info:
        validate_scores(pd.DataFrame(rows, columns=SCORE_COLUMNS), source="s.csv", locate=line)
    assert [p.split(": ", 1)[1] for p in info.value.problems] == [
        "line 4, column 'stderr': 'inf' is not a finite number",
        "line 2, column 'stderr': -0.01 is negative; a standard error is >= 0",
    ]


def test_blank_params_cell_is_named(tmp_path, capsys):
    """issue 17 item 4, measured: a blank params cell passed validate; analyze then refused ("no scale
    column is known for every model") without naming the file, line or column."""
    rows = score_rows()
    rows[6][1] = ""  # m-1b's acc row: line 8
    path = write(tmp_path / "s.csv", SCORE_COLUMNS, rows)
    assert errors(path, capsys) == [
        f"emergence: error: {path}: line 8, column 'params': '' is blank; every row needs a size in one "
        "scale column (params), and none has one in every row"]


def test_blank_scale_cells_are_legal_beside_a_complete_scale_column():
    """A blank params cell is no problem when another scale column (here step) has every row."""
    table = pd.DataFrame(score_rows(), columns=SCORE_COLUMNS).assign(step="143000")
    table.loc[6, "params"] = ""
    assert validate_scores(table)["step"].notna().all()


@pytest.mark.parametrize("size", ["0", "-1b", "0b"])
def test_sizes_must_be_positive(size):
    """A model size of 0 (or below) is refused with its place."""
    rows = record_rows()
    rows[4][RECORD_COLUMNS.index("params")] = size
    table = pd.DataFrame(rows, columns=RECORD_COLUMNS)
    with pytest.raises(SchemaError) as info:
        validate_records(table, source="r.csv", locate=line)
    assert info.value.problems[0].startswith(f"r.csv: line 6, column 'params': {size!r} is not a positive "
                                             "model size")


def test_values_of_unknown_metrics_need_only_be_finite():
    """A metric without a known range (BIG-bench's normalised score can be < 0 or > 100) is kept."""
    rows = [[f"m-{s}", s, "t", "normalized_preferred_score", v, "3"]
            for s, v in zip(SIZES, ("-12", "0", "40", "101", "250"), strict=True)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmergenceWarning)
        out = validate_scores(pd.DataFrame(rows, columns=SCORE_COLUMNS).assign(kind="discontinuous",
                                                                               higher_is_better="true"))
    assert out["value"].tolist() == [-12.0, 0.0, 40.0, 101.0, 250.0]


# -- NUL characters (issue 17 item 7) --------------------------------------------------------------------


def test_nul_in_a_name_is_refused(tmp_path, capsys):
    """issue 17 item 7, measured: NUL characters in names passed into report.html and the CSVs."""
    rows = score_rows()
    rows[2][3] = "a\x00cc"  # line 4, column metric
    rows[5][2] = "t\x00"  # line 7, column task
    path = write(tmp_path / "s.csv", SCORE_COLUMNS, rows)
    lines = errors(path, capsys)
    assert lines == [
        f"emergence: error: {path}: line 7, column 'task': 't\\x00' holds a NUL character (\\x00); names "
        "and text may not contain one",
        f"emergence: error: {path}: line 4, column 'metric': 'a\\x00cc' holds a NUL character (\\x00); "
        "names and text may not contain one",
    ]


def test_nul_in_records_extra_columns_and_column_names_is_refused():
    """Every text cell counts (examples, targets, columns kept as they are) and so do column names."""
    table = pd.DataFrame(record_rows(), columns=RECORD_COLUMNS).assign(note="ok")
    table.loc[1, "example"] = "ex\x001"
    table.loc[2, "prediction"] = "1\x002"
    table.loc[3, "note"] = "\x00"
    table["bad\x00name"] = "x"
    with pytest.raises(SchemaError) as info:
        validate_records(table, source="r.csv", locate=line)
    problems = [p.split(": ", 1)[1] for p in info.value.problems]
    assert problems[-1] == "column name 'bad\\x00name' holds a NUL character (\\x00); remove it"
    assert [p.split(":")[0] for p in problems[:-1]] == [
        "line 3, column 'example'", "line 4, column 'prediction'", "line 5, column 'note'"]


def test_nul_rows_scans_mixed_cells():
    """nul_rows finds NUL among text, blanks and numbers; None when there is none or no text."""
    assert nul_rows(pd.Series(["a", None, 1.5, "b\x00"], dtype=object)).tolist() == [False, False, False,
                                                                                       True]
    assert nul_rows(pd.Series(["a", None, "b"], dtype=object)) is None
    assert nul_rows(pd.Series([1.0, 2.0])) is None


def test_bundled_ladder_data_passes_without_a_range_warning():
    """Real lm-evaluation-harness output (tests/data) is in range and raises no stderr warning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        emergence.load_tables(Path(__file__).parent / "data" / "lm_eval_ladder")
    assert not [w for w in caught if "standard error" in str(w.message)]
