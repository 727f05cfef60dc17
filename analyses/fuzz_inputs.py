"""The long fuzz run of issue 17: thousands of mutated inputs of every format through `analyze`.

    python analyses/fuzz_inputs.py [--inputs 10000] [--jobs 2] [--seed 0] [--keep DIR]

Each input is a seed of one format (tests/fuzzing.py: records CSV, scores CSV, gzipped CSV, lm-eval
details parquet, lm-eval run folder, BIG-bench JSON, and HELM and Pythia files when ../shared/data
is present) with one of its files mutated; `python -m emergence analyze` runs on it in process with
a 30-second limit. Printed: inputs and exit codes by format, runs over the limit, inputs the run
modified, exit-0 reports with a value outside its metric's range, and each failure (kept in
--keep DIR to add to tests/data/fuzz/).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fuzzing import make_seeds, mutate, run_once


def _batch(args):
    seed, count, first, keep = args
    rng = random.Random(seed)
    root = Path(tempfile.mkdtemp(prefix="emergence-fuzz-"))
    seeds = make_seeds(root / "seeds")
    formats = sorted(seeds)
    results, failures = [], []
    for i in range(count):
        fmt = formats[(first + i) % len(formats)]
        folder = root / f"in{i}"
        path = mutate(seeds[fmt], folder / seeds[fmt].name, rng)
        outcome = run_once(fmt, path, folder / "out")
        results.append((fmt, outcome.exit_code, outcome.seconds, outcome.modified,
                        bool(outcome.out_of_range)))
        if outcome.exit_code not in (0, 2) or outcome.modified or outcome.out_of_range:
            kept = Path(keep) / f"{seed}-{i}-{path.name}"
            kept.parent.mkdir(parents=True, exist_ok=True)
            (shutil.copytree if path.is_dir() else shutil.copyfile)(path, kept)
            failures.append((fmt, str(kept), outcome.exit_code, outcome.message, outcome.out_of_range))
        shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(root, ignore_errors=True)
    return results, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=10000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", default="fuzz-failures", help="folder for failing inputs")
    args = parser.parse_args()
    start = time.perf_counter()
    size = 250
    batches = [(args.seed * 100003 + b, min(size, args.inputs - b * size), b * size, args.keep)
               for b in range((args.inputs + size - 1) // size)]
    with ProcessPoolExecutor(args.jobs) as pool:
        parts = list(pool.map(_batch, batches))
    results = [r for part, _ in parts for r in part]
    failures = [f for _, part in parts for f in part]
    codes = Counter((fmt, code) for fmt, code, *_ in results)
    print(f"{len(results):,} mutated inputs in {time.perf_counter() - start:.0f} s ({args.jobs} processes)")
    print(f"{'format':<18}{'inputs':>8}{'exit 0':>8}{'exit 2':>8}{'exit 1':>8}{'> 30 s':>8}")
    for fmt in sorted({fmt for fmt, *_ in results}):
        n = sum(v for (f, _), v in codes.items() if f == fmt)
        print(f"{fmt:<18}{n:>8}{codes[(fmt, 0)]:>8}{codes[(fmt, 2)]:>8}{codes[(fmt, 1)]:>8}"
              f"{codes[(fmt, -1)]:>8}")
    print(f"internal errors (exit 1): {sum(c == 1 for _, c, *_ in results)}; over 30 s: "
          f"{sum(c == -1 for _, c, *_ in results)}; slowest {max(s for *_, s, _, _ in results):.1f} s; "
          f"inputs modified: {sum(m for *_, m, _ in results)}; exit 0 with a value out of range: "
          f"{sum(o for *_, o in results)}")
    for fmt, kept, code, message, bad in failures:
        print(f"FAIL {fmt} exit {code}: {kept}: {message or bad}")


if __name__ == "__main__":
    main()
