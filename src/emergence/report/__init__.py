"""Writing the report folder: CSVs, figures, ``report.md`` and a self-contained ``report.html``.

:func:`write_report` is what ``python -m emergence analyze`` calls. The package is split by concern:
:mod:`~emergence.report.folder` (the folder on disk, written atomically),
:mod:`~emergence.report.figures` (with :mod:`~emergence.report.pool`, drawing them in several
processes), :mod:`~emergence.report.text` (meanings, notes, ``report.md``)
and :mod:`~emergence.report.page` (``report.html``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from emergence.memory import frozen_gc
from emergence.report.figures import Figures, draw_figures, figure_name, slug, tasks_of
from emergence.report.folder import check_out_dir, write_folder
from emergence.report.page import render_html
from emergence.report.safe import write_csv
from emergence.report.text import (
    FILES,
    TASK_RULE,
    VERDICT_MEANINGS,
    InputFile,
    _md,
    input_files,
    interval_source,
    jump_note,
    render_markdown,
)

__all__ = [
    "FILES",
    "TASK_RULE",
    "VERDICT_MEANINGS",
    "Figures",
    "InputFile",
    "_md",
    "check_out_dir",
    "draw_figures",
    "figure_name",
    "input_files",
    "interval_source",
    "jump_note",
    "render_html",
    "render_markdown",
    "slug",
    "write_folder",
    "write_report",
]


def _pair_columns_first(verdicts: pd.DataFrame) -> pd.DataFrame:
    """The pair table with :data:`emergence.stats.pairs.PAIR_COLUMNS` first, the working columns after."""
    from emergence.stats.pairs import PAIR_COLUMNS

    first = [c for c in PAIR_COLUMNS if c in verdicts]
    return verdicts[first + [c for c in verdicts.columns if c not in first]]


def write_report(
    analysis,
    out: str | Path,
    *,
    files=(),
    settings: dict | None = None,
    figures: bool = True,
    max_task_figures: int = 60,
    force: bool = False,
    progress=None,
    notes: Sequence[str] = (),
    jobs: int = 1,
    hashed: Sequence | None = None,
) -> Path:
    """Write the report folder of an analysis, atomically.

    The folder holds ``tasks.csv``, ``verdicts.csv``, ``curves.csv``, ``scores.csv`` (see
    :data:`FILES`), ``report.md``, a self-contained ``report.html`` (the tool version at the top, then
    the task table and the metric-pair table, grouped by verdict and sortable, then the settings, the
    input files with their SHA-256, and the figures embedded) and ``figures/*.png``.

    Parameters
    ----------
    analysis : Analysis
        What :func:`emergence.analyze` returned.
    out : path
        The folder to write (refused when it exists and is not empty, unless ``force``; always
        refused when it holds or lies inside an input, see :func:`check_out_dir`).
    files : sequence of path
        The input files, listed with their size and SHA-256.
    settings : dict, optional
        Extra settings to show (the analysis's own settings are always shown).
    figures : bool
        Draw figures (``False``: CSVs and text only, faster).
    max_task_figures : int
        At most this many per-task figures.
    force : bool
        Replace an existing non-empty folder.
    progress : callable, optional
        ``progress(done, total)`` while drawing figures.
    notes : sequence of str
        The run's warnings (a loader's choice of filter, copies of a metric dropped, checkpoints
        left out...), listed under "Warnings" in report.html and report.md.
    jobs : int
        Processes drawing the figures (see :func:`draw_figures`): 1 starts none; the files are the
        same bytes at any ``jobs``.
    hashed : sequence of InputFile, optional
        :func:`~emergence.report.text.input_files` of ``files``, when the caller made it already
        (the command line hashes the files while they are read); used only when it lists the same
        paths in the same order.

    Returns
    -------
    Path
        ``out``.
    """
    import datetime

    check_out_dir(out, force=force, inputs=files)
    # the analysis and its records live to the end: the collector's full passes leave them out. They
    # went over all of them, in this process and in each forked one drawing figures, at a third of a
    # second a pass when matplotlib's objects set them off (four passes in each, on the 2.4M set)
    with frozen_gc():
        settings = {"written": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                    **analysis.settings, **(settings or {})}
        given = [str(f) for f in files]
        inputs = (list(hashed) if hashed is not None and [i.path for i in hashed] == given
                  else input_files(files))
        drawn = draw_figures(analysis, max_task_figures=max_task_figures, progress=progress, jobs=jobs) \
            if figures else Figures({}, {}, 0, skipped=True)
        scores = analysis.scores.drop(columns=[c for c in ("per_example",) if c in analysis.scores])
        tasks = tasks_of(analysis)
        writers: dict[str, Callable[[Path], None]] = {
            # text cells a spreadsheet would run as a formula get a leading apostrophe (report.safe)
            "tasks.csv": lambda path: write_csv(tasks, path),
            "verdicts.csv": lambda path: write_csv(_pair_columns_first(analysis.verdicts), path),
            "scores.csv": lambda path: write_csv(scores, path),
            "curves.csv": lambda path: write_csv(analysis.curves, path),
            "report.md": lambda path: path.write_text(
                render_markdown(analysis, settings=settings, inputs=inputs, figures=drawn, notes=notes),
                encoding="utf-8"),
            "report.html": lambda path: path.write_text(
                render_html(analysis, settings=settings, inputs=inputs, figures=drawn, notes=notes),
                encoding="utf-8"),
        }
        for name, (_, png) in drawn.images.items():
            writers[f"figures/{name}"] = lambda path, png=png: path.write_bytes(png)
        return write_folder(out, writers, force=force, inputs=files)
