"""The whole analysis: scores with paired-bootstrap intervals, curves, and one verdict per task.

:func:`analyze` rescores the records (paired Poisson bootstrap over examples), joins reported scores,
builds one curve per (family, task, metric) (:mod:`emergence.stats.points`), measures each curve's
jump effect and emergence score, and judges every (discontinuous, smooth) metric pair and every task
with the declared rules of :mod:`emergence.stats.decide`. The thresholds were chosen on the
development grid of ``analyses/validate_verdicts.py`` and their error rates are reported on a
separate test grid there and in the README.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from emergence.analysis_display import _few, _repr_safe, _summary_img, _tasks_html, task_lines
from emergence.bootstrap import percentile_interval
from emergence.combine import combined_scores, replicate_values, with_log_perplexity
from emergence.errors import EmergenceError
from emergence.jobs import check_jobs
from emergence.memory import frozen_gc, give_back
from emergence.metrics import MetricOptions, resolve_kind
from emergence.scale import choose_x
from emergence.stats.decide import VERDICTS, Thresholds
from emergence.stats.pairs import PAIR_COLUMNS, PREDICTORS, TASK_COLUMNS, decide, judge, tasks_table
from emergence.stats.points import (
    build_curves,
    check_one_model_per_scale,
    final_checkpoints,
    positive_scale,
)

__all__ = ["DEFAULT_PAIRS", "PREDICTORS", "TASK_COLUMNS", "VERDICTS", "VERDICT_COLUMNS", "Analysis",
           "Summary", "Thresholds", "analyze", "parse_pairs", "task_lines", "with_log_perplexity"]

#: Discontinuous metric -> its smooth partners, the primary one first (DESIGN.md, "Metrics"). The
#: per-token probability is primary for exact match: exact match on an L-token answer is about its
#: L-th power, the nonlinearity the mirage argument is about.
DEFAULT_PAIRS: dict[str, tuple[str, ...]] = {
    "exact_match": ("target_prob_per_token", "token_edit_distance", "target_logprob"),
    "multiple_choice_grade": ("choice_prob", "brier_score", "calibration_multiple_choice_brier_score"),
    "acc": ("log_ppl", "bits_per_byte"),
    # BIG-bench score files: exact string match with the log-likelihood or the Brier score the file
    # carries (most tasks have no log_likelihood)
    "exact_str_match": ("log_likelihood", "calibration_multiple_choice_brier_score"),
}

#: Verdict (pair) columns, in order.
VERDICT_COLUMNS = PAIR_COLUMNS


@dataclass(frozen=True)
class Analysis:
    """What :func:`analyze` found.

    Attributes
    ----------
    scores : DataFrame
        One row per (family, model, task, metric) with ``value``, ``stderr``, ``ci_lo``, ``ci_hi``.
    curves : DataFrame
        One row per (family, task, metric): emergence score and jump effect with intervals.
    verdicts : DataFrame
        One row per (family, task, discontinuous, smooth) pair; columns :data:`PAIR_COLUMNS`.
    tasks : DataFrame
        One row per (family, task): the task's verdict; columns :data:`TASK_COLUMNS`.
    settings : dict
    """

    scores: pd.DataFrame
    curves: pd.DataFrame
    verdicts: pd.DataFrame
    tasks: pd.DataFrame
    settings: dict = field(default_factory=dict)
    pairs: dict = field(default_factory=dict, repr=False)

    def rejudge(self, thresholds: Thresholds) -> Analysis:
        """The same measurements judged with another jump threshold, alpha or minimum sizes.

        The effects, intervals and replicates are not recomputed (an interval level other than the
        run's needs a new :func:`analyze`).
        """
        verdicts = decide(self.verdicts.drop(columns=["verdict", "reason"]).assign(
            threshold=thresholds.jump), thresholds)
        tasks = tasks_table(verdicts) if len(verdicts) else self.tasks
        settings = self.settings | {"jump_threshold": thresholds.jump, "alpha": thresholds.alpha,
                                    "min_scales": thresholds.min_scales,
                                    "min_examples": thresholds.min_examples}
        return Analysis(self.scores, self.curves, verdicts, tasks, settings, self.pairs)

    def to_frame(self, level: str = "task") -> pd.DataFrame:
        """The results at one level, as a tidy table (a copy: changing it leaves the analysis as it is).

        Parameters
        ----------
        level : {"task", "pair", "curve", "score"}
            ``"task"``: one row per (family, task), its verdict (:attr:`tasks`); ``"pair"``: one row
            per (family, task, discontinuous, smooth) pair (:attr:`verdicts`); ``"curve"``: one row
            per (family, task, metric) (:attr:`curves`); ``"score"``: one row per (family, model,
            task, metric) (:attr:`scores`).

        Returns
        -------
        DataFrame
        """
        tables = {"task": self.tasks, "pair": self.verdicts, "curve": self.curves, "score": self.scores}
        if not isinstance(level, str) or level not in tables:
            raise EmergenceError(
                f"The 'level' parameter of to_frame must be one of {', '.join(map(repr, tables))}. "
                f"Got {level!r} instead.")
        return tables[level].copy()

    def summary(self) -> Summary:
        """The per-task and per-pair tables, which print as one line per task.

        Returns
        -------
        Summary
            ``tasks`` (columns :data:`TASK_COLUMNS`) and ``pairs`` (columns :data:`PAIR_COLUMNS`
            first); ``str()`` of it is the text table of :func:`task_lines` (what it returned before
            it had the tables), so ``print(result.summary())`` prints the tasks.
        """
        return Summary(self.tasks, self.verdicts)

    def __repr__(self) -> str:
        """A few lines: the tasks per verdict, the families, the settings, and how to see more."""
        families = sorted(set(self.curves["family"].astype(str))) if len(self.curves) else []
        s = self.settings
        lines = [f"Analysis: {len(self.tasks)} task(s) judged in {len(families)} "
                 f"famil{'y' if len(families) == 1 else 'ies'}"
                 + (f" ({_few(families, 6)})" if families else "")]
        for verdict in VERDICTS:
            names = (self.tasks.loc[self.tasks["verdict"] == verdict, ["family", "task"]].astype(str)
                     if len(self.tasks) else pd.DataFrame(columns=["family", "task"]))
            shown = [f"{f}/{t}" for f, t in names.itertuples(index=False)]
            lines.append(f"  {verdict + ':':<14} {len(names):>3}  {_few(shown, 4)}".rstrip())
        if s:
            lines.append(f"settings: x = {s.get('x')}, {s.get('bootstrap')} bootstrap replicates, "
                         f"seed {s.get('seed')}, jump threshold {s.get('jump_threshold')}, "
                         f"alpha {s.get('alpha')}, level {s.get('level')}")
        lines.append("more: .summary() (per-task and per-pair tables), "
                     ".to_frame('task' | 'pair' | 'curve' | 'score')")
        return "\n".join(_repr_safe(line) for line in lines)

    def _repr_html_(self) -> str:
        """For Jupyter: the summary figure, small, then the per-task table with a verdict badge per row."""
        return (_summary_img(self.tasks, self.settings, self.verdicts)
                + _tasks_html(self.tasks, self.settings))



@dataclass(frozen=True)
class Summary:
    """What :meth:`Analysis.summary` returns: the per-task and the per-pair tables.

    Attributes
    ----------
    tasks : DataFrame
        One row per (family, task): its verdict; columns :data:`TASK_COLUMNS`.
    pairs : DataFrame
        One row per (family, task, discontinuous, smooth) pair; columns :data:`PAIR_COLUMNS` first.
    """

    tasks: pd.DataFrame
    pairs: pd.DataFrame

    def __str__(self) -> str:
        if self.tasks.empty:
            return "no discontinuous/smooth metric pair to judge"
        return task_lines(self.tasks)

    def __repr__(self) -> str:
        return _repr_safe(str(self))

    def _repr_html_(self) -> str:
        return _tasks_html(self.tasks, {})


def parse_pairs(pairs) -> dict[str, tuple[str, ...]]:
    """``["exact_match:token_edit_distance", ...]`` -> {discontinuous: (smooth, ...)}.

    A pair must join a discontinuous metric to a smooth one; a pair of the same kind (``acc:acc``)
    or of a nonlinear metric is refused with the kinds it has.
    """
    out: dict[str, list[str]] = {}
    for text in pairs:
        if text.count(":") != 1 or not all(text.split(":")):
            raise EmergenceError(
                f"--pairs: {text!r} is not DISCONTINUOUS:SMOOTH, e.g. exact_match:token_edit_distance"
            )
        d, s = text.split(":")
        kd, ks = resolve_kind(d), resolve_kind(s)
        if d == s or (kd and ks and (kd[0] != "discontinuous" or ks[0] != "smooth")):
            raise EmergenceError(
                f"--pairs: {text!r} joins {d} ({kd[0] if kd else 'unknown kind'}) to {s} "
                f"({ks[0] if ks else 'unknown kind'}); a pair needs a discontinuous metric first and a "
                "smooth one second, e.g. exact_match:token_edit_distance or acc:log_ppl"
            )
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
    progress=None,
    jobs: int = 1,
    engine: str = "process",
    client=None,
    rescored=None,
) -> Analysis:
    """Rescore, bootstrap, measure and judge every (family, task).

    Parameters
    ----------
    records : DataFrame, optional
        A validated records table (per-example data: paired bootstrap).
    scores : DataFrame, optional
        A validated scores table (aggregate-only data: intervals from reported standard errors,
        independent between models).
    x : {"params", "compute", "tokens", "step", "loss"}, optional
        The scale (default: see :func:`emergence.scale.choose_x`); ``"loss"`` runs from the
        highest loss to the lowest (:func:`emergence.scale.axis_scale`).
    metrics : list of str, optional
        Metrics to compute from the records (default: all that apply).
    pairs : dict, optional
        Discontinuous metric -> smooth metrics to judge it against, the primary first (default
        :data:`DEFAULT_PAIRS`).
    bootstrap : int
        Replicates of the paired bootstrap (>= 100 for verdicts).
    seed : int
    options : MetricOptions, optional
    thresholds : Thresholds, optional
    progress : callable, optional
        ``progress(stage, done, total)`` as the work goes: ``"scoring"`` (rescoring and the
        bootstrap, 0 then 1 of 1) and ``"judging"`` (curves measured and judged, 0 then 1 of 1).
    jobs : int, default 1
        Processes rescoring different tasks and measuring their curves and pairs; the numbers are
        the same for any value.
    engine : {"process", "dask"}, default "process"
        Where the records are rescored: in this process, or on a Dask cluster
        (:mod:`emergence.engines`; ``pip install -e '.[dask]'``), in shards of whole tasks, with the
        same numbers. With ``"dask"``, ``records`` may also be files and folders, read and validated
        on the workers.
    client : distributed.Client, optional
        The cluster for ``engine="dask"`` (default: a local cluster, one worker per core, made for
        this call and closed after it).
    rescored : optional
        The records already rescored by an engine (what :func:`emergence.engines.rescore` returns),
        in place of ``records``.

    Returns
    -------
    Analysis
    """
    def say(stage: str, done: int) -> None:
        if progress is not None:
            progress(stage, done, 1)

    if records is None and scores is None and rescored is None:
        raise EmergenceError("analyze needs records, scores or both")
    if not isinstance(bootstrap, int | np.integer) or bootstrap < 100:
        raise EmergenceError(
            f"The 'bootstrap' parameter of analyze must be an int >= 100. Got {bootstrap!r} instead."
        )
    thresholds = thresholds or Thresholds()
    pairs = DEFAULT_PAIRS if pairs is None else parse_pairs(f"{d}:{s}" for d, ss in pairs.items() for s in ss)
    if engine not in ("process", "dask"):
        raise EmergenceError(f"The 'engine' parameter of analyze must be 'process' or 'dask'. Got {engine!r} "
                             "instead.")
    shown = rescored is None  # else the engine that rescored showed its progress
    if shown:
        say("scoring", 0)
    check_jobs(jobs)
    if engine == "dask" and rescored is None and records is not None:
        from emergence.engines import rescore as rescore_on

        rescored = rescore_on(records, engine=engine, client=client, metrics=metrics, options=options,
                              bootstrap=bootstrap, seed=seed)
        records = None
        if rescored.scores is not None:  # the aggregate scores of the files read
            scores = rescored.scores if scores is None else pd.concat([scores, rescored.scores],
                                                                      ignore_index=True)
    # the records live to the end of the analysis: the collector's full passes leave them out
    with frozen_gc():
        return _scored_and_judged(records, scores, x=x, metrics=metrics, pairs=pairs, bootstrap=bootstrap,
                                  seed=seed, options=options, thresholds=thresholds, say=say, shown=shown,
                                  jobs=jobs, rescored=rescored)


def _scored_and_judged(records, scores, *, x, metrics, pairs, bootstrap, seed, options, thresholds, say,
                       shown, jobs, rescored) -> Analysis:
    """:func:`analyze`'s work once its arguments are checked."""
    table, replicates = combined_scores(records, scores, metrics=metrics, options=options,
                                        bootstrap=bootstrap, seed=seed, rescored=rescored, jobs=jobs)
    if shown:
        say("scoring", 1)
    if table.empty:
        raise EmergenceError(
            "nothing to analyse: no score of any (family, model, task, metric) could be computed from "
            "the input (examples that not every model of a family has are left out, and metrics need "
            "their columns); check the warnings above, or run `python -m emergence validate`"
        )
    x = choose_x(table, x)
    table = final_checkpoints(positive_scale(table, x), x)
    check_one_model_per_scale(table, x)
    # the replicates of the rows kept only (the rescored ones taken without a copy when all are)
    table, values = replicate_values(table.reset_index(drop=True), replicates, bootstrap=bootstrap, seed=seed)
    del replicates
    give_back()
    table["ci_lo"], table["ci_hi"] = percentile_interval(values, thresholds.level)
    say("judging", 0)
    curves = build_curves(table, values, x, seed=seed)
    curve_table, verdicts, tasks = judge(curves, pairs, x, thresholds, jobs=jobs)
    say("judging", 1)
    seeds = int(curve_table["seeds_per_scale"].max()) if len(curve_table) else 1
    paired = bool(len(curve_table)) and bool(curve_table["per_example"].any())
    mixed = paired and not bool(curve_table["per_example"].all())
    settings = {"x": x, "bootstrap": bootstrap, "seed": seed, "jump_threshold": thresholds.jump,
                "alpha": thresholds.alpha, "level": thresholds.level,
                "min_scales": thresholds.min_scales, "min_examples": thresholds.min_examples,
                "uncertainty": "examples and seeds (models resampled within a size)" if seeds > 1
                else ("examples for the records, reported standard errors (independent between "
                      "models) for the aggregate scores; conditional on the trained models" if mixed
                      else "examples only: intervals are conditional on the trained models" if paired
                      else "reported standard errors, independent between models; conditional on "
                      "the trained models")}
    return Analysis(table, curve_table, verdicts, tasks, settings, dict(pairs))

