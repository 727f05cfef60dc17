"""How long the report's figures take, per kind of figure, and the report with 1 and 2 processes.

    python analyses/bench_figures.py [--scales 12] [--families 5] [--examples 60] [--jobs 2]
                                     [--repeat 1] [--rounds 3] [--profile]

Builds (not timed) a run of ``--families`` simulated families (:func:`emergence.simulate`, 6 tasks each:
answers of 1..5 tokens and a four-way multiple choice; by default 5 x 6 = 30 tasks) at ``--scales``
sizes, analyses it with 100 bootstrap replicates, then prints:

- each figure's time in one process, as :func:`emergence.report.draw_figures` draws it (drawing,
  layout, rendering and the 64-colour PNG), CPU and wall seconds, summed per kind: the summary, the
  overview pages, the emergence-score plot, the per-task figures; and the largest PNG. The figures
  are drawn ``--rounds`` + 1 times and the second time is shown: the first figures of a fresh process
  also load fonts, seaborn and the math-text parser (that first time is summed on one line); then
  each figure's best of the ``--rounds`` warm rounds (on a shared machine, one round's maximum can
  be another process's time);
- ``write_report(..., figures=True)`` with ``jobs=1`` and with ``jobs=N`` side by side, wall time
  (with ``--repeat``: the best of that many runs) and the CPU time of all its processes, and whether
  the figures are the same bytes;
- where one per-task figure's time goes (building the figure, layout and rendering, the PNG), beside
  the render of the same figure with no layout engine, matplotlib's own cost of drawing it, and the
  render with matplotlib's own Tick object for every major tick (``render(light_ticks=False)``); with
  ``--profile``, the functions that take the time (cProfile, cumulative).

Issue 13 sets the targets: no figure over ~0.3 s, figures drawn in parallel. These machines are
shared and noisy: CPU seconds are the figure to compare, wall seconds for the parallel run.
"""

from __future__ import annotations

import argparse
import inspect
import os
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd


def build(n_scales: int, n_families: int, n_examples: int):
    """An analysis of ``n_families`` simulated families (6 tasks each) at ``n_scales`` sizes."""
    import emergence

    params = np.logspace(8, 11, n_scales)
    truths = ("power_law", "sharp")
    records = pd.concat([emergence.simulate(params, family=f"fam{i}", truth=truths[i % 2],
                                            n_examples=n_examples, seed=i) for i in range(n_families)],
                        ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return emergence.analyze(records, bootstrap=100, seed=0)


def kind(name: str) -> str:
    """The kind of a report figure, from its file name."""
    if name.startswith("task-"):
        return "task figure"
    if name.startswith("overview-"):
        return "overview page"
    return name.removesuffix(".png")


def per_figure(analysis) -> pd.DataFrame:
    """Each figure's CPU and wall seconds in one process, from the progress calls of draw_figures: the
    first, with 0 done, ends the planning (``attrs["planning"]``: its CPU seconds), not a figure's."""
    from emergence.report import draw_figures

    start = time.process_time()
    stamps = []
    drawn = draw_figures(analysis, progress=lambda done, total: stamps.append(
        (time.process_time(), time.perf_counter())))
    if drawn.failed:
        raise SystemExit(f"figures failed: {drawn.failed}")
    rows = [{"figure": name, "kind": kind(name), "cpu": cpu - stamps[i][0], "wall": wall - stamps[i][1],
             "bytes": len(png)}
            for i, ((name, (_, png)), (cpu, wall)) in enumerate(zip(drawn.images.items(), stamps[1:],
                                                                   strict=True))]
    table = pd.DataFrame(rows)
    table.attrs["planning"] = stamps[0][0] - start
    return table


def report_seconds(analysis, jobs: int, repeat: int) -> tuple[float, float, dict[str, bytes]]:
    """Best wall seconds of write_report(figures=True) at ``jobs``, the CPU seconds of that run (this
    process and the drawing processes), and the figures it wrote."""
    import resource

    from emergence.report import write_report

    accepts_jobs = "jobs" in inspect.signature(write_report).parameters
    if jobs > 1 and not accepts_jobs:
        return float("nan"), float("nan"), {}
    best, cpu, figures = float("inf"), float("nan"), {}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as folder:
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            start, start_cpu = time.perf_counter(), time.process_time()
            out = write_report(analysis, Path(folder) / "r", **({"jobs": jobs} if accepts_jobs else {}))
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if wall < best:
                best = wall
                cpu = time.process_time() - start_cpu + (after.ru_utime + after.ru_stime
                                                         - children.ru_utime - children.ru_stime)
            figures = {p.name: p.read_bytes() for p in sorted((out / "figures").iterdir())}
    return best, cpu, figures


def one_task_figure(analysis, top: int | None) -> None:
    """Where one per-task figure's CPU time goes (best of 3): building it, laying it out and
    rendering it, the PNG; and beside them the render of the same figure with no layout engine at
    all, which is matplotlib's own cost of drawing those artists (the floor any layout adds to).
    With ``top``, the functions that take the time (cProfile, cumulative)."""
    import cProfile
    import io
    import pstats

    from emergence import plots
    from emergence.report import figures

    family, task = analysis.tasks[["family", "task"]].iloc[0]

    def draw():
        return plots.plot_task(analysis.scores, family=family, task=task, curves=analysis.curves,
                               verdicts=analysis.verdicts, tasks=analysis.tasks,
                               x=analysis.settings.get("x"))

    figures.encode(figures.render(draw()))  # imports and caches (fonts) out of the way
    stages: dict[str, list[float]] = {"build the figure": [], "layout and render": [], "PNG": [],
                                      "render, no layout": [], "render, Tick objects": []}
    for _ in range(3):
        start = time.process_time()
        fig = draw()
        built = time.process_time()
        pixels = figures.render(fig)
        rendered = time.process_time()
        figures.encode(pixels)
        done = time.process_time()
        bare = draw()
        bare.set_layout_engine("none")
        before = time.process_time()
        figures.render(bare)
        after = time.process_time()
        ticks = draw()
        start_ticks = time.process_time()
        figures.render(ticks, light_ticks=False)  # every major tick a matplotlib Tick
        ticked = time.process_time()
        for stage, seconds in zip(stages, (built - start, rendered - built, done - rendered, after - before,
                                           ticked - start_ticks), strict=True):
            stages[stage].append(seconds)
    best = {stage: min(seconds) for stage, seconds in stages.items()}
    print(f"\none task figure ({family} / {task}), CPU seconds, best of 3")
    for stage, seconds in best.items():
        print(f"  {stage:<20} {seconds:6.3f}")
    floor = best["build the figure"] + best["render, no layout"] + best["PNG"]
    whole = best["build the figure"] + best["layout and render"] + best["PNG"]
    print(f"  the figure {whole:.3f} s against {floor:.3f} s for matplotlib to build, draw and encode it "
          f"with no layout: {whole / floor:.2f}x; the render with a Tick object per major tick (layout "
          f"included) takes {best['render, Tick objects'] / best['layout and render']:.2f}x the light one")
    if top is None:
        return
    profiler = cProfile.Profile()
    profiler.enable()
    figures._png(draw())
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(top)
    print(text.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, default=12)
    parser.add_argument("--families", type=int, default=5, help="6 tasks each")
    parser.add_argument("--examples", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=2, help="processes of the parallel report")
    parser.add_argument("--repeat", type=int, default=1, help="report runs per setting (best is shown)")
    parser.add_argument("--rounds", type=int, default=3, help="warm rounds of the figures (each one's best)")
    parser.add_argument("--profile", action="store_true", help="where one task figure's time goes")
    parser.add_argument("--top", type=int, default=30, help="functions listed by --profile")
    args = parser.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    analysis = build(args.scales, args.families, args.examples)
    print(f"run: {args.families * 6} tasks x {args.scales} sizes, {len(analysis.scores):,} scores")
    cold = per_figure(analysis)  # a fresh process: fonts, seaborn and the math-text parser load once
    rounds = [per_figure(analysis) for _ in range(max(1, args.rounds))]
    times = rounds[0]
    print("\nper figure, one process, the second time (warm)")
    print("                          n   CPU s: mean    max   total   wall s: total   largest PNG")
    for name, mine in times.groupby("kind", sort=False):
        print(f"  {name:<22} {len(mine):3d}   {mine['cpu'].mean():12.3f} {mine['cpu'].max():6.3f} "
              f"{mine['cpu'].sum():7.2f}   {mine['wall'].sum():14.2f}   {mine['bytes'].max() / 1000:8.1f} KB")
    print(f"  {'all':<22} {len(times):3d}   {times['cpu'].mean():12.3f} {times['cpu'].max():6.3f} "
          f"{times['cpu'].sum():7.2f}   {times['wall'].sum():14.2f}")
    firsts = cold.groupby("kind", sort=False)["cpu"].first()
    print(f"  the first time, in a fresh process: {cold['cpu'].sum():.2f} CPU s in all; the first figure of "
          "each kind " + ", ".join(f"{k} {v:.3f}" for k, v in firsts.items()))
    print(f"  planning the figures (before the first): {times.attrs['planning']:.3f} CPU s")
    if len(rounds) > 1:  # a figure's best of the warm rounds: what it costs when nothing else runs
        best = times.assign(cpu=np.min([r["cpu"].to_numpy() for r in rounds], axis=0))
        print(f"\neach figure's best of {len(rounds)} warm rounds (CPU s; the machine is shared: a single "
              "round's maximum can be another process's)\n                          n   mean    max")
        for name, mine in best.groupby("kind", sort=False):
            print(f"  {name:<22} {len(mine):3d}   {mine['cpu'].mean():.3f}  {mine['cpu'].max():.3f}")
        print(f"  over 0.3 s: {int((best['cpu'] > 0.3).sum())} of {len(best)}")
    serial, serial_cpu, one = report_seconds(analysis, 1, args.repeat)
    parallel, parallel_cpu, many = report_seconds(analysis, args.jobs, args.repeat)
    same = "not run: write_report has no jobs" if not many else \
        ("same bytes" if many == one else "DIFFERENT")
    print(f"\nwrite_report(figures=True)   wall s   CPU s (all processes)\n"
          f"  jobs=1                    {serial:6.2f}   {serial_cpu:6.2f}\n"
          f"  jobs={args.jobs:<21d}{parallel:6.2f}   {parallel_cpu:6.2f}\n"
          f"  {serial / parallel:.2f}x faster; {len(one)} figures, {same}; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    median = statistics.median(times["cpu"])
    print(f"median figure {median:.3f} CPU s; over 0.3 s: {int((times['cpu'] > 0.3).sum())} of {len(times)}")
    one_task_figure(analysis, args.top if args.profile else None)


if __name__ == "__main__":
    main()
