"""Tests of emergence.report.safe and of hostile names through a whole report: terminal text with its
control characters shown, CSV cells a spreadsheet would run written as text, report.md and
report.html with names as data (issue 17 item 7)."""

import csv
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import emergence
from emergence.report import write_report
from emergence.report.safe import (
    spreadsheet_cell,
    spreadsheet_restore,
    spreadsheet_safe,
    terminal_lines,
    terminal_text,
    write_csv,
)
from emergence.report.text import _md

# names as a hostile file would give them: a formula with markup and an OSC sequence that retitles
# the terminal, one that clears the screen, a carriage return and a right-to-left override
D = '=HYPERLINK("www.evil.com","x")<img src=x onerror=alert(1)>\x1b]0;owned\x07'
S = "@SUM(1+1)<script>alert(2)</script>\x1b[2J"
FAMILY = "-2+3 https://evil.com"
TASK = "+cmd|' /C calc'!A0 \r\u202eevil"
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def test_terminal_text_shows_escape_sequences():
    """issue 17 item 7, measured: ESC/OSC sequences in names went raw to the terminal (they can
    retitle the window, clear the screen)."""
    assert terminal_text(D).endswith("\\x1b]0;owned\\x07")
    assert terminal_text(S).endswith("\\x1b[2J")
    assert terminal_text("csi\x9b2J del\x7f nul\x00") == "csi\\x9b2J del\\x7f nul\\x00"
    assert terminal_text(TASK) == "+cmd|' /C calc'!A0 \\r\\u202eevil"
    assert terminal_text("a\tb\nc\u2028d") == "a\\tb\\nc\\u2028d"
    assert not CONTROL.search(terminal_text("".join(map(chr, range(0x20))) + "\x7f\x85\u2066"))


def test_terminal_text_keeps_printable_text():
    """Every printable character, non-ASCII names and backslashes (Windows paths) are kept."""
    text = "Größe 1.3b — 模型 ☃ 🙂 C:\\data\\x.csv ‘q’ \u00a0"
    assert terminal_text(text) == text


def test_terminal_lines_escapes_each_line():
    """Line breaks of a message stay; a name's other separators (\\x1c, \\u2028) are shown."""
    assert terminal_lines("ok\nname \x1c\u2028 \x1b[2J") == "ok\nname \\x1c\\u2028 \\x1b[2J"


@pytest.mark.parametrize("name", ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "'x"])
def test_spreadsheet_cell_quotes_formulas(name):
    """issue 17 item 7, measured: names starting with =, +, -, @ went raw into the first cell of
    verdicts.csv, scores.csv and curves.csv (spreadsheet formula injection)."""
    assert spreadsheet_cell(name) == "'" + name


@pytest.mark.parametrize("value", ["-1.5", "+2e-3", "-.5", "acc", "", "a=b", 0.5, -3, None, np.nan])
def test_spreadsheet_cell_keeps_numbers_and_plain_text(value):
    """Numbers (as numbers or as number text) and text not starting a formula are unchanged."""
    assert spreadsheet_cell(value) is value


def test_spreadsheet_safe_round_trips_through_pandas(tmp_path):
    """The CSV read back with pandas and spreadsheet_restore equals the table; numbers untouched."""
    table = pd.DataFrame({"metric": ["=cmd", "'quoted", "acc", None, "-x"], "value": [-1.5, 0.2, -3e-9, 1, 0],
                          "=col": ["a", "b", "c", "d", "e"], "mixed": ["-y", 1.5, "z", None, "@w"]})
    path = tmp_path / "t.csv"
    spreadsheet_safe(table).to_csv(path, index=False)
    raw = pd.read_csv(path, dtype=object, keep_default_na=False)
    assert raw["'=col"].tolist() == list("abcde")
    assert raw["metric"].tolist() == ["'=cmd", "''quoted", "acc", "", "'-x"]
    assert raw["value"].tolist() == ["-1.5", "0.2", "-3e-09", "1.0", "0.0"]
    back = spreadsheet_restore(pd.read_csv(path))
    assert back["metric"].tolist()[:3] == ["=cmd", "'quoted", "acc"] and back["metric"].tolist()[4] == "-x"
    assert back["mixed"].tolist()[0] == "-y" and back["mixed"].tolist()[4] == "@w"
    assert back["value"].tolist() == table["value"].tolist()
    assert list(back.columns) == list(table.columns)
    assert table["metric"].tolist()[0] == "=cmd"  # the input is not modified


def test_write_csv_keeps_a_carriage_return_in_its_cell(tmp_path):
    """A name holding a bare carriage return reads back whole (Python's csv module leaves it unquoted
    with "\\n" line endings, and pandas then splits the row); a table without one keeps "\\n"."""
    table = pd.DataFrame({"task": [TASK, "b"], "value": [0.5, -1.0]})
    write_csv(table, tmp_path / "cr.csv")
    back = spreadsheet_restore(pd.read_csv(tmp_path / "cr.csv"))
    assert back["task"].tolist() == [TASK, "b"] and back["value"].tolist() == [0.5, -1.0]
    write_csv(table.assign(task=["a", "b"]), tmp_path / "plain.csv")
    assert b"\r" not in (tmp_path / "plain.csv").read_bytes()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A report of one task whose family, task and metric names are hostile."""
    rows = []
    for size, acc, loss in zip(("70m", "160m", "410m", "1b", "1.4b", "2.8b"), (.01, .02, .02, .4, .6, .7),
                               (3.0, 2.9, 2.8, 2.7, 2.6, 2.5), strict=True):
        base = {"family": FAMILY, "model": f"m-{size}", "params": size, "task": TASK, "stderr": 0.01}
        rows += [{**base, "metric": D, "value": acc, "kind": "discontinuous", "higher_is_better": True},
                 {**base, "metric": S, "value": loss, "kind": "smooth", "higher_is_better": False}]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = emergence.analyze(scores=emergence.validate_scores(pd.DataFrame(rows)),
                                     pairs={D: (S,)}, bootstrap=100)
        out = write_report(analysis, tmp_path_factory.mktemp("hostile") / "report", figures=False,
                           settings={"pairs": f"{D}:{S}", "command": f"analyze --pairs '{D}:{S}'"})
    return analysis, out


@pytest.mark.parametrize("name", ["tasks.csv", "verdicts.csv", "scores.csv", "curves.csv"])
def test_report_csvs_hold_no_formula(hostile, name):
    """issue 17 item 7, measured: names starting with =, +, -, @ went raw into the first cell of
    verdicts.csv, scores.csv and curves.csv; no cell of any report CSV starts a formula now, and the
    numbers read back as written."""
    analysis, out = hostile
    with open(out / name, newline="", encoding="utf-8") as handle:
        cells = [c for row in csv.reader(handle) for c in row]
    formulas = [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))
                and not re.fullmatch(r"[+-]?[\d.]+(e[+-]?\d+)?", c)]
    assert formulas == []
    back = spreadsheet_restore(pd.read_csv(out / name))
    assert set(back["family"]) == {FAMILY} and set(back["task"]) == {TASK}
    if name == "scores.csv":
        np.testing.assert_array_equal(back["value"], analysis.scores["value"])


def test_report_md_shows_names_as_text(hostile):
    """issue 17 item 7, measured: metric names (as given in --pairs) reached report.md so that a
    Markdown viewer made live content of them: raw control characters, a carriage return that
    breaks the table row, web addresses made links. Every table row is one line now."""
    _, out = hostile
    md = (out / "report.md").read_text(encoding="utf-8")
    assert not CONTROL.search(md) and "<img" not in md and "<script" not in md
    assert "https://" not in md and "www.evil" not in md  # written https\:// and www\.: no autolink
    rows = [line for line in md.split("\n") if FAMILY.split()[0] in line]
    assert len(rows) == 2 and all(r.startswith("| ") and r.endswith(" |") for r in rows)
    assert "+cmd\\|' /C calc'!A0 \\\\r\\\\u202eevil" in rows[0]


def test_report_md_renders_no_html_from_names(hostile):
    """Rendered as GitHub does (cmark-gfm, raw HTML allowed), the names give no tag, link or image."""
    cmarkgfm = pytest.importorskip("cmarkgfm")
    from cmarkgfm.cmark import Options

    _, out = hostile
    html = cmarkgfm.github_flavored_markdown_to_html((out / "report.md").read_text(encoding="utf-8"),
                                                     options=Options.CMARK_OPT_UNSAFE)
    assert set(re.findall(r"<([a-z][a-z0-9]*)", html)) <= {"h1", "h2", "p", "ul", "li", "strong", "em",
                                                           "table", "thead", "tbody", "tr", "th", "td",
                                                           "code"}


def test_report_html_shows_control_characters(hostile):
    """report.html escapes the names and shows their control characters (no raw ESC, CR or RLO)."""
    _, out = hostile
    page = (out / "report.html").read_text(encoding="utf-8")
    assert not CONTROL.search(page)
    assert "&lt;img src=x onerror=alert(1)&gt;\\x1b]0;owned\\x07" in page


def test_md_escapes_markup_links_and_control():
    """_md: the table bar, link brackets, raw HTML, autolinks and control characters are text."""
    assert _md("a|b [x](y) <b>&") == r"a\|b \[x\](y) &lt;b&gt;&amp;"
    assert _md("see https://x.org or WWW.x.org") == r"see https\://x.org or WWW\.x.org"
    assert _md("a\r\nb\x1b[2J") == r"a\\r\\nb\\x1b\[2J"
