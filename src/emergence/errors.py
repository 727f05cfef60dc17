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
    ``metrics``: the command line repeats it only for the metrics of the rows it analyses."""

    def __init__(self, message: str, *, source: str = "", metrics: Sequence[str] = ()):
        super().__init__(message)
        self.source = source
        self.metrics = tuple(metrics)
