"""A district's staff works a report on a phone: the inbox, the ticket's photo and map, a state change."""

import pytest
from playwright.sync_api import expect

from stationfinder.extensions import db
from stationfinder.models import ReportPhoto
from stationfinder.services import reports
from stationfinder.services.reports import photos
from tests.factories import PASSWORD
from tests.photos import phone_jpeg
from tests.reports_world import make_report_world

pytestmark = pytest.mark.e2e


@pytest.fixture
def code(app):
    """Return the code of a 随手拍 report in 七星关区 that has a photo."""
    codes = make_report_world(app)
    with app.app_context():
        report = reports.by_code(codes["community-bj"])
        content_type, data = photos.clean(phone_jpeg(1200, 400))
        db.session.add(ReportPhoto(report_id=report.id, content_type=content_type, data=data))
        db.session.commit()
    return codes["community-bj"]


def test_staff_acknowledge_a_report_from_the_inbox(phone, code):
    device = phone(locale="en-GB")
    page = device.open("/login?lang=en")
    page.fill("#username", "staff_520500")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto("/manage/reports")
    expect(page.locator(".staff-nav a[aria-current]")).to_have_text("Reports (2 open)")
    page.click(f'[data-code="{code}"] a')
    page.wait_for_url(f"**/manage/reports/{code}")
    # The photo loads from the scoped route; the map draws one pin even without tiles.
    photo = page.locator(".report-photo img")
    expect(photo).to_be_visible()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", photo.element_handle())
    page.wait_for_selector("#report-map.leaflet-container")
    expect(page.locator("#report-map path.leaflet-interactive")).to_have_count(1)
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.select_option("#status", "acknowledged")
    page.fill("#note", "已通知街道办")
    page.click("text=Save")
    expect(page.locator('[data-testid="status"]')).to_have_text("Acknowledged")
    expect(page.locator(".report-history")).to_contain_text("staff_520500")
    expect(page.locator(".report-history")).to_contain_text("已通知街道办")
