"""How many cores a run uses for its independent work (``--jobs``).

Work that does not depend on other work is spread over ``jobs`` processes: the curves and pairs of
different tasks, and the figures. Every number is the same for any ``jobs``: the processes compute
the same things in the same way, only at the same time, and their results are put together in a
fixed order. (The bootstrap's products use the cores through OpenBLAS already; threads drawing its
weights meanwhile contended with OpenBLAS's waiting threads and made the run slower, so they don't.)
"""

from __future__ import annotations

import os
import sys
import types
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from emergence.errors import EmergenceError


def default_jobs() -> int:
    """The cores this process may run on (the machine's cores, less any the system keeps from it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def check_jobs(jobs: int) -> int:
    """``jobs`` itself when it is an int >= 1.

    Raises
    ------
    EmergenceError
        Naming the value given otherwise.
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise EmergenceError(
            f"The 'jobs' parameter must be an int >= 1 (cores to use). Got {jobs!r} instead."
        )
    return jobs


def parallel_map(func: Callable, items: Sequence, jobs: int, *, meanwhile: Callable[[], object] | None = None
                 ) -> list:
    """``[func(item) for item in items]``, by ``jobs`` processes when ``jobs > 1``.

    The processes are forked on Linux (spawned elsewhere), and the results come back in the order of
    ``items``. Warnings a process gives are said here, in the
    order of the items that gave them, as if the work had been done in this process.

    Parameters
    ----------
    func : callable
        A module-level function (it is sent to the processes by name).
    items : sequence
        Its arguments, one per call. A forked process finds them in its copy of this one's memory
        (it is sent only their places); a spawned one is sent each item, pickled.
    jobs : int
        Processes to start (at most one per item); 1 runs everything here.
    meanwhile : callable, optional
        Called once with no arguments in this process while the processes work (after them when
        everything runs here): work of this process's own that the next step needs, such as an
        import, done while it would otherwise wait. Its result is not kept, nor an error it raises:
        it only gets ahead of that step, which meets the error itself.
    """
    if jobs <= 1 or len(items) < 2:
        done = [func(item) for item in items]
        _do_meanwhile(meanwhile)
        return done
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    workers = min(jobs, len(items))
    # on Linux a process is forked: it starts with this one's modules loaded, where a spawned one
    # imports them again (about a second each, more than the work it is given in a run of a few
    # hundred curves). The work is numpy and pandas on what it is sent; the threads a fork does not
    # copy are idle OpenBLAS workers (Python 3.12 warns of threads at a fork: not of these).
    forked = sys.platform.startswith("linux")
    context = multiprocessing.get_context("fork" if forked else "spawn")
    global _ITEMS
    # a forked process finds the items where this one left them, and is sent only their places: the
    # curves of a 100-task run (their bootstrap replicates) took longer to pickle than to judge
    _ITEMS = items if forked else None
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            # the processes start as the work is submitted (all of them, in map): what they need of
            # this one is set only meanwhile, not while it does its own work below
            with started_processes(), warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=r".*use of fork\(\) may lead to deadlocks",
                                        category=DeprecationWarning)
                chunk = max(1, len(items) // (4 * workers))
                results = pool.map(_said_at if forked else _said, [func] * len(items),
                                   range(len(items)) if forked else items, chunksize=chunk)
            _do_meanwhile(meanwhile)  # the processes have their work: this one would only wait
            done = list(results)
    finally:
        _ITEMS = None
    for _, said in done:
        for category, message in said:
            warnings.warn(message, category, stacklevel=3)
    return [result for result, _ in done]


def _do_meanwhile(meanwhile: Callable[[], object] | None) -> None:
    """Call ``meanwhile`` (when given), dropping an error it raises (see :func:`parallel_map`)."""
    if meanwhile is None:
        return
    try:
        meanwhile()
    except Exception:  # a head start only: the step that needs it says what failed
        pass


#: Set for a started process: one thread for the BLAS and OpenMP libraries it loads. Its work is
#: small matrices; with the library's default (a thread per core) its threads and those of the
#: other processes wait for each other by spinning, and a run at --jobs 2 took longer than at 1.
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@contextmanager
def started_processes() -> Iterator[None]:
    """While processes are started: what they need of this one, and nothing more.

    - A spawned process imports the parent's main module (to find what was defined there), which
      runs a script without an ``if __name__ == "__main__":`` guard a second time, up to the call
      that starts processes, and then fails. The work sent is made of emergence's own functions and
      objects, so the processes need nothing of the main module: a blank one stands in meanwhile.
    - A started process reads its environment when it starts: :data:`ONE_THREAD` is set meanwhile.
    - A forked process shares this one's pages until either writes to them. The memory this one
      freed goes back to the system first (:func:`~emergence.memory.give_back`): what the process
      then allocates is fresh pages, not copies of pages of this one's heap made as it writes.
    """
    from emergence.memory import give_back

    give_back()
    main = sys.modules.get("__main__")
    saved = {name: os.environ.get(name) for name in ONE_THREAD}
    sys.modules["__main__"] = types.ModuleType("__main__")
    os.environ.update(ONE_THREAD)
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


#: The items of the running :func:`parallel_map`, for the processes it forks (None otherwise).
_ITEMS: Sequence | None = None


def _said_at(func: Callable, place: int) -> tuple[object, list[tuple[type[Warning], str]]]:
    """:func:`_said` of the item at ``place`` of the forking process's :data:`_ITEMS`."""
    assert _ITEMS is not None, "a forked parallel_map process has its items"
    return _said(func, _ITEMS[place])


def _said(func: Callable, item) -> tuple[object, list[tuple[type[Warning], str]]]:
    """``func(item)`` and the warnings it gave, to be said by the process that asked."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = func(item)
    return result, [(w.category, str(w.message)) for w in caught]
