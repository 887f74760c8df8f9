"""The password policy: one check for every way a password is set, with reasons in Chinese and English."""

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import User
from stationfinder.services import accounts
from stationfinder.services.accounts import WeakPassword, check_password_policy
from stationfinder.services.errors import InvalidInput
from tests.factories import UserFactory


@pytest.mark.parametrize(
    ("password", "username", "reason"),
    [
        ("", "gy", "blank"),
        (" " * 12, "gy", "blank"),
        ("short-1", "gy", "short"),
        ("aaaaaaaaaaaa", "gy", "repeated"),
        ("############", "gy", "repeated"),
        ("13812345678", "gy", "digits"),  # a mobile number
        ("2024061520240615", "gy", "digits"),
        ("wangwei2024", "wangwei2024", "username"),
        ("WANGWEI2024", "wangwei2024", "username"),
        ("my-WangWei-pass!", "wangwei", "username"),
        ("woaini1314", "gy", "common"),
        ("password123", "gy", "common"),
        ("Password123", "gy", "common"),
        ("qwertyuiop", "gy", "common"),
        ("1qaz2wsx3edc", "gy", "common"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password, username, reason):
    with pytest.raises(WeakPassword) as caught:
        check_password_policy(password, username)
    assert caught.value.reason == reason
    assert isinstance(caught.value, InvalidInput)


@pytest.mark.parametrize(
    ("password", "username"),
    [
        ("correct horse battery", "gy"),
        ("Zq8#mT2!vLp9", "gy"),
        ("gy-rest-station-42", "gy"),  # a two-letter username is only refused when it is the whole password
        ("站点管理员的长密码很安全", "gy"),
        ("x" * 200 + "y", "gy"),
    ],
)
def test_good_passwords_pass(password, username):
    check_password_policy(password, username)


def test_outside_a_request_the_reason_is_english(app):
    with app.app_context(), pytest.raises(WeakPassword) as caught:
        check_password_policy("short", "gy")
    assert str(caught.value) == "The password must have at least 10 characters."


@pytest.mark.parametrize(
    ("lang", "reasons"),
    [
        ("zh-CN", {"short": "至少 10 个字符", "common": "常见密码", "username": "用户名", "digits": "数字"}),
        ("en", {"short": "at least 10 characters", "common": "common passwords", "username": "username"}),
    ],
)
def test_in_a_request_the_reason_is_in_the_visitors_language(app, lang, reasons):
    samples = {"short": "short", "common": "woaini1314", "username": "gy-gy-gy-gy!", "digits": "13812345678"}
    with app.test_request_context(headers={"Accept-Language": lang}):
        for reason, text in reasons.items():
            with pytest.raises(WeakPassword) as caught:
                check_password_policy(samples[reason], "gy-gy-gy-gy!")
            assert text in str(caught.value), (reason, str(caught.value))


def test_create_user_and_change_password_use_the_policy(app):
    with app.app_context():
        with pytest.raises(WeakPassword):
            accounts.create_user("gy_staff", "woaini1314", "admin")
        user = UserFactory(username="gy")
        with pytest.raises(WeakPassword):
            accounts.change_password(user, "gy")
        with pytest.raises(WeakPassword):
            accounts.change_password(user, "password123")
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0
