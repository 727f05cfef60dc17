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

#: What each verdict means, for the reader of a report.
VERDICT_MEANINGS = {
    "emergent": "sharp under the discontinuous metric and under the smooth one: a jump the change of "
                "metric does not remove",
    "mirage": "sharp under the discontinuous metric only; the smooth metric rises gradually and the "
              "paired bootstrap difference excludes 0",
    "inconclusive": "too few scales or examples, or an interval straddling a decision (the reason says "
                    "which)",
    "no emergence": "the discontinuous curve is not sharper than a smooth trend",
}


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

    Tasks with a verdict come first (the interesting verdicts first), then tasks with no
    discontinuous/smooth pair (their metrics against scale). A figure that fails to draw is left out
    with a warning and listed in ``failed``; the rest of the report is still written.

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
    x = analysis.settings.get("x")
    level = float(analysis.settings.get("level", 0.95))
    rank = {v: i for i, v in enumerate(plots.VERDICT_ORDER)}
    keys: list[tuple[str, str]] = []
    if not verdicts.empty:
        best = verdicts.assign(_r=verdicts["verdict"].map(rank)).groupby(["family", "task"])["_r"].min()
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
                "Every judged (family, task): the discontinuous metric (orange) and its first smooth "
                "partner (blue), each rescaled to 0..1 on the scale it is judged on.",
                lambda: plots.plot_overview(scores, verdicts=verdicts, x=x))
    if scored:  # at least one curve with a score to draw (not a single-scale run)
        attempt("emergence_scores.png",
                "Emergence scores per metric across all curves (the form of Schaeffer et al. 2023, "
                "Fig. 5); the dashed line is the score of a straight line at these scales.",
                lambda: plots.plot_emergence_scores(curves).figure)
    for family, task in shown:
        name = figure_name(family, task)
        if attempt(name, f"{family} / {task}",
                   lambda f=family, t=task: plots.plot_task(
                       scores, family=f, task=t, x=x, curves=curves, verdicts=verdicts,
                       pairs=analysis.pairs or None, level=level)):
            task_images[(family, task)] = name
    return Figures(images, task_images, left_out, tuple(failed))


def _fmt(value, digits: int = 1) -> str:
    if value is None or value != value:
        return "–"
    if value in (float("inf"), float("-inf")):
        return "∞" if value > 0 else "-∞"
    return f"{value:.{digits}f}"


def _ci(value, lo, hi) -> str:
    return f"{_fmt(value)} [{_fmt(lo)}, {_fmt(hi)}]"


def _q(value) -> str:
    if value is None or value != value:
        return "–"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _verdict_rows(verdicts: pd.DataFrame) -> pd.DataFrame:
    from emergence.plots import VERDICT_ORDER

    rank = {v: i for i, v in enumerate(VERDICT_ORDER)}
    return verdicts.assign(_r=verdicts["verdict"].map(rank).fillna(9)).sort_values(
        ["_r", "family", "task", "discontinuous", "smooth"], kind="stable").drop(columns="_r")


def interval_source(analysis) -> str:
    """Where the run's bootstrap intervals come from: per-example records or reported stderrs."""
    scores = analysis.scores
    flags = scores["per_example"].fillna(False).astype(bool) if "per_example" in scores else None
    bootstrap, stderr = "a paired bootstrap over examples", "normal draws from the reported standard errors"
    if flags is None or not flags.any():
        return stderr
    return bootstrap if flags.all() else f"{bootstrap} (records) and {stderr} (aggregate scores)"


def _es_note(analysis, settings: dict) -> str:
    """How to read the ES columns, with the run's interval level and where the intervals come from."""
    level = float(settings.get("level", 0.95))
    return (f"ES: emergence score with its {level:.0%} bootstrap interval, from {interval_source(analysis)} "
            "(smooth metrics "
            "on their straightened scale); q: Benjamini-Hochberg q-value of the discontinuous curve's "
            "sharpness test.")


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
            ("level", "interval coverage"), ("sharp_ratio", "sharp ratio (× straight line's ES)"),
            ("alpha", "BH level α"), ("records", "records read"), ("score_rows", "score rows read"),
            ("metrics", "metrics"), ("pairs", "pairs"), ("command", "command")]
    return [(label, str(settings[key])) for key, label in keys if settings.get(key) not in (None, "")]


def render_markdown(analysis, *, settings: dict, inputs: list[InputFile], figures: Figures) -> str:
    """The text of ``report.md`` (figures linked from ``figures/``)."""
    from emergence import __version__

    v = analysis.verdicts
    written = f", written {settings['written']}" if settings.get("written") else ""
    out = ["# emergence report", "", f"emergence {__version__}{written}", "",
           "## Settings", "", "| setting | value |", "|---|---|"]
    out += [f"| {k} | {_md(val)} |" for k, val in _settings_lines(settings)]
    out += ["", "## Inputs", "", "| file | bytes | sha256 |", "|---|---:|---|"]
    out += [f"| {_md(f.path)} | {'' if f.size is None else f'{f.size:,}'} | "
            f"{'' if f.sha256 is None else f'`{f.sha256}`'} |" for f in inputs]
    out += ["", "## Verdicts", ""]
    if v.empty:
        out.append("No discontinuous/smooth metric pair to judge: see curves.csv.")
    else:
        counts = v["verdict"].value_counts()
        out += [f"- **{name}** ({counts.get(name, 0)}): {meaning}" for name, meaning in
                VERDICT_MEANINGS.items()]
        out += ["", _md(_es_note(analysis, settings)), "",
                "| verdict | family | task | discontinuous | smooth | ES discontinuous | ES smooth | "
                "straight line | q | reason |", "|---|---|---|---|---|---|---|---:|---:|---|"]
        for row in _verdict_rows(v).itertuples():
            es_d = _ci(row.es_discontinuous, row.es_discontinuous_lo, row.es_discontinuous_hi)
            out.append(
                f"| {row.verdict} | {_md(row.family)} | {_md(row.task)} | {row.discontinuous} | "
                f"{row.smooth} | {es_d} | {_ci(row.es_smooth, row.es_smooth_lo, row.es_smooth_hi)} | "
                f"{_fmt(row.straight_line_es)} | {_q(row.q_value)} | {_md(row.reason)} |")
    out += ["", "## Figures", ""]
    for name, (caption, _) in figures.images.items():
        out += [f"![{_md(caption)}](figures/{name})", "", f"*{_md(caption)}*", ""]
    out += [line for note in _figure_notes(figures) for line in (_md(note), "")]
    out += ["## Files", "", "- `verdicts.csv`: one row per (family, task, discontinuous, smooth) pair",
            "- `curves.csv`: one row per (family, task, metric): curve statistics, tests, intervals",
            "- `scores.csv`: one row per (family, model, task, metric): value, stderr, n, interval", ""]
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
table#verdicts{width:100%;font-size:.8rem}td.reason{min-width:9rem}
table#verdicts td:nth-child(2){white-space:nowrap}
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
    """The text of ``report.html``: one file, figures embedded as data URIs, no outside resources."""
    from html import escape

    from emergence import __version__

    e = escape
    v = analysis.verdicts
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>emergence report</title>", f"<style>{_CSS}</style></head><body>",
        "<h1>emergence report</h1>",
        f'<p class="meta">emergence {e(__version__)}'
        + (f", written {e(str(settings['written']))}" if settings.get("written") else "") + "</p>",
        "<h2>Settings</h2>", "<table><tbody>",
    ]
    parts += [f"<tr><th>{e(k)}</th><td>{e(val)}</td></tr>" for k, val in _settings_lines(settings)]
    parts += ["</tbody></table>", "<h2>Inputs</h2>",
              "<table><thead><tr><th>file</th><th>bytes</th><th>sha256</th></tr></thead><tbody>"]
    parts += [f"<tr><td><code>{e(f.path)}</code></td><td class=\"num\">"
              f"{'' if f.size is None else f'{f.size:,}'}</td><td><code>{e(f.sha256 or '')}</code></td></tr>"
              for f in inputs]
    parts += ["</tbody></table>", "<h2>Verdicts</h2>"]
    if v.empty:
        parts.append("<p>No discontinuous/smooth metric pair to judge: see curves.csv.</p>")
    else:
        counts = v["verdict"].value_counts()
        parts.append("<ul>")
        parts += [f'<li><span class="badge v-{name.replace(" ", "-")}">{e(name)}</span> '
                  f"<b>{counts.get(name, 0)}</b>: {e(meaning)}</li>"
                  for name, meaning in VERDICT_MEANINGS.items()]
        parts.append("</ul>")
        note = e(_es_note(analysis, settings))
        parts.append(f"<p>Grouped by verdict; click a column header to sort. {note}</p>")
        heads = ["verdict", "family", "task", "discontinuous", "smooth", "ES discontinuous", "ES smooth",
                 "straight line", "q", "reason"]
        parts.append('<div class="wide"><table class="sortable" id="verdicts"><thead><tr>'
                     + "".join(f"<th>{h}</th>" for h in heads) + "</tr></thead><tbody>")
        for row in _verdict_rows(v).itertuples():
            image = figures.task_images.get((row.family, row.task))
            task = (f'<a href="#fig-{e(image[:-4])}">{e(str(row.task))}</a>' if image
                    else e(str(row.task)))
            parts.append(
                f'<tr><td><span class="badge v-{e(row.verdict.replace(" ", "-"))}">{e(row.verdict)}'
                f"</span></td><td>{e(str(row.family))}</td><td>{task}</td>"
                f"<td>{e(row.discontinuous)}</td><td>{e(row.smooth)}</td>"
                f'<td class="num" data-sort="{_sort_key(row.es_discontinuous)}">'
                f"{_ci(row.es_discontinuous, row.es_discontinuous_lo, row.es_discontinuous_hi)}</td>"
                f'<td class="num" data-sort="{_sort_key(row.es_smooth)}">'
                f"{_ci(row.es_smooth, row.es_smooth_lo, row.es_smooth_hi)}</td>"
                f'<td class="num">{_fmt(row.straight_line_es)}</td>'
                f'<td class="num" data-sort="{_sort_key(row.q_value)}">{_q(row.q_value)}</td>'
                f'<td class="reason">{e(str(row.reason))}</td></tr>')
        parts.append("</tbody></table></div>")
    parts.append("<h2>Figures</h2>")
    for name, (caption, png) in figures.images.items():
        data = base64.b64encode(png).decode("ascii")
        parts.append(f'<figure id="fig-{e(name[:-4])}"><img alt="{e(caption)}" '
                     f'src="data:image/png;base64,{data}"><figcaption>{e(caption)} '
                     f"(<code>figures/{e(name)}</code>)</figcaption></figure>")
    parts += [f"<p>{e(note)}</p>" for note in _figure_notes(figures)]
    parts += [f"<script>{_JS}</script>", "</body></html>"]
    return "\n".join(parts)


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

    The folder holds ``verdicts.csv``, ``curves.csv``, ``scores.csv``, ``report.md``, a self-contained
    ``report.html`` (figures embedded, verdict table grouped and sortable, settings, tool version and
    the input files with their SHA-256 at the top) and ``figures/*.png``.

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
    writers: dict[str, Callable[[Path], None]] = {
        "verdicts.csv": lambda path: analysis.verdicts.to_csv(path, index=False),
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
