"""The station form's opening-hours editor on a phone: switch, weekday chips, times, preview, save."""

import pytest
from playwright.sync_api import expect

from stationfinder.extensions import db
from stationfinder.models import Station
from tests.factories import PASSWORD, StationFactory, UserFactory

pytestmark = pytest.mark.e2e

WEEK = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@pytest.fixture
def station(app):
    with app.app_context():
        station = StationFactory(name="毕城驿站", region_code="520502", opening_hours="24/7")
        UserFactory(username="bj_manager", manager=True, stations=[station])
        db.session.commit()
        return {"id": station.id, "key": station.public_key}


def open_form(phone, station_id):
    page = phone().open("/login")
    page.fill("#username", "bj_manager")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/manage/")
    page.goto(f"/manage/stations/{station_id}")
    expect(page.locator("#hours-editor")).to_be_visible()
    return page


def pressed(group) -> list[str]:
    return [
        day for day in WEEK if group.get_by_role("button", name=day).get_attribute("aria-pressed") == "true"
    ]


def test_weekdays_and_weekend_with_a_lunch_break(app, phone, station):
    page = open_form(phone, station["id"])
    switch = page.get_by_role("switch")
    preview = page.locator("#hours-preview-lines")
    expect(switch).to_be_checked()
    expect(preview).to_have_text("24 小时开放")

    # Off the 24-hour switch: every day, 08:00-20:00, to start from.
    switch.uncheck()
    first = page.locator(".hours-group").nth(0)
    expect(page.locator("#opening_hours")).to_have_value("Mo-Su 08:00-20:00")
    expect(preview).to_have_text("周一至周日：08:00-20:00")
    assert pressed(first) == list(WEEK)

    # The weekend goes into a group of its own, with shorter hours.
    first.get_by_role("button", name="周六").click()
    first.get_by_role("button", name="周日").click()
    expect(page.locator("#opening_hours")).to_have_value("Mo-Fr 08:00-20:00")
    page.get_by_role("button", name="+ 其他日期用另一个时间").click()
    second = page.locator(".hours-group").nth(1)
    assert pressed(second) == ["周六", "周日"]
    second.locator(".hours-from").first.fill("10:00")
    second.locator(".hours-to").first.fill("18:00")

    # Weekdays close for lunch: a second time range.
    first.locator(".hours-to").first.fill("12:00")
    first.get_by_role("button", name="+ 第二个时段（例如午休之后）").click()
    first.locator(".hours-from").nth(1).fill("14:00")
    first.locator(".hours-to").nth(1).fill("20:00")

    expect(page.locator("#opening_hours")).to_have_value("Mo-Fr 08:00-12:00,14:00-20:00; Sa,Su 10:00-18:00")
    expect(preview.locator("div")).to_have_text(
        ["周一至周五：08:00-12:00, 14:00-20:00", "周六、周日：10:00-18:00"]
    )

    page.click(".station-form button[type=submit]")
    expect(page.locator(".flashes")).to_contain_text("已保存")
    with app.app_context():
        stored = db.session.get(Station, station["id"]).opening_hours
    assert stored == "Mo-Fr 08:00-12:00,14:00-20:00; Sa,Su 10:00-18:00"

    # Opened again, the editor shows the saved groups.
    expect(page.locator(".hours-group")).to_have_count(2)
    expect(switch).not_to_be_checked()
    assert pressed(page.locator(".hours-group").nth(1)) == ["周六", "周日"]

    page.goto(f"/stations/{station['key']}")
    expect(page.locator("dd.hours div")).to_have_text(
        ["周一至周五：08:00-12:00, 14:00-20:00", "周六、周日：10:00-18:00"]
    )


def test_typed_words_update_the_preview_and_the_chips(app, phone, station):
    page = open_form(phone, station["id"])
    field = page.locator("#opening_hours")
    field.fill("星期一到星期五 9:00~18:00；周日 休息")
    field.dispatch_event("change")
    expect(page.locator("#hours-preview-lines")).to_have_text("周一至周五：9:00-18:00周日：全天关闭")
    expect(page.get_by_role("switch")).not_to_be_checked()
    group = page.locator(".hours-group")
    expect(group).to_have_count(1)
    assert pressed(group) == ["周一", "周二", "周三", "周四", "周五"]
    expect(group.locator(".hours-from").first).to_have_value("09:00")

    field.fill("早八晚八")
    expect(page.locator(".hours-preview")).to_have_class("hours-preview is-error")
    expect(page.locator("#hours-preview-lines")).to_have_text("开放时间的格式无法识别，请参照示例填写。")
