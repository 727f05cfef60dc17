"""Regenerate the ladder end to end: tasks, training, lm-eval on every checkpoint, records CSV.

Usage (from the repository root, with the ``ladder`` extra installed)::

    python -m analyses.ladder.run --tiny --out /tmp/ladder-tiny    # 2 tiny models, about a minute
    python -m analyses.ladder.run --out ladder-run --threads 2      # the default ladder

Writes into ``--out``: ``data/`` and ``tasks/`` (test documents and lm-eval task YAMLs),
``models/<name>/`` (checkpoints, ``loss.csv``, ``meta.json``), ``lm_eval/`` (lm-eval's output
folders), ``eval_times_<model>.csv``, ``timings.json``, ``loss_curves.csv.gz`` (every model's
training loss) and ``arith_ladder.csv.gz`` (the records; copy it to
``benchmarks/`` with ``--benchmark benchmarks/arith_ladder.csv.gz``). No network: set
``HF_HUB_OFFLINE=1`` and ``HF_DATASETS_OFFLINE=1`` (done here when unset).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

TINY_OPS = {"add": (1, 2), "mul": (2,), "comp": (1,)}


def main(argv: list[str] | None = None) -> int:
    for key in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ.setdefault(key, "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from . import convert, loss, tasks, train  # after the environment is set

    parser = argparse.ArgumentParser(prog="python -m analyses.ladder.run", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("ladder-run"))
    parser.add_argument("--tiny", action="store_true", help="2 tiny models, few examples: a smoke test")
    parser.add_argument("--sizes", nargs="+", choices=sorted(train.SIZES), default=None)
    parser.add_argument("--tokens", type=float, default=None, help="training tokens per model")
    parser.add_argument("--checkpoints", type=int, default=None, help="checkpoints per model (halving)")
    parser.add_argument("--n-test", type=int, default=None, help="test problems per task and bucket")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per job")
    parser.add_argument("--jobs", type=int, default=1,
                        help="models trained and evaluated at once, one process each (2 on 2 cores)")
    parser.add_argument("--eval-batch-size", type=int, default=64)
    parser.add_argument("--reverse", action="store_true", help="answers written last digit first")
    parser.add_argument("--benchmark", type=Path, default=None, help="also copy the records CSV here")
    parser.add_argument("--force", action="store_true", help="replace a non-empty --out")
    args = parser.parse_args(argv)

    tiny = args.tiny
    sizes = [train.SIZES[n] for n in args.sizes] if args.sizes else list(train.TINY if tiny else train.LADDER)
    recipe = train.Recipe(
        tokens=int(args.tokens or (40_960 if tiny else train.Recipe.tokens)),
        checkpoints=args.checkpoints or (2 if tiny else train.Recipe.checkpoints),
        reverse=args.reverse,
    )
    n_test = args.n_test or (16 if tiny else 1000)
    ops = TINY_OPS if tiny else None
    out = args.out
    if out.exists() and any(out.iterdir()):
        if not args.force:
            print(f"{out} is not empty; add --force to replace it", file=sys.stderr)
            return 2
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, object] = {"threads": args.threads, "jobs": args.jobs, "recipe": recipe.__dict__,
                                  "n_test": n_test, "sizes": [s.name for s in sizes]}
    start = time.perf_counter()

    tests = tasks.make_test_sets(n_test, recipe.seed, ops, recipe.reverse)
    names = tasks.write_tasks(out, tests)
    print(f"tasks: {len(names)} lm-eval tasks, {sum(map(len, tests.docs.values()))} test problems")

    t0 = time.perf_counter()
    # one job per model: train it, then lm-eval on its checkpoints; the largest first, so that with
    # --jobs 2 the biggest model has a core of its own while the others share the second
    order = sorted(sizes, key=lambda s: -s.approx_params)
    job_args = [(size, out, recipe, tests.heldout, args.threads, not tiny, ops, args.eval_batch_size)
                for size in order]
    if args.jobs > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            results = list(pool.map(_job, job_args))
    else:
        results = [_job(a) for a in job_args]
    timings["models"] = {name: seconds for name, seconds in results}
    timings["train_and_eval_seconds"] = round(time.perf_counter() - t0, 1)

    t0 = time.perf_counter()
    path = convert.write(out, out / "arith_ladder.csv.gz")
    loss.write(out, out / "loss_curves.csv.gz")
    timings["convert_seconds"] = round(time.perf_counter() - t0, 1)
    if args.benchmark:
        args.benchmark.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, args.benchmark)
    timings["total_seconds"] = round(time.perf_counter() - start, 1)
    (out / "timings.json").write_text(json.dumps(timings, indent=2))
    print(json.dumps({k: v for k, v in timings.items() if k.endswith("seconds") or k == "models"}))
    print(f"records: {path}")
    return 0


def _job(job: tuple) -> tuple[str, dict[str, float]]:
    """Train one model and evaluate its checkpoints (runs in a worker process with --jobs)."""
    from . import evaluate, train

    size, out, recipe, heldout, threads, verbose, ops, batch_size = job
    s0 = time.perf_counter()
    meta = train.train(size, out, recipe, heldout, threads=threads, verbose=verbose, ops=ops)
    s1 = time.perf_counter()
    steps = [c["step"] for c in meta["checkpoints"]]
    evaluate.evaluate_all(out, {size.name: steps}, batch_size=batch_size, threads=threads,
                          times_file=f"eval_times_{size.name}.csv")
    s2 = time.perf_counter()
    print(f"{size.name}: {meta['params']} non-embedding params, trained {s1 - s0:.1f}s, "
          f"evaluated {s2 - s1:.1f}s", flush=True)
    return size.name, {"train": round(s1 - s0, 1), "eval": round(s2 - s1, 1)}


if __name__ == "__main__":
    raise SystemExit(main())
