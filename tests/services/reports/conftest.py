"""Fixtures for the report services: an app context, a station with a poster, and a clock."""

from datetime import UTC, datetime

import pytest

from stationfinder.extensions import db
from stationfinder.services.posters import tokens as posters
from tests.factories import StationFactory

# 2025-03-10 10:00 in Shanghai.
T0 = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
# A point in 贵阳市南明区 (520102), and one in 毕节市七星关区 (520502).
NANMING = (26.58, 106.71)
QIXINGGUAN = (27.30, 105.28)


@pytest.fixture
def ctx(app):
    """Run the test inside an app context."""
    with app.app_context():
        yield app


@pytest.fixture
def station(ctx):
    """Return an open station in 云岩区 (520103) with a poster, committed."""
    made = StationFactory(ref="gy-1", name="云岩驿站", region_code="520103")
    posters.current_poster(made)
    db.session.commit()
    return made
