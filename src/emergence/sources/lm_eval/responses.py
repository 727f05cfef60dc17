"""One sample of an lm-eval log: its requests, responses, kind and target."""

from __future__ import annotations

import re
from typing import Any


def _responses(item: dict) -> list:
    """The filtered responses of a sample, one per request."""
    if "filtered_resps" in item:
        responses = item["filtered_resps"]
    else:
        responses = [r[0] if isinstance(r, list) and r else r for r in item.get("resps") or []]
    return responses if isinstance(responses, list) else [responses]


def _continuations(item: dict) -> list:
    """The second argument of each request (continuation text, or generation settings)."""
    arguments = item.get("arguments")
    if isinstance(arguments, dict):  # 0.4.3+: {"gen_args_0": {"arg_0": ..., "arg_1": ...}}
        arguments = [a.get("arg_1") if isinstance(a, dict) else None for a in arguments.values()]
        return arguments
    if isinstance(arguments, list):  # 0.4.0-0.4.2: [[context, continuation], ...]
        return [a[1] if isinstance(a, list) and len(a) > 1 else None for a in arguments]
    return []


_TRUE = {"true": True, "false": False}
_FAMILY_OF_KIND = {"choice": "loglikelihood", "loglikelihood": "loglikelihood", "rolling": "rolling",
                   "generate": "generate"}
_KIND_WORDS = {"choice": "[log-likelihood, is_greedy] pairs", "loglikelihood": "[log-likelihood, is_greedy] "
               "pairs", "rolling": "rolling log-likelihoods", "generate": "generated text"}


def _pair(value: Any) -> tuple[float, bool] | None:
    """A log-likelihood response ``[logprob, is_greedy]`` (strings since 0.4.3) as (float, bool)."""
    if not isinstance(value, list | tuple) or len(value) != 2:
        return None
    logprob, greedy = value
    if isinstance(greedy, str):
        greedy = _TRUE.get(greedy.strip().lower())
    if not isinstance(greedy, bool):
        return None
    try:
        return float(logprob), greedy
    except (TypeError, ValueError):
        return None


def _kind_of(item: dict) -> str:
    responses = _responses(item)
    if responses and all(_pair(r) is not None for r in responses):
        return "choice" if len(responses) > 1 else "loglikelihood"
    arguments = item.get("arguments")
    if isinstance(arguments, dict):  # rolling requests have a context only: no "arg_1"
        single = all(isinstance(a, dict) and "arg_1" not in a for a in arguments.values())
    else:
        single = isinstance(arguments, list) and all(isinstance(a, list) and len(a) == 1 for a in arguments)
    return "rolling" if single and arguments else "generate"


def _gold(item: dict, loc: str) -> tuple[Any, str | None]:
    target = item.get("target")
    if isinstance(target, bool):
        return None, f"'target' {target!r} is not a choice index"
    if isinstance(target, int):
        return target, None
    if isinstance(target, list) and target and all(isinstance(t, int) and not isinstance(t, bool)
                                                   for t in target):
        return (target if len(target) > 1 else target[0]), None
    if isinstance(target, str):
        choices = [c.strip() if isinstance(c, str) else c for c in _continuations(item)]
        if re.fullmatch(r"\s*\d+\s*", target) and int(target) < max(len(choices), len(_responses(item))):
            return int(target), None  # the index, as lm-eval >= 0.4.3 logs it ("1")
        if target.strip() in choices:  # the text of the gold choice
            return choices.index(target.strip()), None
    return None, f"'target' {target!r} is neither a choice index nor the text of one of the choices"


def _generation_target(item: dict) -> tuple[str | None, str | None]:
    """The reference answer of a ``generate_until`` sample as text (the first one when the log gives a
    list), and None; or None and the problem when the sample has none."""
    if item.get("target") is None:
        return None, (
            "the generate_until sample has no 'target' (the reference answer lm-eval compares the "
            "generation with, which every sample of its logs holds); export the log again with "
            "lm_eval --log_samples, or remove this sample"
        )
    first = item["target"]
    while isinstance(first, list) and first:
        first = first[0]
    if first is None or isinstance(first, dict | list):
        return None, (
            f"'target' {item['target']!r:.60} ({type(item['target']).__name__}) is not a reference answer; "
            "lm-eval logs it as text or a list of texts"
        )
    return str(first), None


def _text(value: Any) -> str | None:
    while isinstance(value, list):
        value = value[0] if value else None
    return None if value is None else str(value)
