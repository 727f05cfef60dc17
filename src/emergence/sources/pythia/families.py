"""Pythia model sizes, batch sizes and names, and the families that keep runs apart."""

from __future__ import annotations

import re

from emergence.scale import parse_scale

#: Total parameters (with embeddings) of each Pythia size, as in the tidy CSV: computed from the
#: architecture table of the Pythia README, L*(12d^2+13d)+2d + 2*vocab*d (vocab 50304; 50688 for 12b).
#: Matches ../shared/data/pythia/README.md (70m = 70,426,624; 12b = 11,846,072,320).
PYTHIA_PARAMS: dict[str, float] = {
    "70m": 70_426_624, "160m": 162_322_944, "410m": 405_334_016, "1b": 1_011_781_632,
    "1.4b": 1_414_647_808, "2.8b": 2_775_208_960, "6.9b": 6_856_253_440, "12b": 11_846_072_320,
}

#: Tokens per optimizer step by variant (Pythia README; the batch-size ablations accordingly).
BATCH_TOKENS: dict[str, int] = {
    "standard": 2_097_152, "bf16": 2_097_152, "intervention": 2_097_152, "intervention-long": 2_097_152,
    "1MtokBS": 1_048_576, "0.5MtokBS": 524_288, "0.25MtokBS": 262_144,
}

#: Pythia v0 sizes that ran 71,500 steps of 4,194,304 tokens (the tidy CSV's README infers this from
#: the largest step in the files); the other v0 sizes used 2,097,152 tokens per step.
V0_LARGE_BATCH = frozenset({"160m", "410m", "1.4b"})

#: Training tokens of the baseline families, whose CSV rows give none: OPT 180B (Zhang et al. 2022,
#: "OPT: Open Pre-trained Transformer Language Models", Sec. 2.3) and BLOOM 366B (BigScience 2022,
#: "BLOOM: A 176B-Parameter Open-Access Multilingual Language Model", Sec. 3.5).
BASELINE_TOKENS: dict[str, float] = {"opt": 180e9, "bloom": 366e9}

#: Evaluation groups of the Pythia evals/ folders (the raw JSON takes its group from the folder).
EVAL_GROUPS = ("zero-shot", "five-shot", "baseline", "intervention")
_PLAIN_VARIANTS = ("", "standard", "v0", "final", "nan", "<NA>", "None")

#: Most shots a run may have: a larger number is taken for a damaged file (the Pythia evals use 0
#: and 5).
MAX_SHOTS = 10_000


def shots_of(value: object) -> int | None:
    """A number of shots, given as a number or as text (``5``, ``"5"``, ``"5.0"``): a whole number
    from 0 to :data:`MAX_SHOTS`, else None (NaN, infinity, 2.5, -1, words, lists).

    Examples
    --------
    >>> shots_of("5"), shots_of(0), shots_of("Infinity"), shots_of(2.5)
    (5, 0, None, None)
    """
    if isinstance(value, bool):
        return None
    try:
        number = float(value.strip()) if isinstance(value, str) else value
        if not isinstance(number, int | float) or not 0 <= number <= MAX_SHOTS:
            return None
    except (ValueError, OverflowError):
        return None
    return int(number) if float(number).is_integer() else None


#: Why the bf16 run of pythia-1b shares the ``pythia`` curve (said once per file that holds it).
BF16_NOTE = (
    "pythia-1b of Pythia v1 was evaluated as its bf16 run (EleutherAI/pythia-v1.1-1b-bf16), the suite's "
    "only non-deduped 1B (../shared/data/pythia/README.md: 'there is no plain pythia-1b folder'); it is "
    "put in the 'pythia' families with the other 7 sizes, its precision the only difference"
)


def family_name(suite: str, deduped: bool, variant: str = "standard", eval_group: str = "zero-shot",
                num_fewshot: int = 0) -> str:
    """The family of a Pythia (or baseline) run: what may share one scaling curve.

    Parameters
    ----------
    suite : {"pythia-v1", "pythia-v0", "opt", "bloom"}
    deduped : bool
        Trained on the deduplicated Pile.
    variant : str
        ``standard`` (or ``v0``/``final``), or an ablation: ``bf16``, ``1MtokBS``, ``0.5MtokBS``,
        ``0.25MtokBS``, ``intervention``, ``intervention-long``.
    eval_group : str
        ``zero-shot``, ``five-shot``, ``baseline`` or ``intervention``.
    num_fewshot : int

    Returns
    -------
    str
        E.g. ``"pythia"``, ``"pythia-deduped"``, ``"pythia-deduped-5-shot"``, ``"pythia-1MtokBS-5-shot"``,
        ``"pythia-deduped-baseline"``, ``"pythia-v0-deduped"``, ``"opt"``.

    Examples
    --------
    >>> family_name("pythia-v1", True, "standard", "five-shot", 5)
    'pythia-deduped-5-shot'
    >>> family_name("pythia-v1", False, "bf16")  # the suite's only non-deduped 1B: see BF16_NOTE
    'pythia'
    """
    base = {"pythia-v1": "pythia", "pythia-v0": "pythia-v0"}.get(suite, suite)
    if deduped is True:
        base += "-deduped"
    variant = str(variant)
    if variant == "bf16" and suite == "pythia-v1" and deduped is not True:
        variant = "standard"
    if variant not in _PLAIN_VARIANTS:
        base += f"-{variant}"
    if eval_group not in ("zero-shot", "five-shot", "") and eval_group not in variant:
        base += f"-{eval_group}"
    if num_fewshot and int(num_fewshot) > 0:
        base += f"-{int(num_fewshot)}-shot"
    return base


def size_params(size: str) -> float:
    """Parameters of a size label: the exact Pythia total, else the nominal size ("1b1" = 1.1e9)."""
    if size in PYTHIA_PARAMS:
        return float(PYTHIA_PARAMS[size])
    match = re.fullmatch(r"(\d+)([kmbt])(\d+)", size.strip(), re.IGNORECASE)  # BLOOM's 1b1, 7b1
    if match:
        size = f"{match.group(1)}.{match.group(3)}{match.group(2)}"
    return parse_scale(size)


def parse_pythia_name(repo: str) -> dict:
    """Suite, size, deduplication and variant from a Pythia model name.

    Parameters
    ----------
    repo : str
        A Hugging Face repository such as ``EleutherAI/pythia-v1.1-1.4b-deduped``,
        ``EleutherAI/pythia-v1.1-1b-0.5MtokBS``, ``EleutherAI/intervention-pythia-v1.1-1.4b-deduped-long``
        or ``EleutherAI/pythia-410m-v0``.

    Returns
    -------
    dict
        ``suite`` ("pythia-v1" or "pythia-v0"), ``size`` ("1.4b"), ``deduped`` (bool), ``variant``,
        ``model`` (canonical name, e.g. ``"pythia-1.4b-deduped"``); None if the name is not Pythia's.

    Examples
    --------
    >>> parse_pythia_name("EleutherAI/pythia-v1.1-1.4b-deduped")["model"]
    'pythia-1.4b-deduped'
    """
    name = repo.rstrip("/").split("/")[-1]
    intervention = name.startswith("intervention-")
    name = name.removeprefix("intervention-")
    match = re.fullmatch(r"pythia-(v1\.1-)?(\d+(?:\.\d+)?[mb])((?:-[\w.]+)*)", name, re.IGNORECASE)
    if match is None:
        return None
    size = match.group(2).lower()
    words = [w for w in match.group(3).split("-") if w]
    deduped = "deduped" in words
    suite = "pythia-v0" if "v0" in words else "pythia-v1"
    rest = [w for w in words if w not in ("deduped", "v0")]
    if intervention:
        variant = "-".join(["intervention", *rest])
    else:
        variant = "-".join(rest) or ("v0" if suite == "pythia-v0" else "standard")
    model = f"pythia-{size}" + ("-deduped" if deduped else "")
    return {"suite": suite, "size": size, "deduped": deduped, "variant": variant, "model": model}

