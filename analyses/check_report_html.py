"""Open a report.html in headless Chromium and check what a reader would see.

Checks that the page renders, that its script ran without errors (none caught by the page, no
error in Chromium's console log), that every embedded figure decoded (``naturalWidth > 0``) and that
the verdict table has rows. Optionally writes a screenshot to look at.

Needs Debian's Chromium (``apt-get install chromium``); nothing else.

Usage::

    python -m emergence analyze --out report
    python analyses/check_report_html.py report/report.html --screenshot report.png
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: Flags for a headless Chromium on a machine with no network (background services off).
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--enable-logging=stderr", "--v=0",
)


@dataclass(frozen=True)
class PageCheck:
    """What headless Chromium saw."""

    images: int
    images_loaded: int
    verdict_rows: int
    page_errors: str
    console_errors: list[str]
    no_pairs: bool = False  # the page says there was no pair to judge (so no verdict table)

    @property
    def ok(self) -> bool:
        """The page's script ran (images >= 0), every image decoded, no error, verdicts shown."""
        return (self.images >= 0 and self.images == self.images_loaded and not self.page_errors
                and not self.console_errors and (self.verdict_rows > 0 or self.no_pairs))


def find_chromium() -> str | None:
    """The Chromium executable, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(chromium: str, html: Path, extra: list[str], timeout: float) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                   "--virtual-time-budget=10000", *extra, html.resolve().as_uri()]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


def check_page(html: str | Path, *, screenshot: str | Path | None = None, timeout: float = 120) -> PageCheck:
    """Load ``html`` in headless Chromium and report what rendered.

    Raises
    ------
    FileNotFoundError
        When Chromium is not installed.
    RuntimeError
        When Chromium fails to produce the page.
    """
    chromium = find_chromium()
    if chromium is None:
        raise FileNotFoundError("no chromium on PATH: apt-get install chromium")
    html = Path(html)
    run = _run(chromium, html, ["--dump-dom"], timeout)
    dom = run.stdout
    body = re.search(r"<body([^>]*)>", dom)
    if run.returncode != 0 or body is None:
        raise RuntimeError(f"chromium exited {run.returncode} without a page: {run.stderr[-500:]}")
    attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', body.group(1)))
    table = re.search(r'<table class="sortable" id="verdicts">(.*?)</table>', dom, re.S)
    rows = len(re.findall(r"<tr>", table.group(1))) - 1 if table else 0
    console = [line for line in run.stderr.splitlines()
               if "CONSOLE" in line and re.search(r"error|uncaught", line, re.I)]
    if screenshot is not None:
        _run(chromium, html, [f"--screenshot={Path(screenshot).resolve()}", "--window-size=1280,2400",
                              "--hide-scrollbars"], timeout)
    return PageCheck(
        images=int(attributes.get("data-images", -1)),
        images_loaded=int(attributes.get("data-images-loaded", -1)),
        verdict_rows=rows,
        page_errors=attributes.get("data-errors", ""),
        console_errors=console,
        no_pairs=table is None and "No discontinuous/smooth metric pair to judge" in dom,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", help="report.html to open")
    parser.add_argument("--screenshot", help="also write a PNG of the top of the page")
    args = parser.parse_args(argv)
    check = check_page(args.html, screenshot=args.screenshot)
    print(f"images: {check.images_loaded}/{check.images} loaded; verdict rows: {check.verdict_rows}; "
          f"page errors: {check.page_errors or 'none'}; console errors: {len(check.console_errors)}")
    for line in check.console_errors:
        print("  " + line)
    print("OK" if check.ok else "FAILED")
    return 0 if check.ok else 1


if __name__ == "__main__":
    sys.exit(main())
