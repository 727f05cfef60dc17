"""Giving memory back between the stages of a run.

A large run allocates and frees hundreds of megabytes per stage. Freed memory is not always returned
to the system: pyarrow's allocator keeps what it freed for reuse, and the C library keeps freed
blocks of its heap. :func:`give_back` returns both, so that the peak of a run is the peak of its
largest stage, not the sum of what the stages left behind.
"""

from __future__ import annotations

import ctypes
import ctypes.util
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
