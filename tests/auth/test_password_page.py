"""The password page: current password first, the one policy, and other sessions end."""

import pytest

from stationfinder.extensions import db
from tests.factories import PASSWORD, UserFactory
from tests.staff import login

NEW = "Tea-kettle-on-the-7th-floor"


@pytest.fixture
def gy(app):
    with app.app_context():
        UserFactory(username="gy")
        db.session.commit()
    return "gy"


def change(client, current=PASSWORD, new=NEW, confirm=None):
    data = {"current_password": current, "new_password": new, "confirm": new if confirm is None else confirm}
    return client.post("/account/password", data=data)


def test_the_page_needs_a_login(client):
    response = client.get("/account/password")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_staff_menu_links_to_it(client, gy):
    login(client, "gy")
    page = client.get("/manage/").get_data(as_text=True)
    assert 'href="/account/password"' in page and "修改密码" in page


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, gy):
    here, elsewhere = app.test_client(), app.test_client()
    login(here, "gy", remember="y")
    login(elsewhere, "gy", remember="y")
    response = change(here)
    assert response.status_code == 302 and response.headers["Location"] == "/manage/"
    assert "密码已修改" in here.get("/manage/").get_data(as_text=True)
    assert elsewhere.get("/manage/").status_code == 302
    # The remember cookie this browser got is on the new version too.
    remembered = app.test_client()
    remembered.set_cookie("remember_token", here.get_cookie("remember_token").value)
    assert remembered.get("/manage/").status_code == 200
    assert login(app.test_client(), "gy", PASSWORD).status_code == 200
    assert login(app.test_client(), "gy", NEW).status_code == 302


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"current": "not-my-password"}, "当前密码不正确"),
        ({"new": "woaini1314"}, "这是常见密码"),
        ({"new": "13812345678"}, "不能只有数字"),
        ({"new": "gy"}, "至少 10 个字符"),
        ({"confirm": NEW + "x"}, "两次输入的新密码不一致"),
    ],
)
def test_refusals_say_why_and_change_nothing(app, client, gy, kwargs, message):
    login(client, "gy")
    response = change(client, **kwargs)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert client.get("/manage/").status_code == 200
    assert login(app.test_client(), "gy", PASSWORD).status_code == 302


def test_refusals_in_english(client, gy):
    login(client, "gy")
    response = client.post(
        "/account/password?lang=en",
        data={"current_password": PASSWORD, "new_password": "password123", "confirm": "password123"},
    )
    assert "This password is on a list of common passwords" in response.get_data(as_text=True)


def test_wrong_current_passwords_are_throttled(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN_IP="2 per 15 minutes")
    with app.app_context():
        UserFactory(username="gy")
        db.session.commit()
    client = app.test_client()
    login(client, "gy")
    assert [change(client, current="guess-number-1").status_code for _ in range(2)] == [200, 200]
    assert change(client).status_code == 429
