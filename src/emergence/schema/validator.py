"""The two tidy tables of emergence, their columns, and their validation.

``records``
    One row per (family, model, step, task, example): the unit of rescoring.
``scores``
    One row per (family, model, step, task, metric): what rescoring produces, and what aggregate-only
    sources (results JSON, score files) provide directly.

Validation collects every problem of a table (up to :data:`MAX_PROBLEMS`) and raises one
:class:`~emergence.errors.SchemaError` whose lines each name the source, the row or line, the column
and the value. The input table is never modified; a validated copy is returned.
"""

from __future__ import annotations

import difflib
import math
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import chain

import numpy as np
import orjson
import pandas as pd

from emergence.errors import EmergenceWarning, SchemaError
from emergence.scale import SCALE_COLUMNS, add_compute, params_from_name, parse_scale

#: At most this many problems are listed for one table; the rest are counted.
MAX_PROBLEMS = 25


@dataclass(frozen=True)
class Column:
    """One column of a tidy table: its name, type, whether it is required, and its meaning."""

    name: str
    dtype: str
    required: bool
    meaning: str


RECORD_COLUMNS: tuple[Column, ...] = (
    Column("family", "str", False, "model family (default 'default'); curves are drawn within one"),
    Column("model", "str", True, "model name"),
    Column("step", "int", False, "training checkpoint; a model is (family, model, step)"),
    Column("params", "scale", False, "parameter count (number or '1.3b'); one scale column needed"),
    Column("tokens", "scale", False, "training tokens"),
    Column("compute", "scale", False, "training FLOPs (filled as 6*params*tokens)"),
    Column("task", "str", True, "task name"),
    Column("subtask", "str", False, "optional subtask"),
    Column("example", "str", True, "example id, the same across models"),
    Column("target", "str", False, "gold answer"),
    Column("prediction", "str", False, "the model's greedy output"),
    Column("correct", "bool", False, "the producer's own 0/1 score"),
    Column("target_logprob", "logprob", False, "sum of log-probabilities of the target tokens"),
    Column("target_tokens", "count", False, "number of target tokens (with target_logprob)"),
    Column("choice_logprobs", "logprobs", False, "JSON list of each choice's log-likelihood"),
    Column("gold", "gold", False, "index (or JSON list of indices) of the correct choice"),
    Column("chance", "unit", False, "chance level of the task, in [0, 1)"),
)

SCORE_COLUMNS: tuple[Column, ...] = (
    Column("family", "str", False, "model family (default 'default')"),
    Column("model", "str", True, "model name"),
    Column("step", "int", False, "training checkpoint"),
    Column("params", "scale", False, "parameter count; one scale column needed"),
    Column("tokens", "scale", False, "training tokens"),
    Column("compute", "scale", False, "training FLOPs"),
    Column("task", "str", True, "task name"),
    Column("subtask", "str", False, "optional subtask"),
    Column("metric", "str", True, "metric name"),
    Column("value", "float", True, "the metric's value (mean over examples)"),
    Column("stderr", "nonneg", False, "standard error of value"),
    Column("n", "count", False, "number of examples"),
    Column("kind", "kind", False, "discontinuous, smooth or nonlinear (from the registry if known)"),
    Column("higher_is_better", "bool", False, "direction (from the registry if known)"),
    Column("chance", "unit", False, "chance level of the task"),
)

KINDS = ("discontinuous", "smooth", "nonlinear")
_SHAPE_COLUMNS = {"records": RECORD_COLUMNS, "scores": SCORE_COLUMNS}


def columns_of(shape: str) -> tuple[Column, ...]:
    """The column specification of ``"records"`` or ``"scores"``."""
    return _SHAPE_COLUMNS[shape]


def model_keys(table: pd.DataFrame) -> list[str]:
    """Columns that identify a model: family, model, and step when present."""
    return ["family", "model", "step"] if "step" in table else ["family", "model"]


def row_keys(table: pd.DataFrame, shape: str) -> list[str]:
    """Columns that identify one row: the model, the task (and subtask when present), and the
    example (``shape="records"``) or the metric (``"scores"``)."""
    keys = model_keys(table) + ["task"] + (["subtask"] if "subtask" in table else [])
    return keys + (["example"] if shape == "records" else ["metric"])


def detect_shape(columns: Iterable[str], source: str = "table") -> str:
    """Tell a records table from a scores table by its columns.

    Returns ``"scores"`` when both ``metric`` and ``value`` are present, ``"records"`` when
    ``example`` is present; raises :class:`SchemaError` otherwise.
    """
    columns = set(columns)
    if {"metric", "value"} <= columns:
        return "scores"
    if "example" in columns:
        return "records"
    known = {c.name for shape in _SHAPE_COLUMNS.values() for c in shape}
    hints = _did_you_mean(columns - known, ("example", "metric", "value"))
    raise SchemaError(
        f"{source}: cannot tell what table this is: a records table needs an 'example' column, a "
        f"scores table 'metric' and 'value' columns; columns found: {', '.join(sorted(columns))}"
        + (f" ({'; '.join(hints)})" if hints else "")
    )


def _did_you_mean(unknown: Iterable[str], known: Iterable[str]) -> list[str]:
    known = list(known)
    hints = []
    for name in sorted(unknown):
        close = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.75)
        if close:
            hints.append(f"unknown column {name!r}: did you mean {close[0]!r}?")
    return hints


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


class _Validator:
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
        self.out = pd.DataFrame(index=self.raw.index)

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
        if len(set(columns)) != len(columns):
            dup = sorted({c for c in columns if columns.count(c) > 1})
            raise SchemaError(f"{self.source}: column(s) {', '.join(dup)} appear more than once")
        unknown = set(columns) - set(spec)
        for hint in _did_you_mean(unknown, spec):
            self.add(hint + " (rename the column; unknown columns are kept as they are otherwise)")
        for name in (c.name for c in spec.values() if c.required):
            if name not in columns:
                self.add(f"missing required column {name!r} ({spec[name].meaning})")
        self.fail_if_any()
        if len(self.raw) == 0:
            raise SchemaError(f"{self.source}: the table has no rows")

        for name in columns:
            column = spec.get(name)
            if column is None:
                self.out[name] = self.raw[name]
            else:
                getattr(self, f"_convert_{column.dtype}")(name)
        if "family" not in self.out:
            self.out["family"] = "default"
        self._check_scale()
        if self.shape == "records":
            self._check_records()
        else:
            self._check_scores()
        self.fail_if_any()
        self._check_duplicates()
        self.fail_if_any()
        if self.shape == "records":
            try:
                check_choice_counts(self.out)
            except SchemaError as error:
                raise SchemaError([f"{self.source}: {p}" for p in error.problems]) from None
        order = [c.name for c in spec.values() if c.name in self.out]
        extra = [c for c in self.out if c not in spec]
        return self.out[order + extra]

    # converters: one per dtype of the column specification
    def _blank(self, name: str) -> np.ndarray:
        raw = self.raw[name]
        blank = raw.isna().to_numpy(copy=True)
        if raw.dtype == object or pd.api.types.is_string_dtype(raw):
            blank |= raw.astype(str).str.strip().eq("").to_numpy() & ~blank
        return blank

    def _convert_str(self, name: str) -> None:
        raw = self.raw[name]
        text = raw.astype("string")
        if name not in ("target", "prediction"):
            # an empty target or prediction is a real value (handled in _check_records)
            text = text.str.strip()
        blank = (text.isna() | text.eq("")).to_numpy(dtype=bool)
        values = pd.Series(text.to_numpy(dtype=object, na_value=None), index=raw.index, dtype=object)
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
        values = pd.to_numeric(raw.where(~blank, np.nan), errors="coerce").to_numpy(
            dtype=float, copy=True
        )
        bad = ~blank & ~np.isfinite(values)
        self.add_rows(bad, name, raw, "is not a finite number")
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
        text = raw.astype(str).str.strip().str.lower()
        mapping = {"1": 1.0, "0": 0.0, "1.0": 1.0, "0.0": 0.0, "true": 1.0, "false": 0.0}
        values = text.map(mapping).to_numpy(dtype=float, copy=True)
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
        values = np.full(len(raw), np.nan)
        # parse each distinct value once: a table has few distinct model sizes
        rows = np.flatnonzero(~blank)
        codes, distinct = pd.factorize(raw.to_numpy(dtype=object)[rows])
        parsed = np.full(len(distinct), np.nan)
        for k, value in enumerate(distinct):
            try:
                parsed[k] = parse_scale(value)
            except ValueError:
                self.add_rows(
                    np.isin(np.arange(len(raw)), rows[codes == k]),
                    name,
                    raw,
                    "is not a positive model size (write 1.3e9, 1300000000 or '1.3b')",
                )
        values[rows] = parsed[codes]
        self.out[name] = values

    def _convert_logprobs(self, name: str) -> None:
        raw = self.raw[name]
        cells = raw.to_numpy(dtype=object)
        rows = np.flatnonzero(~self._blank(name))
        parsed = np.full(len(raw), None, dtype=object)
        lists = _json_lists(cells[rows])
        if lists is not None:  # the fast path: every cell is JSON text of a list of numbers
            sizes = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
            try:
                flat = np.fromiter(chain.from_iterable(lists), dtype=float, count=int(sizes.sum()))
            except (TypeError, ValueError):
                lists = None
        if lists is not None:
            bad_value = ~np.isfinite(flat) | (flat > 0)
            row_of_value = np.repeat(np.arange(len(sizes)), sizes)
            bad_rows = np.bincount(row_of_value, weights=bad_value, minlength=len(sizes)) > 0
            good = (sizes > 0) & ~bad_rows
            parsed[rows[good]] = [lists[i] for i in np.flatnonzero(good)]
            rows = rows[~good]  # only the bad cells go through the slow path, for their messages
        for i in rows:
            value, problem = _logprob_cell(cells[i])
            if problem:
                self.add_rows(_at(i, len(raw)), name, raw, problem)
            else:
                parsed[i] = value
        self.out[name] = pd.Series(parsed, index=self.raw.index, dtype=object)

    def _convert_gold(self, name: str) -> None:
        raw = self.raw[name]
        cells = raw.to_numpy(dtype=object)
        rows = np.flatnonzero(~self._blank(name))
        parsed = np.full(len(raw), None, dtype=object)
        numbers = pd.to_numeric(pd.Series(cells[rows], dtype=object), errors="coerce").to_numpy(float)
        simple = np.isfinite(numbers) & (numbers >= 0) & (np.mod(numbers, 1) == 0)
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
        self.out[name] = pd.Series(parsed, index=self.raw.index, dtype=object)

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
        keys = model_keys(self.out)
        for column in [c for c in SCALE_COLUMNS if c in self.out]:
            spread = self.out.groupby(keys, dropna=False, sort=False)[column].nunique()
            for key in spread.index[spread > 1][:5]:
                key = key if isinstance(key, tuple) else (key,)
                mask = np.logical_and.reduce([self.out[k].eq(v) for k, v in zip(keys, key, strict=True)])
                values = sorted(set(self.out.loc[mask, column].dropna()))
                self.add(
                    f"column {column!r}: model {key[1]!r} has several values {values[:4]}; a model "
                    "(family, model, step) has one scale"
                )

    def _check_records(self) -> None:
        out = self.out
        if "target" in out:
            # a target is never empty: a blank target cell means the row has no text (e.g. a
            # multiple-choice row in a mixed file), and then a blank prediction is missing too
            target = out["target"].astype("string")
            no_target = (target.isna() | target.str.strip().eq("")).to_numpy(dtype=bool)
            out["target"] = out["target"].where(~no_target, None)
            if "prediction" in out:
                out["prediction"] = out["prediction"].where(~no_target, None)
        # a column given for some rows of a task must be given for all rows of that task
        for name in ("target_logprob", "target_tokens", "choice_logprobs", "gold", "prediction",
                     "target", "correct"):
            if name not in out:
                continue
            missing = out[name].isna()
            if not missing.any():
                continue
            partial = missing.groupby(out["task"]).transform("mean")
            holes = (missing & (partial < 1)).to_numpy()
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
            sizes = out["choice_logprobs"].map(lambda v: len(v) if v is not None else 0).to_numpy()
            top = out["gold"].map(
                lambda g: (max(g) if isinstance(g, list) else g) if g is not None else -1
            ).to_numpy()
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
            hints = [f"{m!r} (did you mean {c[0]!r}?)" if c else repr(m) for m, c in close.items()]
            warnings.warn(
                f"{self.source}: metric(s) {', '.join(hints[:8])} are not in the registry; give "
                "'kind' and 'higher_is_better' columns to use them in verdicts",
                EmergenceWarning,
                stacklevel=4,
            )
        self.out = out

    def _check_duplicates(self) -> None:
        keys = row_keys(self.out, self.shape)
        dup = self.out.duplicated(keys, keep=False).to_numpy()
        if not dup.any():
            return
        groups = self.out[dup].groupby(keys, dropna=False, sort=False).indices
        positions = np.flatnonzero(dup)  # .indices count within the duplicated rows only
        for key, rows in list(groups.items())[:MAX_PROBLEMS]:
            where = ", ".join(self.locate(int(i)) for i in positions[rows[:4]])
            named = ", ".join(f"{k}={v!r}" for k, v in zip(keys, key, strict=True) if v is not None)
            self.add(f"duplicate rows ({named}) at {where}; each must appear once")


def _json_lists(cells: np.ndarray) -> list | None:
    """Parse JSON-text cells in one orjson call; None if any cell is not text of a JSON list."""
    if not len(cells) or not all(isinstance(c, str) for c in cells):
        return None
    try:
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


def check_choice_counts(records: pd.DataFrame) -> None:
    """The same example must offer every model the same number of choices.

    Raises
    ------
    SchemaError
        Naming each (family, task, example) whose models saw different numbers of choices.
    """
    if "choice_logprobs" not in records:
        return
    sizes = records["choice_logprobs"].map(lambda v: len(v) if isinstance(v, list | tuple) else np.nan)
    has = sizes.notna()
    if not has.any():
        return
    table = records.loc[has, ["family", "task", "example", "model"]].assign(_k=sizes[has])
    spread = table.groupby(["family", "task", "example"], sort=False)["_k"].nunique()
    bad = spread[spread > 1]
    if bad.empty:
        return
    problems = []
    for family, task, example in bad.index[:MAX_PROBLEMS]:
        rows = table[(table["family"] == family) & (table["task"] == task) & (table["example"] == example)]
        counts = ", ".join(f"{m}: {int(k)}" for m, k in zip(rows["model"], rows["_k"], strict=True))
        problems.append(f"{family}/{task} example {example!r}: models saw different numbers of choices "
                        f"({counts}); they must be scored on the same choices")
    if len(bad) > MAX_PROBLEMS:
        problems.append(f"... and {len(bad) - MAX_PROBLEMS} more examples")
    raise SchemaError(problems)


def check_unique_examples(records: pd.DataFrame) -> None:
    """Raise :class:`SchemaError` when one model has the same (task, example) more than once.

    Files are checked when they are read; this catches tables built in memory, such as examples of
    several tasks regrouped into one whose ids collide (each task numbering its examples from 0).
    """
    keys = row_keys(records, "records")
    dup = records.duplicated(keys, keep=False)
    if not dup.any():
        return
    shown = records.loc[dup, keys].drop_duplicates().head(3).to_dict("records")
    named = "; ".join(", ".join(f"{k}={v!r}" for k, v in row.items() if v == v) for row in shown)
    raise SchemaError(
        f"the records hold {int(dup.sum())} rows whose (model, task, example) is not unique, e.g. {named}; "
        "each example must appear once per model and task: give examples from different sources their "
        "own ids (e.g. example 'add_2digit:5' instead of '5')"
    )


def common_examples(records: pd.DataFrame) -> pd.DataFrame:
    """Keep, per (family, task), only the examples that every model of the family has.

    Pairing examples across models is what makes curves comparable. Dropped examples are reported
    with an :class:`EmergenceWarning` that says how many and where.
    """
    keys = model_keys(records)
    n_models = records.groupby(["family", "task"], sort=False)[keys[1:]].apply(
        lambda g: len(g.drop_duplicates())
    )
    per_example = records.groupby(["family", "task", "example"], sort=False).size()
    needed = n_models.reindex(per_example.index.droplevel("example")).to_numpy()
    keep_examples = per_example[per_example.to_numpy() == needed]
    if len(keep_examples) == len(per_example):
        return records
    dropped = per_example[per_example.to_numpy() != needed]
    summary = dropped.groupby(level=["family", "task"]).size()
    where = ", ".join(f"{n} in {f}/{t}" for (f, t), n in summary.head(5).items())
    warnings.warn(
        f"{len(dropped)} example(s) are not present for every model of their family and were left "
        f"out ({where}); the analysis uses the {len(keep_examples)} examples common to all models",
        EmergenceWarning,
        stacklevel=2,
    )
    index = pd.MultiIndex.from_frame(records[["family", "task", "example"]])
    return records[index.isin(keep_examples.index)].reset_index(drop=True)
