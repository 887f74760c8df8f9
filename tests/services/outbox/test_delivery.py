"""``units.deliver`` against a receiver on 127.0.0.1: retries, signatures, two workers, a killed one."""

import hashlib
import hmac
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta

import orjson
import pytest
import sqlalchemy as sa

from stationfinder import units
from stationfinder.extensions import db
from stationfinder.models import OutboxMessage, utcnow
from stationfinder.services import reports
from tests.factories import StationFactory
from tests.services.outbox.conftest import SECRET, T0, hook


def _statuses() -> list[str]:
    return list(db.session.scalars(sa.select(OutboxMessage.status).order_by(OutboxMessage.id)))


def _file(station, category="no_water", now=T0):
    report, _ = reports.file_report("station", category, station_id=station.id, now=now)
    db.session.commit()
    return report


def test_two_failures_then_a_success(station, receiver):
    hook("520502", receiver.url)
    _file(station)
    receiver.statuses[:] = [500, 500]
    first = units.deliver(now=T0)
    assert (first.sent, first.failed) == (0, 1)
    assert units.deliver(now=T0 + timedelta(seconds=29)).tried == 0  # the first retry waits 30 s
    second = units.deliver(now=T0 + timedelta(seconds=30))
    assert (second.sent, second.failed) == (0, 1)
    assert units.deliver(now=T0 + timedelta(seconds=89)).tried == 0  # then 60 s
    third = units.deliver(now=T0 + timedelta(seconds=90))
    assert (third.sent, third.failed) == (1, 0)
    assert _statuses() == ["delivered"]
    bodies = {orjson.loads(r.body)["delivery"] for r in receiver.received}
    assert len(receiver.received) == 3 and len(bodies) == 1  # one message, tried three times
    assert units.deliver(now=T0 + timedelta(days=1)).tried == 0


def test_json_is_signed_over_a_body_that_holds_its_timestamp(station, receiver):
    hook("520502", receiver.url)
    report = _file(station)
    units.deliver(now=T0)
    (got,) = receiver.received
    assert got.path == "/hook?key=robot-key-123"
    expected = hmac.new(SECRET.encode(), got.body, hashlib.sha256).hexdigest()
    assert got.headers["X-Stationfinder-Signature"] == f"sha256={expected}"
    body = orjson.loads(got.body)
    assert str(body["timestamp"]) == got.headers["X-Stationfinder-Timestamp"]
    assert got.headers["X-Stationfinder-Event"] == "report.filed" == body["event"]
    assert got.headers["X-Stationfinder-Delivery"] == str(body["delivery"])
    assert body["report"]["code"] == report.code
    assert "device_hash" not in got.body.decode() and "description" not in body["report"]


def test_wecom_gets_the_robot_message_and_its_errcode_decides(station, receiver):
    hook("520502", receiver.url, fmt="wecom")
    _file(station)
    receiver.answer = b'{"errcode": 93000, "errmsg": "invalid webhook url"}'
    assert units.deliver(now=T0).failed == 1
    row = db.session.scalar(sa.select(OutboxMessage))
    assert row.last_status == 200 and "93000" in row.last_error
    receiver.answer = b'{"errcode": 0, "errmsg": "ok"}'
    assert units.deliver(now=T0 + timedelta(minutes=1)).sent == 1
    message = orjson.loads(receiver.received[-1].body)
    assert message["msgtype"] == "markdown" and "无饮用水" in message["markdown"]["content"]
    assert "X-Stationfinder-Signature" not in receiver.received[-1].headers


def test_a_redirect_is_a_failure_and_is_not_followed(station, receiver):
    hook("520502", receiver.url)
    _file(station)
    receiver.statuses[:] = [302]
    assert units.deliver(now=T0).failed == 1
    assert len(receiver.received) == 1


def test_abandoned_after_the_last_try(app_factory, receiver):
    app = app_factory(OUTBOX_MAX_TRIES=3)
    with app.app_context():
        station = StationFactory(region_code="520502")
        db.session.commit()
        hook("520502", receiver.url)
        _file(station)
        receiver.default = 500
        now = T0
        for _ in range(3):
            units.deliver(now=now)
            now += timedelta(hours=7)
        assert _statuses() == ["abandoned"]
        assert len(receiver.received) == 3


def test_a_refused_destination_is_a_failure_without_traffic(station, receiver):
    webhook = hook("520502", receiver.url)
    _file(station)
    webhook.allow_private = False  # as if the address had changed to a private one since
    db.session.commit()
    assert units.deliver(now=T0).failed == 1
    assert receiver.received == []


def test_two_workers_deliver_each_message_once(app, receiver):
    with app.app_context():
        stations = [StationFactory(region_code="520502") for _ in range(12)]
        db.session.commit()
        hook("520502", receiver.url)
        for made in stations:
            _file(made)
    receiver.delay = 0.02
    results = []

    def work():
        with app.app_context():
            results.append(units.deliver(now=T0 + timedelta(seconds=1)))

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    deliveries = [orjson.loads(r.body)["delivery"] for r in receiver.received]
    assert sorted(deliveries) == sorted(set(deliveries)) and len(deliveries) == 12
    assert sum(r.sent for r in results) == 12
    with app.app_context():
        assert _statuses() == ["delivered"] * 12


def _worker_env(app) -> dict:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("connect_args", {}).get("options")
    if options:  # the test schema on PostgreSQL
        url += "?options=" + options.replace("=", "%3D")
    return os.environ | {
        "DATABASE_URL": url,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "APP_ENV": "development",
        "PUBLIC_BASE_URL": "http://sf.test",
    }


def test_a_killed_worker_leaves_its_message_to_the_next(app, station, receiver):
    hook("520502", receiver.url)
    report = _file(station, now=utcnow())
    receiver.hang.set()
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "stationfinder", "outbox", "work", "--once"],
        env=_worker_env(app),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert receiver.arrived.wait(60), (
            worker.stderr.read().decode()[-2000:] if worker.poll() else "no request"
        )
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.wait(30)
        worker.stderr.close()
    receiver.hang.clear()
    db.session.expire_all()
    row = db.session.scalar(sa.select(OutboxMessage))
    assert (row.status, row.tries) == ("pending", 1) and row.lease_token is not None
    assert units.deliver().tried == 0  # its lease still holds: nobody else sends it meanwhile
    later = units.deliver(now=row.lease_until)
    assert later.sent == 1
    assert len(receiver.received) == 2
    assert {orjson.loads(r.body)["report"]["code"] for r in receiver.received} == {report.code}


@pytest.mark.parametrize("fmt", ["json", "wecom"])
def test_the_cli_sends_what_is_due_once(runner, station, receiver, fmt):
    hook("520502", receiver.url, fmt=fmt)
    _file(station, now=utcnow())
    result = runner.invoke(args=["outbox", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    assert len(receiver.received) == 1
