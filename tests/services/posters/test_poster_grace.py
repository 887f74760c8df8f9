"""A replaced poster keeps working for POSTER_GRACE_HOURS, through every lookup and check-in path."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from stationfinder.config import ConfigError, from_environ
from stationfinder.extensions import db
from stationfinder.models import AuditEntry, Checkin
from stationfinder.services import checkins
from stationfinder.services.errors import Gone, NotFound
from stationfinder.services.posters import tokens as posters
from tests.factories import StationFactory

# 10:00 in Shanghai.
T0 = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def rotated(station, **kw):
    """Rotate a station's poster at T0; return (old poster, new poster)."""
    old = posters.current_poster(station)
    new = posters.rotate(station, None, now=T0, **kw)
    return old, new


def test_the_old_poster_works_for_the_grace_period_then_answers_gone(ctx):
    station = StationFactory()
    old, new = rotated(station)
    assert old.retired_at == T0 + timedelta(hours=24)
    assert posters.current_poster(station, create=False).id == new.id
    with time_machine.travel(T0 + timedelta(hours=23, minutes=59), tick=False):
        assert posters.by_token(old.token).id == old.id
        assert posters.by_short_code(old.short_code).id == old.id
        assert [p.id for p in posters.in_grace(station)] == [old.id]
    with time_machine.travel(T0 + timedelta(hours=24), tick=False):
        with pytest.raises(Gone):
            posters.by_token(old.token)
        with pytest.raises(Gone):
            posters.by_short_code(old.short_code)
        assert posters.in_grace(station) == []
        assert posters.by_token(new.token).id == new.id


def test_record_counts_the_old_token_for_its_station_during_the_grace_period(ctx):
    station = StationFactory()
    old, new = rotated(station)
    checkin, duplicate = checkins.record(old.token, "phone-1", None, now=T0 + timedelta(hours=23))
    assert not duplicate and checkin.station_id == station.id and checkin.poster_id == old.id
    with pytest.raises(Gone):
        checkins.record(old.token, "phone-2", None, now=T0 + timedelta(hours=24))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Checkin)) == 1


def test_grace_zero_retires_at_once_and_ends_a_running_grace(ctx):
    station = StationFactory()
    first, second = rotated(station)
    # The poster was copied: replaced again, at once; the first one's grace ends too.
    third = posters.rotate(station, None, grace=timedelta(0), now=T0 + timedelta(hours=1))
    assert first.retired_at == second.retired_at == T0 + timedelta(hours=1)
    for token in (first.token, second.token):
        with pytest.raises(Gone):
            checkins.record(token, "phone-1", None, now=T0 + timedelta(hours=1))
    assert checkins.record(third.token, "phone-1", None, now=T0 + timedelta(hours=1))[0].poster_id == third.id


def test_a_second_rotation_never_extends_a_running_grace(ctx):
    station = StationFactory()
    first, _ = rotated(station)
    posters.rotate(station, None, now=T0 + timedelta(hours=20))
    assert first.retired_at == T0 + timedelta(hours=24)


def test_the_grace_period_is_a_setting(app_factory):
    app = app_factory(POSTER_GRACE_HOURS=0.5)
    with app.app_context():
        old, _ = rotated(StationFactory())
        assert old.retired_at == T0 + timedelta(minutes=30)
    assert from_environ({"POSTER_GRACE_HOURS": "48"})["POSTER_GRACE_HOURS"] == 48
    for bad in ("-1", "nan", "1e9"):
        with pytest.raises(ConfigError, match="POSTER_GRACE_HOURS"):
            app_factory(POSTER_GRACE_HOURS=float(bad))


@pytest.mark.parametrize(
    ("base", "host", "problem"),
    [
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000/", "default"),
        ("http://localhost:8000", "https://sf.example.cn/", "local"),
        ("http://192.168.1.20", "https://sf.example.cn/", "local"),
        ("http://[::1]:5000", "https://sf.example.cn/", "local"),
        ("https://sf.example.cn", "https://other.example.cn/", "other_host"),
        ("https://sf.example.cn", "https://sf.example.cn:8443/", "other_host"),
        ("https://sf.example.cn", "https://SF.example.cn/", None),
        ("https://sf.example.cn:443", "https://sf.example.cn/", None),
        ("https://sf.example.cn/stations", "https://sf.example.cn/", None),
        # Behind a proxy that does not pass the host, or on the server itself: nothing to compare.
        ("https://sf.example.cn", "http://127.0.0.1:8000/", None),
        # A Host header that makes no URL (it comes from the client) is no reason to fail.
        ("https://sf.example.cn", "http://[::1/", None),
        ("https://sf.example.cn", "http://sf.example.cn:99999/", "other_host"),
        ("http://[bad", "https://sf.example.cn/", "local"),
    ],
)
def test_address_problem(base, host, problem):
    assert posters.address_problem(base, host, default="http://127.0.0.1:5000") == problem


def test_restore_undoes_a_rotation_and_can_itself_be_undone(ctx):
    station = StationFactory()
    old, new = rotated(station)
    back = posters.restore(station, old.id, None, now=T0 + timedelta(hours=1))
    assert back.id == old.id and old.retired_at is None
    assert posters.current_poster(station, create=False).id == old.id
    # The replacement may already be up somewhere: it gets the grace period in turn.
    assert new.retired_at == T0 + timedelta(hours=25)
    posters.restore(station, new.id, None, now=T0 + timedelta(hours=2))
    assert posters.current_poster(station, create=False).id == new.id
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.station_id == station.id).order_by(AuditEntry.id)
    ).all()
    assert actions == ["poster_create", "poster_rotate", "poster_restore", "poster_restore"]


def test_restore_refuses_after_the_grace_period_and_other_stations_posters(ctx):
    station, other = StationFactory(), StationFactory()
    old, new = rotated(station)
    with pytest.raises(Gone):
        posters.restore(station, old.id, None, now=T0 + timedelta(hours=24))
    stranger = posters.current_poster(other)
    for poster_id in (stranger.id, 0, -1, 2**40):
        with pytest.raises(NotFound):
            posters.restore(station, poster_id, None, now=T0)
    assert old.retired_at == T0 + timedelta(hours=24) and new.retired_at is None
