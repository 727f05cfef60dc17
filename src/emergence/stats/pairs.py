"""Measure every curve and every (discontinuous, smooth) pair of a run, then judge them.

:func:`judge` turns the curves of a run into three tables: one row per curve (``curves.csv``), one per
metric pair (``verdicts.csv``) and one per (family, task) (``tasks.csv``). Pairs are measured on the
models both curves have; Benjamini-Hochberg runs over every distinct test of the run.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from emergence.bootstrap import row_std
from emergence.errors import EmergenceWarning
from emergence.jobs import parallel_map
from emergence.scale import axis_value
from emergence.stats.backtest import backtest
from emergence.stats.decide import Thresholds, jump_state, pair_verdict, task_verdict
from emergence.stats.evidence import measure_jump, measure_score
from emergence.stats.inference import benjamini_hochberg, wald_p_value
from emergence.stats.points import Curve
from emergence.stats.scores import straight_line_score

#: The smooth per-example quantity whose mean predicts a discontinuous curve through the metric's
#: nonlinearity: exp(target_logprob), the probability of the whole answer, is the expected exact
#: match of a model that samples its answer (Schaeffer et al. 2023).
PREDICTORS = {"exact_match": "sequence_prob"}

#: Columns of the pair table, in order.
#: The jump tests of a pair row, in one Benjamini-Hochberg family per run: D; S at D's place; S
#: anywhere; the exact match that S's sequence probability predicts, at D's place (NaN p-values
#: where a pair has no predictor are left out of the family).
TESTS = ("discontinuous", "smooth", "smooth_anywhere", "predicted")

PAIR_COLUMNS = (
    "family", "task", "discontinuous", "smooth", "role", "n_scales", "n_examples",
    "jump_discontinuous", "jump_discontinuous_lo", "jump_discontinuous_hi", "p_discontinuous",
    "q_discontinuous", "jump_from", "jump_to",
    "jump_smooth", "jump_smooth_lo", "jump_smooth_hi", "p_smooth", "q_smooth",
    "jump_smooth_anywhere", "jump_smooth_anywhere_lo", "jump_smooth_anywhere_hi",
    "q_smooth_anywhere", "predictor", "jump_predicted", "jump_predicted_lo", "jump_predicted_hi",
    "q_predicted",
    "threshold", "es_discontinuous", "es_discontinuous_lo", "es_discontinuous_hi", "es_smooth",
    "es_smooth_lo", "es_smooth_hi", "straight_line_es", "backtest_error", "backtest_inside",
    "verdict", "reason",
)

#: Columns of the task table, in order.
TASK_COLUMNS = (
    "family", "task", "verdict", "discontinuous", "smooth", "n_scales", "n_examples",
    "jump_discontinuous", "jump_discontinuous_lo", "jump_discontinuous_hi", "q_discontinuous",
    "jump_smooth", "jump_smooth_lo", "jump_smooth_hi", "q_smooth", "jump_from", "jump_to",
    "threshold", "es_discontinuous", "es_smooth", "partners_agree", "reason",
)


class Measured:
    """Each curve measured once per set of points: the curve table and every pair that uses the curve
    on the same models share one jump effect, emergence score and backtest."""

    def __init__(self, level: float) -> None:
        self.level = level
        self._cache: dict = {}

    def _get(self, curve: Curve, what: str, compute):
        key = (curve.family, curve.task, curve.metric, curve.scale.tobytes(), what)
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def jump(self, curve: Curve):
        return self._get(curve, "jump", lambda: measure_jump(curve))

    def score(self, curve: Curve) -> dict:
        return self._get(curve, "score", lambda: measure_score(curve, level=self.level))

    def backtest(self, curve: Curve) -> dict:
        def compute():
            se = curve.se
            bt = backtest(curve.x, curve.y, se**2) if np.isfinite(se).all() else None
            return {"backtest_error": bt.error if bt else np.nan,
                    "backtest_inside": bt.inside if bt else False}

        return self._get(curve, "backtest", compute)


def _summary(jump, prefix: str, mask=None, level: float = 0.95) -> tuple[dict, int, int]:
    """The summary of :meth:`Jump.summary` with column names ``prefix``, ``prefix_lo``, ...; and the
    first and last model of its window (-1 without one)."""
    if jump is None:
        out = {"effect": np.nan, "lo": np.nan, "hi": np.nan, "sd": np.nan, "start": -1, "stop": -1}
    else:
        out = jump.summary(mask, level=level)
    names = {"effect": prefix, "lo": prefix + "_lo", "hi": prefix + "_hi", "sd": prefix + "_sd"}
    return {names[k]: out[k] for k in names}, out["start"], out["stop"]


def curve_row(curve: Curve, x: str, th: Thresholds, measured: Measured) -> dict:
    """The row of ``curves.csv`` for one curve: its jump effect over all windows and its emergence
    score."""
    jump = measured.jump(curve)
    row = {"family": curve.family, "task": curve.task, "metric": curve.metric, "kind": curve.kind,
           "higher_is_better": curve.higher_is_better, "x": x, "n_scales": len(curve.scale),
           "n_examples": curve.n_examples, "per_example": curve.per_example,
           "training": curve.training, "seeds_per_scale": int(curve.n_seeds.max()),
           # the axis' first and last point: on a loss axis the highest loss, then the lowest
           "x_min": float(axis_value(curve.scale[0], x)), "x_max": float(axis_value(curve.scale[-1], x)),
           "y_min_scale": curve.value[0], "y_max_scale": curve.value[-1],
           "straight_line_es": straight_line_score(curve.x), "judged_on": "reported"}
    row |= measured.score(curve)
    s, start, stop = _summary(jump, "jump", level=th.level)
    row |= {k: s[k] for k in ("jump", "jump_lo", "jump_hi")}
    row["jump_from"], row["jump_to"] = _place(curve, start, stop)
    row["p_value"] = float(wald_p_value(s["jump"], s["jump_sd"], th.jump))
    row["range"] = jump.spread if jump is not None else np.nan
    row["noise_floor"] = jump.range_floor if jump is not None else np.nan
    return row | measured.backtest(curve)


def _measure_task(work: tuple) -> tuple[list[dict], list[dict]]:
    """The curve rows and pair rows of one (family, task): ``work`` is (its curves, the pairs, x,
    thresholds)."""
    curves, pairs, x, th = work
    index = {c.metric: c for c in curves}
    measured = Measured(th.level)
    curve_rows = [curve_row(c, x, th, measured) for c in curves]
    rows = []
    for d, partners in pairs.items():
        if d not in index:
            continue
        present = [s for s in partners if s in index]
        predictor = index.get(PREDICTORS.get(d, ""))
        for i, s in enumerate(present):
            rows.append(pair_row(index[d], index[s], predictor, "primary" if i == 0 else "support", th,
                                 measured))
    return curve_rows, rows


def _place(curve: Curve, start: int, stop: int) -> tuple[str, str]:
    if start < 0:
        return "", ""
    return curve.models[start], curve.models[stop]


def _common(d: Curve, s: Curve) -> tuple[Curve, Curve, str]:
    """Both curves on the scales both have, and a note when some were left out."""
    both = np.intersect1d(d.scale, s.scale)
    if len(both) == len(d.scale) == len(s.scale):
        return d, s, ""
    note = (f"compared on the {len(both)} models both metrics have ({d.metric}: {len(d.scale)}, "
            f"{s.metric}: {len(s.scale)})")
    warnings.warn(f"{d.family} / {d.task}: {note}", EmergenceWarning, stacklevel=4)
    return d.subset(np.isin(d.scale, both)), s.subset(np.isin(s.scale, both)), note


def agrees_in_level(d: Curve, predicted: Curve, *, alpha: float) -> bool:
    """Whether D's value at every model is what the predicted curve says, within paired noise.

    Per model, ``z = |D - predicted| / sd*`` with ``sd*`` the bootstrap standard deviation of the
    paired difference (the same replicates weight both); D agrees when every ``z`` is below the
    Bonferroni bound ``Phi^-1(1 - alpha / (2 k))`` over the k models. Comparing jump effects alone
    was not enough: J is relative to each curve's range, so an exact match 2.5 times the predicted
    one "agreed" (red team).
    """
    from scipy.special import ndtri

    diff = d.y - predicted.y
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sd = row_std(d.reps - predicted.reps, ddof=1)
        z = np.where(sd > 0, np.abs(diff) / sd, np.where(diff == 0, 0.0, np.inf))
    bound = ndtri(1 - alpha / (2 * len(diff)))
    return bool(np.isfinite(diff).all() and (z <= bound).all())


def pair_row(d: Curve, s: Curve, predictor: Curve | None, role: str, th: Thresholds,
             measured: Measured) -> dict:
    """Measure one pair on its common models (no decision yet: q-values come from the whole run)."""
    d, s, note = _common(d, s)
    dj, sj = measured.jump(d), measured.jump(s)
    row = {"family": d.family, "task": d.task, "discontinuous": d.metric, "smooth": s.metric,
           "role": role, "n_scales": len(d.scale), "n_examples": d.n_examples,
           "per_example": d.per_example and s.per_example, "training": d.training, "note": note,
           "threshold": th.jump, "straight_line_es": straight_line_score(d.x)}
    summary, start, stop = _summary(dj, "jump_discontinuous", level=th.level)
    row |= summary
    row["jump_from"], row["jump_to"] = _place(d, start, stop)
    row["range_discontinuous"] = dj.spread if dj is not None else np.nan
    row["discontinuous_within_noise"] = bool(dj is not None and dj.spread < dj.range_floor)
    at = dj.windows.overlapping(start, stop) if dj is not None and start >= 0 else None
    row |= _summary(sj, "jump_smooth", at, th.level)[0]
    row |= _summary(sj, "jump_smooth_anywhere", level=th.level)[0]
    row["predictor"] = ""
    row |= dict.fromkeys(("jump_predicted", "jump_predicted_lo", "jump_predicted_hi",
                          "jump_predicted_sd"), np.nan)
    row["predicted_agrees"] = False
    if predictor is not None and at is not None:
        both = np.isin(predictor.scale, d.scale)
        if both.sum() == len(d.scale):
            predicted = predictor.subset(both)
            pj = measured.jump(predicted)
            row["predictor"] = predictor.metric
            summary = _summary(pj, "jump_predicted", at, th.level)[0]
            row |= summary
            row["predicted_agrees"] = agrees_in_level(d, predicted, alpha=th.alpha)
    for name, curve in (("discontinuous", d), ("smooth", s)):
        for key, value in measured.score(curve).items():
            if key.startswith("emergence_score"):
                row[key.replace("emergence_score", f"es_{name}")] = value
    return row | measured.backtest(s)


def decide(pairs: pd.DataFrame, th: Thresholds) -> pd.DataFrame:
    """p-values at the threshold, Benjamini-Hochberg over the run, states and verdicts of every pair."""
    pairs = pairs.copy()
    if pairs.empty:
        return pairs
    tests = []
    for name in TESTS:
        p = wald_p_value(pairs[f"jump_{name}"], pairs[f"jump_{name}_sd"], th.jump)
        pairs[f"p_{name}"] = p
        tests.append(p)
    # one BH family over the distinct tests: a D curve in several pairs is one hypothesis
    stacked = np.concatenate(tests)
    task = pairs["family"] + "\x1f" + pairs["task"] + "\x1f"
    keys = np.concatenate([
        task + pairs["discontinuous"],
        task + pairs["discontinuous"] + "\x1f" + pairs["smooth"],
        task + pairs["smooth"],
        task + pairs["discontinuous"] + "\x1f" + pairs["predictor"] + "\x1fpredicted",
    ]).astype(str)
    keyed = pd.DataFrame({"key": keys, "p": stacked}).drop_duplicates("key")
    keyed["q"] = benjamini_hochberg(keyed["p"].to_numpy())
    q = pd.Series(keyed["q"].to_numpy(), index=keyed["key"].to_numpy())[keys].to_numpy()
    n = len(pairs)
    for i, name in enumerate(TESTS):
        pairs[f"q_{name}"] = q[i * n:(i + 1) * n]
        pairs[f"state_{name}"] = [
            jump_state(e, lo, hi, qq, th.jump, th.alpha) for e, lo, hi, qq in zip(
                pairs[f"jump_{name}"], pairs[f"jump_{name}_lo"], pairs[f"jump_{name}_hi"],
                pairs[f"q_{name}"], strict=True)]
    decided = [pair_verdict(row, th) for row in pairs.to_dict("records")]
    pairs["verdict"] = [v for v, _ in decided]
    pairs["reason"] = [r for _, r in decided]
    return pairs[[*PAIR_COLUMNS, *(c for c in pairs.columns if c not in PAIR_COLUMNS)]]


def tasks_table(pairs: pd.DataFrame) -> pd.DataFrame:
    """One row per (family, task) from its decided pairs (:func:`emergence.stats.decide.task_verdict`)."""
    groups: dict[tuple, list[dict]] = {}
    # the records made once and grouped here: to_dict per group took a tenth of a 100-task run's
    # judging (issue 13); the groups and their rows keep the order of a sorted groupby
    for record in pairs.to_dict("records"):
        groups.setdefault((record["family"], record["task"]), []).append(record)
    rows = []
    for (family, task), mine in sorted(groups.items(), key=lambda item: item[0]):
        verdict, reason, primary = task_verdict(mine)
        row = {c: primary.get(c) for c in TASK_COLUMNS if c in primary}
        row.update({"family": family, "task": task, "verdict": verdict, "reason": reason,
                    "partners_agree": primary["agreement"]})
        rows.append(row)
    return pd.DataFrame(rows, columns=list(TASK_COLUMNS))


def judge(curves: list[Curve], pairs: dict[str, tuple[str, ...]], x: str,
          th: Thresholds, *, jobs: int = 1) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The curve, pair and task tables of a run.

    Each (family, task) is measured on its own (by ``jobs`` processes when ``jobs > 1``); the
    q-values and decisions then take the whole run. The numbers are the same for any ``jobs``.

    Returns
    -------
    (curves, pairs, tasks) : DataFrames
        Columns: see :func:`curve_row`, :data:`PAIR_COLUMNS` (plus the working columns ``p_*``,
        ``state_*`` and ``*_sd``) and :data:`TASK_COLUMNS`.
    """
    places: dict[tuple[str, str], list[int]] = {}
    for i, c in enumerate(curves):
        places.setdefault((c.family, c.task), []).append(i)
    order = sorted(places)
    if jobs > 1:  # imported here once, for the forked processes: each imported scipy again
        from emergence.stats.backtest import import_statistics

        import_statistics()  # a no-op after the in-process engine's rescoring, which imported them
    measured = parallel_map(_measure_task, [([curves[i] for i in places[p]], pairs, x, th) for p in order],
                            jobs)
    curve_rows: list[dict] = [{}] * len(curves)
    rows = []
    for place, (task_curves, task_pairs) in zip(order, measured, strict=True):
        for i, row in zip(places[place], task_curves, strict=True):
            curve_rows[i] = row
        rows.extend(task_pairs)
    curve_table = pd.DataFrame(curve_rows)
    table = decide(pd.DataFrame(rows), th) if rows else pd.DataFrame(columns=list(PAIR_COLUMNS))
    tasks = tasks_table(table) if rows else pd.DataFrame(columns=list(TASK_COLUMNS))
    if len(curve_table):
        curve_table["q_value"] = benjamini_hochberg(curve_table["p_value"].to_numpy())
        curve_table["sharp"] = [jump_state(e, lo, hi, q, th.jump, th.alpha) for e, lo, hi, q in zip(
            curve_table["jump"], curve_table["jump_lo"], curve_table["jump_hi"], curve_table["q_value"],
            strict=True)]
    return curve_table, table, tasks

