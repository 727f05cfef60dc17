"""What ``analyze`` prints: the text report (a header, one line per task, the legend) and the JSON.

Kept apart from :mod:`emergence.cli` (the commands); the JSON written by ``--format json`` is
described in the README, "Command line".
"""

from __future__ import annotations

import math

__all__ = ["json_payload", "json_rows", "text_report"]


def json_payload(result, settings: dict) -> dict:
    """The object ``--format json`` prints: ``settings``, ``tasks``, ``verdicts`` and ``curves``.

    Parameters
    ----------
    result : Analysis
    settings : dict
        The run's settings (inputs, command, the analysis's settings, ``out``).

    Returns
    -------
    dict
        Ready for ``json.dumps(..., allow_nan=False)``: every number a JSON number or null.
    """
    return {"settings": {key: _json_value(value) for key, value in settings.items()},
            "tasks": json_rows(result.tasks), "verdicts": json_rows(result.verdicts),
            "curves": json_rows(result.curves)}


def _json_value(value):
    """A JSON-ready value: numpy scalars as Python ones, NaN and infinities as None."""
    import numpy as np

    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str) and value == "":  # an empty place (jump_from where D has no jump)
        return None
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def json_rows(table) -> list[dict]:
    """Rows as JSON objects: numbers as JSON numbers, NaN (and any non-finite number) as null.

    The analysis has no infinite values (the emergence score's denominator is floored); a non-finite
    number would not be valid JSON, so it is written as null rather than as a string.
    """
    rows = table.astype(object).where(table.notna(), None).to_dict(orient="records")
    return [{key: _json_value(value) for key, value in row.items()} for row in rows]


def text_report(result, settings: dict, *, verbose: bool = False, width: int | None = None) -> str:
    """What ``analyze`` prints: a header, one line per task grouped by verdict, the totals, where the
    report is. ``verbose`` adds every metric's curve per task before the task lines. ``width`` (a
    terminal's columns) wraps the header and cuts the task lines to fit it
    (:func:`emergence.analysis.task_lines`)."""
    import textwrap

    from emergence import __version__
    from emergence.analysis import task_lines
    from emergence.plots import VERDICT_ORDER
    from emergence.report import jump_note

    curves, tasks = result.curves, result.tasks
    read = ", ".join(f"{settings[key]:,} {label}" for key, label in
                     (("records", "records"), ("score_rows", "score rows")) if settings.get(key) is not None)
    n_tasks = curves.groupby(["family", "task"]).ngroups if len(curves) else 0
    n_families = curves["family"].nunique() if len(curves) else 0
    head = (f"emergence {__version__}: {_count(len(settings['files']), 'file')}, {read}, "
            f"{_count(n_families, 'family', 'families')}, {n_tasks} (family, task) pairs; "
            f"x = {settings['x']}; {settings['bootstrap']} bootstrap replicates, seed {settings['seed']}")
    if width is None:
        legend = jump_note(result, settings) + (" D: the discontinuous metric; S: its primary smooth "
                                                "partner (its J where D jumps).")
    else:  # a terminal: the rule in one sentence; the whole note is in the report
        level = float(settings.get("level", 0.95))
        legend = (f"J: jump effect (-1..1) with its {level:.0%} interval; a curve jumps when the low end "
                  f"exceeds {settings.get('jump_threshold', 0.4):g} and q < {settings.get('alpha', 0.05):g}. "
                  "D: discontinuous metric, S: its smooth partner where D jumps.")
    lines = [head, *textwrap.wrap(legend, min(120, width or 120)), ""]
    if verbose:
        lines += _curve_lines(result, settings["x"])
    if tasks.empty:
        lines.append(str(result.summary()))
    else:
        lines.append(task_lines(tasks, width=width))
    lines.append("")
    if len(tasks):
        counts = tasks["verdict"].value_counts()
        lines.append("tasks: " + ", ".join(f"{int(counts.get(v, 0))} {v}" for v in VERDICT_ORDER))
    else:
        lines.append("tasks: none judged")
    unjudged = n_tasks - len(tasks)
    if unjudged:
        lines.append(f"({unjudged} (family, task) pair(s) without a discontinuous/smooth metric pair are "
                     "not judged; their curves are in curves.csv"
                     + (")" if verbose else " and --verbose prints them)"))
    figures = "" if settings.get("no_figures") else "figures/, "
    if width is None:
        lines.append(f"wrote {settings['out']}/report.html (open it in a browser), report.md, {figures}"
                     "tasks.csv, verdicts.csv, curves.csv and scores.csv")
    else:
        lines.append(f"report: {settings['out']}/report.html (with report.md, {figures}and the CSVs)")
    lines.append(f"intervals: {result.settings.get('uncertainty', 'unknown')}")
    if width is None:
        return "\n".join(lines)
    # on a terminal every line fits: the task lines are cut already, the other text is wrapped
    return "\n".join(part for line in lines for part in (textwrap.wrap(line, width) if "\n" not in line
                                                          else [line]) or [""])


def _count(n: int, one: str, many: str | None = None) -> str:
    """``"1 family"``, ``"4 families"``."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _curve_lines(result, x: str) -> list[str]:
    """``--verbose``: per (family, task), every metric's ends, jump effect J and emergence score."""
    import textwrap

    from emergence.plots import jump_text
    from emergence.scale import format_scale

    def shown(value) -> str:  # FLOPs in one form (886T -> 2.13e+22 mixed two); a loss as a number
        return f"{value:.3g}" if x in ("compute", "loss") else format_scale(value)

    curves, scores, tasks = result.curves, result.scores, result.tasks
    level = float(result.settings.get("level", 0.95))
    verdict = {(r.family, r.task): r.verdict for r in tasks.itertuples()} if len(tasks) else {}
    header = (f"{'metric':<26} {'kind':<13} {'smallest':>10} {'largest':>10}  "
              f"{f'J [{level:.0%} CI]; state':<34} ES [{level:.0%} CI]")
    lines = []
    for (family, task), group in curves.groupby(["family", "task"], sort=True):
        first = group.iloc[0]
        part = scores[(scores["family"] == family) & (scores["task"] == task)]
        low, high = part[x].min(), part[x].max()
        examples = "" if first["n_examples"] is None or first["n_examples"] != first["n_examples"] \
            else f", {int(first['n_examples'])} examples"
        judged = f"; {verdict[(family, task)]}" if (family, task) in verdict else "; not judged"
        lines.append(f"{family} / {task}  ({_count(int(first['n_scales']), 'scale')}, {x} {shown(low)} -> "
                     f"{shown(high)}{examples}; straight line ES = "
                     f"{_num(first['straight_line_es'], 1)}{judged})")
        lines.append("  " + header)
        order = group.assign(_k=group["kind"].map({"discontinuous": 0, "nonlinear": 1}).fillna(2))
        for _, row in order.sort_values(["_k", "metric"]).iterrows():
            values = part[part["metric"] == row["metric"]].sort_values(x)["value"]
            kind = row["kind"] if isinstance(row["kind"], str) else "?"
            jump = jump_text(row["jump"], row["jump_lo"], row["jump_hi"], row["sharp"])[4:]
            es = (f"{_num(row['emergence_score'], 1)} [{_num(row['emergence_score_lo'], 1)}, "
                  f"{_num(row['emergence_score_hi'], 1)}]" + ("*" if row.get("es_floored") is True
                                                               or row.get("es_floored") == 1 else ""))
            lines.append(f"  {row['metric']:<26} {kind:<13} {_num(values.iloc[0]):>10} "
                         f"{_num(values.iloc[-1]):>10}  {jump:<34} {es}")
        lines.append("")
    if len(curves):
        t, a = result.settings.get("jump_threshold", 0.4), result.settings.get("alpha", 0.05)
        lines += textwrap.wrap(
            f"J: the curve's largest jump effect over all its windows, with its state against the "
            f"threshold {t:g}: jump (interval above {t:g}, significant at alpha {a:g} after "
            f"Benjamini-Hochberg), smooth (interval below {t:g}), unclear (in between: the interval "
            f"straddles {t:g}, or is above it without being significant), untested (no interval: the "
            "input gives no per-example data, standard errors or seeds for this curve, so its J is "
            "not tested and cannot decide a verdict);", 100)
        lines.append("ES: BIG-bench emergence score, reported for comparison; * its denominator was floored "
                     "at the noise of a step.")
        lines.append("")
    return lines


def _num(value, digits: int = 3) -> str:
    if value != value:  # NaN
        return "nan"
    if value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    if digits == 1:
        return f"{value:.1f}"
    return f"{value:.4g}"
