"""Busy now on the rider page's cards, in Debian's chromium: a word per level, none without data."""

import pytest
from playwright.sync_api import expect

from stationfinder.extensions import db
from stationfinder.models import utcnow
from stationfinder.services import dataset
from tests.busy_world import arrive, give_history
from tests.factories import StationFactory

pytestmark = pytest.mark.e2e

RIDER = (26.5800, 106.7100)


def seed(app):
    """A full 4-seat station nearest the rider, then a busy one, then one with too little data."""
    # The live server answers at the real time; 40 minutes of dwell leave room for a slow run.
    now = utcnow()
    with app.app_context():
        full = StationFactory(name="满了驿站", seats=4, lat=26.5805, lon=106.7100)
        busy = StationFactory(name="较忙驿站", seats=None, lat=26.5810, lon=106.7100)
        StationFactory(name="新驿站", seats=4, lat=26.5815, lon=106.7100)
        dataset.bump()
        db.session.commit()
        for station, riders in ((full, 6), (busy, 3)):
            give_history(station, now=now)
            arrive(station, riders, now=now)


@pytest.mark.parametrize(
    ("locale", "words"), [("zh-CN", ["现在已满", "现在较忙"]), ("en-US", ["Full now", "Busy now"])]
)
def test_cards_say_how_busy_in_words(app, phone, locale, words):
    seed(app)
    page = phone(RIDER, locale=locale).open("/")
    cards = page.locator("#results > li")
    expect(cards).to_have_count(3)
    expect(cards.nth(0).locator(".badge-busy.busy-full")).to_have_text(words[0])
    expect(cards.nth(1).locator(".badge-busy.busy-busy")).to_have_text(words[1])
    # Too little data: the card says nothing rather than "unknown" on most stations.
    expect(cards.nth(2).locator(".badge-busy")).to_have_count(0)
