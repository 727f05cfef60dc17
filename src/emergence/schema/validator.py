"""Validation of one table: :func:`validate_records` and :func:`validate_scores`.

Validation collects every problem of a table (up to :data:`~emergence.schema.columns.MAX_PROBLEMS`)
and raises one :class:`~emergence.errors.SchemaError` whose lines each name the source, the row or
line, the column and the value. The input table is never modified; a validated copy is returned.
Columns are converted by :mod:`~emergence.schema.convert`; the checks across columns are here.
"""

from __future__ import annotations

import difflib
import os
import warnings
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from emergence.errors import EmergenceWarning, SchemaError, UnknownMetricWarning
from emergence.memory import give_back
from emergence.scale import SCALE_COLUMNS, add_compute, params_from_name
from emergence.schema.columns import (
    MAX_COLUMNS,
    MAX_PROBLEMS,
    _did_you_mean,
    columns_of,
    model_keys,
    row_keys,
)
from emergence.schema.convert import Converters
from emergence.schema.keys import (
    column_codes,
    combined_code,
    first_appearance,
    group_codes,
    has_repeats,
    repeated,
)
from emergence.schema.tables import check_choice_counts, choice_counts
from emergence.schema.values import nul_rows, out_of_range, swamped

#: Tables of this many rows or more have their columns converted in two threads.
THREADED_ROWS = 200_000


def validate_records(
    table: pd.DataFrame, *, source: str = "records", locate: Callable[[int], str] | None = None
) -> pd.DataFrame:
    """Check a records table and return a typed copy.

    Parameters
    ----------
    table : DataFrame
        One row per (family, model, step, task, example); see :data:`RECORD_COLUMNS`. Values may be
        text as read from a CSV (``"1.3b"``, ``"[-1.2, -0.3]"``) or already typed.
    source : str
        Name used in messages (a file path).
    locate : callable, optional
        Maps a row position to its place in the source (``"line 7"``); default ``"row i"``.

    Returns
    -------
    DataFrame
        A copy with ``family`` filled, scale columns as floats (``compute`` derived where possible),
        ``correct`` as 0/1 floats, ``choice_logprobs`` as lists of floats, ``gold`` as int (or list of
        ints), ``example`` and name columns as str.

    Raises
    ------
    SchemaError
        Listing every problem found (up to :data:`MAX_PROBLEMS`).
    """
    return _Validator(table, "records", source, locate).run()


def validate_scores(
    table: pd.DataFrame, *, source: str = "scores", locate: Callable[[int], str] | None = None
) -> pd.DataFrame:
    """Check a scores table and return a typed copy (see :func:`validate_records`).

    ``kind`` and ``higher_is_better`` are filled from the metric registry where the table does not
    give them and the metric is known.
    """
    return _Validator(table, "scores", source, locate).run()


class _Validator(Converters):
    """Collects the problems of one table; columns are converted one at a time, vectorised."""

    def __init__(self, table, shape, source, locate):
        if not isinstance(table, pd.DataFrame):
            raise SchemaError(f"{source}: expected a pandas DataFrame, got {type(table).__name__}")
        self.raw = table.reset_index(drop=True)
        self.shape = shape
        self.source = source
        self.locate = locate or (lambda i: f"row {i}")
        self.problems: list[str] = []
        self.n_more = 0
        self.out: pd.DataFrame | dict = pd.DataFrame(index=self.raw.index)
        self.codes: dict = {}
        self.choice_sizes: np.ndarray | None = None  # of choice_logprobs, once counted

    # -- reporting -----------------------------------------------------------------------------
    def add(self, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"{self.source}: {message}")
        else:
            self.n_more += 1

    def add_rows(self, mask: np.ndarray, column: str, values, what: str) -> None:
        """Report each row where ``mask`` holds: its place, the column, the value and the rule."""
        for i in np.flatnonzero(mask):
            value = values[i] if not isinstance(values, pd.Series) else values.iloc[i]
            if isinstance(value, np.generic):
                value = value.item()  # 0.5, not np.float64(0.5)
            self.add(f"{self.locate(int(i))}, column {column!r}: {value!r} {what}")

    def fail_if_any(self) -> None:
        if self.problems:
            more = f"{self.source}: ... and {self.n_more} more problems" if self.n_more else None
            raise SchemaError(self.problems + ([more] if more else []))

    # -- the checks ------------------------------------------------------------------------------
    def run(self) -> pd.DataFrame:
        spec = {c.name: c for c in columns_of(self.shape)}
        columns = [str(c) for c in self.raw.columns]
        if len(columns) > MAX_COLUMNS:
            raise SchemaError(
                f"{self.source}: the table has {len(columns):,} columns; a tidy table has at most "
                f"{MAX_COLUMNS:,} ({len(spec)} known ones and any extra ones kept as they are): is it a "
                "wide table (one column per model or example)? Write it long: one row per value"
            )
        if len(set(columns)) != len(columns):
            dup = sorted(name for name, count in Counter(columns).items() if count > 1)
            raise SchemaError(f"{self.source}: column(s) {', '.join(dup)} appear more than once")
        unknown = set(columns) - set(spec)
        for hint in _did_you_mean(unknown, spec):
            self.add(hint + " (rename the column; unknown columns are kept as they are otherwise)")
        for name in (c.name for c in spec.values() if c.required):
            if name not in columns:
                self.add(f"missing required column {name!r} ({spec[name].meaning})")
        column_problems = bool(self.problems)  # reported with the bad cells below, all at once
        if len(self.raw) == 0:
            self.fail_if_any()
            raise SchemaError(f"{self.source}: the table has no rows")

        self._check_nul(columns, spec)
        converted = self._convert_columns(columns, spec)
        if "family" not in converted:
            converted["family"] = "default"
        # at once (linear in columns), and without copying the converted columns into one block
        self.out = pd.DataFrame(converted, index=self.raw.index, copy=False)
        if column_problems:  # the cross-column checks need the columns
            self.fail_if_any()
        self._check_scale()
        if self.shape == "records":
            self._check_records()
        else:
            self._check_scores()
        self.fail_if_any()
        give_back()  # what the conversions freed, before the checks across rows take theirs
        self._check_duplicates()
        self.fail_if_any()
        if self.shape == "records":
            try:
                check_choice_counts(self.out, sizes=self.choice_sizes,
                                    codes={k: self._coded(k) for k in ("family", "task", "example")})
            except SchemaError as error:
                raise SchemaError([f"{self.source}: {p}" for p in error.problems]) from None
        order = [c.name for c in spec.values() if c.name in self.out]
        extra = [c for c in self.out if c not in spec]
        return self.out[order + extra]

    def _convert_columns(self, columns: list[str], spec: dict) -> dict:
        """Each column converted by its type's converter, into ``self.out`` (a dict, returned).

        A table of :data:`THREADED_ROWS` rows or more is converted a column per thread, two at a
        time: numpy, pandas and pyarrow work outside the GIL for most of it (0.80-0.92 s against
        1.06-1.09 s for the 2.4M records of ``analyses/bench_analyze.py``; issue 13). Where a thread
        found a problem, the columns are converted again one after the other, so that the problems
        come in the order of the columns, as they always do.
        """
        said, more = len(self.problems), self.n_more

        def convert_one(name: str) -> None:
            getattr(self, f"_convert_{spec[name].dtype}")(name)

        for threads in ((2, 1) if len(self.raw) >= THREADED_ROWS and (os.cpu_count() or 1) > 1 else (1,)):
            del self.problems[said:]
            self.n_more, self.codes, self.choice_sizes = more, {}, None
            converted: dict = {name: self.raw[name] for name in columns if name not in spec}
            self.out = converted
            convert = [name for name in columns if name in spec]
            if threads == 1:
                for name in convert:
                    convert_one(name)
            else:
                # the longest first: the choice lists, then the text
                convert.sort(key=lambda name: ("logprobs", "str").index(spec[name].dtype)
                             if spec[name].dtype in ("logprobs", "str") else 2)
                # pandas enters warnings.catch_warnings in its converters, and two threads doing so
                # may leave the process's warning filters mixed up: they are put back as they were
                with warnings.catch_warnings(), ThreadPoolExecutor(
                        threads, thread_name_prefix="emergence-convert") as pool:
                    list(pool.map(convert_one, convert))
            if len(self.problems) == said:
                break
        # in the table's order (a column whose every cell is bad may have none)
        return {name: converted[name] for name in [*columns, *converted] if name in converted}

    def _check_nul(self, columns: list[str], spec: dict) -> None:
        """Refuse NUL characters in column names and in text cells (the text columns and the unknown
        columns, kept as they are); the other columns' converters refuse any cell that is not their
        type."""
        for name in columns:
            if "\x00" in name:
                self.add(f"column name {name!r} holds a NUL character (\\x00); remove it")
            elif name not in spec or spec[name].dtype == "str":
                rows = nul_rows(self.raw[name])
                if rows is not None:
                    self.add_rows(rows, name, self.raw[name],
                                  "holds a NUL character (\\x00); names and text may not contain one")

    # -- cross-column checks -------------------------------------------------------------------
    def _check_scale(self) -> None:
        present = [c for c in SCALE_COLUMNS if c in self.out]
        if not present:
            sizes = self.out["model"].map(lambda m: params_from_name(m) if m else None)
            if sizes.notna().all():
                warnings.warn(
                    f"{self.source}: no scale column; parameter counts read from the model names "
                    "(add a 'params' column to set them)",
                    EmergenceWarning,
                    stacklevel=4,
                )
                self.out["params"] = sizes.astype(float)
            else:
                models = self.out.loc[sizes.isna(), "model"].unique()[:3]
                self.add(
                    "no scale column: add 'params' (e.g. 70m, 1.3b), 'tokens', 'compute' or 'step'; "
                    f"no size could be read from model name(s) {', '.join(map(repr, models))}"
                )
                return
        self.out = add_compute(self.out)
        self._check_scale_blanks([c for c in SCALE_COLUMNS if c in self.out])
        keys = model_keys(self.out)
        # models numbered in order of appearance, once for all scale columns
        model, first = first_appearance(group_codes([self._coded(k) for k in keys])[0])
        for column in [c for c in SCALE_COLUMNS if c in self.out]:
            # a model with several values has a smallest and a largest (NaN left out, as nunique does)
            lowest, highest = np.full(len(first), np.inf), np.full(len(first), -np.inf)
            np.fmin.at(lowest, model, self.out[column].to_numpy(dtype=float))
            np.fmax.at(highest, model, self.out[column].to_numpy(dtype=float))
            several = np.flatnonzero(highest > lowest)
            for row in first[several[:5]]:
                key = tuple(self.out[k].iloc[row] for k in keys)
                mask = np.logical_and.reduce([self.out[k].eq(v) for k, v in zip(keys, key, strict=True)])
                values = sorted(set(self.out.loc[mask, column].dropna()))
                self.add(
                    f"column {column!r}: model {key[1]!r} has several values {values[:4]}; a model "
                    "(family, model, step) has one scale"
                )

    def _check_scale_blanks(self, present: list[str]) -> None:
        """Name each blank scale cell when no scale column has a value in every row (one that does
        serves as the x-axis; blanks in the others are legal)."""
        if any(self.out[c].notna().all() for c in present):
            return
        for column in present:
            if column in self.raw:
                self.add_rows(
                    self._blank(column), column, self.raw[column],
                    f"is blank; every row needs a size in one scale column ({', '.join(present)}), "
                    "and none has one in every row",
                )

    def _check_records(self) -> None:
        out = self.out
        no_target = np.zeros(len(out), dtype=bool)
        if "target" in out:
            # a target is never empty: a blank target cell means the row has no text (e.g. a
            # multiple-choice row in a mixed file), and then a blank prediction is missing too
            no_target = self._blank("target")  # out["target"] holds the same cells, typed
            out["target"] = out["target"].where(~no_target, None)
            if "prediction" in out:
                out["prediction"] = out["prediction"].where(~no_target, None)
        # a column given for some rows of a task must be given for all rows of that task
        # a missing task (reported) is in no task
        task = self._coded("task")[0] if "task" in self.codes else pd.factorize(out["task"])[0]
        rows_of_task = np.bincount(task[task >= 0])
        for name in ("target_logprob", "target_tokens", "choice_logprobs", "gold", "prediction",
                     "target", "correct"):
            if name not in out:
                continue
            if name in ("target", "prediction"):  # missing in the input, or the row has no text
                missing = self.raw[name].isna().to_numpy() | no_target
            else:
                missing = out[name].isna().to_numpy()
            if not missing.any():
                continue
            blanks = np.bincount(task[missing & (task >= 0)], minlength=len(rows_of_task))
            holes = missing & (task >= 0) & (blanks < rows_of_task)[task]
            shown = out[name]
            if name not in ("target", "prediction"):
                # a cell holding an invalid value was reported by its converter; only blanks are missing
                holes = holes & self._blank(name)
                shown = self.raw[name]
            self.add_rows(
                holes, name, shown,
                "is missing (NaN or blank) while other rows of the same task have a value",
            )
        pairs = (("target_logprob", "target_tokens"), ("choice_logprobs", "gold"),
                 ("prediction", "target"))
        for a, b in pairs:
            if (a in out) != (b in out):
                given, absent = (a, b) if a in out else (b, a)
                if given in ("target", "target_logprob"):
                    # legal alone: a target beside target_logprob; a log-likelihood without a token
                    # count (lm-eval logs have none), which the per-token metrics then skip
                    continue
                self.add(f"column {given!r} needs column {absent!r} too")
        if "choice_logprobs" in out and "gold" in out:
            if self.choice_sizes is None:  # not counted by the column's conversion
                self.choice_sizes = choice_counts(out["choice_logprobs"])
            sizes = self.choice_sizes
            golds = out["gold"].to_numpy(dtype=object)
            top = np.full(len(out), -1)
            given = np.flatnonzero((sizes > 0) & pd.notna(golds))
            cells = golds[given]
            # the types of the cells collected at C speed: a column of single indices, read at once
            top[given] = (cells.astype(np.int64) if set(map(type, cells)) <= {int}
                          else [max(g) if isinstance(g, list) else g for g in cells])
            bad = (sizes > 0) & (top >= sizes)
            for i in np.flatnonzero(bad):
                self.add(
                    f"{self.locate(int(i))}, column 'gold': {out['gold'].iloc[i]!r} is out of range "
                    f"for {sizes[i]} choices (indices start at 0)"
                )

    def _check_scores(self) -> None:
        from emergence.metrics import REGISTRY, resolve_kind

        out = self.out
        known = out["metric"].map(resolve_kind)
        kinds = known.map(lambda k: k[0] if k else None)
        better = known.map(lambda k: k[1] if k else None)
        out["kind"] = out["kind"].fillna(kinds) if "kind" in out else kinds
        if "higher_is_better" in out:
            out["higher_is_better"] = out["higher_is_better"].astype(object)
            out["higher_is_better"] = out["higher_is_better"].where(
                out["higher_is_better"].notna(), better
            )
        else:
            out["higher_is_better"] = better
        unknown = sorted(set(out.loc[out["kind"].isna(), "metric"]))
        if unknown:
            close = {m: difflib.get_close_matches(m, list(REGISTRY), n=1) for m in unknown}
            hints = {m: c[0] for m, c in close.items() if c}
            warnings.warn(UnknownMetricWarning(self.source, unknown, hints), stacklevel=4)
        self.out = out
        self._check_values()

    def _check_values(self) -> None:
        """Each score in its metric's range; each standard error possible there (else a warning)."""
        for mask, column, what in out_of_range(self.out):
            self.add_rows(mask, column, self.out[column], what)
        if self.problems:
            return
        bound = swamped(self.out)
        rows = np.flatnonzero(~np.isnan(bound))
        if len(rows):
            i = int(rows[0])
            row = self.out.iloc[i]
            warnings.warn(
                f"{self.source}: {len(rows)} standard error(s) are larger than any mean of the metric's "
                f"values can have at the value given, e.g. {self.locate(i)}: {row['metric']!r} = "
                f"{row['value']:g} with stderr {row['stderr']:g} (at most {bound[i]:.2g} there); such "
                "noise swamps the value and makes its intervals meaningless: check the stderr column "
                "(in percent while the values are proportions?)",
                EmergenceWarning,
                stacklevel=5,
            )

    def _coded(self, name: str) -> tuple[np.ndarray, int]:
        """The codes of an output column: kept from its conversion, or hashed once now."""
        if name not in self.codes:
            self.codes[name] = column_codes(self.out[name])
        return self.codes[name]

    def _check_duplicates(self) -> None:
        keys = row_keys(self.out, self.shape)
        if not has_repeats(combined_code([self._coded(k) for k in keys])):
            return
        dup = repeated(group_codes([self._coded(k) for k in keys])[0])
        if not dup.any():
            return
        groups = self.out[dup].groupby(keys, dropna=False, sort=False).indices
        positions = np.flatnonzero(dup)  # .indices count within the duplicated rows only
        for key, rows in list(groups.items())[:MAX_PROBLEMS]:
            where = ", ".join(self.locate(int(i)) for i in positions[rows[:4]])
            named = ", ".join(f"{k}={v!r}" for k, v in zip(keys, key, strict=True) if v is not None)
            self.add(f"duplicate rows ({named}) at {where}; each must appear once")
