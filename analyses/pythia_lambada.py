"""Pythia on LAMBADA: accuracy (exact match of the last word) against perplexity, over size and compute.

``lambada_openai`` reports ``acc`` (greedy exact match of the final word: discontinuous) and ``ppl``
(exp of the mean negative log-likelihood of that word: smooth in the loss, though exponential). From
the Pythia evaluations (``../shared/data/pythia/pythia_evals.csv.gz``, EleutherAI/pythia evals/,
zero-shot), for the standard and deduplicated families:

- over the 8 sizes (70M..12B) at the final checkpoint (step 143,000);
- over training compute 6·N·D, every checkpoint of every size (27 per size).

Then ``emergence.analyze`` judges acc against log(ppl) on both x-axes.

Usage::

    python analyses/pythia_lambada.py [--out paper-figures]
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

ROOT = Path(__file__).resolve().parents[1]
PYTHIA = ROOT.parent / "shared" / "data" / "pythia" / "pythia_evals.csv.gz"
FAMILIES = ("pythia", "pythia-deduped")


def lambada(path: Path = PYTHIA) -> pd.DataFrame:
    """lambada_openai acc and ppl of the zero-shot standard and deduped families, every checkpoint."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = emergence.load(path)
    keep = scores["family"].isin(FAMILIES) & (scores["task"] == "lambada_openai") & \
        scores["metric"].isin(["acc", "ppl"])
    return scores[keep].reset_index(drop=True)


def final(scores: pd.DataFrame) -> pd.DataFrame:
    """acc and ppl per family and size at the last checkpoint, wide."""
    last = scores["step"] == scores.groupby(["family", "model"])["step"].transform("max")
    table = scores[last].pivot_table(index=["family", "params"], columns="metric", values="value")
    return table.reset_index().sort_values(["family", "params"], ignore_index=True)


def draw(scores: pd.DataFrame):
    import seaborn as sns
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 8), layout="constrained")
    axes = fig.subplots(2, 2)
    wide = final(scores)
    styles = {"pythia": ("o", "-"), "pythia-deduped": ("s", "--")}
    for family, rows in wide.groupby("family"):
        marker, line = styles[family]
        axes[0, 0].plot(rows["params"], rows["acc"], marker=marker, linestyle=line,
                        color=plots.COLORS["discontinuous"], label=family)
        axes[0, 1].plot(rows["params"], rows["ppl"], marker=marker, linestyle=line,
                        color=plots.COLORS["smooth"], label=family)
    for ax in axes[0]:
        plots.format_scale_axis(ax, "params")
        ax.legend(fontsize="small")
    axes[0, 0].set_ylabel("accuracy (exact match of the last word)")
    axes[0, 1].set_ylabel("perplexity of the last word (log scale)")
    axes[0, 1].set_yscale("log")
    axes[0, 0].set_title("acc over model size (final checkpoint)", fontsize="medium")
    axes[0, 1].set_title("ppl over model size (final checkpoint)", fontsize="medium")
    training = scores[(scores["family"] == "pythia") & (scores["compute"] > 0)]
    sizes = sorted(training["params"].unique())
    palette = dict(zip(sizes, sns.color_palette("viridis", len(sizes)), strict=True))
    for params, rows in training.groupby("params"):
        rows = rows.sort_values("compute")
        label = plots.format_scale(params)
        acc, ppl = rows[rows["metric"] == "acc"], rows[rows["metric"] == "ppl"]
        axes[1, 0].plot(acc["compute"], acc["value"], color=palette[params], label=label, linewidth=1.2)
        axes[1, 1].plot(ppl["compute"], ppl["value"], color=palette[params], label=label, linewidth=1.2)
    for ax in axes[1]:
        plots.format_scale_axis(ax, "compute")
        ax.legend(title="parameters", fontsize="x-small", ncols=2)
    axes[1, 0].set_ylabel("accuracy")
    axes[1, 1].set_ylabel("perplexity (log scale)")
    axes[1, 1].set_yscale("log")
    axes[1, 0].set_title("acc over training compute 6·N·D (pythia, every checkpoint)", fontsize="medium")
    axes[1, 1].set_title("ppl over training compute 6·N·D (pythia, every checkpoint)", fontsize="medium")
    for ax in axes.ravel():
        ax.grid(True, alpha=0.3)
    fig.suptitle("Pythia, lambada_openai zero-shot: discontinuous accuracy vs smooth perplexity")
    return fig


def verdicts(scores: pd.DataFrame, x: str) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = emergence.analyze(scores=scores, x=x, pairs={"acc": ("log_ppl",)}, bootstrap=1000)
    return result.verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="paper-figures", help="folder for the PNG (default: %(default)s)")
    args = parser.parse_args(argv)
    if not PYTHIA.is_file():
        print(f"{PYTHIA} not found: this figure needs the Pythia evaluations (../shared/data)")
        return 0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    scores = lambada()
    wide = final(scores)
    print("lambada_openai, zero-shot, final checkpoint:")
    shown = wide.assign(size=wide["params"].map(plots.format_scale))
    shown = shown[["family", "size", "params", "acc", "ppl"]]
    print(shown.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"({len(scores)} rows, {scores['step'].nunique()} checkpoints; the standard family has no plain "
          "1B model, only a bf16 variant, so it has 7 sizes)")
    for x in ("params", "compute"):
        v = verdicts(scores, x)
        print(f"\nacc vs log_ppl, x = {x}:")
        cols = ["family", "n_scales", "es_discontinuous", "es_discontinuous_lo", "es_discontinuous_hi",
                "es_smooth", "straight_line_es", "verdict"]
        print(v[cols].to_string(index=False, float_format=lambda value: f"{value:.2f}"))
        print("reason: " + "; ".join(sorted(set(v["reason"]))))
    path = out / "pythia_lambada_acc_vs_ppl.png"
    draw(scores).savefig(path, dpi=110)
    print(f"wrote {path}")
    return 0 if np.isfinite(wide[["acc", "ppl"]].to_numpy()).all() else 1


if __name__ == "__main__":
    sys.exit(main())
