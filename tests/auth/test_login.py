"""Login and logout: redirects, safe ``next``, fresh sessions, remember-me off, throttling."""

import pytest

from stationfinder.auth.routes import safe_next
from stationfinder.extensions import db
from tests.factories import PASSWORD, UserFactory
from tests.staff import login


@pytest.fixture
def staff(app):
    with app.app_context():
        UserFactory(username="gy")
        UserFactory(username="off", active=False)
        db.session.commit()
    return "gy"


def logged_in(client) -> bool:
    return client.get("/manage/").status_code == 200


def test_login_page_is_chinese_first(client):
    response = client.get("/login")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "员工登录" in body and 'name="password"' in body and 'type="password"' in body
    assert "Staff login" in client.get("/login?lang=en").get_data(as_text=True)


def test_login_and_logout(client, staff):
    response = login(client, staff)
    assert response.status_code == 302 and response.headers["Location"] == "/manage/"
    assert logged_in(client)
    assert "gy" in client.get("/manage/").get_data(as_text=True)
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "您已退出登录" in client.get("/login").get_data(as_text=True)
    assert not logged_in(client)


def test_logout_needs_post(client, staff):
    login(client, staff)
    assert client.get("/logout").status_code == 405
    assert logged_in(client)


@pytest.mark.parametrize(
    ("username", "password"), [("gy", "wrong password!"), ("nobody", "whatever-password"), ("off", None)]
)
def test_failed_login_says_so_and_logs_nobody_in(client, staff, username, password):
    response = login(client, username, **({"password": password} if password else {}))
    assert response.status_code == 200
    assert "用户名或密码错误，或账号已停用" in response.get_data(as_text=True)
    assert not logged_in(client)


def test_empty_login_form_is_refused(client, staff):
    response = client.post("/login", data={"username": "", "password": ""})
    assert response.status_code == 200
    assert not logged_in(client)


def test_already_logged_in_goes_straight_on(client, staff):
    login(client, staff)
    response = client.get("/login?next=/manage/stations/new")
    assert response.status_code == 302 and response.headers["Location"] == "/manage/stations/new"


def test_local_next_is_followed(client, staff):
    response = client.post("/login?next=/manage/%3Fq%3D1", data={"username": "gy", "password": PASSWORD})
    assert response.headers["Location"] == "/manage/?q=1"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/manage/\r\nSet-Cookie:x=1",
        " //evil.example",
        "/\t/evil.example",
        "http:/evil.example",
        "manage/",
    ],
)
def test_unsafe_next_is_ignored(client, staff, target):
    response = client.post(
        "/login", query_string={"next": target}, data={"username": "gy", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/manage/"
    assert safe_next(target) is None


def test_anonymous_redirect_carries_next_and_a_message(client, staff):
    response = client.get("/manage/stations/new")
    assert response.headers["Location"] == "/login?next=%2Fmanage%2Fstations%2Fnew"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "请先登录" in page
    assert 'action="/login?next=/manage/stations/new"' in page
    response = client.post(
        "/login?next=%2Fmanage%2Fstations%2Fnew", data={"username": "gy", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/manage/stations/new"


def test_login_starts_a_fresh_session(client, staff):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["_user_id"] = "999"
    login(client, staff)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] != "999"


def test_logout_clears_the_session(client, staff):
    login(client, staff)
    with client.session_transaction() as session:
        session["leftover"] = 1
    client.post("/logout")
    with client.session_transaction() as session:
        assert "leftover" not in session and "_user_id" not in session


def test_remember_me_is_off_unless_ticked(app, staff):
    plain = app.test_client()
    response = login(plain, staff)
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    ticked = app.test_client()
    response = login(ticked, staff, remember="y")
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_remember_box_starts_unticked(client):
    body = client.get("/login").get_data(as_text=True)
    start = body.index('name="remember"')
    tag = body[body.rindex("<input", 0, start) : body.index(">", start)]
    assert "checked" not in tag


def test_logins_are_throttled_per_address_and_username(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per 15 minutes")
    with app.app_context():
        UserFactory(username="gy")
        UserFactory(username="bj")
        db.session.commit()
    client = app.test_client()
    for _ in range(3):
        assert login(client, "gy", "wrong password!").status_code == 200
    response = login(client, "gy")  # even the right password waits now
    assert response.status_code == 429
    body = response.get_data(as_text=True)
    assert "登录尝试次数过多" in body and "15 分钟" in body
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60 + 1  # the limiter rounds up to a second
    assert not logged_in(client)
    assert client.get("/login").status_code == 200  # showing the form is never throttled
    # Another username from the same address, and the same username from elsewhere, still get in.
    assert login(client, "bj").status_code == 302
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert login(other, "gy").status_code == 302


def test_throttling_can_be_switched_off(app_factory):
    app = app_factory(RATELIMIT_ENABLED=False, RATELIMIT_LOGIN="1 per 15 minutes")
    with app.app_context():
        UserFactory(username="gy")
        db.session.commit()
    client = app.test_client()
    for _ in range(5):
        assert login(client, "gy", "wrong password!").status_code == 200
    assert login(client, "gy").status_code == 302
