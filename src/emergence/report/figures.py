"""The figures of a report: one PNG per task (at most ``max_task_figures``), the overview and the
emergence-score plot, drawn in memory (here, or by ``jobs`` processes: :mod:`~emergence.report.pool`)
and written with the folder."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from emergence.errors import EmergenceWarning
from emergence.jobs import check_jobs
from emergence.memory import frozen_gc


def slug(*parts: str) -> str:
    """A file-name-safe name: ``slug("toy", "a/b c")`` -> ``"toy--a-b-c"``.

    Different names can give one slug (``a/b`` and ``a-b``); :func:`figure_name` adds a hash.
    """
    cleaned = ["".join(c if c.isalnum() or c in "._" else "-" for c in str(p)).strip("-") for p in parts]
    return "--".join(cleaned)


#: Most bytes (UTF-8) of the readable part of a figure file name. File systems limit a name to 255
#: bytes, not characters: 80 four-byte letters would already take 320 (issue 17, item 5).
SLUG_BYTES = 80


def figure_name(family: str, task: str) -> str:
    """The file name of a per-task figure: readable slug plus a short hash of the exact names.

    The hash keeps two tasks whose names differ only in punctuation (``a/b``, ``a-b``) apart, and
    two long names that share their first :data:`SLUG_BYTES` bytes. The slug is cut to
    :data:`SLUG_BYTES` bytes of UTF-8 at a character boundary, so a name is at most 98 bytes
    whatever the script of the task name.
    """
    digest = hashlib.sha1(f"{family}\0{task}".encode("utf-8", "surrogatepass")).hexdigest()[:8]
    readable = slug(family, task).encode("utf-8")[:SLUG_BYTES].decode("utf-8", errors="ignore")
    return f"task-{readable}-{digest}.png"


#: File name of the one-glance summary figure, shown first in the report.
SUMMARY = "summary.png"


def overview_name(verdict: str, page: int = 1) -> str:
    """The file name of one overview page: ``overview-no-emergence.png``, ``overview-emergent-2.png``."""
    return f"overview-{slug(verdict)}{f'-{page}' if page > 1 else ''}.png"


#: Resolution and palette of report figures. 96 dpi and 128 colours made a 53-task report 4.7 MB
#: (issue 15 asks under 3 MB for 40 tasks); 80 dpi and 64 colours keep 7-pt text legible and
#: take 30% off (line art quantizes without visible loss).
DPI, COLOURS = 80, 64

#: Text settings of report figures: glyphs unhinted. Matplotlib 3.11 renders each glyph on its own,
#: and hinting made text the largest cost of a figure (a task figure took 0.25-0.29 CPU-s hinted
#: against 0.22-0.23 unhinted, an overview page 0.73-0.81 against 0.61-0.64; issue 13). At 80 dpi
#: the unhinted text is a little softer and as legible.
TEXT = {"text.hinting": "none"}


def render(fig, *, light_ticks: bool = True):
    """The figure's pixels at :data:`DPI`, as an RGB :class:`PIL.Image.Image` (what ``savefig`` would
    write, without encoding a PNG only to decode it again).

    Drawn on an Agg canvas of its own: the layout engine runs once, in the draw (``savefig`` adds a
    second, unrendered draw before it), so the pixels are those of ``savefig(dpi=DPI)`` with the
    report's text settings (:data:`TEXT`). The canvas keeps text sizes, layouts and glyph bitmaps
    for the next figures (:class:`~emergence.report.canvas.TextCanvas`): the same pixels. The major
    ticks but those at each axis's ends are drawn by one artist per axis
    (:func:`~emergence.plots.major_ticks.light_major_ticks`): the same pixels, in a fifth less time; the
    figure is not meant to be drawn again after. ``light_ticks=False`` draws them
    as matplotlib does (``analyses/bench_figures.py`` times both).
    """
    import matplotlib as mpl
    from PIL import Image

    from emergence.plots.major_ticks import light_major_ticks
    from emergence.report.canvas import TextCanvas

    for side in ("facecolor", "edgecolor"):  # what savefig paints the background with
        colour = mpl.rcParams[f"savefig.{side}"]
        if not (isinstance(colour, str) and colour == "auto"):
            getattr(fig, f"set_{side}")(colour)
    fig.set_dpi(DPI)
    canvas = TextCanvas(fig)
    if light_ticks:
        light_major_ticks(fig)
    with mpl.rc_context(TEXT):  # text is measured and drawn in the draw (a renderer of its own)
        canvas.draw()
    return Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0,
                            1).convert("RGB")


def encode(image) -> bytes:
    """An RGB image as a compact PNG: a :data:`COLOURS`-colour palette (fast octree, no dithering),
    deflated at level 8 (level 9 took 35 ms a figure against 14 ms, for 2% fewer bytes).

    The octree palette took 21 ms a figure against 44 ms for median cut, made the files 9% smaller,
    and left fewer pixels far from their colour (504 against 4,496 off by more than 24 of 255 in a
    task figure; issue 13, ``analyses/bench_figures.py``)."""
    from PIL import Image

    small = io.BytesIO()
    image.quantize(colors=COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(
        small, format="PNG", compress_level=8)
    return small.getvalue()


def _png(fig) -> bytes:
    """The figure as a compact PNG (:data:`DPI`, a :data:`COLOURS`-colour palette)."""
    return encode(render(fig))


@dataclass(frozen=True)
class Figures:
    """The figures of a report: file name under ``figures/`` -> (caption, PNG bytes).

    ``task_images`` maps (family, task) to its file name; ``left_out`` counts per-task figures not
    drawn because of the cap; ``failed`` lists (figure, error) of figures that could not be drawn.
    """

    images: dict[str, tuple[str, bytes]]
    task_images: dict[tuple[str, str], str]
    left_out: int = 0
    failed: tuple[tuple[str, str], ...] = ()
    skipped: bool = False  # figures were not asked for (``--no-figures``)


def draw_figures(analysis, *, max_task_figures: int = 60, progress=None, jobs: int = 1) -> Figures:
    """Draw the summary, the overview (one page per verdict and 12 tasks), the emergence-score
    distribution and one figure per (family, task).

    Tasks with a verdict come first (grouped by the task's verdict, in the order of
    :data:`emergence.plots.VERDICT_ORDER`), then tasks with no discontinuous/smooth pair (their
    metrics against scale). A figure that fails to draw is left out with a warning and listed in
    ``failed``; the rest of the report is still written.

    Parameters
    ----------
    analysis : Analysis
    max_task_figures : int
        At most this many per-task figures; the rest are counted in ``left_out``.
    progress : callable, optional
        Called as ``progress(done, total)``: with 0 once the figures are planned, then after each.
    jobs : int
        Processes drawing the figures (matplotlib is not thread-safe): 1 draws them here, one after
        another, and starts no process; more draw here and in ``jobs - 1`` started processes
        (:mod:`~emergence.report.pool`). The figures are the same bytes at any ``jobs``: each
        process draws with this one's matplotlib settings.
    """
    check_jobs(jobs)
    context, plan, left_out = _plan(analysis, max_task_figures)
    if plan:
        _import_drawing()
    # what exists now (the run's tables, matplotlib's modules) is left out of the cycle collector's
    # passes while the figures make and drop their objects, here and in the processes forked to draw:
    # a pass went over all of it at each of a few thousand artists, 0.15-0.36 s a pass (issue 13)
    with frozen_gc():
        if progress is not None and plan:
            progress(0, len(plan))
        drawn: list = [None] * len(plan)
        if jobs > 1 and len(plan) > 1:
            from emergence.report.pool import draw_in_processes

            drawn = draw_in_processes(_worker_context(context), plan, jobs=jobs, progress=progress,
                                      draw_here=lambda i: draw_one(context, plan[i].kind, plan[i].args))
            if None in drawn:
                warnings.warn(f"a process drawing the figures died; {drawn.count(None)} figure(s) are "
                              "drawn in this process instead", EmergenceWarning, stacklevel=2)
        count = len(plan) - drawn.count(None)
        for i, figure in enumerate(plan):
            if drawn[i] is None:
                drawn[i] = draw_one(context, figure.kind, figure.args)
                count += 1
                if progress is not None:
                    progress(count, len(plan))
    images: dict[str, tuple[str, bytes]] = {}
    task_images: dict[tuple[str, str], str] = {}
    failed: list[tuple[str, str]] = []
    for figure, (png, error) in zip(plan, drawn, strict=True):
        if error is not None:
            failed.append((figure.name, error))
            warnings.warn(f"figure {figure.name} could not be drawn and is left out: {error}",
                          EmergenceWarning, stacklevel=2)
            continue
        images[figure.name] = (figure.caption, png)
        if figure.kind == "task":
            task_images[figure.args] = figure.name
    return Figures(images, task_images, left_out, tuple(failed))


def _import_drawing() -> None:
    """Import what drawing a figure imports (matplotlib, seaborn, Pillow), before the collector is
    frozen and processes are forked: a forked process starts with them loaded."""
    import matplotlib.backends.backend_agg  # noqa: F401
    import seaborn  # noqa: F401
    from PIL import Image  # noqa: F401


@dataclass(frozen=True)
class Planned:
    """One figure to draw: its file name, caption, kind (``summary``, ``overview``, ``scores``,
    ``task``) and what :func:`draw_one` needs besides the run's tables."""

    name: str
    caption: str
    kind: str
    args: tuple = ()


def _plan(analysis, max_task_figures: int) -> tuple[dict, list[Planned], int]:
    """The tables the figures are drawn from, the figures in the report's order, and how many task
    figures the cap left out."""
    from emergence import plots

    scores, curves, verdicts = analysis.scores, analysis.curves, analysis.verdicts
    tasks = tasks_of(analysis)
    rank = {v: i for i, v in enumerate(plots.VERDICT_ORDER)}
    keys: list[tuple[str, str]] = []
    if not tasks.empty:
        best = tasks.assign(_r=tasks["verdict"].map(rank).fillna(9)).groupby(["family", "task"])["_r"].min()
        keys = sorted(best.index, key=lambda k: (best[k], k))
    if not scores.empty:
        # the distinct names first, then as text: every row's names as text took 0.3 s at 200k scores
        names = scores[["family", "task"]].drop_duplicates()
        keys += sorted(set(zip(names["family"].astype(str), names["task"].astype(str), strict=True))
                       - set(keys))
    shown, left_out = keys[:max_task_figures], max(0, len(keys) - max_task_figures)
    threshold = float(analysis.settings.get("jump_threshold", 0.4))
    context = {"scores": scores, "curves": curves, "verdicts": verdicts, "tasks": tasks,
               "x": analysis.settings.get("x"), "level": float(analysis.settings.get("level", 0.95)),
               "threshold": threshold, "pairs": analysis.pairs or None}
    plan = []
    if not tasks.empty and tasks["jump_discontinuous"].notna().any():
        plan.append(Planned(
            SUMMARY,
            "One point per task: the jump effect J of the discontinuous metric D against that of its "
            "smooth partner S where D jumps, with 95% intervals, coloured by the task's verdict. "
            f"Right of the dashed line D jumps (J above {threshold:g}); below the dotted line S does "
            "not: mirage; above it: emergent; left: no emergence. Grey points are inconclusive. A hollow "
            "point is a task decided by the exact match its sequence probability predicts (D's own "
            "test unclear), drawn at the prediction's J.", "summary"))
    if not verdicts.empty:
        for verdict, page, panels in plots.overview_pages(tasks if not tasks.empty else verdicts):
            plan.append(Planned(
                overview_name(verdict, page),
                f"{verdict.capitalize()} tasks{f' (page {page})' if page > 1 else ''}: the discontinuous "
                "metric (orange) and its primary smooth partner (blue) of each, each on its reported "
                "scale rescaled to 0..1 (0 = worst, 1 = best of the curve); the title gives the task's "
                "verdict and the discontinuous metric's jump effect J.", "overview",
                (verdict, page, tuple(panels))))
    if not curves.empty and plots.emergence_score_data(curves)["plotted"].notna().any():
        # at least one curve with a score to draw (not a single-scale run)
        plan.append(Planned(
            "emergence_scores.png",
            "Emergence scores per metric across all curves, each metric as reported (the form of "
            "Schaeffer et al. 2023, Fig. 5); ringed: the denominator was floored at the noise of a "
            "step; the dashed line is the score of a straight line at these scales.", "scores"))
    plan += [Planned(figure_name(family, task), f"{family} / {task}", "task", (family, task))
             for family, task in shown]
    return context, plan, left_out


def _worker_context(context: dict) -> dict:
    """The tables a drawing process needs: the scores without their per-example arrays."""
    scores = context["scores"]
    return {**context, "scores": scores.drop(columns=[c for c in ("per_example",) if c in scores])}


def draw_one(context: dict, kind: str, args: tuple) -> tuple[bytes | None, str | None]:
    """Draw one figure of :func:`_plan` as a compact PNG: ``(png, None)``, or ``(None, error)`` when
    it cannot be drawn (the error's type and first line)."""
    from emergence import plots

    tasks = context["tasks"]
    try:
        if kind == "summary":
            fig = _summary(context)
        elif kind == "overview":
            verdict, page, panels = args
            pairs = tasks if not tasks.empty else context["verdicts"]
            fig = plots.plot_overview(
                _rows_of(context, "scores", panels), verdicts=pairs, x=context["x"],
                panels=list(panels), title=f"Overview, {verdict}{f' (page {page})' if page > 1 else ''}: "
                                          "discontinuous D (orange) vs smooth S (blue) metric per task")
        elif kind == "scores":
            fig = plots.plot_emergence_scores(context["curves"]).figure
        else:
            family, task = args
            mine = _task_tables(context, family, task)
            fig = plots.plot_task(mine["scores"], family=family, task=task, x=context["x"],
                                  curves=mine["curves"], verdicts=mine["verdicts"],
                                  tasks=mine["tasks"] if not tasks.empty else None, pairs=context["pairs"],
                                  level=context["level"])
        return _png(fig), None
    except Exception as error:
        return None, f"{type(error).__name__}: {error}".splitlines()[0]


def _summary(context: dict):
    """The summary figure, on the canvas and at the resolution it is rendered with: it measures its
    point labels on the laid-out figure to leave out those that would overlap, and measured at
    matplotlib's default 100 dpi, without the text cache, for a figure drawn at :data:`DPI`."""
    import matplotlib as mpl
    from matplotlib.figure import Figure

    from emergence.plots.layout import PanelLayout
    from emergence.plots.summary import FIGSIZE, plot_summary
    from emergence.report.canvas import TextCanvas

    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout=PanelLayout())
    TextCanvas(fig)
    with mpl.rc_context(TEXT):
        plot_summary(context["tasks"], threshold=context["threshold"], ax=fig.subplots(),
                     verdicts=context["verdicts"])
    return fig


def _task_tables(context: dict, family: str, task: str) -> dict[str, pd.DataFrame]:
    """The rows of one (family, task) in each of the run's tables, for its figure.

    The rows of every task are found once per process, with one grouping of each table, and kept in
    ``context``: selecting them by comparing the whole scores table's names, for each panel, took a
    tenth of a task figure's time at 100 tasks (issue 13).
    """
    return {name: _rows_of(context, name, [(family, task)])
            for name in ("scores", "curves", "verdicts", "tasks")}


def _rows_of(context: dict, name: str, keys) -> pd.DataFrame:
    """The rows of the (family, task) ``keys`` in the run's table ``name``, in the table's order (the
    whole table when it has no such columns)."""
    rows = context.setdefault("_rows", {})
    if name not in rows:
        rows[name] = _rows_by_task(context[name])
    if rows[name] is None:
        return context[name]
    found = [rows[name][tuple(key)] for key in keys if tuple(key) in rows[name]]
    return context[name].iloc[np.sort(np.concatenate(found)) if found else np.arange(0)]


def _rows_by_task(table: pd.DataFrame) -> dict | None:
    """Row positions of each (family, task) of ``table``, by their names as text (None: the table has no
    such columns, and is used whole)."""
    if table is None or not {"family", "task"} <= set(table.columns):
        return None
    names = [table[c].astype(str).to_numpy() for c in ("family", "task")]
    return pd.Series(np.arange(len(table))).groupby(names, sort=False).indices if len(table) else {}


def tasks_of(analysis) -> pd.DataFrame:
    """``analysis.tasks`` (an empty task table for an object without one)."""
    tasks = getattr(analysis, "tasks", None)
    return tasks if tasks is not None else pd.DataFrame(columns=["family", "task", "verdict"])
