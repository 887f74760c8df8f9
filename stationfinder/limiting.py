"""Per-view rate limits on the ``limits`` library: only a limited view pays for limiting.

Every limit here belongs to a view (check-ins, reports, code lookups, logins); there are no
app-wide or default limits. Flask-Limiter still ran a before-request check, an after-request
hook and a teardown on every request, limited or not, which was about a fifth of the work of a
bare Flask request (issue 15, docs/benchmarks.md). Here a limit is a decorator, and a request
to any other view never touches it. The counters are ``limits``' fixed windows, in Redis when
``REDIS_URL`` is set (``RATELIMIT_STORAGE_URI``), so every worker shares them.
"""

import functools
import math
import time
from collections.abc import Callable

from flask import Flask, Response, current_app, request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests


class RateLimitExceeded(TooManyRequests):
    """A limit is used up; ``retry_after`` says in how many seconds its window ends."""

    def __init__(self, limit: RateLimitItem, retry_after: int):
        super().__init__(description=f"Rate limit exceeded: {limit}.", retry_after=retry_after)
        self.limit = limit


@functools.lru_cache(maxsize=64)
def _parse(text: str) -> RateLimitItem:
    return parse(text)


def _strategy() -> FixedWindowRateLimiter:
    return current_app.extensions["limiter"]


class Limit:
    """One limit: its amount read from the config per request, its counter keyed per request.

    ``scope`` names the counter; views decorated with the same limit share it. Without a scope
    each view counts on its own (under its endpoint). ``deduct_when`` counts a request only when
    it returns True for the view's response; such a limit is tested before the view and counted
    after it.
    """

    def __init__(
        self,
        value: Callable[[], str],
        *,
        key_func: Callable[[], str],
        scope: str | None = None,
        methods: tuple[str, ...] | None = None,
        exempt_when: Callable[[], bool] | None = None,
        deduct_when: Callable[[Response], bool] | None = None,
    ):
        self.value, self.key_func, self.scope = value, key_func, scope
        self.methods, self.exempt_when, self.deduct_when = methods, exempt_when, deduct_when

    def _applies(self) -> bool:
        if not current_app.config["RATELIMIT_ENABLED"]:
            return False
        if self.methods is not None and request.method not in self.methods:
            return False
        return not (self.exempt_when is not None and self.exempt_when())

    def _counter(self) -> tuple[RateLimitItem, str, str]:
        return _parse(self.value()), self.scope or request.endpoint or "", self.key_func()

    def _exceeded(self, item: RateLimitItem, *identifiers: str) -> RateLimitExceeded:
        reset_at = _strategy().get_window_stats(item, *identifiers).reset_time
        # Rounded up: a client that waits this long finds the window over.
        return RateLimitExceeded(item, max(1, math.ceil(reset_at - time.time())))

    def __call__(self, view):
        @functools.wraps(view)
        def limited(*args, **kwargs):
            if not self._applies():
                return view(*args, **kwargs)
            item, *identifiers = self._counter()
            strategy = _strategy()
            if self.deduct_when is None:
                # Counted up front, atomically in Redis: parallel requests cannot all slip through.
                if not strategy.hit(item, *identifiers):
                    raise self._exceeded(item, *identifiers)
                return view(*args, **kwargs)
            if not strategy.test(item, *identifiers):
                raise self._exceeded(item, *identifiers)
            response = current_app.make_response(view(*args, **kwargs))
            if self.deduct_when(response):
                strategy.hit(item, *identifiers)
            return response

        return limited

    def clear(self) -> None:
        """Forget what this request's key has used of the limit (at this view, for an unscoped one)."""
        item, *identifiers = self._counter()
        _strategy().clear(item, *identifiers)


class Limiter:
    """The rate limiting extension: one counter store per app, limits made by :meth:`limit`."""

    def init_app(self, app: Flask) -> None:
        """Open the app's counter store (memory, or Redis when REDIS_URL is set)."""
        storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
        app.extensions["limiter"] = FixedWindowRateLimiter(storage)

    def limit(self, value: Callable[[], str], **options) -> Limit:
        """Return a limit to decorate views with; ``value`` returns its amount, such as "20 per hour"."""
        return Limit(value, **options)


__all__ = ["Limit", "Limiter", "RateLimitExceeded"]
