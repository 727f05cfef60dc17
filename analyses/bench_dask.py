"""The Dask engine against the in-process one: the same bytes, the time, and each worker's memory.

    python analyses/bench_dask.py                          # 2.4M records: both engines side by side
    python analyses/bench_dask.py --parquet-tasks 1000     # 10^8 records as converted parquet

Without ``--parquet-tasks`` it builds the 2.4M-record CSV of ``analyses/bench_analyze.py`` (12 models x
100 tasks x 2,000 examples; not timed) and runs, one after the other:

- ``python -m emergence analyze bench.csv --no-figures`` in process (wall time, peak memory);
- the same with ``--engine dask --scheduler ADDRESS`` against a cluster this script starts the way a
  user would on several hosts (``dask scheduler`` and two ``dask worker --nthreads 1`` processes),
  then the peak memory of each worker, read on the workers;

and says whether ``scores.csv``, ``curves.csv``, ``verdicts.csv`` and ``tasks.csv`` are the same bytes.

With ``--parquet-tasks T`` it writes 12 models x T tasks x ``--examples`` examples (8,334 by default:
T = 1000 gives 100,008,000 records) straight into a converted folder (what ``python -m emergence
convert`` writes: one parquet file per (family, task)), on the cluster, then analyses it with
``--engine dask`` and prints the time, the cost per record, and the peak memory of the client and of
each worker. The folder is kept (``--keep DIR``) for a second run.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

TABLES = ("scores.csv", "curves.csv", "verdicts.csv", "tasks.csv")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A scheduler and worker processes started as a user starts them on several hosts."""

    def __init__(self, workers: int, memory_limit: str):
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
        self.processes = [subprocess.Popen(dask + ["--port", str(self.port), "--dashboard-address", ":0"],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        time.sleep(3)
        for i in range(workers):
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", self.address, "--nthreads", "1",
                 "--nworkers", "1", "--memory-limit", memory_limit, "--name", f"w{i}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from dask.distributed import Client

        self.client = Client(self.address, timeout="30s")
        self.client.wait_for_workers(workers, timeout=60)

    def peaks_mb(self) -> dict:
        """Each worker process's peak resident memory so far (MB)."""
        def peak():
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        return self.client.run(peak)

    def measured(self, command: list[str]) -> tuple[dict, dict]:
        """``command`` run against this cluster, and each worker's peak memory after it."""
        return run(command), self.peaks_mb()

    def close(self) -> None:
        self.client.close()
        for process in self.processes[::-1]:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=30)


def run(command: list[str]) -> dict:
    """A command in a child: its wall time and its own peak memory (from wait4)."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(command)} failed: {errors.read().decode()[-2000:]}")
    return {"wall": wall, "peak_mb": usage.ru_maxrss / 1024}


def _write_task(t: int, folder: str, n_scales: int, n_examples: int) -> int:
    """One task of the bench family written as a converted parquet file; returns its records."""
    import emergence
    from emergence.sources.converted import write_table

    params = np.logspace(8, 11, n_scales)
    if t % 5 == 4:
        part = emergence.simulate(params, family="bench", target_lengths=(), n_choices=4,
                                  n_examples=n_examples, seed=t)
    else:
        part = emergence.simulate(params, family="bench", target_lengths=(1 + t % 5,), n_choices=0,
                                  n_examples=n_examples, seed=t)
    records = emergence.validate_records(part.assign(task=f"task_{t:04d}"))
    write_table(records, "records", Path(folder), "00000", source="simulated", format_name="csv")
    return len(records)


def analyze(source: Path, out: Path, args, *extra: str) -> list[str]:
    return [sys.executable, "-m", "emergence", "analyze", str(source), "-q", "--no-figures", "--force",
            "--bootstrap", str(args.bootstrap), "--out", str(out), "--max-bytes", "8G", *extra]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="4GB", help="each worker's Dask memory limit")
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--parquet-tasks", type=int, default=None)
    parser.add_argument("--examples", type=int, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="where to write (and keep) the data")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-dask-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.parquet_tasks is None:
        from bench_analyze import build

        csv = work / "bench.csv"
        if not csv.exists():
            build(csv, 12, 100, args.examples or 2000)
        n = 12 * 100 * (args.examples or 2000)
        here = run(analyze(csv, work / "process", args))
        print(f"in process: {n:,} records in {here['wall']:.1f} s ({here['wall'] / n * 1e6:.2f} us per "
              f"record), peak {here['peak_mb']:,.0f} MB")
        cluster = Cluster(args.workers, args.memory_limit)
        try:
            there, peaks = cluster.measured(
                analyze(csv, work / "dask", args, "--engine", "dask", "--scheduler", cluster.address))
        finally:
            cluster.close()
        print(f"dask ({args.workers} workers at {cluster.address}): {there['wall']:.1f} s "
              f"({there['wall'] / n * 1e6:.2f} us per record, {there['wall'] / here['wall']:.2f}x in "
              "process), "
              f"client peak {there['peak_mb']:,.0f} MB, worker peaks "
              + ", ".join(f"{v:,.0f} MB" for v in peaks.values()))
        same = all((work / "process" / t).read_bytes() == (work / "dask" / t).read_bytes() for t in TABLES)
        print(f"{', '.join(TABLES)}: {'the same bytes' if same else 'DIFFERENT'}")
        return
    examples = args.examples or 8334
    folder = work / "converted"
    cluster = Cluster(args.workers, args.memory_limit)
    try:
        if not folder.exists():
            start = time.perf_counter()
            futures = cluster.client.map(_write_task, range(args.parquet_tasks), folder=str(folder),
                                         n_scales=12, n_examples=examples, pure=False)
            n = sum(cluster.client.gather(futures))
            print(f"wrote {n:,} records in {args.parquet_tasks} task files in "
                  f"{time.perf_counter() - start:.0f} s (not part of the run)")
        n = 12 * args.parquet_tasks * examples
        size = sum(p.stat().st_size for p in folder.rglob("*.parquet"))
        cluster.client.restart()  # the workers' memory peaks from here on are the run's
        there, peaks = cluster.measured(
            analyze(folder, work / "dask", args, "--engine", "dask", "--scheduler", cluster.address))
    finally:
        cluster.close()
    print(f"dask ({args.workers} workers, memory limit {args.memory_limit}): {n:,} records "
          f"({size / 2**30:.2f} GiB of parquet) in {there['wall']:.0f} s = {there['wall'] / n * 1e6:.2f} us "
          f"per record; client peak {there['peak_mb']:,.0f} MB; worker peaks "
          + ", ".join(f"{v:,.0f} MB" for v in peaks.values()))


if __name__ == "__main__":
    main()
