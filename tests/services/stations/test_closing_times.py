"""When an open station next closes: the schedule, the station object and both API answers."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from stationfinder.api.schemas import NearestOut, StationListOut
from stationfinder.extensions import db
from stationfinder.services import dataset
from stationfinder.services.nearest import search as nearest
from stationfinder.services.stations import hours
from stationfinder.services.stations import lookup as stations
from tests.factories import StationFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """Return a Shanghai wall-clock time in the week of Monday 2026-06-01 (day 0 = Monday)."""
    return datetime(2026, 6, 1 + day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("text", "at", "expected"),
    [
        ("08:00-21:00", local(0, 19, 30), local(0, 21)),
        ("08:00-21:00", local(0, 20, 59, 59), local(0, 21)),
        # Closed at the closing minute itself, and before opening.
        ("08:00-21:00", local(0, 21), None),
        ("08:00-21:00", local(0, 7, 59), None),
        ("24/7", local(3, 12), None),
        # Split days: the morning range closes at noon, not at night.
        ("Mo-Su 07:00-12:00,14:00-22:00", local(1, 11), local(1, 12)),
        # Past midnight: Saturday night closes on Sunday morning.
        ("Sa 22:00-06:00; Su off", local(5, 23), local(6, 6)),
        # Sunday night into Monday morning wraps around the week.
        ("Su 20:00-02:00; Mo-Sa off", local(6, 23), local(7, 2)),
        ("Su 20:00-24:00; Mo 00:00-03:00; Tu-Sa off", local(6, 21), local(7, 3)),
        # Ranges that touch are one opening.
        ("Mo 08:00-24:00; Tu 00:00-02:00; We-Su off", local(0, 23), local(1, 2)),
    ],
)
def test_schedule_knows_when_it_closes(text, at, expected):
    assert hours.parse(text).closes_at(at) == expected


@pytest.mark.parametrize(
    ("status", "text", "at", "expected"),
    [
        ("open", "08:00-21:00", local(0, 19, 30), (True, "21:00", 90)),
        ("open", "08:00-21:00", local(0, 10), (True, "21:00", 660)),
        ("open", "18:00-24:00", local(0, 23, 15), (True, "24:00", 45)),
        ("open", "Sa 22:00-06:00; Su off", local(5, 23, 30), (True, "06:00", 390)),
        ("open", "24/7", local(0, 10), (True, None, None)),
        # More than a day away is not said: "HH:MM" alone could not tell which day.
        ("open", "Mo-Sa 00:00-24:00; Su off", local(0, 10), (True, None, None)),
        ("open", "08:00-21:00", local(0, 22), (False, None, None)),
        ("temporarily_closed", "24/7", local(0, 10), (False, None, None)),
        ("open", "not hours", local(0, 10), (False, None, None)),
    ],
)
def test_open_state(status, text, at, expected):
    state = stations.open_state(status, text, at)
    assert (state["open_now"], state["closes_at"], state["closes_in_min"]) == expected


@pytest.fixture
def evening(app):
    """Three stations near 27.30, 105.29 (one temporarily closed, one closed for good); a Monday 19:30."""
    with app.app_context():
        StationFactory(name="晚九点", lat=27.300, lon=105.290, opening_hours="08:00-21:00")
        StationFactory(name="暂停", lat=27.301, lon=105.290, status="temporarily_closed", access="members")
        StationFactory(name="拆了", lat=27.302, lon=105.290, status="closed")
        StationFactory(name="全天", lat=27.303, lon=105.290, opening_hours="24/7")
        dataset.bump()
        db.session.commit()
    with time_machine.travel(local(0, 19, 30), tick=False):
        yield


def test_nearest_answer_says_when_stations_close(app, client, evening):
    body = client.get("/api/v1/stations/nearest?lat=27.3&lon=105.29&limit=10").get_json()
    assert NearestOut().validate(body) == {}
    by_name = {s["name"]: s for s in body["stations"]}
    # Temporarily closed stations are listed (so the card can say so); closed ones are not.
    assert list(by_name) == ["晚九点", "暂停", "全天"]
    assert (by_name["晚九点"]["closes_at"], by_name["晚九点"]["closes_in_min"]) == ("21:00", 90)
    assert by_name["暂停"]["status"] == "temporarily_closed" and by_name["暂停"]["access"] == "members"
    assert by_name["暂停"]["closes_at"] is None and by_name["暂停"]["open_now"] is False
    assert by_name["全天"]["closes_at"] is None and by_name["全天"]["open_now"] is True


def test_cached_nearest_answers_follow_the_clock(app, evening):
    with app.app_context():
        first = nearest.nearest(27.3, 105.29, limit=1, now=local(0, 19, 30))
        later = nearest.nearest(27.3, 105.29, limit=1, now=local(0, 20, 45))
        after = nearest.nearest(27.3, 105.29, limit=1, now=local(0, 21, 5))
    assert (first[0]["closes_at"], first[0]["closes_in_min"]) == ("21:00", 90)
    assert later[0]["closes_in_min"] == 15
    assert (after[0]["open_now"], after[0]["closes_at"], after[0]["closes_in_min"]) == (False, None, None)


def test_list_answer_says_when_stations_close(client, evening):
    body = client.get("/api/v1/stations?q=晚九点").get_json()
    assert StationListOut().validate(body) == {}
    (station,) = body["stations"]
    assert (station["closes_at"], station["closes_in_min"]) == ("21:00", 90)
