"""``report.html``: one self-contained page (figures embedded as data URIs, nothing fetched), the
task table first, sortable, then the metric pairs, the settings, the inputs and the figures."""

from __future__ import annotations

import base64
from collections.abc import Sequence

from emergence.report.figures import SUMMARY, Figures, tasks_of
from emergence.report.safe import terminal_text
from emergence.report.text import (
    TASK_RULE,
    VERDICT_MEANINGS,
    InputFile,
    _counts,
    _es_note,
    _figure_notes,
    _floored,
    _jump,
    _pair_es,
    _q,
    _settings_lines,
    _task_rows,
    _verdict_rows,
    seed_note,
)

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
.filter label{margin-right:1rem;white-space:nowrap}tr.hidden{display:none}
td.reason details summary{cursor:pointer}td.reason ul{margin:.3rem 0;padding-left:1.1rem}
details.pairs>summary{cursor:pointer}details.pairs>summary h2{display:inline}
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
  document.querySelectorAll('.filter input').forEach(function(box){
    box.addEventListener('change',function(){
      var shown={};document.querySelectorAll('.filter input').forEach(function(b){
        shown[b.getAttribute('data-verdict')]=b.checked;});
      document.querySelectorAll('tr[data-verdict]').forEach(function(r){
        r.classList.toggle('hidden',shown[r.getAttribute('data-verdict')]===false);});
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


def render_html(analysis, *, settings: dict, inputs: list[InputFile], figures: Figures,
                notes: Sequence[str] = ()) -> str:
    """The text of ``report.html``: one file, figures embedded as data URIs, no outside resources.

    The task table (``id="tasks"``) comes first, filterable by verdict, each row's reason opening
    its evidence (every metric pair of the task) and linking its figure; then the metric pairs
    (``id="verdicts"``, collapsed), the warnings of the run (``notes``), the settings, the inputs
    and the figures.
    """
    from html import escape

    from emergence import __version__

    def e(text) -> str:  # data text: no markup, control characters shown as \x1b
        return escape(terminal_text(str(text)))

    v, tasks = analysis.verdicts, tasks_of(analysis)

    def badge(verdict) -> str:
        return f'<span class="badge v-{e(str(verdict).replace(" ", "-"))}">{e(str(verdict))}</span>'

    def task_cell(family, task) -> str:
        image = figures.task_images.get((family, task))
        return f'<a href="#fig-{e(image[:-4])}">{e(str(task))}</a>' if image else e(str(task))

    # each task's pairs in the order of the pair table (sorted once: a stable sort by verdict, then
    # task, puts one task's rows in the order a sort of those rows alone gives)
    pairs_of: dict[tuple, list] = {}
    for p in (_verdict_rows(v).itertuples() if not v.empty else ()):
        pairs_of.setdefault((p.family, p.task), []).append(p)

    def evidence(row) -> str:
        """The reason, opening the task's pairs (each with its verdict and jump effects) and figure."""
        items = [f"<li>{e(p.role)}: {e(p.discontinuous)} → {e(p.smooth)}: {badge(p.verdict)} "
                 f"J D {e(_jump(p.jump_discontinuous, p.jump_discontinuous_lo, p.jump_discontinuous_hi))}, "
                 f"J S {e(_jump(p.jump_smooth, p.jump_smooth_lo, p.jump_smooth_hi))}</li>"
                 for p in pairs_of.get((row.family, row.task), [])]
        image = figures.task_images.get((row.family, row.task))
        link = f'<a href="#fig-{e(image[:-4])}">the task\'s figure</a>' if image else "no figure drawn"
        return (f"<details><summary>{e(str(row.reason))}</summary><ul>{''.join(items)}</ul>"
                f"{link}</details>")

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
    ]
    if SUMMARY in figures.images:  # the answer at a glance, first
        caption, png = figures.images[SUMMARY]
        data = base64.b64encode(png).decode("ascii")
        parts.append(f'<figure id="fig-summary"><img alt="{e(caption)}" src="data:image/png;base64,{data}">'
                     f"<figcaption>{e(caption)} (<code>figures/{SUMMARY}</code>)</figcaption></figure>")
    parts.append("<h2>Tasks</h2>")
    if tasks.empty:
        parts.append("<p>No discontinuous/smooth metric pair to judge: see curves.csv.</p>")
    else:
        counts = _counts(tasks)
        parts.append("<ul>")
        parts += [f"<li>{badge(name)} <b>{counts[name]}</b>: {e(meaning)}</li>"
                  for name, meaning in VERDICT_MEANINGS.items()]
        parts.append("</ul>")
        parts.append(f"<p>{e(TASK_RULE)}</p>")
        if seed_note(analysis):
            parts.append(f"<p>{e(seed_note(analysis))}</p>")
        note = e(_es_note(analysis, settings))
        parts.append(f"<p>Grouped by verdict; click a column header to sort, a reason to see the "
                     f"task's evidence. {note}</p>")
        parts.append('<p class="filter">Show: ' + "".join(
            f'<label><input type="checkbox" checked data-verdict="{e(name)}"> {e(name)} ({counts[name]})'
            "</label>" for name in VERDICT_MEANINGS) + "</p>")
        parts.append(head("tasks", ["verdict", "family", "task", "primary pair", "J D [CI]", "J S [CI]",
                                    "reason"]))
        for row in _task_rows(tasks).itertuples():
            parts.append(
                f'<tr data-verdict="{e(str(row.verdict))}"><td>{badge(row.verdict)}</td>'
                f"<td>{e(str(row.family))}</td>"
                f"<td>{task_cell(row.family, row.task)}</td>"
                f"<td>{e(str(row.discontinuous))} → {e(str(row.smooth))}</td>"
                + num(_jump(row.jump_discontinuous, row.jump_discontinuous_lo, row.jump_discontinuous_hi),
                      row.jump_discontinuous)
                + num(_jump(row.jump_smooth, row.jump_smooth_lo, row.jump_smooth_hi), row.jump_smooth)
                + f'<td class="reason">{evidence(row)}</td></tr>')
        parts.append("</tbody></table></div>")
    if notes:
        parts += ["<h2>Warnings</h2>", "<p>What the run said on the way (also printed on stderr):</p>",
                  "<ul>"] + [f"<li>{e(note)}</li>" for note in notes] + ["</ul>"]
    if not v.empty:
        floored = _floored(analysis)
        parts += [f'<details class="pairs"><summary><h2>Metric pairs ({len(v)})</h2></summary>',
                  "<p>Every (discontinuous, smooth) pair judged; the primary pair of each task decides, "
                  "the others support.</p>",
                  head("verdicts", ["verdict", "family", "task", "discontinuous", "smooth", "role",
                                    "J D [CI]", "q D", "J S [CI]", "q S", "ES D [CI]", "ES S [CI]",
                                    "reason"])]
        for row in _verdict_rows(v).itertuples():
            es_d, es_s = _pair_es(row, floored)
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
        parts.append("</tbody></table></div></details>")
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
        if name == SUMMARY:
            continue  # shown at the top
        data = base64.b64encode(png).decode("ascii")
        parts.append(f'<figure id="fig-{e(name[:-4])}"><img alt="{e(caption)}" '
                     f'src="data:image/png;base64,{data}"><figcaption>{e(caption)} '
                     f"(<code>figures/{e(name)}</code>)</figcaption></figure>")
    parts += [f"<p>{e(note)}</p>" for note in _figure_notes(figures)]
    parts += [f"<script>{_JS}</script>", "</body></html>"]
    return "\n".join(parts)


