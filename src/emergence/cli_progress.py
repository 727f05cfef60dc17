"""Progress of a command-line run on stderr: one tqdm bar per stage (reading the files, scoring and
the bootstrap, judging, drawing figures), shown only on a terminal and not with ``--quiet``."""

from __future__ import annotations

import sys

#: What each stage's bar says.
STAGES = {"reading": "reading files", "scoring": "rescoring and bootstrap", "judging": "judging curves",
          "figures": "drawing figures"}


class Progress:
    """Bars on stderr for the stages of a run; every method is a no-op when disabled.

    Parameters
    ----------
    enabled : bool, optional
        Default: stderr is a terminal.
    """

    def __init__(self, enabled: bool | None = None):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._bars: dict = {}

    def update(self, stage: str, done: int, total: int) -> None:
        """Stage ``stage`` has ``done`` of ``total`` steps done (its bar closes when done == total)."""
        if not self.enabled:
            return
        import shutil

        from tqdm import tqdm

        bar = self._bars.get(stage)
        if bar is None:
            # no monitor thread (it only wakes bars that stall, and ours are refreshed by hand): a
            # process with a thread spawns its figure processes instead of forking them
            tqdm.monitor_interval = 0
            # the terminal's width, 80 where it reports none (tqdm would draw nothing at width 0)
            width = min(shutil.get_terminal_size().columns, 120)
            bar = self._bars[stage] = tqdm(total=total, desc=STAGES.get(stage, stage), file=sys.stderr,
                                          leave=False, ncols=width, mininterval=0.2)
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()
            del self._bars[stage]  # a stage that starts again gets a new bar

    def reading(self, done: int, total: int) -> None:
        self.update("reading", done, total)

    def figures(self, done: int, total: int) -> None:
        self.update("figures", done, total)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
