"""Aggregate metrics that other tools report (lm-evaluation-harness, BIG-bench, HELM): their kinds
and directions."""

from __future__ import annotations

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

