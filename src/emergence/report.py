"""Writing the report folder: CSVs, figures, ``report.md`` and a self-contained ``report.html``.

Everything is written into a temporary folder beside the destination and renamed into place, so an
interrupted run leaves no half-written report, and an existing non-empty folder is replaced only
when asked (``force=True``). :func:`write_report` is what ``python -m emergence analyze`` calls.
"""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from emergence.errors import EmergenceError, EmergenceWarning


def check_out_dir(out: str | Path, *, force: bool = False) -> Path:
    """Fail early if ``out`` exists, is not empty, and ``force`` is not set.

    Raises
    ------
    EmergenceError
        Naming the folder and how to proceed.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise EmergenceError(f"--out {out}: exists and is not a folder; choose another path")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise EmergenceError(
            f"--out {out}: the folder exists and is not empty; choose another --out or add --force "
            "to replace it"
        )
    return out


def write_folder(out: str | Path, writers: dict[str, Callable[[Path], None]], *,
                 force: bool = False) -> Path:
    """Write a folder of files atomically.

    Parameters
    ----------
    out : path
        The folder to create (or replace, with ``force``).
    writers : dict
        File name (may contain ``/``) -> function that writes that file to the path it is given.
    force : bool
        Replace an existing non-empty folder.

    Returns
    -------
    Path
        ``out``.
    """
    out = check_out_dir(out, force=force)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name, write in writers.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            write(path)
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old-{staging.name.rsplit('.', 1)[-1]}")
            out.rename(old)
        staging.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


# --------------------------------------------------------------------------------------------------
# The report: CSVs, figures, report.md and a self-contained report.html
# --------------------------------------------------------------------------------------------------

#: What each verdict means, for the reader of a report (the rules of :mod:`emergence.stats.decide`).
VERDICT_MEANINGS = {
    "emergent": "the discontinuous metric D jumps (the low end of its jump effect's interval exceeds the "
                "threshold and its q-value is below α) and the smooth metric S jumps at the same place "
                "too: the jump survives the change of metric",
    "mirage": "D jumps, but S is shown smooth where D jumps and everywhere else (the high ends of its "
              "intervals are below the threshold), and for exact match the exact match predicted from "
              "the sequence probability does not clearly lack D's jump: D's nonlinearity explains it",
    "no emergence": "D does not jump (the high end of its interval is below the threshold)",
    "inconclusive": "too few scales or examples, a training curve rather than a family of sizes, no "
                    "uncertainty, an interval straddling the threshold, S jumping or possibly jumping "
                    "elsewhere, or partners disagreeing (the reason says which)",
}

#: How one verdict per task is reached from its metric pairs (:func:`emergence.stats.decide.task_verdict`).
TASK_RULE = ("Each task is judged on its primary pair (each discontinuous metric with the first of its "
             "smooth partners the data has); the other partners support. A supporting partner that "
             "finds emergent turns a primary mirage into inconclusive; a primary emergent stands and "
             "names the partners that did not see the jump; discontinuous metrics that reach emergent "
             "and mirage make the task inconclusive.")


@dataclass(frozen=True)
class InputFile:
    """One input of a run: its path, size in bytes and SHA-256 (None for a Hub dataset)."""

    path: str
    size: int | None
    sha256: str | None


def input_files(files) -> list[InputFile]:
    """Size and SHA-256 of every input file (``hf://`` datasets are listed without)."""
    out = []
    for f in files:
        path = Path(f)
        if str(f).startswith("hf://") or not path.is_file():
            out.append(InputFile(str(f), None, None))
            continue
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        out.append(InputFile(str(f), path.stat().st_size, digest.hexdigest()))
    return out


def slug(*parts: str) -> str:
    """A file-name-safe name: ``slug("toy", "a/b c")`` -> ``"toy--a-b-c"``.

    Different names can give one slug (``a/b`` and ``a-b``); :func:`figure_name` adds a hash.
    """
    cleaned = ["".join(c if c.isalnum() or c in "._" else "-" for c in str(p)).strip("-") for p in parts]
    return "--".join(cleaned)


def figure_name(family: str, task: str) -> str:
    """The file name of a per-task figure: readable slug plus a short hash of the exact names.

    The hash keeps two tasks whose names differ only in punctuation (``a/b``, ``a-b``) apart.
    """
    digest = hashlib.sha1(f"{family}\0{task}".encode()).hexdigest()[:8]
    return f"task-{slug(family, task)[:80]}-{digest}.png"


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


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


def draw_figures(analysis, *, max_task_figures: int = 60, progress=None) -> Figures:
    """Draw the overview, the emergence-score distribution and one figure per (family, task).

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
        Called as ``progress(done, total)`` after each figure.
    """
    from emergence import plots

    scores, curves, verdicts = analysis.scores, analysis.curves, analysis.verdicts
    tasks = _tasks_of(analysis)
    x = analysis.settings.get("x")
    level = float(analysis.settings.get("level", 0.95))
    rank = {v: i for i, v in enumerate(plots.VERDICT_ORDER)}
    keys: list[tuple[str, str]] = []
    if not tasks.empty:
        best = tasks.assign(_r=tasks["verdict"].map(rank).fillna(9)).groupby(["family", "task"])["_r"].min()
        keys = sorted(best.index, key=lambda k: (best[k], k))
    if not scores.empty:
        judged = set(keys)
        keys += sorted(k for k in dict.fromkeys(zip(scores["family"].astype(str), scores["task"].astype(str),
                                                    strict=True)) if k not in judged)
    shown, left_out = keys[:max_task_figures], max(0, len(keys) - max_task_figures)
    scored = not curves.empty and plots.emergence_score_data(curves)["plotted"].notna().any()
    total = int(not verdicts.empty) + int(scored) + len(shown)
    images: dict[str, tuple[str, bytes]] = {}
    task_images: dict[tuple[str, str], str] = {}
    failed: list[tuple[str, str]] = []
    count = 0

    def attempt(name: str, caption: str, draw) -> bool:
        nonlocal count
        count += 1
        try:
            images[name] = (caption, _png(draw()))
        except Exception as error:
            failed.append((name, f"{type(error).__name__}: {error}".splitlines()[0]))
            warnings.warn(f"figure {name} could not be drawn and is left out: {failed[-1][1]}",
                          EmergenceWarning, stacklevel=3)
            return False
        finally:
            if progress is not None:
                progress(count, total)
        return True

    if not verdicts.empty:
        attempt("overview.png",
                "Every judged (family, task): the discontinuous metric (orange) and its primary smooth "
                "partner (blue), each on its reported scale rescaled to 0..1 (0 = worst, 1 = best of the "
                "curve); the title gives the task's verdict and the discontinuous metric's jump effect J.",
                lambda: plots.plot_overview(scores, verdicts=tasks if not tasks.empty else verdicts, x=x))
    if scored:  # at least one curve with a score to draw (not a single-scale run)
        attempt("emergence_scores.png",
                "Emergence scores per metric across all curves, each metric as reported (the form of "
                "Schaeffer et al. 2023, Fig. 5); ringed: the denominator was floored at the noise of a "
                "step; the dashed line is the score of a straight line at these scales.",
                lambda: plots.plot_emergence_scores(curves).figure)
    for family, task in shown:
        name = figure_name(family, task)
        if attempt(name, f"{family} / {task}",
                   lambda f=family, t=task: plots.plot_task(
                       scores, family=f, task=t, x=x, curves=curves, verdicts=verdicts,
                       tasks=tasks if not tasks.empty else None, pairs=analysis.pairs or None,
                       level=level)):
            task_images[(family, task)] = name
    return Figures(images, task_images, left_out, tuple(failed))


def _fmt(value, digits: int = 1) -> str:
    if value is None or value != value:
        return "–"
    if value in (float("inf"), float("-inf")):
        return "∞" if value > 0 else "-∞"
    return f"{value:.{digits}f}"


def _ci(value, lo, hi, digits: int = 1) -> str:
    return f"{_fmt(value, digits)} [{_fmt(lo, digits)}, {_fmt(hi, digits)}]"


def _jump(value, lo, hi) -> str:
    """A jump effect with its interval, two decimals: ``0.68 [0.61, 0.74]``."""
    return _ci(value, lo, hi, 2)


def _es(value, lo, hi, floored: bool = False) -> str:
    """An emergence score with its interval; ``*`` where its denominator was floored."""
    return _ci(value, lo, hi) + ("*" if floored else "")


def _q(value) -> str:
    if value is None or value != value:
        return "–"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _tasks_of(analysis) -> pd.DataFrame:
    """``analysis.tasks`` (an empty task table for an object without one)."""
    tasks = getattr(analysis, "tasks", None)
    return tasks if tasks is not None else pd.DataFrame(columns=["family", "task", "verdict"])


def _by_verdict(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows grouped by verdict in the order of :data:`emergence.plots.VERDICT_ORDER`, then ``keys``."""
    from emergence.plots import VERDICT_ORDER

    rank = {v: i for i, v in enumerate(VERDICT_ORDER)}
    return table.assign(_r=table["verdict"].map(rank).fillna(9)).sort_values(
        ["_r", *keys], kind="stable").drop(columns="_r")


def _task_rows(tasks: pd.DataFrame) -> pd.DataFrame:
    return _by_verdict(tasks, ["family", "task"])


def _verdict_rows(verdicts: pd.DataFrame) -> pd.DataFrame:
    """Pair rows grouped by verdict; within a task each discontinuous metric's primary pair first."""
    role = verdicts["role"].ne("primary").astype(int) if "role" in verdicts else 0
    return _by_verdict(verdicts.assign(_role=role), ["family", "task", "discontinuous", "_role"]) \
        .drop(columns="_role")


def _floored(analysis) -> set[tuple[str, str, str, int]]:
    """(family, task, metric, n_scales) of the curves whose emergence score's denominator was floored.

    A pair's scores are on the models both of its curves have; the mark applies where those are the
    curve's own models (same number of scales).
    """
    curves = analysis.curves
    if curves.empty or "es_floored" not in curves:
        return set()
    marked = curves[curves["es_floored"].fillna(False).astype(bool)]
    return set(zip(marked["family"], marked["task"], marked["metric"], marked["n_scales"].astype(int),
                   strict=True))


def interval_source(analysis) -> str:
    """Where the run's bootstrap intervals come from: per-example records or reported stderrs."""
    scores = analysis.scores
    flags = scores["per_example"].fillna(False).astype(bool) if "per_example" in scores else None
    bootstrap, stderr = "a paired bootstrap over examples", "normal draws from the reported standard errors"
    if flags is None or not flags.any():
        return stderr
    return bootstrap if flags.all() else f"{bootstrap} (records) and {stderr} (aggregate scores)"


def jump_note(analysis, settings: dict) -> str:
    """How to read the jump effects: what J is, the run's interval level and source, and the rule.

    Used by the report and by ``python -m emergence analyze``.
    """
    level = float(settings.get("level", 0.95))
    threshold, alpha = settings.get("jump_threshold"), settings.get("alpha")
    rule = ""
    if threshold is not None and alpha is not None:
        rule = (f" A curve jumps when the low end of its interval exceeds {threshold:g} and its "
                f"Benjamini-Hochberg q-value is below {alpha:g}; it is smooth when the high end is "
                f"below {threshold:g}.")
    return (f"J: jump effect, the share of a curve's range that one place (1-2 gaps between "
            f"neighbouring models, or up to a decade) gains beyond what its neighbouring slopes allow "
            f"(-1..1), with its "
            f"{level:.0%} interval from {interval_source(analysis)}.{rule}")


def _es_note(analysis, settings: dict) -> str:
    """How to read the tables: the jump effect, the intervals, q and the emergence score."""
    uncertainty = settings.get("uncertainty")
    return (jump_note(analysis, settings)
            + (f" Intervals: {uncertainty}." if uncertainty else "")
            + " D: the discontinuous metric; S: its smooth partner, its J measured where D jumps. "
            "q: Benjamini-Hochberg q-value of the test that the jump effect exceeds the threshold. "
            "ES: BIG-bench emergence score on the pair's models, reported for comparison, not used in "
            "the verdict; * its denominator was floored at the noise of a step.")


def _figure_notes(figures: Figures) -> list[str]:
    notes = []
    if figures.skipped:
        notes.append("Figures were not drawn (--no-figures).")
    if figures.left_out:
        notes.append(f"{figures.left_out} more (family, task) figures were not drawn (limit reached; "
                     "see scores.csv).")
    notes += [f"Figure {name} could not be drawn: {error}" for name, error in figures.failed]
    return notes


def _settings_lines(settings: dict) -> list[tuple[str, str]]:
    keys = [("x", "x-axis (scale)"), ("bootstrap", "bootstrap replicates"), ("seed", "seed"),
            ("level", "interval coverage"), ("uncertainty", "intervals"),
            ("jump_threshold", "jump threshold (share of the curve's range)"), ("alpha", "BH level α"),
            ("min_scales", "fewest scales for a verdict"), ("min_examples", "fewest examples for a verdict"),
            ("records", "records read"), ("score_rows", "score rows read"), ("metrics", "metrics"),
            ("pairs", "pairs"), ("command", "command")]
    return [(label, str(settings[key])) for key, label in keys if settings.get(key) not in (None, "")]


def _counts(table: pd.DataFrame) -> dict[str, int]:
    counts = table["verdict"].value_counts() if len(table) else {}
    return {name: int(counts.get(name, 0)) for name in VERDICT_MEANINGS}


FILES = {
    "tasks.csv": "one row per (family, task): its verdict, primary pair, jump effects with intervals, "
                 "q-values, reason",
    "verdicts.csv": "one row per (family, task, discontinuous, smooth) pair: jump effects, p and q, "
                    "emergence scores, backtest, verdict, reason (then the working columns p_*, state_*, "
                    "*_sd)",
    "curves.csv": "one row per (family, task, metric): emergence score and jump effect with intervals, "
                  "p and q, state (column sharp), backtest",
    "scores.csv": "one row per (family, model, task, metric): value, stderr, n, interval",
}


def render_markdown(analysis, *, settings: dict, inputs: list[InputFile], figures: Figures) -> str:
    """The text of ``report.md`` (figures linked from ``figures/``): the task table first."""
    from emergence import __version__

    v, tasks = analysis.verdicts, _tasks_of(analysis)
    written = f", written {settings['written']}" if settings.get("written") else ""
    out = ["# emergence report", "", f"emergence {__version__}{written}", "", "## Tasks", ""]
    if tasks.empty:
        out.append("No discontinuous/smooth metric pair to judge: see curves.csv.")
    else:
        counts = _counts(tasks)
        out += [f"- **{name}** ({counts[name]} task{'s' * (counts[name] != 1)}): {meaning}"
                for name, meaning in VERDICT_MEANINGS.items()]
        out += ["", _md(TASK_RULE), "", _md(_es_note(analysis, settings)), "",
                "| verdict | family | task | primary pair | J D [CI] | J S [CI] | reason |",
                "|---|---|---|---|---:|---:|---|"]
        for row in _task_rows(tasks).itertuples():
            out.append(
                f"| {row.verdict} | {_md(row.family)} | {_md(row.task)} | "
                f"{_md(row.discontinuous)} → {_md(row.smooth)} | "
                f"{_jump(row.jump_discontinuous, row.jump_discontinuous_lo, row.jump_discontinuous_hi)} | "
                f"{_jump(row.jump_smooth, row.jump_smooth_lo, row.jump_smooth_hi)} | {_md(row.reason)} |")
    if not v.empty:
        floored = _floored(analysis)
        out += ["", "## Metric pairs", "",
                "| verdict | family | task | discontinuous | smooth | role | J D [CI] | q D | J S [CI] | "
                "q S | ES D [CI] | ES S [CI] | reason |",
                "|---|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---|"]
        for row in _verdict_rows(v).itertuples():
            es_d = _es(row.es_discontinuous, row.es_discontinuous_lo, row.es_discontinuous_hi,
                       (row.family, row.task, row.discontinuous, row.n_scales) in floored)
            es_s = _es(row.es_smooth, row.es_smooth_lo, row.es_smooth_hi,
                       (row.family, row.task, row.smooth, row.n_scales) in floored)
            out.append(
                f"| {row.verdict} | {_md(row.family)} | {_md(row.task)} | {_md(row.discontinuous)} | "
                f"{_md(row.smooth)} | {row.role} | "
                f"{_jump(row.jump_discontinuous, row.jump_discontinuous_lo, row.jump_discontinuous_hi)} | "
                f"{_q(row.q_discontinuous)} | "
                f"{_jump(row.jump_smooth, row.jump_smooth_lo, row.jump_smooth_hi)} | "
                f"{_q(row.q_smooth)} | {_md(es_d)} | {_md(es_s)} | {_md(row.reason)} |")
    out += ["", "## Settings", "", "| setting | value |", "|---|---|"]
    out += [f"| {k} | {_md(val)} |" for k, val in _settings_lines(settings)]
    out += ["", "## Inputs", "", "| file | bytes | sha256 |", "|---|---:|---|"]
    out += [f"| {_md(f.path)} | {'' if f.size is None else f'{f.size:,}'} | "
            f"{'' if f.sha256 is None else f'`{f.sha256}`'} |" for f in inputs]
    out += ["", "## Figures", ""]
    for name, (caption, _) in figures.images.items():
        out += [f"![{_md(caption)}](figures/{name})", "", f"*{_md(caption)}*", ""]
    out += [line for note in _figure_notes(figures) for line in (_md(note), "")]
    out += ["## Files", ""] + [f"- `{name}`: {what}" for name, what in FILES.items()] + [""]
    return "\n".join(out)


def _md(text) -> str:
    """Text from the data, shown as written in Markdown (no table breaks, links or raw HTML)."""
    text = str(text).replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for c in "|[]*_`":
        text = text.replace(c, "\\" + c)
    return text.replace("\n", " ")


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1400px;
padding:0 1rem;color:#222;line-height:1.45}
h1{margin-bottom:.2rem}.meta{color:#555;margin-top:0}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.85rem}
.wide{overflow-x:auto}
table#tasks,table#verdicts{width:100%;font-size:.8rem}td.reason{min-width:9rem}
table#tasks td:nth-child(2),table#verdicts td:nth-child(2){white-space:nowrap}
th,td{border-bottom:1px solid #ddd;padding:.3rem .4rem;text-align:left;vertical-align:top}
th{background:#f4f4f4;position:sticky;top:0}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th:after{content:" \\2195";color:#aaa}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code{font-size:.85em;word-break:break-all}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:.7rem;font-size:.8rem;white-space:nowrap}
.v-emergent{background:#fde0c5}.v-mirage{background:#cfe3f6}.v-inconclusive{background:#eee}
.v-no-emergence{background:#dff0d8}
figure{margin:1.5rem 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#444;font-size:.9rem}
"""

_JS = """
(function(){
  var errors=[];
  window.addEventListener('error',function(e){errors.push(String(e.message));
    document.body.setAttribute('data-errors',errors.join(' | '));});
  function key(cell){var s=cell.getAttribute('data-sort');var t=s===null?cell.textContent:s;
    var n=parseFloat(t);return isNaN(n)?t.toLowerCase():n;}
  document.querySelectorAll('table.sortable').forEach(function(table){
    table.querySelectorAll('th').forEach(function(th,i){
      th.addEventListener('click',function(){
        var body=table.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
        var asc=th.getAttribute('data-dir')!=='asc';
        table.querySelectorAll('th').forEach(function(h){h.removeAttribute('data-dir');});
        th.setAttribute('data-dir',asc?'asc':'desc');
        rows.sort(function(a,b){var x=key(a.cells[i]),y=key(b.cells[i]);
          if(typeof x!==typeof y){x=String(x);y=String(y);}
          return (x<y?-1:x>y?1:0)*(asc?1:-1);});
        rows.forEach(function(r){body.appendChild(r);});
      });
    });
  });
  window.addEventListener('load',function(){
    var imgs=document.images,ok=0;
    for(var i=0;i<imgs.length;i++){if(imgs[i].complete&&imgs[i].naturalWidth>0){ok++;}}
    document.body.setAttribute('data-images',imgs.length);
    document.body.setAttribute('data-images-loaded',ok);
  });
})();
"""


def _sort_key(value) -> str:
    if value is None or value != value:
        return ""
    return "1e308" if value == float("inf") else str(value)


def render_html(analysis, *, settings: dict, inputs: list[InputFile], figures: Figures) -> str:
    """The text of ``report.html``: one file, figures embedded as data URIs, no outside resources.

    The task table (``id="tasks"``) comes first, then the metric pairs (``id="verdicts"``), the
    settings, the inputs and the figures.
    """
    from html import escape

    from emergence import __version__

    e = escape
    v, tasks = analysis.verdicts, _tasks_of(analysis)

    def badge(verdict) -> str:
        return f'<span class="badge v-{e(str(verdict).replace(" ", "-"))}">{e(str(verdict))}</span>'

    def task_cell(family, task) -> str:
        image = figures.task_images.get((family, task))
        return f'<a href="#fig-{e(image[:-4])}">{e(str(task))}</a>' if image else e(str(task))

    def num(text: str, key) -> str:
        return f'<td class="num" data-sort="{_sort_key(key)}">{e(text)}</td>'

    def head(table_id: str, names: list[str]) -> str:
        return (f'<div class="wide"><table class="sortable" id="{table_id}"><thead><tr>'
                + "".join(f"<th>{e(h)}</th>" for h in names) + "</tr></thead><tbody>")

    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>emergence report</title>", f"<style>{_CSS}</style></head><body>",
        "<h1>emergence report</h1>",
        f'<p class="meta">emergence {e(__version__)}'
        + (f", written {e(str(settings['written']))}" if settings.get("written") else "") + "</p>",
        "<h2>Tasks</h2>",
    ]
    if tasks.empty:
        parts.append("<p>No discontinuous/smooth metric pair to judge: see curves.csv.</p>")
    else:
        counts = _counts(tasks)
        parts.append("<ul>")
        parts += [f"<li>{badge(name)} <b>{counts[name]}</b>: {e(meaning)}</li>"
                  for name, meaning in VERDICT_MEANINGS.items()]
        parts.append("</ul>")
        parts.append(f"<p>{e(TASK_RULE)}</p>")
        note = e(_es_note(analysis, settings))
        parts.append(f"<p>Grouped by verdict; click a column header to sort. {note}</p>")
        parts.append(head("tasks", ["verdict", "family", "task", "primary pair", "J D [CI]", "J S [CI]",
                                    "reason"]))
        for row in _task_rows(tasks).itertuples():
            parts.append(
                f"<tr><td>{badge(row.verdict)}</td><td>{e(str(row.family))}</td>"
                f"<td>{task_cell(row.family, row.task)}</td>"
                f"<td>{e(str(row.discontinuous))} → {e(str(row.smooth))}</td>"
                + num(_jump(row.jump_discontinuous, row.jump_discontinuous_lo, row.jump_discontinuous_hi),
                      row.jump_discontinuous)
                + num(_jump(row.jump_smooth, row.jump_smooth_lo, row.jump_smooth_hi), row.jump_smooth)
                + f'<td class="reason">{e(str(row.reason))}</td></tr>')
        parts.append("</tbody></table></div>")
    if not v.empty:
        floored = _floored(analysis)
        parts += ["<h2>Metric pairs</h2>",
                  "<p>Every (discontinuous, smooth) pair judged; the primary pair of each task decides, "
                  "the others support.</p>",
                  head("verdicts", ["verdict", "family", "task", "discontinuous", "smooth", "role",
                                    "J D [CI]", "q D", "J S [CI]", "q S", "ES D [CI]", "ES S [CI]",
                                    "reason"])]
        for row in _verdict_rows(v).itertuples():
            es_d = _es(row.es_discontinuous, row.es_discontinuous_lo, row.es_discontinuous_hi,
                       (row.family, row.task, row.discontinuous, row.n_scales) in floored)
            es_s = _es(row.es_smooth, row.es_smooth_lo, row.es_smooth_hi,
                       (row.family, row.task, row.smooth, row.n_scales) in floored)
            parts.append(
                f"<tr><td>{badge(row.verdict)}</td><td>{e(str(row.family))}</td>"
                f"<td>{task_cell(row.family, row.task)}</td>"
                f"<td>{e(str(row.discontinuous))}</td><td>{e(str(row.smooth))}</td><td>{e(str(row.role))}</td>"
                + num(_jump(row.jump_discontinuous, row.jump_discontinuous_lo, row.jump_discontinuous_hi),
                      row.jump_discontinuous)
                + num(_q(row.q_discontinuous), row.q_discontinuous)
                + num(_jump(row.jump_smooth, row.jump_smooth_lo, row.jump_smooth_hi), row.jump_smooth)
                + num(_q(row.q_smooth), row.q_smooth)
                + num(es_d, row.es_discontinuous) + num(es_s, row.es_smooth)
                + f'<td class="reason">{e(str(row.reason))}</td></tr>')
        parts.append("</tbody></table></div>")
    parts += ["<h2>Settings</h2>", "<table><tbody>"]
    parts += [f"<tr><th>{e(k)}</th><td>{e(val)}</td></tr>" for k, val in _settings_lines(settings)]
    parts += ["</tbody></table>", "<h2>Inputs</h2>",
              "<table><thead><tr><th>file</th><th>bytes</th><th>sha256</th></tr></thead><tbody>"]
    parts += [f"<tr><td><code>{e(f.path)}</code></td><td class=\"num\">"
              f"{'' if f.size is None else f'{f.size:,}'}</td><td><code>{e(f.sha256 or '')}</code></td></tr>"
              for f in inputs]
    parts.append("</tbody></table>")
    parts.append("<h2>Figures</h2>")
    for name, (caption, png) in figures.images.items():
        data = base64.b64encode(png).decode("ascii")
        parts.append(f'<figure id="fig-{e(name[:-4])}"><img alt="{e(caption)}" '
                     f'src="data:image/png;base64,{data}"><figcaption>{e(caption)} '
                     f"(<code>figures/{e(name)}</code>)</figcaption></figure>")
    parts += [f"<p>{e(note)}</p>" for note in _figure_notes(figures)]
    parts += [f"<script>{_JS}</script>", "</body></html>"]
    return "\n".join(parts)


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
        The folder to write (refused when it exists and is not empty, unless ``force``).
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

    Returns
    -------
    Path
        ``out``.
    """
    import datetime

    check_out_dir(out, force=force)
    settings = {"written": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                **analysis.settings, **(settings or {})}
    inputs = input_files(files)
    drawn = draw_figures(analysis, max_task_figures=max_task_figures, progress=progress) if figures \
        else Figures({}, {}, 0, skipped=True)
    scores = analysis.scores.drop(columns=[c for c in ("per_example",) if c in analysis.scores])
    tasks = _tasks_of(analysis)
    writers: dict[str, Callable[[Path], None]] = {
        "tasks.csv": lambda path: tasks.to_csv(path, index=False),
        "verdicts.csv": lambda path: _pair_columns_first(analysis.verdicts).to_csv(path, index=False),
        "scores.csv": lambda path: scores.to_csv(path, index=False),
        "curves.csv": lambda path: analysis.curves.to_csv(path, index=False),
        "report.md": lambda path: path.write_text(
            render_markdown(analysis, settings=settings, inputs=inputs, figures=drawn), encoding="utf-8"),
        "report.html": lambda path: path.write_text(
            render_html(analysis, settings=settings, inputs=inputs, figures=drawn), encoding="utf-8"),
    }
    for name, (_, png) in drawn.images.items():
        writers[f"figures/{name}"] = lambda path, png=png: path.write_bytes(png)
    return write_folder(out, writers, force=force)
