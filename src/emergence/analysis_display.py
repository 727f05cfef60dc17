"""How an :class:`~emergence.analysis.Analysis` shows itself: the per-task lines of the terminal and of
``str()``, and the HTML of a notebook cell (the summary figure, then the task table)."""

from __future__ import annotations

import pandas as pd

from emergence.stats.decide import VERDICTS, interval_text

#: The background of each verdict's badge (those of report.html).
_BADGE = {"emergent": "#fde0c5", "mirage": "#cfe3f6", "no emergence": "#dff0d8", "inconclusive": "#eee"}


def _few(names: list[str], n: int) -> str:
    """The first ``n`` names, then how many more."""
    return ", ".join(names[:n]) + (f" and {len(names) - n} more" if len(names) > n else "")


def _repr_safe(text: str) -> str:
    """``text`` with control characters of names shown as escapes (``repr`` is printed raw)."""
    from emergence.report.safe import terminal_lines

    return terminal_lines(text)


def _summary_img(tasks: pd.DataFrame, settings: dict, verdicts: pd.DataFrame | None = None) -> str:
    """The one-glance summary figure (:func:`emergence.plots.summary.summary_png`) as an inline
    ``<img>``; nothing when no task has a J, or when it cannot be drawn (the table still shows)."""
    if tasks.empty or not tasks["jump_discontinuous"].notna().any():
        return ""
    import base64

    from emergence.plots.summary import summary_png

    try:
        png = summary_png(tasks, threshold=float(settings.get("jump_threshold", 0.4)), verdicts=verdicts)
    except Exception:  # a figure is a courtesy here: the table is the answer
        return ""
    return ('<img alt="jump of D against jump of S per task, coloured by verdict" style="max-width:560px" '
            f'src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">')


def _tasks_html(tasks: pd.DataFrame, settings: dict) -> str:
    """The per-task table as an HTML fragment: a verdict badge, family, task, pair, J of D and S, reason.

    Every name is escaped (and its control characters shown), so a task named ``<script>`` is text.
    """
    from html import escape

    from emergence.report.safe import terminal_text

    def e(value) -> str:
        return escape(terminal_text(str(value)))

    if tasks.empty:
        return "<p>Analysis: no discontinuous/smooth metric pair to judge.</p>"
    counts = tasks["verdict"].value_counts()
    cell = 'style="padding:2px 8px;text-align:left;vertical-align:top"'
    head = ["verdict", "family", "task", "pair (D → S)", "J of D [CI]", "J of S [CI]", "reason"]
    parts = ["<div><p><b>Analysis</b>: " + ", ".join(
        f"{int(counts.get(v, 0))} {e(v)}" for v in VERDICTS) + " task(s)"
        + (f"; x = {e(settings['x'])}" if settings.get("x") else "") + "</p>",
        "<table><thead><tr>" + "".join(f"<th {cell}>{e(h)}</th>" for h in head) + "</tr></thead><tbody>"]
    order = tasks.assign(_o=tasks["verdict"].map({v: i for i, v in enumerate(VERDICTS)}))
    for row in order.sort_values(["_o", "family", "task"], kind="stable").itertuples():
        colour = _BADGE.get(str(row.verdict), "#eee")
        badge = (f'<span style="background:{colour};padding:0 6px;border-radius:8px;white-space:nowrap">'
                 f"{e(row.verdict)}</span>")
        jd = interval_text(row.jump_discontinuous, row.jump_discontinuous_lo, row.jump_discontinuous_hi)
        js = interval_text(row.jump_smooth, row.jump_smooth_lo, row.jump_smooth_hi)
        values = [e(row.family), e(row.task), f"{e(row.discontinuous)} → {e(row.smooth)}", e(jd), e(js),
                  e(row.reason)]
        parts.append(f"<tr><td {cell}>{badge}</td>" + "".join(f"<td {cell}>{v}</td>" for v in values)
                     + "</tr>")
    parts.append("</tbody></table>"
                 "<p>More: <code>.summary()</code>, <code>.to_frame('task' | 'pair' | 'curve' | 'score')"
                 "</code></p></div>")
    return "\n".join(parts)


def task_lines(tasks: pd.DataFrame, *, width: int | None = None) -> str:
    """One line per task: family, task, verdict, D's and S's jump effect [95% CI], and the reason.

    With ``width`` (a terminal's columns) every line fits it: the numbers decide a verdict, so the
    last column holds the metric pair, and the reason only for an inconclusive task; what does not
    fit is cut with an ellipsis (the whole reason is in tasks.csv and the report). Without, lines are
    whole (for pipes and files).
    """
    pair = tasks["discontinuous"].astype(str) + " -> " + tasks["smooth"].astype(str)
    wf = max(6, int(tasks["family"].astype(str).str.len().max()))
    wt = max(4, int(tasks["task"].astype(str).str.len().max()))
    wp = max(8, int(pair.str.len().max()))
    order = {"emergent": 0, "mirage": 1, "no emergence": 2, "inconclusive": 3}
    shown = tasks.assign(_o=tasks["verdict"].map(order)).sort_values(["_o", "family", "task"], kind="stable")
    if width is None:
        lines = [f"{'family':<{wf}} {'task':<{wt}} {'verdict':<13} {'metrics':<{wp}} "
                 f"{'jump D [95% CI]':<20} {'jump S [95% CI]':<20} reason"]
    else:  # intervals without the space after the comma, columns as wide as their widest cell
        def tight(row, which: str) -> str:
            return interval_text(getattr(row, f"jump_{which}"), getattr(row, f"jump_{which}_lo"),
                                 getattr(row, f"jump_{which}_hi")).replace(", ", ",")

        cells = [(tight(r, "discontinuous"), tight(r, "smooth")) for r in shown.itertuples()]
        wd = max([len("jump D [CI]"), *(len(d) for d, _ in cells)])
        ws = max([len("jump S [CI]"), *(len(s) for _, s in cells)])
        lines = [f"{'family':<{wf}} {'task':<{wt}} {'verdict':<12} {'jump D [CI]':<{wd}} "
                 f"{'jump S [CI]':<{ws}} metrics D -> S, or why inconclusive"]
    for i, (row, name) in enumerate(zip(shown.itertuples(), pair[shown.index], strict=True)):
        if width is None:
            jd = interval_text(row.jump_discontinuous, row.jump_discontinuous_lo, row.jump_discontinuous_hi)
            js = interval_text(row.jump_smooth, row.jump_smooth_lo, row.jump_smooth_hi)
            lines.append(f"{row.family:<{wf}} {row.task:<{wt}} {row.verdict:<13} {name:<{wp}} "
                         f"{jd:<20} {js:<20} {row.reason}")
        else:
            last = row.reason if row.verdict == "inconclusive" else name
            jd, js = cells[i]
            lines.append(f"{row.family:<{wf}} {row.task:<{wt}} {row.verdict:<12} {jd:<{wd}} {js:<{ws}} "
                         f"{last}")
    if width is not None:
        lines = [line if len(line) <= width else line[: max(1, width - 1)] + "\N{HORIZONTAL ELLIPSIS}"
                 for line in lines]
    return "\n".join(lines)
