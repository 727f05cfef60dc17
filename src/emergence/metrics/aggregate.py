"""Aggregate metrics that other tools report (lm-evaluation-harness, BIG-bench, HELM): their kinds,
directions and ranges."""

from __future__ import annotations

from emergence.metrics.values import BRIER, NONNEGATIVE, NONPOSITIVE, POSITIVE, UNIT, ValueRange

#: Kind and direction of aggregate metrics that other tools report (lm-evaluation-harness,
#: BIG-bench, HELM). Perplexities are exponential in the mean log-loss: nonlinear.
AGGREGATE_KINDS: dict[str, tuple[str, bool]] = {
    "acc": ("discontinuous", True),
    "acc_norm": ("discontinuous", True),
    "exact_str_match": ("discontinuous", True),
    "em": ("discontinuous", True),
    "quasi_exact_match": ("discontinuous", True),
    "ppl": ("nonlinear", False),
    "perplexity": ("nonlinear", False),
    "word_perplexity": ("nonlinear", False),
    "byte_perplexity": ("nonlinear", False),
    "log_ppl": ("smooth", False),
    "log_word_perplexity": ("smooth", False),
    "log_byte_perplexity": ("smooth", False),
    "bits_per_byte": ("smooth", False),
    "log_likelihood": ("smooth", True),
    "loglikelihood": ("smooth", True),
    "calibration_multiple_choice_brier_score": ("smooth", False),
}


#: Values of aggregate metrics: accuracies are proportions, perplexities positive, bits per byte
#: >= 0, log-likelihoods <= 0. The log-perplexities are only required to be finite (the log of a
#: perplexity in (0, 1) is negative); so is every metric not listed here.
AGGREGATE_RANGES: dict[str, ValueRange] = {
    "acc": UNIT,
    "acc_norm": UNIT,
    "exact_str_match": UNIT,
    "em": UNIT,
    "quasi_exact_match": UNIT,
    "ppl": POSITIVE,
    "perplexity": POSITIVE,
    "word_perplexity": POSITIVE,
    "byte_perplexity": POSITIVE,
    "bits_per_byte": NONNEGATIVE,
    "log_likelihood": NONPOSITIVE,
    "loglikelihood": NONPOSITIVE,
    "calibration_multiple_choice_brier_score": BRIER,
}
