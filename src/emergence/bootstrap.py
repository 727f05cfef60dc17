"""Paired bootstrap over examples with counter-based Poisson(1) weights.

Each example gets, in replicate r, a weight w ~ Poisson(1) that is a pure function of
(seed, task, example id, r): a 64-bit hash of the task and example id, mixed with the seed and the
replicate number by the SplitMix64 finaliser (Steele, Lea & Flood 2014), turned into a uniform and
then into a Poisson(1) count by its inverse CDF. The weight does not depend on the order of rows,
the file an example came from, or which models are present, so

- every model of a family sees the same weight for the same example (the bootstrap is paired),
- results are identical for the same seed however the input is split or ordered,
- a replicate mean is a ratio of two mergeable sums, sum(w * x) / sum(w), computed per task as one
  matrix product (models x examples) @ (examples x replicates): no loop over examples or replicates,
  and memory holds only the per-group replicate sums.

Poisson(1) weights make the resample size random (mean n) but leave the bootstrap distribution of a
mean asymptotically the same as the multinomial one (Hanley & MacGibbon 2006; Chamandy et al. 2012).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from emergence.errors import EmergenceError

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
# inverse CDF of Poisson(1): P(K <= k) for k = 0..19 (the tail beyond 19 is < 1e-18)
_POISSON1_CDF = np.cumsum([np.exp(-1.0) / float(np.prod(np.arange(1, k + 1))) for k in range(20)])
# The weight of a 53-bit integer b is the number of k with _POISSON1_CDF[k] <= b / 2**53, the
# float comparison searchsorted(side="right") made on the uniform b / 2**53 (exact: b < 2**53 and
# the scaling is by a power of two). So it is also the number of integer thresholds
# ceil(_POISSON1_CDF[k] * 2**53) <= b, an exact integer comparison.
_THRESHOLDS = np.array([math.ceil(float(c) * 2.0**53) for c in _POISSON1_CDF], dtype=np.uint64)
# A lookup table on the top _TOP_BITS of b: the weight of every b in the bucket where no threshold
# falls strictly inside it, -1 (look the weight up exactly) in the few buckets where one does.
_TOP_BITS = 12
_SHIFT = 53 - _TOP_BITS
_first = np.searchsorted(_THRESHOLDS, np.arange(2**_TOP_BITS, dtype=np.uint64) << np.uint64(_SHIFT),
                         side="right")
_last = np.searchsorted(_THRESHOLDS, (np.arange(1, 2**_TOP_BITS + 1, dtype=np.uint64) << np.uint64(_SHIFT))
                        - np.uint64(1), side="right")
_TABLE = np.where(_first == _last, _first, -1)
del _first, _last
_BLOCK = 1 << 16  # weights made per pass: the temporaries of one block stay in the CPU cache


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """The SplitMix64 finaliser: a bijection of uint64 with good avalanche."""
    with np.errstate(over="ignore"):
        x = x + _GOLDEN
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _splitmix64_inplace(x: np.ndarray, scratch: np.ndarray) -> None:
    """:func:`_splitmix64` of ``x`` written over ``x``, but for its last step, ``x ^= x >> 31``
    (:func:`_last_step`); ``scratch`` is a buffer of x's size.

    The last step leaves the top 33 bits as they are (``x >> 31`` has 31 leading zeros), so the top
    bits that choose a weight's table entry are known without it."""
    with np.errstate(over="ignore"):
        x += _GOLDEN
        for shift, factor in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB)):
            np.right_shift(x, np.uint64(shift), out=scratch)
            x ^= scratch
            x *= np.uint64(factor)


def _last_step(x: np.ndarray) -> np.ndarray:
    """The last step of the SplitMix64 finaliser."""
    return x ^ (x >> np.uint64(31))


def example_keys(seed: int, task, example) -> np.ndarray:
    """One 64-bit key per (task, example id), mixed with the seed.

    Parameters
    ----------
    seed : int
        The run's seed (>= 0).
    task, example : array-like of str
        Task name and example id of each example.

    Returns
    -------
    ndarray of uint64
    """
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise EmergenceError(f"The 'seed' parameter must be an int >= 0. Got {seed!r} instead.")
    text = pd.Series(task, dtype=object).astype(str) + "\x1f" + pd.Series(example, dtype=object).astype(str)
    hashed = pd.util.hash_array(text.to_numpy(dtype=object), categorize=False)
    return _splitmix64(hashed ^ _splitmix64(np.array([seed], dtype=np.uint64)))


def poisson_weights(
    keys: np.ndarray, replicates: np.ndarray, dtype: npt.DTypeLike = np.float32
) -> np.ndarray:
    """Poisson(1) weights of each example (rows) in each replicate (columns).

    The weight is the inverse CDF of Poisson(1) at the uniform made of the top 53 bits of
    SplitMix64(key ^ SplitMix64(replicate + 1)). It is read from a table on the top 12 of those bits,
    exactly: the few buckets that a CDF value cuts are resolved by comparing all 53 bits with integer
    thresholds, so the weights are those of a search of the uniform in the float CDF, bit for bit.

    Parameters
    ----------
    keys : ndarray of uint64
        From :func:`example_keys`.
    replicates : ndarray of int
        Replicate numbers (0-based); the same number gives the same column in any call.
    dtype : float or signed integer dtype, default float32
        Of the result; float64 for a product with float64 sums, without a copy.

    Returns
    -------
    ndarray of dtype, shape (len(keys), len(replicates))
    """
    if np.dtype(dtype).kind not in "fi":
        raise EmergenceError(f"The 'dtype' parameter of poisson_weights must be a float or signed integer "
                             f"dtype. Got {dtype!r} instead.")
    keys = np.asarray(keys, dtype=np.uint64)
    mixed = _splitmix64(np.asarray(replicates, dtype=np.uint64).ravel() + np.uint64(1))
    table = _TABLE.astype(dtype)
    out = np.empty((len(keys), len(mixed)), dtype=dtype)
    flat = out.reshape(-1)
    rows = max(1, _BLOCK // max(1, len(mixed)))
    counters = np.empty((rows, len(mixed)), dtype=np.uint64)
    scratch = np.empty_like(counters)
    for start in range(0, len(keys), rows):
        stop = min(start + rows, len(keys))
        x, tmp = counters[: stop - start], scratch[: stop - start]
        np.bitwise_xor(keys[start:stop, None], mixed[None, :], out=x)
        _splitmix64_inplace(x, tmp)  # all but the last step, which leaves the top bits as they are
        np.right_shift(x, np.uint64(64 - _TOP_BITS), out=tmp)  # the top _TOP_BITS of the 53 bits kept
        block = flat[start * len(mixed): stop * len(mixed)]
        np.take(table, tmp.reshape(-1).view(np.int64), out=block, mode="clip")  # all < 2**12
        cut = np.flatnonzero(block < 0)
        if len(cut):
            bits = _last_step(x.reshape(-1)[cut]) >> np.uint64(11)
            block[cut] = np.searchsorted(_THRESHOLDS, bits, side="right")
    return out


@dataclass(frozen=True)
class Replicates:
    """Bootstrap replicates of the mean of each score row.

    Attributes
    ----------
    values : ndarray, shape (n_rows, n_replicates)
        Row i holds the replicate means of row i of the scores table it was made for.
    seed : int
    """

    values: np.ndarray
    seed: int

    @property
    def n_replicates(self) -> int:
        return self.values.shape[1]

    def interval(self, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """Percentile interval of each row (NaN where a row has no finite replicate)."""
        return percentile_interval(self.values, level)


def row_percentiles(values: np.ndarray, q) -> np.ndarray:
    """``np.nanpercentile(values, q, axis=1)``, the same numbers, faster.

    ``nanpercentile`` takes each row on its own, in Python, whether or not it holds a NaN: three
    times the time of ``np.percentile`` on a 12 x 1,000 replicate matrix (issue 13). Rows with no NaN
    go to ``np.percentile`` together, the others to ``nanpercentile``; a row's quantiles are those of
    its own values either way (compared bit for bit on 3,000 random matrices with ties).
    """
    values = np.asarray(values)
    if not values.size:  # no row, or rows of nothing: numpy's own shapes and NaNs
        return np.nanpercentile(values, q, axis=1)
    return _by_rows(values, lambda v: np.percentile(v, q, axis=1), lambda v: np.nanpercentile(v, q, axis=1),
                    lead=np.shape(q))


def row_std(values: np.ndarray, *, ddof: int = 1) -> np.ndarray:
    """``np.nanstd(values, axis=1, ddof=ddof)``, the same numbers: rows with no NaN go to ``np.std``
    together (``nanstd`` masks and counts every row; the same bits on 2,000 random matrices).

    A matrix that is not C-ordered goes to ``nanstd`` whole when some rows have NaN: the rows taken
    out of it are C-ordered, and their sums in another order differed in the last bit. So does one
    of ``ddof`` or fewer columns (``np.std`` gives a NaN of the other sign).
    """
    values = np.asarray(values)
    if values.shape[1] <= ddof:
        return np.nanstd(values, axis=1, ddof=ddof)
    return _by_rows(values, lambda v: np.std(v, axis=1, ddof=ddof), lambda v: np.nanstd(v, axis=1, ddof=ddof),
                    split=values.flags.c_contiguous)


def _by_rows(values: np.ndarray, whole, holed, *, lead: tuple = (), split: bool = True) -> np.ndarray:
    """``whole(values)`` when no row holds NaN, ``holed(values)`` when every row does (or when the
    rows are not to be ``split``), else each on its own rows, put back in order (``lead``: the shape
    each reduction puts before the rows)."""
    gaps = np.isnan(values).any(axis=1)
    if not gaps.any():
        return whole(values)
    if gaps.all() or not split:
        return holed(values)
    kept, missing = whole(values[~gaps]), holed(values[gaps])
    out = np.empty(lead + (len(values),), dtype=np.result_type(kept, missing))
    out[..., ~gaps], out[..., gaps] = kept, missing
    return out


def percentile_interval(values: np.ndarray, level: float = 0.95, *, rows: int = 1024
                        ) -> tuple[np.ndarray, np.ndarray]:
    """The percentile interval of each row of ``values`` (NaN where a row has no finite value).

    :func:`row_percentiles` over the rows, a block of ``rows`` at a time: it sorts a copy of what it is
    given, so the memory it takes is one block's, not the whole matrix's. Each row is reduced on its
    own, so the numbers are those of one call over all rows.
    """
    tail = (1 - level) / 2 * 100
    lo, hi = np.full(len(values), np.nan), np.full(len(values), np.nan)
    with np.errstate(all="ignore"), warnings.catch_warnings(action="ignore", category=RuntimeWarning):
        for start in range(0, len(values), rows):
            block = values[start : start + rows]
            lo[start : start + rows], hi[start : start + rows] = row_percentiles(block, [tail, 100 - tail])
    return lo, hi


def replicate_means(
    values: list[np.ndarray],
    group: np.ndarray,
    n_groups: int,
    example: np.ndarray,
    example_task: np.ndarray,
    keys: np.ndarray,
    n_replicates: int,
    *,
    chunk: int = 500,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Replicate means sum(w x) / sum(w) of every (metric, group), one pass per task.

    Record i belongs to group ``group[i]`` (a model on a task) and example ``example[i]``; metric m
    gives it the value ``values[m][i]`` (NaN where the metric does not apply, which leaves the record
    out of that metric's sums). Per task, each metric's records form a dense (groups x examples)
    matrix; all metrics' matrices are stacked and multiplied by the (examples x replicates) weight
    matrix: one BLAS product per task and chunk of replicates, no loop over examples or replicates.
    Memory beyond the inputs is one task's matrices and the result.

    Parameters
    ----------
    values : list of ndarray
        One array of per-record values per metric.
    group : ndarray of int
        Group code of each record (0..n_groups-1).
    n_groups : int
    example : ndarray of int
        Example code of each record (index into ``keys`` and ``example_task``).
    example_task : ndarray of int
        Task code of each example.
    keys : ndarray of uint64
        One key per example (:func:`example_keys`).
    n_replicates : int
    chunk : int
        Replicates generated at once; bounds the weight matrix to examples-of-a-task x chunk.
    rows : ndarray of int, optional
        The rows (``m * n_groups + g``) wanted, in the order wanted; by default all of them. Only
        those are kept: memory for the replicates of the (metric, group) pairs that have values.

    Returns
    -------
    ndarray, shape (len(rows), n_replicates)
        Row ``i`` holds metric m of group g for ``rows[i] = m * n_groups + g`` (by default row
        ``m * n_groups + g``); NaN where the group has no value.
    """
    n_metrics = len(values)
    rows = np.arange(n_metrics * n_groups) if rows is None else np.asarray(rows)
    out = np.full((len(rows), n_replicates), np.nan)
    if not n_metrics or not len(rows):
        return out
    place = np.full(n_metrics * n_groups, -1)
    place[rows] = np.arange(len(rows))
    task = example_task[example]
    order = np.argsort(task, kind="stable")
    bounds = np.flatnonzero(np.diff(task[order])) + 1
    for records in np.split(order, bounds):
        if not len(records):
            continue
        groups, block = task_replicates([per_record[records] for per_record in values], group[records],
                                        example[records], keys, n_replicates, chunk=chunk)
        target = place[(np.arange(n_metrics)[:, None] * n_groups + groups[None, :]).ravel()]
        out[target[target >= 0]] = block[target >= 0]
    return out


def task_replicates(values: list[np.ndarray], group: np.ndarray, example: np.ndarray, keys: np.ndarray,
                    n_replicates: int, *, chunk: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """The replicate means of every metric and group of one task's records.

    Per metric, the records form a dense (groups x examples) matrix of sums; all metrics' matrices
    are stacked and multiplied by the (examples x replicates) weight matrix: one BLAS product per
    chunk of replicates (see :func:`replicate_means` for the parameters; ``values`` and ``group``
    and ``example`` hold the task's records only, ``keys`` every example's key).

    Returns
    -------
    groups : ndarray of int
        The task's groups, sorted.
    block : ndarray, shape (len(values) * len(groups), n_replicates)
        Row ``m * len(groups) + j`` holds metric m of group ``groups[j]``; NaN where it has no value.
    """
    n_metrics = len(values)
    groups, g_local = np.unique(group, return_inverse=True)
    examples, e_local = np.unique(example, return_inverse=True)
    # the examples in the order of their keys, which depend on (seed, task, example id) only: the
    # products add up the examples in the same order whatever the order or split of the input
    by_key = np.argsort(keys[examples], kind="stable")
    examples = examples[by_key]
    rank = np.empty(len(by_key), dtype=np.intp)
    rank[by_key] = np.arange(len(by_key))
    e_local = rank[e_local]
    n_rows, n_examples = n_metrics * len(groups), len(examples)
    v = np.stack(values)
    ok = ~np.isnan(v)
    # cell (row, example) of each (metric, record), row = metric * groups + group; bincount adds
    # the values of a cell in record order, as np.add.at did, so the sums are the same bits
    cell = ((np.arange(n_metrics)[:, None] * len(groups) + g_local) * n_examples + e_local)[ok]
    sums = np.bincount(cell, weights=v[ok], minlength=n_rows * n_examples).reshape(n_rows, n_examples)
    counts = np.bincount(cell, minlength=n_rows * n_examples).reshape(n_rows, n_examples)
    # every row of the sums, those without values too (a metric that does not apply to the task):
    # OpenBLAS sums an element of a product in an order that depends on the number of rows (and
    # threads), so leaving rows out would change the last bits of the others. The counts are small
    # integers, as are the weights, so their products are exact in any order: one product per
    # distinct row of counts (most rows are all examples or none) gives the same numbers.
    seen: dict[bytes, int] = {}
    which = np.array([seen.setdefault(row.tobytes(), len(seen)) for row in counts])
    patterns = counts[np.unique(which, return_index=True)[1]].astype(np.float64)
    block = np.empty((n_rows, n_replicates))
    with one_blas_thread():
        for start in range(0, n_replicates, chunk):
            stop = min(start + chunk, n_replicates)
            # one thread: the weights' hashing leaves the interpreter lock, but threads drawing them
            # while OpenBLAS's threads wait for the next product (they spin) made the run slower
            w = poisson_weights(keys[examples], np.arange(start, stop), dtype=np.float64)
            with np.errstate(invalid="ignore", divide="ignore"):
                block[:, start:stop] = (sums @ w) / (patterns @ w)[which]
    return groups, block


_CONTROLLER = None


def one_blas_thread():
    """A context in which BLAS runs on one thread.

    OpenBLAS splits a product among its threads in a way that changes the order in which an element's
    terms are added, so the last bits of a product depend on the number of threads (measured: a third
    of the elements of a 108 x 2000 @ 2000 x 500 product differ between 1 and 2 threads). The
    bootstrap's products are made on one thread everywhere, in this process as in a Dask worker, so
    the replicates are the same bits on any number of cores and in any engine.
    """
    global _CONTROLLER
    from threadpoolctl import ThreadpoolController

    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")
