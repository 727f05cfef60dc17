"""Giving memory back between the stages of a run.

A large run allocates and frees hundreds of megabytes per stage. Freed memory is not always returned
to the system: pyarrow's allocator keeps what it freed for reuse, and the C library keeps freed
blocks of its heap. :func:`give_back` returns both, so that the peak of a run is the peak of its
largest stage, not the sum of what the stages left behind.

:func:`prefer_system_allocator` has pyarrow allocate from the C heap instead of its bundled
mimalloc, which made the command line's loading of 2.4M records about twice as slow on Linux
(issue 13).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys


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
