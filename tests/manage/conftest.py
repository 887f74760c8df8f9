"""Fixtures for the /manage pages."""

import pytest

from tests.staff import make_world


@pytest.fixture
def world(app):
    """Create the access-control world of tests.staff; return {station key: id}."""
    return make_world(app)
