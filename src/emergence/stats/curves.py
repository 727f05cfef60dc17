"""The public one-row-per-curve summary of a scores table, without bootstrap or verdicts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from emergence.scale import axis_scale, axis_value, choose_x
from emergence.stats.jumps import jump_effect
from emergence.stats.points import check_one_model_per_scale, final_checkpoints, positive_scale
from emergence.stats.scores import emergence_score, oriented


def curve_table(scores: pd.DataFrame, x: str | None = None) -> pd.DataFrame:
    """One row per (family, task, metric) curve: its ends, emergence score and jump effect.

    The points are chosen exactly as :func:`emergence.analyze` chooses them: at ``x = params`` each
    model at its final checkpoint; seeds of one size averaged; distinct models of one size refused.

    Parameters
    ----------
    scores : DataFrame
        A scores table (from :func:`emergence.rescore` or a scores CSV).
    x : {"params", "compute", "tokens", "step"}, optional
        The scale column (default: see :func:`emergence.scale.choose_x`).

    Returns
    -------
    DataFrame
        Columns ``family``, ``task``, ``metric``, ``kind``, ``higher_is_better``, ``x`` (the scale
        column used), ``n_scales``, ``n_models``, ``x_min``, ``x_max``, ``y_min_scale`` and
        ``y_max_scale`` (the metric's value at the smallest and the largest model, as reported),
        ``emergence_score`` (on the oriented curve, finite) and ``jump`` (the jump effect, no noise
        floor: there are no replicates here). Both equal ``Analysis.curves``' on the same input
        wherever the analysis' noise floor does not bind (``range >= noise_floor`` for J, not
        ``es_floored`` for the score); a test checks it on the bundled benchmarks.
    """
    x = choose_x(scores, x)
    data = final_checkpoints(positive_scale(scores, x), x)
    check_one_model_per_scale(data, x)
    data = data.assign(_y=oriented(data), _scale=axis_scale(data[x].to_numpy(dtype=float), x))
    data = data.sort_values(["family", "task", "metric", "_scale"], kind="stable")
    rows = []
    for (family, task, metric), curve in data.groupby(["family", "task", "metric"], sort=True):
        points = curve.groupby("_scale", sort=True).agg(value=("value", "mean"), y=("_y", "mean"))
        ends = axis_value(points.index.to_numpy(dtype=float), x)
        y = points["y"].to_numpy()
        rows.append({
            "family": family, "task": task, "metric": metric,
            "kind": curve["kind"].iloc[0] if "kind" in curve else None,
            "higher_is_better": curve["higher_is_better"].iloc[0] if "higher_is_better" in curve else None,
            "x": x, "n_scales": len(points), "n_models": curve["model"].nunique(),
            "x_min": ends[0], "x_max": ends[-1],
            "y_min_scale": points["value"].iloc[0], "y_max_scale": points["value"].iloc[-1],
            "emergence_score": emergence_score(y),
            "jump": jump_effect(np.log10(points.index.to_numpy(dtype=float)), y)[0],
        })
    return pd.DataFrame(rows)
