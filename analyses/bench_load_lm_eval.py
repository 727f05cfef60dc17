"""Loading a large lm-evaluation-harness samples log: the columnar loader versus the naive way.

    python analyses/bench_load_lm_eval.py                  # the issue's 500k-line log (~700 MB)
    python analyses/bench_load_lm_eval.py --lines 20000    # a quick look
    python analyses/bench_load_lm_eval.py --size-mb 900    # long MMLU-style prompts, by size
    python analyses/bench_load_lm_eval.py --repeat 3       # best of 3 runs each, on a busy machine

Writes (not timed) a folder with one lm-eval 0.4.13 results JSON and one multiple-choice samples log
made by repeating the real toy_arc_easy sample of ../shared/data/lm_eval/synthetic_lm_eval_0.4.13 with
new doc ids, targets and log-likelihoods: ``--lines`` lines of the sample as it is (about 1.5 KB a
line), or about ``--size-mb`` megabytes of it with a long question (as MMLU-style prompts are, repeated
once per choice in ``arguments``). Then, each in a fresh process so that peak memory is its own, it
loads the log

- with ``emergence.sources.lm_eval.read_samples``, the lm-eval loader (the fields the records use
  read by pyarrow's JSON reader and reshaped into the records' columns with arrays, then validated),
- with ``emergence.load``, which adds what ``load_tables`` does with every file's table (families,
  seeds, reruns, checks across files), and
- naively: ``json.loads`` per line into a list of dicts, then ``pandas.DataFrame(list)``,

and prints the wall and CPU seconds (imports not counted), MB/s and peak resident memory of each side
by side, and how many times faster than the naive loader each is, in wall time (the issue's target:
the loader at least 5 times, on 500k lines). With ``--repeat N`` each loader runs N times, taking
turns, and its fastest run counts (the least disturbed by other work on the machine).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SOURCE = SHARED / "data" / "lm_eval" / "synthetic_lm_eval_0.4.13"
STAMP = "2026-11-23T00-04-50.218338"
LOADERS = (("read_samples", "lm_eval.read_samples (the loader)"),
           ("emergence", "emergence.load (+ load_tables)"),
           ("naive", "json.loads per line + DataFrame"))


def build(folder: Path, *, lines: int | None = None, size_mb: int | None = None) -> Path:
    """Write the results JSON and a samples log of ``lines`` lines, or of about ``size_mb`` MB."""
    (folder / f"results_{STAMP}.json").write_bytes((SOURCE / f"results_{STAMP}.json").read_bytes())
    sample = json.loads((SOURCE / f"samples_toy_arc_easy_{STAMP}.jsonl").read_text().splitlines()[0])
    question = sample["doc"]["question"]
    if lines is None:  # a long question, by size
        question = f"{question} " * 12
    target = folder / f"samples_toy_arc_easy_{STAMP}.jsonl"
    with open(target, "w") as handle:
        doc_id, written = 0, 0
        while doc_id < lines if lines is not None else written < (size_mb or 0) * 2**20:
            pairs = [[f"{-1.0 - ((doc_id * 7 + k * 13) % 97) / 7:.12g}", "False"] for k in range(4)]
            sample.update(doc_id=doc_id, target=str(doc_id % 4), filtered_resps=pairs,
                          resps=[[pair] for pair in pairs])
            sample["doc"]["question"] = f"{doc_id}: {question}"
            for request in sample["arguments"].values():
                request["arg_0"] = f"Question: {doc_id}: {question}\nAnswer:"
            line = json.dumps(sample) + "\n"
            handle.write(line)
            written += len(line)
            doc_id += 1
    return target


def measure(kind: str, path: str) -> None:
    """Load ``path`` the ``kind`` way and print rows, wall and CPU seconds and peak RSS as JSON (the
    modules are imported before the clock starts)."""
    import pandas as pd

    if kind == "naive":
        def load(path: str) -> pd.DataFrame:
            with open(path) as handle:
                return pd.DataFrame([json.loads(line) for line in handle if line.strip()])
    elif kind == "emergence":
        from emergence import load
    else:
        from emergence.sources.lm_eval import read_samples as load
    cpu = os.times()
    start = time.perf_counter()
    table = load(path)  # the results JSON beside the log names the model
    seconds = time.perf_counter() - start
    used = os.times()
    cpu_seconds = used.user - cpu.user + used.system - cpu.system
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": len(table), "seconds": seconds, "cpu_seconds": cpu_seconds, "peak_mb": peak}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--lines", type=int, help="lines of the samples log, the sample as it is (default "
                      "500000, unless --size-mb)")
    size.add_argument("--size-mb", type=int, help="megabytes of the samples log (a long question)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each loader; the fastest counts")
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(*args.measure)
        return
    if not SOURCE.is_dir():
        sys.exit(f"needs {SOURCE} (the shared reference data) to build the log")
    if args.lines is None and args.size_mb is None:
        args.lines = 500_000
    with tempfile.TemporaryDirectory() as folder:
        log = build(Path(folder), lines=args.lines, size_mb=args.size_mb)
        size_mb = log.stat().st_size / 2**20
        runs: dict[str, list[dict]] = {kind: [] for kind, _ in LOADERS}
        for _ in range(args.repeat):
            for kind, _ in LOADERS:
                out = subprocess.run([sys.executable, __file__, "--measure", kind, str(log)],
                                     capture_output=True, text=True, check=True)
                runs[kind].append(json.loads(out.stdout.strip().splitlines()[-1]))
        best = {kind: min(figures, key=lambda f: f["seconds"]) for kind, figures in runs.items()}
        print(f"samples log: {size_mb:,.0f} MB, {best['naive']['rows']:,} lines"
              + (f"; best of {args.repeat} runs each" if args.repeat > 1 else ""))
        print(f"{'loader':<36} {'rows':>9} {'seconds':>8} {'CPU s':>7} {'MB/s':>7} {'peak RSS MB':>12}")
        for kind, label in LOADERS:
            rows, wall, cpu = best[kind]["rows"], best[kind]["seconds"], best[kind]["cpu_seconds"]
            peak = max(f["peak_mb"] for f in runs[kind])
            print(f"{label:<36} {rows:>9,} {wall:>8.2f} {cpu:>7.2f} {size_mb / wall:>7.0f} {peak:>12,.0f}")
        for kind, label in LOADERS[:-1]:
            ratio = best["naive"]["seconds"] / best[kind]["seconds"]
            print(f"{label.split(' (')[0]} is {ratio:.2f} times as fast as the naive loader (wall time)")


if __name__ == "__main__":
    main()
