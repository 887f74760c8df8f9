"""A progress bar on stderr for long commands, drawn only when stderr is a terminal.

stderr, because stdout may be a file being written (``stations export``) or read by a script;
nothing at all when stderr is not a terminal, so cron mails and CI logs stay clean.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class _Bars:
    """Draw one click progress bar per label the service reports, one after another."""

    def __init__(self) -> None:
        self.file = sys.stderr
        self.hidden = not _is_terminal(self.file)
        self.bar = None
        self.phase: tuple[str, int] | None = None

    def __call__(self, label: str, done: int, total: int) -> None:
        if self.hidden:
            return
        if self.bar is None or self.phase != (label, total):
            self.close()
            self.phase = (label, total)
            self.bar = click.progressbar(length=max(total, 1), label=label, file=self.file, show_pos=True)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@contextmanager
def progress_bar() -> Iterator[_Bars]:
    """Yield a progress callback for a service; its bars end (and the line is freed) on exit."""
    bars = _Bars()
    try:
        yield bars
    finally:
        bars.close()
