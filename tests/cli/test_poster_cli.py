"""``stations checkin-url|poster|posters`` and ``checkins purge`` through the CLI runner."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Checkin, CheckinRollup, DeviceDay, DevicePresence, Poster, Station, utcnow
from stationfinder.services import checkins
from stationfinder.services.posters import tokens as posters
from tests.factories import StationFactory
from tests.qr import decode_qr, hide_pdf_text_font, pdf_pages


@pytest.fixture
def stations(app):
    with app.app_context():
        made = [
            StationFactory(ref="gy-1", region_code="520102"),
            StationFactory(ref="bj-1", region_code="520502"),
            StationFactory(ref="bj-2", region_code="520502"),
            StationFactory(ref="bj-closed", region_code="520502", status="closed"),
        ]
        db.session.commit()
        return {s.ref: s.id for s in made}


def test_checkin_url_creates_the_first_poster_then_repeats_it(app, runner, stations):
    first = runner.invoke(args=["stations", "checkin-url", "gy-1"])
    assert first.exit_code == 0, first.output
    url = first.output.strip().splitlines()[-1]
    assert url.startswith("http://sf.test/c/") and len(url) > len("http://sf.test/c/") + 20
    again = runner.invoke(args=["stations", "checkin-url", str(stations["gy-1"])])
    assert again.output.strip().splitlines()[-1] == url
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Poster)) == 1


def test_checkin_url_of_an_unknown_station_fails(runner, stations):
    result = runner.invoke(args=["stations", "checkin-url", "nope"])
    assert result.exit_code != 0 and "no station" in result.output


@pytest.mark.parametrize("fmt", ["pdf", "png", "svg"])
def test_poster_writes_each_format(app, runner, stations, tmp_path, fmt):
    out = tmp_path / f"poster.{fmt}"
    result = runner.invoke(args=["stations", "poster", "bj-1", "--format", fmt, "--output", str(out)])
    assert result.exit_code == 0, result.output
    url = runner.invoke(args=["stations", "checkin-url", "bj-1"]).output.strip().splitlines()[-1]
    body = out.read_bytes()
    if fmt == "pdf":
        assert decode_qr(pdf_pages(body)[0][0]) == url
    elif fmt == "png":
        from PIL import Image

        assert decode_qr(Image.open(out)) == url
    else:
        assert ET.fromstring(body).tag.endswith("svg")


def test_poster_rejects_an_unknown_format(runner, stations, tmp_path):
    result = runner.invoke(
        args=["stations", "poster", "bj-1", "--format", "gif", "--output", str(tmp_path / "x")]
    )
    assert result.exit_code == 2


def test_posters_writes_one_page_per_open_station_of_the_region(app, runner, stations, tmp_path):
    out = tmp_path / "bj.pdf"
    result = runner.invoke(args=["stations", "posters", "--region", "520500", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 posters" in result.output
    with app.app_context():
        expected = [
            posters.checkin_url(
                posters.current_poster(db.session.get(Station, stations[ref])), "http://sf.test"
            )
            for ref in ("bj-1", "bj-2")
        ]
    assert [decode_qr(image) for image, _ in pdf_pages(out.read_bytes())] == expected


@pytest.mark.parametrize("args", [["poster", "bj-1"], ["posters", "--region", "520500"]])
def test_pdf_commands_name_the_font_package_when_it_is_missing(runner, stations, tmp_path, monkeypatch, args):
    hide_pdf_text_font(monkeypatch)
    out = tmp_path / "x.pdf"
    result = runner.invoke(args=["stations", *args, "--output", str(out)])
    assert result.exit_code == 1
    assert "install Debian's fonts-wqy-microhei" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_poster_fonts_reports_what_to_install(runner, monkeypatch):
    assert runner.invoke(args=["stations", "poster-fonts"]).exit_code == 0
    hide_pdf_text_font(monkeypatch)
    result = runner.invoke(args=["stations", "poster-fonts"])
    assert result.exit_code == 1 and "install Debian's fonts-wqy-microhei" in result.output


@pytest.mark.parametrize(("region", "message"), [("5205", "6 digits"), ("110000", "no open station")])
def test_posters_refuses_bad_or_empty_regions(runner, stations, tmp_path, region, message):
    result = runner.invoke(
        args=["stations", "posters", "--region", region, "--output", str(tmp_path / "x.pdf")]
    )
    assert result.exit_code != 0 and message in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_purge_removes_old_rows_keeps_rollups_and_reports_counts(app, runner, stations):
    with app.app_context():
        token = posters.current_poster(db.session.get(Station, stations["gy-1"])).token
        db.session.commit()
        now = utcnow()
        for age_days in (100, 95, 10):
            checkins.record(token, f"phone-{age_days}", "courier", now=now - timedelta(days=age_days))
        db.session.commit()
    result = runner.invoke(args=["checkins", "purge", "--older-than", "90"])
    assert result.exit_code == 0, result.output
    assert "removed 2 check-ins, 10 device-day rows and 2 device-presence rows" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Checkin)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DeviceDay)) == 5
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DevicePresence)) == 1
        assert db.session.scalar(sa.select(sa.func.sum(CheckinRollup.count))) == 3


@pytest.mark.parametrize("days", ["0", "-1", "ten"])
def test_purge_refuses_bad_ages(runner, days):
    result = runner.invoke(args=["checkins", "purge", "--older-than", days])
    assert result.exit_code != 0
