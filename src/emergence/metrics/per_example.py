"""The per-example metrics: text options, the :class:`Metric` record, the shared batch of derived
arrays, one vectorised function per metric, and :data:`REGISTRY`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from emergence.errors import EmergenceError
from emergence.metrics.values import ANY, BRIER, NONNEGATIVE, NONPOSITIVE, UNIT, ValueRange

#: Tokenisations for token_edit_distance.
TOKENIZATIONS = ("char", "word")


@dataclass(frozen=True)
class MetricOptions:
    """How text is normalised and tokenised before comparing.

    Parameters
    ----------
    ignore_case : bool
        Compare case-insensitively.
    collapse_whitespace : bool
        Treat any run of whitespace as one space.
    tokens : {"char", "word"}
        Tokens of token_edit_distance: characters (default) or whitespace-separated words.
    """

    ignore_case: bool = False
    collapse_whitespace: bool = False
    tokens: str = "char"

    def __post_init__(self):
        if self.tokens not in TOKENIZATIONS:
            raise EmergenceError(
                f"The 'tokens' option must be one of {', '.join(TOKENIZATIONS)}. "
                f"Got {self.tokens!r} instead."
            )


@dataclass(frozen=True)
class Metric:
    """A per-example metric.

    Attributes
    ----------
    name : str
        Registry name; says the direction (``*_distance``, ``*_score`` of Brier: lower is better).
    kind : {"discontinuous", "smooth", "nonlinear"}
    higher_is_better : bool
    needs : tuple of tuple of str
        Alternative sets of columns; the metric applies to a row if one set is present.
    description : str
    func : callable
        ``func(batch) -> ndarray`` of one value per row.
    values : ValueRange
        What its values (and so their means) can be; a reported score outside it is refused.
    """

    name: str
    kind: str
    higher_is_better: bool
    needs: tuple[tuple[str, ...], ...]
    description: str
    func: Callable[[_Batch], np.ndarray] = field(repr=False)
    values: ValueRange = ANY

    def applies_to(self, columns) -> bool:
        """Whether a table with these columns has what this metric needs."""
        return any(set(group) <= set(columns) for group in self.needs)


class _Batch:
    """A records table with derived arrays computed once and shared between metrics."""

    def __init__(self, records: pd.DataFrame, options: MetricOptions, choice_width: int | None = None):
        self.records = records
        self.options = options
        self.n = len(records)
        self.choice_width = choice_width

    def column(self, name: str) -> np.ndarray:
        if name not in self.records:
            return np.full(self.n, np.nan)
        return pd.to_numeric(self.records[name], errors="coerce").to_numpy(dtype=float, copy=True)

    def _normalise(self, name: str) -> pd.Series:
        column = self.records[name]
        text = column.astype(object)
        missing = text.isna().to_numpy()
        return self._normal(text.where(~missing, "")).where(~missing, None)

    def _normal(self, text: pd.Series) -> pd.Series:
        """The text as exact match compares it: whitespace collapsed, stripped, case folded (as the
        options say)."""
        text = text.astype(str)
        if self.options.collapse_whitespace:
            text = text.str.replace(r"\s+", " ", regex=True)
        text = text.str.strip()
        if self.options.ignore_case:
            text = text.str.casefold()
        return text.astype(object)

    @cached_property
    def prediction(self) -> pd.Series:
        return self._normalise("prediction")

    @cached_property
    def target(self) -> pd.Series:
        return self._normalise("target")

    @cached_property
    def texts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """(code of each row's prediction, -1 where missing; the normalised text of each code; the
        same of the targets): each distinct text normalised once, the rows carrying small codes (a
        target is shared by every model, a prediction often repeats). None when a cell holds
        something other than text."""
        coded = []
        for name in ("prediction", "target"):
            codes, distinct = pd.factorize(self.records[name])
            distinct = np.asarray(distinct, dtype=object)
            if not all(type(v) is str for v in distinct):
                return None
            normal = self._normal(pd.Series(distinct, dtype=object)).to_numpy(dtype=object)
            coded += [codes.astype(np.int32 if len(distinct) < 2**31 - 1 else np.int64), normal]
        return tuple(coded)

    @cached_property
    def has_text(self) -> np.ndarray:
        if "prediction" not in self.records or "target" not in self.records:
            return np.zeros(self.n, dtype=bool)
        if self.texts is not None:  # a missing text has code -1
            return (self.texts[0] >= 0) & (self.texts[2] >= 0)
        return (self.prediction.notna() & self.target.notna()).to_numpy()

    @cached_property
    def choices(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(log-likelihoods padded with -inf, gold mask, rows that have choices): the first two hold
        only the rows that have choices, in order (a text row has none, and costs nothing)."""
        if "choice_logprobs" not in self.records or "gold" not in self.records:
            return np.empty((0, 1)), np.empty((0, 1), dtype=bool), np.zeros(self.n, bool)
        lists = self.records["choice_logprobs"].to_numpy(dtype=object)
        golds = self.records["gold"].to_numpy(dtype=object)
        valid, sizes = choice_rows(self.records)
        rows = np.flatnonzero(valid)
        # the width: the widest row (or the width given: the whole table's), rounded up to a
        # multiple of 8. numpy adds a row of 8 to 128 values with 8 accumulators, which the padding
        # (zeros once exponentiated) leaves as they are, so a row's sums are the same bits at any
        # such width: in a table of 4 choices or of 100, read whole or a task at a time. Past 128 a
        # row is split in halves that depend on the width, and the table's width matters.
        width = self.choice_width if self.choice_width is not None else int(sizes.max(initial=0))
        logp = np.full((len(rows), 8 * max(1, -(-width // 8))), -np.inf)
        at = np.repeat(np.arange(len(rows)), sizes)
        cols = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        logp[at, cols] = np.fromiter(chain.from_iterable(lists[rows]), float, sizes.sum())
        gold = np.zeros(logp.shape, dtype=bool)
        index = pd.to_numeric(pd.Series(golds[rows], dtype=object), errors="coerce").to_numpy(float)
        scalar = ~np.isnan(index)  # a list of golds does not convert
        gold[np.flatnonzero(scalar), index[scalar].astype(int)] = True
        for i in np.flatnonzero(~scalar):  # multi-gold rows are rare
            gold[i, list(golds[rows[i]])] = True
        return logp, gold, valid

    @cached_property
    def softmax(self) -> np.ndarray:
        """The choices' probabilities, for the rows that have choices."""
        logp, _, _ = self.choices
        weights = np.exp(logp - logp.max(axis=1, initial=-np.inf)[:, None])
        return weights / weights.sum(axis=1, keepdims=True)

    def of_choices(self, values: np.ndarray) -> np.ndarray:
        """One value per row: ``values`` (one per row that has choices) there, NaN elsewhere."""
        out = np.full(self.n, np.nan)
        out[self.choices[2]] = values
        return out


def choice_rows(records: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(the rows that have choices: a non-empty list and a gold index; the number of choices of each
    of those rows)."""
    lists = records["choice_logprobs"].to_numpy(dtype=object)
    golds = records["gold"].to_numpy(dtype=object)
    # only rows with both cells filled are looked at one by one (text rows are skipped at C speed;
    # the lists only where a gold is given: 25 ms of the 2.4M set's width)
    candidates = np.flatnonzero(pd.notna(golds))
    candidates = candidates[pd.notna(lists[candidates])]
    valid = np.zeros(len(records), dtype=bool)
    given = lists[candidates]
    # the types of the cells collected at C speed: lists and ints, as a validated table has them
    if set(map(type, given)) <= {list} and set(map(type, golds[candidates])) <= {int}:
        sizes = np.fromiter(map(len, given), dtype=np.int64, count=len(given))
        valid[candidates[sizes > 0]] = True
        return valid, sizes[sizes > 0]
    valid[candidates] = [isinstance(lists[i], list | tuple | np.ndarray) and len(lists[i]) > 0
                         and _is_index(golds[i]) for i in candidates]
    rows = np.flatnonzero(valid)
    return valid, np.fromiter(map(len, lists[rows]), dtype=np.int64, count=len(rows))


def choice_width(records: pd.DataFrame) -> int | None:
    """The most choices of any row of the table (None without choice columns)."""
    if "choice_logprobs" not in records or "gold" not in records:
        return None
    return int(choice_rows(records)[1].max(initial=0))


def _is_index(gold) -> bool:
    """Whether a gold cell holds a choice index or a non-empty list of them."""
    if isinstance(gold, list | tuple | np.ndarray):
        return len(gold) > 0
    return isinstance(gold, int | np.integer | float | np.floating) and gold == gold


def _exact_match(batch: _Batch) -> np.ndarray:
    out = batch.column("correct")
    text = batch.has_text
    if text.any() and batch.texts is not None:  # the texts' codes in one space: equal text, equal code
        p_code, p_text, t_code, t_text = batch.texts
        joint = pd.factorize(np.concatenate([p_text, t_text]))[0]
        out[text] = joint[p_code[text]] == joint[len(p_text) + t_code[text]]
    elif text.any():
        out[text] = (batch.prediction[text] == batch.target[text]).to_numpy(dtype=float)
    return out


def _multiple_choice_grade(batch: _Batch) -> np.ndarray:
    logp, gold, _ = batch.choices
    top = logp == logp.max(axis=1, keepdims=True, initial=-np.inf)
    credit = (top & gold).sum(axis=1) / np.maximum(top.sum(axis=1), 1)  # ties: fractional credit
    return batch.of_choices(credit)


def _choice_prob(batch: _Batch) -> np.ndarray:
    _, gold, _ = batch.choices
    return batch.of_choices(np.where(gold, batch.softmax, 0.0).sum(axis=1))


def _brier_score(batch: _Batch) -> np.ndarray:
    _, gold, _ = batch.choices
    return batch.of_choices(((np.nan_to_num(batch.softmax) - gold) ** 2).sum(axis=1))


def _target_logprob(batch: _Batch) -> np.ndarray:
    return batch.column("target_logprob")


def _per_token(batch: _Batch) -> np.ndarray:
    return batch.column("target_logprob") / batch.column("target_tokens")


def _word_codes(texts: list[str]) -> list[str]:
    """Map each distinct word to one character so Levenshtein on strings counts word edits."""
    words = [t.split() for t in texts]
    codes, _ = pd.factorize(np.fromiter(chain.from_iterable(words), dtype=object))
    chars = np.array([chr(0x10000 + c) for c in range(codes.max(initial=-1) + 1)], dtype=object)
    joined, start = [], 0
    for w in words:
        joined.append("".join(chars[codes[start : start + len(w)]]))
        start += len(w)
    return joined


def _token_edit_distance(batch: _Batch) -> np.ndarray:
    out = np.full(batch.n, np.nan)
    text = batch.has_text
    if not text.any():
        return out
    # each distinct (prediction, target) pair once: targets are shared by the models, and small
    # models often give the same wrong answer
    if batch.texts is not None:  # the codes of the texts at hand
        p_code, p_text, t_code, t_text = batch.texts
        p_code, t_code = p_code[text], t_code[text]
    else:
        p_code, p_text = pd.factorize(batch.prediction[text])
        t_code, t_text = pd.factorize(batch.target[text])
    inverse, pairs = pd.factorize(p_code.astype(np.int64) * len(t_text) + t_code)
    predictions = np.asarray(p_text, dtype=object)[pairs // len(t_text)].tolist()
    targets = np.asarray(t_text, dtype=object)[pairs % len(t_text)].tolist()
    if batch.options.tokens == "word":
        both = _word_codes(predictions + targets)
        predictions, targets = both[: len(predictions)], both[len(predictions) :]
    distance = process.cpdist(predictions, targets, scorer=Levenshtein.distance, workers=1)
    out[text] = np.asarray(distance, dtype=float)[inverse]
    return out


_METRICS = (
    Metric("exact_match", "discontinuous", True, (("prediction", "target"), ("correct",)),
           "normalised prediction == normalised target (else the producer's 'correct')",
           _exact_match, UNIT),
    Metric("multiple_choice_grade", "discontinuous", True, (("choice_logprobs", "gold"),),
           "argmax of choice_logprobs is a gold choice (ties: fractional credit)",
           _multiple_choice_grade, UNIT),
    Metric("target_logprob", "smooth", True, (("target_logprob",),),
           "sum of log p(target tokens)", _target_logprob, NONPOSITIVE),
    Metric("target_logprob_per_token", "smooth", True, (("target_logprob", "target_tokens"),),
           "target_logprob / target_tokens", _per_token, NONPOSITIVE),
    Metric("target_prob_per_token", "smooth", True, (("target_logprob", "target_tokens"),),
           "exp(target_logprob / target_tokens): geometric-mean per-token probability",
           lambda b: np.exp(_per_token(b)), UNIT),
    Metric("sequence_prob", "nonlinear", True, (("target_logprob",),),
           "exp(target_logprob): expected exact match under sampling",
           lambda b: np.exp(b.column("target_logprob")), UNIT),
    Metric("choice_prob", "smooth", True, (("choice_logprobs", "gold"),),
           "softmax(choice_logprobs) summed over the gold choices", _choice_prob, UNIT),
    Metric("brier_score", "smooth", False, (("choice_logprobs", "gold"),),
           "sum over choices of (softmax - one-hot gold)^2", _brier_score, BRIER),
    Metric("token_edit_distance", "smooth", False, (("prediction", "target"),),
           "Levenshtein distance between prediction and target tokens", _token_edit_distance,
           NONNEGATIVE),
)

#: Every per-example metric, by name.
REGISTRY: dict[str, Metric] = {m.name: m for m in _METRICS}
