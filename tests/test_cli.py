"""Tests of emergence.cli, run in-process through main([...]): exit codes, messages, report folders."""

import argparse
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from emergence.analysis import Thresholds
from emergence.cli import EXAMPLES, main
from emergence.errors import EmergenceError
from emergence.report import figure_name, write_folder
from emergence.stats.decide import interval_text
from tests.csv_files import CHOICE_COLUMNS, RECORD_COLUMNS, SCORE_COLUMNS, choice_rows, record_rows, write


@pytest.fixture
def records_csv(tmp_path) -> Path:
    return write(tmp_path / "records.csv", RECORD_COLUMNS, record_rows())


def errors_of(stderr: str) -> list[str]:
    """The error lines of stderr, after checking that every non-warning line is one and no traceback."""
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if not line.startswith("emergence: warning: ")]
    assert lines, "expected error lines on stderr"
    assert all(line.startswith("emergence: error: ") for line in lines), lines
    return lines


# -- validate -------------------------------------------------------------------------------------------


def test_validate_ok(records_csv, capsys):
    """A valid file exits 0 and is listed as ok."""
    assert main(["validate", str(records_csv)]) == 0
    out = capsys.readouterr().out
    assert f"ok  {records_csv}" in out
    assert "1 file(s) valid: 12 records" in out


def test_validate_bad_logprob_exit_2(tmp_path, capsys):
    """A positive logprob exits 2 with one error line naming file, line, column and value."""
    rows = record_rows()
    rows[3][RECORD_COLUMNS.index("target_logprob")] = "0.25"
    path = write(tmp_path / "r.csv", RECORD_COLUMNS, rows)
    assert main(["validate", str(path)]) == 2
    captured = capsys.readouterr()
    lines = errors_of(captured.err)
    assert len(lines) == 1
    assert lines[0].startswith(f"emergence: error: {path}: line 5, column 'target_logprob': 0.25 is > 0")
    assert captured.out == ""


def test_validate_three_bad_rows_three_lines(tmp_path, capsys):
    """Three bad gold values give exactly three 'emergence: error:' lines and exit 2."""
    rows = choice_rows()
    for k in (1, 2, 11):
        rows[k][CHOICE_COLUMNS.index("gold")] = "1.5"
    path = write(tmp_path / "mc.csv", CHOICE_COLUMNS, rows)
    assert main(["validate", str(path)]) == 2
    lines = errors_of(capsys.readouterr().err)
    expected = [f"emergence: error: {path}: line {k + 2}" for k in (1, 2, 11)]
    assert [line.split(",")[0] for line in lines] == expected
    assert all("'gold': '1.5'" in line for line in lines)


def test_validate_duplicates_across_files(tmp_path, capsys):
    """Duplicate rows across two files exit 2 with a message naming both files."""
    rows = record_rows()
    first = write(tmp_path / "a.csv", RECORD_COLUMNS, rows[:5])
    second = write(tmp_path / "b.csv", RECORD_COLUMNS, rows[4:])
    assert main(["validate", str(first), str(second)]) == 2
    lines = errors_of(capsys.readouterr().err)
    assert len(lines) == 1
    assert f"{first} and {second}" in lines[0]
    assert "model='m-350m'" in lines[0] and "example='ex1'" in lines[0]


def test_validate_non_utf8(tmp_path, capsys):
    """Non-UTF-8 bytes exit 2 with the file and line named."""
    path = tmp_path / "r.csv"
    path.write_bytes(",".join(RECORD_COLUMNS).encode() + b"\ntoy,m-70m,70m,add,caf\xe9,1,1,-1,1\n")
    assert main(["validate", str(path)]) == 2
    lines = errors_of(capsys.readouterr().err)
    assert lines == [
        f"emergence: error: {path}: line 2: byte 0xe9 is not valid UTF-8; re-save the file as UTF-8"
    ]


def test_validate_missing_path(tmp_path, capsys):
    """A path that does not exist exits 2 with one line naming it."""
    missing = tmp_path / "nope.csv"
    assert main(["validate", str(missing)]) == 2
    assert errors_of(capsys.readouterr().err) == [f"emergence: error: {missing}: no such file or folder"]


def test_validate_empty_folder(tmp_path, capsys):
    """A folder with no CSV exits 2 and names the folder."""
    assert main(["validate", str(tmp_path)]) == 2
    lines = errors_of(capsys.readouterr().err)
    assert len(lines) == 1 and str(tmp_path) in lines[0] and "no .csv" in lines[0]


def test_validate_reports_missing_examples(tmp_path, capsys):
    """Examples missing for some models are a warning on stderr with the count; the file is still valid."""
    path = write(tmp_path / "r.csv", RECORD_COLUMNS, record_rows()[:-2])
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert "emergence: warning: 2 example(s) are not present for every model" in err


# -- analyze --------------------------------------------------------------------------------------------


def test_analyze_writes_report_atomically(records_csv, tmp_path, capsys):
    """analyze writes the CSVs, report.md, report.html and figures/ into --out; no staging folder is left."""
    out = tmp_path / "rep"
    assert main(["analyze", str(records_csv), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["curves.csv", "figures", "report.html", "report.md",
                                                     "scores.csv", "tasks.csv", "verdicts.csv"]
    assert sorted(p.name for p in (out / "figures").iterdir()) == [
        "emergence_scores.png", "overview-inconclusive.png", "summary.png", figure_name("toy", "add")]
    # no staging folder left; the empty lock file stays (deleting it would race with another run)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".rep.lock", "records.csv", "rep"]
    curves = pd.read_csv(out / "curves.csv")
    assert {"exact_match", "target_prob_per_token"} <= set(curves["metric"])
    # 4 models < the 5 scales a verdict needs (Thresholds.min_scales): one task, inconclusive
    tasks = pd.read_csv(out / "tasks.csv")
    assert tasks[["family", "task", "verdict"]].values.tolist() == [["toy", "add", "inconclusive"]]
    lines = capsys.readouterr().out.splitlines()
    (line,) = [t for t in lines if t.startswith("toy ")]
    assert line.split()[:3] == ["toy", "add", "inconclusive"] and "too few scales (4 < 5)" in line
    assert "tasks: 0 emergent, 0 mirage, 0 no emergence, 1 inconclusive" in lines


def test_analyze_lists_each_input_with_its_sha256(records_csv, tmp_path, capsys):
    """The inputs are hashed in a thread while they are read (issue 13): the report lists the
    file's own SHA-256 and size, once."""
    import hashlib

    out = tmp_path / "rep"
    assert main(["analyze", str(records_csv), "--out", str(out), "--no-figures"]) == 0
    digest = hashlib.sha256(records_csv.read_bytes()).hexdigest()
    (row,) = [line for line in (out / "report.md").read_text().splitlines() if digest in line]
    assert f"| {records_csv.stat().st_size:,} |" in row and records_csv.name in row


def test_the_program_exits_with_mains_code_after_all_its_output(records_csv, tmp_path):
    """``python -m emergence`` ends without the interpreter's teardown (cli.run, issue 13): what
    it printed into a pipe arrives whole, and its exit code is main's (0, and 2 on an error)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-m", "emergence", "analyze", str(records_csv), "--no-figures",
                           "--format", "json", "--bootstrap", "200"], cwd=root, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["settings"]["records"] == 12 and len(done.stdout) > 5000
    bad = subprocess.run([sys.executable, "-m", "emergence", "validate", str(tmp_path / "absent.csv")],
                         cwd=root, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.startswith("emergence: error:") and bad.stdout == ""


def test_analyze_refuses_non_empty_out(records_csv, tmp_path, capsys):
    """An existing non-empty --out without --force exits 2, says so, and is left untouched."""
    out = tmp_path / "rep"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(["analyze", str(records_csv), "--out", str(out)]) == 2
    lines = errors_of(capsys.readouterr().err)
    assert len(lines) == 1
    assert str(out) in lines[0] and "not empty" in lines[0] and "--force" in lines[0]
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_analyze_force_replaces_out(records_csv, tmp_path, capsys):
    """With --force an existing --out is replaced by the new report, old files gone."""
    out = tmp_path / "rep"
    out.mkdir()
    (out / "stale.txt").write_text("old")
    assert main(["analyze", str(records_csv), "--out", str(out), "--force", "--no-figures"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["curves.csv", "report.html", "report.md", "scores.csv",
                                                     "tasks.csv", "verdicts.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".rep.lock", "records.csv", "rep"]


def test_analyze_empty_out_is_used(records_csv, tmp_path, capsys):
    """An existing empty --out folder is filled without --force."""
    out = tmp_path / "rep"
    out.mkdir()
    assert main(["analyze", str(records_csv), "--out", str(out)]) == 0
    assert (out / "curves.csv").is_file()


def _no_constant(name):
    raise AssertionError(f"JSON has the non-standard constant {name}")


def test_analyze_json(records_csv, tmp_path, capsys):
    """--format json prints JSON only, with the settings, one entry per task, pair and curve; numbers
    are JSON numbers or null, never strings or NaN/Infinity."""
    assert main(["analyze", str(records_csv), "--out", str(tmp_path / "rep"), "--format", "json",
                 "--no-figures"]) == 0
    payload = json.loads(capsys.readouterr().out, parse_constant=_no_constant)
    assert payload["settings"]["records"] == 12
    assert payload["settings"]["x"] == "params"
    assert payload["settings"]["jump_threshold"] == Thresholds().jump
    assert payload["settings"]["alpha"] == Thresholds().alpha and "sharp_ratio" not in payload["settings"]
    metrics = {c["metric"]: c for c in payload["curves"]}
    assert metrics["exact_match"]["kind"] == "discontinuous"
    assert metrics["target_logprob"]["n_scales"] == 4
    (task,) = payload["tasks"]
    assert (task["family"], task["task"], task["verdict"]) == ("toy", "add", "inconclusive")
    assert task["discontinuous"] == "exact_match" and task["smooth"] == "target_prob_per_token"
    assert len(payload["verdicts"]) == 3  # exact_match with each of its 3 smooth partners
    for row in payload["tasks"] + payload["verdicts"] + payload["curves"]:
        for key, value in row.items():
            if key.startswith(("jump", "es_", "emergence_score", "q_", "p_")) and key not in (
                    "jump_from", "jump_to", "es_floored"):
                assert value is None or isinstance(value, int | float), (key, value)
    assert isinstance(metrics["exact_match"]["emergence_score"], float)


def test_analyze_json_without_out_writes_only_to_stdout(records_csv, tmp_path, monkeypatch, capsys):
    """Issue 15, measured: --format json still wrote the report folder and figures. Without --out it
    writes nothing (no emergence-report/ in the working folder), prints only the JSON, and says
    "out": null; with --out it writes the folder as before (test_analyze_json)."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert main(["analyze", str(records_csv), "--format", "json"]) == 0
    captured = capsys.readouterr()
    payload = json.loads(captured.out, parse_constant=_no_constant)
    assert list(payload) == ["settings", "tasks", "verdicts", "curves"]
    assert payload["settings"]["out"] is None and len(payload["tasks"]) == 1
    assert payload["settings"]["no_figures"] is True  # no folder, so no figures were written
    assert list(work.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records.csv", "work"]
    # the text format still writes the default folder
    assert main(["analyze", str(records_csv), "--no-figures"]) == 0
    assert (work / "emergence-report" / "report.html").is_file()


def test_json_numbers_are_numbers_or_null():
    """Issue 15, measured: "inf" was written as a string where the same field is otherwise a number.
    Every non-finite number, in the rows and in the settings, is null; numpy scalars are plain JSON
    numbers and booleans; text stays text."""
    import numpy as np

    from emergence.analysis import Analysis
    from emergence.cli_output import json_payload, json_rows

    assert json_rows(pd.DataFrame({"jump_from": ["", "m-1b"]})) == [{"jump_from": None},
                                                                      {"jump_from": "m-1b"}]  # no place: null
    table = pd.DataFrame({"metric": ["a", "b", "c"], "emergence_score": [np.inf, 2.5, np.nan],
                          "jump": [-np.inf, np.float32(0.5), 1.0], "n_scales": [4, 5, 6],
                          "es_floored": [True, False, None]})
    rows = json_rows(table)
    assert rows == [
        {"metric": "a", "emergence_score": None, "jump": None, "n_scales": 4, "es_floored": True},
        {"metric": "b", "emergence_score": 2.5, "jump": 0.5, "n_scales": 5, "es_floored": False},
        {"metric": "c", "emergence_score": None, "jump": 1.0, "n_scales": 6, "es_floored": None},
    ]
    assert [type(v) for v in rows[1].values()] == [str, float, float, int, bool]
    empty = pd.DataFrame()
    result = Analysis(empty, table, empty, empty)
    payload = json_payload(result, {"jump_threshold": np.float64(np.inf), "bootstrap": np.int64(100),
                                    "metrics": [np.nan, "acc"]})
    assert payload["settings"] == {"jump_threshold": None, "bootstrap": 100, "metrics": [None, "acc"]}
    assert payload["curves"] == rows and payload["tasks"] == []
    text = json.dumps(payload, allow_nan=False)
    assert "inf" not in text.lower() and "nan" not in text.lower()


def test_analyze_unknown_metric_did_you_mean(records_csv, tmp_path, capsys):
    """An unknown --metrics name exits 2 with 'Did you mean' and writes nothing."""
    out = tmp_path / "rep"
    assert main(["analyze", str(records_csv), "--out", str(out), "--metrics", "exact_mach"]) == 2
    lines = errors_of(capsys.readouterr().err)
    assert len(lines) == 1
    assert "'exact_mach'" in lines[0] and "Did you mean 'exact_match'?" in lines[0]
    assert not out.exists()


def test_analyze_bad_input_writes_nothing(tmp_path, capsys):
    """A bad file exits 2 with the file's problems and leaves no report folder."""
    rows = record_rows()
    rows[0][RECORD_COLUMNS.index("params")] = "-5"
    path = write(tmp_path / "r.csv", RECORD_COLUMNS, rows)
    out = tmp_path / "rep"
    assert main(["analyze", str(path), "--out", str(out)]) == 2
    lines = errors_of(capsys.readouterr().err)
    assert lines == [
        f"emergence: error: {path}: line 2, column 'params': '-5' is not a positive model size "
        "(write 1.3e9, 1300000000 or '1.3b')"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv"]


def test_analyze_uses_common_examples(tmp_path, capsys):
    """An example missing for one model is warned about and left out of every model's score."""
    rows = [r for r in record_rows() if not (r[1] == "m-6.7b" and r[4] == "ex0")]
    path = write(tmp_path / "r.csv", RECORD_COLUMNS, rows)
    out = tmp_path / "rep"
    assert main(["analyze", str(path), "--out", str(out), "--metrics", "target_logprob",
                 "--no-figures"]) == 0
    assert "1 example(s) are not present for every model" in capsys.readouterr().err
    scores = pd.read_csv(out / "scores.csv")
    assert scores["n"].tolist() == [2, 2, 2, 2]


def test_analyze_scores_csv(tmp_path, capsys):
    """A scores-shaped CSV is analysed; acc gets kind discontinuous from the registry."""
    values = (("70m", "0.25"), ("160m", "0.26"), ("410m", "0.27"), ("1b", "0.60"))
    rows = [[f"p-{size}", size, "arc", "acc", value, "0.01"] for size, value in values]
    path = write(tmp_path / "s.csv", SCORE_COLUMNS, rows)
    assert main(["analyze", str(path), "--out", str(tmp_path / "rep"), "--format", "json",
                 "--no-figures"]) == 0
    payload = json.loads(capsys.readouterr().out, parse_constant=_no_constant)
    (curve,) = payload["curves"]
    assert (curve["metric"], curve["kind"], curve["higher_is_better"]) == ("acc", "discontinuous", True)
    # steps 0.01, 0.01, 0.33: the median step 0.01 is below the noise of a step, sqrt(2) x the stderr
    # 0.01 (DESIGN.md, Statistics 3), which sets the denominator: ES = 0.35 / 0.0141 = 24.7 (the
    # stderr is the bootstrap's estimate of 0.01, hence the tolerance), not 0.35 / 0.01 = 35
    assert curve["emergence_score"] == pytest.approx(0.35 / (2**0.5 * 0.01), rel=0.05)
    assert curve["es_floored"] is True
    assert payload["tasks"] == []  # acc has no smooth partner here: nothing to judge
    assert payload["settings"]["records"] is None
    assert payload["settings"]["score_rows"] == 4
    md = (Path(payload["settings"]["out"]) / "report.md").read_text()
    assert "| score rows read |" in md and "records read" not in md
    assert "Figures were not drawn (--no-figures)." in md


def test_analyze_scores_csv_text_output(tmp_path, capsys):
    """The printed report of a scores-only run counts score rows and says where its intervals come
    from (it used to fail formatting a missing records count); with nothing to judge it says so."""
    values = (("70m", "0.25"), ("160m", "0.26"), ("410m", "0.27"), ("1b", "0.60"))
    rows = [[f"p-{size}", size, "arc", "acc", value, "0.01"] for size, value in values]
    path = write(tmp_path / "s.csv", SCORE_COLUMNS, rows)
    assert main(["analyze", str(path), "--out", str(tmp_path / "rep"), "--no-figures"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert ": 1 file, 4 score rows, 1 family," in lines[0]
    header = " ".join(lines[1:lines.index("")])
    assert "95% interval from normal draws from the reported standard errors." in header
    assert "no discontinuous/smooth metric pair to judge" in lines
    assert "tasks: none judged" in lines
    assert lines[-1].startswith("intervals: ")


@pytest.fixture(scope="module")
def simulated_run(tmp_path_factory):
    """``analyze`` of two simulated families (6 tasks each), text output and report folder."""
    import contextlib
    import io
    import warnings

    folder = tmp_path_factory.mktemp("sim")
    sources = []
    for truth in ("sharp", "power_law"):
        sources.append(folder / f"{truth}.csv.gz")
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["simulate", "--truth", truth, "--n-examples", "60", "--out", str(sources[-1])]) == 0
    out = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(out):
        warnings.simplefilter("ignore")
        assert main(["analyze", *map(str, sources), "--out", str(folder / "rep"), "--bootstrap", "100",
                     "--no-figures"]) == 0
    return out.getvalue().splitlines(), folder / "rep"


def test_analyze_text_one_line_per_task_and_totals(simulated_run):
    """The text output: the header, one line per task grouped by verdict (emergent, mirage, no
    emergence, inconclusive), a totals line counting tasks, where the report is, the interval note."""
    lines, out = simulated_run
    tasks = pd.read_csv(out / "tasks.csv")
    assert len(tasks) == 12 == len(tasks.drop_duplicates(["family", "task"]))  # 2 families x 6 tasks
    start = lines.index("") + 1  # the blank line after the header
    assert lines[start].split()[:3] == ["family", "task", "verdict"]
    end = lines.index("", start)
    task_lines = lines[start + 1:end]
    assert len(task_lines) == len(tasks)
    shown = [(t.split()[0], t.split()[1]) for t in task_lines]
    assert sorted(shown) == sorted(zip(tasks["family"], tasks["task"], strict=True))
    verdict_of = {(f, t): v for f, t, v in zip(tasks["family"], tasks["task"], tasks["verdict"], strict=True)}
    order = ["emergent", "mirage", "no emergence", "inconclusive"]
    ranks = [order.index(verdict_of[k]) for k in shown]
    assert ranks == sorted(ranks)
    for line, key in zip(task_lines, shown, strict=True):
        assert f" {verdict_of[key]} " in line
    counts = tasks["verdict"].value_counts()
    assert lines[end + 1] == "tasks: " + ", ".join(f"{counts.get(v, 0)} {v}" for v in order)
    assert lines[end + 2].startswith(f"wrote {out}/report.html") and "tasks.csv" in lines[end + 2]
    assert lines[end + 3] == "intervals: examples only: intervals are conditional on the trained models"
    assert len(lines) == end + 4
    assert not any(" / toy_length_1  (" in line for line in lines)  # curve tables only with --verbose


def test_analyze_verbose_prints_the_curves(records_csv, tmp_path, capsys):
    """--verbose adds each task's curve table (every metric: ends, J [CI]; state, ES [CI]) before the
    task lines, which follow unchanged."""
    assert main(["analyze", str(records_csv), "--out", str(tmp_path / "rep"), "--no-figures",
                 "--verbose"]) == 0
    lines = capsys.readouterr().out.splitlines()
    curves = pd.read_csv(tmp_path / "rep" / "curves.csv")
    (title,) = [t for t in lines if t.startswith("toy / add  (")]
    assert "4 scales" in title and title.endswith("; inconclusive)")
    header = lines[lines.index(title) + 1]
    assert "J [95% CI]; state" in header and "ES [95% CI]" in header
    rows = lines[lines.index(title) + 2:lines.index(title) + 2 + len(curves)]
    assert sorted(r.split()[0] for r in rows) == sorted(curves["metric"])
    for row in rows:
        curve = curves[curves["metric"] == row.split()[0]].iloc[0]
        jump = f"{interval_text(curve['jump'], curve['jump_lo'], curve['jump_hi'])}; {curve['sharp']}"
        assert jump in row
    assert any(t.split()[:3] == ["toy", "add", "inconclusive"] for t in lines)
    assert "tasks: 0 emergent, 0 mirage, 0 no emergence, 1 inconclusive" in lines


def test_analyze_verbose_explains_every_state(tmp_path, capsys):
    """Issue 15, measured: "untested" in the state column was never explained. A scores file without
    standard errors has a curve with no interval (state untested); the legend under the curve tables
    says what each of the four states means, with the run's threshold and alpha."""
    values = (("70m", "0.25"), ("160m", "0.26"), ("410m", "0.27"), ("1b", "0.60"), ("2b", "0.62"))
    path = write(tmp_path / "s.csv", SCORE_COLUMNS[:-1], [[f"p-{size}", size, "arc", "acc", value]
                                                          for size, value in values])
    assert main(["analyze", str(path), "--out", str(tmp_path / "rep"), "--no-figures", "--verbose"]) == 0
    lines = capsys.readouterr().out.splitlines()
    (row,) = [line for line in lines if line.strip().startswith("acc ")]
    assert row.split(";")[1].split()[0] == "untested"
    start = [i for i, line in enumerate(lines) if line.startswith("J: the curve's largest jump")]
    legend = " ".join(lines[start[0]:lines.index("", start[0])])
    assert "jump (interval above 0.4, significant at alpha 0.05 after Benjamini-Hochberg)" in legend
    assert "smooth (interval below 0.4)" in legend
    assert "unclear (in between: the interval straddles 0.4, or is above it without being significant)" \
        in legend
    assert "untested (no interval: the input gives no per-example data, standard errors or seeds for " \
        "this curve, so its J is not tested and cannot decide a verdict)" in legend


def test_analyze_leaves_input_unchanged(records_csv, tmp_path, capsys):
    """analyze does not modify its input file (bytes and mtime)."""
    before = (records_csv.read_bytes(), records_csv.stat().st_mtime_ns)
    assert main(["analyze", str(records_csv), "--out", str(tmp_path / "rep"), "--no-figures"]) == 0
    assert main(["validate", str(records_csv)]) == 0
    assert (records_csv.read_bytes(), records_csv.stat().st_mtime_ns) == before


# -- the report folder ----------------------------------------------------------------------------------


def test_write_folder_interrupted_leaves_nothing(tmp_path):
    """A writer that fails leaves neither the folder nor a staging folder behind."""
    def fail(path):
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_folder(tmp_path / "rep", {"a.csv": lambda p: p.write_text("a"), "b.csv": fail})
    assert [p.name for p in tmp_path.iterdir()] == [".rep.lock"]  # the empty lock file stays


def test_write_folder_interrupted_keeps_old_report(tmp_path):
    """With force, a failed write keeps the previous report intact."""
    out = tmp_path / "rep"
    write_folder(out, {"a.csv": lambda p: p.write_text("old")})

    def fail(path):
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_folder(out, {"a.csv": lambda p: p.write_text("new"), "b.csv": fail}, force=True)
    assert (out / "a.csv").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".rep.lock", "rep"]


def test_write_folder_refuses_a_file(tmp_path):
    """An --out that is a file is refused with a clear message."""
    path = tmp_path / "rep"
    path.write_text("x")
    with pytest.raises(EmergenceError, match="exists and is not a folder"):
        write_folder(path, {"a.csv": lambda p: p.write_text("a")}, force=True)


# -- help and usage -------------------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [["--help"], ["analyze", "--help"], ["validate", "--help"]])
def test_help_ends_with_examples(argv, capsys):
    """--help exits 0 and ends with the runnable examples: all of them at the top, a subcommand's
    own under it."""
    from emergence.cli_parser import COMMAND_EXAMPLES

    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0
    expected = EXAMPLES if argv == ["--help"] else COMMAND_EXAMPLES[argv[0]]
    assert capsys.readouterr().out.rstrip().endswith(expected.rstrip())


def test_no_command_is_usage_error(capsys):
    """No subcommand prints the help and exits 2."""
    assert main([]) == 2
    assert "examples:" in capsys.readouterr().out


def test_bad_option_value_exits_2(capsys):
    """An invalid choice for --format is a usage error (exit 2)."""
    with pytest.raises(SystemExit) as info:
        main(["analyze", "--format", "yaml"])
    assert info.value.code == 2
    assert "invalid choice: 'yaml'" in capsys.readouterr().err


def test_internal_error_is_one_line_and_exit_1(monkeypatch, capsys):
    """A bug (not bad input) exits 1 with one line naming it, not a traceback."""
    import emergence.cli as cli

    def broken(args):
        raise ZeroDivisionError("boom")

    monkeypatch.setitem(cli._COMMANDS, "list", broken)
    monkeypatch.delenv("EMERGENCE_DEBUG", raising=False)
    assert main(["list"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("emergence: internal error") and "boom" in err[0]


def test_sizes_file_names_models_the_files_do_not(shared_data, tmp_path, capsys):
    """A samples log without its results file loads when --sizes names the model (CSV model,params)."""
    name = "samples_toy_arc_easy_2026-11-23T00-04-50.218338.jsonl"
    (tmp_path / "run").mkdir()
    log = tmp_path / "run" / name
    log.write_bytes((shared_data / "lm_eval" / "synthetic_lm_eval_0.4.13" / name).read_bytes())
    assert main(["validate", str(log)]) == 2
    assert "--sizes FILE" in capsys.readouterr().err
    sizes = tmp_path / "sizes.csv"
    sizes.write_text("model,params\nmy-tiny-model,6.5m\n")
    assert main(["validate", str(log), "--sizes", str(sizes)]) == 0
    sizes.write_text("model,params\nmy-tiny-model,big\n")
    assert main(["validate", str(log), "--sizes", str(sizes)]) == 2
    assert "line 2" in capsys.readouterr().err


def test_control_characters_in_names_never_reach_the_terminal(tmp_path, capsys):
    """Issue 17 item 7, measured: ESC/OSC sequences in names went raw to the terminal (they can
    retitle the window or clear the screen). The text report, warnings and errors show them escaped."""
    path = tmp_path / "evil.csv"
    path.write_text("family,model,params,task,example,target,prediction\n"
                    "f\x1b]0;owned\x07,m1,1e8,t\x1b[2J,e1,1,1\n", encoding="utf-8")
    assert main(["analyze", str(path), "--out", str(tmp_path / "rep"), "--no-figures"]) == 0
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out + captured.err
    assert "f\\x1b]0;owned\\x07" in captured.out and "t\\x1b[2J" in captured.out
    assert main(["analyze", str(tmp_path / "missing\x1b[2J.csv"), "--out", str(tmp_path / "r2")]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\x1b[2J" in err


# -- limits on input (issue 17 item 6) ------------------------------------------------------------------


@pytest.mark.parametrize("command", ["analyze", "validate", "rescore"])
def test_max_bytes_and_max_line_bytes_reach_every_reader(records_csv, tmp_path, capsys, command):
    """issue 17 item 6, measured: a gzip bomb died with a MemoryError (exit 1) and a 1 GB cell peaked
    at 9.5x the file; analyze, validate and rescore take --max-bytes and --max-line-bytes and refuse a
    file over either with exit 2, naming the file, the limit and the option, before any analysis."""
    out = {"analyze": ["--out", str(tmp_path / "rep")], "rescore": ["--out", str(tmp_path / "s.csv")]}
    args = [command, str(records_csv), *out.get(command, [])]
    assert main([*args, "--max-bytes", "100"]) == 2
    assert errors_of(capsys.readouterr().err) == [
        f"emergence: error: {records_csv}: the file holds more than 100 bytes, the limit on one input "
        "file; if it is genuine, raise the limit with --max-bytes (e.g. --max-bytes 8G)"
    ]
    assert main([*args, "--max-line-bytes", "50"]) == 2
    assert errors_of(capsys.readouterr().err) == [
        f"emergence: error: {records_csv}: line 1 is longer than 50 bytes, the limit on one line; if it "
        "is genuine, raise the limit with --max-line-bytes (e.g. --max-line-bytes 1G)"
    ]
    assert not (tmp_path / "rep").exists() and not (tmp_path / "s.csv").exists()


def test_limit_options_refuse_what_is_not_a_size(records_csv, capsys):
    """A limit that is not a size is a usage error (exit 2) saying what to write; the defaults in the
    help are those of emergence.sources.limits."""
    from emergence.sources.limits import DEFAULT_MAX_BYTES, DEFAULT_MAX_LINE_BYTES, parse_size

    with pytest.raises(SystemExit) as info:
        main(["validate", str(records_csv), "--max-bytes", "lots"])
    assert info.value.code == 2
    assert "argument --max-bytes: 'lots' is not a size in bytes >= 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    usage = " ".join(capsys.readouterr().out.split())
    assert "(default: 1G; e.g. 8G, 512M)" in usage and "(default: 64M)" in usage
    assert (parse_size("1G"), parse_size("64M")) == (DEFAULT_MAX_BYTES, DEFAULT_MAX_LINE_BYTES)
    assert main(["validate", str(records_csv), "--max-bytes", "1M", "--max-line-bytes", "1K"]) == 0


def test_numpy_warnings_never_reach_the_terminal(tmp_path, capsys):
    """issue 17 item 8, measured: numpy RuntimeWarnings leaked as 'emergence: warning:' lines, e.g.
    "invalid value encountered in remainder" before the error for a gold of 'inf' (none on the bundled
    benchmarks, nor in 720 runs on mutated inputs). The error alone is printed."""
    rows = choice_rows()
    rows[0][CHOICE_COLUMNS.index("gold")] = "inf"
    path = write(tmp_path / "c.csv", CHOICE_COLUMNS, rows)
    for command in (["validate"], ["analyze", "--out", str(tmp_path / "rep")]):
        assert main([*command, str(path)]) == 2
        err = capsys.readouterr().err
        assert "emergence: warning" not in err
        assert errors_of(err) == [f"emergence: error: {path}: line 2, column 'gold': 'inf' is not a choice "
                                  "index >= 0 (or a JSON list of them)"]


def test_unknown_metric_warnings_only_for_the_tasks_analysed(tmp_path, capsys):
    """Issue 15, measured: the crows_pairs "not in registry" warning appeared with --tasks
    lambada_openai. Warnings about unknown metrics now name only metrics of the rows analysed."""
    path = tmp_path / "s.csv"
    lines = ["family,model,params,task,metric,value,stderr"]
    for i, size in enumerate(("70m", "160m", "410m", "1b", "2.8b")):
        lines.append(f"p,p-{size},{size},lambada,acc,{0.2 + 0.1 * i},0.01")
        lines.append(f"p,p-{size},{size},crows_pairs,pct_stereotype,{0.5 + 0.01 * i},0.01")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["analyze", str(path), "--tasks", "lambada", "--out", str(tmp_path / "a"),
                 "--no-figures"]) == 0
    assert "pct_stereotype" not in capsys.readouterr().err
    assert main(["analyze", str(path), "--out", str(tmp_path / "b"), "--no-figures"]) == 0
    assert "'pct_stereotype' are not in the registry" in capsys.readouterr().err


@pytest.mark.parametrize(("kind", "verdicts"), [("records", {"mirage"}), ("scores", {"no emergence"})])
def test_template_is_valid_and_judged(kind, verdicts, tmp_path, capsys):
    """Issue 15: `template [--kind records|scores]` prints a valid example CSV (the columns explained
    on stderr) that `validate` accepts and `analyze` judges: the simulated power law reads mirage."""
    assert main(["template", "--kind", kind]) == 0
    printed = capsys.readouterr()
    assert "required" in printed.err and "example" in printed.err
    path = tmp_path / f"{kind}.csv"
    path.write_text(printed.out, encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    capsys.readouterr()
    assert main(["analyze", str(path), "--out", str(tmp_path / "rep"), "--no-figures"]) == 0
    tasks = pd.read_csv(tmp_path / "rep" / "tasks.csv")
    assert set(tasks["verdict"]) == verdicts


def test_every_option_has_help_and_each_subcommand_its_own_examples():
    """Issue 15, measured: subcommand help repeated one examples block; some options had no help."""
    from emergence.cli_parser import _parser

    parser = _parser()
    (subcommands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for name, sub in subcommands.choices.items():
        for action in sub._actions:
            assert action.help, f"{name} {action.option_strings or action.dest} has no help text"
        example_lines = [line for line in sub.epilog.splitlines() if "python -m emergence" in line]
        assert example_lines and all(f"python -m emergence {name}" in line for line in example_lines)


def test_a_new_user_sees_progress_at_once_and_the_answer_on_the_first_screen(tmp_path):
    """Issue 15, measured: the README's first command printed ~400 lines of per-curve tables before
    the verdicts and showed no sign of life for minutes. Run on a pseudo-terminal as a new user
    would: a progress bar on stderr within 2 s of start, and the whole answer (one line per task,
    the totals) within 40 lines of stdout."""
    import fcntl
    import os
    import pty
    import select
    import struct
    import subprocess
    import sys
    import termios
    import time

    root = Path(__file__).resolve().parents[1]
    leader, follower = pty.openpty()  # stderr: progress bars
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    screen, screen_follower = pty.openpty()  # stdout: the answer, on a 40 x 100 terminal
    fcntl.ioctl(screen_follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    start = time.monotonic()
    run = subprocess.Popen([sys.executable, "-m", "emergence", "analyze", "--no-figures",
                            "--bootstrap", "200", "--out", str(tmp_path / "rep")],
                           cwd=root, stdout=screen_follower, stderr=follower, stdin=subprocess.DEVNULL)
    os.close(follower)
    os.close(screen_follower)
    first = None
    seen, shown = b"", b""
    open_fds = {leader, screen}
    while open_fds:
        ready, _, _ = select.select(list(open_fds), [], [], 0.1)
        for fd in ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                open_fds.discard(fd)
                continue
            if fd == leader:
                seen += chunk
                if first is None and b"reading files" in seen:
                    first = time.monotonic() - start
            else:
                shown += chunk
        if not ready and run.poll() is not None:
            break
    assert run.wait(timeout=120) == 0
    os.close(leader)
    os.close(screen)
    assert first is not None and first < 2.0, f"no progress within 2 s ({first})"
    # the answer fits the screen in rows, not only in lines: each line within the 100 columns
    lines = shown.decode().replace("\r\n", "\n").splitlines()
    assert len(lines) <= 40
    assert max(len(line) for line in lines) <= 100
    task_rows = [line for line in lines if line.split()[:1] and line.split()[0] in ("arith", "toy-sharp")]
    assert all(re.search(r"\d\]\s", line) for line in task_rows)  # both intervals whole at 100 columns
    assert any(line.startswith("tasks: ") for line in lines)


def test_analyze_on_the_loss_axis_from_a_loss_file(records_csv, tmp_path, capsys):
    """Issue 16: --x loss with the losses in a --sizes-style file ('model,loss'); the curves run from
    the highest loss to the lowest, and the figures put the lower loss to the right."""
    losses = tmp_path / "loss.csv"
    losses.write_text("model,loss\nm-70m,3.6\nm-350m,3.1\nm-1.3b,2.7\nm-6.7b,2.4\n")
    out = tmp_path / "rep"
    assert main(["analyze", str(records_csv), "--x", "loss", "--loss", str(losses), "--out", str(out)]) == 0
    curves = pd.read_csv(out / "curves.csv")
    assert set(curves["x"]) == {"loss"} and (curves["x_min"] == 3.6).all() and (curves["x_max"] == 2.4).all()
    assert "x = loss" in capsys.readouterr().out
    from emergence import plots

    scores = pd.read_csv(out / "scores.csv")
    fig = plots.plot_task(scores, family="toy", task="add", x="loss")
    assert all(ax.get_xlim()[0] > ax.get_xlim()[1] for ax in fig.axes)  # reversed
    labels = [ax.get_xlabel() for ax in fig.axes if ax.get_xlabel()]  # on each column's lowest panel
    assert labels and all("loss" in label for label in labels)
    # a loss file with a bad value exits 2 naming the line
    losses.write_text("model,loss\nm-70m,-3\n")
    assert main(["analyze", str(records_csv), "--x", "loss", "--loss", str(losses), "--out", str(out),
                 "--force"]) == 2
    assert "line 2, column 'loss': -3 is not a finite number > 0" in capsys.readouterr().err
    # a loss file without --x loss is said, not silently ignored
    losses.write_text("model,loss\nm-70m,3.6\nm-350m,3.1\nm-1.3b,2.7\nm-6.7b,2.4\n")
    assert main(["analyze", str(records_csv), "--loss", str(losses), "--out", str(out), "--force",
                 "--no-figures"]) == 0
    assert "is given without --x loss" in capsys.readouterr().err


def test_list_formats_names_each_format_with_an_example(capsys):
    """Issue 16: each format is in `list --formats` with what it reads and an example command."""
    from emergence.sources import formats

    assert main(["list", "--formats"]) == 0
    out = capsys.readouterr().out
    for name, module in formats().items():
        assert f"  {name:<9} {module.SUMMARY}" in out and module.EXAMPLE in out
    assert "inspect" in formats() and "bigbench" in formats()


def test_readme_shows_each_format_with_its_example():
    """Issue 16: each format in the README with a two-line example (what it reads, the command)."""
    from emergence.sources import formats

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for name, module in formats().items():
        assert f"# {name}: {module.SUMMARY}\n{module.EXAMPLE}\n" in readme
