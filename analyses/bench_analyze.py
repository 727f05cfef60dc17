"""How long a full analysis takes at scale, how much memory it needs, and against what.

    python analyses/bench_analyze.py [--scales 12] [--tasks 100] [--examples 2000] [--bootstrap 1000]
                                     [--jobs N] [--figures] [--profile] [--memory-only]

    python analyses/bench_analyze.py --tasks 400 --memory-only    # 9.6M records: time and memory

Builds (not timed) a family of 12 models x 100 tasks x 2,000 examples = 2.4M records with
`emergence.simulate` (80 generation tasks of 1..5-token answers, 20 four-way multiple-choice tasks)
and writes them as a benchmark CSV. Then, from one run, it prints:

- the toolkit: `python -m emergence analyze bench.csv --no-figures` in a child process, its wall
  time, CPU time and peak resident memory (also per record), with `--jobs N` (default: all cores);
  with `--figures`, the same run drawing its figures too, and the ratio of the two;
- the bare numpy work the analysis cannot avoid: one pass over the numeric columns of the records,
  and the bootstrap's products (per task, the (models x metrics) x examples sums times the examples x
  replicates weights, random numbers of the same shapes), and the toolkit's time over it;
- the bootstrap side by side with lm-evaluation-harness's `bootstrap_stderr` (lm_eval.api.metrics,
  when lm_eval is installed: the `ladder` extra; else its algorithm re-created here: resample with
  `random.choices`, take the mean, in Python, per replicate) for one curve at equal replicates;
- with `--profile`, a table of the stages, timed in this process: load and validate, rescore and
  bootstrap, curves and verdicts, the report folder without figures.

Issue 13 sets the targets (<= 15 s wall, <= 400 bytes per record, bootstrap >= 300x lm-eval per
curve, the whole run within 8x the bare work); ratios are measured side by side in one run because
these machines are noisy.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from emergence.jobs import default_jobs


def build(path: Path, n_scales: int, n_tasks: int, n_examples: int) -> None:
    import emergence
    from emergence.sources import write_csv

    params = np.logspace(8, 11, n_scales)
    parts = []
    for t in range(n_tasks):
        if t % 5 == 4:
            part = emergence.simulate(params, family="bench", target_lengths=(), n_choices=4,
                                      n_examples=n_examples, seed=t)
        else:
            part = emergence.simulate(params, family="bench", target_lengths=(1 + t % 5,),
                                      n_choices=0, n_examples=n_examples, seed=t)
        parts.append(part.assign(task=f"task_{t:03d}"))
    write_csv(pd.concat(parts, ignore_index=True), path)


def run_cli(path: Path, out: Path, bootstrap: int, *, figures: bool = False, jobs: int | None = None,
            max_bytes: str = "8G") -> dict:
    """The toolkit as a user runs it, in a child: wall, CPU and peak RSS of that child's run (of its
    largest process: the workers of --jobs are smaller). The usage is that child's own, from wait4,
    not that of every child this script has had (the one that built the CSV was larger)."""
    command = [sys.executable, "-m", "emergence", "analyze", str(path), "-q", "--bootstrap", str(bootstrap),
               "--out", str(out), "--force", "--max-bytes", max_bytes]
    command += [] if figures else ["--no-figures"]
    command += ["--jobs", str(jobs)] if jobs else []
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"analyze failed: {errors.read().decode()[-2000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}


def bare_work(records: pd.DataFrame, bootstrap: int, n_metrics: int) -> tuple[float, float]:
    """(seconds of one pass over the numeric columns, seconds of the bootstrap's products)."""
    numeric = [records[c].to_numpy(dtype=float) for c in records if pd.api.types.is_float_dtype(records[c])]
    start = time.perf_counter()
    for column in numeric:
        np.nansum(column)
    one_pass = time.perf_counter() - start
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    for _, part in records.groupby("task", sort=False):
        models, examples = part["model"].nunique(), part["example"].nunique()
        sums = rng.random((models * n_metrics, examples))
        weights = rng.random((examples, bootstrap))
        sums @ weights
    return one_pass, time.perf_counter() - start


def lm_eval_bootstrap(values: np.ndarray, iters: int) -> tuple[float, str]:
    """Seconds of lm-eval's bootstrap_stderr of the mean on ``values``, and which one ran."""
    try:
        from lm_eval.api.metrics import bootstrap_stderr, mean
    except ImportError:
        data = values.tolist()
        rng = random.Random(0)
        start = time.perf_counter()
        draws = [statistics.fmean(rng.choices(data, k=len(data))) for _ in range(iters)]
        statistics.stdev(draws)
        return time.perf_counter() - start, "its algorithm re-created (lm_eval not installed)"
    start = time.perf_counter()
    bootstrap_stderr(mean, values.tolist(), iters)
    return time.perf_counter() - start, "lm_eval.api.metrics.bootstrap_stderr"


def bootstrap_seconds(records: pd.DataFrame, bootstrap: int, jobs: int) -> float:
    """Seconds the toolkit's bootstrap adds to rescoring: rescore_replicates with and without it,
    with the run's --jobs."""
    from emergence.rescore import rescore_replicates

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        rescore_replicates(records, None, n_replicates=0, seed=0, jobs=jobs)
        middle = time.perf_counter()
        rescore_replicates(records, None, n_replicates=bootstrap, seed=0, jobs=jobs)
        end = time.perf_counter()
    return max(1e-9, (end - middle) - (middle - start))


def profile(path: Path, out: Path, bootstrap: int) -> list[tuple[str, float]]:
    """The stages of the analysis, timed in this process."""
    import emergence
    from emergence.analysis import DEFAULT_PAIRS, Thresholds
    from emergence.combine import combined_table
    from emergence.report import write_report
    from emergence.scale import choose_x
    from emergence.sources import load_tables
    from emergence.stats.pairs import judge
    from emergence.stats.points import (
        build_curves,
        check_one_model_per_scale,
        final_checkpoints,
        positive_scale,
    )

    stages = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        tables = load_tables(path)
        stages.append(("load and validate", time.perf_counter() - start))
        start = time.perf_counter()
        table, values = combined_table(tables.records, None, metrics=None, options=None, bootstrap=bootstrap,
                                       seed=0, jobs=default_jobs())
        stages.append(("rescore and bootstrap", time.perf_counter() - start))
        start = time.perf_counter()
        x = choose_x(table, None)
        table = final_checkpoints(positive_scale(table, x), x)
        check_one_model_per_scale(table, x)
        judge(build_curves(table, values, x, seed=0), DEFAULT_PAIRS, x, Thresholds(), jobs=default_jobs())
        stages.append(("curves, tests and verdicts", time.perf_counter() - start))
        result = emergence.analyze(tables.records, bootstrap=bootstrap, seed=0)
        start = time.perf_counter()
        write_report(result, out, figures=False, force=True)
        stages.append(("report folder, no figures", time.perf_counter() - start))
    return stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, default=12)
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--examples", type=int, default=2000)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--profile", action="store_true", help="also time the stages in this process")
    parser.add_argument("--jobs", type=int, default=None, help="--jobs of the run (default: all cores)")
    parser.add_argument("--figures", action="store_true", help="also time the run with its figures")
    parser.add_argument("--memory-only", action="store_true",
                        help="only the run's time and memory (for the largest sizes)")
    args = parser.parse_args()
    from emergence.memory import avoid_hugepage_stalls, prefer_system_allocator

    prefer_system_allocator()  # as the command line does: the stages of --profile run here
    avoid_hugepage_stalls()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.csv"
        child = multiprocessing.get_context("spawn").Process(
            target=build, args=(path, args.scales, args.tasks, args.examples))
        child.start()
        child.join()
        n = args.scales * args.tasks * args.examples
        cli = run_cli(path, Path(folder) / "report", args.bootstrap, jobs=args.jobs)
        print(f"records                       {n:,} ({args.scales} models x {args.tasks} tasks x "
              f"{args.examples:,} examples), {args.bootstrap} replicates, --jobs "
              f"{args.jobs or 'all cores'} of {default_jobs()}")
        print(f"analyze (CLI, no figures)     {cli['wall']:.1f} s wall, {cli['cpu']:.1f} s CPU, "
              f"peak {cli['peak_mb']:,.0f} MB = {cli['peak_mb'] * 2**20 / n:,.0f} bytes per record")
        if args.figures:
            drawn = run_cli(path, Path(folder) / "drawn", args.bootstrap, figures=True, jobs=args.jobs)
            pictures = len(list((Path(folder) / "drawn" / "figures").glob("*.png")))
            print(f"analyze (CLI, figures)        {drawn['wall']:.1f} s wall, {drawn['cpu']:.1f} s CPU, "
                  f"{pictures} figures: {drawn['wall'] / cli['wall']:.2f}x the run without them")
        if args.memory_only:
            return

        from emergence.sources import load_tables

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            records = load_tables(path).records
        curves = pd.read_csv(Path(folder) / "report" / "curves.csv")
        n_metrics = curves.groupby("task")["metric"].nunique().max()
        one_pass, products = bare_work(records, args.bootstrap, int(n_metrics))
        bare = one_pass + products
        one = records[(records["model"] == records["model"].iloc[0]) & (records["task"] == "task_000")]
        per_point, which = lm_eval_bootstrap(one["target_logprob"].to_numpy(dtype=float), args.bootstrap)
        lm_eval_curve = per_point * args.scales
        ours_curve = bootstrap_seconds(records, args.bootstrap, args.jobs or default_jobs()) / len(curves)

        print(f"curves                        {len(curves)}")
        print(f"bare numpy work               {bare:.2f} s (one pass over the numeric columns "
              f"{one_pass:.2f} s, bootstrap products {products:.2f} s): the run is "
              f"{cli['wall'] / bare:,.1f}x it")
        print(f"bootstrap per curve           lm-eval {lm_eval_curve:.2f} s ({which}, {args.scales} points "
              f"x {args.bootstrap} replicates) vs the toolkit's {ours_curve:.5f} s (its paired bootstrap of "
              f"every metric, over the curves): {lm_eval_curve / ours_curve:,.0f}x")
        if args.profile:
            print("\nstage                           seconds")
            for stage, seconds in profile(path, Path(folder) / "profiled", args.bootstrap):
                print(f"{stage:<31} {seconds:7.2f}")


if __name__ == "__main__":
    main()
