"""The progress callback that long-running services report through.

Services call ``progress(label, done, total)`` now and then; the CLI turns the calls into a
progress bar (stationfinder.cli.progress), and services stay free of click and terminals.
"""

from collections.abc import Callable

Progress = Callable[[str, int, int], None]


def quiet(label: str, done: int, total: int) -> None:
    """Report nothing: the default when no one is watching."""


__all__ = ["Progress", "quiet"]
