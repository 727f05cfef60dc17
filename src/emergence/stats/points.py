"""From a scores table to curves: one point per scale, with its bootstrap replicates.

This is where the integrity rules of a curve live (DESIGN.md, Statistics 7):

- at ``x = params`` each model enters at its final checkpoint; the checkpoints of a family with a
  single model are a *training curve*, flagged as such;
- distinct models of one size are never averaged: a family with two models at one scale is refused
  unless a ``seed`` column says they are seeds of one size;
- seeds of one size are one point (their mean), and the bootstrap resamples them within the size
  (``models x examples``), so intervals include seed-to-seed variation.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from emergence.bootstrap import row_std
from emergence.errors import EmergenceError, EmergenceWarning
from emergence.scale import axis_scale


@dataclass(frozen=True)
class Curve:
    """One (family, task, metric) curve.

    Attributes
    ----------
    family, task, metric, kind : str
    higher_is_better : bool or None
    scale : ndarray
        The scale of each point (increasing).
    value : ndarray
        The metric at each point, as reported (mean over seeds).
    y : ndarray
        ``value`` oriented so higher is better.
    reps : ndarray, shape (n_points, B)
        Bootstrap replicates of ``y`` (NaN rows where a point has no uncertainty).
    models : tuple of str
        The model(s) at each point (seeds joined by ``+``).
    n_seeds : ndarray of int
    n_examples : int or None
        Fewest examples behind a point.
    per_example : bool
        Whether the replicates come from a paired bootstrap over examples (else from reported
        standard errors, independent between models).
    training : bool
        The points are checkpoints of one model (a training curve), not models of several sizes.
    chance : float
        The metric's chance level (NaN where it has none).
    """

    family: str
    task: str
    metric: str
    kind: str | None
    higher_is_better: bool | None
    scale: np.ndarray
    value: np.ndarray
    y: np.ndarray
    reps: np.ndarray
    models: tuple
    n_seeds: np.ndarray
    n_examples: int | None
    per_example: bool
    training: bool
    chance: float

    @property
    def x(self) -> np.ndarray:
        """log10 of the scale."""
        return np.log10(self.scale)

    @property
    def se(self) -> np.ndarray:
        """Bootstrap standard error of each point (NaN without replicates)."""
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return row_std(self.reps, ddof=1)

    @property
    def has_uncertainty(self) -> bool:
        return bool(np.isfinite(self.reps).all(axis=0).any())

    def subset(self, keep: np.ndarray) -> Curve:
        """The same curve on the points where ``keep`` is true."""
        keep = np.asarray(keep, dtype=bool)
        return Curve(self.family, self.task, self.metric, self.kind, self.higher_is_better,
                     self.scale[keep], self.value[keep], self.y[keep], self.reps[keep],
                     tuple(m for m, k in zip(self.models, keep, strict=True) if k),
                     self.n_seeds[keep], self.n_examples, self.per_example, self.training,
                     self.chance)


def final_checkpoints(table: pd.DataFrame, x: str) -> pd.DataFrame:
    """Make the points of a curve comparable when the data has training checkpoints (``step``).

    ``x = params``: each model at its final checkpoint (earlier ones are training, not scale);
    ``x = step``: one curve per model over its training; ``x = compute``, ``tokens`` or ``loss``:
    every checkpoint of every size is a point (training compute, or the loss it reached, as the
    scale).
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


def positive_scale(table: pd.DataFrame, x: str | None) -> pd.DataFrame:
    """Leave out rows that cannot sit on a log axis of ``x`` (a checkpoint at step 0 has no tokens)."""
    if x not in ("compute", "tokens", "step", "loss") or x not in table:
        return table
    bad = ~(pd.to_numeric(table[x], errors="coerce") > 0)
    if bad.any() and not bad.all():
        why = ("(no loss given for those checkpoints) left out" if x == "loss"
               else "(e.g. step 0) left out: a log scale cannot show them")
        warnings.warn(f"x={x}: {int(bad.sum())} row(s) with no positive {x} {why}", EmergenceWarning,
                      stacklevel=3)
        table = table[~bad].reset_index(drop=True)
    return table


def check_one_model_per_scale(table: pd.DataFrame, x: str) -> None:
    """Refuse distinct models of one size in one family (they would be averaged into one point).

    Seeds of one size (a ``seed`` column) are allowed: they are resampled, not confused.
    """
    ident = ["model"] + (["step"] if "step" in table and x != "params" else [])
    has_seed = "seed" in table and table["seed"].notna().any()
    # seeds of one size share the scale; distinct models with the same seed number do not
    by = ["family", x, "seed"] if has_seed else ["family", x]
    models = table[list(dict.fromkeys([*by, *ident]))].drop_duplicates()
    clash = models[models.groupby(by, dropna=False)["model"].transform("nunique") > 1]
    if clash.empty:
        return
    family, scale = clash.iloc[0]["family"], clash.iloc[0][x]
    names = sorted(set(clash[(clash["family"] == family) & (clash[x] == scale)]["model"].astype(str)))
    raise EmergenceError(
        f"family {family!r}: models {', '.join(map(repr, names[:4]))} all have {x} = {scale:g}; "
        "distinct models of one size are never averaged into one point. Put them in different "
        "families (a 'family' column), or, if they are training seeds of one model size, give them a "
        "'seed' column"
    )


def seed_draws(seed: int, family: str, scale: float, n_seeds: int, n_replicates: int) -> np.ndarray:
    """Which seeds replicate r takes at one size: (n_replicates, n_seeds) indices, with replacement.

    Counter-based on (run seed, family, scale), so every task and metric of the family resamples
    the same models in replicate r (the bootstrap stays paired across metrics).
    """
    rng = _keyed_rng(seed, f"{family}\x1f{scale!r}", 104729)
    return rng.integers(0, n_seeds, size=(n_replicates, n_seeds))


def all_or_none_draws(value: np.ndarray, reps: np.ndarray, n: np.ndarray, *, seed: int,
                      key: str) -> np.ndarray:
    """Replicates for what no bootstrap replicate of a 0/1 metric can move.

    - A point that every example gets right, or none does: every replicate is 0 (or 1), so an
      interval built from it claims certainty that ``n`` examples do not give (with 0 of 500 right
      the true rate may still be 0.005). Its replicates are drawn instead from the Jeffreys
      posterior of a binomial rate, ``Beta(1/2, n + 1/2)`` (0 of n) or its mirror (n of n), whose
      95% bound is close to the "rule of three" 3 / n and which Brown, Cai & DasGupta (2001)
      recommend for proportions.
    - Two neighbouring models that get every example the same (the same 25 of 30 right): their
      paired difference is 0 in every replicate, though each of the two discordance rates (right
      at one model only) may be up to ~3 / n. The difference is drawn as the difference of two
      such Jeffreys draws and added to the later points together (their own gaps are kept).

    Point estimates are unchanged. Draws are keyed by (seed, curve, point or gap), so reruns
    agree. A flat curve (one value at every point) is left alone: it carries no jump.

    Parameters
    ----------
    value : ndarray, shape (n_points,)
        The curve as reported.
    reps : ndarray, shape (n_points, B)
        Its replicates, not oriented.
    n : ndarray, shape (n_points,)
        Examples behind each point (NaN: unknown, left alone).
    seed : int
    key : str
        Names the curve.
    """
    if np.unique(value[np.isfinite(value)]).size <= 1:
        return reps  # a flat curve stays flat: it carries no jump
    if not (np.nanmin(reps, initial=0.0) >= 0.0 and np.nanmax(reps, initial=1.0) <= 1.0):
        return reps  # not a rate in [0, 1] (a score in percent, say): no binomial to draw from
    reps = reps.copy()
    for p in np.flatnonzero(_still(reps) & np.isin(value, (0.0, 1.0)) & (n >= 1)):
        rate = _keyed_rng(seed, f"{key}\x1fpoint {p}", 7).beta(0.5, n[p] + 0.5, size=reps.shape[1])
        reps[p] = rate if value[p] == 0.0 else 1.0 - rate
    pair_n = np.fmin(n[:-1], n[1:])
    for g in np.flatnonzero(_still(np.diff(reps, axis=0)) & (pair_n >= 1)):
        rng = _keyed_rng(seed, f"{key}\x1fgap {g}", 7)
        gained, lost = rng.beta(0.5, pair_n[g] + 0.5, size=(2, reps.shape[1]))
        reps[g + 1:] += gained - lost  # the later points move together: their own gaps stay
    return np.clip(reps, 0.0, 1.0)


def _still(rows: np.ndarray) -> np.ndarray:
    """Rows whose replicates are all equal."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmax(rows, axis=1) == np.nanmin(rows, axis=1)


def _keyed_rng(seed: int, text: str, stream: int) -> np.random.Generator:
    """A generator keyed by (run seed, a 64-bit hash of ``text``, ``stream``): counter-based, so the
    same key gives the same draws whatever else the run holds."""
    digest = int(pd.util.hash_array(np.array([text], dtype=object))[0])
    return np.random.default_rng([seed, digest & 0xFFFFFFFF, digest >> 32, stream])


def build_curves(table: pd.DataFrame, values: np.ndarray, x: str, *, seed: int = 0) -> list[Curve]:
    """One :class:`Curve` per (family, task, metric) of a scores table.

    Parameters
    ----------
    table : DataFrame
        Scores with ``per_example`` and the scale column ``x``; row i's replicates are
        ``values[i]`` (not oriented).
    values : ndarray, shape (len(table), B)
    x : str
    seed : int
        Seed of the resampling of seeds within a size.
    """
    has_seed = "seed" in table and table["seed"].notna().any()
    n_models = table.groupby("family")["model"].nunique()
    # the columns taken out once, each curve's rows found once: a pandas group, assign and sort per
    # curve took 1.5 ms each, most of a 540-curve run's curve building (issue 13)
    group = table.groupby(["family", "task", "metric"], sort=True).ngroup().to_numpy()
    kept = np.flatnonzero(group >= 0)  # -1: a row with a missing name is in no curve
    by_group = kept[np.argsort(group[kept], kind="stable")]  # each curve's rows, in the table's order
    curve_rows = np.split(by_group, np.cumsum(np.bincount(group[kept]))[:-1]) if len(kept) else []
    labels = table.index.to_numpy()
    scale_all = axis_scale(table[x].to_numpy(dtype=float), x)
    value_all = table["value"].to_numpy(dtype=float)
    n_all = table["n"].to_numpy(dtype=float) if "n" in table else np.full(len(table), np.nan)
    names_all = table["model"].astype(str).to_numpy()
    columns = {c: table[c].to_numpy() for c in ("family", "task", "metric", "higher_is_better", "kind",
                                                 "per_example") if c in table}
    chance_all = table["chance"] if "chance" in table else None
    curves = []
    for mine_rows in curve_rows:
        # the scale grows as the models improve: a loss axis runs from the highest loss to the lowest
        order = mine_rows[np.argsort(scale_all[mine_rows], kind="stable")]
        family, task, metric = (columns[c][order[0]] for c in ("family", "task", "metric"))
        scale = scale_all[order]
        points, inverse = np.unique(scale, return_inverse=True)
        higher = columns["higher_is_better"][order[0]] if "higher_is_better" in columns else None
        higher = None if higher is None or higher != higher else bool(higher)
        sign = -1.0 if higher is False else 1.0
        reps_in = values[labels[order]]
        value_in = value_all[order]
        value = np.empty(len(points))
        reps = np.empty((len(points), values.shape[1]))
        # seeds per point: the models of one size with a seed column; rows that only share an x
        # (two checkpoints of one model at the same loss) are averaged, not seeds
        n_seeds = np.bincount(inverse) if has_seed else np.ones(len(points), dtype=int)
        names = names_all[order]
        models = []
        if len(points) == len(order):  # one row per point (no seeds, no two rows at one x): the
            # rows themselves, as their means of one are (12,960 means took a third of the time);
            # + 0.0 as a mean's sum starts from it, which makes -0.0 a 0.0 (a review found it)
            value, reps, models = value_in, reps_in, names.tolist()
            value += 0.0
            reps += 0.0
        for p in range(len(points) if len(points) < len(order) else 0):
            mine = np.flatnonzero(inverse == p)
            value[p] = value_in[mine].mean()
            models.append("+".join(names[mine]))
            if len(mine) > 1 and has_seed:
                draws = seed_draws(seed, str(family), float(points[p]), len(mine), values.shape[1])
                taken = reps_in[mine][draws.T, np.arange(values.shape[1])[None, :]]  # (k, B)
                reps[p] = taken.mean(axis=0)
            else:
                reps[p] = reps_in[mine].mean(axis=0)
        n = n_all[order]
        chance = chance_all.iloc[order].mean() if chance_all is not None else np.nan
        kind = columns["kind"][order[0]] if "kind" in columns else None
        per_example = bool(pd.Series(columns["per_example"][order]).all())
        if kind == "discontinuous" and per_example:
            n_point = np.array([np.nanmin(n[inverse == p]) for p in range(len(points))])
            reps = all_or_none_draws(value, reps, n_point, seed=seed,
                                     key=f"{family}\x1f{task}\x1f{metric}")
        curves.append(Curve(
            family=str(family), task=str(task), metric=str(metric),
            kind=None if kind is None or kind != kind else str(kind), higher_is_better=higher,
            scale=points, value=value, y=sign * value, reps=sign * reps, models=tuple(models),
            n_seeds=n_seeds, n_examples=int(np.nanmin(n)) if np.isfinite(n).any() else None,
            per_example=per_example,
            training=bool(n_models.get(family, 0) == 1 and len(points) > 1),
            chance=float(chance) if chance == chance else float("nan"),
        ))
    return curves
