"""Drawing a report's figures in several processes (matplotlib is not thread-safe).

This process draws, and ``jobs - 1`` started ones. Each of those gets the run's tables once, when it
starts, and this process's matplotlib settings, so that it draws every figure to the same bytes as
:func:`emergence.report.figures.draw_one` here; what a figure warns is handed back and warned here,
in the report's order. The started processes take the figures from the front of the report (the
largest, the summary and the overview pages, are there), this one from the back; the results are
put back in the report's order. On Linux the processes are forked when this one runs no other
thread (:func:`_start_method`), else spawned; a spawned one does not run the caller's script again
(a script needs no ``if __name__ == "__main__":`` guard): a blank main module stands in while they
start, as for :func:`emergence.jobs.parallel_map`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

#: The run's tables in a drawing process (set when it starts).
_CONTEXT: dict | None = None

#: matplotlib settings that choose a backend, not how a figure looks.
_NOT_STYLE = ("backend", "backend_fallback", "interactive", "webagg.", "toolbar")


Drawn = tuple[bytes | None, str | None]  # (png, None) or (None, error)


def draw_in_processes(context: dict, plan: Sequence, *, jobs: int, draw_here: Callable[[int], Drawn],
                      progress: Callable[[int, int], None] | None = None) -> list[Drawn | None]:
    """``(png, error)`` of each planned figure, drawn by this process and ``jobs - 1`` others, in
    ``plan``'s order; None for a figure not drawn because a process died.

    The other processes take the figures from the front of the plan (the summary and the overview
    pages, the largest, are there), a few at a time; this one draws from the back while they start
    and work, so that ``jobs=2`` starts one process, not two.

    Parameters
    ----------
    context : dict
        The tables the figures are drawn from (:func:`emergence.report.figures._plan`).
    plan : sequence of Planned
    jobs : int
        Processes drawing, this one included (at most one per figure).
    draw_here : callable
        ``draw_here(i)`` draws figure ``i`` of the plan in this process.
    progress : callable, optional
        Called as ``progress(done, total)`` as each figure is drawn.
    """
    import multiprocessing
    import pickle
    import tempfile
    from collections import deque
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from pathlib import Path

    from emergence.jobs import started_processes  # no script run again, one BLAS thread each

    results: list[Drawn | None] = [None] * len(plan)
    said: list[list] = [[] for _ in plan]
    waiting = deque(range(len(plan)))
    helpers = max(1, min(jobs, len(plan)) - 1)
    sent: dict = {}
    done = 0

    def finished(i: int, drawn: Drawn, caught: list) -> None:
        nonlocal done
        results[i], said[i] = drawn, caught
        done += 1
        if progress is not None:
            progress(done, len(plan))

    def collect(block: bool) -> None:
        ready, _ = wait(list(sent), timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for future in ready:
            i = sent.pop(future)
            try:
                png, error, caught = future.result()
            except Exception:  # the process died: the caller draws this one
                continue
            finished(i, (png, error), caught)

    with tempfile.TemporaryDirectory(prefix="emergence-figures-") as folder:
        # the tables go by file, pickled once: sent with each process's start they were pickled per
        # process, and a process that died starting left this one blocked writing them to it
        tables = Path(folder) / "tables.pickle"
        tables.write_bytes(pickle.dumps(context, protocol=pickle.HIGHEST_PROTOCOL))
        method = multiprocessing.get_context(_start_method())
        pool = ProcessPoolExecutor(max_workers=helpers, mp_context=method,
                                   initializer=_start, initargs=(str(tables), _style()))
        broken = False
        try:
            while waiting or sent:
                while waiting and not broken and len(sent) < 2 * helpers:  # two each: none waits
                    i = waiting.popleft()
                    try:
                        with started_processes():  # a process starts as work is first handed out
                            sent[pool.submit(_draw, plan[i].kind, plan[i].args)] = i
                    except Exception:  # the pool broke: this process draws the rest
                        waiting.appendleft(i)
                        broken = True
                if waiting:
                    i = waiting.pop()
                    with warnings.catch_warnings(record=True) as caught:
                        warnings.simplefilter("always")
                        drawn = draw_here(i)
                    finished(i, drawn, [(w.category, str(w.message)) for w in caught])
                if sent:
                    collect(block=not waiting)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    for caught in said:  # in the report's order, as if all were drawn here
        for category, message in caught:
            warnings.warn(message, category, stacklevel=3)
    return results


def _start_method() -> str:
    """``fork`` on Linux when this process runs no other thread, else ``spawn``.

    A forked process starts with this one's modules loaded; a spawned one imports numpy, pandas and
    matplotlib again first, while this process draws alone: a report's 35 figures took 1.70x less
    time with 2 spawned processes than with 1, and 1.96-2.13x with 2 forked ones
    (``analyses/bench_figures.py``). A thread (a Dask client's, a notebook's) may hold a lock when the
    fork copies it, so a process with threads still spawns.
    """
    import sys
    import threading

    return "fork" if sys.platform.startswith("linux") and threading.active_count() == 1 else "spawn"


def _style() -> dict:
    """This process's matplotlib settings (defaults when matplotlib is not imported yet)."""
    import sys

    if "matplotlib" not in sys.modules:
        return {}
    import matplotlib as mpl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reading a deprecated setting warns
        return {key: value for key, value in mpl.rcParams.items() if not key.startswith(_NOT_STYLE)}


def _start(tables: str, style: dict) -> None:
    """A drawing process starts: it reads the tables and takes the settings."""
    import pickle
    from pathlib import Path

    global _CONTEXT
    _CONTEXT = pickle.loads(Path(tables).read_bytes())
    if style:
        import matplotlib as mpl

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a setting deprecated since: set as the caller had it
            mpl.rcParams.update(style)


def _draw(kind: str, args: tuple) -> tuple[bytes | None, str | None, list[tuple[type, str]]]:
    """One figure in a drawing process, and what it warned."""
    from emergence.report.figures import draw_one

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png, error = draw_one(_CONTEXT, kind, args)
    return png, error, [(w.category, str(w.message)) for w in caught]
