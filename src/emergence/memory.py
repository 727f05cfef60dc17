"""Giving memory back between the stages of a run.

A large run allocates and frees hundreds of megabytes per stage. Freed memory is not always returned
to the system: pyarrow's allocator keeps what it freed for reuse, and the C library keeps freed
blocks of its heap. :func:`give_back` returns both, so that the peak of a run is the peak of its
largest stage, not the sum of what the stages left behind.

:func:`prefer_system_allocator` has pyarrow allocate from the C heap instead of its bundled
mimalloc, which made the command line's loading of 2.4M records about twice as slow on Linux
(issue 13). :func:`avoid_hugepage_stalls` stops numpy from asking Linux for huge pages where the
kernel may stall to make one, which made that loading's validation about 2.5 times as slow.
:func:`paused_gc` holds Python's cycle collector back while a table's cells are made into hundreds
of thousands of Python lists, which hold no cycles for it to find, and :func:`frozen_gc` leaves the
objects an analysis starts with (the records and their lists) out of its passes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import sys
import threading
from pathlib import Path

#: Where Linux says when a fault in memory advised for huge pages may stop to compact memory.
THP_DEFRAG = Path("/sys/kernel/mm/transparent_hugepage/defrag")

#: The settings of :data:`THP_DEFRAG` under which such a fault reclaims and compacts memory itself
#: (``[madvise]`` is Debian's and Ubuntu's default).
STALLING = ("always", "madvise", "defer+madvise")

# paused_gc's count of the pauses open in this process's threads, and whether it turned the collector
# off ("ours"); frozen_gc's count of its open blocks, and whether it froze ("frozen_ours"). Each flag
# is set before the collector is changed: an interrupt (Ctrl-C) between two steps leaves a state that
# the block's end, its freeing (_CollectorBlock) or the next block sets right
_PAUSES = {"open": 0, "ours": False, "frozen": 0, "frozen_ours": False}
_PAUSES_LOCK = threading.Lock()


def give_back() -> None:
    """Return the memory freed so far to the system (pyarrow's pool; the C heap on Linux)."""
    if "pyarrow" in sys.modules:
        sys.modules["pyarrow"].default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # another C library: nothing to ask
            pass


def prefer_system_allocator() -> bool:
    """Have pyarrow (and pandas' text columns, which it holds) allocate from the C library's heap
    rather than pyarrow's bundled mimalloc, in this process and the processes it starts; on Linux,
    unless ``ARROW_DEFAULT_MEMORY_POOL`` chooses a pool. Returns whether the pool was changed.

    The command line calls it first. mimalloc hands freed pages back to the system within
    milliseconds and takes fresh ones, a page fault each, for the next table, which a virtual
    machine makes dear: on the 2-core Linux VM of issue 13, the same code loaded 2.4M records
    (``load_tables``) in 11.1-11.9 s with it against 5.1-6.6 s with the C heap
    (``ARROW_DEFAULT_MEMORY_POOL=mimalloc`` against ``system``, runs alternated), and ``analyze``
    wrote the same bytes under either. The C heap is what :func:`give_back` trims. Call it before
    a large analysis in a notebook for the same speed; buffers made before keep their pool.
    """
    if not sys.platform.startswith("linux") or os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return False
    os.environ["ARROW_DEFAULT_MEMORY_POOL"] = "system"  # read by the processes started from here
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())
    return True


def avoid_hugepage_stalls() -> bool:
    """Stop numpy from advising the kernel to back its large arrays (4 MiB and more) with huge pages,
    in this process and the processes it starts, on Linux, where the kernel compacts memory in the
    fault itself to make a huge page for advised memory (:data:`THP_DEFRAG` set to one of
    :data:`STALLING`), unless ``NUMPY_MADVISE_HUGEPAGE`` chooses. Returns whether it was stopped.

    numpy gives that advice by default, and the advice stays on the memory once the array is freed
    and the C heap hands it out again (numpy issue 31590). A run allocates and frees hundreds of
    arrays of that size, and each first touch of their pages could then stall. On the 2-core Linux
    VM of issue 13 (``[madvise]``), validating 2.4M records took 5.4-5.7 s with the advice against
    1.9-2.1 s without (3.2-3.5 s of it in the kernel, against 0.3-0.4), and the whole run without
    figures 15.7-16.5 s against 11.1-12.2 s (runs alternated; the same numbers written). The
    command line calls it first; call it before a large analysis in a notebook for the same speed.
    Arrays made before keep their pages.
    """
    if not sys.platform.startswith("linux") or os.environ.get("NUMPY_MADVISE_HUGEPAGE"):
        return False
    try:
        setting = THP_DEFRAG.read_text()
    except OSError:  # no transparent huge pages: nothing to avoid
        return False
    chosen = setting[setting.find("[") + 1: setting.find("]")] if "[" in setting else setting.strip()
    if chosen not in STALLING:
        return False
    try:  # numpy 2, then 1.x
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:
        try:
            from numpy.core.multiarray import _set_madvise_hugepage
        except ImportError:  # a numpy without the switch reads only the variable, at its import
            return False
    _set_madvise_hugepage(False)
    os.environ["NUMPY_MADVISE_HUGEPAGE"] = "0"  # read by the processes started from here
    return True


class _CollectorBlock:
    """A ``with`` block that changes the cycle collector for as long as any such block is open: it
    marks itself open before it counts in (``_count_in``, under :data:`_PAUSES_LOCK`), and counts out
    (``_count_out``) at its end or, if an interrupt cut its end short, when it is freed, which its
    reference count does without the collector. Cut between two steps, it counts out twice (the
    counts stop at 0), never not at all."""

    def __init__(self) -> None:
        self._open = False  # counted in and not yet out

    def __enter__(self) -> None:
        with _PAUSES_LOCK:
            self._open = True  # first: cut short before the count, it is taken once too often
            self._count_in()

    def __exit__(self, *exc) -> None:
        self._leave()

    def __del__(self) -> None:
        self._leave()  # a block whose end was cut short (or never reached) is counted out here

    def _leave(self) -> None:
        if self._open:
            with _PAUSES_LOCK:
                self._count_out()
            self._open = False  # after: cut short in between, the count is taken twice, never kept

    def _count_in(self) -> None:
        raise NotImplementedError

    def _count_out(self) -> None:
        raise NotImplementedError


class paused_gc(_CollectorBlock):  # a lower-case name: used as a function, ``with paused_gc():``
    """Python's cycle collector paused for the ``with`` block, in every thread, and resumed (if it
    ran before the first block) when the last block open in any thread ends.

    For code that makes a great many container objects that hold no cycles, such as the lists of
    floats of a column of choice log-probabilities: the collector runs a pass every 700 new
    containers and, as they pile up, passes over every object the program holds. Making the lists
    of 2.4M records' choice column (issue 13) took 0.45 s of collections, 0.33 s of it in five full
    passes, on a thread that holds the interpreter lock while it collects. Nothing is lost by the
    pause: cycles made meanwhile are collected by the collector's next pass.

    A class rather than a generator: an interrupt (Ctrl-C) that lands as a generator's block starts
    or ends can leave the generator in a cycle that only the paused collector would free, and the
    pause open for good (a storm of interrupts did so in one block in 200). A block cut short as it
    ends is counted out when its object is freed, which needs no collector.

    Examples
    --------
    >>> with paused_gc():
    ...     rows = [[0.5, 0.25] for _ in range(3)]
    """

    def _count_in(self) -> None:
        if _PAUSES["open"] == 0 and gc.isenabled():
            _PAUSES["ours"] = True
            gc.disable()
        _PAUSES["open"] += 1

    def _count_out(self) -> None:
        _PAUSES["open"] = max(0, _PAUSES["open"] - 1)
        if _PAUSES["open"] == 0 and _PAUSES["ours"]:
            gc.enable()
            _PAUSES["ours"] = False


class frozen_gc(_CollectorBlock):  # a lower-case name: used as a function, ``with frozen_gc():``
    """The objects that exist when the block starts left out of the cycle collector's passes
    (:func:`gc.freeze`), until the last such block open in any thread ends (:func:`gc.unfreeze`).

    An analysis keeps its records to its end; the collector's full passes would go over each of
    their objects again and again, and over the Python lists of a choice column by the hundred
    thousand. In a process forked to rescore or draw, such a pass also writes to every object's
    header, and so copies the pages the process shares with its parent. Each block freezes what
    exists at its start, nested blocks too (:func:`emergence.report.write_report`, then its
    figures once matplotlib is imported), and all of it is handed back to the collector when the
    last block ends. Garbage that exists at a block's start (cycles the program has dropped) is
    therefore collected only after that; objects made and dropped inside a block, and not frozen by
    a block started later, are collected as usual. Where the program has frozen objects itself
    (before forking workers, say), the block leaves the collector as it is.

    A class, as :class:`paused_gc` is, so that a block cut short as it ends is still counted out.
    """

    def _count_in(self) -> None:
        if _PAUSES["frozen"] == 0 and not _PAUSES["frozen_ours"]:
            _PAUSES["frozen_ours"] = gc.get_freeze_count() == 0
        if _PAUSES["frozen_ours"]:
            gc.freeze()
        _PAUSES["frozen"] += 1

    def _count_out(self) -> None:
        _PAUSES["frozen"] = max(0, _PAUSES["frozen"] - 1)
        if _PAUSES["frozen"] == 0 and _PAUSES["frozen_ours"]:
            gc.unfreeze()
            _PAUSES["frozen_ours"] = False
