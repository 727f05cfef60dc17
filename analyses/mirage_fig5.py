"""Mirage Fig. 5, in form: emergence scores per metric over every curve of a dataset.

Schaeffer, Miranda & Koyejo (2023, Fig. 5A) compute the emergence score (BIG-bench's
"breakthroughness") of every BIG-bench task curve under its preferred metric and find the high scores
concentrated in a few discontinuous metrics (their Fig. 5A marks exact_str_match,
multiple_choice_grade, bleu, rougeLsum and normalized_aggregate_score;
``../shared/data/mirage/mirage_fig5_bigbench_preferred_metrics.csv``). The BIG-bench score files
themselves are not bundled, so this script draws the same form on:

- the Pythia evaluations (``../shared/data/pythia/pythia_evals.csv.gz``: every family, task and
  metric at the final checkpoint of each size; aggregate lm-eval results);
- the bundled simulated benchmarks (``benchmarks/toy_*``, per-example records rescored under every
  metric) and the real model ladder (``benchmarks/arith_ladder.csv.gz``, small transformers trained
  and evaluated with lm-evaluation-harness by ``analyses/ladder``; final checkpoints);
- BIG-bench score files when given a path (``--bigbench bigbench/benchmark_tasks``; the preferred
  metric of each task, as in the paper).

The score is computed on each metric as reported, oriented so that higher is better (as the paper
does), by :func:`emergence.curve_table`; curves need at least 4 sizes.

Usage::

    python analyses/mirage_fig5.py [--out paper-figures] [--bigbench PATH]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import emergence
from emergence import plots
from emergence.analysis import with_log_perplexity
from emergence.stats import straight_line_score

ROOT = Path(__file__).resolve().parents[1]
PYTHIA = ROOT.parent / "shared" / "data" / "pythia" / "pythia_evals.csv.gz"
PAPER = ROOT.parent / "shared" / "data" / "mirage" / "mirage_fig5_bigbench_preferred_metrics.csv"
MIN_SCALES = 4


def final_checkpoints(scores: pd.DataFrame) -> pd.DataFrame:
    """Each model at its last training step (earlier checkpoints are training, not scale)."""
    if "step" not in scores or scores["step"].isna().all():
        return scores
    last = scores.groupby(["family", "model"])["step"].transform("max")
    return scores[scores["step"].isna() | (scores["step"] == last)]


def score_curves(scores: pd.DataFrame, *, dataset: str) -> pd.DataFrame:
    """Emergence score of every (family, task, metric) curve with at least :data:`MIN_SCALES` sizes,
    with the score of a straight line at the same sizes (``straight_line_es``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        curves = emergence.curve_table(scores, x="params")
    curves = curves[curves["n_scales"] >= MIN_SCALES].copy()
    lines = {}
    for key, part in scores.groupby(["family", "task", "metric"]):
        lines[key] = straight_line_score(np.log10(np.unique(part["params"].to_numpy(dtype=float))))
    curves["straight_line_es"] = [lines[k] for k in zip(curves["family"], curves["task"], curves["metric"],
                                                         strict=True)]
    return curves.assign(dataset=dataset).reset_index(drop=True)


def pythia_curves(path: Path = PYTHIA, *, tasks=None) -> pd.DataFrame:
    """Curves of every family, task and metric of the Pythia evaluations (or only ``tasks``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = emergence.load(path)
    if tasks is not None:
        scores = scores[scores["task"].isin(list(tasks))]
    # ppl is exp(loss): nonlinear in the loss; its log (log_ppl) is added, as analyze does
    scores = with_log_perplexity(final_checkpoints(scores))
    return score_curves(scores, dataset="Pythia evals (aggregate lm-eval results)")


def benchmark_curves(path: Path = ROOT / "benchmarks", *, pattern: str = "toy_*.csv.gz",
                     dataset: str = "bundled SIMULATED benchmarks (benchmarks/toy_*)") -> pd.DataFrame:
    """Curves of the bundled benchmark files matching ``pattern``, rescored under every metric, each
    model at its final checkpoint."""
    files = sorted(path.glob(pattern))
    if not files:
        return pd.DataFrame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        records = pd.concat([emergence.load(f) for f in files], ignore_index=True)
        if "step" in records and records["step"].notna().any():
            last = records.groupby(["family", "model"])["step"].transform("max")
            records = records[records["step"] == last]
        scores = emergence.rescore(records)
    return score_curves(scores, dataset=dataset)


def ladder_curves(path: Path = ROOT / "benchmarks") -> pd.DataFrame:
    """The real model ladder (``benchmarks/arith_ladder.csv.gz``), final checkpoints."""
    return benchmark_curves(path, pattern="arith_ladder.csv.gz",
                            dataset="REAL model ladder (benchmarks/arith_ladder, final checkpoints)")


def bigbench_curves(path: Path) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = emergence.load(path)
    if "preferred" in scores:
        scores = scores[scores["preferred"].astype(bool)]
    return score_curves(scores, dataset=f"BIG-bench score files ({path})")


def summarise(curves: pd.DataFrame) -> pd.DataFrame:
    """Per metric: curves, median and largest score, and how many exceed 1.5x a straight line's."""
    es = curves["emergence_score"]
    above = es > 1.5 * curves["straight_line_es"]
    table = curves.assign(above=above, es=es).groupby("metric").agg(
        curves=("es", "size"), median_es=("es", "median"), max_es=("es", "max"),
        above_1_5x_line=("above", "sum"))
    table["share_above"] = table["above_1_5x_line"] / table["curves"]
    return table.sort_values("median_es", ascending=False)


def draw(curves: pd.DataFrame, *, title: str, max_metrics: int = 30):
    """The boxen plot of :func:`emergence.plots.plot_emergence_scores`, most curves first."""
    counts = curves["metric"].value_counts()
    metrics = counts.index[:max_metrics].tolist()
    order = curves[curves["metric"].isin(metrics)].groupby("metric")["emergence_score"].median()
    order = order.sort_values(ascending=False).index.tolist()
    reference = float(curves["straight_line_es"].median())
    ax = plots.plot_emergence_scores(curves, metrics=order, reference=reference, title=title)
    return ax.figure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="paper-figures", help="folder for the PNGs (default: %(default)s)")
    parser.add_argument("--bigbench", type=Path, help="BIG-bench score files (a folder or files)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    datasets = [("benchmarks", benchmark_curves), ("ladder", ladder_curves)]
    if PYTHIA.is_file():
        datasets.insert(0, ("pythia", pythia_curves))
    else:
        print(f"({PYTHIA} not found: the Pythia panel is skipped)")
    if args.bigbench:
        datasets.append(("bigbench", lambda: bigbench_curves(args.bigbench)))
    if PAPER.is_file():
        paper = pd.read_csv(PAPER)
        marked = paper.loc[paper["fig5a_high_emergence_score_outliers"] == 1, "metric"].tolist()
        print(f"Paper, Fig. 5A: of {len(paper)} BIG-bench preferred metrics, high emergence scores come "
              f"from {len(marked)}: {', '.join(marked)}\n")
    for name, make in datasets:
        curves = make()
        if curves.empty:
            print(f"{name}: no curve with at least {MIN_SCALES} sizes; nothing to draw\n")
            continue
        print(f"{curves['dataset'].iloc[0]}: {len(curves)} curves, {curves['metric'].nunique()} metrics, "
              f"straight-line score at these sizes {curves['straight_line_es'].median():.2f}")
        print(summarise(curves).to_string(float_format=lambda v: f"{v:.2f}"))
        path = out / f"mirage_fig5_{name}.png"
        draw(curves, title=f"Emergence score per metric: {curves['dataset'].iloc[0]}").savefig(path, dpi=110)
        print(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
