"""A report's notifications are written with its change: to the webhooks of its region and above."""

from datetime import timedelta

import orjson
import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import OutboxMessage, Report
from stationfinder.services import reports
from stationfinder.services.reports import workflow
from tests.factories import UserFactory
from tests.services.outbox.conftest import T0, hook

URL = "http://127.0.0.1:9/hook"


def _messages() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_report_goes_to_its_region_and_every_region_above(station):
    hooks = {code: hook(code, URL).id for code in ("520502", "520500", "520000", "000000")}
    hook("520501", URL)  # another county of the same city
    hook("520100", URL)  # another city
    report, _ = reports.file_report("station", "no_water", station_id=station.id, now=T0)
    db.session.commit()
    messages = _messages()
    assert sorted(m.webhook_id for m in messages) == sorted(hooks.values())
    assert {m.event for m in messages} == {"report.filed"}
    assert {m.status for m in messages} == {"pending"}
    assert all(m.due_at == T0 and m.tries == 0 and m.report_id == report.id for m in messages)


def test_a_community_report_goes_to_the_county_it_lies_in(ctx):
    county = hook("520502", URL)
    hook("520102", URL)
    reports.file_report("community", "blocked_passage", lat=27.30, lon=105.28, now=T0)
    db.session.commit()
    assert [m.webhook_id for m in _messages()] == [county.id]


def test_state_changes_are_sent_and_notes_and_me_toos_are_not(station):
    hook("520502", URL)
    staff = UserFactory(username="staff_bj", region_code="520500")
    report, _ = reports.file_report("station", "no_water", station_id=station.id, device_id="a", now=T0)
    db.session.commit()
    reports.file_report(
        "station", "no_water", station_id=station.id, device_id="b", description="还是没水", now=T0
    )
    workflow.change(report, staff, note="internal only", public=False, now=T0)
    db.session.commit()
    assert [m.event for m in _messages()] == ["report.filed"]
    workflow.change(report, staff, status="fixed", note="已修好饮水机", now=T0 + timedelta(hours=1))
    db.session.commit()
    changed = _messages()[-1]
    assert changed.event == "report.changed"
    payload = orjson.loads(changed.payload)
    assert payload["report"]["status"] == "fixed"
    assert payload["note"] == "已修好饮水机"


def test_a_private_note_is_not_sent(station):
    hook("520502", URL)
    staff = UserFactory(username="staff_bj", region_code="520500")
    report, _ = reports.file_report("station", "no_water", station_id=station.id, now=T0)
    workflow.change(
        report, staff, status="acknowledged", note="call the landlord: 139…", public=False, now=T0
    )
    db.session.commit()
    assert orjson.loads(_messages()[-1].payload)["note"] == ""


def test_the_message_is_written_in_the_same_transaction_as_the_change(station):
    hook("520502", URL)
    reports.file_report("station", "no_water", station_id=station.id, now=T0)
    db.session.rollback()
    assert _messages() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 0


def test_no_webhook_no_message(station):
    reports.file_report("station", "no_water", station_id=station.id, now=T0)
    db.session.commit()
    assert _messages() == []


def test_json_message_holds_public_fields_only(station):
    hook("520502", URL)
    reports.file_report(
        "station", "no_water", station_id=station.id, device_id="phone-1", description="我的电话 139", now=T0
    )
    db.session.commit()
    payload = orjson.loads(_messages()[0].payload)
    assert payload["event"] == "report.filed"
    assert payload["report"]["station"]["name"] == "毕城红骑手驿站"
    assert payload["manage_url"] == f"http://sf.test/manage/reports/{payload['report']['code']}"
    text = _messages()[0].payload
    for private in ("139", "phone-1", "device", "description", "photo"):
        assert private not in text


def test_wecom_message_is_short_chinese_markdown(station):
    hook("520502", URL, fmt="wecom")
    report, _ = reports.file_report("station", "no_water", station_id=station.id, description="私事", now=T0)
    db.session.commit()
    message = orjson.loads(_messages()[0].payload)
    assert message["msgtype"] == "markdown"
    content = message["markdown"]["content"]
    for part in (
        "无饮用水",
        "毕城红骑手驿站",
        "新反馈",
        report.code,
        f"http://sf.test/manage/reports/{report.code}",
    ):
        assert part in content, part
    assert "私事" not in content
    assert len(content.encode()) < 1000


def test_wecom_message_of_a_place_is_rounded(ctx):
    hook("520502", URL, fmt="wecom")
    reports.file_report("community", "blocked_passage", lat=27.301234, lon=105.284567, now=T0)
    db.session.commit()
    content = orjson.loads(_messages()[0].payload)["markdown"]["content"]
    assert "(27.301, 105.285)" in content
    assert "27.3012" not in content
    assert "通道堵塞" in content


@pytest.mark.parametrize("name", ["[点我](http://evil.test)", "<font color=red>x</font>", "# 标题"])
def test_station_names_cannot_add_markdown_to_the_group(ctx, name):
    from tests.factories import StationFactory

    made = StationFactory(name=name, region_code="520502")
    hook("520502", URL, fmt="wecom")
    reports.file_report("station", "dirty", station_id=made.id, now=T0)
    db.session.commit()
    content = orjson.loads(_messages()[0].payload)["markdown"]["content"]
    assert "evil.test)" not in content and "<font" not in content and "\n# " not in content
