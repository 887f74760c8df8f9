"""The rider app without a network, in Debian's chromium: the worker, the kept stations, a queued check-in.

A first visit online installs the service worker and keeps the area's stations; then, with the
context offline, `/`, a station page and a check-in page reload from the phone, and a 签到 tapped
offline is sent once the network is back. Every wait is for a condition (the worker, IndexedDB,
the page), never a fixed sleep.
"""

import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from stationfinder.extensions import db
from stationfinder.geo.nav import nav_links
from stationfinder.models import Checkin, Station
from stationfinder.rider import pwa_routes
from stationfinder.services import dataset
from stationfinder.services.posters import tokens as posters
from stationfinder.services.stations import hours as hours_syntax
from stationfinder.services.stations import lookup
from tests.factories import StationFactory

pytestmark = pytest.mark.e2e

RIDER = (26.5800, 106.7100)
WATER = 1 << 1
STATIONS = [
    # name, lat, lon, hours, status, amenity mask
    ("云岩驿站", 26.5811, 106.7100, "24/7", "open", WATER),  # ~120 m
    ("南明驿站", 26.5800, 106.7190, "Mo-Su off", "open", 0),  # ~900 m, never open
    ("花溪驿站", 26.5350, 106.7100, "24/7", "temporarily_closed", WATER),  # ~5 km
    ("关闭驿站", 26.5802, 106.7101, "24/7", "closed", WATER),  # nearest, but closed: never listed
]
# Chromium logs every request the offline context refuses; those are the point of the test.
OFFLINE_NOISE = ("ERR_INTERNET_DISCONNECTED", "Failed to fetch")


@pytest.fixture
def app(app_factory):
    return app_factory(WTF_CSRF_ENABLED=True)


@pytest.fixture
def world(app):
    """Store the stations and a poster at the nearest one; return (station rows, poster token)."""
    rows = {}
    with app.app_context():
        for name, lat, lon, hours, status, mask in STATIONS:
            s = StationFactory(
                name=name,
                address=f"{name}地址",
                lat=lat,
                lon=lon,
                opening_hours=hours,
                status=status,
                amenity_mask=mask,
            )
            rows[name] = {"id": s.id, "lat": lat, "lon": lon, "address": s.address}
        token = posters.current_poster(db.session.get(Station, rows["云岩驿站"]["id"])).token
        dataset.bump()
        db.session.commit()
    return rows, token


def checkins(app) -> list[Checkin]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(Checkin)))
        db.session.expunge_all()
        return found


def controlled(page) -> None:
    """Wait until the service worker is active and controls the page (it claims open pages)."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def until(page, check: str, timeout_ms: int = 10_000) -> None:
    """Wait until the JS function ``check`` resolves truthy (wait_for_function takes no promise)."""
    page.evaluate(
        f"""async () => {{
            const check = {check};
            const end = Date.now() + {timeout_ms};
            while (!(await check())) {{
                if (Date.now() > end) throw new Error("timed out waiting for " + {json.dumps(check)});
                await new Promise((resolve) => setTimeout(resolve, 50));
            }}
        }}"""
    )


def quiet(device) -> None:
    """Let the pages settle, then drop the console errors of requests refused while offline."""
    for page in device.context.pages:
        page.wait_for_load_state("networkidle")
    device.errors[:] = [e for e in device.errors if not any(n in e for n in OFFLINE_NOISE)]


def test_rider_page_station_page_and_a_check_in_work_offline(app, world, phone):
    rows, token = world
    device = phone(RIDER)
    page = device.open("/")
    expect(page.locator("#results .station-title").first).to_have_text("云岩驿站")
    controlled(page)
    # The nearest answer is on screen; the area's stations are kept behind it.
    until(page, "() => window.SFStore && SFStore.stations().then((s) => s && s.stations.length === 3)")
    station_path = f"/stations/{rows['云岩驿站']['id']}"
    page.goto(station_path)
    expect(page.locator("h1")).to_have_text("云岩驿站")
    page.goto(f"/c/{token}")
    expect(page.locator("h1")).to_have_text("云岩驿站")
    controlled(page)
    # The check-in page remembers its station's name for the offline shell.
    until(
        page, f"() => window.SFStore && SFStore.poster('/c/{token}').then((p) => p && p.name === '云岩驿站')"
    )

    # Kept: the shell and the station page opened; never an API answer or a check-in page.
    kept = page.evaluate(
        """() => caches.keys().then((names) => Promise.all(names.map((n) =>
            caches.open(n).then((c) => c.keys()).then((reqs) => reqs.map((r) => new URL(r.url).pathname))
        ))).then((lists) => lists.flat())"""
    )
    assert "/" in kept and station_path in kept and "/offline/checkin" in kept
    assert not [path for path in kept if path.startswith(("/api/", "/c/", "/reports"))], kept

    device.context.set_offline(True)
    page.goto("/")
    note = page.locator("#offline-note")
    expect(note).to_be_visible()
    saved = note.inner_text()
    assert re.fullmatch(r"离线 · 数据更新于 \d\d:\d\d", saved), saved
    titles = page.locator("#results .station-title")
    expect(titles).to_have_text(["云岩驿站", "南明驿站", "花溪驿站"])
    first = page.locator("#results > li").first
    links = nav_links(rows["云岩驿站"]["lat"], rows["云岩驿站"]["lon"], "云岩驿站", "云岩驿站地址")
    assert first.locator("a.nav-amap").get_attribute("href") == links["amap"]
    assert first.locator("a.nav-baidu").get_attribute("href") == links["baidu"]
    assert first.locator("a.nav-apple").get_attribute("href") == links["apple"]
    assert first.locator(".distance").inner_text() == "120 米"
    # Opening hours are read on the phone: 24/7 is open, "off" every day is not, a pause is a pause.
    badges = page.locator("#results .badges")
    expect(badges).to_have_text(["开放中", "未开放", "暂停开放"])

    page.goto(station_path)
    expect(page.locator("h1")).to_have_text("云岩驿站")
    # Its "open now" is as old as the copy, and the page says how old.
    expect(page.locator("[data-kept-note]")).to_have_text(re.compile(r"离线 · 页面保存于 \d\d:\d\d"))

    page.goto(f"/c/{token}")
    expect(page.locator("h1")).to_have_text("云岩驿站")
    expect(page.locator("[data-checkin-shell] .notice").first).to_contain_text("没有网络")
    page.get_by_text("快递员").click()
    page.get_by_role("button", name="签到").click()
    queued = page.locator("[data-offline-notice]")
    expect(queued).to_contain_text("保存在手机上")
    assert checkins(app) == []

    device.context.set_offline(False)
    expect(queued).to_contain_text("已发送并计入")
    [checkin] = checkins(app)
    assert checkin.category == "courier"
    # A tap sent twice (an answer lost on the way) is counted once: the server's dedupe.
    again = page.evaluate(f"SFStore.queueCheckin('/c/{token}', 'courier').then(() => SFStore.sendQueued())")
    assert again == {"waiting": 0}, "the server took it, as the same phone's earlier check-in"
    assert len(checkins(app)) == 1
    quiet(device)


def test_a_tap_queued_on_a_page_loaded_online_is_sent_by_the_next_page(app, world, phone):
    _rows, token = world
    device = phone(RIDER)
    page = device.open(f"/c/{token}")
    controlled(page)
    device.context.set_offline(True)
    # The signal drops after the page has loaded: the worker queues the tap and shows the shell.
    page.get_by_role("button", name="签到").click()
    expect(page.locator("[data-offline-notice]")).to_contain_text("保存在手机上")
    expect(page.locator("[data-checkin-shell] h1")).to_have_text("云岩驿站")
    page.close()
    assert checkins(app) == []

    device.context.set_offline(False)
    later = device.open("/")
    until(later, f"() => window.SFStore && SFStore.checkins('/c/{token}').then((l) => l[0].state === 'sent')")
    [checkin] = checkins(app)
    assert checkin.category is None
    quiet(device)


def test_a_tap_too_old_or_at_a_closed_station_is_not_sent(app, world, phone):
    rows, token = world
    device = phone(RIDER)
    device.context.clock.install()
    page = device.open(f"/c/{token}")
    controlled(page)
    until(page, "() => window.SFStore !== undefined")
    notice = page.locator("[data-offline-notice]")
    device.context.set_offline(True)
    page.evaluate(f"SFStore.queueCheckin('/c/{token}', 'courier')")
    expect(notice).to_contain_text("保存在手机上")
    # An hour and a minute later the signal is back: counted now, the visit would land in the
    # wrong hour (and make the station look busy), so it is dropped and the page says why.
    device.context.clock.fast_forward("01:01:00")
    assert page.evaluate("SFStore.sendQueued()") == {"waiting": 0}
    expect(notice).to_contain_text("没有发送：超过 60 分钟后才恢复网络")
    device.context.set_offline(False)

    with app.app_context():
        db.session.get(Station, rows["云岩驿站"]["id"]).status = "closed"
        db.session.commit()
    page.evaluate(f"SFStore.queueCheckin('/c/{token}', null).then(() => SFStore.sendQueued())")
    expect(notice).to_contain_text("未能计入：驿站已关闭")
    until(page, f"() => SFStore.checkins('/c/{token}').then((l) => l.every((c) => c.state !== 'waiting'))")
    assert checkins(app) == []
    quiet(device)


def test_an_update_replaces_the_shell_and_deletes_the_old_caches(app, world, phone, monkeypatch):
    rows, _token = world
    device = phone(RIDER)
    page = device.open("/")
    controlled(page)
    page.goto(f"/stations/{rows['云岩驿站']['id']}")
    old = worker_version(app)
    until(
        page, f"() => caches.keys().then((k) => k.includes('sf-shell-{old}') && k.includes('sf-pages-{old}'))"
    )

    monkeypatch.setattr(pwa_routes, "_app_version", lambda: "a release later")
    new = worker_version(app)
    assert new != old
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    # The new worker takes over at once and keeps only its own caches: no old shell is left to serve.
    until(page, f"() => caches.keys().then((k) => k.length === 1 && k[0] === 'sf-shell-{new}')")
    until(page, f"() => caches.open('sf-shell-{new}').then((c) => c.match('/')).then(Boolean)")
    device.context.set_offline(True)
    page.goto("/")
    expect(page.locator("#offline-note")).to_be_visible()
    quiet(device)


def worker_version(app) -> str:
    with app.test_request_context():
        return pwa_routes.worker_version()


LOCAL = ZoneInfo("Asia/Shanghai")
HOURS = [
    "24/7",
    "",
    "08:00-20:00",
    "Mo-Fr 08:00-20:00; Sa,Su 09:00-18:00",
    "Mo-Su 07:00-12:00,14:00-22:00",
    "Sa 22:00-06:00",
    "Su 22:00-02:00",
    "Mo 00:00-03:00; Su 21:00-24:00",
    "Mo-Fr 08:00-18:00; We off",
    "Fr-Mo 10:00-14:00",
    "Mo-Fr 8:00-18:00",
    "Mo-Fr 08:00-24:00",
    "Mo-Fr closed; Sa 10:00-12:00",
    "Mo-Fr 08：00－20：00；Su off",
    "Mo-Fr 08:00-12:00 , 13:00-17:00",
    "Mo-Su 00:00-24:00",
    "Mo-Su off",
    "OFF",
    "00:00-24:00",
    "23:00-01:00",
    "Tu,Th 06:30-09:15,17:45-23:59",
    "Su-Mo 22:00-02:00",
    "Mo,We,Fr 10:00-11:00; We 12:00-13:00",
    "Mo-Fr off;Sa 08:00-09:00;",
    "closed",
    "０:00-8:0５",
    # What the server refuses is closed on the phone too.
    "Mo-Fr",
    "08:00-08:00",
    "24:00-02:00",
    "25:00-26:00",
    "garbage",
    "Mo-Fr 08:00-20:00; " * 12,
]


WORDED = ["周一至周五：08:00-20:00；周六 休息", "sa 08:00-20:00"]
CLOCKS = [(0, 0), (1, 30), (5, 59), (6, 30), (8, 0), (12, 0), (17, 59), (19, 59), (21, 30), (23, 59)]


def stored(text: str) -> str:
    """Return hours as a station row holds them: the canonical syntax, or unreadable text as it came."""
    try:
        return hours_syntax.validate(text)
    except hours_syntax.InvalidHours:
        return text


def test_the_phone_reads_opening_hours_as_the_server_does(app, phone):
    # Every writer stores the canonical syntax (the words riders read become it too) and the API
    # hands it on as stored: the phone reads that syntax; a null reads as round the clock.
    values = [stored(text) for text in HOURS + WORDED] + [None]
    monday = datetime(2024, 5, 6, tzinfo=LOCAL)
    moments = [monday + timedelta(days=day, hours=h, minutes=m) for day in range(7) for h, m in CLOCKS]
    cases = [
        (status, text, at) for status in ("open", "temporarily_closed") for text in values for at in moments
    ]
    page = phone().open("/")
    page.wait_for_function("() => window.SFHours !== undefined")
    phone_says = page.evaluate(
        "(cases) => cases.map(([status, text, iso]) =>"
        " SFHours.openState(status, text, new Date(iso), 'Asia/Shanghai'))",
        [[status, text, moment.astimezone(UTC).isoformat()] for status, text, moment in cases],
    )
    server_says = [lookup.open_state(status, text, moment) for status, text, moment in cases]
    differ = [(c, p, s) for c, p, s in zip(cases, phone_says, server_says, strict=True) if p != s]
    assert differ == []
    assert any(s["open_now"] for s in server_says) and any(s["closes_at"] == "24:00" for s in server_says)
