"""Exceptions and warnings raised by emergence.

Every error a user can cause is an :class:`EmergenceError`; the command line turns it into a one-line
``emergence: error: ...`` message per problem and exit code 2. Anything else is a bug (exit code 1).
"""

from __future__ import annotations

from collections.abc import Sequence


class EmergenceError(Exception):
    """Base class of every error caused by user input or usage."""


class SchemaError(EmergenceError, ValueError):
    """A table or file does not follow the data model.

    Parameters
    ----------
    problems : sequence of str
        One line per problem, each naming the file, row or line, column and value.
    """

    def __init__(self, problems: Sequence[str] | str):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class EmergenceWarning(UserWarning):
    """An ill-defined but legal computation, or input that was repaired (e.g. dropped examples)."""


class UnknownMetricWarning(EmergenceWarning):
    """Metrics of a file that the registry does not know (no kind, so no verdict), named in
    ``metrics``: the command line repeats it only for the metrics of the rows it analyses
    (:meth:`only`).

    Parameters
    ----------
    source : str
        The file.
    metrics : sequence of str
        The unknown metrics.
    hints : dict, optional
        Metric -> the registry name it is close to (shown as "did you mean").
    """

    def __init__(self, source: str, metrics: Sequence[str], hints: dict[str, str] | None = None):
        self.source, self.metrics, self.hints = source, tuple(metrics), dict(hints or {})
        named = [f"{m!r} (did you mean {self.hints[m]!r}?)" if m in self.hints else repr(m)
                 for m in self.metrics]
        super().__init__(f"{source}: metric(s) {', '.join(named[:8])} are not in the registry; give "
                         "'kind' and 'higher_is_better' columns to use them in verdicts")

    def __reduce__(self):  # pickled with what it was made of, as a Dask worker sends it back
        return type(self), (self.source, self.metrics, self.hints)

    def only(self, metrics) -> UnknownMetricWarning:
        """The same warning about those of its metrics that are in ``metrics``."""
        return UnknownMetricWarning(self.source, [m for m in self.metrics if m in set(metrics)],
                                    self.hints)
