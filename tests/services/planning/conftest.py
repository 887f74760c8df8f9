"""Fixtures for the planning services: an app context and places in 毕节市七星关区 (520502)."""

import pytest

# Deep inside 七星关区, and a place about 60 km from it, inside 威宁县 (520526).
QIXINGGUAN = (27.30, 105.28)
WEINING = (26.86, 104.28)


@pytest.fixture
def ctx(app):
    """Run the test inside an app context."""
    with app.app_context():
        yield app
