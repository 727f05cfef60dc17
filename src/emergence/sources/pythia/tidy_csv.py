"""The tidy Pythia evaluation CSV (``pythia_evals.csv.gz``, ``pythia_v0_evals.csv.gz``,
``opt_bloom_baselines_evals.csv``): one row per model x checkpoint x eval run x task x metric."""

from __future__ import annotations

import io
import warnings
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from emergence.errors import EmergenceWarning, SchemaError
from emergence.schema import MAX_PROBLEMS, validate_scores
from emergence.sources.csv_files import check_field_counts, read_data
from emergence.sources.limits import Limits
from emergence.sources.pythia.families import (
    BASELINE_TOKENS,
    BF16_NOTE,
    MAX_SHOTS,
    family_name,
    shots_of,
    size_params,
)

#: Columns whose presence in a CSV header marks a Pythia evaluation CSV.
PYTHIA_COLUMNS: tuple[str, ...] = (
    "suite", "model", "size", "params_total", "step", "tokens_seen", "eval_group", "task", "metric",
    "value", "stderr",
)

_CSV_SUFFIXES = (".csv", ".csv.gz")


def is_pythia_header(columns) -> bool:
    """Whether a CSV header (a list of column names) is the tidy Pythia evaluation CSV's."""
    return set(PYTHIA_COLUMNS) <= {str(c).strip() for c in columns}


def _first_line(path: Path, head: bytes) -> str:
    data = head
    if path.name.lower().endswith(".gz"):
        try:  # a partial stream decompresses as far as it goes
            data = zlib.decompressobj(wbits=31).decompress(head, 65536)
        except zlib.error:
            return ""
    return data.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").strip("\r")


def is_pythia_csv(path: Path, head: bytes) -> bool:
    """Whether ``path`` (a ``.csv`` or ``.csv.gz`` file whose first bytes are ``head``) is a tidy
    Pythia evaluation CSV, told by its header (:data:`PYTHIA_COLUMNS`)."""
    if not path.name.lower().endswith(_CSV_SUFFIXES):
        return False
    return is_pythia_header(_first_line(path, head).split(","))


def read_pythia_csv(path: str | Path, *, limits: Limits | None = None) -> pd.DataFrame:
    """Read a tidy Pythia evaluation CSV into a validated scores table.

    Duplicate runs of the same (model, eval group, shots, step, task, metric) (Pythia v0 has 451)
    are reduced to the latest ``run_timestamp``, with an :class:`EmergenceWarning` saying how many
    rows were dropped. A checkpoint at step 0 has seen no tokens: its ``tokens`` and ``compute`` are
    left empty (log scale), so filter it out before using them as the x-axis.

    Parameters
    ----------
    path : str or Path
        ``pythia_evals.csv.gz``, ``pythia_v0_evals.csv.gz``, ``opt_bloom_baselines_evals.csv`` or a
        file of the same columns.
    limits : Limits, optional
        The most bytes the file (decompressed) and one line may hold (default
        :class:`~emergence.sources.limits.Limits`).

    Returns
    -------
    DataFrame
        Columns ``family`` (:func:`family_name`), ``model``, ``step`` (absent when no row has one,
        as for the OPT/BLOOM final checkpoints), ``params`` (``params_total``, or the size label),
        ``tokens`` (``tokens_seen``; OPT/BLOOM: :data:`BASELINE_TOKENS`), ``compute``
        (6 * params * tokens), ``task``, ``metric``, ``value``, ``stderr``, ``kind``,
        ``higher_is_better``.

    Raises
    ------
    SchemaError
        If the file cannot be read, lacks a Pythia column, or holds bad values (with line numbers).
    """
    path = Path(path)
    data = read_data(path, limits)
    try:
        raw = pd.read_csv(io.BytesIO(data), encoding="utf-8", dtype=str, keep_default_na=False,
                          na_filter=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        message = " ".join(str(error).split())
        if message.endswith("C error: out of memory"):  # the parser's MemoryError, as pandas words it
            raise MemoryError(message) from None
        raise SchemaError(f"{path}: not a well-formed CSV: {message}") from None
    check_field_counts(raw, data, path)
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in PYTHIA_COLUMNS if c not in raw.columns]
    if missing:
        raise SchemaError(
            f"{path}: not a Pythia evaluation CSV: missing column(s) {', '.join(missing)} (the tidy "
            "Pythia CSV has " + ", ".join(PYTHIA_COLUMNS) + "); read it with --format-in csv if it is "
            "a benchmark CSV"
        )
    if raw.empty:
        raise SchemaError(f"{path}: the file has a header but no data rows")
    raw = _latest_runs(raw, path)
    table = _scores_from_rows(raw, path)
    lines = raw.index.to_numpy() + 2  # the header is line 1

    def locate(i: int) -> str:
        return f"line {lines[i]}"

    return validate_scores(table, source=str(path), locate=locate)


def _column(raw: pd.DataFrame, name: str, default: str = "") -> pd.Series:
    return raw[name].str.strip() if name in raw else pd.Series(default, index=raw.index, dtype=object)


def _latest_runs(raw: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Keep the latest run_timestamp of duplicate (model, group, shots, step, task, metric) rows."""
    keys = [c for c in ("suite", "model", "variant", "eval_group", "num_fewshot", "step", "task", "metric")
            if c in raw]
    dup = raw.duplicated(keys, keep=False)
    if not dup.any():
        return raw
    stamps = _column(raw, "run_timestamp")
    when = pd.to_datetime(stamps, format="%m-%d-%Y-%H-%M-%S", errors="coerce")
    # rows without a parsable timestamp sort first; ties keep the later row of the file
    order = pd.DataFrame({"when": when, "row": np.arange(len(raw))}, index=raw.index)
    order = order.sort_values(["when", "row"], na_position="first", kind="stable")
    ranked = raw.loc[order.index]
    kept = ranked[~ranked.duplicated(keys, keep="last")].sort_index()
    dropped = len(raw) - len(kept)
    warnings.warn(
        f"{path}: {dropped} row(s) repeat an earlier run of the same (model, eval group, step, task, "
        "metric); kept the latest run_timestamp of each and dropped the others",
        EmergenceWarning,
        stacklevel=4,
    )
    return kept


def _shown(text: str) -> str:
    """A cell for a message: its repr, cut to its first 40 characters when longer."""
    return repr(text) if len(text) <= 40 else f"{text[:40]!r}... ({len(text)} characters)"


def _shots(raw: pd.DataFrame, path: Path) -> pd.Series:
    """The ``num_fewshot`` column as whole numbers (a blank cell or no column: 0).

    Raises
    ------
    SchemaError
        Naming the line and the value of every cell that is not a number of shots
        (:func:`~emergence.sources.pythia.families.shots_of`: Infinity, NaN, 2.5, -1, words).
    """
    text = _column(raw, "num_fewshot", "0").replace("", "0")
    parsed = text.map({value: shots_of(value) for value in text.unique()})
    bad = parsed.isna()
    if bad.any():
        problems = [
            f"{path}: line {i + 2}, column 'num_fewshot': {_shown(text[i])} is not a number of shots; write "
            f"a whole number from 0 to {MAX_SHOTS} (the Pythia evals use 0 and 5), or leave the cell "
            "blank for 0"
            for i in bad.index[bad][:MAX_PROBLEMS]
        ]
        more = int(bad.sum()) - MAX_PROBLEMS
        raise SchemaError(problems + ([f"... and {more} more cells of num_fewshot"] if more > 0 else []))
    return parsed.astype(int)


def _scores_from_rows(raw: pd.DataFrame, path: Path) -> pd.DataFrame:
    suite = _column(raw, "suite")
    deduped = _column(raw, "deduped").str.lower().isin(["true", "1"])
    variant = _column(raw, "variant", "standard")
    group = _column(raw, "eval_group", "zero-shot")
    shots = _shots(raw, path)
    combos = pd.DataFrame({"suite": suite, "deduped": deduped, "variant": variant, "group": group,
                           "shots": shots})
    key = pd.MultiIndex.from_frame(combos)
    names = {k: family_name(*k) for k in key.unique()}
    if any(k[2] == "bf16" and k[0] == "pythia-v1" and not k[1] for k in names):
        warnings.warn(f"{path}: {BF16_NOTE}", EmergenceWarning, stacklevel=4)
    family = pd.Series([names[k] for k in key], index=raw.index, dtype=object)

    # params: params_total, else the size label (OPT/BLOOM rows leave params_total empty); a value
    # that is neither is passed on as text, for the validator to name with its line
    params = raw["params_total"].astype(object)
    blank = raw["params_total"].str.strip().eq("")
    for size in raw.loc[blank, "size"].unique():
        try:
            params[blank & raw["size"].eq(size)] = size_params(size)
        except ValueError:
            params[blank & raw["size"].eq(size)] = size or None

    step_text = raw["step"].str.strip()
    final = step_text.str.lower().isin(["final", ""])
    step = step_text.where(~final, None)
    tokens = pd.to_numeric(raw["tokens_seen"].replace("", np.nan), errors="coerce")
    tokens = tokens.where(tokens > 0)  # step 0 has seen no tokens: no place on a log scale
    for name, count in BASELINE_TOKENS.items():
        tokens = tokens.where(~(suite.eq(name) & tokens.isna()), count)

    table = pd.DataFrame({
        "family": family, "model": raw["model"], "step": step, "params": params, "tokens": tokens,
        "task": raw["task"], "metric": raw["metric"], "value": raw["value"],
        "stderr": raw["stderr"].replace("", None),
    })
    if table["step"].isna().all():
        table = table.drop(columns="step")
    # compute = 6 * params * tokens is filled by validate_scores (emergence.scale.add_compute), once
    # params and tokens are parsed
    return table
