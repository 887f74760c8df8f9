"""Opening hours and capacities in the rider's words."""

import pytest

from stationfinder.rider import texts


@pytest.fixture
def zh(app):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        yield


@pytest.fixture
def en(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def test_hours_in_chinese(zh):
    assert texts.hours_lines("24/7") == ["24 小时开放"]
    assert texts.hours_lines("") == ["24 小时开放"]
    assert texts.hours_lines("08:00-20:00") == ["每天：08:00-20:00"]
    assert texts.hours_lines("Mo-Fr 08:00-12:00,14:00-20:00; Sa,Su off") == [
        "周一至周五：08:00-12:00, 14:00-20:00",
        "周六、周日：全天关闭",
    ]
    # Full-width punctuation typed on a Chinese keyboard reads the same.
    assert texts.hours_lines("Mo-Fr 08：00－20：00") == ["周一至周五：08:00-20:00"]


def test_hours_in_english(en):
    assert texts.hours_lines("24/7") == ["Open 24 hours"]
    assert texts.hours_lines("Sa 22:00-06:00; Su off") == ["Sat: 22:00-06:00", "Sun: closed all day"]


def test_unreadable_hours_are_shown_as_stored(en):
    assert texts.hours_lines("ask the guard") == ["ask the guard"]


def test_capacity(zh):
    assert texts.capacity_label(12, 160) == "12 个座位 · 160 平方米"
    assert texts.capacity_label(None, 160) == "160 平方米"
    assert texts.capacity_label(None, None) == ""


def test_labels(en):
    assert texts.status_label("temporarily_closed") == "Temporarily closed"
    assert texts.access_label("members") == "Members only"
    assert texts.page_texts()["kilometres"] == "%(n)s km"
