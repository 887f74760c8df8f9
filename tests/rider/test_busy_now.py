"""Busy now on the rider pages: the station page's chip and the words rider.js puts on the cards."""

import re

import pytest
import time_machine

from stationfinder.extensions import db
from tests.busy_world import T0, arrive, give_history
from tests.factories import StationFactory
from tests.rider.test_index import page_data


@pytest.fixture
def rush(app):
    """At T0: a full 4-seat station, one without enough data, and a closed one; {name: id}."""
    with app.app_context():
        full = StationFactory(name="满了", seats=4)
        new = StationFactory(name="新站", seats=4)
        shut = StationFactory(name="关了", seats=4)
        db.session.commit()
        for station in (full, shut):
            give_history(station)
            arrive(station, 6)
        shut.status = "closed"
        db.session.commit()
        return {"full": full.id, "new": new.id, "shut": shut.id}


def chip(body: str) -> tuple[str, str] | None:
    """Return (level, words) of the page's busy chip, or None."""
    found = re.search(r'<span class="badge badge-busy busy-(\w+)">([^<]*)</span>', body)
    return found.groups() if found else None


def page(client, station_id, lang="zh") -> str:
    with time_machine.travel(T0, tick=False):
        response = client.get(f"/stations/{station_id}", headers={"Accept-Language": lang})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_station_page_says_how_busy_in_words_chinese_first(client, rush):
    body = page(client, rush["full"])
    assert chip(body) == ("full", "现在已满")
    assert "现在忙闲" in body and "根据最近 40 分钟的骑手签到，对照座位数估算。" in body
    english = page(client, rush["full"], "en")
    assert chip(english) == ("full", "Full now")
    assert "Estimated from riders' check-ins of the last 40 minutes, against the seats." in english


def test_too_little_data_is_said_and_a_closed_station_has_no_chip(client, rush):
    assert chip(page(client, rush["new"])) == ("unknown", "暂无忙闲数据")
    assert chip(page(client, rush["new"], "en")) == ("unknown", "No busy data yet")
    closed = page(client, rush["shut"])
    assert chip(closed) is None and "现在忙闲" not in closed


def test_the_cards_get_their_words_from_the_page_data_and_none_for_unknown(client):
    zh = page_data(client.get("/").get_data(as_text=True))["text"]
    assert {k: v for k, v in zh.items() if k.startswith("busy_")} == {
        "busy_quiet": "现在空闲",
        "busy_busy": "现在较忙",
        "busy_full": "现在已满",
    }
    en = page_data(client.get("/?lang=en").get_data(as_text=True))["text"]
    assert [en[f"busy_{level}"] for level in ("quiet", "busy", "full")] == [
        "Quiet now",
        "Busy now",
        "Full now",
    ]
