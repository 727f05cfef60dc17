"""Tests of emergence.plots: the data each figure draws (line coordinates, bands, titles), not pixels.

The analysis is of simulated families (emergence.simulate), whose scores the figures must reproduce
exactly: every expected number below is read from ``analysis.scores`` or ``analysis.curves``.
"""

import io
import itertools

import numpy as np
import pandas as pd
import pytest

from emergence import plots
from emergence.errors import EmergenceError


@pytest.fixture
def analysis(two_families):
    return two_families  # conftest.py


def curve_of(analysis, family, task, metric):
    part = analysis.scores[(analysis.scores["family"] == family) & (analysis.scores["task"] == task)
                           & (analysis.scores["metric"] == metric)]
    return part.sort_values("params")


def test_plot_curve_draws_values_band_and_chance(analysis):
    """The line is the scores' values at their params; the band spans ci_lo..ci_hi; chance is 1/4."""
    ax = plots.plot_curve(analysis.scores, family="toy-sharp", task="toy_multiple_choice",
                          metric="multiple_choice_grade")
    expected = curve_of(analysis, "toy-sharp", "toy_multiple_choice", "multiple_choice_grade")
    line = ax.lines[0].get_xydata()
    np.testing.assert_allclose(line[:, 0], expected["params"])
    np.testing.assert_allclose(line[:, 1], expected["value"])
    band = ax.collections[0].get_paths()[0].vertices  # fill_between: along ci_hi one way, ci_lo back
    assert band[:, 1].min() == pytest.approx(expected["ci_lo"].min())
    assert band[:, 1].max() == pytest.approx(expected["ci_hi"].max())
    chance = [ln for ln in ax.lines if ln.get_label().startswith("chance")]
    assert len(chance) == 1 and chance[0].get_ydata()[0] == pytest.approx(0.25)  # simulate: 4 choices
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "parameters (log scale)"
    assert ax.get_ylabel() == "multiple-choice grade (accuracy)"


def test_plot_curve_no_chance_line_for_exact_match(analysis):
    """Exact match has chance 0: no chance line is drawn."""
    ax = plots.plot_curve(analysis.scores, family="toy-sharp", task="toy_length_3", metric="exact_match")
    assert not [ln for ln in ax.lines if ln.get_label().startswith("chance")]


def test_human_scale_ticks(analysis):
    """Tick labels on the params axis read 100M, 1B, 10B, 100B (GPT-3 ladder 125M..175B)."""
    ax = plots.plot_curve(analysis.scores, family="toy-sharp", task="toy_length_3", metric="exact_match")
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    lo, hi = ax.get_xlim()
    visible = [t.get_text() for t in ax.get_xticklabels() if t.get_text() and lo <= t.get_position()[0] <= hi]
    assert {"100M", "1B", "10B", "100B"} <= set(visible), labels


def test_format_scale_axis_narrow_range_labels_minor_ticks():
    """Less than about two decades: 2x and 5x ticks are labelled too (70M..410M gives 100M, 200M)."""
    from matplotlib.figure import Figure

    ax = Figure().subplots()
    ax.plot([7e7, 1.6e8, 4.1e8], [0, 1, 2])
    plots.format_scale_axis(ax, "params")
    ax.figure.canvas.draw()
    labels = {t.get_text() for t in ax.get_xticklabels(minor=True) + ax.get_xticklabels() if t.get_text()}
    assert {"100M", "200M"} <= labels


SMOOTH = ["target_prob_per_token", "token_edit_distance", "target_logprob"]  # DEFAULT_PAIRS' order


def test_plot_task_panels_titles_and_verdicts(analysis):
    """One panel per metric of the pairs, exact match's with the mirage check's prediction; each
    curve's jump effect J [CI] and state in its title, each pair's verdict and S's J where D jumps
    in the smooth panel's title, the task's verdict in the figure title."""
    fig = plots.plot_task(analysis.scores, family="toy-powerlaw", task="toy_length_5",
                          curves=analysis.curves, verdicts=analysis.verdicts, tasks=analysis.tasks)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    titles = [ax.get_title() for ax in axes]
    assert [t.split("\n")[0] for t in titles] == ["exact_match", *SMOOTH]
    curves = analysis.curves.set_index(["family", "task", "metric"])
    for title, metric in zip(titles[:4], ["exact_match", *SMOOTH], strict=True):
        c = curves.loc[("toy-powerlaw", "toy_length_5", metric)]
        jump = f"J = {c['jump']:.2f} [{c['jump_lo']:.2f}, {c['jump_hi']:.2f}]; {c['sharp']}"
        assert title.split("\n")[1] == jump
        assert c["sharp"] in ("jump", "smooth", "unclear", "untested")
    verdicts = analysis.verdicts.set_index(["family", "task", "smooth"])
    for title, smooth in zip(titles[1:4], SMOOTH, strict=True):
        v = verdicts.loc[("toy-powerlaw", "toy_length_5", smooth)]
        assert title.split("\n")[2] == f"vs exact_match: {v['verdict'].upper()}"
        # on one line, or two when it would run past the panel (TITLE_CHARS); "where D jumps" only
        # when D's state is a jump (S is measured at D's largest jump)
        at = ("where exact_match jumps:" if v["state_discontinuous"] == "jump"
              else "at exact_match's largest jump:")
        assert title.split("\n", 3)[3].replace("\n", " ") == (
            f"{at} {plots.jump_text(v['jump_smooth'], v['jump_smooth_lo'], v['jump_smooth_hi'])}")
    assert "ES" not in "".join(titles)
    verdict = analysis.tasks.set_index(["family", "task"]).loc[("toy-powerlaw", "toy_length_5"), "verdict"]
    assert fig._suptitle.get_text() == f"toy-powerlaw / toy_length_5: {verdict.upper()}"
    # without the task table the figure title counts the pair verdicts
    fig = plots.plot_task(analysis.scores, family="toy-powerlaw", task="toy_length_5",
                          curves=analysis.curves, verdicts=analysis.verdicts)
    assert fig._suptitle.get_text().startswith("toy-powerlaw / toy_length_5 — verdicts: 3 ")
    # each panel's line is that metric's values
    for ax, metric in zip(axes[:4], ["exact_match", *SMOOTH], strict=True):
        np.testing.assert_allclose(ax.lines[0].get_ydata(),
                                   curve_of(analysis, "toy-powerlaw", "toy_length_5", metric)["value"])


def test_task_figure_tells_each_band_and_chance_once(analysis):
    """Issue 13: a one-curve panel had a legend repeating its title's metric and the band under
    every panel (a tenth of a figure's time). Such panels have none; the band is told once, under
    the figure; the chance level is written on its line; only exact match's panel, with the mirage
    check's prediction beside the observed curve, keeps a legend (a panel of its own repeated the
    observed curve, and cost a fifth of the figure). The scale's tick labels are on the lowest panel
    of each column."""
    fig = plots.plot_task(analysis.scores, family="toy-sharp", task="toy_multiple_choice",
                          curves=analysis.curves, verdicts=analysis.verdicts, tasks=analysis.tasks)
    axes = fig.axes
    assert [ax.get_legend() for ax in axes] == [None] * len(axes)
    assert fig._supxlabel.get_text() == "Shaded: a curve's 95% bootstrap interval."
    grade = axes[0]
    assert grade.get_title().startswith("multiple_choice_grade")
    assert [t.get_text() for t in grade.texts] == ["chance 0.25"]  # simulate: 4 choices
    fig = plots.plot_task(analysis.scores, family="toy-sharp", task="toy_length_3",
                          curves=analysis.curves, verdicts=analysis.verdicts, tasks=analysis.tasks, level=0.9)
    axes = fig.axes
    assert len(axes) == 4 and axes[0].get_title().startswith("exact_match")
    assert [ax.get_legend() is not None for ax in axes] == [True] + [False] * 3  # the mirage check
    assert [t.get_text() for t in axes[0].get_legend().get_texts()] == [
        "exact_match (observed)", "mean sequence_prob (predicted)"]  # its bands: told under the figure
    np.testing.assert_allclose(axes[0].lines[1].get_ydata(),
                               curve_of(analysis, "toy-sharp", "toy_length_3", "sequence_prob")["value"])
    alone = plots.plot_mirage_check(analysis.scores, family="toy-sharp", task="toy_length_3")
    assert sum("bootstrap interval" in t.get_text() for t in alone.get_legend().get_texts()) == 2
    assert fig._supxlabel.get_text().replace("\n", " ") == (
        "Shaded: a curve's 90% bootstrap interval. Predicted: the exact match a model would score by "
        "sampling its answer (the mirage check).")
    fig.canvas.draw()
    shown = [any(t.get_visible() and t.get_text() for t in ax.get_xticklabels()) for ax in axes]
    assert shown == [False, False, True, True]  # 2 x 2: the first two have a panel below
    assert [bool(ax.get_xlabel()) for ax in axes] == shown


def test_task_figure_keeps_the_scale_labels_of_a_panel_whose_sizes_differ(analysis):
    """Review of issue 13: a panel whose curve spans other sizes than the panel below it (exact match
    kept from 1B up here; checkpoints pooled beside one point per model in real runs) lost its
    scale labels, and read on the other panel's scale. It keeps them; a panel over one of the same
    sizes does not."""
    s = analysis.scores
    s = s[~(s["metric"].isin(["exact_match", "sequence_prob"]) & (s["params"] < 1e9))]  # and its prediction
    fig = plots.plot_task(s, family="toy-sharp", task="toy_length_3", curves=analysis.curves,
                          verdicts=analysis.verdicts, tasks=analysis.tasks)
    fig.canvas.draw()
    axes = fig.axes
    assert axes[0].get_title().startswith("exact_match") and len(axes) == 4
    assert axes[0].get_xlim()[0] > axes[2].get_xlim()[0]  # from 1B: the panel below from 100M
    shown = [any(t.get_visible() and t.get_text() for t in ax.get_xticklabels()) for ax in axes]
    assert shown == [True, False, True, True]
    assert [bool(ax.get_xlabel()) for ax in axes] == shown


def test_plot_mirage_check_lines(analysis):
    """Observed exact match and the mean sequence probability (its smooth predictor) as two lines."""
    ax = plots.plot_mirage_check(analysis.scores, family="toy-powerlaw", task="toy_length_5")
    observed, predicted = (ln for ln in ax.lines if not ln.get_label().startswith("chance"))
    np.testing.assert_allclose(observed.get_ydata(),
                               curve_of(analysis, "toy-powerlaw", "toy_length_5", "exact_match")["value"])
    np.testing.assert_allclose(predicted.get_ydata(),
                               curve_of(analysis, "toy-powerlaw", "toy_length_5", "sequence_prob")["value"])
    assert "predicted" in predicted.get_label()


def test_plot_mirage_check_unknown_metric(analysis):
    with pytest.raises(EmergenceError, match="'discontinuous' parameter must be one of"):
        plots.plot_mirage_check(analysis.scores, discontinuous="bleu")


def test_no_mirage_check_for_multiple_choice(analysis):
    """Multiple choice has no predictor (mean choice_prob is not a predicted accuracy): no panel draws
    one, and plot_mirage_check refuses it."""
    with pytest.raises(EmergenceError, match=r"must be one of \['exact_match'\]"):
        plots.plot_mirage_check(analysis.scores, family="toy-sharp", task="toy_multiple_choice",
                                discontinuous="multiple_choice_grade")
    fig = plots.plot_task(analysis.scores, family="toy-sharp", task="toy_multiple_choice",
                          curves=analysis.curves, verdicts=analysis.verdicts)
    titles = [ax.get_title().split("\n")[0] for ax in fig.axes if ax.get_visible()]
    assert titles == ["multiple_choice_grade", "choice_prob", "brier_score"]
    labels = [ln.get_label() for ax in fig.axes for ln in ax.lines]
    assert not any("predicted" in label for label in labels)


def test_jump_text():
    assert plots.jump_text(0.6812, 0.6101, 0.7433, "jump") == "J = 0.68 [0.61, 0.74]; jump"
    assert plots.jump_text(0.2, np.nan, np.nan, "untested") == "J = 0.20 (no interval); untested"
    assert plots.jump_text(np.nan) == "J = nan"


def test_overview_data_is_relative_on_reported_scale(analysis):
    """Each overview line runs 0..1: the task's primary pair, each metric as reported, oriented so
    higher is better and rescaled (min -> 0, max -> 1)."""
    lines = plots.overview_data(analysis.scores, analysis.tasks)
    assert set(zip(lines["family"], lines["task"], strict=True)) == set(
        zip(analysis.tasks["family"], analysis.tasks["task"], strict=True))
    for _, line in lines.groupby(["family", "task", "role"]):
        assert line["relative"].min() == pytest.approx(0) and line["relative"].max() == pytest.approx(1)
    mine = lines[(lines["family"] == "toy-powerlaw") & (lines["task"] == "toy_length_5")]
    verdict = analysis.tasks.set_index(["family", "task"]).loc[("toy-powerlaw", "toy_length_5"), "verdict"]
    assert set(mine["verdict"]) == {verdict}
    smooth = mine[mine["role"] == "smooth"]
    assert smooth["metric"].iloc[0] == "target_prob_per_token"
    raw = curve_of(analysis, "toy-powerlaw", "toy_length_5", "target_prob_per_token")["value"].to_numpy()
    np.testing.assert_allclose(smooth["relative"], (raw - raw.min()) / (raw.max() - raw.min()))
    # a lower-is-better partner is turned over: its best (smallest) value is 1
    pair = analysis.verdicts[(analysis.verdicts["task"] == "toy_length_5")
                             & (analysis.verdicts["smooth"] == "token_edit_distance")]
    edit = plots.overview_data(analysis.scores, pair)
    edit = edit[(edit["role"] == "smooth") & (edit["family"] == "toy-powerlaw")]
    raw = curve_of(analysis, "toy-powerlaw", "toy_length_5", "token_edit_distance")["value"].to_numpy()
    np.testing.assert_allclose(edit["relative"], (raw.max() - raw) / (raw.max() - raw.min()))


def test_plot_overview_panels(analysis):
    """One panel per task, its verdict and the discontinuous metric's J [CI] in the title."""
    fig = plots.plot_overview(analysis.scores, verdicts=analysis.tasks)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) == len(analysis.tasks)
    assert all(len(ax.lines) == 2 for ax in shown)
    order = ["emergent", "mirage", "no emergence", "inconclusive"]
    verdicts = [ax.get_title().split("\n")[-1].split(";")[0] for ax in shown]
    assert [order.index(v) for v in verdicts] == sorted(order.index(v) for v in verdicts)
    row = analysis.tasks.set_index(["family", "task"]).loc[("toy-powerlaw", "toy_length_5")]
    panel = next(ax for ax in shown if ax.get_title().startswith("toy-powerlaw / toy_length_5"))
    assert panel.get_title().split("\n")[-1] == (
        f"{row['verdict']}; J = {row['jump_discontinuous']:.2f} [{row['jump_discontinuous_lo']:.2f}, "
        f"{row['jump_discontinuous_hi']:.2f}]")
    # under each panel (issue 15: legends inside covered curves), each metric with its own values at
    # the smallest and largest scale; no legend over the data
    lines = plots.overview_data(analysis.scores, analysis.tasks)
    em = lines[(lines["family"] == "toy-powerlaw") & (lines["task"] == "toy_length_5")
               & (lines["role"] == "discontinuous")].sort_values("params")["value"]
    panel = next(ax for ax in shown if ax.get_title().startswith("toy-powerlaw / toy_length_5"))
    assert panel.get_legend() is None
    labels = panel.get_xlabel().split("\n")
    assert labels[0] == f"D: exact_match ({em.iloc[0]:.3g} \N{RIGHTWARDS ARROW} {em.iloc[-1]:.3g})"
    assert labels[1].startswith("S: target_prob_per_token")


@pytest.mark.parametrize("flat", ["none", "one task", "all"])
def test_plot_overview_panels_have_the_y_range_a_shared_axis_gives(analysis, flat):
    """Every panel gets the y limits matplotlib's sharey gives the same lines (the reference: a
    figure of shared Axes drawing the same data), y tick labels on the first column only, and the
    panels are not linked. ``flat``: the curves of one task, or of all, flat (relative values all
    0): that panel alone would get a narrow range around 0; all flat, matplotlib widens the zero
    range and every panel must widen it alike."""
    scores = analysis.scores.copy()
    if flat != "none":
        rows = (scores["task"] == "toy_length_3") if flat == "one task" else slice(None)
        scores.loc[rows, "value"] = 0.5
    fig = plots.plot_overview(scores, verdicts=analysis.tasks)
    from matplotlib.figure import Figure
    reference = Figure().subplots(1, len(fig.axes), sharey=True)
    for ax, own in zip(reference, fig.axes, strict=True):
        for line in own.lines:
            ax.plot(*line.get_data())
    expected = reference[0].get_ylim()
    assert all(ax.get_ylim() == expected for ax in fig.axes)
    assert (expected[0] < 0 < expected[1]) if flat == "all" else expected == pytest.approx((-0.05, 1.05))
    shown = [ax.yaxis.get_major_ticks()[0].label1.get_visible() for ax in fig.axes]
    assert shown == [i % 4 == 0 for i in range(len(fig.axes))]
    fig.axes[1].set_ylim(0, 2)
    assert fig.axes[0].get_ylim() == expected


def test_overview_pages_group_by_verdict_and_paginate():
    """Pages follow VERDICT_ORDER, keep the table's order within a verdict, and hold <= per_page panels."""
    verdicts = pd.DataFrame({"family": "f", "task": [f"t{i}" for i in range(7)],
                             "verdict": ["no emergence", "emergent", "no emergence", "mirage",
                                         "no emergence", "inconclusive", "no emergence"]})
    pages = plots.overview_pages(verdicts, per_page=3)
    assert [(v, p, [t for _, t in keys]) for v, p, keys in pages] == [
        ("emergent", 1, ["t1"]), ("mirage", 1, ["t3"]), ("no emergence", 1, ["t0", "t2", "t4"]),
        ("no emergence", 2, ["t6"]), ("inconclusive", 1, ["t5"])]
    with pytest.raises(ValueError, match="per_page must be at least 1"):
        plots.overview_pages(verdicts, per_page=0)
    # by default three rows of four: 30 tasks of one verdict make pages of 12, 12 and 6
    many = pd.DataFrame({"family": "f", "task": [f"t{i}" for i in range(30)], "verdict": "emergent"})
    assert [(p, len(keys)) for _, p, keys in plots.overview_pages(many)] == [(1, 12), (2, 12), (3, 6)]


def test_plot_overview_draws_the_panels_asked_for(analysis):
    keys = [tuple(k) for k in analysis.tasks[["family", "task"]].to_numpy()[:2]]
    fig = plots.plot_overview(analysis.scores, verdicts=analysis.tasks, panels=keys, title="page")
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert len(titles) == 2
    assert all(t.startswith(f"{f} / {k}") for t, (f, k) in zip(titles, keys, strict=True))
    assert fig._suptitle.get_text() == "page"


def test_plot_overview_limits_panels(analysis):
    fig = plots.plot_overview(analysis.scores, verdicts=analysis.verdicts, max_panels=3)
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 3
    assert "more not shown" in fig._suptitle.get_text()


def test_plot_overview_with_pair_table_counts_verdicts(analysis):
    """Given the pair table instead, a panel per task shows its first pair, counts pair verdicts and
    gives that pair's J of the discontinuous metric."""
    fig = plots.plot_overview(analysis.scores, verdicts=analysis.verdicts)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) == analysis.verdicts.groupby(["family", "task"]).ngroups
    mine = analysis.verdicts[(analysis.verdicts["family"] == "toy-powerlaw")
                             & (analysis.verdicts["task"] == "toy_length_5")]
    panel = next(ax for ax in shown if ax.get_title().startswith("toy-powerlaw / toy_length_5"))
    counts = mine["verdict"].value_counts()
    first = mine.iloc[0]
    assert panel.get_title().split("\n")[-1] == ", ".join(
        f"{counts[v]} {v}" for v in plots.VERDICT_ORDER if v in counts) + (
        f"; J = {first['jump_discontinuous']:.2f} [{first['jump_discontinuous_lo']:.2f}, "
        f"{first['jump_discontinuous_hi']:.2f}]")


def test_emergence_score_data_caps_infinity():
    """The analysis has no infinite score any more; a table from elsewhere may, harmlessly."""
    curves = pd.DataFrame({"family": "f", "task": ["a", "b", "c"], "metric": "exact_match",
                           "emergence_score": [5.0, np.inf, 20.0]})
    points = plots.emergence_score_data(curves)
    assert points["infinite"].tolist() == [False, True, False]
    assert points["plotted"].tolist() == [5.0, 40.0, 20.0]  # inf drawn at twice the largest finite
    assert points["floored"].tolist() == [False, False, False]  # no es_floored column
    plots.plot_emergence_scores(curves).figure.savefig(io.BytesIO(), format="png")


def test_emergence_scores_draw_each_ladders_straight_line():
    """Issue 15: one dashed 'straight line (8.4)' was the median of two families' lines, no family's.
    Each distinct ladder now gets its own line, labelled with its families; many get a shaded range."""
    curves = pd.DataFrame({"family": ["a", "a", "b", "c"], "task": "t", "metric": ["m", "n", "m", "m"],
                           "emergence_score": [5.0, 20.0, 7.0, 9.0], "es_floored": False,
                           "straight_line_es": [7.4, 7.4, 9.34, 9.34]})
    labels = plots.plot_emergence_scores(curves).get_legend_handles_labels()[1]
    assert labels == ["straight line, a (7.4)", "straight line, b, c (9.3)"]
    one = curves.assign(straight_line_es=9.34)
    assert plots.plot_emergence_scores(one).get_legend_handles_labels()[1] == [
        "straight line at these scales (9.3)"]
    many = pd.DataFrame({"family": list("abcdef"), "task": "t", "metric": "m", "emergence_score": 5.0,
                         "es_floored": False, "straight_line_es": [3.0, 4.0, 5.0, 6.0, 7.0, 8.0]})
    assert plots.plot_emergence_scores(many).get_legend_handles_labels()[1] == [
        "straight lines on the 6 ladders (3.0\N{EN DASH}8.0)"]


def test_plot_emergence_scores_points(analysis):
    """Every score is a dot (all finite); floored ones ringed on the row's centre; one row per metric."""
    assert np.isfinite(analysis.curves["emergence_score"]).all()
    ax = plots.plot_emergence_scores(analysis.curves)
    data = plots.emergence_score_data(analysis.curves)
    assert not data["infinite"].any()
    assert data["floored"].tolist() == analysis.curves["es_floored"].tolist()
    assert data["floored"].any()  # exact match at 0 for the small models: the noise floor sets it
    dots = np.concatenate([c.get_offsets()[:, 0] for c in ax.collections
                           if len(c.get_offsets()) and c.get_label().startswith("_")])
    np.testing.assert_allclose(np.sort(dots)[-int((~data["floored"]).sum()):],
                               np.sort(data.loc[~data["floored"], "plotted"].dropna()))
    (ringed,) = [c for c in ax.collections if c.get_label() == "denominator floored at the noise of a step"]
    np.testing.assert_allclose(np.sort(ringed.get_offsets()[:, 0]),
                               np.sort(data.loc[data["floored"], "plotted"]))
    assert len(ax.get_yticklabels()) == data["metric"].nunique()
    assert ax.get_xscale() == "log"
    assert "each metric as reported" in ax.get_title()


def test_plots_do_not_modify_input(analysis):
    before = analysis.scores.copy()
    plots.plot_task(analysis.scores, family="toy-sharp", task="toy_length_2", curves=analysis.curves,
                    verdicts=analysis.verdicts)
    plots.plot_overview(analysis.scores, verdicts=analysis.verdicts)
    pd.testing.assert_frame_equal(analysis.scores, before)


def test_plot_task_unknown_task(analysis):
    with pytest.raises(EmergenceError, match="no rows for family='toy-sharp', task='nope'"):
        plots.plot_task(analysis.scores, family="toy-sharp", task="nope")


def test_checkpoints_on_compute_axis_one_line_per_model():
    """With x=compute, each model's checkpoints are its own line (not one zig-zag through sizes)."""
    rows = []
    for params in (1e8, 1e9):
        for tokens in (1e9, 1e10, 1e11):
            rows.append({"family": "f", "model": f"m{params:.0e}", "params": params, "tokens": tokens,
                         "compute": 6 * params * tokens, "task": "t", "metric": "acc",
                         "kind": "discontinuous", "value": np.log10(tokens) / 20})
    data = pd.DataFrame(rows)
    ax = plots.plot_curve(data, metric="acc", x="compute")
    assert len(ax.lines) == 2
    for line, params in zip(ax.lines, (1e8, 1e9), strict=True):
        np.testing.assert_allclose(line.get_xdata(), 6 * params * np.array([1e9, 1e10, 1e11]))


def test_overview_on_compute_axis_draws_one_line_per_model():
    """Checkpoints of two sizes on x=compute: each model's own points, not one zig-zag through sizes."""
    rows = []
    for params in (1e8, 1e9):
        for tokens in (1e9, 1e10, 1e11):
            acc = 0.9 if params * tokens >= 1e19 else 0.0
            for metric, kind, value in (("exact_match", "discontinuous", acc),
                                        ("target_logprob", "smooth", -10 / np.log10(params * tokens))):
                rows.append({"family": "f", "model": f"m{params:.0e}", "params": params, "tokens": tokens,
                             "compute": 6 * params * tokens, "task": "t", "metric": metric, "kind": kind,
                             "value": value})
    data = pd.DataFrame(rows)
    verdicts = pd.DataFrame({"family": ["f"], "task": ["t"], "discontinuous": ["exact_match"],
                             "smooth": ["target_logprob"], "verdict": ["mirage"]})
    lines = plots.overview_data(data, verdicts, x="compute")
    assert sorted(lines["model"].unique()) == ["m1e+08", "m1e+09"]
    own = lines[(lines["model"] == "m1e+08") & (lines["role"] == "discontinuous")]
    np.testing.assert_allclose(own["compute"], 6e8 * np.array([1e9, 1e10, 1e11]))
    fig = plots.plot_overview(data, verdicts=verdicts, x="compute")
    assert len(fig.axes[0].lines) == 4  # 2 models x (discontinuous, smooth)


def test_plot_curve_refuses_several_curves(analysis):
    """Without family/task the rows of many curves would be averaged into one meaningless line."""
    with pytest.raises(EmergenceError, match=r"several \(family, task\) pairs.*pass family= and task="):
        plots.plot_curve(analysis.scores, metric="exact_match")


def test_plot_curve_warns_when_models_share_a_scale():
    data = pd.DataFrame({"family": "f", "task": "t", "metric": "acc", "model": ["a", "b", "c"],
                         "params": [1e8, 1e9, 1e10], "tokens": [3e11] * 3, "value": [0.1, 0.2, 0.3]})
    with pytest.warns(UserWarning, match="shared by several models.*averaged"):
        ax = plots.plot_curve(data, metric="acc", x="tokens")
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.2])


def test_dollar_in_names_is_text():
    """A single '$' would start mathtext and fail when the figure is drawn."""
    data = pd.DataFrame({"family": "f", "task": "t", "metric": "price_$", "model": ["a", "b"],
                         "params": [1e8, 1e9], "value": [0.1, 0.2]})
    ax = plots.plot_curve(data, metric="price_$", label="cost $5")
    assert ax.get_ylabel() == r"price_\$"
    assert ax.lines[0].get_label() == r"cost \$5"
    ax.figure.savefig(io.BytesIO(), format="png")  # would raise on unescaped '$'


def test_log_perplexity_is_not_labelled_per_token():
    """Issue 15, measured: LAMBADA's log ppl was labelled "nats per token"; lm-eval averages it per
    target word there. The label no longer claims a unit the source may not use."""
    from emergence.plots import metric_label

    assert "per token" not in metric_label("log_ppl") and "nats" in metric_label("log_ppl")


def test_task_figure_titles_stay_inside_the_figure():
    """Issue 15: a right-panel title was clipped ("checkpoints p..."). With a long metric name, a long
    family and task, and checkpoints pooled, every title line is wrapped to its panel and the
    rendered titles lie within the figure."""
    rng = np.random.default_rng(0)
    long_metric = "exact_match_after_answer_extraction_with_a_long_name"
    rows = []
    for size, params in (("s", 1e7), ("m", 1e8), ("l", 1e9)):
        for step in (1000, 10000, 100000):
            for metric, kind in ((long_metric, "discontinuous"), ("target_prob_per_token", "smooth")):
                rows.append({"family": "a-family-with-a-rather-long-name", "model": size, "params": params,
                             "step": step, "tokens": step * 2e6, "compute": 6 * params * step * 2e6,
                             "task": "a_task_whose_name_goes_on_and_on_and_on", "metric": metric,
                             "kind": kind, "higher_is_better": True, "value": rng.uniform(),
                             "ci_lo": np.nan, "ci_hi": np.nan})
    data = pd.DataFrame(rows)
    curves = pd.DataFrame({"family": data["family"].iloc[0], "task": data["task"].iloc[0],
                           "metric": [long_metric, "target_prob_per_token"], "jump": [-0.123, 0.456],
                           "jump_lo": [-0.456, 0.123], "jump_hi": [0.789, 0.987], "sharp": "unclear"})
    verdicts = pd.DataFrame({"family": data["family"].iloc[0], "task": data["task"].iloc[0],
                             "discontinuous": [long_metric], "smooth": ["target_prob_per_token"],
                             "verdict": ["inconclusive"], "jump_smooth": [0.301], "jump_smooth_lo": [-0.04],
                             "jump_smooth_hi": [0.58]})
    fig = plots.plot_task(data, family=data["family"].iloc[0], task=data["task"].iloc[0], x="compute",
                          curves=curves, verdicts=verdicts, pairs={long_metric: ("target_prob_per_token",)})
    fig.canvas.draw()
    box = fig.bbox
    titles = [ax.title for ax in fig.axes if ax.get_visible()] + [fig._suptitle]
    assert any("checkpoints pooled" in t.get_text() for t in titles)
    assert all(ax.get_legend() is not None for ax in fig.axes)  # one line per model: a legend says so
    assert any("largest jump:\nJ = 0.30 [-0.04, 0.58]" in t.get_text() for t in titles)
    for text in titles:
        extent = text.get_window_extent()
        assert box.x0 - 1 <= extent.x0 and extent.x1 <= box.x1 + 1, text.get_text()
    panels = [ax.title.get_window_extent() for ax in fig.axes if ax.get_visible()]
    for left, right in itertools.pairwise(panels):  # side by side, never over each other
        assert left.x1 <= right.x0 or left.y1 <= right.y0 or right.y1 <= left.y0


def test_narrow_compute_axis_has_short_tick_labels_that_do_not_overlap():
    """Issue 15: on a compute range within a decade (2.1e21..2.5e21, Pythia's intervention runs)
    every minor tick got a long '2.1 x 10^21' label and they ran into each other."""
    from matplotlib.figure import Figure

    ax = Figure(figsize=(3.3, 3.0)).subplots()
    ax.plot([2.1e21, 2.3e21, 2.5e21], [0.1, 0.5, 0.9])
    plots.format_scale_axis(ax, "compute")
    ax.figure.canvas.draw()
    labels = [t for t in ax.get_xticklabels() if t.get_text() and t.get_visible()]
    boxes = sorted((t.get_window_extent() for t in labels), key=lambda b: b.x0)
    assert len(boxes) >= 2 and all(a.x1 <= b.x0 for a, b in itertools.pairwise(boxes))
    assert all("e21" in t.get_text() for t in labels)


def test_band_legend_only_for_visible_bands_and_one_per_band():
    """Issue 15 review: a zero-width interval drew no band yet listed '95% bootstrap interval'; the
    mirage check's second (predicted) band had no legend entry."""
    from matplotlib.figure import Figure

    base = {"family": "f", "task": "t", "params": [1e6, 1e7, 1e8], "kind": "smooth", "higher_is_better": True}
    flat = pd.DataFrame({**base, "model": ["a", "b", "c"], "metric": "m", "value": [0.1, 0.2, 0.3]})
    flat["ci_lo"] = flat["ci_hi"] = flat["value"]
    ax = Figure().subplots()
    plots.plot_curve(flat, metric="m", ax=ax)
    assert not any("interval" in name for name in ax.get_legend_handles_labels()[1])
    wide = flat.assign(ci_lo=flat["value"] - 0.05, ci_hi=flat["value"] + 0.05)
    other = wide.assign(metric="n")
    ax = Figure().subplots()
    plots.plot_curve(wide, metric="m", ax=ax)
    plots.plot_curve(other, metric="n", ax=ax)
    names = ax.get_legend_handles_labels()[1]
    assert "95% bootstrap interval" in names and "95% bootstrap interval (n)" in names


def test_no_negative_zero_in_jump_texts():
    """Issue 15 review: titles and the terminal read 'J = -0.00'."""
    from emergence.stats.decide import interval_text

    assert plots.jump_text(-0.001, -0.2, -0.0004) == "J = 0.00 [-0.20, 0.00]"
    assert interval_text(-0.004, -0.05, 0.0) == "0.00 [-0.05, 0.00]"
