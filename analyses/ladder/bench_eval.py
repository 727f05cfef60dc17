"""Time lm-eval on the ladder's request types: seconds per 1,000 documents, per model size.

    python -m analyses.ladder.bench_eval --out /tmp/ladder-bench --sizes arith-3k arith-150k arith-1.2m

Each size is trained for ``--steps`` steps only (evaluation cost does not depend on training, except
that generation stops early once a model ends its answers: an untrained model generates up to
``max_gen_toks``, which is the slow, upper-bound case), then evaluated on ``--buckets`` with
``--n-test`` documents each, one lm-eval run per request type. Results: ``<out>/eval_times.csv``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    for key in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ.setdefault(key, "1")
    from . import evaluate, tasks, train

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--sizes", nargs="+", default=["arith-3k", "arith-150k", "arith-1.2m"])
    parser.add_argument("--buckets", nargs="+", default=["add_3digit", "add_5digit"])
    parser.add_argument("--n-test", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--kinds", nargs="+", default=list(evaluate.KINDS))
    args = parser.parse_args(argv)

    ops: dict[str, tuple[int, ...]] = {}
    for bucket in args.buckets:
        op, digits = bucket.split("_")
        ops[op] = (*ops.get(op, ()), int(digits.removesuffix("digit")))
    recipe = train.Recipe(tokens=args.steps * 32 * 64, checkpoints=1)
    tests = tasks.make_test_sets(args.n_test, recipe.seed, ops)
    tasks.write_tasks(args.out, tests)
    checkpoints = {}
    for name in args.sizes:
        meta = train.train(train.SIZES[name], args.out, recipe, tests.heldout, threads=args.threads,
                           verbose=False, ops=ops)
        checkpoints[name] = [c["step"] for c in meta["checkpoints"]]
    rows = evaluate.evaluate_all(args.out, checkpoints, batch_size=args.batch_size,
                                 kinds=tuple(args.kinds), threads=args.threads)
    for row in rows:
        print(row)


if __name__ == "__main__":
    main()
