"""Mirage Figs. 3 and 4: answer length and test-set size decide how "emergent" accuracy looks.

Schaeffer, Miranda & Koyejo (2023), "Mathematical Model" columns:

- Fig. 3: exact match ``p ** L`` (sharp, more so for long answers) against token edit distance
  ``L (1 - p)`` (smooth for every length) at target lengths L = 1..5;
- Fig. 4: exact match on a log axis, where the small models' accuracy is visibly above zero; and
  the point the paper makes with more test data: whether a small model's accuracy can be told from
  zero depends on the size of the test set. Here each model is scored on simulated test sets of
  10^2..10^6 examples (exact matches drawn as Binomial(n, p ** L)); an estimate of 0 is drawn at the
  bottom edge.

Two more figures show the same two metrics by answer length on per-example records rescored by the
toolkit, with 95% bootstrap intervals:

- on the real model ladder (``benchmarks/arith_ladder.csv.gz``: small transformers the project
  trained, evaluated with lm-evaluation-harness, see ``analyses/ladder/``): integer addition, each
  model at its final checkpoint, the test problems grouped by the number of digits of the answer;
  the verdict of exact match against token edit distance is printed for every length;
- on the bundled simulated family (``benchmarks/toy_powerlaw.csv.gz``), whose truth is known.

Numbers are checked against ``../shared/data/mirage/mirage_fig3_fig4_toy_model_by_length.csv`` to
1e-3.

Usage::

    python analyses/mirage_fig3_fig4.py [--out paper-figures]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from emergence import plots, toy_model
from emergence.simulate import MIRAGE_FIG2_PARAMS

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "data" / "mirage" / "mirage_fig3_fig4_toy_model_by_length.csv"
LENGTHS = (1, 2, 3, 4, 5)
TEST_SIZES = (100, 1_000, 10_000, 100_000, 1_000_000)


def by_length(params=MIRAGE_FIG2_PARAMS, lengths=LENGTHS) -> pd.DataFrame:
    """Exact match, its log10 and the negative token edit distance per (N, target length)."""
    parts = []
    for length in lengths:
        model = toy_model(params, target_length=length)
        parts.append(pd.DataFrame({"N": model["params"], "target_len": length,
                                   "accuracy": model["accuracy"],
                                   "log10_accuracy": np.log10(model["accuracy"]),
                                   "neg_token_edit_distance": -model["token_edit_distance"]}))
    return pd.concat(parts, ignore_index=True).sort_values(["N", "target_len"], ignore_index=True)


def test_set_resolution(params=MIRAGE_FIG2_PARAMS, *, length: int = 5, sizes=TEST_SIZES,
                        seed: int = 0) -> pd.DataFrame:
    """Estimated exact match of each model on test sets of growing size (Binomial draws of p ** L)."""
    rng = np.random.default_rng(seed)
    truth = toy_model(params, target_length=length)["accuracy"].to_numpy()
    rows = []
    for n in sizes:
        hits = rng.binomial(n, truth)
        for N, p, k in zip(params, truth, hits, strict=True):
            rows.append({"test_examples": n, "N": N, "true_accuracy": p, "exact_matches": int(k),
                         "estimate": k / n, "resolution": 1 / n})
    return pd.DataFrame(rows)


def compare(table: pd.DataFrame, reference: pd.DataFrame) -> pd.Series:
    """Largest absolute difference per column against the reference file."""
    merged = table.merge(reference, on=["N", "target_len"], suffixes=("", "_ref"))
    assert len(merged) == len(reference), "every reference row must be drawn"
    return pd.Series({c: float(np.max(np.abs(merged[c] - merged[f"{c}_ref"])))
                      for c in ("accuracy", "log10_accuracy", "neg_token_edit_distance")})


def _length_colors(n: int):
    import seaborn as sns

    return sns.color_palette("viridis", n)


def draw_model(table: pd.DataFrame, resolution: pd.DataFrame):
    """Fig. 3 (accuracy, edit distance by length), Fig. 4 (log accuracy) and the test-set panel."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(15, 3.9), layout="constrained")
    axes = fig.subplots(1, 4)
    colors = _length_colors(len(LENGTHS))
    for color, (length, rows) in zip(colors, table.groupby("target_len"), strict=True):
        axes[0].plot(rows["N"], rows["accuracy"], marker="o", color=color, label=f"L = {length}")
        axes[1].plot(rows["N"], rows["neg_token_edit_distance"], marker="o", color=color)
        axes[2].plot(rows["N"], rows["accuracy"], marker="o", color=color)
    axes[0].set_ylabel("exact match")
    axes[1].set_ylabel("− token edit distance, tokens")
    axes[2].set_ylabel("exact match (log scale)")
    axes[2].set_yscale("log")
    axes[0].legend(title="answer tokens", fontsize="x-small")
    axes[0].set_title("Fig. 3: exact match by answer length", fontsize="medium")
    axes[1].set_title("Fig. 3: edit distance by answer length", fontsize="medium")
    axes[2].set_title("Fig. 4: exact match on a log axis", fontsize="medium")
    sizes = sorted(resolution["test_examples"].unique())
    greys = _length_colors(len(sizes))
    floor = resolution["resolution"].min() / 3
    for color, n in zip(greys, sizes, strict=True):
        rows = resolution[resolution["test_examples"] == n]
        shown = np.where(rows["estimate"] > 0, rows["estimate"], floor)
        axes[3].plot(rows["N"], shown, marker="o", color=color, label=f"{n:,} examples")
    truth = resolution.drop_duplicates("N")
    axes[3].plot(truth["N"], truth["true_accuracy"], color="black", linestyle="--", label="p^5 (truth)")
    axes[3].axhline(floor, color="#999999", linewidth=0.8)
    axes[3].annotate("0 (no exact match seen)", (0.02, floor), xycoords=("axes fraction", "data"),
                     xytext=(0, 3), textcoords="offset points", fontsize="x-small", color="#666666")
    axes[3].set_yscale("log")
    axes[3].set_ylabel("estimated exact match, L = 5 (log)")
    axes[3].set_title("Fig. 4: more test data resolves small models\n(0 drawn at the grey floor)",
                      fontsize="medium")
    axes[3].legend(fontsize="xx-small", loc="lower right")
    for ax in axes:
        plots.format_scale_axis(ax, "params")
        ax.grid(True, alpha=0.3)
    fig.suptitle("Mirage Figs. 3 and 4, mathematical model: per-token probability exp(-(N / 2e9)^-0.5)")
    return fig


def benchmark_by_length(path: Path = ROOT / "benchmarks" / "toy_powerlaw.csv.gz"):
    """Exact match and token edit distance by answer length on a per-example benchmark, with
    bootstrap intervals (``emergence.analyze``)."""
    import emergence

    records = emergence.load(path)
    scores, _ = _by_length(records[records["task"].str.contains("length")], bootstrap=200)
    return scores


def _by_length(records: pd.DataFrame, *, bootstrap: int):
    """``emergence.analyze`` of exact match against token edit distance on tasks whose name ends in
    the answer length (``toy_length_5``, ``add_answer_5digit``): scores with ``target_len``, verdicts."""
    import emergence

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = emergence.analyze(records, metrics=["exact_match", "token_edit_distance"],
                                   pairs={"exact_match": ["token_edit_distance"]}, bootstrap=bootstrap)
    scores = result.scores
    scores = scores.assign(target_len=scores["task"].str.extract(r"(\d+)\D*$")[0].astype(int))
    return scores.sort_values(["metric", "target_len", "params"], ignore_index=True), result.verdicts


LADDER = ROOT / "benchmarks" / "arith_ladder.csv.gz"


def ladder_by_length(path: Path = LADDER, *, bootstrap: int = 200):
    """Exact match and token edit distance of the ladder's addition problems by answer length.

    Each model at its final checkpoint; the test problems of ``add_1digit`` .. ``add_5digit`` are
    regrouped by the digits of their answer (1..6) into tasks ``add_answer_<L>digit``.

    Returns
    -------
    scores, verdicts : DataFrame
        ``Analysis.scores`` with a ``target_len`` column, and ``Analysis.verdicts``.
    """
    import emergence

    records = emergence.load(path)
    records = records[records["task"].str.startswith("add_")]
    last = records.groupby("model")["step"].transform("max")
    records = records[records["step"] == last]
    length = records["target"].astype(str).str.len()
    # example ids restart at 0 in every task: keep them apart once tasks are merged
    records = records.assign(task="add_answer_" + length.astype(str) + "digit",
                             example=records["task"] + ":" + records["example"].astype(str))
    return _by_length(records, bootstrap=bootstrap)


def draw_benchmark(scores: pd.DataFrame, title: str):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4), layout="constrained")
    axes = fig.subplots(1, 2)
    colors = _length_colors(scores["target_len"].nunique())
    for ax, metric in zip(axes, ("exact_match", "token_edit_distance"), strict=True):
        part = scores[scores["metric"] == metric]
        for color, (length, rows) in zip(colors, part.groupby("target_len"), strict=True):
            plots.plot_curve(rows, metric=metric, ax=ax, color=color, label=f"L = {length}", chance=False)
        handles, labels = ax.get_legend_handles_labels()
        keep = [i for i, label in enumerate(labels) if label.startswith("L =")]
        ax.legend([handles[i] for i in keep], [labels[i] for i in keep], title="answer tokens",
                  fontsize="x-small")
    axes[0].set_title("exact match (band: 95% bootstrap interval)", fontsize="medium")
    axes[1].set_title("token edit distance", fontsize="medium")
    fig.suptitle(title)
    return fig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="paper-figures", help="folder for the PNGs (default: %(default)s)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table = by_length()
    print("Mirage Figs. 3/4, mathematical model by answer length:")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.6g}"))
    status = 0
    if REFERENCE.is_file():
        diff = compare(table, pd.read_csv(REFERENCE))
        print(f"\nagainst {REFERENCE.name}: largest differences "
              + ", ".join(f"{k} {v:.1e}" for k, v in diff.items())
              + f" -> {'MATCH' if diff.max() <= 1e-3 else 'MISMATCH'} (tolerance 1e-3)")
        status = 0 if diff.max() <= 1e-3 else 1
    else:
        print(f"\n(reference {REFERENCE} not found: comparison skipped)")
    resolution = test_set_resolution()
    print("\nEstimated exact match (L = 5) by test-set size; 0 means no exact match was seen:")
    wide = resolution.pivot(index="N", columns="test_examples", values="estimate")
    wide.insert(0, "true p^5", resolution.drop_duplicates("N").set_index("N")["true_accuracy"])
    wide.index = [plots.format_scale(n) for n in wide.index]
    print(wide.to_string(float_format=lambda v: f"{v:.3g}"))
    smallest = resolution[resolution["N"] == resolution["N"].min()]
    seen = smallest[smallest["exact_matches"] > 0]["test_examples"]
    print(f"smallest model (N = {resolution['N'].min():.3g}, true accuracy "
          f"{smallest['true_accuracy'].iloc[0]:.2g}): above zero from "
          f"{seen.min() if len(seen) else 'none'} test examples on")
    path = out / "mirage_fig3_fig4_toy_model.png"
    draw_model(table, resolution).savefig(path, dpi=110)
    print(f"wrote {path}")
    if LADDER.is_file():
        scores, verdicts = ladder_by_length()
        summary = scores.pivot_table(index=["metric", "target_len"], columns="params", values="value")
        summary.columns = [plots.format_scale(c) for c in summary.columns]
        n = scores.drop_duplicates("target_len").set_index("target_len")["n"]
        print(f"\n{LADDER.relative_to(ROOT)} (REAL models trained here, lm-evaluation-harness), addition "
              "by answer digits, final checkpoints; examples per length: "
              + ", ".join(f"{k}: {int(v)}" for k, v in n.items()))
        print(summary.to_string(float_format=lambda v: f"{v:.3f}"))
        print("\nverdicts, exact match against token edit distance:")
        length = verdicts["task"].str.extract(r"(\d+)digit$")[0].astype(int)
        table = verdicts.assign(L=length).sort_values("L")
        print(table[["L", "es_discontinuous", "es_discontinuous_lo", "es_discontinuous_hi", "es_smooth",
                     "es_smooth_lo", "es_smooth_hi", "verdict", "reason"]].to_string(
                         index=False, float_format=lambda v: f"{v:.1f}"))
        path = out / "mirage_fig3_ladder.png"
        draw_benchmark(scores, "Fig. 3 on a REAL model ladder: addition by answer digits (arith_ladder, "
                       "final checkpoints)").savefig(path, dpi=110)
        print(f"wrote {path}")
    else:
        print(f"\n({LADDER} not found: the real-model version of Fig. 3 is skipped)")
    scores = benchmark_by_length()
    summary = scores.pivot_table(index=["metric", "target_len"], columns="params", values="value")
    summary.columns = [plots.format_scale(c) for c in summary.columns]
    print("\nbenchmarks/toy_powerlaw.csv.gz (SIMULATED per-example records), mean by answer length:")
    print(summary.to_string(float_format=lambda v: f"{v:.3f}"))
    path = out / "mirage_fig3_simulated_benchmark.png"
    draw_benchmark(scores, "Fig. 3 on per-example records: the bundled SIMULATED power-law family "
                   "(toy_powerlaw)").savefig(path, dpi=110)
    print(f"wrote {path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
