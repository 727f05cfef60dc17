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
BLOCK_BYTES = 64 * 2**20

_CHUNK = 16 * 2**20


def blocks(path: Path, block_bytes: int = BLOCK_BYTES) -> list[tuple[int, int, int, int]] | None:
    """The blocks of a plain CSV: ``(start, stop, records_before, lines_before)``, byte ranges of
    whole records after the header, the data records before each (blank lines, which the readers
    skip, not counted) and the lines before it. One block when the file is smaller than
    ``block_bytes``; None when the file cannot be cut safely: a quote that opens a field anywhere
    but at its start (``x"y``), which the CSV readers take as a literal quote."""
    size = path.stat().st_size
    ends: list[tuple[int, int, int]] = []  # (byte after a record's newline, records, lines up to it)
    header_end = None
    parity, records, lines, target = 0, 0, 0, block_bytes
    last_end, before = 0, ord("\n")  # the byte after the last record's newline; the byte before this chunk
    with open(path, "rb") as handle:
        offset = 0
        while True:
            chunk = handle.read(_CHUNK)
            if not chunk:
                break
            data = np.frombuffer(chunk, dtype=np.uint8)
            is_quote = data == ord('"')
            # the parity of the quotes so far: a byte a count (it wraps at 256, which is even)
            quotes = np.cumsum(is_quote.view(np.uint8), dtype=np.uint8)
            quotes += np.uint8(parity)
            opening = np.flatnonzero(is_quote & ((quotes & 1) == 1))  # after an even number of them
            previous = np.where(opening > 0, data[np.maximum(opening - 1, 0)], before)
            if not _FIELD_START[previous].all():
                return None
            is_newline = data == ord("\n")
            newline = np.flatnonzero(is_newline & ((quotes & 1) == 0))
            parity = int(quotes[-1] & 1)
            if header_end is None and len(newline):
                header_end = last_end = offset + int(newline[0]) + 1
                newline = newline[1:]
            positions = offset + newline + 1
            # a record is blank when nothing, or a lone carriage return, precedes its newline
            starts = np.concatenate([[last_end], positions[:-1]]) if len(positions) else positions
            length = positions - 1 - starts
            lone_cr = (length == 1) & (_byte_at(data, offset, starts, before) == ord("\r"))
            counted = np.cumsum((length > 0) & ~lone_cr) + records
            while len(positions) and offset + len(chunk) >= target:
                after = int(np.searchsorted(positions, target))
                if after == len(positions):
                    break
                upto = lines + int(np.count_nonzero(is_newline[: newline[after] + 1]))
                ends.append((int(positions[after]), int(counted[after]), upto))
                target = int(positions[after]) + block_bytes
            if len(positions):
                records, last_end = int(counted[-1]), int(positions[-1])
            lines += int(np.count_nonzero(is_newline))
            before = int(data[-1])
            offset += len(chunk)
    if header_end is None:
        return [(0, size, 0, 0)]
    cuts = [e for e in ends if e[0] < size]
    starts_ = [(header_end, 0, 1)] + cuts
    stops = [e[0] for e in cuts] + [size]
    return [(start, stop, recs, lns) for (start, recs, lns), stop in zip(starts_, stops, strict=True)]


#: Which bytes may precede a quote that opens a field: the start of a line, a comma, or a quote
#: (two quotes inside a quoted field stand for one).
_FIELD_START = np.zeros(256, dtype=bool)
_FIELD_START[[ord(","), ord("\n"), ord("\r"), ord('"')]] = True


def _byte_at(data: np.ndarray, offset: int, at: np.ndarray, before: int) -> np.ndarray:
    """The bytes at file positions ``at`` (within this chunk, or the one just before it)."""
    local = at - offset
    out = np.full(len(at), before, dtype=np.int64)
    inside = (local >= 0) & (local < len(data))
    out[inside] = data[local[inside]]
    return out


def header_bytes(path: Path, start: int) -> bytes:
    """The file's bytes before its first block (its header line)."""
    with open(path, "rb") as handle:
        return handle.read(start)


def read_block(path: Path, start: int, stop: int, records_before: int, lines_before: int, header_stop: int,
               options=None) -> list[tuple[str, object]]:
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
                raise SchemaError([_renamed(p, temporary, path, records_before, lines_before)
                                   for p in error.problems]) from None
        for warning in caught:
            text = str(warning.message)
            if str(temporary) in text:
                warnings.warn(_renamed(text, temporary, path, records_before, lines_before),
                              EmergenceWarning, stacklevel=2)
            else:
                warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    finally:
        if temporary.exists():
            os.unlink(temporary)
        os.rmdir(folder)
    return [(shape, table)]


def _renamed(text: str, temporary: Path, path: Path, records_before: int, lines_before: int) -> str:
    """A message about the block's file said of the whole file: its name, and its line numbers moved
    by the blocks before: by their records where the reader counts rows (a cell's line), by their
    lines where it counts lines (a byte that is not UTF-8, the parser's "row")."""
    text = text.replace(str(temporary), str(path))
    moved = lines_before - 1 if "not valid UTF-8" in text else records_before

    def move(match: re.Match) -> str:
        return f"{match.group(1)} {int(match.group(2)) + moved}"

    return re.sub(r"\b(lines?|row) (\d+)", move, text)
