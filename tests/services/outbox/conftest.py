"""Fixtures for the outbox: an app context, a clock, a station and a webhook receiver on 127.0.0.1."""

from datetime import UTC, datetime

import pytest

from stationfinder.extensions import db
from stationfinder.services.webhooks import registry
from tests.factories import StationFactory
from tests.receiver import Receiver, serve, stop

# 2025-03-10 10:00 in Shanghai.
T0 = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
SECRET = "s3cret-for-the-json-receiver"


@pytest.fixture
def ctx(app):
    """Run the test inside an app context."""
    with app.app_context():
        yield app


@pytest.fixture
def station(ctx):
    """Return an open station in 毕节市七星关区 (520502), committed."""
    made = StationFactory(ref="bj-1", name="毕城红骑手驿站", region_code="520502", lat=27.30, lon=105.28)
    db.session.commit()
    return made


@pytest.fixture
def receiver():
    """Return a running receiver; stopped (and its threads joined) after the test."""
    made = Receiver()
    server, thread = serve(made)
    yield made
    stop(made, server, thread)


def hook(region: str, url: str, fmt: str = "json", **options):
    """Add a webhook to a local receiver (a private address, as only the CLI may) and commit it."""
    secret = SECRET if fmt == "json" else None
    webhook, _ = registry.add(region, url, fmt, secret=secret, allow_private=True, allow_http=True, **options)
    db.session.commit()
    return webhook
