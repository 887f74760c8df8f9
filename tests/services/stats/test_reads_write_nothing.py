"""The statistics services only read: pending check-ins wait for the views' fold (``units.fold``)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Checkin
from stationfinder.services.accounts import Scope
from stationfinder.services.stats import dashboard as stats_dashboard
from stationfinder.services.stats import groups as stats
from stationfinder.services.stats.query import prepare
from tests.factories import StationFactory
from tests.stats_world import checkin

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE)\b", re.I)


@pytest.fixture
def watched(app):
    """Yield the statements that write and the commits seen on the app's engine while the test reads."""
    with app.app_context():
        seen = {"writes": [], "commits": 0}

        def statement(conn, cursor, sql, parameters, context, executemany):
            if WRITE.match(sql):
                seen["writes"].append(sql)

        def commit(conn):
            seen["commits"] += 1

        station = StationFactory(ref="busy", region_code="520502")
        db.session.commit()
        start = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
        for n in range(3):
            checkin(station, start + timedelta(minutes=n), f"rider-{n}")
        db.session.commit()
        sa.event.listen(db.engine, "before_cursor_execute", statement)
        sa.event.listen(db.engine, "commit", commit)
        try:
            yield seen
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", statement)
            sa.event.remove(db.engine, "commit", commit)


def test_reading_statistics_leaves_pending_checkins_pending(watched):
    query = prepare(Scope(), "2025-03-01", "2025-03-10", region="520502")
    assert stats.totals(query) == (0, 0)
    stats.groups(query, "day", "en")
    stats_dashboard.summary(query)
    assert stats.checkin_stats(Scope(), "2025-03-10", "2025-03-10", station="busy")["total"] == 0
    assert watched == {"writes": [], "commits": 0}
    pending = db.session.scalar(sa.select(sa.func.count()).select_from(Checkin).where(Checkin.pending))
    assert pending == 3
