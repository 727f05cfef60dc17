"""Training loss curves of the ladder: one table, one figure.

Usage (core install only; from the repository root)::

    python -m analyses.ladder.loss --out paper-figures                     # the shipped curves
    python -m analyses.ladder.loss --run ladder-run --out paper-figures    # a run folder of yours

The shipped table ``analyses/ladder/results/loss_curves.csv.gz`` comes from the default ladder's
run (``python -m analyses.ladder.run``, which writes ``loss_curves.csv.gz`` into its ``--out``).
Loss is the mean cross-entropy, in nats per answer character, over the last 20 steps of training
(training loss, on the answer characters only: the recipe of ``train.py``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

SHIPPED = Path(__file__).parent / "results" / "loss_curves.csv.gz"


def collect(run: Path) -> pd.DataFrame:
    """Every ``models/<name>/loss.csv`` of a run folder, with the model's non-embedding parameters.

    Returns
    -------
    DataFrame
        ``model, params, step, tokens, loss, lr, seconds``, sorted by params and step.
    """
    parts = []
    for meta_path in sorted((run / "models").glob("*/meta.json")):
        meta = json.loads(meta_path.read_text())
        curve = pd.read_csv(meta_path.parent / "loss.csv")
        parts.append(curve.assign(model=meta["name"], params=float(meta["params"])))
    if not parts:
        raise FileNotFoundError(f"{run}: no models/<name>/meta.json; is it the --out of analyses.ladder.run?")
    table = pd.concat(parts, ignore_index=True)
    columns = ["model", "params", "step", "tokens", "loss", "lr", "seconds"]
    return table[columns].sort_values(["params", "step"], ignore_index=True)


def write(run: Path, path: Path) -> Path:
    """Write :func:`collect` of ``run`` as a gzip CSV (no timestamp in the gzip header)."""
    collect(run).to_csv(path, index=False, float_format="%.6g", compression={"method": "gzip", "mtime": 0})
    return path


def draw(table: pd.DataFrame):
    """Training loss against training tokens, one line per model (log x), smallest to largest."""
    import seaborn as sns
    from matplotlib.figure import Figure

    from emergence.plots import format_scale

    fig = Figure(figsize=(7.5, 4.5), layout="constrained")
    ax = fig.subplots()
    sizes = table.drop_duplicates("model").sort_values("params")
    colors = sns.color_palette("viridis", len(sizes))
    for color, row in zip(colors, sizes.itertuples(), strict=True):
        part = table[table["model"] == row.model]
        ax.plot(part["tokens"], part["loss"], color=color, lw=1.2,
                label=f"{row.model} ({format_scale(row.params)})")
    ax.set_xscale("log")
    ax.set_xlabel("training tokens (log scale)")
    ax.set_ylabel("training loss, nats per answer character")
    ax.grid(alpha=0.3)
    ax.legend(title="model (non-embedding params)", fontsize="x-small")
    ax.set_title("Model ladder: training loss (mean of the last 20 steps)", fontsize="medium")
    return fig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analyses.ladder.loss",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--run", type=Path, default=None, help="a run folder (default: the shipped curves)")
    parser.add_argument("--out", type=Path, default=Path("paper-figures"), help="folder for the PNG")
    args = parser.parse_args(argv)
    table = collect(args.run) if args.run else pd.read_csv(SHIPPED)
    last = table.groupby("model", sort=False).tail(1).set_index("model")
    print("final training loss (nats per answer character) and training time:")
    print(last[["params", "step", "tokens", "loss", "seconds"]].to_string(float_format=lambda v: f"{v:.4g}"))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "ladder_loss_curves.png"
    draw(table).savefig(path, dpi=110)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
