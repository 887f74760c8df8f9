"""The change history in words: every action and field has a label, rows that changed nothing are left out."""

import ast
import pathlib
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine

import stationfinder
from stationfinder.extensions import db
from stationfinder.manage import history
from stationfinder.models import AuditEntry, Poster, Station, User
from stationfinder.services.posters import tokens as posters
from stationfinder.services.stations import admin as station_admin
from tests.factories import StationFactory, UserFactory
from tests.staff import login, station_form

PACKAGE = pathlib.Path(stationfinder.__file__).parent
# The functions that write audit entries: (name, position of the action argument).
WRITERS = {"_record": 2, "_audit": 2}


def written() -> tuple[set[str], set[str]]:
    """Return the action names and change keys the code passes as literals to audit writers."""
    actions, fields = set(), set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            found = []
            if name in WRITERS:
                found = list(zip(("action", "changes"), node.args[WRITERS[name] :], strict=False))
            elif name == "AuditEntry":
                found = [(k.arg, k.value) for k in node.keywords if k.arg in ("action", "changes")]
            for role, arg in found:
                if role == "action" and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    actions.add(arg.value)
                if role == "changes" and isinstance(arg, ast.Dict):
                    fields |= {k.value for k in arg.keys if isinstance(k, ast.Constant)}
    return actions, fields


def test_the_source_scan_finds_the_writers():
    # Guards the scan itself: were the writers renamed, it would find nothing and prove nothing.
    actions, fields = written()
    assert {"create", "update", "confirm", "poster_create", "poster_rotate", "import"} <= actions
    assert {"poster", "last_verified_at", "file"} <= fields


def test_every_action_and_literal_field_the_code_writes_has_a_label():
    actions, fields = written()
    assert actions - set(history.ACTION_LABELS) == set()
    assert fields - set(history.FIELD_LABELS) == set()


def test_every_field_the_code_writes_has_a_label(app):
    """Run every service that writes history, changing every field, and look at what was written."""
    with app.app_context():
        admin = UserFactory(admin=True)
        data = station_form()
        station = station_admin.create_station(admin, data)
        changed = station_form(
            name="新名字",
            address="新地址",
            region_code="520521",
            amenities=["charging"],
            opening_hours="24/7",
            phone="0857 1234567",
            access="members",
            seats="3",
            area_m2="30",
            status="temporarily_closed",
            lat="27.31",
            lon="105.29",
        )
        station_admin.update_station(admin, station, changed)
        station_admin.confirm_station(admin, station)
        posters.create_poster(station, admin)
        posters.rotate(station, admin)
        db.session.commit()
        rows = db.session.scalars(sa.select(AuditEntry)).all()
    actions = {row.action for row in rows}
    fields = {field for row in rows for field in row.changes}
    assert actions == {"create", "update", "confirm", "poster_create", "poster_rotate"}
    assert set(station_admin.AUDITED) <= fields
    assert fields - set(history.FIELD_LABELS) == set()


@pytest.mark.parametrize(("lang", "cjk"), [("zh-CN", True), ("en", False)])
def test_labels_are_words_in_the_users_language(app, lang, cjk):
    with app.test_request_context(headers={"Accept-Language": lang}):
        for key, label in {**history.ACTION_LABELS, **history.FIELD_LABELS}.items():
            text = str(label)
            assert text != key and "_" not in text, key
            assert any("\u4e00" <= ch <= "\u9fff" for ch in text) is cjk, (key, text)


T0 = datetime(2026, 3, 2, 1, 54, 5, tzinfo=UTC)  # 09:54 in Shanghai


@pytest.fixture
def station_id(app):
    with app.app_context():
        station = StationFactory(name="毕城驿站", region_code="520502", opening_hours="Su closed")
        UserFactory(username="bj_manager", manager=True, stations=[station])
        db.session.commit()
        return station.id


def act(app, station_id, do):
    with app.app_context():
        station = db.session.get(Station, station_id)
        user = db.session.scalar(sa.select(User).where(User.username == "bj_manager"))
        do(station, user)
        db.session.commit()


def test_history_page_in_words_without_no_change_rows(app, client, station_id):
    with time_machine.travel(T0, tick=False):
        act(app, station_id, lambda s, u: station_admin.confirm_station(u, s))
    with time_machine.travel(T0.replace(second=40), tick=False):
        # Confirmed again in the same minute: "09:54 → 09:54" says nothing.
        act(app, station_id, lambda s, u: station_admin.confirm_station(u, s))
        act(app, station_id, lambda s, u: posters.create_poster(s, u))
        act(app, station_id, lambda s, u: posters.rotate(s, u))
    with app.app_context():
        # An old entry whose values differ only in spelling ("closed" and "off" are one value).
        entry = AuditEntry(
            station_id=station_id,
            action="update",
            changes={
                "opening_hours": ["Su closed", "Su off"],
                "amenities": [["seating", "charging"], ["charging", "seating"]],
            },
            created_at=T0,
        )
        db.session.add(entry)
        db.session.commit()
        codes = db.session.scalars(sa.select(Poster.short_code).order_by(Poster.id)).all()
    login(client, "bj_manager")
    body = client.get(f"/manage/stations/{station_id}/history").get_data(as_text=True)
    for raw in ("poster_create", "poster_rotate", ">poster<", ">last_verified_at<"):
        assert raw not in body, raw
    assert "已生成签到海报" in body and "已更换签到海报" in body and "海报编号" in body
    # The replaced poster works for POSTER_GRACE_HOURS (24) more: the history says until when.
    assert "旧海报有效期至" in body and "<td>2026-03-03 09:54</td>" in body
    assert body.count("确认无误") == 2
    # Only the first confirmation changed the "last checked" time to the minute.
    assert body.count("<td>2026-03-02 09:54</td>") == 1
    assert "开放时间" not in body.split('<ol class="history">')[1]
    assert body.count('<li class="history-entry">') == 4  # the spelling-only edit is left out
    # Poster codes are grouped as printed on the poster (ABCD-EFGH).
    first, second = (posters.display_code(code) for code in codes)
    assert f"<td>—</td>\n          <td>{first}</td>" in body
    assert f"<td>{first}</td>\n          <td>{second}</td>" in body
