"""Model scale: parse sizes such as ``"1.3b"`` or ``"350M"``, derive compute, choose the x-axis.

Scale columns of both tables are ``params`` (parameter count), ``tokens`` (training tokens), ``compute``
(training FLOPs), ``step`` (training checkpoint) and ``loss`` (the model's pretraining or validation
loss, lower is better: Du et al. 2024, "Understanding Emergent Abilities of Language Models from the
Loss Perspective", argue abilities emerge at a loss threshold). Compute is filled as
``6 * params * tokens`` (Kaplan et al. 2020, the approximation used by the Pythia and Chinchilla
papers) when both are known.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from emergence.errors import SchemaError

#: Columns that can serve as the x-axis, in the order :func:`choose_x` prefers them.
SCALE_COLUMNS: tuple[str, ...] = ("params", "compute", "tokens", "step", "loss")

#: Scale columns along which models improve as the value falls: the axis runs from high to low.
DECREASING = frozenset({"loss"})

#: Nats of loss that count as one decade on the loss axis. Kaplan et al. (2020), "Scaling Laws for
#: Neural Language Models", fit L(N) = (N_c / N)^0.076: a decade of parameters multiplies the loss
#: by 10^-0.076 = 0.84, about 0.5 nats at a loss of 3. So a window of "up to a decade" and the
#: slope growth the smooth null allows per decade mean on the loss axis what they mean on params.
LOSS_PER_DECADE = 0.5


def axis_scale(values, x: str) -> np.ndarray:
    """The values of scale column ``x`` as a positive scale that grows as the models improve.

    The column itself, except for a loss: ``10 ** (-loss / LOSS_PER_DECADE)``, whose log10 (the
    position the jump effect works on) is ``-loss / 0.5``: on the loss axis the windows and slopes
    of J are per :data:`LOSS_PER_DECADE` nats, in loss order, the best model last.

    Examples
    --------
    >>> np.log10(axis_scale([3.0, 2.5], "loss")).round(6).tolist(), axis_scale([1e9], "params").tolist()
    ([-6.0, -5.0], [1000000000.0])
    """
    values = np.asarray(values, dtype=float)
    return 10.0 ** (-values / LOSS_PER_DECADE) if x in DECREASING else values


def axis_value(scale, x: str) -> np.ndarray:
    """The inverse of :func:`axis_scale`: the column's own values (a loss from its scale)."""
    scale = np.asarray(scale, dtype=float)
    return -LOSS_PER_DECADE * np.log10(scale) if x in DECREASING else scale


_SUFFIX = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12}
_SIZE_RE = re.compile(r"^\s*([0-9][0-9_,]*(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)\s*([kmbgt]?)\s*$", re.I)
# a size inside a model name: "pythia-1.4b-deduped", "opt_350m", "gpt2-xl" has none
_NAME_SIZE_RE = re.compile(r"(?:^|[^0-9a-z.])([0-9]+(?:\.[0-9]+)?)([kmbt])(?![a-z0-9])", re.I)


def parse_scale(value: object) -> float:
    """Parse one model size.

    Parameters
    ----------
    value : str or number
        A number (``1.3e9``, ``1300000000``, ``"1,300,000,000"``) or a size with a suffix
        ``k``/``m``/``b``/``t`` in either case (``"70m"``, ``"1.3b"``, ``"6.9B"``, ``"350M"``).

    Returns
    -------
    float
        The size as a plain number, > 0.

    Raises
    ------
    ValueError
        If the value is not a size, or is not positive.

    Examples
    --------
    >>> parse_scale("1.3b")
    1300000000.0
    >>> parse_scale("350M")
    350000000.0
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a model size")
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
    else:
        match = _SIZE_RE.match(str(value))
        if match is None:
            raise ValueError(
                f"{value!r} is not a model size; write a number (1.3e9) or a size like '1.3b' or '350M'"
            )
        number = float(match.group(1).replace(",", "").replace("_", "")) * _SUFFIX[
            match.group(2).lower()
        ]
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{value!r} is not a positive model size")
    return number


def params_from_name(name: str) -> float | None:
    """Read a parameter count from a model name such as ``"pythia-1.4b-deduped"``.

    Returns None when the name holds no size. The last size in the name wins
    (``"llama-2-7b"`` is 7e9). A size of zero (``"m-0b"``) is no size: None, so that the model is
    refused for want of a size rather than placed at 0 on a log scale (issue 17, item 5).

    Examples
    --------
    >>> params_from_name("pythia-1.4b-deduped")
    1400000000.0
    >>> params_from_name("gpt2") is None
    True
    >>> params_from_name("m-0b") is None
    True
    """
    found = _NAME_SIZE_RE.findall(name)
    if not found:
        return None
    number, suffix = found[-1]
    size = float(number) * _SUFFIX[suffix.lower()]
    return size if size > 0 else None


def format_scale(value: float) -> str:
    """Human form of a size: 70000000 -> ``"70M"``, 1.4e9 -> ``"1.4B"``."""
    if not np.isfinite(value):
        return str(value)
    if abs(value) >= 1e15:  # training FLOPs: 2.13e+22, not "2.13e+10T"
        return f"{value:.3g}"
    for suffix, unit in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(value) >= unit:
            return f"{value / unit:.3g}{suffix}"
    return f"{value:.3g}"


def add_compute(table: pd.DataFrame) -> pd.DataFrame:
    """Return ``table`` with ``compute = 6 * params * tokens`` filled where both are known.

    An existing ``compute`` value is kept; the input is not modified.
    """
    if "params" not in table or "tokens" not in table:
        return table
    derived = 6.0 * table["params"].astype(float) * table["tokens"].astype(float)
    out = table.copy(deep=False)  # the other columns are shared, not copied
    out["compute"] = out["compute"].fillna(derived) if "compute" in out else derived
    return out


def choose_x(table: pd.DataFrame, x: str | None = None) -> str:
    """Choose the scale column used as the x-axis.

    Parameters
    ----------
    table : DataFrame
        A records or scores table.
    x : {"params", "compute", "tokens", "step"}, optional
        The column asked for. By default the first of :data:`SCALE_COLUMNS` that is known for
        every row.

    Returns
    -------
    str
        The column name.

    Raises
    ------
    SchemaError
        If the column asked for is unknown or missing for some models.
    """
    if x is not None:
        if x not in SCALE_COLUMNS:
            raise SchemaError(
                f"The 'x' parameter must be one of {', '.join(SCALE_COLUMNS)}. Got {x!r} instead."
            )
        if x not in table or table[x].isna().all():
            have = [c for c in SCALE_COLUMNS if c in table and table[c].notna().any()]
            hint = "; compute needs both params and tokens" if x == "compute" else ""
            raise SchemaError(
                f"x={x!r} was asked for but the data has no {x!r} column{hint}; "
                f"scale columns present: {', '.join(have) or 'none'}"
            )
        # a model with no x at all cannot be placed; one whose first checkpoint (step 0) has none
        # keeps its other rows (stats.points.positive_scale leaves that row out, with a warning)
        known = table[x].notna().groupby(table["model"], sort=False).any()
        missing = known.index[~known.to_numpy()]
        if len(missing):
            raise SchemaError(
                f"x={x!r}: no {x} for model(s) {', '.join(map(str, missing[:5]))}; "
                f"fill the {x!r} column for every model or choose another --x"
            )
        return x
    for column in SCALE_COLUMNS:
        if column in table and table[column].notna().all():
            return column
    raise SchemaError(
        "no scale column is known for every model; give one of "
        + ", ".join(SCALE_COLUMNS)
        + " (e.g. a 'params' column with 70m, 1.3b, ...)"
    )


#: Parameter counts of well-known model families, by lower-case model name (the part after any
#: ``org/``). :func:`known_params` looks names up here before :func:`params_from_name` guesses from
#: the name, because nominal sizes in names can be far off ("pythia-1b" has 1.01e9 parameters) or
#: absent ("gpt2-xl", "davinci").
KNOWN_PARAMS: dict[str, float] = {
    # Pythia (Biderman et al. 2023), total parameters including embeddings, as computed from the
    # architecture table of the Pythia README (../shared/data/pythia/README.md) and given in the
    # params_total column of ../shared/data/pythia/pythia_evals.csv.gz. The deduped models have
    # the same architecture (known_params strips "-deduped").
    "pythia-70m": 70_426_624.0,
    "pythia-160m": 162_322_944.0,
    "pythia-410m": 405_334_016.0,
    "pythia-1b": 1_011_781_632.0,
    "pythia-1.4b": 1_414_647_808.0,
    "pythia-2.8b": 2_775_208_960.0,
    "pythia-6.9b": 6_856_253_440.0,
    "pythia-12b": 11_846_072_320.0,
    # GPT-2 (Radford et al. 2019), the parameter counts of the released Hugging Face checkpoints
    # (124M, 355M, 774M, 1.5B; the paper's Table 2 lists 117M, 345M, 762M, 1542M).
    "gpt2": 124e6,
    "gpt2-medium": 355e6,
    "gpt2-large": 774e6,
    "gpt2-xl": 1.5e9,
    # OPT (Zhang et al. 2022, "OPT: Open Pre-trained Transformer Language Models", Table 1), nominal.
    "opt-125m": 125e6,
    "opt-350m": 350e6,
    "opt-1.3b": 1.3e9,
    "opt-2.7b": 2.7e9,
    "opt-6.7b": 6.7e9,
    "opt-13b": 13e9,
    "opt-30b": 30e9,
    "opt-66b": 66e9,
    # BLOOM (BigScience 2022, arXiv 2211.05100, Table 3), nominal; "1b1" is 1.1B, "7b1" 7.1B.
    "bloom-560m": 560e6,
    "bloom-1b1": 1.1e9,
    "bloom-1b7": 1.7e9,
    "bloom-3b": 3e9,
    "bloom-7b1": 7.1e9,
    # GPT-3 API models, as assigned by Schaeffer et al. 2023 ("Are Emergent Abilities of Large
    # Language Models a Mirage?") after Brown et al. 2020, Table 2.1: ada 350M, babbage 1.3B,
    # curie 6.7B, davinci 175B.
    "ada": 350e6,
    "babbage": 1.3e9,
    "curie": 6.7e9,
    "davinci": 175e9,
}

# name parts that do not change the architecture: "pythia-v1.1-1b", "pythia-1b-deduped", "pythia-1b-v0"
_VARIANT_RE = re.compile(r"-(?:v1\.1|v0|deduped)(?=-|$)")


def known_params(name: str) -> float | None:
    """Parameter count of a well-known model (see :data:`KNOWN_PARAMS`), or None.

    The name is matched without its organisation (``"EleutherAI/"``), case-insensitively, and
    without the Pythia variant marks ``-deduped``, ``-v0`` and ``-v1.1``.

    Parameters
    ----------
    name : str
        A model name, e.g. ``"EleutherAI/pythia-1b-deduped"`` or ``"gpt2-xl"``.

    Returns
    -------
    float or None

    Examples
    --------
    >>> known_params("EleutherAI/pythia-1b-deduped")
    1011781632.0
    >>> known_params("gpt2-xl")
    1500000000.0
    >>> known_params("my-model") is None
    True
    """
    key = str(name).strip().lower().rsplit("/", 1)[-1]
    if key in KNOWN_PARAMS:
        return KNOWN_PARAMS[key]
    return KNOWN_PARAMS.get(_VARIANT_RE.sub("", key))
