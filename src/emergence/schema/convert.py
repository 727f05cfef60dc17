"""One converter per column type of the specification: each parses its column at once (vectorised),
reports the cells that do not follow the type, and stores the typed column."""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import chain

import numpy as np
import orjson
import pandas as pd

from emergence.memory import paused_gc
from emergence.scale import parse_scale
from emergence.schema.columns import KINDS
from emergence.schema.values import MAX_MAGNITUDE, too_large


class Converters:
    """The ``_convert_<dtype>`` methods of :class:`~emergence.schema.validator._Validator`.

    They read ``self.raw`` (the input table), store each typed column in ``self.out`` (a dict from
    which the validator builds the typed copy at once: one DataFrame insert per column is quadratic in
    the number of columns, issue 17) and report bad cells with
    ``self.add_rows(mask, column, values, what)``.
    """

    raw: pd.DataFrame
    out: dict
    #: Codes of converted text columns (:func:`~emergence.schema.keys.column_codes`), where the
    #: conversion had them at hand.
    codes: dict

    def add_rows(self, mask: np.ndarray, column: str, values, what: str) -> None:
        raise NotImplementedError

    def _blank(self, name: str) -> np.ndarray:
        return self._blank_of(self.raw[name])

    @staticmethod
    def _blank_of(raw: pd.Series) -> np.ndarray:
        """Missing cells, and text cells that are empty or only spaces."""
        blank = raw.isna().to_numpy(copy=True)
        if isinstance(raw.dtype, pd.CategoricalDtype):  # judged once per distinct string
            codes, words = _distinct_text(raw)
            if words is not None:
                empty = pd.Series(words, dtype="string").str.strip().eq("").to_numpy(dtype=bool)
                return blank | (np.append(empty, False)[codes])
        if raw.dtype == object:  # only text can be blank: only text cells are looked at
            cells = raw.to_numpy()
            text = np.flatnonzero(~blank)
            text = text[[isinstance(c, str) for c in cells[text]]]
            blank[text] = pd.Series(cells[text], dtype=str).str.strip().eq("").to_numpy(dtype=bool)
        elif pd.api.types.is_string_dtype(raw) or isinstance(raw.dtype, pd.CategoricalDtype):
            blank |= raw.astype(str).str.strip().eq("").to_numpy() & ~blank
        return blank

    def _convert_str(self, name: str) -> None:
        raw = self.raw[name]
        codes, words = _distinct_text(raw)
        if words is None:  # numbers or other objects among the text: each cell as it is
            text = raw.astype("string")
            if name not in ("target", "prediction"):
                text = text.str.strip()
            blank = (text.isna() | text.eq("")).to_numpy(dtype=bool)
            cells = text.to_numpy(dtype=object, na_value=None)
        else:  # each distinct string made once, shared by its rows
            text = pd.Series(words, dtype="string")
            if name not in ("target", "prediction"):
                # an empty target or prediction is a real value (handled in _check_records)
                text = text.str.strip()
            cells = np.append(text.to_numpy(dtype=object, na_value=None), None)[codes]
            blank = np.append(text.eq("").to_numpy(dtype=bool), True)[codes]  # code -1: missing
            if name in ("family", "model", "task", "subtask", "example") and not blank.any():
                # the codes of a key column as it is out, for the checks across rows
                merged, names = pd.factorize(text.to_numpy(dtype=object), sort=True)
                self.codes[name] = (merged.astype(np.int32)[codes], len(names))
        values = pd.Series(cells, index=raw.index, dtype=object, copy=False)  # made here: not copied
        if name == "family":
            values = values.where(~blank, "default")
        elif name in ("model", "task", "example"):
            self.add_rows(blank, name, raw, "is empty; every row needs a value")
        elif name in ("subtask",):
            values = values.where(~blank, None)
        self.out[name] = values

    def _numbers(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Parse a numeric column; report non-numbers. Returns (values, blank)."""
        blank = self._blank(name)
        raw = self.raw[name]
        if pd.api.types.is_bool_dtype(raw):
            raw = raw.astype(float)
        if raw.dtype == np.float64:  # numbers already, NaN where blank: shared, copied if changed below
            values = raw.to_numpy(dtype=float)
        else:
            values = pd.to_numeric(raw.where(~blank, np.nan), errors="coerce").to_numpy(
                dtype=float, copy=True
            )
        bad = ~blank & ~np.isfinite(values)
        self.add_rows(bad, name, raw, "is not a finite number")
        huge = too_large(values)
        self.add_rows(huge, name, raw, f"is too large to compute with (beyond ±{MAX_MAGNITUDE:g})")
        if (bad | huge).any():  # reported; not to be reported again by a later rule
            values = values.copy()
            values[bad | huge] = np.nan
        return values, blank

    def _convert_float(self, name: str) -> None:
        values, blank = self._numbers(name)
        self.add_rows(blank, name, self.raw[name], "is missing; every row needs a number")
        self.out[name] = values

    def _convert_nonneg(self, name: str) -> None:
        values, _ = self._numbers(name)
        self.add_rows(values < 0, name, values, "is negative; a standard error is >= 0")
        self.out[name] = values

    def _convert_unit(self, name: str) -> None:
        values, _ = self._numbers(name)
        bad = (values < 0) | (values >= 1)
        self.add_rows(bad, name, values, "is outside [0, 1); chance is a probability like 0.25")
        self.out[name] = values

    def _convert_count(self, name: str) -> None:
        values, _ = self._numbers(name)
        bad = (values < 1) | (np.mod(values, 1) > 0)
        self.add_rows(bad, name, values, "is not a whole number >= 1")
        self.out[name] = values

    def _convert_int(self, name: str) -> None:
        values, _ = self._numbers(name)
        bad = (values < 0) | (np.mod(values, 1) > 0)
        self.add_rows(bad, name, values, "is not a whole number >= 0")
        self.out[name] = values

    def _convert_loss(self, name: str) -> None:
        values, _ = self._numbers(name)
        self.add_rows(values <= 0, name, values,
                      "is not > 0; a loss is a positive number of nats per token, like 2.3")
        self.out[name] = values

    def _convert_logprob(self, name: str) -> None:
        values, _ = self._numbers(name)
        self.add_rows(
            values > 0, name, values, "is > 0; a log-probability is <= 0 (natural log, not a prob)"
        )
        self.out[name] = values

    def _convert_bool(self, name: str) -> None:
        raw = self.raw[name]
        if pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw):  # already numbers
            values = raw.astype(float).to_numpy(copy=True)
            bad = ~np.isnan(values) & ~np.isin(values, (0.0, 1.0))
            self.add_rows(bad, name, raw, "is not 0/1 or true/false")
            values[~np.isin(values, (0.0, 1.0))] = np.nan
            self.out[name] = values
            return
        blank = self._blank(name)
        mapping = {"1": 1.0, "0": 0.0, "1.0": 1.0, "0.0": 0.0, "true": 1.0, "false": 0.0}
        codes, words = _distinct_text(raw)
        if words is None:
            text = raw.astype(str).str.strip().str.lower()
            values = text.map(mapping).to_numpy(dtype=float, copy=True)
        else:  # each distinct cell read once
            read = pd.Series(words, dtype=object).str.strip().str.lower().map(mapping).to_numpy(dtype=float)
            values = np.append(read, np.nan)[codes]
        bad = ~blank & np.isnan(values)
        self.add_rows(bad, name, raw, "is not 0/1 or true/false")
        values[blank] = np.nan
        self.out[name] = values

    def _convert_kind(self, name: str) -> None:
        blank = self._blank(name)
        text = self.raw[name].astype(str).str.strip().str.lower()
        bad = ~blank & ~text.isin(KINDS).to_numpy()
        self.add_rows(bad, name, self.raw[name], f"is not one of {', '.join(KINDS)}")
        self.out[name] = text.where(~blank, None).astype(object)

    def _convert_scale(self, name: str) -> None:
        raw = self.raw[name]
        blank = self._blank(name)
        # parse each distinct value once: a table has few distinct model sizes; the rows of a value
        # are looked for only when it is wrong (a mask over every row per value took 0.2 s at 2.4M)
        every, words = _distinct_text(raw)
        if words is not None:  # the distinct values are at hand: no text hashed, no row looked up
            present = pd.unique(every[~blank])  # in order of first appearance, as below
            parsed = np.full(len(words) + 1, np.nan)  # the last for a missing cell (code -1)
            for k in present:
                parsed[k] = self._scale(name, words[k], lambda k=k: (every == k) & ~blank)
            values = parsed[every]
            values[blank] = np.nan
            self.out[name] = values
            return
        values = np.full(len(raw), np.nan)
        rows = np.flatnonzero(~blank)
        cells = raw.to_numpy(dtype=object)[rows]
        try:
            codes, distinct = pd.factorize(cells)
        except TypeError:  # an unhashable cell (a list): each such cell is a value of its own
            keys = np.empty(len(cells), dtype=object)
            keys[:] = [_hashable(cell) for cell in cells]
            codes, _ = pd.factorize(keys)
            distinct = cells[np.unique(codes, return_index=True)[1]]
        parsed = np.full(len(distinct), np.nan)
        for k, value in enumerate(distinct):
            parsed[k] = self._scale(name, value, lambda k=k: np.isin(np.arange(len(raw)), rows[codes == k]))
        values[rows] = parsed[codes]
        self.out[name] = values

    def _scale(self, name: str, value, rows: Callable[[], np.ndarray]) -> float:
        """One distinct scale value parsed, or NaN with its rows (``rows()``, a mask) reported."""
        try:
            return parse_scale(value)
        except ValueError:
            self.add_rows(rows(), name, self.raw[name],
                          "is not a positive model size (write 1.3e9, 1300000000 or '1.3b')")
            return np.nan

    def _convert_logprobs(self, name: str) -> None:
        raw = self.raw[name]
        if (lists := arrow_float_lists(raw)) is not None:
            self._convert_arrow_logprobs(name, lists)
            return
        cells = raw.to_numpy(dtype=object)
        rows = np.flatnonzero(~self._blank(name))
        parsed = np.full(len(raw), None, dtype=object)
        lists = json_lists(cells[rows])
        if lists is None:  # or every cell a list of floats already (a reader's typed table)
            lists = float_lists(cells[rows])
        if lists is not None:  # the fast path: every cell is JSON text of a list of numbers
            sizes = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
            try:
                flat = np.fromiter(chain.from_iterable(lists), dtype=float, count=int(sizes.sum()))
            except (TypeError, ValueError):
                lists = None
        if lists is not None:
            good = _good_lists(np.concatenate([[0], np.cumsum(sizes)]), flat)
            parsed[rows[good]] = [lists[i] for i in np.flatnonzero(good)]
            rows = rows[~good]  # only the bad cells go through the slow path, for their messages
        self._logprobs_one_by_one(name, rows, cells.__getitem__, parsed)
        self.out[name] = pd.Series(parsed, index=self.raw.index, dtype=object, copy=False)

    def _logprobs_one_by_one(self, name: str, rows: np.ndarray, cell, parsed: np.ndarray) -> None:
        """Each ``cell(i)`` of ``rows`` read by :func:`_logprob_cell`: its list put in ``parsed``, or
        its problem reported with its place and value."""
        raw = self.raw[name]
        for i in rows:
            value, problem = _logprob_cell(cell(i))
            if problem:
                self.add_rows(_at(i, len(raw)), name, raw, problem)
            else:
                parsed[i] = value

    def _convert_arrow_logprobs(self, name: str, lists) -> None:
        """A column of float lists held by Arrow (a reader's typed column, or pandas' ``ArrowDtype``):
        checked as one array of values, and made lists of Python floats, as the text is, a size at a
        time; only bad cells are looked at one by one, for their messages. The list array's own
        offsets and values are read in place: a table of millions of rows makes few arrays here."""
        raw = self.raw[name]
        offsets = lists.offsets.to_numpy()
        values = lists.values.to_numpy(zero_copy_only=False)  # a missing value reads NaN
        sizes = np.diff(offsets).astype(np.int64)
        good = _good_lists(offsets, values)
        if lists.null_count:  # a missing row may still own values: they are not its list
            missing = lists.is_null().to_numpy(zero_copy_only=False)
            sizes[missing] = -1
            good &= ~missing
        parsed = np.full(len(raw), None, dtype=object)
        for size in np.flatnonzero(np.bincount(sizes[good])):
            rows = np.flatnonzero(good & (sizes == size))
            first, last = offsets[rows[0]], offsets[rows[-1]] + size
            if last - first == len(rows) * size:  # the rows' values lie together: no gathering
                block = values[first:last].reshape(len(rows), size)
            else:
                block = values[offsets[rows, None] + np.arange(size)]
            # one 2-D array's tolist makes the rows' lists of floats at C speed (lists of floats
            # hold no cycles: the collector's passes over them took as long as making them)
            with paused_gc():
                parsed[rows] = _object_rows(block.tolist())
        slow = np.flatnonzero((sizes >= 0) & ~good)  # empty lists, values > 0 or not finite
        self._logprobs_one_by_one(name, slow, raw.iloc.__getitem__, parsed)
        if not len(slow):  # the validator's choice_counts of the column, at hand
            self.choice_sizes = sizes.astype(np.int32)
        self.out[name] = pd.Series(parsed, index=self.raw.index, dtype=object, copy=False)

    def _convert_gold(self, name: str) -> None:
        raw = self.raw[name]
        cells = raw.to_numpy(dtype=object)
        rows = np.flatnonzero(~self._blank(name))
        parsed = np.full(len(raw), None, dtype=object)
        numbers = pd.to_numeric(pd.Series(cells[rows], dtype=object), errors="coerce").to_numpy(float)
        with np.errstate(invalid="ignore"):  # inf and NaN cells take the slow path, for their message
            whole = np.mod(numbers, 1) == 0
        # an index from 2**53 on is no choice and would wrap around as an int (1e20 became -2**63)
        simple = np.isfinite(numbers) & (numbers >= 0) & (numbers < 2**53) & whole
        simple &= np.array([not isinstance(c, bool) for c in cells[rows]], dtype=bool)
        parsed[rows[simple]] = numbers[simple].astype(int).tolist()
        for i in rows[~simple]:  # lists of indices and bad cells
            value = cells[i]
            if isinstance(value, str):
                try:
                    value = orjson.loads(value.strip())
                except orjson.JSONDecodeError:
                    value = None
            if isinstance(value, np.ndarray):
                value = value.tolist()
            if isinstance(value, list) and value and all(
                isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value
            ):
                parsed[i] = value if len(value) > 1 else value[0]
            else:
                self.add_rows(
                    _at(i, len(raw)), name, raw, "is not a choice index >= 0 (or a JSON list of them)"
                )
        self.out[name] = pd.Series(parsed, index=self.raw.index, dtype=object, copy=False)


def arrow_float_lists(column: pd.Series):
    """The column's values as one pyarrow list array, when it holds lists of floats in Arrow memory
    (``ArrowDtype(pa.list_(pa.float64()))``, float32 widened exactly); None for any other column."""
    if not isinstance(column.dtype, pd.ArrowDtype):
        return None
    import pyarrow as pa

    kind = column.dtype.pyarrow_dtype
    if not (pa.types.is_list(kind) or pa.types.is_large_list(kind)) or kind.value_type not in (
            pa.float64(), pa.float32()):
        return None
    lists = pa.array(column.array)
    if isinstance(lists, pa.ChunkedArray):  # a reader's blocks, put together once
        lists = lists.combine_chunks()
    return lists.cast(pa.list_(pa.float64()))


def _good_lists(offsets: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Which lists (list ``i`` holds ``values[offsets[i]:offsets[i + 1]]``) are not empty and hold
    only finite values <= 0; the rows of the bad values are found only when there are some."""
    good = np.diff(offsets) > 0
    bad = np.flatnonzero(~np.isfinite(values) | (values > 0))
    bad = bad[(bad >= offsets[0]) & (bad < offsets[-1])]  # values no list holds are no list's
    good[np.searchsorted(offsets, bad, side="right") - 1] = False
    return good


def _object_rows(rows: list) -> np.ndarray:
    """A list of lists as a 1-D object array of those lists (numpy would make a 2-D array of
    lists of equal length)."""
    return np.fromiter(rows, dtype=object, count=len(rows))


def _hashable(cell):
    """The cell, or a key of its own for a cell that cannot be hashed (a list)."""
    try:
        hash(cell)
    except TypeError:
        return ("unhashable cell", id(cell))
    return cell


def _distinct_text(column: pd.Series) -> tuple[np.ndarray, np.ndarray | None]:
    """(code of each cell, its distinct strings) when every cell is text or missing (code -1);
    ``(codes, None)`` when some cell holds something else (a number, a list)."""
    if isinstance(column.dtype, pd.CategoricalDtype):  # the codes are there already
        words = np.asarray(column.cat.categories, dtype=object)
        codes = column.cat.codes.to_numpy()
        return (codes, words) if all(type(w) is str for w in words) else (codes, None)
    if column.dtype == object and len(column):
        first = column.iloc[0]
        if not isinstance(first, str) and first is not None and not isinstance(first, float):
            return np.empty(0, dtype=np.intp), None  # the common case of lists or numbers, told cheaply
    try:
        codes, words = pd.factorize(column)
    except TypeError:  # unhashable cells (lists)
        return np.empty(0, dtype=np.intp), None
    words = np.asarray(words, dtype=object)
    if not all(type(w) is str for w in words):
        return codes, None
    return codes, words


def float_lists(cells: np.ndarray) -> list | None:
    """The cells when every one is a list of floats (what the per-cell path makes of them); None
    otherwise. The lists are shared, not copied, as pandas' copies share the objects of a column."""
    if not len(cells) or not all(type(c) is list for c in cells):
        return None
    if not all(type(v) is float for v in chain.from_iterable(cells)):
        return None
    return list(cells)


def json_lists(cells: np.ndarray) -> list | None:
    """Parse JSON-text cells in one orjson call; None if any cell is not text of a JSON list."""
    if not len(cells) or not all(isinstance(c, str) for c in cells):
        return None
    try:
        with paused_gc():  # a list per cell, by the hundred thousand, and none holds a cycle
            lists = orjson.loads("[" + ",".join(cells) + "]")
    except orjson.JSONDecodeError:
        return None
    if len(lists) != len(cells) or not all(type(v) is list for v in lists):
        return None
    return lists


def _logprob_cell(value) -> tuple[list | None, str | None]:
    """One choice_logprobs cell: (list of floats, None) or (None, what is wrong)."""
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            return None, "is not a JSON list like [-1.2, -0.3]"
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, list | tuple) or not value:
        return None, "is not a non-empty list of numbers"
    try:
        numbers = [float(v) for v in value]
    except (TypeError, ValueError):
        return None, "holds something that is not a number"
    if not all(math.isfinite(v) and v <= 0 for v in numbers):
        return None, "holds a value that is > 0 or not finite; choice log-likelihoods are finite and <= 0"
    return numbers, None


def _at(i: int, n: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[i] = True
    return mask

