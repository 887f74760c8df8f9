"""Fixtures of the statistics tests: an app context, the small world of ``tests.stats_world``, asking it."""

from datetime import timedelta

import pytest

from stationfinder.services.accounts import Scope
from stationfinder.services.stats import groups as stats
from tests.stats_world import DAY, build_world

ADMIN = Scope()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def world(ctx):
    return build_world()


@pytest.fixture
def answer(world):
    """Return a function asking the world's statistics, over its last ten days unless told otherwise."""

    def ask(scope=ADMIN, **kwargs):
        kwargs.setdefault("date_from", (DAY - timedelta(days=9)).isoformat())
        kwargs.setdefault("date_to", DAY.isoformat())
        return stats.checkin_stats(scope, **kwargs)

    return ask
