"""Tests of emergence.metrics: every registered metric against hand-computed values."""

import math

import numpy as np
import pandas as pd
import pytest

from emergence.errors import EmergenceError
from emergence.metrics import (
    REGISTRY,
    MetricOptions,
    applicable,
    compute,
    compute_many,
    get_metric,
    resolve_kind,
    value_range,
)
from emergence.metrics.values import UNIT, ValueRange


def test_registry_kinds_and_directions_follow_design():
    """Each metric carries the kind and direction of DESIGN.md's metric table."""
    expected = {
        "exact_match": ("discontinuous", True),
        "multiple_choice_grade": ("discontinuous", True),
        "target_logprob": ("smooth", True),
        "target_logprob_per_token": ("smooth", True),
        "target_prob_per_token": ("smooth", True),
        "sequence_prob": ("nonlinear", True),
        "choice_prob": ("smooth", True),
        "brier_score": ("smooth", False),
        "token_edit_distance": ("smooth", False),
    }
    assert {n: (m.kind, m.higher_is_better) for n, m in REGISTRY.items()} == expected


def test_exact_match_strips_and_falls_back_to_correct():
    """Surrounding whitespace is ignored; rows without text use the producer's 'correct'."""
    records = pd.DataFrame({
        "prediction": ["12", " 12 ", "13", None],
        "target": ["12", "12", "12", None],
        "correct": [0, 0, 1, 1],
    })
    assert compute(records, "exact_match").tolist() == [1.0, 1.0, 0.0, 1.0]


def test_exact_match_options():
    """Case and inner whitespace matter unless the options say otherwise."""
    records = pd.DataFrame({"prediction": ["Paris", "New  York"], "target": ["paris", "New York"]})
    assert compute(records, "exact_match").tolist() == [0.0, 0.0]
    relaxed = MetricOptions(ignore_case=True, collapse_whitespace=True)
    assert compute(records, "exact_match", relaxed).tolist() == [1.0, 1.0]


def _choices():
    # softmax of log([.2, .5, .3]) is [.2, .5, .3]; padding to a 4-choice row tests ragged input
    return pd.DataFrame({
        "choice_logprobs": [
            [math.log(0.2), math.log(0.5), math.log(0.3)],
            [math.log(0.2), math.log(0.5), math.log(0.3)],
            [-1.0, -1.0, -3.0, -4.0],
            [-1.0, -1.0, -3.0, -4.0],
        ],
        "gold": [1, 0, 0, [0, 1]],
    })


def test_multiple_choice_grade_with_fractional_tie_credit():
    """argmax in gold scores 1; a two-way tie with one gold choice scores 1/2."""
    assert compute(_choices(), "multiple_choice_grade").tolist() == [1.0, 0.0, 0.5, 1.0]


def test_choice_prob_is_softmax_mass_on_gold():
    """choice_prob = softmax(choice_logprobs)[gold], summed over gold choices (hand-computed)."""
    values = compute(_choices(), "choice_prob")
    tied = math.exp(-1) / (2 * math.exp(-1) + math.exp(-3) + math.exp(-4))
    np.testing.assert_allclose(values, [0.5, 0.2, tied, 2 * tied])


def test_brier_score_sums_squared_errors_over_choices():
    """Brier = sum_k (p_k - onehot_k)^2: for p = [.2, .5, .3] and gold 1, .04 + .25 + .09 = .38."""
    values = compute(_choices(), "brier_score")
    np.testing.assert_allclose(values[:2], [0.38, 0.8**2 + 0.5**2 + 0.3**2])


def test_log_likelihood_metrics():
    """Per-token metrics divide by target_tokens; probabilities exponentiate (hand-computed)."""
    records = pd.DataFrame({"target_logprob": [-2 * math.log(2), 0.0], "target_tokens": [2, 3]})
    values = compute_many(records, ["target_logprob", "target_logprob_per_token",
                                    "target_prob_per_token", "sequence_prob"])
    np.testing.assert_allclose(values["target_logprob_per_token"], [-math.log(2), 0.0])
    np.testing.assert_allclose(values["target_prob_per_token"], [0.5, 1.0])
    np.testing.assert_allclose(values["sequence_prob"], [0.25, 1.0])


def test_token_edit_distance_characters_and_words():
    """Levenshtein('kitten', 'sitting') = 3, the textbook value; word tokens count whole words."""
    records = pd.DataFrame({"prediction": ["kitten", "the cat sat", "", None],
                            "target": ["sitting", "the dog sat", "123", None]})
    chars = compute(records, "token_edit_distance")
    assert chars[:3].tolist() == [3.0, 3.0, 3.0] and np.isnan(chars[3])
    words = compute(records, "token_edit_distance", MetricOptions(tokens="word"))
    assert words[:3].tolist() == [1.0, 1.0, 1.0]  # one word each; "cat" -> "dog"; "" -> "123"


def test_metrics_are_nan_where_they_do_not_apply():
    """A row without the needed columns gets NaN, not 0."""
    records = pd.DataFrame({"target_logprob": [-1.0, np.nan], "target_tokens": [1, np.nan]})
    assert np.isnan(compute(records, "target_logprob")[1])
    assert applicable(records) == ["target_logprob", "target_logprob_per_token",
                                   "target_prob_per_token", "sequence_prob"]


def test_unknown_metric_says_did_you_mean():
    """Misspelled names get the closest registered name."""
    with pytest.raises(EmergenceError, match="Did you mean 'exact_match'"):
        get_metric("exact_mach")
    with pytest.raises(EmergenceError, match="must be one of char, word"):
        MetricOptions(tokens="bpe")


def test_aggregate_metric_kinds():
    """Aggregate names from other tools get kinds: acc discontinuous, ppl nonlinear (DESIGN.md)."""
    assert resolve_kind("acc") == ("discontinuous", True)
    assert resolve_kind("acc,none") == ("discontinuous", True)
    assert resolve_kind("ppl") == ("nonlinear", False)
    assert resolve_kind("bits_per_byte") == ("smooth", False)
    assert resolve_kind("bleu") is None


def test_value_ranges_of_metrics():
    """issue 17 item 4, measured: a negative ppl and acc 5.1-5.9 were accepted; every metric whose
    values are bounded says so (accuracies in [0, 1], perplexities > 0, Brier in [0, 2])."""
    assert str(value_range("acc")) == str(value_range("acc,none")) == "[0, 1]"
    assert str(value_range("exact_match")) == str(value_range("target_prob_per_token")) == "[0, 1]"
    assert str(value_range("ppl")) == "> 0" and str(value_range("word_perplexity")) == "> 0"
    assert str(value_range("brier_score")) == "[0, 2]"
    assert str(value_range("target_logprob")) == "<= 0"
    assert str(value_range("token_edit_distance")) == ">= 0"
    assert value_range("log_ppl") is None  # the log of a perplexity in (0, 1) is negative
    assert value_range("bleu") is None
    assert value_range("ppl").contains(np.array([-40.0, 0.0, 1e-9, 3.5])).tolist() == [False, False,
                                                                                      True, True]
    assert UNIT.contains(np.array([5.1, 5.9, 1.0, 0.0])).tolist() == [False, False, True, True]


def test_value_range_stderr_bounds():
    """Popoviciu: a mean of values in [0, 1] has a standard error <= 0.5; Bhatia-Davis: at most
    sqrt(m (1 - m)) at mean m (0.3 at m = 0.1, reached by 0/1 values)."""
    assert UNIT.max_stderr == 0.5 and ValueRange(0.0).max_stderr == math.inf
    np.testing.assert_allclose(UNIT.stderr_at([0.1, 0.5, 0.0]), [0.3, 0.5, 0.0])
    values = np.array([0, 0, 0, 1, 1, 0, 1, 0, 0, 0], dtype=float)  # a 0/1 accuracy reaches the bound
    stderr = values.std(ddof=1) / math.sqrt(len(values))
    assert stderr <= UNIT.stderr_at(values.mean()) / math.sqrt(len(values) - 1) + 1e-12


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_computed_values_lie_in_the_metric_range(name):
    """Every registered metric's values on mixed rows lie in its declared range."""
    records = pd.concat([_choices(), pd.DataFrame({
        "prediction": ["12", "13", "", "abc"], "target": ["12", "12", "1", "abd"],
        "target_logprob": [-0.1, -3.0, -30.0, 0.0], "target_tokens": [1, 2, 3, 1]})], axis=1)
    values = compute(records, name)
    assert REGISTRY[name].values.contains(values).all(), (name, values)
