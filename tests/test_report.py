"""Tests of emergence.report: the report folder, report.md, the self-contained report.html.

The browser test opens report.html in headless Chromium (analyses/check_report_html.py) and skips
when Chromium is not installed.
"""

import base64
import hashlib
import importlib.util
import re
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import emergence
from emergence.analysis import Thresholds
from emergence.report import draw_figures, figure_name, input_files, write_report
from emergence.report.figures import overview_name
from emergence.report.text import InputFile
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def analysis():
    records = pd.concat([
        emergence.simulate(family="toy-powerlaw", truth="power_law", n_examples=60, target_lengths=(1, 5),
                           seed=1),
        emergence.simulate(family="toy-sharp", truth="sharp", n_examples=60, target_lengths=(1, 5), seed=2),
    ], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return emergence.analyze(records, bootstrap=100, seed=0)


@pytest.fixture(scope="module")
def report(analysis, tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    source = folder / "input.csv"
    source.write_text("family,model\n")
    return write_report(analysis, folder / "out", files=[source], settings={"command": "test"}), source


def test_report_folder_contents(report, analysis):
    out, _ = report
    names = sorted(p.name for p in out.iterdir())
    assert names == ["curves.csv", "figures", "report.html", "report.md", "scores.csv", "tasks.csv",
                     "verdicts.csv"]
    tasks = analysis.verdicts.groupby(["family", "task"]).ngroups
    assert tasks == 6  # 2 families x (lengths 1 and 5, multiple choice)
    figures = sorted(p.name for p in (out / "figures").iterdir())
    pages = {overview_name(v) for v in analysis.tasks["verdict"]}  # one overview page per verdict
    assert len(figures) == 2 + len(pages) + tasks  # summary, overview pages, emergence scores, one per task
    assert pages <= set(figures)
    assert "summary.png" in figures
    assert figure_name("toy-sharp", "toy_length_5") in figures
    assert len(pd.read_csv(out / "verdicts.csv")) == len(analysis.verdicts)


def test_tasks_csv_one_row_per_task(report, analysis):
    """tasks.csv: the task table, one row per (family, task), columns TASK_COLUMNS."""
    from emergence.analysis import TASK_COLUMNS

    table = pd.read_csv(report[0] / "tasks.csv")
    assert list(table.columns) == list(TASK_COLUMNS)
    assert len(table) == 6 == len(table.drop_duplicates(["family", "task"]))
    assert set(zip(table["family"], table["task"], strict=True)) == set(
        zip(analysis.verdicts["family"], analysis.verdicts["task"], strict=True))
    assert table["verdict"].tolist() == analysis.tasks["verdict"].tolist()
    assert set(table["verdict"]) <= {"emergent", "mirage", "no emergence", "inconclusive"}


def test_verdicts_csv_pair_columns_first(report):
    from emergence.stats.pairs import PAIR_COLUMNS

    columns = list(pd.read_csv(report[0] / "verdicts.csv").columns)
    assert columns[:len(PAIR_COLUMNS)] == list(PAIR_COLUMNS)
    assert {"state_discontinuous", "p_smooth_anywhere", "jump_smooth_sd"} <= set(columns[len(PAIR_COLUMNS):])


def test_html_is_self_contained(report):
    """No outside resource: every src/href is a data: URI or an in-page anchor."""
    html = (report[0] / "report.html").read_text()
    links = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert links
    assert all(link.startswith(("data:", "#")) for link in links), [x for x in links if x[:5] != "data:"]
    assert "<script src" not in html and "<link" not in html


def test_html_embeds_every_figure_png(report):
    """Each figures/*.png is embedded byte for byte."""
    out = report[0]
    html = (out / "report.html").read_text()
    embedded = [base64.b64decode(d) for d in re.findall(r'src="data:image/png;base64,([^"]+)"', html)]
    on_disk = [p.read_bytes() for p in sorted((out / "figures").iterdir())]
    assert sorted(embedded) == sorted(on_disk)


ORDER = ["emergent", "mirage", "no emergence", "inconclusive"]


def test_html_header_has_version_settings_and_checksums(report, analysis):
    out, source = report
    html = (out / "report.html").read_text()
    assert f"emergence {emergence.__version__}" in html
    assert hashlib.sha256(source.read_bytes()).hexdigest() in html
    assert "bootstrap replicates</th><td>100<" in html
    # the decision settings: jump threshold, BH level and what the intervals cover; no sharp ratio
    th = Thresholds()
    assert f"jump threshold (share of the curve&#x27;s range)</th><td>{th.jump}<" in html
    assert f"BH level α</th><td>{th.alpha}<" in html
    assert f"intervals</th><td>{analysis.settings['uncertainty']}<" in html
    assert "sharp ratio" not in html
    # the answer first: the summary figure, tasks, then the pairs, settings, inputs and figures
    assert (html.index('<figure id="fig-summary"') < html.index("<h2>Tasks") < html.index("<h2>Metric pairs")
            < html.index("<h2>Settings") < html.index("<h2>Inputs") < html.index('<figure id="fig-overview-'))


def test_html_first_table_is_the_task_table(report, analysis):
    """The first table of the page is the task table: one row per task, grouped by verdict, with the
    primary pair and both jump effects with their intervals."""
    html = (report[0] / "report.html").read_text()
    first = re.search(r"<table[^>]*>", html).group(0)
    assert 'id="tasks"' in first
    table = re.search(r'<table class="sortable" id="tasks">(.*?)</table>', html, re.S).group(1)
    heads = re.findall(r"<th>([^<]*)</th>", table)
    assert heads == ["verdict", "family", "task", "primary pair", "J D [CI]", "J S [CI]", "reason"]
    rows = re.findall(r'<tr data-verdict="[^"]+">(.*?)</tr>', table, re.S)
    assert len(rows) == len(analysis.tasks) == 6
    shown = [re.search(r'<span class="badge [^"]+">([^<]+)</span>', r).group(1) for r in rows]
    ranks = [ORDER.index(v) for v in shown]
    assert ranks == sorted(ranks)
    tasks = analysis.tasks.set_index(["family", "task"])
    for row in rows:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        task = re.sub(r"<[^>]+>", "", cells[2])
        expected = tasks.loc[(cells[1], task)]
        assert cells[3] == f"{expected['discontinuous']} → {expected['smooth']}"
        assert cells[4] == (f"{expected['jump_discontinuous']:.2f} [{expected['jump_discontinuous_lo']:.2f}, "
                            f"{expected['jump_discontinuous_hi']:.2f}]")
        assert cells[5] == (f"{expected['jump_smooth']:.2f} [{expected['jump_smooth_lo']:.2f}, "
                            f"{expected['jump_smooth_hi']:.2f}]")


def test_html_tasks_filter_by_verdict_and_open_their_evidence(report, analysis):
    """Issue 15: the task table is filterable by verdict (a checkbox per verdict, with its count),
    each row's reason opens the task's pairs and links its figure, and the long table of every
    metric pair is collapsed."""
    html = (report[0] / "report.html").read_text()
    counts = analysis.tasks["verdict"].value_counts()
    for verdict in ORDER:
        assert f'data-verdict="{verdict}"> {verdict} ({counts.get(verdict, 0)})</label>' in html
    table = re.search(r'<table class="sortable" id="tasks">(.*?)</table>', html, re.S).group(1)
    for (family, task), mine in analysis.verdicts.groupby(["family", "task"]):
        row = next(r for r in re.findall(r"<tr data-verdict=[^>]+>(.*?)</tr>", table, re.S)
                   if f"<td>{family}</td>" in r and f">{task}<" in r)
        evidence = re.search(r"<details><summary>.*?</summary><ul>(.*?)</ul>(.*?)</details>", row, re.S)
        assert evidence.group(1).count("<li>") == len(mine)
        assert "the task's figure</a>" in evidence.group(2)
    assert re.search(r'<details class="pairs"><summary><h2>Metric pairs \(\d+\)</h2></summary>', html)


def test_report_lists_the_runs_warnings(analysis, tmp_path):
    """Issue 15: warnings (a filter chosen, copies of a metric dropped) were only on stderr."""
    out = write_report(analysis, tmp_path / "r", figures=False, notes=["kept 'strict-match' <b>"])
    html, md = (out / "report.html").read_text(), (out / "report.md").read_text()
    assert "<h2>Warnings</h2>" in html and "<li>kept &#x27;strict-match&#x27; &lt;b&gt;</li>" in html
    assert "## Warnings" in md and "- kept 'strict-match' &lt;b&gt;" in md
    quiet = write_report(analysis, tmp_path / "q", figures=False)
    assert "Warnings" not in (quiet / "report.html").read_text()


def test_html_verdict_table_grouped(report, analysis):
    """One row per metric pair, grouped in the order emergent, mirage, no emergence, inconclusive."""
    html = (report[0] / "report.html").read_text()
    table = re.search(r'<table class="sortable" id="verdicts">(.*?)</table>', html, re.S).group(1)
    shown = re.findall(r'<tr><td><span class="badge [^"]+">([^<]+)</span>', table)
    assert len(shown) == len(analysis.verdicts)
    ranks = [ORDER.index(v) for v in shown]
    assert ranks == sorted(ranks)


def test_markdown_report(report, analysis):
    """report.md: the task table first (one row per task), then one row per pair; counts of tasks."""
    md = (report[0] / "report.md").read_text()
    lines = md.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("|"))
    assert lines[first] == "| verdict | family | task | primary pair | J D [CI] | J S [CI] | reason |"
    pairs = lines.index("## Metric pairs")
    assert first < pairs < lines.index("## Settings")

    def verdict_rows(part):
        return [line for line in part if line.startswith("| ") and line.split(" | ")[0][2:] in ORDER]

    assert len(verdict_rows(lines[first:pairs])) == len(analysis.tasks)
    assert len(verdict_rows(lines[pairs:lines.index("## Settings")])) == len(analysis.verdicts)
    counts = analysis.tasks["verdict"].value_counts()
    for name in ORDER:
        n = int(counts.get(name, 0))
        assert f"- **{name}** ({n} task{'s' * (n != 1)}): " in md
    assert "J: jump effect" in md and f"exceeds {Thresholds().jump:g} and" in md
    assert "- `tasks.csv`: one row per (family, task)" in md
    images = re.findall(r"\]\((figures/[^)]+)\)", md)
    assert all((report[0] / image).is_file() for image in images) and images


def test_input_files_checksums(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"abc")
    (listed, hub) = input_files([path, "hf://org/name"])
    assert listed.size == 3
    # sha256("abc"), FIPS 180-2 test vector
    assert listed.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert hub.sha256 is None and hub.path == "hf://org/name"


def test_write_report_uses_the_hashes_given_for_the_same_files_only(analysis, tmp_path):
    """``hashed`` (what the command line hashed while reading) is listed when it names the files
    in their order; any other list is ignored and the files are hashed here."""
    path = tmp_path / "a.csv"
    path.write_bytes(b"abc")
    given = [InputFile(str(path), 3, "f" * 64)]
    out = write_report(analysis, tmp_path / "r1", files=[path], figures=False, hashed=given)
    assert "f" * 64 in (out / "report.md").read_text()
    other = [InputFile(str(tmp_path / "b.csv"), 3, "e" * 64)]
    out = write_report(analysis, tmp_path / "r2", files=[path], figures=False, hashed=other)
    md = (out / "report.md").read_text()
    assert "e" * 64 not in md and "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" in md


def test_write_report_without_figures(analysis, tmp_path):
    out = write_report(analysis, tmp_path / "r", figures=False)
    assert not (out / "figures").exists()
    assert "<figure" not in (out / "report.html").read_text()
    assert "Figures were not drawn (--no-figures)." in (out / "report.md").read_text()


def _scores(rows):
    return pd.DataFrame([{"family": f, "model": f"m{p:g}", "params": p, "task": t, "metric": m,
                          "value": v, "stderr": 0.01, "n": 500}
                         for f, t, m, values in rows for p, v in zip((1e8, 1e9, 1e10, 1e11), values,
                                                                       strict=True)])


def _analyze(scores):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return emergence.analyze(scores=scores, bootstrap=100, seed=0)


def test_figure_names_of_similar_tasks_differ():
    """'a/b' and 'a-b' have one slug; their figures must not overwrite each other."""
    assert figure_name("f", "a/b") != figure_name("f", "a-b")
    assert figure_name("f", "a/b").startswith("task-f--a-b-") and figure_name("f", "a/b").endswith(".png")
    values = (0.01, 0.02, 0.3, 0.9)
    analysis = _analyze(_scores([("f", "a/b", "exact_match", values), ("f", "a-b", "exact_match", values)]))
    figures = draw_figures(analysis)
    assert set(figures.task_images) == {("f", "a/b"), ("f", "a-b")}
    assert len(set(figures.task_images.values())) == 2


def test_figure_names_are_bounded_in_bytes(tmp_path):
    """Issue 17 item 5: a task of 70 four-byte letters made a figure name of 300+ bytes (the limit
    is 255) and lost the whole report. Names are cut in bytes, stay distinct, and the report is
    written."""
    letter = "\U0001d400"  # MATHEMATICAL BOLD CAPITAL A: a letter of 4 bytes in UTF-8
    long_a, long_b = letter * 70, letter * 70 + "b"  # same first 80 bytes
    for task in (long_a, long_b, "é" * 300):
        name = figure_name("f", task)
        assert len(name.encode("utf-8")) <= 100
        assert name.startswith("task-f--" + letter if task != "é" * 300 else "task-f--é")
    assert figure_name("f", long_a) != figure_name("f", long_b)
    values = (0.01, 0.02, 0.3, 0.9)
    analysis = _analyze(_scores([("f", long_a, "exact_match", values), ("f", long_b, "exact_match", values)]))
    out = write_report(analysis, tmp_path / "r")
    names = {p.name for p in (out / "figures").iterdir()}
    assert {figure_name("f", long_a), figure_name("f", long_b)} <= names


def test_dollar_in_names_is_drawn_as_text(tmp_path):
    """A '$' in a family or task name is text, not mathtext (one '$' used to stop the report)."""
    values = (0.01, 0.02, 0.3, 0.9)
    logprob = (-9.0, -6.0, -3.0, -0.5)
    analysis = _analyze(_scores([("fam$1", "cost $5", "exact_match", values),
                                 ("fam$1", "cost $5", "target_logprob", logprob)]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no figure left out
        out = write_report(analysis, tmp_path / "r")
    names = [p.name for p in (out / "figures").iterdir()]
    assert figure_name("fam$1", "cost $5") in names
    from emergence import plots

    fig = plots.plot_task(analysis.scores, family="fam$1", task="cost $5")
    assert fig._suptitle.get_text() == r"fam\$1 / cost \$5"


def test_a_figure_that_fails_is_left_out_with_a_warning(analysis, tmp_path, monkeypatch):
    from emergence import plots

    def broken(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(plots, "plot_overview", broken)
    with pytest.warns(emergence.EmergenceWarning, match="overview-emergent.png could not be drawn"):
        out = write_report(analysis, tmp_path / "r")
    assert not list((out / "figures").glob("overview*.png"))
    text = (out / "report.md").read_text()
    assert "Figure overview-emergent.png could not be drawn: ValueError: boom" in text
    assert (out / "figures" / "summary.png").exists()  # the rest of the report is still written


def test_tasks_without_a_pair_get_figures(tmp_path):
    """Scores with accuracy only: no verdict, but each task is still drawn against scale."""
    analysis = _analyze(_scores([("f", "t1", "acc", (0.25, 0.3, 0.4, 0.7)),
                                 ("f", "t2", "acc", (0.2, 0.25, 0.3, 0.35))]))
    assert analysis.verdicts.empty
    out = write_report(analysis, tmp_path / "r")
    figures = sorted(p.name for p in (out / "figures").iterdir())
    assert figures == sorted(["emergence_scores.png", figure_name("f", "t1"), figure_name("f", "t2")])
    md = (out / "report.md").read_text()
    assert "No discontinuous/smooth metric pair to judge" in md
    assert "from the reported standard errors" not in md  # no verdict table, no note
    assert "## Metric pairs" not in md
    assert pd.read_csv(out / "tasks.csv").empty


def test_markdown_escapes_names():
    from emergence.report import _md

    assert _md("a|b [x](y) <b>&") == r"a\|b \[x\](y) &lt;b&gt;&amp;"


def test_write_report_refuses_non_empty(analysis, tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "keep.txt").write_text("x")
    with pytest.raises(emergence.EmergenceError, match="not empty"):
        write_report(analysis, tmp_path / "r", figures=False)


def _browser_check():
    spec = importlib.util.spec_from_file_location("check_report_html",
                                                  ROOT / "analyses" / "check_report_html.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def test_report_renders_in_headless_chromium(report, analysis):
    """Chromium loads the page: every image decodes, the table is there, no script or console error."""
    check = _browser_check()
    if check.find_chromium() is None:
        pytest.skip("Chromium is not installed (apt-get install chromium) ")
    seen = check.check_page(report[0] / "report.html")
    assert seen.ok
    assert seen.images == len(list((report[0] / "figures").iterdir()))
    assert seen.images_loaded == seen.images
    assert seen.verdict_rows == len(analysis.verdicts)
    assert seen.page_errors == "" and seen.console_errors == []


def test_interval_source_names_each_kind_of_input():
    """Records get a paired bootstrap, aggregate scores normal draws from their stderrs; a run with
    both says both."""
    from types import SimpleNamespace

    from emergence.report import interval_source

    def source(flags):
        return interval_source(SimpleNamespace(scores=pd.DataFrame({"per_example": flags})))

    assert source([True, True]) == "a paired bootstrap over examples"
    assert source([False]) == "normal draws from the reported standard errors"
    assert source([True, False]) == ("a paired bootstrap over examples (records) and normal draws from "
                                     "the reported standard errors (aggregate scores)")


def test_figures_are_compact_pngs(report):
    """Issue 15, measured: report.html was 11 MB for the bundled benchmarks. Figures are 80-dpi PNGs
    quantized to a 64-colour palette (that report: 2.06 MB; 42 simulated tasks: 2.43 MB); each one
    here stays under 80 KB."""
    from PIL import Image

    from emergence.report.figures import COLOURS, DPI

    assert (DPI, COLOURS) == (80, 64)
    for path in (report[0] / "figures").iterdir():
        assert path.stat().st_size < 80_000, path.name
        image = Image.open(path)
        assert image.mode == "P" and len(image.getcolors()) <= COLOURS


def test_summary_points_place_rule_5_tasks_at_the_prediction_and_name_shared_tasks():
    """Issue 15 review: toy-sharp/toy_length_5 is emergent because the exact match its sequence
    probability predicts jumps (J = 0.45) while its own J is 0.39: drawn at D's own J it sat in the
    'no emergence' region. It is now hollow at the prediction's J. A task name two families share
    carries its family."""
    from emergence.plots.summary import summary_points

    tasks = pd.DataFrame({"family": ["a", "b", "a"], "task": ["t", "t", "u"],
                          "verdict": ["emergent", "no emergence", "mirage"],
                          "discontinuous": "exact_match", "smooth": "target_prob_per_token",
                          "jump_discontinuous": [0.39, 0.1, 0.8], "jump_discontinuous_lo": [0.14, 0.0, 0.6],
                          "jump_discontinuous_hi": [0.62, 0.2, 1.0], "jump_smooth": [0.68, 0.0, -0.05],
                          "jump_smooth_lo": [0.6, -0.1, -0.1], "jump_smooth_hi": [0.7, 0.1, 0.0]})
    verdicts = tasks.drop(columns="verdict").assign(
        role="primary", training=False, state_discontinuous=["unclear", "smooth", "jump"],
        state_predicted=["jump", "smooth", "smooth"], predicted_agrees=[True, False, False],
        jump_predicted=[0.45, np.nan, np.nan], jump_predicted_lo=[0.41, np.nan, np.nan],
        jump_predicted_hi=[0.49, np.nan, np.nan])
    points = summary_points(tasks, verdicts).set_index(["family", "task"])
    assert points.loc[("a", "t"), ["x", "x_lo", "x_hi"]].tolist() == [0.45, 0.41, 0.49]
    assert points["hollow"].tolist() == [True, False, False]
    assert points["label"].tolist() == ["a/t", "b/t", "u"]
    assert summary_points(tasks).loc[0, "x"] == 0.39  # without the pair table: D's own J


def test_summary_figure_places_each_task_by_its_two_jumps(analysis):
    """The summary figure draws one point per judged task at (J of D, J of S), coloured by verdict."""
    import matplotlib.pyplot as plt

    from emergence.plots.summary import VERDICT_COLORS, plot_summary

    tasks = analysis.tasks.dropna(subset=["jump_discontinuous"])
    ax = plot_summary(tasks)
    points = [line for line in ax.get_lines() if line.get_marker() == "o"]
    xs = sorted(x for line in points for x in line.get_xdata())
    assert xs == pytest.approx(sorted(tasks["jump_discontinuous"]))
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    for verdict, count in tasks["verdict"].value_counts().items():
        assert f"{verdict} ({count})" in legend and verdict in VERDICT_COLORS
    plt.close(ax.figure)
