"""A large plain benchmark CSV read in blocks of whole records, each a partition of the Dask engine.

:func:`blocks` finds record boundaries near every ``block_bytes``: a newline outside quotes (the
quotes before it are even in number), found with numpy a chunk at a time, so that a quoted field
holding a newline never straddles two blocks. :func:`read_block` reads one block as a file of its
own (the header, then the block's rows) with :func:`emergence.sources.csv_files.read_csv`, the typed
way or the text way, and says its problems with the file's name and the file's line numbers, as the
whole file read in process would (lines are counted as that reader counts them: the header is line
1, the first data row line 2).

A gzip file cannot be cut without reading it from the start: it is one partition.
"""

from __future__ import annotations

import os
import re
import tempfile
import warnings
from pathlib import Path

import numpy as np

from emergence.errors import EmergenceWarning, SchemaError

#: The size of a block (a block ends at the first record boundary after it).
BLOCK_BYTES = 256 * 2**20

_CHUNK = 16 * 2**20


def blocks(path: Path, block_bytes: int = BLOCK_BYTES) -> list[tuple[int, int, int]]:
    """The blocks of a plain CSV: ``(start, stop, records_before)`` byte ranges of whole records
    after the header, and the data records before each. One block when the file is smaller than
    ``block_bytes``."""
    size = path.stat().st_size
    ends: list[tuple[int, int]] = []  # (byte after a record's newline, records up to it)
    header_end = None
    parity, records, target = 0, 0, block_bytes
    with open(path, "rb") as handle:
        offset = 0
        while True:
            chunk = handle.read(_CHUNK)
            if not chunk:
                break
            data = np.frombuffer(chunk, dtype=np.uint8)
            # the parity of the quotes so far: a byte a count (it wraps at 256, which is even)
            quotes = np.cumsum((data == ord('"')).view(np.uint8), dtype=np.uint8)
            quotes += np.uint8(parity)
            newline = np.flatnonzero((data == ord("\n")) & ((quotes & 1) == 0))
            parity = int(quotes[-1] & 1) if len(quotes) else parity
            if header_end is None and len(newline):
                header_end = offset + int(newline[0]) + 1
                newline = newline[1:]
            positions = offset + newline + 1
            while len(positions) and offset + len(chunk) >= target:
                after = np.searchsorted(positions, target)
                if after == len(positions):
                    break
                ends.append((int(positions[after]), records + int(after) + 1))
                target = int(positions[after]) + block_bytes
            records += len(positions)
            offset += len(chunk)
    if header_end is None:
        return [(0, size, 0)]
    starts = [(header_end, 0)] + [e for e in ends if e[0] < size]
    stops = [e[0] for e in ends if e[0] < size] + [size]
    return [(start, stop, before) for (start, before), stop in zip(starts, stops, strict=True)]


def header_bytes(path: Path, start: int) -> bytes:
    """The file's bytes before its first block (its header line)."""
    with open(path, "rb") as handle:
        return handle.read(start)


def read_block(path: Path, start: int, stop: int, records_before: int, header_stop: int, options=None
               ) -> list[tuple[str, object]]:
    """One block of ``path`` read and validated as a file of its own; problems and warnings name
    ``path`` and its line numbers (see the module's docstring)."""
    from emergence.sources.csv_files import read_csv
    from emergence.sources.limits import limits_of

    with open(path, "rb") as handle:
        head = handle.read(header_stop)
        handle.seek(start)
        body = handle.read(stop - start)
    folder = tempfile.mkdtemp(prefix="emergence-block-")
    temporary = Path(folder) / path.name
    try:
        temporary.write_bytes(head + body)
        del body
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                shape, table = read_csv(temporary, limits=limits_of(options))
            except SchemaError as error:
                raise SchemaError([_renamed(p, temporary, path, records_before) for p in error.problems]
                                  ) from None
        for warning in caught:
            text = str(warning.message)
            if str(temporary) in text:
                warnings.warn(_renamed(text, temporary, path, records_before), EmergenceWarning,
                              stacklevel=2)
            else:
                warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    finally:
        if temporary.exists():
            os.unlink(temporary)
        os.rmdir(folder)
    return [(shape, table)]


def _renamed(text: str, temporary: Path, path: Path, records_before: int) -> str:
    """A message about the block's file said of the whole file: its name, and its line numbers moved
    by the records of the blocks before."""
    text = text.replace(str(temporary), str(path))
    return re.sub(r"\blines? (\d+)", lambda m: m.group(0).replace(m.group(1), str(int(m.group(1))
                                                                                   + records_before)), text)
