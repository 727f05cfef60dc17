"""What a report says: the meaning of each verdict, the inputs, the notes and settings, and
``report.md``."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from emergence.report.figures import SUMMARY, Figures, tasks_of
from emergence.report.safe import terminal_text
from emergence.stats.decide import unsigned_zero

#: What each verdict means, for the reader of a report (the rules of :mod:`emergence.stats.decide`).
VERDICT_MEANINGS = {
    "emergent": "the discontinuous metric D jumps (the low end of its jump effect's interval exceeds the "
                "threshold and its q-value is below α) and the smooth metric S jumps at the same place "
                "too: the jump survives the change of metric",
    "mirage": "D jumps, but S is shown smooth where D jumps and everywhere else (the high ends of its "
              "intervals are below the threshold), and for exact match the exact match predicted from "
              "the sequence probability does not clearly lack D's jump: D's nonlinearity explains it. "
              "For an exact match too noisy to test alone, the predicted exact match may stand in for "
              "it where it jumps and D agrees with it at every model (the reason then says \"is what "
              "sequence_prob predicts\")",
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



def _fmt(value, digits: int = 1) -> str:
    if value is None or value != value:
        return "–"
    if value in (float("inf"), float("-inf")):
        return "∞" if value > 0 else "-∞"
    return unsigned_zero(f"{value:.{digits}f}")


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


def _pair_es(row, floored: set) -> tuple[str, str]:
    """The emergence scores of a pair row's D and S as table cells, ``*`` where floored."""
    return (_es(row.es_discontinuous, row.es_discontinuous_lo, row.es_discontinuous_hi,
                (row.family, row.task, row.discontinuous, row.n_scales) in floored),
            _es(row.es_smooth, row.es_smooth_lo, row.es_smooth_hi,
                (row.family, row.task, row.smooth, row.n_scales) in floored))


def seed_note(analysis) -> str:
    """Which families have several training seeds per size, and what that does to their intervals
    (empty when none has)."""
    curves = analysis.curves
    if curves.empty or "seeds_per_scale" not in curves:
        return ""
    spread = curves.groupby("family")["seeds_per_scale"].agg(["min", "max"])
    spread = spread[spread["max"] > 1]
    if spread.empty:
        return ""
    named = ", ".join(f"{family} ({int(r['max'])} seeds per size)" if r["min"] == r["max"]
                      else f"{family} ({int(r['min'])} to {int(r['max'])} seeds per size)"
                      for family, r in spread.iterrows())
    return (f"Seeds: {named}. Each size is one point, the mean of its seeds, and the bootstrap "
            "resamples the seeds within a size as well as the examples, so these intervals include the "
            "spread between training runs, not only the sampling of examples.")


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


def render_markdown(analysis, *, settings: dict, inputs: list[InputFile], figures: Figures,
                    notes: Sequence[str] = ()) -> str:
    """The text of ``report.md`` (figures linked from ``figures/``): the task table first, the run's
    warnings (``notes``) after the tables."""
    from emergence import __version__

    v, tasks = analysis.verdicts, tasks_of(analysis)
    written = f", written {settings['written']}" if settings.get("written") else ""
    out = ["# emergence report", "", f"emergence {__version__}{written}", ""]
    if SUMMARY in figures.images:  # the answer at a glance, first
        out += [f"![{_md(figures.images[SUMMARY][0])}](figures/{SUMMARY})", ""]
    out += ["## Tasks", ""]
    if tasks.empty:
        out.append("No discontinuous/smooth metric pair to judge: see curves.csv.")
    else:
        counts = _counts(tasks)
        out += [f"- **{name}** ({counts[name]} task{'s' * (counts[name] != 1)}): {meaning}"
                for name, meaning in VERDICT_MEANINGS.items()]
        seeds = seed_note(analysis)
        out += ["", _md(TASK_RULE), "", *([_md(seeds), ""] if seeds else []),
                _md(_es_note(analysis, settings)), "",
                "| verdict | family | task | primary pair | J D [CI] | J S [CI] | reason |",
                "|---|---|---|---|---:|---:|---|"]
        for row in _task_rows(tasks).itertuples():
            out.append(
                f"| {_md(row.verdict)} | {_md(row.family)} | {_md(row.task)} | "
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
            es_d, es_s = _pair_es(row, floored)
            out.append(
                f"| {_md(row.verdict)} | {_md(row.family)} | {_md(row.task)} | {_md(row.discontinuous)} | "
                f"{_md(row.smooth)} | {_md(row.role)} | "
                f"{_jump(row.jump_discontinuous, row.jump_discontinuous_lo, row.jump_discontinuous_hi)} | "
                f"{_q(row.q_discontinuous)} | "
                f"{_jump(row.jump_smooth, row.jump_smooth_lo, row.jump_smooth_hi)} | "
                f"{_q(row.q_smooth)} | {_md(es_d)} | {_md(es_s)} | {_md(row.reason)} |")
    if notes:
        out += ["", "## Warnings", "", "What the run said on the way (also printed on stderr):", ""]
        out += [f"- {_md(note)}" for note in notes]
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


_SCHEME = re.compile(r":(?=//)")  # "https://x" -> "https\://x": shown the same, not a link
_WWW = re.compile(r"(?i)\b(www)\.")


def _md(text) -> str:
    """Text from the data, shown as written in Markdown: no table breaks, emphasis, links or raw HTML
    (``<``, ``>`` and ``&`` as entities, Markdown punctuation escaped), no web-address autolinks
    (GitHub's ``http://`` and ``www.``), and control characters shown as ``\\x1b``
    (:func:`~emergence.report.safe.terminal_text`; report.md is also read on terminals)."""
    text = terminal_text(str(text))
    text = text.replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for c in "|[]*_`":
        text = text.replace(c, "\\" + c)
    return _WWW.sub(r"\1\\.", _SCHEME.sub(r"\\:", text))
