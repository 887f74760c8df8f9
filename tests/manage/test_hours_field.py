"""The station form's opening hours: the rider's words are accepted, the editor's preview speaks them."""

import pytest

from stationfinder.extensions import db
from stationfinder.models import Station
from tests.factories import StationFactory, UserFactory
from tests.staff import login, station_form

WORDED = "周一至周五：08:00-20:00；周六、周日：10:00-18:00"


@pytest.fixture
def station_id(app):
    with app.app_context():
        station = StationFactory(name="毕城驿站", region_code="520502", opening_hours="24/7")
        UserFactory(username="bj_manager", manager=True, stations=[station])
        db.session.commit()
        return station.id


def stored_hours(app, station_id) -> str:
    with app.app_context():
        return db.session.get(Station, station_id).opening_hours


def test_hours_typed_as_riders_read_them_are_saved_in_the_syntax(app, client, station_id):
    login(client, "bj_manager")
    data = station_form(opening_hours=WORDED)
    del data["region_code"]
    response = client.post(f"/manage/stations/{station_id}", data=data)
    assert response.status_code == 302
    assert stored_hours(app, station_id) == "Mo-Fr 08:00-20:00; Sa,Su 10:00-18:00"
    with app.app_context():
        key = db.session.get(Station, station_id).public_key
    rider = client.get(f"/stations/{key}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "<div>周一至周五：08:00-20:00</div><div>周六、周日：10:00-18:00</div>" in rider


def test_the_form_works_without_javascript(app, client, station_id):
    login(client, "bj_manager")
    body = client.get(f"/manage/stations/{station_id}").get_data(as_text=True)
    # The plain text field carries the hours; the editor stays hidden until its script shows it.
    assert 'name="opening_hours"' in body and 'value="24/7"' in body
    assert '<div class="hours-editor" id="hours-editor" hidden' in body
    assert 'src="/static/js/hours_editor.' in body  # its name carries a content hash
    assert "周一至周五 08:00-20:00；周六、周日 10:00-18:00" in body  # the hint shows the rider's words


@pytest.mark.parametrize(
    ("lang", "typed", "lines"),
    [
        (
            "zh-CN",
            "Mo-Fr 08:00-20:00; Sa,Su 10:00-18:00",
            ["周一至周五：08:00-20:00", "周六、周日：10:00-18:00"],
        ),
        ("zh-CN", "24小时", ["24 小时开放"]),
        ("en", "周一至周五 08:00-12:00，14:00-20:00", ["Mon–Fri: 08:00-12:00, 14:00-20:00"]),
    ],
)
def test_preview_speaks_the_riders_words(client, station_id, lang, typed, lines):
    login(client, "bj_manager")
    answer = client.get(
        "/manage/hours-preview", query_string={"hours": typed}, headers={"Accept-Language": lang}
    )
    assert answer.status_code == 200
    assert answer.json["ok"] is True and answer.json["lines"] == lines


def test_preview_gives_the_editor_its_day_groups(client, station_id):
    login(client, "bj_manager")
    answer = client.get("/manage/hours-preview", query_string={"hours": WORDED}).json
    assert answer["canonical"] == "Mo-Fr 08:00-20:00; Sa,Su 10:00-18:00"
    assert answer["always"] is False
    assert answer["groups"] == [
        {"days": [0, 1, 2, 3, 4], "ranges": [["08:00", "20:00"]]},
        {"days": [5, 6], "ranges": [["10:00", "18:00"]]},
    ]


@pytest.mark.parametrize("typed", ["早八晚八", "周一：25:00-26:00", "x" * 5000, "\x00"])
def test_preview_of_unreadable_hours_explains_in_chinese(client, station_id, typed):
    login(client, "bj_manager")
    answer = client.get("/manage/hours-preview", query_string={"hours": typed})
    assert answer.status_code == 200
    assert answer.json == {"ok": False, "error": "开放时间的格式无法识别，请参照示例填写。"}


def test_preview_needs_a_login(client):
    response = client.get("/manage/hours-preview", query_string={"hours": "24/7"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
