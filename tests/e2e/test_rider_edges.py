"""Rough edges of the rider page on a 390×844 phone: failed location, card badges, filters, search."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from stationfinder.extensions import db
from stationfinder.services import dataset
from tests.e2e import conftest as e2e
from tests.e2e.test_rider_page import RIDER, names, seed
from tests.factories import StationFactory

pytestmark = pytest.mark.e2e

LOCATE_TIMEOUT_SECONDS = 1.0
LOCATING = "正在获取您的位置…"
DENIED = "无法获取位置（定位未开启或被拒绝）。请选择区县，或按名称搜索。"
TIMED_OUT = "获取位置超时。请选择区县，或按名称搜索。"
UNAVAILABLE = "暂时无法获取您的位置。请选择区县，或按名称搜索。"
# Monday 2026-06-01, 19:30 in Guiyang.
EVENING = datetime(2026, 6, 1, 19, 30, tzinfo=ZoneInfo("Asia/Shanghai"))

# Stand-ins for navigator.geolocation: each records the options it was given.
GEOLOCATION = """
Object.defineProperty(Navigator.prototype, "geolocation", {
  configurable: true,
  get: function () {
    return {
      getCurrentPosition: function (ok, fail, options) {
        window.__geoOptions = options;
        %s
      },
      watchPosition: function () { return 0; },
      clearWatch: function () {},
    };
  },
});
"""
NEVER_ANSWERS = GEOLOCATION % ""
TIMES_OUT = GEOLOCATION % "setTimeout(function () { fail({ code: 3, TIMEOUT: 3 }); }, options.timeout);"
NO_FIX = GEOLOCATION % "setTimeout(function () { fail({ code: 2, POSITION_UNAVAILABLE: 2 }); }, 10);"


@pytest.fixture(autouse=True)
def larger_phone(monkeypatch):
    """Use a common 390×844 phone rather than the suite's small one."""
    monkeypatch.setitem(e2e.PHONE, "viewport", {"width": 390, "height": 844})


@pytest.fixture
def app(app_factory):
    """Give up waiting for a position after a second, so timeouts are quick to test."""
    return app_factory(LOCATE_TIMEOUT_SECONDS=LOCATE_TIMEOUT_SECONDS)


def status(page):
    return page.locator("#status .status-text")


def pick_bijie(page):
    """Use the district search after a failed location: choose 毕节市 and wait for its station."""
    first = page.locator("#region-0")
    first.wait_for()
    first.select_option(label="毕节市")
    expect(names(page)).to_have_text(["七星关驿站"])


def test_second_locate_after_denial_says_so_and_keeps_the_list(app, phone):
    seed(app)
    page = phone(position=None).open("/")
    expect(page.locator("#search-why")).to_have_text(DENIED)
    help_box = page.locator("#locate-help")
    expect(help_box).to_be_visible()
    pick_bijie(page)

    page.locator("#locate").click()
    expect(status(page)).to_have_text(DENIED)
    expect(page.locator("#status")).not_to_contain_text(LOCATING)
    expect(page.locator("#status")).to_have_class("status is-error")
    # Said once, in the status line above the list it leaves in place.
    expect(page.locator("#search-why")).to_have_text("")
    expect(names(page)).to_have_text(["七星关驿站"])

    help_box.locator("summary").click()
    for words in ("在微信里", "在浏览器里", "iPhone", "Android", "设置 → 隐私与安全性 → 定位服务"):
        expect(help_box).to_contain_text(words)
    page.screenshot(path="/tmp/sf-locate-denied.png")

    # The list still answers: a filter tap narrows it and the status line says so.
    page.locator(".chip", has_text="空调").click()
    expect(status(page)).to_have_text("空调 · 1 个驿站")
    expect(names(page)).to_have_text(["七星关驿站"])


@pytest.mark.parametrize(
    ("script", "message", "waits"),
    [
        pytest.param(NEVER_ANSWERS, TIMED_OUT, True, id="never answers"),
        pytest.param(TIMES_OUT, TIMED_OUT, True, id="timeout error"),
        pytest.param(NO_FIX, UNAVAILABLE, False, id="position unavailable"),
    ],
)
def test_location_that_does_not_come_is_reported(app, phone, script, message, waits):
    seed(app)
    rider = phone(position=None)
    rider.context.add_init_script(script)
    page = rider.open("/")
    expect(page.locator("#search-why")).to_have_text(message)
    assert page.evaluate("window.__geoOptions.timeout") == LOCATE_TIMEOUT_SECONDS * 1000
    pick_bijie(page)

    page.locator("#locate").click()
    if waits:
        expect(page.locator("#status")).to_contain_text(LOCATING)
    expect(status(page)).to_have_text(message)
    expect(page.locator("#locate-help")).to_be_visible()
    expect(names(page)).to_have_text(["七星关驿站"])
    page.locator("#results .station-title a").click()
    page.wait_for_url("**/stations/*")


def test_cards_say_who_may_enter_and_when_they_close(app, phone):
    with app.app_context():
        rows = [
            ("晚九点关门", 26.5805, "08:00-21:00", "open", "public"),
            ("会员驿站", 26.5810, "24/7", "open", "members"),
            ("暂停驿站", 26.5815, "24/7", "temporarily_closed", "public"),
            ("已撤站", 26.5817, "24/7", "closed", "public"),
            ("晚十一点关门", 26.5820, "08:00-23:00", "open", "public"),
        ]
        for name, lat, hours, state, access in rows:
            StationFactory(name=name, lat=lat, lon=106.71, opening_hours=hours, status=state, access=access)
        dataset.bump()
        db.session.commit()
    # The server reads the clock; the browser only shows what it sends.
    with time_machine.travel(EVENING):
        page = phone(RIDER).open("/")
        expect(names(page)).to_have_text(["晚九点关门", "会员驿站", "暂停驿站", "晚十一点关门"])
    cards = page.locator("#results > li")
    expect(cards.nth(0).locator(".badge")).to_have_text(["开放至 21:00"])
    expect(cards.nth(1).locator(".badge")).to_have_text(["开放中", "仅限会员"])
    expect(cards.nth(2).locator(".badge")).to_have_text(["暂停开放"])
    # Three and a half hours to go is not "closing soon".
    expect(cards.nth(3).locator(".badge")).to_have_text(["开放中"])
    page.screenshot(path="/tmp/sf-cards.png")

    # The members-only station's own page says the same.
    cards.nth(1).locator(".station-title a").click()
    expect(page.locator("body")).to_contain_text("仅限会员")


def test_active_filters_show_in_the_status_line_and_clear_at_once(app, phone):
    seed(app)
    page = phone(RIDER).open("/")
    expect(names(page)).to_have_count(4)
    page.locator(".chip", has_text="开放中").click()
    page.locator(".chip", has_text="卫生间").click()
    expect(status(page)).to_have_text("开放中 · 卫生间 · 2 个驿站")
    expect(names(page)).to_have_text(["南明驿站", "花溪驿站"])
    # The chips scroll sideways out of sight; the status line still says what is on.
    page.locator("#chips").evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    clear = page.locator("#status").get_by_role("button", name="清除筛选")
    expect(clear).to_be_in_viewport()
    page.screenshot(path="/tmp/sf-filters.png")

    clear.click()
    expect(status(page)).to_have_text("离您最近的 4 个驿站")
    expect(page.locator(".chip[aria-pressed='true']")).to_have_count(0)
    expect(clear).to_have_count(0)
    expect(names(page)).to_have_count(4)


def test_filters_in_the_district_search(app, phone):
    seed(app)
    page = phone(position=None).open("/")
    page.locator("#region-0").select_option(label="贵阳市")
    expect(names(page)).to_have_count(3)
    page.locator(".chip", has_text="卫生间").click()
    expect(status(page)).to_have_text("卫生间 · 2 个驿站")
    page.locator("#status").get_by_role("button", name="清除筛选").click()
    expect(status(page)).to_have_text("找到 3 个驿站")


def test_empty_district_search_offers_to_search_everywhere(app, phone):
    seed(app)
    page = phone(position=None).open("/")
    page.locator("#region-0").select_option(label="贵阳市")
    expect(names(page)).to_have_count(3)
    # 毕节 is a region name: it finds the station in 七星关区, but not inside 贵阳市.
    page.locator("#q").fill("毕节")
    page.locator("#q").press("Enter")
    expect(status(page)).to_have_text("所选区县内没有找到驿站。")
    everywhere = page.locator("#status").get_by_role("button", name="在全部区县搜索")
    page.screenshot(path="/tmp/sf-search-empty.png")
    everywhere.click()
    expect(names(page)).to_have_text(["七星关驿站"])
    expect(page.locator("#region-0")).to_have_value("")
    expect(page.locator("#region-1")).to_have_count(0)
    expect(page.locator("#q")).to_have_value("毕节")
