"""Mirage Fig. 2: one smooth power law, six metrics; the discontinuous ones look emergent.

Schaeffer, Miranda & Koyejo (2023, "Are Emergent Abilities of Large Language Models a Mirage?",
Fig. 2): per-token cross-entropy ``L(N) = (N / 2e9) ** -0.5`` at four model sizes; per-token
probability ``p = exp(-L)``; exact match on a 5-token answer ``p ** 5``; token edit distance
``5 (1 - p)``; the two-choice multiple-choice grade (chance 1/2 until ``p > 1/2``, then 1) and Brier
score ``(1 - p) ** 2``. Computed by :func:`emergence.toy_model` and checked against
``../shared/data/mirage/mirage_fig2_toy_model_values.csv`` (the values recomputed from the paper's
formula, to 1e-3; the values read off the figure agree to about 2e-3).

Usage::

    python analyses/mirage_fig2.py [--out paper-figures]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from emergence import plots, toy_model
from emergence.simulate import MIRAGE_FIG2_PARAMS

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mirage" / \
    "mirage_fig2_toy_model_values.csv"

#: Columns of the reference file read off the paper's figure (about 3 decimals), per panel.
FIGURE_COLUMNS = {"A": "fig_L_CE", "B": "fig_p_token", "C": "fig_accuracy_L5", "D": "fig_neg_TED_L5",
                  "E": "fig_mc_grade_2choices", "F": "fig_neg_brier_2choices"}

#: Panel -> (column of toy_model, sign as plotted, y label, column of the reference file).
PANELS = {
    "A": ("cross_entropy", 1, "per-token cross-entropy, nats", "model_L_CE"),
    "B": ("p_token", 1, "per-token probability of the right token", "model_p_token"),
    "C": ("accuracy", 1, "exact match, 5-token answer", "model_accuracy_L5"),
    "D": ("token_edit_distance", -1, "− token edit distance, 5-token answer",
          "model_neg_token_edit_distance_L5"),
    "E": ("multiple_choice_grade", 1, "multiple-choice grade, 2 choices", "fig_mc_grade_2choices"),
    "F": ("brier_score", -1, "− Brier score, 2 choices", "model_neg_brier_binary"),
}


def compute(params=MIRAGE_FIG2_PARAMS) -> pd.DataFrame:
    """The six plotted quantities at each N (signs as in the paper's panels)."""
    model = toy_model(params, target_length=5)
    table = pd.DataFrame({"N": model["params"]})
    for panel, (column, sign, _, _) in PANELS.items():
        table[f"{panel}_{column}"] = sign * model[column]
    return table


def compare(table: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Largest absolute difference per panel against the reference file."""
    rows = []
    for panel, (column, _, _, ref) in PANELS.items():
        ours = table[f"{panel}_{column}"].to_numpy()
        figure = reference[FIGURE_COLUMNS[panel]].to_numpy()
        rows.append({"panel": panel, "quantity": column, "reference column": ref,
                     "max abs difference": float(np.max(np.abs(ours - reference[ref].to_numpy()))),
                     "vs values read off the figure": float(np.max(np.abs(ours - figure)))})
    return pd.DataFrame(rows)


def draw(table: pd.DataFrame):
    """The six panels, as in the paper: three smooth (blue), three discontinuous-looking (orange)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 6.6), layout="constrained")
    axes = fig.subplots(2, 3).ravel()
    smooth = {"A", "B", "D", "F"}
    for ax, (panel, (column, _, label, _)) in zip(axes, PANELS.items(), strict=True):
        color = plots.COLORS["smooth" if panel in smooth else "discontinuous"]
        ax.plot(table["N"], table[f"{panel}_{column}"], marker="o", color=color)
        plots.format_scale_axis(ax, "params")
        ax.set_ylabel(label)
        ax.set_title(f"{panel}. {label}", fontsize="medium")
        ax.grid(True, alpha=0.3)
    fig.suptitle("Mirage Fig. 2 (toy model): L(N) = (N / 2e9)^-0.5; the same model under six metrics")
    return fig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="paper-figures", help="folder for the PNG (default: %(default)s)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table = compute()
    print("Mirage Fig. 2, toy model values drawn:")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    status = 0
    if REFERENCE.is_file():
        diff = compare(table, pd.read_csv(REFERENCE))
        print(f"\nagainst {REFERENCE.name} (tolerance 1e-3):")
        print(diff.to_string(index=False, float_format=lambda v: f"{v:.2e}"))
        worst = diff["max abs difference"].max()
        print(f"largest difference {worst:.2e}: {'MATCH' if worst <= 1e-3 else 'MISMATCH'} (the figure "
              f"itself, digitised to about 3 decimals, is within {diff.iloc[:, -1].max():.1e})")
        status = 0 if worst <= 1e-3 else 1
    else:
        print(f"\n(reference {REFERENCE} not found: comparison skipped)")
    path = out / "mirage_fig2_toy_model.png"
    draw(table).savefig(path, dpi=110)
    print(f"wrote {path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
