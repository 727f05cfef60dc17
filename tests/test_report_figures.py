"""Tests of the report's figures as issue 13 made them cheaper: the same bytes whether one process or
several draw them, drawn in this process at jobs=1, the pixels matplotlib draws (minor ticks as one
set of marks, no PNG round trip), and the same figure every time."""

import warnings

import numpy as np
import pandas as pd
import pytest

import emergence
from emergence import plots
from emergence.errors import EmergenceError
from emergence.report import draw_figures, write_report


@pytest.fixture(scope="module")
def analysis():
    """One simulated family, 3 tasks (all inconclusive at 40 examples): 6 figures (summary, an
    overview page, emergence scores, 3 tasks)."""
    records = emergence.simulate(family="toy", truth="sharp", n_examples=40, target_lengths=(1, 5), seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return emergence.analyze(records, bootstrap=100, seed=0)


def _files(folder) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_two_processes_write_the_same_bytes_and_report_progress(analysis, tmp_path):
    """Figures drawn by 2 processes are the files drawn in this one, byte for byte, and so are the
    CSVs; progress counts each figure once, up to the total."""
    one = write_report(analysis, tmp_path / "one", max_task_figures=1)  # a figure of each kind
    calls = []
    two = write_report(analysis, tmp_path / "two", max_task_figures=1, jobs=2,
                       progress=lambda done, total: calls.append((done, total)))
    first = _files(one / "figures")
    assert len(first) == 4 and first == _files(two / "figures")
    for name in ("tasks.csv", "verdicts.csv", "curves.csv", "scores.csv"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    assert calls == [(done, 4) for done in range(5)]  # 0: planned


def test_the_tables_and_matplotlib_are_left_out_of_the_collectors_passes_while_figures_are_drawn(
        analysis):
    """While the figures are drawn, what existed before (the tables, and matplotlib, imported first) is
    frozen out of the cycle collector's passes; after, nothing is (issue 13: passes over it took
    0.15-0.36 s each while matplotlib made and dropped its objects)."""
    import gc
    import sys

    seen = []
    draw_figures(analysis, max_task_figures=1, progress=lambda done, total: seen.append(
        (gc.get_freeze_count(), "matplotlib.backends.backend_agg" in sys.modules)))
    assert seen and all(frozen > 1000 and imported for frozen, imported in seen)
    assert gc.get_freeze_count() == 0


def test_processes_are_forked_unless_a_thread_runs_and_draw_the_same_bytes(analysis, monkeypatch):
    """On Linux the drawing processes are forked (no second import of matplotlib); a process with a
    thread running (a Dask client, a notebook) spawns them instead. Both draw the bytes drawn here."""
    import sys
    import threading

    from emergence.report import pool

    methods = []
    real = pool._start_method
    monkeypatch.setattr(pool, "_start_method", lambda: methods.append(real()) or methods[-1])
    here = draw_figures(analysis, max_task_figures=1).images
    alone = threading.active_count() == 1  # pytest itself may run a thread (a timeout plugin's)
    assert draw_figures(analysis, max_task_figures=1, jobs=2).images == here
    stop = threading.Event()
    waiting = threading.Thread(target=stop.wait, daemon=True)
    waiting.start()
    try:
        assert draw_figures(analysis, max_task_figures=1, jobs=2).images == here
    finally:
        stop.set()
        waiting.join()
    assert methods == ["fork" if sys.platform.startswith("linux") and alone else "spawn", "spawn"]


def test_one_job_starts_no_process(analysis, monkeypatch):
    from emergence.report import pool

    def started(*args, **kwargs):
        raise AssertionError("a drawing process was started")

    monkeypatch.setattr(pool, "draw_in_processes", started)
    figures = draw_figures(analysis, max_task_figures=1, jobs=1)
    assert len(figures.images) == 4 and not figures.failed


@pytest.mark.parametrize("jobs", [0, -2, 1.5, True, "2"])
def test_jobs_must_be_an_int_of_at_least_one(analysis, jobs):
    with pytest.raises(EmergenceError, match=r"The 'jobs' parameter must be an int >= 1"):
        draw_figures(analysis, jobs=jobs)


def _pixels(fig) -> np.ndarray:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


def test_render_is_what_savefig_writes(analysis):
    """The report renders on an Agg canvas and quantizes those pixels: the pixels savefig writes
    with the report's text settings (and not without them: they are applied)."""
    import io

    import matplotlib as mpl
    from PIL import Image

    from emergence.report.figures import DPI, TEXT, render

    def figure():
        return plots.plot_task(analysis.scores, family="toy", task="toy_length_5", curves=analysis.curves)

    buffer = io.BytesIO()
    figure().savefig(buffer, format="png", dpi=DPI)
    hinted = np.asarray(Image.open(buffer).convert("RGB"))
    assert not np.array_equal(np.asarray(render(figure())), hinted)
    buffer = io.BytesIO()
    with mpl.rc_context(TEXT):
        figure().savefig(buffer, format="png", dpi=DPI)
    saved = np.asarray(Image.open(buffer).convert("RGB"))
    assert np.array_equal(np.asarray(render(figure())), saved)


def test_emergence_scores_figure_is_the_same_every_time(analysis):
    """The dots' jitter is seeded (seaborn's stripplot drew it from numpy's global generator: the
    figure changed from run to run, and a report with jobs)."""
    def dots():
        ax = plots.plot_emergence_scores(analysis.curves)
        return [c.get_offsets().tolist() for c in ax.collections if len(c.get_offsets())]

    first = dots()  # the global generator moved on meanwhile
    assert first and dots() == first


def test_curve_points_average_each_scale_as_pandas_does():
    """Rows at one scale (seeds, checkpoints) are averaged, NaN values skipped, scales that cannot be
    on a log axis dropped, non-numeric columns left out: what groupby(x).mean(numeric_only=True)
    gave."""
    from emergence.plots.common import _curve_points

    data = pd.DataFrame({"params": [1e6, 1e6, 1e7, np.nan, 0.0, 1e8, 1e7],
                         "value": [0.1, 0.3, np.nan, 0.5, 0.2, 0.4, np.nan],
                         "ci_lo": [0.0, 0.2, 0.1, 0.4, 0.1, 0.3, 0.3],
                         "chance": [None] * 7})
    expected = data.groupby("params", sort=True)[["value", "ci_lo", "chance"]].mean(numeric_only=True)
    expected = expected.reset_index().query("params > 0").reset_index(drop=True)
    scales, means = _curve_points(data, "params")
    pd.testing.assert_frame_equal(pd.DataFrame({"params": scales, **means}), expected)


@pytest.mark.parametrize("values, offset", [([0.1, 0.3, 0.6], False), ([1e-7, 3e-7, 6e-7], True)])
def test_a_title_clears_the_offset_text_of_its_y_axis(values, offset):
    """A title is put at the top of its Axes once (title_place) where the y axis has no offset text;
    where it has one ('1e-7' at the top left), matplotlib still moves a title over it out of its way."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from emergence.plots.common import title_place

    data = pd.DataFrame({"family": "f", "task": "t", "metric": "sequence_prob",
                         "params": [1e8, 1e9, 1e10], "value": values})
    ax = plots.plot_curve(data, metric="sequence_prob", title="a title as wide as the panel " * 2)
    assert title_place(ax) == ({} if offset else {"y": 1.0})
    renderer = FigureCanvasAgg(ax.figure).get_renderer()
    ax.figure.draw(renderer)
    assert bool(ax.yaxis.offsetText.get_text()) == offset
    assert not ax.title.get_window_extent(renderer).overlaps(ax.yaxis.offsetText.get_window_extent(renderer))


def test_the_summary_measures_its_labels_as_the_report_draws_them(two_families):
    """The summary leaves out point labels that would overlap or run out of the axes, measured on the
    laid-out figure: the report builds it at its own resolution, on its text-caching canvas, so the
    labels it keeps are apart and inside where they are drawn (at 80 dpi, not matplotlib's 100)."""
    from emergence.report import figures
    from emergence.report.canvas import TextCanvas

    context, _, _ = figures._plan(two_families, 60)
    fig = figures._summary(context)
    assert fig.dpi == figures.DPI and isinstance(fig.canvas, TextCanvas)
    figures.render(fig)
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    labels = [t.get_window_extent(renderer) for t in ax.texts if t.get_fontsize() == 6.5]
    assert labels  # conftest.two_families: 12 tasks, 6 of them named (the others crowd)
    frame = ax.get_window_extent(renderer)
    assert all(frame.x0 <= box.x0 and box.x1 <= frame.x1 and box.y1 <= frame.y1 for box in labels)
    assert not any(one.overlaps(other) for i, one in enumerate(labels) for other in labels[i + 1:])
