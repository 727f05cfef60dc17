"""A JSON-lines samples log as Arrow columns: read in blocks by pyarrow's JSON reader, which makes only
the fields the records use, and checked so that it takes the files orjson takes.

pyarrow's reader (RapidJSON) is more lenient than orjson, which the per-sample reader uses to name a
bad line: it reads ``NaN`` and ``Infinity``, numbers of hundreds of digits, bytes that are not UTF-8
and two objects on one line, and skips blank lines. A block holding any of these (or what looks like
them, in a text), a line over the limits, or a field of another type than the schema's, makes
:func:`_scan` return None: the per-sample reader reads the file instead, with its exact messages.

Two kinds of valid JSON that orjson refuses are not looked for, as no JSON writer of lm-eval's makes
them (Python's json module writes an overflowing float as ``Infinity`` and cannot nest 1,000 levels):
a number beyond the range of a double written with an exponent (``2e308``), and arrays or objects
nested more than 1,024 deep, in a field the records do not use. Such a log is read; the per-sample
reader refused it ("not valid JSON").
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.json as pa_json

from emergence.sources.limits import Limits, is_gzip

#: Bytes read at a time (and then to the end of the line): what a block holds, parsed and checked.
_BLOCK = 16 << 20
#: Bytes of a piece of a block parsed on one thread (at least the longest line).
_PIECE = 4 << 20
#: Bytes looked at at a time in a block (fit a processor's cache).
_WINDOW = 1 << 20

_BOM = b"\xef\xbb\xbf"
# the bytes looked at: end of line, the start of an object, and the first letters of NaN and Infinity
_NEWLINE, _BRACE, _N, _I = 10, ord("{"), ord("N"), ord("I")
# a number of this many digits may be beyond the range of a double (1.8e308); orjson refuses it
_LONG_NUMBER = 300
_DIGITS = b"0123456789"


class _Unusual(Exception):
    """Something the columnar reader leaves to the per-sample one."""


def _scan(path: Path, limits: Limits, schema: pa.Schema) -> pa.Table | None:
    """The fields of ``schema`` of every line of a JSON-lines file, one row per line in order; None when
    the file holds anything unusual (see the module documentation)."""
    options = pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    tables = []
    try:
        for block, lines, longest in _blocks(path, limits):
            # Arrow parses pieces of a block on its threads; a line must fit in one piece
            read = pa_json.ReadOptions(use_threads=True, block_size=max(longest + 1, _PIECE))
            table = pa_json.read_json(pa.BufferReader(block), read_options=read, parse_options=options)
            if table.num_rows != lines:  # two objects on one line
                return None
            tables.append(table)
    except (_Unusual, pa.ArrowException, OSError):
        return None
    return pa.concat_tables(tables).combine_chunks() if tables else None


def _blocks(path: Path, limits: Limits) -> Iterator[tuple[pa.Buffer, int, int]]:
    """The file in blocks of whole lines, each checked (:func:`_check`), with its number of lines and
    the length of its longest line. (A gzip file is left to the per-sample reader.)"""
    if is_gzip(path) or path.stat().st_size > limits.max_bytes:
        raise _Unusual
    total = 0
    with open(path, "rb") as handle:
        while part := handle.read(_BLOCK):
            if not part.endswith(b"\n"):
                part += handle.readline(limits.max_line_bytes + 2)
            skip = len(_BOM) if total == 0 and part.startswith(_BOM) else 0
            total += len(part)
            if total > limits.max_bytes:
                raise _Unusual
            yield pa.py_buffer(part).slice(skip), *_check(part, skip, limits)


def _check(part: bytes, skip: int, limits: Limits) -> tuple[int, int]:
    """The number of lines of a block and the length of the longest (a byte-order mark, ``skip``
    bytes, counted), having checked that each line starts with '{' (so none is blank) and is within
    ``limits.max_line_bytes``, and that the block is UTF-8 without NaN, Infinity or a number of
    :data:`_LONG_NUMBER` digits; raises :class:`_Unusual` if not."""
    if not part.isascii():
        try:
            part.decode("utf-8")
        except UnicodeDecodeError:
            raise _Unusual from None
    data = np.frombuffer(part, dtype=np.uint8)
    ends, letters = _positions(data)
    if not len(ends) or ends[-1] != len(data) - 1:  # the last line of the file, without its end of line
        ends = np.append(ends, len(data))
    starts = np.concatenate(([0], ends[:-1] + 1))
    firsts = np.concatenate(([skip], starts[1:]))  # each line's first byte (after the mark)
    if firsts[-1] >= len(data) or not (data[firsts] == _BRACE).all():
        raise _Unusual
    longest = int((ends - starts).max())
    if longest > limits.max_line_bytes or _special_numbers(part, data, letters) or _long_numbers(part, data):
        raise _Unusual
    return len(ends), longest


def _positions(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the block's ends of line are, and its letters N and I; looked for a window at a time, in
    the same two buffers (twice as fast as the whole block at once)."""
    ends, letters = [], []
    hit, other = np.empty(_WINDOW, dtype=bool), np.empty(_WINDOW, dtype=bool)
    for start in range(0, len(data), _WINDOW):
        window = data[start:start + _WINDOW]
        found, also = hit[:len(window)], other[:len(window)]
        np.equal(window, _NEWLINE, out=found)
        ends.append(np.flatnonzero(found) + start)
        np.logical_or(np.equal(window, _N, out=found), np.equal(window, _I, out=also), out=found)
        letters.append(np.flatnonzero(found) + start)
    return np.concatenate(ends), np.concatenate(letters)


def _special_numbers(part: bytes, data: np.ndarray, letters: np.ndarray) -> bool:
    """Whether ``NaN``, ``Inf`` or ``Infinity`` (signed or not) may stand as a value: such a word, at
    one of the ``letters`` N and I, after '[', ':' or ',' (in a text too, which is then left to the
    per-sample reader)."""
    letters = letters[letters + 2 < len(data)]
    for at in letters[_is_word(data, letters)].tolist():
        before = at - 1
        while before >= 0 and part[before] in b" \t\r-":
            before -= 1
        if before >= 0 and part[before] in b"[:,":
            return True
    return False


def _is_word(data: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Where ``NaN`` or ``Inf`` starts at positions ``at``."""
    nan = (data[at] == _N) & (data[at + 1] == ord("a")) & (data[at + 2] == _N)
    inf = (data[at] == _I) & (data[at + 1] == ord("n")) & (data[at + 2] == ord("f"))
    return nan | inf


def _long_numbers(part: bytes, data: np.ndarray) -> bool:
    """Whether the block holds a run of :data:`_LONG_NUMBER` digits. Such a run holds two neighbouring
    bytes of every ``_LONG_NUMBER // 2``-th, and every tenth byte between them: only those are looked
    at, then the few runs they leave are measured."""
    step = _LONG_NUMBER // 2
    sampled = (data[::step] - ord("0")) < 10
    runs = np.flatnonzero(sampled[:-1] & sampled[1:]) * step
    if len(runs):
        between = runs[:, None] + np.arange(0, step + 1, 10)
        runs = runs[((data[between] - ord("0")) < 10).all(axis=1)]
    for at in runs.tolist():
        start = end = at
        while start > 0 and part[start - 1] in _DIGITS:
            start -= 1
        while end + 1 < len(part) and part[end + 1] in _DIGITS:
            end += 1
        if end - start + 1 >= _LONG_NUMBER:
            return True
    return False
