"""The decision: one verdict per metric pair, and one per (family, task) from a declared rule.

For a discontinuous metric D and a smooth partner S of one task, on the models both curves have:

1. *Enough data?* Fewer than ``min_scales`` models, or fewer than ``min_examples`` examples, or no
   uncertainty for D or S: ``inconclusive``. One model's checkpoints are a training curve, not a
   family of sizes: ``inconclusive`` whatever they show (they say nothing about emergence with scale).
2. *Does D jump?* D's jump effect J_D (:mod:`emergence.stats.jumps`: the share of D's range that one
   place carries beyond what the smooth null allows) with its interval [lo, hi] against the
   threshold ``jump``: **jump** when lo > jump and the Benjamini-Hochberg q-value of
   ``H0: J_D <= jump`` is below ``alpha``; **no jump** when hi < jump; otherwise unclear. No jump:
   ``no emergence``. Unclear: ``inconclusive``, unless D is what S predicts (below). D and S are
   measured with the same statistic, so two identical curves can never make a mirage.
3. *Does S jump where D jumps?* S's effect over the windows that share a gap with D's jump window:
   **jump** (same rule, its own q-value): ``emergent``: the jump survives the change of metric.
   Unclear: ``inconclusive``.
4. *Mirage?* S is shown smooth at D's place and everywhere else (the high end of its largest
   effect's interval is below the threshold; no multiplicity correction enters, so the safeguard does
   not weaken as a run holds more tasks: a smooth curve whose own test finds, or may find, a jump
   never supports ``mirage``), and, for exact match, the curve that
   S's per-example values predict through the metric's nonlinearity (the mean sequence probability,
   expected exact match) does not clearly lack D's jump: ``mirage``. Otherwise ``inconclusive``, with
   the reason.
5. *D is what S predicts.* Exact match is 0/1 per example, so its own J is noisy (sd ~0.1 at 2,000
   examples when it rises to a few percent); the exact match that S's sequence probability predicts
   is a mean of probabilities and far less noisy. When D's own test is unclear but the predicted
   exact match jumps at D's place (same rule: interval above the threshold, its own BH q-value
   below alpha), D's interval holds the predicted J, and D agrees with the prediction in level at
   every model (paired, Bonferroni; agreement in J alone let a D at 2.5 times the predicted level
   through, as J is relative to each curve's range), the jump of
   the *expected* D is established through S, and S decides as in 3 and 4: ``emergent`` when S
   jumps there, ``mirage`` when S is shown smooth there and everywhere, else ``inconclusive``. This
   is the issue's definition of a mirage taken literally: D is what the smooth quantity predicts
   through the metric's nonlinearity.

Per task (:func:`task_verdict`): each D is judged with its *primary* partner (the first of its
partners the data has, in the order of the pairs); the other partners support. The rule is
asymmetric, as the burden of proof is: ``mirage`` needs every partner smooth where D jumps, so a
supporting partner that finds ``emergent`` turns a primary ``mirage`` into ``inconclusive``
("partners disagree"); ``emergent`` needs the primary partner (the per-token probability that exact
match's nonlinearity acts on) to jump, and a supporting partner that does not see the jump is named
in the reason. Several D metrics in one task: their decided verdicts must agree, else
``inconclusive``; ``no emergence`` of one D and a jump of another leave the jump's verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

VERDICTS = ("emergent", "mirage", "no emergence", "inconclusive")


@dataclass(frozen=True)
class Thresholds:
    """Decision settings of the verdicts.

    Parameters
    ----------
    jump : float
        A curve jumps when the lower end of its jump effect's interval exceeds this share of its
        range (and the test of ``effect <= jump`` rejects); it is smooth when the upper end is
        below. Chosen on the development grid of ``analyses/validate_verdicts.py``.
    alpha : float
        Level of the Benjamini-Hochberg q-values.
    min_scales : int
        Fewer models than this on a pair's common scales: inconclusive.
    min_examples : int
        Fewer examples per model than this: inconclusive.
    level : float
        Coverage of the intervals.
    """

    jump: float = 0.4
    alpha: float = 0.05
    min_scales: int = 5
    min_examples: int = 50
    level: float = 0.95


def jump_state(effect, lo, hi, q, threshold: float, alpha: float) -> str:
    """``jump``, ``smooth`` or ``unclear`` for one effect; ``untested`` without an interval."""
    if not np.isfinite(effect) or not np.isfinite(lo) or not np.isfinite(hi):
        return "untested"
    if lo > threshold and q < alpha:
        return "jump"
    if hi < threshold:
        return "smooth"
    return "unclear"


def _f(v) -> str:
    """Two decimals, ``nan`` where missing; never ``-0.00`` (a J of -0.001 reads as 0.00)."""
    return "nan" if v != v else unsigned_zero(f"{v:.2f}")


def unsigned_zero(text: str) -> str:
    """``"-0.00"`` -> ``"0.00"``: a value that rounds to zero shows no sign."""
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def interval_text(value, lo, hi) -> str:
    """``"0.68 [0.61, 0.74]"``: an effect with its interval, two decimals, ``nan`` where missing."""
    return f"{_f(value)} [{_f(lo)}, {_f(hi)}]"


def _effect(row, prefix: str) -> str:
    return interval_text(row[prefix], row[prefix + "_lo"], row[prefix + "_hi"])


def pair_verdict(row: dict, th: Thresholds) -> tuple[str, str]:
    """The verdict of one pair row (see the module docstring) and its reason."""
    note = row.get("note") or ""
    prefix = note + ("; " if note else "")
    if row["training"]:
        return "inconclusive", prefix + ("one model's checkpoints: a training curve, not a family of "
                                         "sizes, so it cannot show emergence with scale")
    if row["n_scales"] < th.min_scales:
        return "inconclusive", prefix + f"too few scales ({row['n_scales']} < {th.min_scales})"
    if row["per_example"] and row["n_examples"] is not None and row["n_examples"] < th.min_examples:
        return "inconclusive", prefix + f"too few examples ({row['n_examples']} < {th.min_examples})"
    if not row["per_example"]:
        prefix += "no per-example data: intervals from reported standard errors, not paired; "
    d = row["state_discontinuous"]
    j = th.jump
    if d == "untested":
        point = _f(row["jump_discontinuous"])
        return "inconclusive", prefix + (
            f"no uncertainty: the scores of {row['discontinuous']} carry no standard errors and no "
            "per-example data (score files such as BIG-bench's have none), so its J = "
            f"{point} is a point estimate, and no interval is made up for it")
    jd = _effect(row, "jump_discontinuous")
    if d == "smooth":
        noise = (f" (it changes by {_f(row['range_discontinuous'])}, within its noise)"
                 if row["discontinuous_within_noise"] else "")
        return "no emergence", prefix + f"{row['discontinuous']} does not jump: J = {jd} < {j:g}{noise}"
    where = f"between {row['jump_from']} and {row['jump_to']}"
    if decided_by_prediction(row):
        return _as_predicted(row, th, prefix, where)
    if d == "unclear" and row["jump_discontinuous_lo"] > j:
        return "inconclusive", prefix + (f"{row['discontinuous']}'s jump J = {jd} is above {j:g} but not "
                                         f"significant after Benjamini-Hochberg "
                                         f"(q = {row['q_discontinuous']:.3f})")
    if d == "unclear":
        return "inconclusive", prefix + (f"{row['discontinuous']}'s jump J = {jd} straddles {j:g}"
                                         + (f" (q = {row['q_discontinuous']:.3f})"
                                            if row["q_discontinuous"] == row["q_discontinuous"] else ""))
    s = row["state_smooth"]
    js = _effect(row, "jump_smooth")
    if s == "untested":
        return "inconclusive", prefix + (f"{row['discontinuous']} jumps {where} (J = {jd}); "
                                         f"no uncertainty for {row['smooth']}")
    if s == "jump":
        return "emergent", prefix + (f"{row['discontinuous']} jumps {where} (J = {jd}) and so does "
                                     f"{row['smooth']} (J = {js} > {j:g})")
    if s == "unclear":
        above = row["jump_smooth_lo"] > j
        return "inconclusive", prefix + (f"{row['discontinuous']} jumps {where} (J = {jd}); "
                                         f"{row['smooth']}'s J = {js} there "
                                         + (f"is above {j:g} but not significant (q = {row['q_smooth']:.3f})"
                                            if above else f"straddles {j:g}"))
    if not row["jump_smooth_anywhere_hi"] < j:  # S must be shown smooth everywhere, not just untested
        verb = "jumps" if row["jump_smooth_anywhere_lo"] > j else "may jump"
        return "inconclusive", prefix + (f"{row['smooth']} is smooth where {row['discontinuous']} jumps "
                                         f"but {verb} elsewhere (J = {_effect(row, 'jump_smooth_anywhere')})")
    if row["state_predicted"] == "smooth":
        return "inconclusive", prefix + (f"{row['discontinuous']} jumps {where} (J = {jd}) but the exact "
                                         f"match predicted from {row['predictor']} does not "
                                         f"(J = {_effect(row, 'jump_predicted')}): the nonlinearity of the "
                                         "metric does not explain the jump")
    return "mirage", prefix + (f"{row['discontinuous']} jumps {where} (J = {jd}) but {row['smooth']} "
                               f"does not (J = {js} < {j:g})")


def decided_by_prediction(row) -> bool:
    """Whether rule 5 decides a pair row: D's own test is unclear and the exact match S predicts
    stands in for it (:func:`_predicted_jump`). The summary figure places such a task at the
    prediction's J."""
    row = dict(row)
    return (row.get("state_discontinuous") == "unclear" and not row.get("training", False)
            and _predicted_jump(row))


def _predicted_jump(row: dict) -> bool:
    """D is what S predicts, and the prediction jumps: the expected D established by S.

    The predicted exact match (the mean sequence probability, E[exact match] when the answer's
    tokens are drawn from the model) jumps at D's place by the same rule as any curve (interval
    above the threshold, BH q below alpha); D's interval holds the predicted J; and D agrees with
    the prediction in level at every model (``predicted_agrees``,
    :func:`emergence.stats.pairs.agrees_in_level`): D's expected curve is then the prediction's, and
    D's own estimate (which may fall under the threshold by noise) does not decide.
    """
    if row.get("state_predicted") != "jump" or not row.get("predicted_agrees", False):
        return False
    return row["jump_discontinuous_lo"] <= row["jump_predicted"] <= row["jump_discontinuous_hi"]


def _as_predicted(row: dict, th: Thresholds, prefix: str, where: str) -> tuple[str, str]:
    """Verdict when D's own test lacks the power but the exact match S predicts jumps: S decides."""
    j = th.jump
    jd, jp = _effect(row, "jump_discontinuous"), _effect(row, "jump_predicted")
    seen = (f"{row['discontinuous']}'s J = {jd} is what {row['predictor']} predicts, and the "
            f"prediction jumps {where} (J = {jp}, q = {row['q_predicted']:.3f})")
    js = _effect(row, "jump_smooth")
    if row["state_smooth"] == "jump":
        return "emergent", prefix + f"{seen}; {row['smooth']} jumps there too (J = {js} > {j:g})"
    if row["state_smooth"] == "smooth" and row["jump_smooth_anywhere_hi"] < j:
        return "mirage", prefix + f"{seen}; {row['smooth']} does not jump (J = {js} < {j:g}, nor elsewhere)"
    return "inconclusive", prefix + (f"{seen}, but {row['smooth']} is not shown smooth "
                                     f"(J = {_effect(row, 'jump_smooth_anywhere')} at most)")


def task_verdict(rows: list[dict]) -> tuple[str, str, dict]:
    """One verdict for a (family, task) from its pair rows (each with ``verdict``, ``role``).

    Returns
    -------
    (verdict, reason, primary)
        ``primary`` is the pair row whose numbers the task table shows.
    """
    by_d: dict[str, list[dict]] = {}
    for row in rows:
        by_d.setdefault(row["discontinuous"], []).append(row)
    per_d = []
    for d_rows in by_d.values():
        primary = next(r for r in d_rows if r["role"] == "primary")
        verdict, reason = primary["verdict"], primary["reason"]
        others = [r for r in d_rows if r is not primary and r["verdict"] in ("emergent", "mirage")]
        clash = [r for r in others if verdict in ("emergent", "mirage") and r["verdict"] != verdict]
        names = ", ".join(f"{r['smooth']}: {r['verdict']}" for r in clash)
        if clash and verdict == "mirage":  # a partner that jumps never lets mirage stand
            verdict, reason = "inconclusive", (f"partners disagree: {primary['smooth']}: "
                                               f"{primary['verdict']}; {names}")
        elif clash:  # emergent: the primary partner jumps; the others are shown, not counted
            reason = f"{reason} (not seen by {names})"
        agree = sum(r["verdict"] == primary["verdict"] for r in d_rows)
        per_d.append((verdict, reason, primary, f"{agree}/{len(d_rows)}"))
    decided = {v for v, *_ in per_d if v != "inconclusive"}
    jumps = decided - {"no emergence"}
    if len(jumps) > 1:
        names = "; ".join(f"{p['discontinuous']}: {v}" for v, _, p, _ in per_d)
        first = per_d[0][2] | {"agreement": per_d[0][3]}
        return "inconclusive", f"discontinuous metrics disagree ({names})", first
    for wanted in ("emergent", "mirage", "no emergence"):
        for verdict, reason, primary, agreement in per_d:
            if verdict == wanted and (wanted in jumps or not jumps):
                return verdict, reason, primary | {"agreement": agreement}
    verdict, reason, primary, agreement = per_d[0]
    return verdict, reason, primary | {"agreement": agreement}
