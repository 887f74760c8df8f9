"""Error pages: staff keep the staff layout and menu and are told why; riders keep the rider layout."""

import pytest

from tests.staff import login, make_world

STAFF_NAV = '<nav class="staff-nav"'
RIDER_TOPBAR = '<header class="topbar">'
GUIYANG_STAFF = "这个驿站不在您的管理范围内（您的范围：贵阳市）"


@pytest.fixture
def world(app):
    return make_world(app)


def page(client, path: str, method: str = "get", **kw):
    response = getattr(client, method)(path, **kw)
    return response.status_code, response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/manage/stations/{bj}"),
        ("get", "/manage/stations/{bj}/history"),
        ("post", "/manage/stations/{bj}/confirm"),
        ("get", "/manage/stations/{bj}/poster"),
        ("get", "/manage/stations/{bj}/poster.svg"),
    ],
)
def test_a_station_outside_the_region_says_why_in_the_staff_layout(client, world, method, path):
    login(client, "staff_520100")
    status, body = page(client, path.format(**world), method)
    assert status == 403
    assert STAFF_NAV in body and "当前用户：staff_520100" in body
    assert GUIYANG_STAFF in body and "请联系管理员" in body
    assert '<a class="btn" href="/manage/">' in body
    assert RIDER_TOPBAR not in body


def test_a_manager_is_told_the_stations_are_theirs_only(client, world):
    login(client, "manager_gy")
    status, body = page(client, f"/manage/stations/{world['bj']}")
    assert status == 403
    assert "这个驿站不在您的管理范围内（您的范围：您管理的 1 个驿站）" in body and STAFF_NAV in body


def test_the_explanation_in_english(client, world):
    login(client, "staff_520100")
    status, body = page(client, f"/manage/stations/{world['bj']}?lang=en")
    assert status == 403
    assert "This station is outside the area you look after (your area: Guiyang)." in body
    assert "Staff menu" in body


def test_a_manager_may_not_add_stations_and_is_told_so(client, world):
    login(client, "manager_gy")
    status, body = page(client, "/manage/stations/new")
    assert status == 403
    assert "只有区县工作人员和管理员可以添加驿站。" in body and STAFF_NAV in body


@pytest.mark.parametrize(
    "path", ["/manage/nope", "/manage/stations/999999", "/manage/stations/999999/poster"]
)
def test_manage_404_in_the_staff_layout(client, world, path):
    login(client, "staff_520100")
    status, body = page(client, path)
    assert status == 404
    assert "找不到这个页面。" in body and STAFF_NAV in body and RIDER_TOPBAR not in body


def test_manage_405_in_the_staff_layout(client, world):
    login(client, "staff_520100")
    status, body = page(client, "/manage/", "post")
    assert status == 405
    assert STAFF_NAV in body


def test_dashboard_403_names_the_area_in_the_staff_layout(client, world):
    login(client, "staff_520100")
    status, body = page(client, "/dashboard/?region=520500")
    assert status == 403
    assert "该地区或驿站不在您的管辖范围内（您的范围：贵阳市）。" in body and STAFF_NAV in body


def test_dashboard_export_403_in_the_staff_layout(client, world):
    login(client, "staff_520100")
    status, body = page(client, "/dashboard/export/days.csv?region=520500")
    assert status == 403
    assert "您没有权限查看此页面。" in body  # the heading
    assert "该地区或驿站不在您的管辖范围内（您的范围：贵阳市）。" in body  # and why
    assert STAFF_NAV in body


@pytest.mark.parametrize("path", ["/dashboard/nope", "/dashboard/export/nope.csv"])
def test_dashboard_404_in_the_staff_layout(client, world, path):
    login(client, "staff_520100")
    status, body = page(client, path)
    assert status == 404
    assert "找不到这个页面。" in body and STAFF_NAV in body


def test_a_staff_500_keeps_the_staff_layout(app, client, world):
    def boom():
        raise RuntimeError("boom")

    app.add_url_rule("/manage/boom", "boom", boom)
    login(client, "staff_520100")
    status, body = page(client, "/manage/boom")
    assert status == 500
    assert STAFF_NAV in body and "boom" not in body.replace("/manage/boom", "")


def test_anonymous_staff_404_offers_the_login(client):
    status, body = page(client, "/manage/nope")
    assert status == 404
    assert STAFF_NAV not in body and 'href="/login"' in body


@pytest.mark.parametrize("path", ["/nope", "/stations/nope", "/manager", "/dashboards"])
def test_rider_404_keeps_the_rider_layout(client, world, path):
    login(client, "staff_520100")  # even for a logged-in staff member
    status, body = page(client, path)
    assert status == 404
    assert RIDER_TOPBAR in body and STAFF_NAV not in body
