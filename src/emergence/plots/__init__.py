"""Figures: the pictures a researcher would draw by hand, from the tidy tables of an analysis.

Every function takes the data first (the ``scores`` or ``curves`` table of :func:`emergence.analyze`)
and the roles of its columns by keyword, never modifies it, and returns the matplotlib
:class:`~matplotlib.figure.Figure` (or the :class:`~matplotlib.axes.Axes` it drew on, when given one).
Figures are built without pyplot, so they work headless and are not kept alive by a global registry;
in a notebook they display like any figure.

- :func:`plot_task`: one (family, task): each discontinuous metric and its smooth partners side by side
  against scale, with bootstrap interval bands, the chance level, each curve's jump effect and the
  verdict in the titles; exact match's panel also shows the exact match its sequence probability
  predicts (the mirage check);
- :func:`plot_curve`: one metric's curve on an Axes (the building block);
- :func:`plot_mirage_check`: observed exact match against the exact match its smooth per-example
  quantity implies (the mean sequence probability);
- :func:`plot_overview`: a grid of many tasks, each task's primary pair on a common relative scale
  (:func:`overview_pages` groups the tasks by verdict, 12 to a page);
- :func:`plot_emergence_scores`: the distribution of emergence scores per metric across curves (the
  form of Schaeffer, Miranda & Koyejo 2023, Fig. 5);
- :func:`plot_summary`: one point per task, the jump of D against that of S, coloured by verdict.

The package is split by figure: :mod:`~emergence.plots.common` (labels, colours, the scale axis,
with :mod:`~emergence.plots.minor_ticks` drawing a log axis's minor ticks in one go,
:mod:`~emergence.plots.major_ticks` a report figure's major ticks but those at each axis's ends, and
:mod:`~emergence.plots.layout` laying out a grid of panels in one pass),
:mod:`~emergence.plots.curve`, :mod:`~emergence.plots.task`, :mod:`~emergence.plots.overview`,
:mod:`~emergence.plots.scores` and :mod:`~emergence.plots.summary`.
"""

from __future__ import annotations

from emergence.plots.common import (
    COLORS,
    METRIC_LABELS,
    SCALE_LABELS,
    VERDICT_ORDER,
    format_scale_axis,
    metric_label,
    plain,
    save,
    scale_label,
)
from emergence.plots.curve import plot_curve
from emergence.plots.overview import overview_data, overview_pages, plot_overview, relative
from emergence.plots.scores import emergence_score_data, plot_emergence_scores
from emergence.plots.summary import VERDICT_COLORS, plot_summary
from emergence.plots.task import jump_text, plot_mirage_check, plot_task, task_panels
from emergence.scale import format_scale

__all__ = [
    "COLORS", "METRIC_LABELS", "SCALE_LABELS", "VERDICT_COLORS", "VERDICT_ORDER", "emergence_score_data",
    "format_scale", "format_scale_axis", "jump_text", "metric_label", "overview_data", "overview_pages",
    "plain",
    "plot_curve", "plot_emergence_scores", "plot_mirage_check", "plot_overview", "plot_summary",
    "plot_task", "relative", "save", "scale_label", "task_panels",
]
