"""The whole analysis: scores with paired-bootstrap intervals, curve statistics, tests and verdicts.

For each (family, task) and each pair of a discontinuous metric D with a smooth metric S:

- D is judged on its reported scale (where emergence is claimed), S on its straightened scale
  (:data:`emergence.stats.LINEARIZE`: where a power law in the per-token loss is a straight line);
- a curve is **sharp** when its emergence score's lower bound exceeds ``sharp_ratio`` times the score
  of a straight line at the same scales, the sharpness test's BH q-value is below ``alpha``, and it
  is flat before its largest step (:func:`flat_before_jump`: decelerating curves are not emergence);
  **not sharp** when the upper bound is below that threshold or the q-value is not small; otherwise
  **unclear**;
- the verdict: ``no emergence`` (D not sharp), ``emergent`` (D and S sharp), ``mirage`` (D sharp, S not,
  and the paired bootstrap difference of their relative scores excludes 0), ``inconclusive`` (too few
  scales or examples, no uncertainty available, or an interval straddling a decision; the reason says
  which).

Defaults were chosen with the ground-truth study in ``analyses/validate_verdicts.py`` (1,584 verdicts
over 4..12 scales, 50..5,000 examples, answers of 1, 3 and 5 tokens and multiple choice, two noise
levels): with ``sharp_ratio = 1.5`` no smooth family was called ``emergent``, 1.5% of decided verdicts
were wrong and 77% were decided; 1.25 gave 7 false ``emergent`` verdicts, 2.0 missed 29 genuine jumps
(2.3% wrong). The sharpness test of a 0/1 metric is a binomial GLM with the task's chance floor: a
genuine jump that a steep logistic in log N fits as well is left ``inconclusive`` (with a linear
trend as the null instead, 84% were decided at the same error rate, but a steep logistic would be
called sharp).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from emergence.errors import EmergenceError, EmergenceWarning
from emergence.metrics import MetricOptions, resolve_kind
from emergence.rescore import rescore_replicates
from emergence.scale import choose_x
from emergence.stats import (
    LINEARIZE,
    SharpnessTest,
    backtest,
    binomial_sharpness_test,
    curve_statistics,
    linearize,
    sharpness_test,
    straight_line_score,
)

#: Discontinuous metric -> its smooth partners (DESIGN.md, "Metrics").
DEFAULT_PAIRS: dict[str, tuple[str, ...]] = {
    "exact_match": ("target_prob_per_token", "target_logprob", "token_edit_distance"),
    "multiple_choice_grade": ("choice_prob", "brier_score"),
    "acc": ("log_ppl", "bits_per_byte"),
}

#: The smooth per-example quantity whose mean predicts a discontinuous curve (mirage consistency).
PREDICTORS = {"exact_match": "sequence_prob", "multiple_choice_grade": "choice_prob"}

#: Verdict columns, in order.
VERDICT_COLUMNS = (
    "family", "task", "discontinuous", "smooth", "n_scales", "n_examples",
    "es_discontinuous", "es_discontinuous_lo", "es_discontinuous_hi",
    "es_smooth", "es_smooth_lo", "es_smooth_hi", "straight_line_es", "difference_lo",
    "difference_hi", "p_value", "q_value", "p_value_smooth", "q_value_smooth",
    "backtest_error", "backtest_inside", "explained_share", "verdict", "reason",
)


@dataclass(frozen=True)
class Thresholds:
    """Decision settings of the verdicts.

    Parameters
    ----------
    sharp_ratio : float
        A curve is sharp when its emergence score's lower bound exceeds this multiple of the score of
        a straight line at the same scales.
    alpha : float
        Level for the Benjamini-Hochberg q-values of the sharpness tests.
    min_scales : int
        Fewer scales than this: inconclusive.
    min_examples : int
        Fewer examples per model than this: inconclusive.
    level : float
        Coverage of the percentile intervals.
    """

    sharp_ratio: float = 1.5
    alpha: float = 0.05
    min_scales: int = 4
    min_examples: int = 20
    level: float = 0.95


@dataclass(frozen=True)
class Analysis:
    """What :func:`analyze` found.

    Attributes
    ----------
    scores : DataFrame
        One row per (family, model, task, metric) with ``value``, ``stderr``, ``ci_lo``, ``ci_hi``.
    curves : DataFrame
        One row per (family, task, metric): the curve statistics with intervals, the sharpness test
        and its q-value, the backtest.
    verdicts : DataFrame
        One row per (family, task, discontinuous, smooth) pair; columns :data:`VERDICT_COLUMNS`.
    settings : dict
    """

    scores: pd.DataFrame
    curves: pd.DataFrame
    verdicts: pd.DataFrame
    settings: dict = field(default_factory=dict)
    pairs: dict = field(default_factory=dict, repr=False)
    replicates: dict = field(default_factory=dict, repr=False)

    def rejudge(self, thresholds: Thresholds) -> Analysis:
        """The same analysis judged with other thresholds (no rescoring, no new bootstrap)."""
        curves = self.curves.copy()
        curves["sharp"] = [_sharpness(r, thresholds) for r in curves.itertuples()]
        verdicts = _verdicts(self.scores, curves, self.replicates, self.pairs, thresholds)
        settings = self.settings | {"sharp_ratio": thresholds.sharp_ratio, "alpha": thresholds.alpha}
        return Analysis(self.scores, curves, verdicts, settings, self.pairs, self.replicates)

    def to_frame(self) -> pd.DataFrame:
        """The verdict table."""
        return self.verdicts

    def summary(self) -> str:
        """A plain-text verdict table, one line per pair."""
        if self.verdicts.empty:
            return "no discontinuous/smooth metric pair to judge"
        v = self.verdicts
        pair = v["discontinuous"] + " -> " + v["smooth"]
        wf, wt, wp = (max(len(h), int(c.astype(str).str.len().max())) for h, c in
                      (("family", v["family"]), ("task", v["task"]), ("discontinuous -> smooth", pair)))
        lines = [f"{'family':<{wf}} {'task':<{wt}} {'discontinuous -> smooth':<{wp}} "
                 f"{'ES disc [95% CI]':<22} {'ES smooth [95% CI]':<22} {'q':>6}  verdict"]
        for row, name in zip(v.itertuples(), pair, strict=True):
            lines.append(
                f"{row.family:<{wf}} {row.task:<{wt}} {name:<{wp}} "
                f"{_ci(row.es_discontinuous, row.es_discontinuous_lo, row.es_discontinuous_hi):<22} "
                f"{_ci(row.es_smooth, row.es_smooth_lo, row.es_smooth_hi):<22} {_q(row.q_value):>6}  "
                f"{row.verdict}" + (f" ({row.reason})" if row.verdict == "inconclusive" else "")
            )
        return "\n".join(lines)


def _ci(value, lo, hi) -> str:
    def f(v):
        return "nan" if v != v else ("inf" if v == np.inf else ("-inf" if v == -np.inf else f"{v:.1f}"))

    return f"{f(value)} [{f(lo)}, {f(hi)}]"


def _q(q) -> str:
    return "nan" if q != q else (f"{q:.3f}" if q >= 0.001 else "<.001")


def parse_pairs(pairs) -> dict[str, tuple[str, ...]]:
    """``["exact_match:token_edit_distance", ...]`` -> {discontinuous: (smooth, ...)}."""
    out: dict[str, list[str]] = {}
    for text in pairs:
        if text.count(":") != 1 or not all(text.split(":")):
            raise EmergenceError(
                f"--pairs: {text!r} is not DISCONTINUOUS:SMOOTH, e.g. exact_match:token_edit_distance"
            )
        d, s = text.split(":")
        out.setdefault(d, []).append(s)
    return {d: tuple(s) for d, s in out.items()}


def analyze(
    records: pd.DataFrame | None = None,
    scores: pd.DataFrame | None = None,
    *,
    x: str | None = None,
    metrics: list[str] | None = None,
    pairs: dict[str, tuple[str, ...]] | None = None,
    bootstrap: int = 1000,
    seed: int = 0,
    options: MetricOptions | None = None,
    thresholds: Thresholds | None = None,
) -> Analysis:
    """Rescore, bootstrap, test and judge every (family, task, metric pair).

    Parameters
    ----------
    records : DataFrame, optional
        A validated records table (per-example data: paired bootstrap).
    scores : DataFrame, optional
        A validated scores table (aggregate-only data: intervals from reported standard errors,
        independent between models).
    x : {"params", "compute", "tokens", "step"}, optional
        The scale (default: see :func:`emergence.scale.choose_x`).
    metrics : list of str, optional
        Metrics to compute from the records (default: all that apply).
    pairs : dict, optional
        Discontinuous metric -> smooth metrics to judge it against (default :data:`DEFAULT_PAIRS`).
    bootstrap : int
        Replicates of the paired bootstrap (>= 100 for verdicts).
    seed : int
    options : MetricOptions, optional
    thresholds : Thresholds, optional

    Returns
    -------
    Analysis
    """
    if records is None and scores is None:
        raise EmergenceError("analyze needs records, scores or both")
    if not isinstance(bootstrap, int | np.integer) or bootstrap < 100:
        raise EmergenceError(
            f"The 'bootstrap' parameter of analyze must be an int >= 100. Got {bootstrap!r} instead."
        )
    thresholds = thresholds or Thresholds()
    pairs = DEFAULT_PAIRS if pairs is None else pairs
    parts = []
    replicates = None
    if records is not None:
        table, replicates = rescore_replicates(records, metrics, options=options,
                                               n_replicates=bootstrap, seed=seed)
        parts.append(table.assign(per_example=True, _replicate_row=np.arange(len(table))))
    if scores is not None:
        table = with_log_perplexity(scores)
        if "kind" not in table:
            kinds = table["metric"].map(resolve_kind)
            table["kind"] = kinds.map(lambda k: k[0] if k else None)
            table["higher_is_better"] = kinds.map(lambda k: k[1] if k else None)
        parts.append(table.assign(per_example=False, _replicate_row=-1))
    table = _prefer_rescored(pd.concat(parts, ignore_index=True))
    table["higher_is_better"] = table["higher_is_better"].map(
        lambda v: None if v is None or v != v else bool(v)).astype(object)
    if "subtask" in table and table["subtask"].notna().any():
        # a subtask is a curve of its own: "task:subtask" (rows without one keep the task name)
        task, sub = table["task"].astype(str), table["subtask"].astype("string")
        named = pd.Series([not isinstance(b, str) or a.endswith(":" + b) for a, b in
                           zip(task, sub.to_numpy(dtype=object, na_value=None), strict=True)],
                          index=table.index)
        table["task"] = task.where(named, task + ":" + sub.fillna(""))
    table = _points_on(table, x)
    x = choose_x(table, x)
    table = _checkpoints_for(table, x)
    values = np.empty((len(table), bootstrap))
    own = table["_replicate_row"].to_numpy() >= 0
    if own.any():
        values[own] = replicates.values[table.loc[own, "_replicate_row"].to_numpy()]
    if (~own).any():
        values[~own] = _replicates_from_stderr(table[~own], bootstrap, seed)
    table = table.drop(columns="_replicate_row")
    tail = (1 - thresholds.level) / 2 * 100
    with np.errstate(all="ignore"), warnings.catch_warnings(action="ignore", category=RuntimeWarning):
        table["ci_lo"], table["ci_hi"] = np.nanpercentile(values, [tail, 100 - tail], axis=1)
    curves, curve_reps = _curves(table, values, x, seed, thresholds, pairs)
    verdicts = _verdicts(table, curves, curve_reps, pairs, thresholds)
    settings = {"x": x, "bootstrap": bootstrap, "seed": seed, "sharp_ratio": thresholds.sharp_ratio,
                "alpha": thresholds.alpha, "level": thresholds.level}
    return Analysis(table, curves, verdicts, settings, dict(pairs), curve_reps)


#: Perplexities and the name of their log, the mean per-token negative log-likelihood.
LOG_PERPLEXITY = {"ppl": "log_ppl", "perplexity": "log_ppl", "word_perplexity": "log_word_perplexity",
                  "byte_perplexity": "log_byte_perplexity"}


def with_log_perplexity(scores: pd.DataFrame) -> pd.DataFrame:
    """Add the log of every perplexity score as its smooth counterpart (DESIGN.md, "Metrics").

    A perplexity is exp(mean negative log-likelihood): nonlinear in the loss. Its log is the loss
    itself, the quantity scaling laws describe. ``stderr`` follows by the delta method
    (stderr / ppl). Rows whose log is already given are not duplicated.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"family": "f", "model": "m", "task": "t", "metric": ["ppl"],
    ...                       "value": [142.4], "stderr": [5.0]})
    >>> with_log_perplexity(table)[["metric", "value"]].round(3).values.tolist()
    [['ppl', 142.4], ['log_ppl', 4.959]]
    """
    base = scores["metric"].astype(str).str.split(",").str[0]
    source = scores[base.isin(list(LOG_PERPLEXITY)) & (scores["value"] > 0)]
    if source.empty:
        return scores.copy()
    derived = source.copy()
    derived["metric"] = base[source.index].map(LOG_PERPLEXITY)
    derived["value"] = np.log(source["value"])
    if "stderr" in derived:
        derived["stderr"] = source["stderr"] / source["value"]
    if "kind" in derived:
        derived["kind"] = "smooth"
    if "higher_is_better" in derived:
        derived["higher_is_better"] = False
    keys = [c for c in ("family", "model", "step", "task", "subtask", "metric") if c in scores]
    have = pd.MultiIndex.from_frame(scores[keys].astype(str))
    derived = derived[~pd.MultiIndex.from_frame(derived[keys].astype(str)).isin(have)]
    return pd.concat([scores, derived], ignore_index=True)


def _prefer_rescored(table: pd.DataFrame) -> pd.DataFrame:
    """Where a results file also reports a metric that was rescored from the same model's examples
    (lm-eval's brier_score, say), keep the rescored row: one row per model, task and metric."""
    if table["per_example"].all() or not table["per_example"].any():
        return table
    keys = [c for c in ("family", "model", "step", "task", "subtask", "metric") if c in table]
    ident = table[keys].astype(str).agg("\x1f".join, axis=1)
    rescored = set(ident[table["per_example"]])
    repeated = ~table["per_example"] & ident.isin(rescored)
    if repeated.any():
        warnings.warn(
            f"{int(repeated.sum())} reported score(s) were also rescored from the per-example data "
            f"(e.g. {', '.join(sorted(set(table.loc[repeated, 'metric'].astype(str)))[:4])}); the rescored "
            "values are used", EmergenceWarning, stacklevel=3,
        )
    return table[~repeated].reset_index(drop=True)


def _points_on(table: pd.DataFrame, x: str | None) -> pd.DataFrame:
    """Leave out rows that cannot sit on a log axis of ``x`` (a checkpoint at step 0 has no tokens)."""
    if x not in ("compute", "tokens", "step") or x not in table:
        return table
    bad = ~(pd.to_numeric(table[x], errors="coerce") > 0)
    if bad.any() and not bad.all():
        warnings.warn(
            f"x={x}: {int(bad.sum())} row(s) with no positive {x} (e.g. step 0) left out: a log scale "
            "cannot show them", EmergenceWarning, stacklevel=3,
        )
        table = table[~bad].reset_index(drop=True)
    return table


def _checkpoints_for(table: pd.DataFrame, x: str) -> pd.DataFrame:
    """Make the points of a curve comparable when the data has training checkpoints (``step``).

    ``x = params``: each model at its final checkpoint (earlier ones are training, not scale);
    ``x = step``: one curve per model over its training; ``x = compute`` or ``tokens``: every
    checkpoint of every size is a point (training compute as the scale).
    """
    if "step" not in table or table["step"].isna().all():
        return table
    if x == "params":
        last = table.groupby(["family", "model"], dropna=False)["step"].transform("max")
        keep = table["step"].isna() | (table["step"] == last)
        if not keep.all():
            dropped = table.loc[~keep, ["family", "model", "step"]].drop_duplicates()
            n_models = len(dropped[["family", "model"]].drop_duplicates())
            warnings.warn(
                f"x=params: each model at its final checkpoint ({len(dropped)} earlier checkpoint(s) of "
                f"{n_models} model(s) left out; --x compute or --x step follows training)",
                EmergenceWarning, stacklevel=3,
            )
        return table[keep].reset_index(drop=True)
    if x == "step":
        return table.assign(family=table["family"].astype(str) + "/" + table["model"].astype(str))
    return table


def _replicates_from_stderr(table: pd.DataFrame, n: int, seed: int) -> np.ndarray:
    """Normal replicates value + stderr * z for aggregate rows (NaN where no stderr)."""
    stderr = table["stderr"].to_numpy(dtype=float) if "stderr" in table else np.full(len(table), np.nan)
    identity = [c for c in ("family", "model", "step", "task", "subtask", "metric") if c in table]
    keys = pd.util.hash_pandas_object(table[identity].astype(str), index=False).to_numpy()
    out = np.empty((len(table), n))
    for i, key in enumerate(keys):  # one generator per score row (few rows; not per example)
        out[i] = np.random.default_rng([seed, int(key)]).standard_normal(n)
    return table["value"].to_numpy(dtype=float)[:, None] + stderr[:, None] * out


def _judged(metric: str, kind: str, higher, y: np.ndarray, edge: float) -> np.ndarray:
    """A curve (or replicates) on the scale it is judged on, oriented higher-is-better."""
    if kind != "discontinuous" and _straightened(metric):
        return linearize(metric, y, edge=edge)
    return -y if higher is False or higher == 0 else y


def _straightened(metric: str) -> bool:
    return str(metric).split(",")[0] in LINEARIZE


def _judged_curves(table: pd.DataFrame, pairs) -> set[tuple[str, str, str]]:
    """(family, task, metric) of every curve that some verdict compares."""
    judged = set()
    for (family, task), metrics in table.groupby(["family", "task"])["metric"].agg(set).items():
        for d, smooth in pairs.items():
            partners = [s for s in smooth if s in metrics]
            if d in metrics and partners:
                judged |= {(family, task, d)} | {(family, task, s) for s in partners}
    return judged


def _curves(table, values, x, seed, thresholds, pairs):
    rows, reps = [], {}
    judged = _judged_curves(table, pairs)
    keys = ["family", "task", "metric"]
    for (family, task, metric), curve in table.groupby(keys, sort=True):
        curve = curve.sort_values(x, kind="stable")
        scale = curve[x].to_numpy(dtype=float)
        points, inverse = np.unique(scale, return_inverse=True)
        weight = np.bincount(inverse)
        mean = np.bincount(inverse, curve["value"].to_numpy(dtype=float)) / weight
        rep = np.zeros((len(points), values.shape[1]))
        np.add.at(rep, inverse, values[curve.index.to_numpy()])
        rep /= weight[:, None]
        kind = curve["kind"].iloc[0]
        higher = curve["higher_is_better"].iloc[0]
        n_examples = int(curve["n"].min()) if "n" in curve and curve["n"].notna().any() else None
        # a saturated smooth metric (edit distance 0, probability 1) is straightened only down to
        # the resolution of a mean of n examples, so the clip does not decide the score
        edge = 0.5 / n_examples if n_examples else 1e-3
        y = _judged(metric, kind, higher, mean, edge)
        y_rep = _judged(metric, kind, higher, rep, edge)
        variance = _variance(y_rep, y, kind, n_examples)
        stats = curve_statistics(y[:, None])
        rep_stats = curve_statistics(y_rep)
        line = straight_line_score(np.log10(points))
        has_reps = np.isfinite(y_rep).all(axis=0).any()
        tail = (1 - thresholds.level) / 2 * 100
        row = {"family": family, "task": task, "metric": metric, "kind": kind,
               "higher_is_better": higher,
               "judged_on": "straightened" if kind != "discontinuous" and _straightened(metric)
               else "reported", "x": x, "n_scales": len(points), "n_examples": n_examples,
               "per_example": bool(curve["per_example"].all()), "straight_line_es": line}
        for name in ("emergence_score", "linearity", "max_jump_share"):
            row[name] = float(stats[name][0])
            finite = rep_stats[name][np.isfinite(y_rep).all(axis=0) & ~np.isnan(rep_stats[name])]
            lo, hi = _interval(finite, tail) if has_reps else (np.nan, np.nan)
            row[f"{name}_lo"], row[f"{name}_hi"] = lo, hi
        row["flat_before_jump"] = flat_before_jump(y)
        trials = _trials(curve, inverse, weight, mean) if kind == "discontinuous" else None
        if (family, task, metric) not in judged:  # tests cost time; only verdicts use them
            test = SharpnessTest(np.nan, np.nan, np.nan, 0, np.nan, 0)
            row["test"] = "not run: no verdict uses this curve"
        elif trials is not None:
            chance = curve["chance"].mean() if "chance" in curve else np.nan
            chance = float(chance) if 0 <= chance < 1 else 0.0
            test = binomial_sharpness_test(np.log10(points), mean, trials, chance=chance, seed=seed)
            row["test"] = "binomial GLM"
        else:
            test = sharpness_test(np.log10(points), y, variance, seed=seed)
            row["test"] = "WLS"
        row.update({"statistic": test.statistic, "delta_bic": test.delta_bic, "p_value": test.p_value,
                    "jump_gap": test.gap, "jump": test.jump})
        bt = backtest(np.log10(points), y, variance)
        row.update({"backtest_error": bt.error, "backtest_inside": bt.inside})
        rows.append(row)
        reps[(family, task, metric)] = (rep_stats["emergence_score"] / line, np.log10(points), mean)
    curves = pd.DataFrame(rows)
    if len(curves):
        from statsmodels.stats.multitest import multipletests

        # BH over the curves that enter a verdict: computing extra metrics changes no verdict
        curves["q_value"] = np.nan
        tested = curves["p_value"].notna()
        if tested.any():
            curves.loc[tested, "q_value"] = multipletests(curves.loc[tested, "p_value"], method="fdr_bh")[1]
        curves["sharp"] = [_sharpness(r, thresholds) for r in curves.itertuples()]
    return curves, reps


def _trials(curve, inverse, weight, mean) -> np.ndarray | None:
    """Examples behind each point of a 0/1 curve: ``n``, or p(1 - p) / stderr^2 for aggregates.

    None when the curve is not a proportion or its sample sizes cannot be known (then the sharpness
    test falls back to weighted least squares).
    """
    if curve["higher_is_better"].iloc[0] is False or (mean < 0).any() or (mean > 1).any():
        return None
    n = curve["n"].to_numpy(dtype=float) if "n" in curve else np.full(len(curve), np.nan)
    if "stderr" in curve:
        value = curve["value"].to_numpy(dtype=float)
        stderr = curve["stderr"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            effective = value * (1 - value) / stderr**2
        effective = np.where(np.isfinite(effective) & (effective >= 1), effective, np.nan)
        n = np.where(np.isfinite(n), n, effective)
    if not np.isfinite(n).all():
        return None
    return np.bincount(inverse, n) / weight


def _interval(values: np.ndarray, tail: float) -> tuple[float, float]:
    """Percentile interval that tolerates +-inf (no interpolation between infinities)."""
    if not len(values):
        return np.nan, np.nan
    lo, hi = np.percentile(values, [tail, 100 - tail], method="inverted_cdf")
    return float(lo), float(hi)


def _variance(y_rep, y, kind, n_examples) -> np.ndarray:
    """Per-point variance from the replicates, floored so a constant point is not weightless."""
    with np.errstate(all="ignore"), warnings.catch_warnings(action="ignore", category=RuntimeWarning):
        variance = np.nanvar(y_rep, axis=1, ddof=1)
    if kind == "discontinuous" and n_examples:
        # a 0/1 mean of n examples has variance at least that of a Jeffreys-smoothed proportion
        share = np.clip((np.abs(y) * n_examples + 0.5) / (n_examples + 1), 0, 1)
        floor = share * (1 - share) / n_examples
    else:
        positive = variance[np.isfinite(variance) & (variance > 0)]
        floor = 1e-3 * np.median(positive) if len(positive) else 1e-12
    return np.fmax(variance, floor)


def flat_before_jump(y) -> bool:
    """Whether a curve (oriented higher-is-better) rises little before its largest step.

    Emergence is near-floor performance up to some scale and a jump after it (Wei et al. 2022).
    The emergence score alone also rewards decelerating curves, whose largest step comes first and is
    followed by small ones (e.g. a saturating accuracy). This check asks that the largest upward step
    is preceded by at least one step and that the steps before it average at most half its size.

    Examples
    --------
    >>> flat_before_jump([0.0, 0.01, 0.02, 0.6])
    True
    >>> flat_before_jump([0.19, 0.34, 0.52, 0.58, 0.62])
    False
    """
    steps = np.diff(np.asarray(y, dtype=float))
    if len(steps) < 2 or not np.isfinite(steps).all():
        return False
    i = int(np.argmax(steps))
    return bool(i >= 1 and steps[i] > 0 and np.mean(np.abs(steps[:i])) <= 0.5 * steps[i])


def _sharpness(row, thresholds) -> str:
    """sharp / not sharp / unclear / untested for one curve row."""
    if row.p_value != row.p_value or row.emergence_score_lo != row.emergence_score_lo:
        return "untested"
    threshold = thresholds.sharp_ratio * row.straight_line_es
    if not row.flat_before_jump:
        return "not sharp"  # a decelerating curve: its big step comes first, nothing emerges
    if row.emergence_score_lo > threshold and row.q_value < thresholds.alpha:
        return "sharp"
    if row.emergence_score_hi <= threshold:
        return "not sharp"
    return "unclear"  # the interval straddles the threshold, or the test cannot reject


def _verdicts(table, curves, reps, pairs, thresholds) -> pd.DataFrame:
    if curves.empty:
        return pd.DataFrame(columns=VERDICT_COLUMNS)
    index = curves.set_index(["family", "task", "metric"])
    rows = []
    tail = (1 - thresholds.level) / 2 * 100
    for (family, task), _ in curves.groupby(["family", "task"], sort=True):
        for d, smooth_metrics in pairs.items():
            if (family, task, d) not in index.index:
                continue
            for s in smooth_metrics:
                if (family, task, s) not in index.index:
                    continue
                dc, sc = index.loc[(family, task, d)], index.loc[(family, task, s)]
                d_rel, _, d_mean = reps[(family, task, d)]
                s_rel, _, _ = reps[(family, task, s)]
                with np.errstate(invalid="ignore"):
                    diff = d_rel - s_rel  # +-inf kept: an infinite score is the sharpest there is
                diff_lo, diff_hi = _interval(diff[~np.isnan(diff)], tail)
                verdict, reason = _verdict(dc, sc, diff_lo, thresholds)
                rows.append({
                    "family": family, "task": task, "discontinuous": d, "smooth": s,
                    "n_scales": int(dc["n_scales"]), "n_examples": dc["n_examples"],
                    "es_discontinuous": dc["emergence_score"],
                    "es_discontinuous_lo": dc["emergence_score_lo"],
                    "es_discontinuous_hi": dc["emergence_score_hi"],
                    "es_smooth": sc["emergence_score"], "es_smooth_lo": sc["emergence_score_lo"],
                    "es_smooth_hi": sc["emergence_score_hi"], "straight_line_es": dc["straight_line_es"],
                    "difference_lo": diff_lo, "difference_hi": diff_hi,
                    "p_value": dc["p_value"], "q_value": dc["q_value"],
                    "p_value_smooth": sc["p_value"], "q_value_smooth": sc["q_value"],
                    "backtest_error": sc["backtest_error"], "backtest_inside": sc["backtest_inside"],
                    "explained_share": _explained_share(reps, family, task, d, d_mean),
                    "verdict": verdict, "reason": reason,
                })
    return pd.DataFrame(rows, columns=list(VERDICT_COLUMNS))


def _verdict(dc, sc, diff_lo, thresholds) -> tuple[str, str]:
    if dc["n_scales"] < thresholds.min_scales:
        return "inconclusive", f"too few scales ({dc['n_scales']} < {thresholds.min_scales})"
    if dc["per_example"] and dc["n_examples"] is not None and dc["n_examples"] < thresholds.min_examples:
        return "inconclusive", f"too few examples ({dc['n_examples']} < {thresholds.min_examples})"
    prefix = "" if dc["per_example"] and sc["per_example"] else (
        "no per-example data: intervals from reported standard errors, not paired; ")
    if "untested" in (dc["sharp"], sc["sharp"]):
        return "inconclusive", prefix + "no uncertainty for one of the curves (no stderr, too few points)"
    if dc["sharp"] == "not sharp":
        return "no emergence", prefix + "the discontinuous curve is not sharper than a smooth trend"
    if dc["sharp"] == "unclear":
        return "inconclusive", prefix + "the discontinuous curve's interval straddles the threshold"
    if sc["sharp"] == "sharp":
        return "emergent", prefix + "sharp under the smooth metric too"
    if sc["sharp"] == "unclear":
        return "inconclusive", prefix + "the smooth curve's interval straddles the threshold"
    if not diff_lo > 0:
        return "inconclusive", prefix + "the paired difference in sharpness includes 0"
    return "mirage", prefix + "sharp under the discontinuous metric only"


def _explained_share(reps, family, task, d, d_mean) -> float:
    """Share of the largest step of the discontinuous curve that its smooth predictor reproduces.

    The predictor is the mean of a smooth per-example quantity on the discontinuous metric's own
    scale (:data:`PREDICTORS`: the sequence probability exp(target_logprob) for exact match, the
    probability on the right choice for multiple choice). 1 means the smooth quantity accounts for
    the whole jump.
    """
    predictor = PREDICTORS.get(d)
    if predictor is None or (family, task, predictor) not in reps:
        return np.nan
    p_mean = reps[(family, task, predictor)][2]
    if len(p_mean) != len(d_mean) or len(d_mean) < 2:
        return np.nan
    steps = np.diff(d_mean)
    i = int(np.argmax(np.abs(steps)))
    return float(np.diff(p_mean)[i] / steps[i]) if steps[i] != 0 else np.nan
