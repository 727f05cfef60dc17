"""Evaluate every checkpoint with lm-evaluation-harness (``lm_eval.simple_evaluate``, ``--log_samples``).

For each model ``<name>``, checkpoint ``step<N>`` and request type (``gen``: generate_until,
``ll``: loglikelihood, ``mc``: multiple_choice), one lm-eval run writes its normal output folder::

    <out>/lm_eval/<name>/step<N>/<kind>/<name>/results_<timestamp>.json
    <out>/lm_eval/<name>/step<N>/<kind>/<name>/samples_<task>_<timestamp>.jsonl

The model is lm-eval's ``hf`` model with ``pretrained=<name>,subfolder=step<N>,revision=step<N>``,
run from ``<out>/models`` so that the model name lm-eval logs is ``<name>`` and not a path.
``revision`` does nothing for a local folder; it is there because :mod:`emergence.sources.lm_eval`
reads the checkpoint step from ``revision=step<N>`` (Pythia's convention on the Hub).
Wall-clock seconds per run go to ``<out>/eval_times.csv`` (``eval_times_<name>.csv`` from run.py).
"""

from __future__ import annotations

import contextlib
import csv
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

KINDS = ("gen", "ll", "mc")


@contextlib.contextmanager
def _cwd(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def evaluate_checkpoint(out: Path, name: str, step: int, task_names: list[str], task_manager,
                        batch_size: int = 64, kinds: tuple[str, ...] = KINDS) -> dict[str, float]:
    """Run lm-eval on one checkpoint, one run per request type; return seconds per type."""
    from lm_eval import simple_evaluate
    from lm_eval.loggers import EvaluationTracker

    out = out.resolve()
    seconds = {}
    for kind in kinds:
        chosen = [t for t in task_names if t.endswith(f"_{kind}")]
        if not chosen:
            continue
        tracker = EvaluationTracker(output_path=str(out / "lm_eval" / name / f"step{step}" / kind))
        start = time.perf_counter()
        with _cwd(out / "models"):
            results = simple_evaluate(
                model="hf",
                model_args=f"pretrained={name},subfolder=step{step},revision=step{step},dtype=float32",
                tasks=chosen, batch_size=batch_size, device="cpu", log_samples=True,
                evaluation_tracker=tracker, task_manager=task_manager, bootstrap_iters=0,
                random_seed=0, numpy_random_seed=0, torch_random_seed=0, fewshot_random_seed=0,
            )
        samples = results.pop("samples")
        tracker.save_results_aggregated(results=results, samples=samples)
        for task in results["configs"]:
            tracker.save_results_samples(task_name=task, samples=samples[task])
        seconds[kind] = time.perf_counter() - start
    return seconds


def evaluate_all(out: Path, checkpoints: dict[str, list[int]], batch_size: int = 64,
                 kinds: tuple[str, ...] = KINDS, threads: int = 1, verbose: bool = True,
                 times_file: str = "eval_times.csv") -> list[dict]:
    """Evaluate every (model, step) of ``checkpoints`` on the task YAMLs in ``<out>/tasks``."""
    import torch
    from lm_eval.tasks import TaskManager

    torch.set_num_threads(threads)
    for noisy in ("lm_eval", "lm-eval", "transformers", "datasets"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    task_dir = (out / "tasks").resolve()
    task_names = sorted(p.stem for p in task_dir.glob("*.yaml"))
    task_manager = TaskManager(include_path=str(task_dir), include_defaults=False)
    n_docs = {p.stem: sum(1 for _ in open(p)) for p in (out / "data").glob("*.jsonl")}
    rows = []
    for name, steps in checkpoints.items():
        for step in steps:
            seconds = evaluate_checkpoint(out, name, step, task_names, task_manager, batch_size, kinds)
            for kind, value in seconds.items():
                docs = sum(n_docs[t.removesuffix(f"_{kind}")] for t in task_names if t.endswith(f"_{kind}"))
                rows.append({"model": name, "step": step, "kind": kind, "docs": docs,
                             "seconds": round(value, 2), "seconds_per_1000": round(1000 * value / docs, 2),
                             "threads": threads, "batch_size": batch_size})
                if verbose:
                    print(f"  eval {name} step{step} {kind}: {docs} docs {value:.1f}s", flush=True)
    path = out / times_file
    new = not path.exists()
    with open(path, "a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["model"])
        if new:
            writer.writeheader()
        writer.writerows(rows)
    return rows
